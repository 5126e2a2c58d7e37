"""Idempotency keys on POST: the first response is kept and replayed for a retried request.

A client retries a POST with the same ``Idempotency-Key`` after a timeout; it must
get the answer of the first try, not a second payer call. :class:`IdempotencyStore`
is the seam: :class:`InMemoryIdempotencyStore` for one process (the embedded
default and fast tests), :class:`RedisIdempotencyStore` shared by every replica.

Keys reach a store already hashed with the client's name, so neither the client's
key nor anything in the body appears in Redis key names. Stored responses hold
member data; the Redis store seals them with AES-256-GCM when given a key.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from eligate.eligibility import DecryptionError, KeyRing, redis_client
from eligate.service.errors import IdempotencyUnavailableError

BeginState = Literal["started", "replay", "in_flight", "mismatch"]


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A finished response, kept to replay it."""

    status_code: int
    body: bytes
    media_type: str


@dataclass(frozen=True, slots=True)
class Begin:
    """What :meth:`IdempotencyStore.begin` found under a key.

    ``started``: nobody used the key; the caller owns it now and must
    ``complete`` or ``abandon`` it. ``replay``: the same request finished before
    (``response`` set). ``in_flight``: the same key is being answered right now.
    ``mismatch``: the key was used with a different request (body or Accept).
    """

    state: BeginState
    response: StoredResponse | None = None


class IdempotencyStore(Protocol):
    """Where idempotency keys, their request fingerprints and their responses live."""

    async def begin(self, key: str, *, fingerprint: str, lock_ttl: timedelta) -> Begin:
        """Claim ``key`` for a request with ``fingerprint``, or say why it cannot be claimed.

        The claim lapses after ``lock_ttl`` so a crashed process does not hold a key forever.
        """
        ...

    async def complete(
        self, key: str, *, fingerprint: str, response: StoredResponse, ttl: timedelta
    ) -> None:
        """Keep ``response`` under the claimed ``key`` for ``ttl``."""
        ...

    async def abandon(self, key: str, *, fingerprint: str) -> None:
        """Release a claim without a response (the request failed; a retry may run again)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


@dataclass(slots=True)
class _Entry:
    fingerprint: str
    response: StoredResponse | None
    expires_at: float


class InMemoryIdempotencyStore:
    """Keys in this process only; for the embedded default, one replica and tests."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._max_keys = max_keys
        self._entries: dict[str, _Entry] = {}

    async def begin(self, key: str, *, fingerprint: str, lock_ttl: timedelta) -> Begin:
        """See :meth:`IdempotencyStore.begin`."""
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at <= now:
            del self._entries[key]
            entry = None
        if entry is None:
            self._evict(now)
            self._entries[key] = _Entry(fingerprint, None, now + lock_ttl.total_seconds())
            return Begin("started")
        if entry.fingerprint != fingerprint:
            return Begin("mismatch")
        if entry.response is None:
            return Begin("in_flight")
        return Begin("replay", entry.response)

    async def complete(
        self, key: str, *, fingerprint: str, response: StoredResponse, ttl: timedelta
    ) -> None:
        """See :meth:`IdempotencyStore.complete`."""
        self._entries[key] = _Entry(fingerprint, response, self._clock() + ttl.total_seconds())

    async def abandon(self, key: str, *, fingerprint: str) -> None:
        """See :meth:`IdempotencyStore.abandon`."""
        entry = self._entries.get(key)
        if entry is not None and entry.response is None and entry.fingerprint == fingerprint:
            del self._entries[key]

    async def close(self) -> None:
        """Nothing to release."""

    def _evict(self, now: float) -> None:
        if len(self._entries) < self._max_keys:
            return
        for name in [k for k, e in self._entries.items() if e.expires_at <= now]:
            del self._entries[name]
        while len(self._entries) >= self._max_keys:  # oldest insertion first
            del self._entries[next(iter(self._entries))]


