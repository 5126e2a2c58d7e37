"""The one small interface over the event stream, its in-process implementation, and emitters.

The embedded default keeps events in this process (:class:`MemoryEventStream`);
production keeps them in a Redis stream (:class:`~eligate.events.RedisEventStream`)
so any replica serves any client. Both hand out ``<ms>-<seq>`` ids that only grow.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

import structlog

from eligate.events._models import Event, EventPage, EventType, Scalar, parse_id, thin
from eligate.events.errors import EventError

_log = structlog.get_logger("eligate.events")


def utcnow() -> datetime:
    """Wall-clock time in UTC: the default clock of the streams."""
    return datetime.now(UTC)


class EventStream(Protocol):
    """Where events are announced and read back, in id order."""

    async def publish(
        self, event_type: EventType, *, data: Mapping[str, Scalar], payer_id: str | None = None
    ) -> Event:
        """Append one event; returns it with its id."""

    async def read(self, *, after: str, limit: int = 100, wait: float = 0.0) -> EventPage:
        """Events with ids above ``after`` (oldest first), waiting up to ``wait`` s for one."""

    async def latest_id(self) -> str:
        """The id of the newest event, ``"0-0"`` on an empty stream (read from now on)."""

    async def recent(self, limit: int) -> tuple[Event, ...]:
        """The newest ``limit`` events, oldest first (the dashboard's look back)."""

    async def close(self) -> None:
        """Release connections."""


class MemoryEventStream:
    """Events in this process, the newest ``retain`` kept: the embedded default and unit tests."""

    def __init__(self, *, retain: int = 10_000, now: Callable[[], datetime] = utcnow) -> None:
        self._events: deque[Event] = deque()
        self._retain = retain
        self._now = now
        self._seq = itertools.count(1)
        self._trimmed = (0, 0)
        self._changed = asyncio.Condition()

    async def publish(
        self, event_type: EventType, *, data: Mapping[str, Scalar], payer_id: str | None = None
    ) -> Event:
        """Append one event (ids ``0-1``, ``0-2``, ...)."""
        event = Event(
            id=f"0-{next(self._seq)}",
            type=event_type,
            payer_id=payer_id,
            time=self._now(),
            data=thin(data),
        )
        async with self._changed:
            self._events.append(event)
            while len(self._events) > self._retain:
                self._trimmed = parse_id(self._events.popleft().id)
            self._changed.notify_all()
        return event

    def _after(self, after: tuple[int, int], limit: int) -> tuple[Event, ...]:
        found = [e for e in self._events if parse_id(e.id) > after]
        return tuple(found[:limit])

    async def read(self, *, after: str, limit: int = 100, wait: float = 0.0) -> EventPage:
        """Events after ``after``; ``gap`` when some of them were trimmed already."""
        mark = parse_id(after)
        gap = mark < self._trimmed
        found = self._after(mark, limit)
        if not found and wait > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._after(mark, 1))), wait
                    )
            found = self._after(mark, limit)
        return EventPage(events=found, gap=gap)

    async def latest_id(self) -> str:
        """The newest id, or ``0-0``."""
        return self._events[-1].id if self._events else "0-0"

    async def recent(self, limit: int) -> tuple[Event, ...]:
        """The newest ``limit`` events, oldest first."""
        return tuple(self._events)[-limit:] if limit > 0 else ()

    async def close(self) -> None:
        """Nothing to release."""


class Announcer:
    """Announces facts without ever failing the work that produced them.

    The core, the breaker and the batch call it; a stream that does not answer is
    logged (``events.publish_failed``) and the fact stands.
    """

    def __init__(self, stream: EventStream, *, timeout: float = 1.0) -> None:
        self.stream = stream
        self._timeout = timeout
        self._pending: set[asyncio.Task[Event | None]] = set()

    async def announce(
        self,
        event_type: EventType,
        *,
        payer_id: str | None = None,
        counts: Mapping[str, int] | None = None,
        **data: Scalar,
    ) -> Event | None:
        """Publish now (``counts`` merged into ``data``); None (logged) when the stream failed."""
        return await self._send(event_type, payer_id, {**(counts or {}), **data})

    async def _send(
        self, event_type: EventType, payer_id: str | None, data: Mapping[str, Scalar]
    ) -> Event | None:
        try:
            async with asyncio.timeout(self._timeout):
                return await self.stream.publish(event_type, data=data, payer_id=payer_id)
        except (EventError, OSError, TimeoutError) as error:
            _log.warning("events.publish_failed", type=event_type, error=type_name(error))
            return None

    def announce_soon(
        self, event_type: EventType, *, payer_id: str | None = None, **data: Scalar
    ) -> None:
        """Publish from synchronous code (the breaker's hook) on the running loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller in a test): nothing to announce on
        task = loop.create_task(self._send(event_type, payer_id, data))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for events announced from synchronous code."""
        while self._pending:
            await asyncio.gather(*tuple(self._pending))


def type_name(error: BaseException) -> str:
    """The error's class name: logged instead of its message (which may quote data)."""
    return type(error).__name__
