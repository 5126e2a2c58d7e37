"""A route class for JSON bodies: authenticate first, then check the type, then refuse duplicates.

FastAPI reads and parses a route's JSON body before any dependency runs, so a
malformed body was answered (422) before the API key was looked at, a body of
the wrong type reached validation (422 instead of 415), and a key given twice
silently kept its last value. :class:`JsonBodyRoute` does these checks first, in
this order: the caller's key (401), the content type (415), duplicate keys (422
``duplicate_json_key``). Scopes and rate limits stay in the route's dependency.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import Response

from eligate.service._auth import authenticate_limited
from eligate.service.errors import ApiError


class _DuplicateKeyError(ValueError):
    """A JSON object names one key twice."""


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _DuplicateKeyError
    return document


def is_json(content_type: str) -> bool:
    """Whether a Content-Type header names JSON (``application/json`` or ``+json``)."""
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class JsonBodyRoute(APIRoute):
    """An :class:`~fastapi.routing.APIRoute` that checks the caller and the body's form first."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind the key, type and duplicate-key checks."""
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await authenticate_limited(request.app.state.service, request)
            if not is_json(request.headers.get("content-type", "")):
                raise ApiError(
                    status_code=415,
                    code="unsupported_media_type",
                    message="send the body as application/json",
                )
            body = await request.body()  # kept on the request: FastAPI reads it again
            try:
                json.loads(body, object_pairs_hook=_refuse_duplicates)
            except _DuplicateKeyError:
                raise ApiError(
                    status_code=422,
                    code="duplicate_json_key",
                    message="the JSON body names a key twice in one object",
                ) from None
            except UnicodeDecodeError:  # FastAPI would answer a bare 400: keep the one 422
                raise RequestValidationError(
                    [{"type": "json_invalid", "loc": ("body",), "msg": "not UTF-8 JSON"}]
                ) from None
            except ValueError:
                pass  # malformed: FastAPI's own parse answers 422 json_invalid, as /v1/normalize
            return await handler(request)

        return checked
