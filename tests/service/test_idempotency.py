"""Idempotency keys: the stores (in-memory and real Redis) and replay over HTTP."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from eligate.eligibility import KeyRing
from eligate.service import (
    IdempotencyStore,
    InMemoryIdempotencyStore,
    RedisIdempotencyStore,
    StoredResponse,
    create_app,
)
from tests.service.conftest import CLINIC_KEY, make_settings
from tests.service.fakes import FakeCore
from tests.service.test_eligibility_routes import inquiry

LOCK = timedelta(seconds=30)
KEEP = timedelta(seconds=60)
SEAL = KeyRing.parse("idem1:" + "Q" * 43)
RESPONSE = StoredResponse(status_code=200, body=b'{"ok":true}', media_type="application/json")


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_client: Redis, redis_prefix: str
) -> AsyncIterator[IdempotencyStore]:
    """Each store implementation; the Redis one on the real server under a unique prefix."""
    if request.param == "memory":
        yield InMemoryIdempotencyStore()
        return
    client, prefix = redis_client, redis_prefix
    yield RedisIdempotencyStore(client, prefix=prefix, keys=SEAL)


async def test_first_use_claims_then_replays(store: IdempotencyStore) -> None:
    """A new key is started; after completion the same fingerprint replays the response."""
    assert (await store.begin("k", fingerprint="f1", lock_ttl=LOCK)).state == "started"
    assert (await store.begin("k", fingerprint="f1", lock_ttl=LOCK)).state == "in_flight"
    await store.complete("k", fingerprint="f1", response=RESPONSE, ttl=KEEP)
    again = await store.begin("k", fingerprint="f1", lock_ttl=LOCK)
    assert again.state == "replay"
    assert again.response == RESPONSE


async def test_another_body_under_the_key_is_a_mismatch(store: IdempotencyStore) -> None:
    """The same key with another fingerprint is refused, in flight or done."""
    await store.begin("k", fingerprint="f1", lock_ttl=LOCK)
    assert (await store.begin("k", fingerprint="f2", lock_ttl=LOCK)).state == "mismatch"
    await store.complete("k", fingerprint="f1", response=RESPONSE, ttl=KEEP)
    assert (await store.begin("k", fingerprint="f2", lock_ttl=LOCK)).state == "mismatch"


async def test_abandon_frees_the_key_but_not_a_finished_one(store: IdempotencyStore) -> None:
    """A failed request's claim is released; a finished response is kept."""
    await store.begin("k", fingerprint="f1", lock_ttl=LOCK)
    await store.abandon("k", fingerprint="f1")
    assert (await store.begin("k", fingerprint="f2", lock_ttl=LOCK)).state == "started"
    await store.complete("k", fingerprint="f2", response=RESPONSE, ttl=KEEP)
    await store.abandon("k", fingerprint="f2")
    assert (await store.begin("k", fingerprint="f2", lock_ttl=LOCK)).state == "replay"


async def test_claims_lapse(store: IdempotencyStore) -> None:
    """A claim whose process died lapses after its lock TTL."""
    await store.begin("k", fingerprint="f1", lock_ttl=timedelta(milliseconds=1))
    await asyncio.sleep(0.01)
    assert (await store.begin("k", fingerprint="f1", lock_ttl=LOCK)).state == "started"


async def test_redis_keys_carry_the_prefix_and_a_ttl(
    redis_client: Redis, redis_prefix: str
) -> None:
    """The Redis store writes under its prefix, always with an expiry."""
    client, prefix = redis_client, redis_prefix
    store = RedisIdempotencyStore(client, prefix=prefix)
    await store.begin("abc", fingerprint="f", lock_ttl=LOCK)
    assert 0 < await client.pttl(prefix + "abc") <= 30_000
    await store.complete("abc", fingerprint="f", response=RESPONSE, ttl=KEEP)
    assert 30_000 < await client.pttl(prefix + "abc") <= 60_000


async def test_redis_bodies_are_sealed_and_bound_to_their_key(
    redis_client: Redis, redis_prefix: str
) -> None:
    """Member data is not readable in Redis; another key, or none, cannot replay it."""
    client, prefix = redis_client, redis_prefix
    body = b'{"member_id":"SYN000123","last_name":"TESTPATIENT"}'
    sealed = RedisIdempotencyStore(client, prefix=prefix, keys=SEAL)
    await sealed.begin("k", fingerprint="f", lock_ttl=LOCK)
    response = StoredResponse(status_code=200, body=body, media_type="application/json")
    await sealed.complete("k", fingerprint="f", response=response, ttl=KEEP)
    raw = await client.get(prefix + "k")
    assert raw is not None
    assert b"SYN000123" not in raw
    assert b"SYN000123" not in base64.b64decode(json.loads(raw)["body"])
    assert (await sealed.begin("k", fingerprint="f", lock_ttl=LOCK)).response == response
    rotated = RedisIdempotencyStore(client, prefix=prefix, keys=KeyRing.parse("other:" + "o" * 43))
    assert (await rotated.begin("k", fingerprint="f", lock_ttl=LOCK)).state == "started"
    await sealed.complete("k", fingerprint="f", response=response, ttl=KEEP)
    plain = RedisIdempotencyStore(client, prefix=prefix)
    assert (await plain.begin("k", fingerprint="f", lock_ttl=LOCK)).state == "started"


