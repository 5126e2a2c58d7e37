"""The app under a real uvicorn server on a loopback port: headers, lifespan, shutdown."""

from __future__ import annotations

import asyncio

import httpx

from eligate.service import build_server
from tests.service.conftest import CLINIC_KEY, make_settings
from tests.service.fakes import FakeCore
from tests.service.test_eligibility_routes import inquiry


async def test_uvicorn_serves_the_app_on_port_0() -> None:
    """Requests over TCP get answers with correlation IDs; shutdown closes the core."""
    core = FakeCore()
    server = build_server(make_settings(max_request_bytes=4096, port=0), core)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            answered = await http.post(
                "/v1/eligibility", json=inquiry(), headers={"X-API-Key": CLINIC_KEY}
            )
            assert answered.status_code == 200
            assert answered.headers["x-correlation-id"] == core.requests[0].correlation_id
            too_large = await http.post(
                "/v1/normalize",
                content=b"ISA" + b"*" * 5000,
                headers={"X-API-Key": CLINIC_KEY, "Content-Type": "text/plain"},
            )
            assert too_large.status_code == 413
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await task
    assert core.closed