# Delete the key only while it still holds this very claim (not a finished response).
_ABANDON = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisIdempotencyStore:
    """Keys in Redis, shared by every replica; one JSON value per key with a TTL.

    With ``keys``, response bodies are sealed by the one sealing helper
    (:class:`~eligate.eligibility.KeyRing`, AES-256-GCM, as the audit store and the
    cache do), bound to their Redis key; a body that does not open is treated as absent.
    """

    def __init__(
        self, client: Redis, *, prefix: str = "eligate:idem:", keys: KeyRing | None = None
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._keys = keys

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "eligate:idem:", keys: KeyRing | None = None
    ) -> RedisIdempotencyStore:
        """A store on a new client for ``url``; :meth:`close` closes it."""
        return cls(redis_client(url), prefix=prefix, keys=keys)

    async def begin(self, key: str, *, fingerprint: str, lock_ttl: timedelta) -> Begin:
        """See :meth:`IdempotencyStore.begin`.

        Raises:
            IdempotencyUnavailableError: Redis did not answer (down, frozen, refused).
        """
        try:
            return await self._begin(key, fingerprint=fingerprint, lock_ttl=lock_ttl)
        except _UNAVAILABLE as error:
            raise _unavailable(error) from None

    async def _begin(self, key: str, *, fingerprint: str, lock_ttl: timedelta) -> Begin:
        name = self._prefix + key
        claim = _claim(fingerprint)
        for _ in range(3):  # the key may expire between SET NX and GET
            if await self._client.set(name, claim, nx=True, px=_ms(lock_ttl)):
                return Begin("started")
            raw = await self._client.get(name)
            if raw is None:
                continue
            value = json.loads(raw)
            if value["fingerprint"] != fingerprint:
                return Begin("mismatch")
            if value["state"] == "pending":
                return Begin("in_flight")
            body = self._open(name, base64.b64decode(value["body"]), sealed=bool(value["sealed"]))
            if body is None:  # sealed with another key: forget it, answer afresh
                await self._client.delete(name)
                continue
            return Begin(
                "replay",
                StoredResponse(
                    status_code=int(value["status_code"]),
                    body=body,
                    media_type=str(value["media_type"]),
                ),
            )
        return Begin("in_flight")

    async def complete(
        self, key: str, *, fingerprint: str, response: StoredResponse, ttl: timedelta
    ) -> None:
        """See :meth:`IdempotencyStore.complete`; ``IdempotencyUnavailableError`` on an outage."""
        name = self._prefix + key
        value = {
            "fingerprint": fingerprint,
            "state": "done",
            "sealed": self._keys is not None,
            "status_code": response.status_code,
            "media_type": response.media_type,
            "body": base64.b64encode(self._seal(name, response.body)).decode(),
        }
        try:
            await self._client.set(name, json.dumps(value), px=_ms(ttl))
        except _UNAVAILABLE as error:
            raise _unavailable(error) from None

    async def abandon(self, key: str, *, fingerprint: str) -> None:
        """See :meth:`IdempotencyStore.abandon`; ``IdempotencyUnavailableError`` on an outage."""
        try:
            await self._client.eval(_ABANDON, 1, self._prefix + key, _claim(fingerprint))
        except _UNAVAILABLE as error:
            raise _unavailable(error) from None

    async def close(self) -> None:
        """Close the Redis client."""
        await self._client.aclose()

    def _seal(self, name: str, body: bytes) -> bytes:
        if self._keys is None:
            return body
        key_id, blob = self._keys.seal(body, context=_CONTEXT + name.encode())
        return key_id.encode() + b":" + blob

    def _open(self, name: str, stored: bytes, *, sealed: bool) -> bytes | None:
        """The body, or None when it was stored under another sealing set-up."""
        if self._keys is None:
            return None if sealed else stored
        if not sealed:
            return None
        key_id, _, blob = stored.partition(b":")
        try:
            return self._keys.open(key_id.decode(), blob, context=_CONTEXT + name.encode())
        except (DecryptionError, UnicodeDecodeError):
            return None


_CONTEXT = b"eligate.idempotency/v1/"
"""Binds a sealed body to its purpose and its Redis key."""
_UNAVAILABLE = (RedisError, OSError, TimeoutError)


def _unavailable(error: BaseException) -> IdempotencyUnavailableError:
    return IdempotencyUnavailableError(f"Redis did not answer ({type(error).__name__})")


def _claim(fingerprint: str) -> str:
    return json.dumps({"fingerprint": fingerprint, "state": "pending"})


def _ms(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds() * 1000))
