"""The in-process result cache: bounded, least-recently-used, with a stale tail for fallback."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from eligate.eligibility._cache_codec import decode_answer, encode_answer
from eligate.eligibility._ports import CachedAnswer, CacheKey
from eligate.eligibility.errors import CacheUsageError

Clock = Callable[[], float]
"""Seconds on a monotonic scale (``time.monotonic``); tests pass a hand-driven one."""


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    """The answer as :func:`encode_answer` wrote it: flat bytes, nothing for the GC to walk."""
    fresh_until: float
    stale_until: float


_Slot = tuple[str, str, str, tuple[str, ...], date]


def _slot(key: CacheKey) -> _Slot:
    """The key as the digest sees it: service types in any order ask the same question."""
    return (
        key.payer_id,
        key.member_id,
        key.patient,
        tuple(sorted(key.service_types)),
        key.date_of_service,
    )


def ttl_seconds(ttl: timedelta) -> float:
    """A TTL as seconds; a negative one is a caller's mistake."""
    seconds = ttl.total_seconds()
    if seconds < 0:
        raise CacheUsageError(f"a cache TTL cannot be negative (got {seconds:g} s)")
    return seconds


class MemoryCache:
    """Full normalized results kept in this process: the embedded default.

    Each answer is kept as compact JSON bytes (the same codec as
    :class:`RedisCache`) and rebuilt on every read, so a process holding
    thousands of answers does not hand the garbage collector thousands of model
    trees to walk on each full collection; a read returns a new, equal answer.

    Entries are fresh for the TTL given to :meth:`put`, then kept ``stale_for``
    longer so :meth:`get_stale` can serve a fallback. At most ``max_entries``
    keys are kept; the least recently used goes first. Every operation is a few
    dictionary steps under a lock and never awaits, so concurrent tasks (and
    threads) see each put whole or not at all.
    """

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        stale_for: timedelta = timedelta(hours=24),
        clock: Clock = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise CacheUsageError(f"max_entries must be at least 1 (got {max_entries})")
        self._max_entries = max_entries
        self._stale_for = ttl_seconds(stale_for)
        self._clock = clock
        self._entries: OrderedDict[_Slot, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    async def get(self, key: CacheKey) -> CachedAnswer | None:
        """The answer stored under ``key`` if its TTL has not run out."""
        now = self._clock()
        entry = self._kept(key, now=now, touch=True)
        if entry is None or now >= entry.fresh_until:
            return None
        return decode_answer(entry.body)

    async def put(self, key: CacheKey, answer: CachedAnswer, *, ttl: timedelta) -> None:
        """Store ``answer`` for ``ttl`` (then ``stale_for`` as stale); a zero TTL stores nothing."""
        seconds = ttl_seconds(ttl)
        if seconds == 0:
            return
        now, slot = self._clock(), _slot(key)
        entry = _Entry(encode_answer(answer), now + seconds, now + seconds + self._stale_for)
        with self._lock:
            self._entries[slot] = entry
            self._entries.move_to_end(slot)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    async def get_stale(self, key: CacheKey) -> CachedAnswer | None:
        """The last answer stored under ``key``, fresh or expired, while still kept."""
        entry = self._kept(key, now=self._clock(), touch=False)
        return None if entry is None else decode_answer(entry.body)

    async def ping(self) -> bool:
        """Always: the cache is this process's memory."""
        return True

    async def close(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()

    def _kept(self, key: CacheKey, *, now: float, touch: bool) -> _Entry | None:
        """The entry under ``key`` while kept (dropped once past its stale time).

        ``touch`` marks it most recently used: reads of fresh answers do, stale reads do not.
        """
        slot = _slot(key)
        with self._lock:
            entry = self._entries.get(slot)
            if entry is None:
                return None
            if now >= entry.stale_until:
                del self._entries[slot]
                return None
            if touch:
                self._entries.move_to_end(slot)
            return entry
