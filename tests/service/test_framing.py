"""Request framing: Content-Length with Transfer-Encoding refused, a dribbled body timed out."""

from __future__ import annotations

import asyncio

from starlette.types import Message, Receive, Scope, Send

from eligate.service import build_server
from eligate.service._metrics import Metrics
from eligate.service._middleware import RequestContextMiddleware
from tests.own_servers import spare_port
from tests.service.conftest import CLINIC_KEY, make_settings
from tests.service.fakes import FakeCore


async def test_content_length_with_transfer_encoding_is_400_on_the_real_server() -> None:
    """Through uvicorn on a socket: both framings at once (smuggling-prone) is 400, closed.

    With httptools (``uvicorn[standard]``) the parser refuses it before the app; with
    h11 the app's middleware does (``ambiguous_body_length``). Either way the core
    never sees the request.
    """
    port = spare_port()
    core = FakeCore()
    server = build_server(make_settings(host="127.0.0.1", port=port), core)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /v1/eligibility HTTP/1.1\r\nHost: eligate.test\r\n"
            b"X-API-Key: " + CLINIC_KEY.encode() + b"\r\nContent-Type: application/json\r\n"
            b'Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n\r\n'
        )
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(4096), timeout=10)
        writer.close()
    finally:
        server.should_exit = True
        await serving
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"connection: close" in answer.lower()
    assert core.requests == []


async def test_the_middleware_refuses_both_framings_itself() -> None:
    """Behind a parser that lets both framings through, the middleware answers 400 in JSON."""
    sent: list[Message] = []
    reached: list[bool] = []

    async def app(_scope: Scope, _receive: Receive, _send: Send) -> None:
        reached.append(True)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = RequestContextMiddleware(app, metrics=Metrics(), max_request_bytes=1_000)
    scope: Scope = {
        "type": "http", "method": "POST", "path": "/v1/eligibility",
        "headers": [(b"content-length", b"2"), (b"transfer-encoding", b"chunked")],
        "query_string": b"", "http_version": "1.1", "scheme": "http",
        "server": ("t", 80), "client": ("127.0.0.1", 1), "root_path": "",
    }  # fmt: skip
    await middleware(scope, receive, send)
    assert reached == []
    assert sent[0]["status"] == 400
    assert b"ambiguous_body_length" in b"".join(m.get("body", b"") for m in sent)


async def test_a_body_that_never_finishes_is_408() -> None:
    """A client that sends part of a body and stalls is answered 408 after the body timeout."""
    sent: list[Message] = []
    reached: list[bool] = []

    async def app(_scope: Scope, _receive: Receive, _send: Send) -> None:
        reached.append(True)

    parts = iter([{"type": "http.request", "body": b'{"payer', "more_body": True}])

    async def receive() -> Message:
        part = next(parts, None)
        if part is None:
            await asyncio.Event().wait()  # the client stalls
        assert part is not None
        return part

    async def send(message: Message) -> None:
        sent.append(message)

    middleware = RequestContextMiddleware(
        app, metrics=Metrics(), max_request_bytes=1_000, body_timeout_s=0.05
    )
    scope: Scope = {
        "type": "http", "method": "POST", "path": "/v1/eligibility", "headers": [],
        "query_string": b"", "http_version": "1.1", "scheme": "http",
        "server": ("t", 80), "client": ("127.0.0.1", 1), "root_path": "",
    }  # fmt: skip
    await middleware(scope, receive, send)
    assert reached == []
    assert sent[0]["status"] == 408
    assert b"request_timeout" in sent[1]["body"]
