"""``GET /v1/events`` over a real uvicorn server and the real Redis stream."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from redis.asyncio import Redis

from eligate.events import EventStream, MemoryEventStream, RedisEventStream
from eligate.service import create_app
from eligate.service._state import EventConfig
from tests.service.conftest import CLINIC_KEY, NORMALIZE_KEY, make_settings
from tests.service.fakes import FakeCore
from tests.service.sse import Received, messages, serving

HEADERS = {"X-API-Key": CLINIC_KEY}


@pytest.fixture
async def redis_stream(redis_client: Redis, redis_prefix: str) -> RedisEventStream:
    """The production stream on this test's own key."""
    return RedisEventStream(redis_client, key=f"{redis_prefix}events", retain=1000)


def _app(stream: EventStream) -> object:
    return create_app(
        make_settings(),
        core=FakeCore(),
        events=stream,
        event_config=EventConfig(heartbeat_seconds=0.2, poll_seconds=0.2),
    )


async def _take(
    http: httpx.AsyncClient, n: int, *, params: dict[str, str], headers: dict[str, str]
) -> list[Received]:
    got: list[Received] = []
    async with http.stream("GET", "/v1/events", params=params, headers=headers) as response:
        assert response.status_code == 200
        async for message in messages(response):
            got.append(message)
            if len(got) == n:
                break  # leaving the block cuts the connection mid-run
    return got


async def test_a_cut_connection_resumes_from_last_event_id_without_gap_or_duplicate(
    redis_stream: RedisEventStream,
) -> None:
    """Events published while the client was away arrive once each, in order, after reconnect."""
    start = await redis_stream.latest_id()
    published: list[str] = []

    async def produce() -> None:
        for n in range(60):
            event = await redis_stream.publish(
                "batch.progress", data={"batch_id": "b1", "verified": n}, payer_id="alpha"
            )
            published.append(event.id)
            await asyncio.sleep(0.005)

    app = _app(redis_stream)
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:  # type: ignore[arg-type]
        producer = asyncio.create_task(produce())
        first = await _take(http, 15, params={"last_event_id": start}, headers=HEADERS)
        await asyncio.sleep(0.05)  # more events land while the client is away
        rest_wanted = 60 - len(first)
        assert first[-1].id is not None
        second = await _take(
            http, rest_wanted, params={}, headers={**HEADERS, "Last-Event-ID": first[-1].id}
        )
        await producer
    received = [m.id for m in first + second]
    assert received == published
    assert [json.loads(m.data)["data"]["verified"] for m in first + second] == list(range(60))
    assert {m.event for m in first + second} == {"batch.progress"}


async def test_filters_by_type_and_payer(redis_stream: RedisEventStream) -> None:
    """Only the asked types for the asked payer come through."""
    start = await redis_stream.latest_id()
    await redis_stream.publish("payer.breaker_opened", data={"failures": 5}, payer_id="alpha")
    await redis_stream.publish("payer.breaker_opened", data={"failures": 5}, payer_id="bravo")
    await redis_stream.publish("batch.started", data={"batch_id": "b"}, payer_id=None)
    wanted = await redis_stream.publish("payer.breaker_closed", data={}, payer_id="bravo")
    async with (
        serving(_app(redis_stream)) as base,  # type: ignore[arg-type]
        httpx.AsyncClient(base_url=base, timeout=10) as http,
    ):
        got = await _take(
            http,
            2,
            params={
                "last_event_id": start,
                "type": "payer.breaker_opened,payer.breaker_closed",
                "payer_id": "bravo",
            },
            headers=HEADERS,
        )
    assert [m.event for m in got] == ["payer.breaker_opened", "payer.breaker_closed"]
    assert got[-1].id == wanted.id


async def test_a_client_behind_the_window_gets_resync_first() -> None:
    """A Last-Event-ID older than the retained window is answered by a ``resync`` event."""
    stream = MemoryEventStream(retain=3)
    first = await stream.publish("batch.started", data={"batch_id": "b"})
    for n in range(5):
        await stream.publish("batch.progress", data={"n": n})
    async with (
        serving(_app(stream)) as base,  # type: ignore[arg-type]
        httpx.AsyncClient(base_url=base, timeout=10) as http,
    ):
        got = await _take(http, 4, params={}, headers={**HEADERS, "Last-Event-ID": first.id})
    assert got[0].event == "resync"
    assert [json.loads(m.data)["data"]["n"] for m in got[1:]] == [2, 3, 4]


async def test_bad_filters_and_scopes_are_4xx() -> None:
    """An unknown type or a bad id is 400 with a code; a key without the scope is 403."""
    app = _app(MemoryEventStream())
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        bad_type = await http.get("/v1/events", params={"type": "payer.on_fire"}, headers=HEADERS)
        assert bad_type.status_code == 400
        assert bad_type.json()["error"]["code"] == "event_usage"
        bad_id = await http.get("/v1/events", headers={**HEADERS, "Last-Event-ID": "nope"})
        assert bad_id.status_code == 400
        denied = await http.get("/v1/events", headers={"X-API-Key": NORMALIZE_KEY})
        assert denied.status_code == 403
