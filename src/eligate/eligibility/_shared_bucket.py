"""One token bucket shared by every process, kept in Redis and refilled by Redis's clock.

The service's per-client rate limits and the batch's per-payer pacing both draw
from this bucket, so N replicas or N queue workers together get the configured
rate, not N times it. The in-process bucket of one payer lane is
:class:`~eligate.eligibility._guards.TokenBucket`.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

# One hash per key, refilled by the Redis server's clock so processes agree.
# Returns {allowed (0/1), tokens left as a string}. The key expires once the bucket
# would be full again: an idle bucket costs nothing.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


@dataclass(frozen=True, slots=True)
class Take:
    """One draw from a shared bucket."""

    allowed: bool
    """A token was taken."""
    wait_seconds: float
    """When refused: how long until a token is there (0 when allowed)."""


class RedisTokenBucket:
    """Token buckets in Redis, one hash per key; rate and burst are given per draw.

    Redis errors propagate: the caller decides whether an outage lets work
    through (the service's rate limit) or holds it (pacing towards a payer).
    """

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_TAKE)

    async def take(self, key: str, *, rate: float, burst: int) -> Take:
        """Take one token from ``key``'s bucket (``rate`` a second, up to ``burst``)."""
        allowed, tokens = await self._script(
            keys=[self._prefix + key], args=[repr(float(rate)), str(burst)]
        )
        if int(allowed):
            return Take(allowed=True, wait_seconds=0.0)
        return Take(allowed=False, wait_seconds=max(0.0, (1.0 - float(tokens)) / rate))

    async def close(self) -> None:
        """Close the Redis client."""
        await self._client.aclose()
