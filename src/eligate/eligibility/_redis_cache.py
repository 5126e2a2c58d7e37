"""The Redis result cache: shared by every replica, degrading to a miss when Redis is away."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Required, TypedDict, Unpack

import structlog
from pydantic import ValidationError
from redis import exceptions as redis_errors
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from eligate.eligibility._cache import Clock, ttl_seconds
from eligate.eligibility._cache_codec import decode_answer, encode_answer
from eligate.eligibility._crypto import KeyRing
from eligate.eligibility._ports import CachedAnswer, CacheKey
from eligate.eligibility.errors import CacheUsageError, DecryptionError

_log = structlog.get_logger("eligate.eligibility.cache")

_UNAVAILABLE = (redis_errors.RedisError, OSError)
_SEALED = b"sealed:v1:"
"""Prefix of a value encrypted with the key ring: ``sealed:v1:KEY_ID:nonce+ciphertext``."""


REDIS_TIMEOUT = timedelta(milliseconds=250)
"""How long any one Redis command may take before its caller takes its degraded path."""


def redis_client(url: str, *, timeout: timedelta = REDIS_TIMEOUT) -> Redis:
    """A client for ``url`` as every Redis use in eligate builds it.

    Short connect and command timeouts (a frozen Redis costs a request ``timeout``,
    not the OS's minutes), and one immediate retry on a broken connection: after
    Redis restarts, the pool's first stale socket fails once, then a new one is used.
    A timeout is not retried (a stalled Redis would double the wait).

    Raises:
        CacheUsageError: ``url`` is not a Redis URL.
    """
    seconds = ttl_seconds(timeout)
    try:
        return Redis.from_url(
            url,
            socket_connect_timeout=seconds,
            socket_timeout=seconds,
            retry=Retry(NoBackoff(), retries=1),
            retry_on_error=[redis_errors.ConnectionError],
        )
    except ValueError as error:
        raise CacheUsageError(f"not a Redis URL: {error}") from None


class _Options(TypedDict, total=False):
    """The constructor's keywords :meth:`RedisCache.from_url` passes on (not client, clock)."""

    salt: Required[bytes]
    prefix: str
    stale_for: timedelta
    retry_after: timedelta
    keys: KeyRing | None


class RedisCache:
    """Full normalized results in Redis, for production and several replicas.

    Each answer is stored twice in one transaction: under a fresh key that
    expires with the TTL, and under a stale key that lives ``stale_for`` longer
    for fallback. Keys are ``prefix`` + ``fresh:``/``stale:`` + the key's salted
    digest, so no member ID or name lands in a Redis key. When Redis fails,
    calls answer a miss (or do nothing) and log ``eligibility.cache_unavailable``;
    for ``retry_after`` afterwards Redis is not asked at all, so an outage costs
    the callers nothing but the cache.

    Values are the answer's JSON. With ``keys`` (the audit store's key ring will
    do) they are sealed with AES-GCM, bound to their cache key, so the results'
    PHI is not readable in Redis or its snapshots; a value that does not open
    (other key, tampered, or plain JSON where sealed was expected) is a miss.
    """

    def __init__(
        self,
        client: Redis,
        *,
        salt: bytes,
        prefix: str = "eligate:",
        stale_for: timedelta = timedelta(hours=24),
        retry_after: timedelta = timedelta(seconds=1),
        clock: Clock = time.monotonic,
        keys: KeyRing | None = None,
    ) -> None:
        if len(salt) < 16:
            raise CacheUsageError("the cache key salt must be at least 16 bytes")
        self._client = client
        self._salt = salt
        self._prefix = prefix
        self._stale_for = ttl_seconds(stale_for)
        self._retry_after = ttl_seconds(retry_after)
        self._clock = clock
        self._down_until = float("-inf")
        self._keys = keys

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        timeout: timedelta = REDIS_TIMEOUT,
        **options: Unpack[_Options],
    ) -> RedisCache:
        """A cache over a new client for ``url`` (``redis://host:port/db``) with short timeouts.

        ``options`` are the constructor's keywords (``salt`` is required).
        """
        return cls(redis_client(url, timeout=timeout), **options)

    def fresh_key(self, key: CacheKey) -> str:
        """The Redis key of the fresh copy of ``key``'s answer."""
        return f"{self._prefix}fresh:{key.digest(salt=self._salt)}"

    def stale_key(self, key: CacheKey) -> str:
        """The Redis key of the longer-lived stale copy of ``key``'s answer."""
        return f"{self._prefix}stale:{key.digest(salt=self._salt)}"

    async def get(self, key: CacheKey) -> CachedAnswer | None:
        """The answer stored under ``key`` if its TTL has not run out; a miss when Redis fails."""
        return await self._read(key, self.fresh_key(key), operation="get")

    async def get_stale(self, key: CacheKey) -> CachedAnswer | None:
        """The last answer stored under ``key``, fresh or expired, while Redis still keeps it."""
        return await self._read(key, self.stale_key(key), operation="get_stale")

    async def put(self, key: CacheKey, answer: CachedAnswer, *, ttl: timedelta) -> None:
        """Store ``answer`` for ``ttl`` plus ``stale_for`` as stale; a zero TTL stores nothing."""
        seconds = ttl_seconds(ttl)
        if seconds == 0 or self._resting():
            return
        body = encode_answer(answer)
        if self._keys is not None:
            key_id, blob = self._keys.seal(body, context=self._context(key))
            body = b"".join((_SEALED, key_id.encode(), b":", blob))
        fresh_ms = max(1, round(seconds * 1000))
        stale_ms = fresh_ms + round(self._stale_for * 1000)
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.set(self.fresh_key(key), body, px=fresh_ms)
                pipe.set(self.stale_key(key), body, px=stale_ms)
                await pipe.execute()
        except _UNAVAILABLE as error:
            self._went_down("put", error)

    async def ping(self) -> bool:
        """Whether Redis answers now (``/readyz``)."""
        try:
            return bool(await self._client.ping())
        except _UNAVAILABLE:
            return False

    async def close(self) -> None:
        """Close the client's connections."""
        await self._client.aclose()

    def _context(self, key: CacheKey) -> bytes:
        return b"eligate.cache/v1/" + key.digest(salt=self._salt).encode()

    def _unseal(self, key: CacheKey, raw: bytes, *, operation: str) -> bytes | None:
        if self._keys is None and not raw.startswith(_SEALED):
            return raw
        if self._keys is not None and raw.startswith(_SEALED):
            key_id, _, blob = raw.removeprefix(_SEALED).partition(b":")
            try:
                return self._keys.open(key_id.decode(), blob, context=self._context(key))
            except (DecryptionError, UnicodeDecodeError):
                pass
        _log.warning("eligibility.cache_corrupt", operation=operation, problem="unsealable")
        return None

    async def _read(self, key: CacheKey, redis_key: str, *, operation: str) -> CachedAnswer | None:
        if self._resting():
            return None
        try:
            value: Any = await self._client.get(redis_key)
        except _UNAVAILABLE as error:
            self._went_down(operation, error)
            return None
        if value is None:
            return None
        data = value.encode() if isinstance(value, str) else bytes(value)  # decode_responses=True
        raw = self._unseal(key, data, operation=operation)
        if raw is None:
            return None
        try:
            return decode_answer(raw)
        except ValueError as error:  # pydantic's ValidationError is a ValueError
            _log.warning(
                "eligibility.cache_corrupt",
                operation=operation,
                problem="not_an_answer",
                errors=error.error_count() if isinstance(error, ValidationError) else 1,
            )
            return None

    def _resting(self) -> bool:
        return self._clock() < self._down_until

    def _went_down(self, operation: str, error: BaseException) -> None:
        self._down_until = self._clock() + self._retry_after
        _log.warning(
            "eligibility.cache_unavailable",
            operation=operation,
            error=type(error).__name__,
            retry_after_s=self._retry_after,
        )
