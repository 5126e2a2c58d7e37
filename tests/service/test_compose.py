"""The composition root: real core, simulator, audit store and cache behind the HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from eligate.eligibility import RedisCache, SqlAuditStore
from eligate.service import Settings, create_app
from eligate.service._compose import ComposedCore, build_core
from tests.servers import REDIS_URL
from tests.service.conftest import CLINIC_KEY, make_settings

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
    assert (first.json()["origin"], first.json()["status"]) == ("payer", "verified")
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


async def test_production_wiring_uses_postgres_and_redis(postgres_database: str) -> None:
    """With URLs set, the audit trail is on PostgreSQL and the cache is Redis."""
    settings = make_settings(database_url=postgres_database, redis_url=REDIS_URL)
    core = await _composed(settings)
    try:
        assert isinstance(core.audit, SqlAuditStore)
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
