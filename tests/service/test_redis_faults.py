"""Redis killed, frozen and restarted under the service: short waits, defined answers, no 500."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from eligate.eligibility import KeyRing
from eligate.service import RedisIdempotencyStore, RedisTokenBucketLimiter, create_app
from tests.own_servers import OwnRedis
from tests.service.conftest import CLINIC_KEY, make_settings
from tests.service.fakes import FakeCore
from tests.service.test_eligibility_routes import inquiry


@pytest.fixture
async def http(own_redis_up: OwnRedis) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its idempotency keys and rate limits in the owned Redis."""
    settings = make_settings(rate_limit_burst=10_000)
    idempotency = RedisIdempotencyStore.from_url(
        own_redis_up.url(), keys=KeyRing.parse(settings.encryption_keys())
    )
    limiter = RedisTokenBucketLimiter.from_url(own_redis_up.url(), per_minute=60, burst=10_000)
    app = create_app(settings, core=FakeCore(), idempotency=idempotency, limiter=limiter)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as client:
            yield client
    finally:
        await idempotency.close()
        await limiter.close()


def _headers(key: str | None = None) -> dict[str, str]:
    headers = {"X-API-Key": CLINIC_KEY}
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


@pytest.mark.parametrize("fault", ["killed", "frozen"])
async def test_an_idempotency_key_without_redis_is_503_with_retry_after(
    http: httpx.AsyncClient, own_redis_up: OwnRedis, fault: str
) -> None:
    """Redis killed or frozen: a keyed request is 503 idempotency_unavailable; unkeyed ones pass."""
    assert (await http.post("/v1/eligibility", json=inquiry(), headers=_headers("k-1"))).is_success
    own_redis_up.stop() if fault == "killed" else own_redis_up.freeze()
    keyed = await http.post("/v1/eligibility", json=inquiry(), headers=_headers("k-2"))
    plain = await http.post("/v1/eligibility", json=inquiry(), headers=_headers())
    assert keyed.status_code == 503
    assert keyed.json()["error"]["code"] == "idempotency_unavailable"
    assert int(keyed.headers["Retry-After"]) > 0
    assert plain.status_code == 200  # the rate limit fell back to this replica's bucket


async def test_a_restarted_redis_serves_the_next_request(
    http: httpx.AsyncClient, own_redis_up: OwnRedis
) -> None:
    """After Redis restarts, the pool's stale connection is retried once: no error is seen."""
    assert (await http.post("/v1/eligibility", json=inquiry(), headers=_headers("r-1"))).is_success
    own_redis_up.stop()
    own_redis_up.start()
    again = await http.post("/v1/eligibility", json=inquiry(), headers=_headers("r-2"))
    assert again.status_code == 200


async def test_a_stale_pooled_connection_is_retried_once(own_redis_up: OwnRedis) -> None:
    """At the store: a restart between two calls on one pooled connection is invisible."""
    store = RedisIdempotencyStore.from_url(own_redis_up.url())
    try:
        first = await store.begin("s-1", fingerprint="f", lock_ttl=timedelta(seconds=5))
        own_redis_up.stop()
        own_redis_up.start()
        second = await store.begin("s-2", fingerprint="f", lock_ttl=timedelta(seconds=5))
    finally:
        await store.close()
    assert (first.state, second.state) == ("started", "started")


async def test_a_frozen_redis_still_rate_limits(own_redis_up: OwnRedis) -> None:
    """SIGSTOP: each decision falls back to this replica's bucket after the short timeout."""
    limiter = RedisTokenBucketLimiter.from_url(own_redis_up.url(), per_minute=1, burst=2)
    try:
        own_redis_up.freeze()
        decisions = [(await limiter.acquire("clinic")).allowed for _ in range(3)]
    finally:
        own_redis_up.thaw()
        await limiter.close()
    assert decisions == [True, True, False]
    assert limiter.degraded == 3
