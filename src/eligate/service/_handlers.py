"""Every error is JSON ``{"error": {"code", "message"}, "correlation_id"}``; none echoes input.

FastAPI's own validation handler returns the offending input values; member
names, IDs and birth dates would come back in error bodies. Ours reports where
and which rule, never what was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from eligate.service._logging import get_logger
from eligate.service._models import ErrorDetailPublic, ErrorPublic, FieldErrorPublic
from eligate.service.errors import ApiError

_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def error_response(
    *,
    status_code: int,
    code: str,
    message: str,
    correlation_id: str,
    headers: Mapping[str, str] | None = None,
    fields: Sequence[FieldErrorPublic] | None = None,
) -> JSONResponse:
    """The JSON response for one error."""
    body = ErrorPublic(
        error=ErrorDetailPublic(
            code=code, message=message, fields=list(fields) if fields is not None else None
        ),
        correlation_id=correlation_id,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=status_code,
        headers=dict(headers or {}),
    )


def correlation_id_of(request: Request) -> str:
    """The correlation ID the middleware put on the request."""
    value: str = getattr(request.state, "correlation_id", "") or "unknown"
    return value


def _field_errors(errors: Sequence[Any]) -> list[FieldErrorPublic]:
    fields = []
    for item in errors:
        location = ".".join(str(part) for part in item.get("loc", ()))
        fields.append(
            FieldErrorPublic(
                location=location,
                type=str(item.get("type", "invalid")),
                message=str(item.get("msg", "invalid value")).removeprefix("Value error, "),
            )
        )
    return fields


def _loggable(field: FieldErrorPublic) -> str:
    """Location and rule; an unexpected key's own name is client text, so it is masked."""
    location = field.location
    if field.type == "extra_forbidden":
        location = location.rpartition(".")[0] + ".<extra>"
    return f"{location}:{field.type}"


async def _api_error(request: Request, error: ApiError) -> Response:
    get_logger().info("service.request_refused", code=error.code, status=error.status_code)
    return error_response(
        status_code=error.status_code,
        code=error.code,
        message=error.message,
        correlation_id=correlation_id_of(request),
        headers=error.headers,
    )


MAX_FIELD_ERRORS = 20
"""Field errors listed in an answer and a log line; the message still counts them all.

A body with 60,000 unknown keys must not become a 5.7 MB answer and a 1.9 MB log line."""


async def _validation_error(request: Request, error: RequestValidationError) -> Response:
    problems = error.errors()
    fields = _field_errors(problems[:MAX_FIELD_ERRORS])
    get_logger().info(
        "service.request_invalid", fields=[_loggable(f) for f in fields], count=len(problems)
    )
    listed = f"; the first {MAX_FIELD_ERRORS} are listed" if len(problems) > len(fields) else ""
    return error_response(
        status_code=422,
        code="invalid_request",
        message=f"the request has {len(problems)} invalid field(s){listed}",
        correlation_id=correlation_id_of(request),
        fields=fields,
    )


async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
    status = error.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    return error_response(
        status_code=status,
        code=_CODE_BY_STATUS.get(status, f"http_{status}"),
        message=phrase.lower(),
        correlation_id=correlation_id_of(request),
        headers=error.headers,
    )


Handler = Callable[[Request, Any], Coroutine[Any, Any, Response]]


def exception_handlers() -> dict[int | type[Exception], Handler]:
    """The handlers that route every refusal through :func:`error_response`.

    Unexpected exceptions are turned into a 500 ``internal_error`` by the request
    middleware, which also sees errors raised outside the router.
    """
    return {
        ApiError: _api_error,
        RequestValidationError: _validation_error,
        StarletteHTTPException: _http_error,
    }
