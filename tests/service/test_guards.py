"""API keys and scopes, rate limits, size limits, correlation IDs and the error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from structlog.testing import capture_logs

from eligate.service import (
    RedisTokenBucketLimiter,
    TokenBucketLimiter,
    create_app,
    load_settings,
)
from tests.factories import make_271
from tests.service.conftest import ADMIN_KEY, CLINIC_KEY, NORMALIZE_KEY, make_settings
from tests.service.fakes import FakeCore

RAW = make_271("EB*1*IND*30*PR*GOLD PPO")
TEXT = {"Content-Type": "text/plain"}


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_a_missing_key_is_401(client: httpx.AsyncClient) -> None:
    """No key: 401 ``missing_api_key`` with a Bearer challenge."""
    response = await client.post("/v1/normalize", content=RAW, headers=TEXT)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_api_key"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("headers", [{"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}])
async def test_a_wrong_key_is_401(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """An unknown key: 401 ``invalid_api_key``."""
    response = await client.post("/v1/normalize", content=RAW, headers={**TEXT, **headers})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


async def test_scopes_are_enforced_and_admin_has_all(client: httpx.AsyncClient) -> None:
    """A normalize key cannot check eligibility (403); admin may do anything; Bearer works."""
    refused = await client.get("/v1/payers", headers={"X-API-Key": NORMALIZE_KEY})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "insufficient_scope"
    no_metrics = await client.get("/metrics", headers={"X-API-Key": CLINIC_KEY})
    assert no_metrics.status_code == 403
    allowed = await client.get("/v1/payers", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert allowed.status_code == 200
    normalized = await client.post(
        "/v1/normalize", content=RAW, headers={**TEXT, "Authorization": f"bearer {NORMALIZE_KEY}"}
    )
    assert normalized.status_code == 200


async def test_health_endpoints_and_docs_need_no_key(client: httpx.AsyncClient) -> None:
    """Probes and the API description are open."""
    for path in ("/healthz", "/readyz", "/openapi.json"):
        assert (await client.get(path)).status_code == 200


async def test_development_without_keys_turns_auth_off_and_says_so(core: FakeCore) -> None:
    """No keys in development: requests pass, and start-up logs a warning."""
    app = create_app(load_settings(), core=core)
    with capture_logs() as logs:
        async with app.router.lifespan_context(app), _client(app) as http:
            response = await http.get("/v1/payers")
    assert response.status_code == 200
    warnings = [e for e in logs if e["event"] == "service.auth_disabled"]
    assert warnings
    assert warnings[0]["log_level"] == "warning"


async def test_rate_limit_per_client_with_retry_after(core: FakeCore) -> None:
    """Past its burst a client gets 429 ``rate_limited`` with Retry-After; others are unaffected."""
    now = [0.0]
    limiter = TokenBucketLimiter(per_minute=30, burst=2, clock=lambda: now[0])
    app = create_app(make_settings(), core=core, limiter=limiter)
    clinic = {"X-API-Key": CLINIC_KEY}
    async with _client(app) as http:
        assert (await http.get("/v1/payers", headers=clinic)).status_code == 200
        assert (await http.get("/v1/payers", headers=clinic)).status_code == 200
        limited = await http.get("/v1/payers", headers=clinic)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert limited.headers["retry-after"] == "2"
        other = await http.get("/v1/payers", headers={"X-API-Key": ADMIN_KEY})
        assert other.status_code == 200
        now[0] += 2.0
        assert (await http.get("/v1/payers", headers=clinic)).status_code == 200


def test_the_token_bucket_refills_at_its_rate() -> None:
    """Tokens come back at per_minute/60 a second, up to the burst."""
    now = [0.0]
    limiter = TokenBucketLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.take("a").allowed for _ in range(4)] == [True, True, True, False]
    now[0] += 1.0
    assert limiter.take("a").allowed
    assert not limiter.take("a").allowed
    now[0] += 100.0
    assert [limiter.take("a").allowed for _ in range(4)] == [True, True, True, False]


def test_the_token_bucket_forgets_idle_clients_when_full() -> None:
    """Memory is bounded: idle clients are evicted when the table is full."""
    now = [0.0]
    limiter = TokenBucketLimiter(per_minute=60, burst=1, clock=lambda: now[0], max_clients=2)
    limiter.take("a")
    limiter.take("b")
    now[0] += 10
    assert limiter.take("c").allowed
    assert limiter.take("a").allowed


async def test_a_declared_length_over_the_limit_is_413(core: FakeCore) -> None:
    """A Content-Length over the limit is refused before the body is read."""
    app = create_app(make_settings(max_request_bytes=64), core=core)
    async with _client(app) as http:
        response = await http.post(
            "/v1/normalize", content=RAW, headers={**TEXT, "X-API-Key": NORMALIZE_KEY}
        )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.headers["x-correlation-id"]


async def test_a_streamed_body_over_the_limit_is_413(core: FakeCore) -> None:
    """A chunked body without Content-Length is counted as it arrives."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 40

    app = create_app(make_settings(max_request_bytes=64), core=core)
    async with _client(app) as http:
        response = await http.post(
            "/v1/normalize", content=chunks(), headers={**TEXT, "X-API-Key": NORMALIZE_KEY}
        )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_a_valid_correlation_id_is_echoed(client: httpx.AsyncClient, core: FakeCore) -> None:
    """A client's ID comes back on the response and reaches the core."""
    response = await client.post(
        "/v1/eligibility",
        json={
            "payer_id": "SYNPAYER1",
            "subscriber": {"member_id": "SYN000123", "last_name": "TESTPATIENT"},
        },
        headers={"X-API-Key": CLINIC_KEY, "X-Correlation-ID": "adapter-42.a:b"},
    )
    assert response.headers["x-correlation-id"] == "adapter-42.a:b"
    assert core.requests[0].correlation_id == "adapter-42.a:b"


