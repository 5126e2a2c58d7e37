"""The event stream's two implementations: monotonic ids, replay, trimming and ``gap``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from eligate.events import (
    Announcer,
    EventStream,
    EventUsageError,
    MemoryEventStream,
    RedisEventStream,
    check_type,
    parse_id,
)

AT = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "redis"])
async def stream(
    request: pytest.FixtureRequest, redis_client: Redis, redis_prefix: str
) -> EventStream:
    """Each implementation, retaining five events, on a fixed clock."""
    made: EventStream
    if request.param == "memory":
        made = MemoryEventStream(retain=5, now=lambda: AT)
    else:
        made = RedisEventStream(redis_client, key=f"{redis_prefix}events", retain=5, now=lambda: AT)
    return made


async def test_ids_grow_and_events_read_back_in_order(stream: EventStream) -> None:
    """Published events come back after a given id, oldest first, with their payload."""
    start = await stream.latest_id()
    published = [
        await stream.publish("batch.progress", data={"batch_id": "b1", "verified": n}, payer_id="p")
        for n in range(3)
    ]
    ids = [parse_id(e.id) for e in published]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3
    page = await stream.read(after=start)
    assert [e.data["verified"] for e in page.events] == [0, 1, 2]
    assert page.events[0].payer_id == "p"
    assert page.events[0].time == AT
    assert not page.gap
    after_first = await stream.read(after=published[0].id)
    assert [e.id for e in after_first.events] == [e.id for e in published[1:]]
    assert await stream.latest_id() == published[-1].id


async def test_a_reader_behind_the_retained_window_is_told_gap(stream: EventStream) -> None:
    """Past ``retain`` events, reading from the oldest id reports a gap; recent ids do not."""
    first = await stream.publish("batch.started", data={"batch_id": "b"})
    more = [await stream.publish("batch.progress", data={"n": n}) for n in range(6)]
    behind = await stream.read(after=first.id)
    assert behind.gap
    assert len(behind.events) == 5
    recent = await stream.read(after=more[-3].id)
    assert not recent.gap
    assert [e.id for e in recent.events] == [e.id for e in more[-2:]]


async def test_a_waiting_read_wakes_on_a_publish(stream: EventStream) -> None:
    """A read with ``wait`` returns the event published while it waited."""
    start = await stream.latest_id()
    reader = asyncio.create_task(stream.read(after=start, wait=5.0))
    await asyncio.sleep(0.05)
    event = await stream.publish("payer.breaker_opened", data={"failures": 5}, payer_id="alpha")
    page = await reader
    assert [e.id for e in page.events] == [event.id]


async def test_payloads_are_scalars_only(stream: EventStream) -> None:
    """A nested value (a member record, say) is refused before it reaches the stream."""
    with pytest.raises(EventUsageError):
        await stream.publish("batch.started", data={"member": {"name": "x"}})  # type: ignore[dict-item]


def test_types_and_ids_are_checked() -> None:
    """Unknown types and malformed ids are usage errors with stable codes."""
    assert check_type("payer.breaker_opened") == "payer.breaker_opened"
    with pytest.raises(EventUsageError) as raised:
        check_type("payer.on_fire")
    assert raised.value.code == "event_usage"
    with pytest.raises(EventUsageError):
        parse_id("abc")
    assert parse_id("17-3") < parse_id("18-0")


class _Broken:
    async def publish(self, *args: object, **kwargs: object) -> None:
        raise OSError("down")


async def test_the_announcer_never_fails_the_work() -> None:
    """A stream that fails is logged and the announcement returns None."""
    announcer = Announcer(_Broken())  # type: ignore[arg-type]
    assert await announcer.announce("batch.started", batch_id="b") is None
    memory = MemoryEventStream()
    live = Announcer(memory)
    live.announce_soon("payer.breaker_closed", payer_id="alpha", failures=0)
    await live.drain()
    page = await memory.read(after="0-0")
    assert [(e.type, e.payer_id) for e in page.events] == [("payer.breaker_closed", "alpha")]
