"""Per-client rate limits: one token bucket per client in this process.

A bucket holds ``burst`` tokens and refills at ``per_minute`` tokens a minute;
each ``/v1`` request takes one. The limit is per replica: with N replicas a client
may get up to N times the rate (see the report; a Redis-backed limiter is the next step).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request may go ahead, and if not, when to retry."""

    allowed: bool
    retry_after_seconds: int = 0


class TokenBucketLimiter:
    """Token buckets keyed by client name; the clock is injectable so tests need no sleeps."""

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, client: str) -> Decision:
        """Take one token from ``client``'s bucket, or say how long until there is one."""
        now = self._clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            self._evict(now)
            bucket = self._buckets[client] = _Bucket(self._burst, now)
        else:
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Decision(allowed=True)
        return Decision(
            allowed=False, retry_after_seconds=max(1, math.ceil((1.0 - bucket.tokens) / self._rate))
        )

    def _evict(self, now: float) -> None:
        """Forget clients whose buckets are full again (they lose nothing), when too many."""
        if len(self._buckets) < self._max_clients:
            return
        full = [
            name
            for name, b in self._buckets.items()
            if b.tokens + (now - b.updated) * self._rate >= self._burst
        ]
        for name in full:
            del self._buckets[name]
        while len(self._buckets) >= self._max_clients:
            del self._buckets[next(iter(self._buckets))]
