"""A minimal server-sent events reader over httpx, and a uvicorn server on a spare port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI


@dataclass(frozen=True, slots=True)
class Received:
    """One SSE message as a browser's EventSource would see it."""

    id: str | None
    event: str
    data: str


async def messages(response: httpx.Response) -> AsyncIterator[Received]:
    """Parse ``text/event-stream`` lines into messages (comments, i.e. heartbeats, skipped)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in fields or "event" in fields:
                yield Received(
                    fields.get("id"), fields.get("event", "message"), fields.get("data", "")
                )
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value.removeprefix(" ")


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """``app`` under uvicorn on a spare loopback port; its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, access_log=False, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(10):
            await task
