"""The outermost layer of every request: correlation ID, size limit, access log, metrics.

Pure ASGI (no ``BaseHTTPMiddleware``) so the correlation ID bound here is the one
the route, the core and every log line see, and so the body is counted as it
streams in: a request larger than ``max_request_bytes`` gets 413 before anything
parses it. An exception nothing else handled becomes a 500 ``internal_error``
without a traceback in the body; its type and location are logged, not its
message (which may quote data).
"""

from __future__ import annotations

import asyncio
import re
import time
import traceback
import uuid
from typing import Any

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eligate.service._handlers import error_response
from eligate.service._logging import get_logger
from eligate.service._metrics import Metrics

CORRELATION_HEADER = "X-Correlation-ID"
_VALID_CORRELATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def new_correlation_id() -> str:
    """A fresh correlation ID."""
    return uuid.uuid4().hex


def accept_correlation_id(value: str | None) -> str | None:
    """``value`` when it is a usable correlation ID (1-128 of ``A-Za-z0-9._:-``), else None."""
    if value is not None and _VALID_CORRELATION.fullmatch(value):
        return value
    return None


class _TooLargeError(Exception):
    pass


class RequestContextMiddleware:
    """Correlation ID in and out, body size limit, one ``service.request_completed`` per request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        max_request_bytes: int,
        body_timeout_s: float = 10.0,
    ) -> None:
        self._app = app
        self._metrics = metrics
        self._max = max_request_bytes
        self._body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        correlation_id = (
            accept_correlation_id(headers.get(CORRELATION_HEADER)) or new_correlation_id()
        )
        state: dict[str, Any] = scope.setdefault("state", {})
        state["correlation_id"] = correlation_id
        response = {"status": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["started"] = True
                MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation_id
            await send(message)

        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id, client=None):
            try:
                if "content-length" in headers and "transfer-encoding" in headers:
                    raise _RefusedError(
                        400, "ambiguous_body_length", "send Content-Length or Transfer-Encoding"
                    )
                try:
                    async with asyncio.timeout(self._body_timeout_s):
                        body = await self._read_body(headers, receive)
                except TimeoutError:
                    raise _RefusedError(
                        408, "request_timeout", f"no full body in {self._body_timeout_s:g} s"
                    ) from None
                await self._app(scope, _replay(body, receive), send_with_id)
            except _RefusedError as refused:
                reply = error_response(
                    status_code=refused.status, code=refused.code, message=refused.message,
                    correlation_id=correlation_id, headers={"Connection": "close"},
                )  # fmt: skip
                await reply(scope, receive, send_with_id)
            except _TooLargeError:
                await self._refuse_too_large(scope, receive, send_with_id, correlation_id)
            except _ClientGoneError:
                response["status"] = 499
            except Exception as error:
                self._log_unhandled(error)
                if not response["started"]:
                    reply = error_response(
                        status_code=500,
                        code="internal_error",
                        message="the service failed to answer; the correlation ID finds the cause",
                        correlation_id=correlation_id,
                    )
                    await reply(scope, receive, send_with_id)
            finally:
                self._complete(scope, int(response["status"]), started)

    async def _read_body(self, headers: Headers, receive: Receive) -> bytes:
        """The whole body, refused as soon as it (or its declared length) is too large."""
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max:
            raise _TooLargeError
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGoneError
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self._max:
                raise _TooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse_too_large(
        self, scope: Scope, receive: Receive, send: Send, correlation_id: str
    ) -> None:
        reply = error_response(
            status_code=413,
            code="payload_too_large",
            message=f"the request body is larger than {self._max} bytes",
            correlation_id=correlation_id,
            headers={"Connection": "close"},
        )
        await reply(scope, receive, send)

    def _log_unhandled(self, error: Exception) -> None:
        frames = traceback.extract_tb(error.__traceback__)
        get_logger().error(
            "service.unhandled_error",
            error_type=type(error).__name__,
            at=[f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames[-5:]],
        )

    def _complete(self, scope: Scope, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        route = scope.get("route")
        template = str(getattr(route, "path", "unmatched"))
        method = str(scope.get("method", ""))
        self._metrics.observe_request(route=template, method=method, status=status, seconds=seconds)
        state = scope.get("state", {})
        get_logger().info(
            "service.request_completed",
            method=method,
            route=template,
            status=status,
            duration_ms=round(seconds * 1000, 3),
            client=state.get("client"),
            **state.get("log", {}),
        )


class _ClientGoneError(Exception):
    pass


class _RefusedError(Exception):
    """A request refused before the app sees it (smuggling-prone framing, a dribbled body)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body over once, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