@pytest.mark.parametrize("given", [b"", b"has space", b"x" * 129, b"<script>", "é".encode()])
async def test_an_invalid_correlation_id_is_replaced(
    client: httpx.AsyncClient, given: bytes
) -> None:
    """An unusable ID is replaced by a generated one, on errors too."""
    response = await client.get("/v1/payers", headers={b"X-Correlation-ID": given})
    assert response.status_code == 401
    generated = response.headers["x-correlation-id"]
    assert generated.encode() != given
    assert len(generated) == 32
    assert response.json()["correlation_id"] == generated


async def test_unknown_routes_and_methods_keep_the_error_shape(client: httpx.AsyncClient) -> None:
    """404 and 405 from the router are JSON errors with codes."""
    missing = await client.get("/v2/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = await client.get("/v1/normalize")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"
    assert wrong.json()["correlation_id"] == wrong.headers["x-correlation-id"]


async def test_the_redis_limiter_shares_one_bucket(redis_client: Redis, redis_prefix: str) -> None:
    """Two limiters (two replicas) on one Redis draw from the same bucket per client."""
    client, prefix = redis_client, redis_prefix
    one = RedisTokenBucketLimiter(client, per_minute=1, burst=2, prefix=prefix)
    two = RedisTokenBucketLimiter(client, per_minute=1, burst=2, prefix=prefix)
    assert (await one.acquire("clinic")).allowed
    assert (await two.acquire("clinic")).allowed
    refused = await one.acquire("clinic")
    assert not refused.allowed
    assert 55 <= refused.retry_after_seconds <= 60
    assert (await two.acquire("adapter")).allowed
    assert 0 < await client.pttl(prefix + "clinic") <= 121_000


async def test_the_redis_limiter_limits_per_replica_when_redis_is_down() -> None:
    """A Redis outage degrades to this replica's buckets (logged): still limited, never open."""
    down = RedisTokenBucketLimiter.from_url(
        "redis://127.0.0.1:1/0", per_minute=1, burst=1, prefix="x:"
    )
    with capture_logs() as logs:
        assert (await down.acquire("clinic")).allowed
        assert not (await down.acquire("clinic")).allowed
        assert (await down.acquire("adapter")).allowed
    await down.close()
    assert {e["event"] for e in logs} == {"service.rate_limit_degraded"}
    assert down.degraded == 3


async def test_the_app_limits_through_redis(
    core: FakeCore, redis_client: Redis, redis_prefix: str
) -> None:
    """With the Redis limiter wired in, the 429 comes from the shared bucket."""
    client, prefix = redis_client, redis_prefix
    limiter = RedisTokenBucketLimiter(client, per_minute=1, burst=1, prefix=prefix)
    app = create_app(make_settings(), core=core, limiter=limiter)
    clinic = {"X-API-Key": CLINIC_KEY}
    async with _client(app) as http:
        assert (await http.get("/v1/payers", headers=clinic)).status_code == 200
        limited = await http.get("/v1/payers", headers=clinic)
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 55


def test_the_limiter_follows_the_redis_url() -> None:
    """Redis buckets when ELIGATE_REDIS_URL is set, in-process otherwise."""
    import asyncio

    from eligate.service import build_limiter

    assert isinstance(build_limiter(load_settings()), TokenBucketLimiter)
    shared = build_limiter(load_settings(redis_url="redis://127.0.0.1:6379/0"))
    assert isinstance(shared, RedisTokenBucketLimiter)
    asyncio.run(shared.close())
