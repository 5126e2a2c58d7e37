"""Per-client rate limits: a token bucket per client, in this process or shared in Redis.

A bucket holds ``burst`` tokens and refills at ``per_minute`` tokens a minute;
each ``/v1`` request takes one. :class:`TokenBucketLimiter` keeps buckets in this
process (the embedded default: with N replicas a client may get N times the rate);
:class:`RedisTokenBucketLimiter` keeps them in Redis, so every replica draws from
the same bucket. If Redis cannot be reached the request is let through and the
event logged: a cache outage must not take the API down.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from eligate.eligibility import RedisTokenBucket
from eligate.guards import TokenBucket
from eligate.service._logging import get_logger


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request may go ahead, and if not, when to retry."""

    allowed: bool
    retry_after_seconds: int = 0


class RateLimiter(Protocol):
    """Takes one token from a client's bucket."""

    async def acquire(self, client: str) -> Decision:
        """Take a token from ``client``'s bucket, or say how long until there is one."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def _refused(tokens: float, rate: float) -> Decision:
    return Decision(allowed=False, retry_after_seconds=max(1, math.ceil((1.0 - tokens) / rate)))


class TokenBucketLimiter:
    """One :class:`~eligate.guards.TokenBucket` per client in this process; clock injectable."""

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self._rate = per_minute / 60.0
        self._burst = burst
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, TokenBucket] = {}

    async def acquire(self, client: str) -> Decision:
        """See :meth:`RateLimiter.acquire`."""
        return self.take(client)

    def take(self, client: str) -> Decision:
        """:meth:`acquire` without the event loop."""
        bucket = self._buckets.get(client)
        if bucket is None:
            self._evict()
            bucket = self._buckets[client] = TokenBucket(
                rate=self._rate, burst=self._burst, clock=self._clock
            )
        wait = bucket.take()
        if wait == 0:
            return Decision(allowed=True)
        return Decision(allowed=False, retry_after_seconds=max(1, math.ceil(wait)))

    async def close(self) -> None:
        """Nothing to release."""

    def _evict(self) -> None:
        """Forget clients whose buckets are full again (they lose nothing), when too many."""
        if len(self._buckets) < self._max_clients:
            return
        for name in [name for name, bucket in self._buckets.items() if bucket.full()]:
            del self._buckets[name]
        while len(self._buckets) >= self._max_clients:
            del self._buckets[next(iter(self._buckets))]


class RedisTokenBucketLimiter:
    """Buckets in Redis shared by every replica (:class:`~eligate.eligibility.RedisTokenBucket`)."""

    def __init__(
        self, client: Redis, *, per_minute: int, burst: int, prefix: str = "eligate:rate:"
    ) -> None:
        self._bucket = RedisTokenBucket(client, prefix=prefix)
        self._rate = per_minute / 60.0
        self._burst = burst

    @classmethod
    def from_url(
        cls, url: str, *, per_minute: int, burst: int, prefix: str = "eligate:rate:"
    ) -> RedisTokenBucketLimiter:
        """A limiter on a new client for ``url``; :meth:`close` closes it."""
        return cls(Redis.from_url(url), per_minute=per_minute, burst=burst, prefix=prefix)

    async def acquire(self, client: str) -> Decision:
        """See :meth:`RateLimiter.acquire`; lets the request through when Redis is down."""
        try:
            take = await self._bucket.take(client, rate=self._rate, burst=self._burst)
        except (RedisError, OSError) as error:
            get_logger().warning("service.rate_limit_unavailable", error_type=type(error).__name__)
            return Decision(allowed=True)
        if take.allowed:
            return Decision(allowed=True)
        return Decision(allowed=False, retry_after_seconds=max(1, math.ceil(take.wait_seconds)))

    async def close(self) -> None:
        """Close the Redis client."""
        await self._bucket.close()