def test_the_memory_store_is_bounded() -> None:
    """The in-memory store evicts the oldest keys past its size."""
    store = InMemoryIdempotencyStore(max_keys=2)

    async def fill() -> list[str]:
        for key in ("a", "b", "c"):
            await store.begin(key, fingerprint="f", lock_ttl=LOCK)
        return [(await store.begin(k, fingerprint="f", lock_ttl=LOCK)).state for k in "bc"]

    assert asyncio.run(fill()) == ["in_flight", "in_flight"]


@pytest.fixture(params=["memory", "redis"])
async def http(
    request: pytest.FixtureRequest, core: FakeCore, redis_client: Redis, redis_prefix: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app on each idempotency store."""
    client, prefix = redis_client, redis_prefix
    chosen: IdempotencyStore = (
        InMemoryIdempotencyStore()
        if request.param == "memory"
        else RedisIdempotencyStore(client, prefix=prefix)
    )
    app = create_app(make_settings(), core=core, idempotency=chosen)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http_client:
        yield http_client


def _headers(key: str) -> dict[str, str]:
    return {"X-API-Key": CLINIC_KEY, "Idempotency-Key": key}


async def test_a_retry_is_replayed_not_asked_again(http: httpx.AsyncClient, core: FakeCore) -> None:
    """Same key, same body: the stored response, marked replayed; the core is asked once."""
    first = await http.post("/v1/eligibility", json=inquiry(), headers=_headers("retry-1"))
    second = await http.post("/v1/eligibility", json=inquiry(), headers=_headers("retry-1"))
    assert first.status_code == second.status_code == 200
    assert second.headers["idempotency-replayed"] == "true"
    assert "idempotency-replayed" not in first.headers
    assert second.json() == first.json()
    assert len(core.requests) == 1


async def test_a_reused_key_with_another_body_is_refused(
    http: httpx.AsyncClient, core: FakeCore
) -> None:
    """Same key, different body: 422 ``idempotency_key_reused``."""
    await http.post("/v1/eligibility", json=inquiry(), headers=_headers("reuse-1"))
    other: dict[str, Any] = inquiry(service_type_codes=["98"])
    response = await http.post("/v1/eligibility", json=other, headers=_headers("reuse-1"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert len(core.requests) == 1


async def test_a_duplicate_in_flight_is_409(http: httpx.AsyncClient, core: FakeCore) -> None:
    """A retry while the first is still running gets 409; afterwards it replays."""
    release = core.slow("SYNPAYER1")
    first = asyncio.create_task(
        http.post("/v1/eligibility", json=inquiry(), headers=_headers("slow-1"))
    )
    while not core.requests:  # bounded by the task reaching the core
        await asyncio.sleep(0)
    duplicate = await http.post("/v1/eligibility", json=inquiry(), headers=_headers("slow-1"))
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "idempotency_request_in_flight"
    release.set()
    assert (await first).status_code == 200
    replay = await http.post("/v1/eligibility", json=inquiry(), headers=_headers("slow-1"))
    assert replay.headers["idempotency-replayed"] == "true"
    assert len(core.requests) == 1


async def test_a_refused_request_is_not_kept(http: httpx.AsyncClient, core: FakeCore) -> None:
    """A 404 is not stored: after fixing nothing, the same key is evaluated again."""
    body = inquiry(payer_id="NOPE")
    first = await http.post("/v1/eligibility", json=body, headers=_headers("nope-1"))
    second = await http.post("/v1/eligibility", json=body, headers=_headers("nope-1"))
    assert first.status_code == second.status_code == 404
    assert "idempotency-replayed" not in second.headers


async def test_keys_are_per_client(core: FakeCore) -> None:
    """Another client using the same key string does not see the first client's response."""
    from tests.service.conftest import ADMIN_KEY

    app = create_app(make_settings(), core=core)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        await h.post("/v1/eligibility", json=inquiry(), headers=_headers("shared"))
        other = await h.post(
            "/v1/eligibility",
            json=inquiry(),
            headers={"X-API-Key": ADMIN_KEY, "Idempotency-Key": "shared"},
        )
    assert "idempotency-replayed" not in other.headers
    assert len(core.requests) == 2


async def test_an_unusable_key_is_400(client: httpx.AsyncClient) -> None:
    """A key with spaces or over 255 characters is refused."""
    response = await client.post("/v1/eligibility", json=inquiry(), headers=_headers("has space"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
