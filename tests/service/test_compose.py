"""The composition root: real core, simulator, audit store and cache behind the HTTP API."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from eligate.eligibility import SPOOL_FILE, DurableAuditStore, RedisCache, SqlAuditStore
from eligate.service import Settings, create_app
from eligate.service._compose import ComposedCore, build_core
from eligate.simulator import Behavior
from tests.own_servers import OwnPostgres
from tests.servers import REDIS_URL
from tests.service.conftest import ADMIN_KEY, CLINIC_KEY, make_settings

INQUIRY = {
    "payer_id": "synaetna",
    "subscriber": {
        "member_id": "SYN100001",
        "last_name": "TESTPATIENT",
        "first_name": "ALEX",
        "birth_date": "1980-01-01",
    },
    "service_type_codes": ["30"],
    "date_of_service": "2026-03-02",
}


async def _composed(settings: Settings) -> ComposedCore:
    core = await build_core(settings)
    assert isinstance(core, ComposedCore)
    return core


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[ComposedCore]:
    """The embedded defaults: SQLite under a data dir, in-process cache, the simulator."""
    core = await _composed(make_settings(data_dir=tmp_path / "data"))
    yield core
    await core.close()


async def test_embedded_defaults_answer_from_the_simulator_then_the_cache(
    embedded: ComposedCore, tmp_path: Path
) -> None:
    """A first check reaches a simulated payer; the same check again is served from cache."""
    app = create_app(make_settings(data_dir=tmp_path / "data"), core=embedded)
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": CLINIC_KEY}
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        first = await http.post("/v1/eligibility", json=INQUIRY, headers=headers)
        again = await http.post("/v1/eligibility", json=INQUIRY, headers=headers)
        payers = await http.get("/v1/payers", headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["origin"], first.json()["status"]) == ("payer", "payer_answered")
    assert first.json()["coverage"] == "covered"
    assert first.json()["results"][0]["coverage_status"] == "active"
    [summary] = first.json()["summaries"]
    assert summary["source"] == "template"
    assert summary["text"].startswith("Coverage: active")
    assert "Deductible: $" in summary["text"]
    assert "prior authorization required" in summary["text"]
    assert again.json()["origin"] == "cache"
    assert {p["payer_id"] for p in payers.json()["payers"]} >= {"synaetna"}
    assert (tmp_path / "data" / "eligate.db").is_file()
    await embedded.core.settle()  # the hit's record goes to the group commit off the request
    report = await embedded.audit.verify()
    assert report.ok
    assert report.events >= 2


async def test_production_wiring_uses_postgres_and_redis(own_postgres_database: str) -> None:
    """With URLs set, the audit trail is on PostgreSQL and the cache is Redis."""
    settings = make_settings(database_url=own_postgres_database, redis_url=REDIS_URL)
    core = await _composed(settings)
    try:
        assert isinstance(core.audit, DurableAuditStore)
        assert isinstance(core.audit.store, SqlAuditStore)
        assert isinstance(core.cache, RedisCache)
        report = await core.audit.verify()
        assert report.ok
    finally:
        await core.close()


async def test_unknown_member_is_verified_with_the_payer_error(embedded: ComposedCore) -> None:
    """A member the payer does not know is the payer's answer (AAA 75), not a failure."""
    from eligate.eligibility import EligibilityRequest
    from eligate.x12 import InquiryPerson

    request = EligibilityRequest.model_validate(
        {
            **INQUIRY,
            "subscriber": InquiryPerson(member_id="NOTKNOWN1", last_name="SAMPLE"),
            "correlation_id": "compose-test-1",
        }
    )
    outcome = await embedded.check(request)
    assert outcome.origin == "payer"
    [result] = outcome.results
    assert result.coverage_status == "error"
    assert [e.code for e in result.errors] == ["75"]


def _spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _readyz(core: ComposedCore, settings: Settings) -> int:
    app = create_app(settings, core=core)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        return (await http.get("/readyz")).status_code


async def test_readyz_asks_the_real_store_cache_and_registry(postgres_database: str) -> None:
    """PostgreSQL, Redis and the simulated payers up: ``/readyz`` is 200 on the real core."""
    settings = make_settings(database_url=postgres_database, redis_url=REDIS_URL)
    core = await _composed(settings)
    try:
        assert await core.ready() is True
        assert await _readyz(core, settings) == 200
    finally:
        await core.close()


async def test_readyz_is_503_when_redis_is_down(tmp_path: Path) -> None:
    """A cache URL nobody answers on makes the real core not ready."""
    settings = make_settings(
        data_dir=tmp_path / "data", redis_url=f"redis://127.0.0.1:{_spare_port()}/0"
    )
    core = await _composed(settings)
    try:
        assert await core.ready() is False
        assert await _readyz(core, settings) == 503
    finally:
        await core.close()


async def test_readyz_is_503_when_the_audit_tables_are_gone(tmp_path: Path) -> None:
    """The audit event table dropped under the running store: not ready."""
    settings = make_settings(data_dir=tmp_path / "data")
    core = await _composed(settings)
    try:
        assert await core.ready() is True
        with closing(sqlite3.connect(tmp_path / "data" / "eligate.db")) as database:
            database.execute("DROP TABLE audit_events")
            database.commit()
        assert await core.audit.ping() is False
        assert await _readyz(core, settings) == 503
    finally:
        await core.close()


async def test_payer_retries_are_counted_on_metrics(embedded: ComposedCore, tmp_path: Path) -> None:
    """A payer answering 500 is retried by stamina; the app's /metrics serves the count."""
    assert embedded.simulator is not None
    await embedded.simulator.set_behavior("synaetna", Behavior(error_rate=1.0))
    app = create_app(make_settings(data_dir=tmp_path / "data"), core=embedded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        answer = await http.post("/v1/eligibility", json=INQUIRY, headers={"X-API-Key": CLINIC_KEY})
        metrics = await http.get("/metrics", headers={"X-API-Key": ADMIN_KEY})
    assert answer.json()["status"] == "unable_to_verify"
    counted = [
        line
        for line in metrics.text.splitlines()
        if line.startswith("eligate_retries_total{") and 'error="PayerCallError"' in line
    ]
    assert len(counted) == 1
    assert counted[0].endswith(" 1.0")


async def test_a_restart_mid_outage_starts_on_the_spool(
    own_postgres_up: OwnPostgres, tmp_path: Path
) -> None:
    """The database is down at start but the spool exists: the service starts (not ready)."""
    settings = make_settings(database_url=own_postgres_up.url(), data_dir=tmp_path)
    core = await _composed(settings)
    await core.close()
    (tmp_path / SPOOL_FILE).touch()  # the service spooled here before
    own_postgres_up.stop()
    core = await _composed(settings)
    try:
        assert isinstance(core.audit, DurableAuditStore)
        assert await core.ready() is False  # a load balancer prefers healthy replicas
    finally:
        await core.close()


async def test_serve_names_the_simulator_admin_url(tmp_path: Path) -> None:
    """On embedded defaults the simulator's admin URL is logged at start-up."""
    from structlog.testing import capture_logs

    with capture_logs() as logs:
        core = await _composed(make_settings(data_dir=tmp_path / "data"))
    try:
        assert core.simulator is not None
        started = [e for e in logs if e["event"] == "service.simulator_started"]
        assert started[0]["admin"] == core.simulator.admin_url
        assert started[0]["admin"].startswith("http://127.0.0.1:")
    finally:
        await core.close()
