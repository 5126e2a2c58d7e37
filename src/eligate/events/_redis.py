"""The event stream in a Redis stream: shared by every replica, trimmed to a retained window."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from eligate.events._models import Event, EventPage, EventType, Scalar, check_type, parse_id, thin
from eligate.events._stream import utcnow
from eligate.events.errors import EventStreamUnavailableError


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisEventStream:
    """Events in one Redis stream (``XADD``/``XRANGE``/``XREAD``), the newest ``retain`` kept.

    Redis gives the ids (``<ms>-<seq>``, strictly growing across every writer), so
    two replicas publishing at once still give subscribers one order.
    """

    def __init__(
        self,
        client: Redis,
        *,
        key: str = "eligate:events",
        retain: int = 10_000,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._client = client
        self._key = key
        self._retain = retain
        self._now = now

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisEventStream:
        """A stream on the Redis at ``url`` (``key``, ``retain`` and ``now`` as keywords)."""
        return cls(Redis.from_url(url, socket_connect_timeout=2), **options)

    async def publish(
        self, event_type: EventType, *, data: Mapping[str, Scalar], payer_id: str | None = None
    ) -> Event:
        """``XADD`` one event, trimming the stream to ``retain`` entries."""
        at = self._now()
        fields: dict[Any, Any] = {
            "type": event_type,
            "payer": payer_id or "",
            "time": at.isoformat(),
            "data": json.dumps(thin(data), separators=(",", ":")),
        }
        try:
            raw_id = await self._client.xadd(
                self._key, fields, maxlen=self._retain, approximate=False
            )
        except RedisError as error:
            raise EventStreamUnavailableError(f"event stream: {type(error).__name__}") from None
        return Event(id=_text(raw_id), type=event_type, payer_id=payer_id, time=at, data=dict(data))

    def _event(self, raw_id: Any, fields: Mapping[Any, Any]) -> Event:
        values = {_text(k): _text(v) for k, v in fields.items()}
        return Event(
            id=_text(raw_id),
            type=check_type(values["type"]),
            payer_id=values["payer"] or None,
            time=datetime.fromisoformat(values["time"]),
            data=json.loads(values["data"]),
        )

    async def read(self, *, after: str, limit: int = 100, wait: float = 0.0) -> EventPage:
        """Events after ``after``; ``gap`` when Redis trimmed some of them already."""
        mark = parse_id(after)
        start = f"{mark[0]}-{mark[1]}"
        try:
            gap = await self._trimmed_past(mark)
            rows: Any = await self._client.xrange(self._key, min=f"({start}", count=limit)
            if not rows and wait > 0:
                answer: Any = await self._client.xread(
                    {self._key: start}, count=limit, block=max(1, int(wait * 1000))
                )
                rows = answer[0][1] if answer else []
        except RedisError as error:
            raise EventStreamUnavailableError(f"event stream: {type(error).__name__}") from None
        return EventPage(events=tuple(self._event(i, f) for i, f in rows), gap=gap)

    async def _trimmed_past(self, mark: tuple[int, int]) -> bool:
        """Whether entries after ``mark`` were trimmed.

        Redis records no id for trimmed entries (``max-deleted-entry-id`` counts
        ``XDEL`` only), so this says yes when something was trimmed and ``mark``
        is older than the oldest entry kept: at worst one needless ``resync`` for
        a reader that stopped exactly on the newest trimmed entry, never a silent gap.
        """
        try:
            info = await self._client.xinfo_stream(self._key)
        except RedisError as error:
            if "no such key" in str(error).lower():
                return False
            raise
        first = info.get("first-entry")
        if not first or int(info.get("entries-added", 0)) <= int(info.get("length", 0)):
            return False
        return mark < parse_id(_text(first[0]))

    async def latest_id(self) -> str:
        """The newest id, or ``0-0``."""
        try:
            rows = await self._client.xrevrange(self._key, count=1)
        except RedisError as error:
            raise EventStreamUnavailableError(f"event stream: {type(error).__name__}") from None
        return _text(rows[0][0]) if rows else "0-0"

    async def recent(self, limit: int) -> tuple[Event, ...]:
        """The newest ``limit`` events (``XREVRANGE``), oldest first."""
        try:
            rows: Any = await self._client.xrevrange(self._key, count=limit)
        except RedisError as error:
            raise EventStreamUnavailableError(f"event stream: {type(error).__name__}") from None
        return tuple(self._event(i, f) for i, f in reversed(rows))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
