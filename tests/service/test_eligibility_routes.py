"""``POST /v1/eligibility`` and the payer routes, against the scripted core."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from eligate.normalizer import normalize
from eligate.validators import gate
from tests.conftest import FIXTURES
from tests.service.conftest import ADMIN_KEY, CLINIC_KEY
from tests.service.fakes import FakeCore, Step

CLINIC = {"X-API-Key": CLINIC_KEY}
MEMBER = {"member_id": "SYN000123", "last_name": "TESTPATIENT"}


def inquiry(**overrides: Any) -> dict[str, Any]:
    """A valid inquiry about the synthetic member."""
    body: dict[str, Any] = {
        "payer_id": "SYNPAYER1",
        "subscriber": {
            "member_id": "SYN000123",
            "last_name": "TESTPATIENT",
            "first_name": "ALEX",
            "birth_date": "1980-02-29",
        },
        "service_type_codes": ["30", "98"],
        "date_of_service": "2026-11-23",
    }
    body.update(overrides)
    return body


async def test_an_answer_from_the_payer(client: httpx.AsyncClient, core: FakeCore) -> None:
    """The core's outcome comes back with origin, status and the gated results."""
    response = await client.post("/v1/eligibility", json=inquiry(), headers=CLINIC)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["origin"] == "payer"
    assert (body["status"], body["coverage"]) == ("payer_answered", "covered")
    assert body["results"][0]["member_id"] == "SYN000123"
    assert body["results"][0]["validation"]["verdict"] == "accepted"
    asked = core.requests[0]
    assert asked.subscriber.member_id == "SYN000123"
    assert asked.service_type_codes == ("30", "98")
    assert asked.date_of_service.isoformat() == "2026-11-23"
    assert asked.context == "realtime"
    assert body["correlation_id"] == asked.correlation_id == response.headers["x-correlation-id"]


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (Step(origin="cache"), ("cache", "payer_answered", None)),
        (
            Step(origin="fallback", reason="breaker_open"),
            ("fallback", "payer_answered", "breaker_open"),
        ),
        (
            Step(status="unable", origin="fallback", reason="timeout"),
            ("fallback", "unable_to_verify", "timeout"),
        ),
    ],
)
async def test_cache_fallback_and_unable_to_verify_are_told_apart(
    client: httpx.AsyncClient, core: FakeCore, step: Step, expected: tuple[str, str, str | None]
) -> None:
    """Where the answer came from, and why there is none, are in the body; all are 200."""
    core.script("SYNPAYER1", step)
    response = await client.post("/v1/eligibility", json=inquiry(), headers=CLINIC)
    assert response.status_code == 200
    body = response.json()
    assert (body["origin"], body["status"], body["reason"]) == expected
    assert bool(body["results"]) == (expected[1] == "payer_answered")
    assert body["coverage"] == ("covered" if body["results"] else "could_not_verify")


async def test_a_dependent_and_the_batch_context_reach_the_core(
    client: httpx.AsyncClient, core: FakeCore
) -> None:
    """The dependent, provider, context and stable flag are passed on; the date defaults."""
    body = inquiry(
        dependent={"last_name": "SAMPLE", "first_name": "JO", "birth_date": "2015-06-01"},
        provider_npi="1999999984",
        provider_name="SAMPLE CLINIC",
        context="batch",
        stable_member=True,
    )
    del body["date_of_service"]
    response = await client.post("/v1/eligibility", json=body, headers=CLINIC)
    assert response.status_code == 200, response.text
    asked = core.requests[0]
    assert asked.dependent is not None
    assert asked.dependent.last_name == "SAMPLE"
    assert asked.dependent.member_id is None
    assert (asked.provider_npi, asked.context, asked.stable_member) == ("1999999984", "batch", True)
    assert asked.date_of_service is not None


async def test_an_unknown_payer_is_404(client: httpx.AsyncClient, core: FakeCore) -> None:
    """A payer not in the registry never reaches the core."""
    response = await client.post("/v1/eligibility", json=inquiry(payer_id="NOPE"), headers=CLINIC)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_payer"
    assert core.requests == []


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"subscriber": {**MEMBER, "last_name": "TEST*PATIENT"}}, "body.subscriber.last_name"),
        ({"subscriber": {**MEMBER, "birth_date": "1980-13-45"}}, "body.subscriber.birth_date"),
        ({"subscriber": {"last_name": "TESTPATIENT"}}, "body.subscriber.member_id"),
        ({"service_type_codes": ["30", "not a code"]}, "body.service_type_codes.1"),
        ({"service_type_codes": ["30", "ZZ"]}, "body.service_type_codes.1"),
        ({"provider_npi": "1234567890"}, "body.provider_npi"),
        ({"subscriber": {**MEMBER, "gender_code": "F"}}, "body.subscriber"),
        ({"context": "whenever"}, "body.context"),
        ({"provider_npi": "12345"}, "body.provider_npi"),
        ({"payer_id": "../etc"}, "body.payer_id"),
        ({"extra": "SYNSECRET"}, "body.extra"),
    ],
)  # fmt: skip
async def test_invalid_inquiries_are_422_without_echoing_values(
    client: httpx.AsyncClient, core: FakeCore, change: dict[str, Any], location: str
) -> None:
    """A stable code, the field's location and rule, and none of the values sent."""
    response = await client.post("/v1/eligibility", json=inquiry(**change), headers=CLINIC)
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid_request"
    assert location in [f["location"] for f in body["error"]["fields"]]
    error = json.dumps(body["error"])  # the correlation ID is random hex: leave it out
    for value in ("TEST*PATIENT", "1980-13-45", "not a code", "whenever", "12345", "SYNSECRET"):
        assert value not in error
    assert "TESTPATIENT" not in error
    assert '"ZZ"' not in error
    assert core.requests == []


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    """A body that is not JSON is ``invalid_request`` without the body quoted."""
    response = await client.post(
        "/v1/eligibility",
        content=b'{"subscriber": {"member_id": "SYN999"',
        headers={**CLINIC, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert "SYN999" not in response.text


async def test_a_270_the_core_refuses_is_422(client: httpx.AsyncClient, core: FakeCore) -> None:
    """The 270 builder's refusal (a usage error) is the caller's fault: 422 ``invalid_inquiry``."""
    from eligate.x12 import X12UsageError

    core.script("SYNPAYER1", Step(error=X12UsageError("provider_npi is not a valid NPI")))
    response = await client.post("/v1/eligibility", json=inquiry(), headers=CLINIC)
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invalid_inquiry",
        "message": "provider_npi is not a valid NPI",
    }


async def test_a_guide_refusal_is_422_with_its_action(
    client: httpx.AsyncClient, core: FakeCore
) -> None:
    """The payer's guide refused the request before sending: 422 ``guide_refused``, the action."""
    from eligate.eligibility import GuideRefusedError

    refusal = GuideRefusedError(
        "the member ID does not match the payer's format",
        payer_id="synpayer1",
        action="fix_member_id",
        field="member_id",
    )
    core.script("SYNPAYER1", Step(error=refusal))
    response = await client.post("/v1/eligibility", json=inquiry(), headers=CLINIC)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "guide_refused"
    assert "fix_member_id" in error["message"]
    assert "SYN" not in error["message"].replace("synpayer1", "")


async def test_an_unexpected_core_failure_is_a_500_without_details(
    client: httpx.AsyncClient, core: FakeCore
) -> None:
    """An exception is ``internal_error`` with the correlation ID, no traceback, no message."""
    core.script("SYNPAYER1", Step(error=RuntimeError("member SYN000123 exploded")))
    response = await client.post("/v1/eligibility", json=inquiry(), headers=CLINIC)
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal_error"
    assert body["correlation_id"] == response.headers["x-correlation-id"]
    assert "SYN000123" not in response.text
    assert "Traceback" not in response.text


async def test_payers_are_listed(client: httpx.AsyncClient) -> None:
    """``GET /v1/payers`` lists the registry."""
    response = await client.get("/v1/payers", headers=CLINIC)
    assert response.status_code == 200
    assert [p["payer_id"] for p in response.json()["payers"]] == ["SYNPAYER1", "SYNPAYER2"]


async def test_payer_health(client: httpx.AsyncClient) -> None:
    """``GET /v1/payers/{id}/health`` shows breaker, percentiles and rates; unknown is 404."""
    response = await client.get("/v1/payers/SYNPAYER2/health", headers=CLINIC)
    assert response.status_code == 200
    assert response.json()["breaker"] == "closed"
    assert response.json()["p95_ms"] == 40.0
    missing = await client.get("/v1/payers/NOPE/health", headers=CLINIC)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_payer"


async def test_health_readiness_and_metrics(client: httpx.AsyncClient, core: FakeCore) -> None:
    """``/healthz`` is always ok; ``/readyz`` follows the core; ``/metrics`` counts by route."""
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).status_code == 200
    core.is_ready = False
    not_ready = await client.get("/readyz")
    assert (not_ready.status_code, not_ready.json()) == (503, {"status": "not_ready"})
    core.script("SYNPAYER1", Step(origin="cache"))
    await client.post("/v1/eligibility", json=inquiry(), headers=CLINIC)
    metrics = await client.get("/metrics", headers={"X-API-Key": ADMIN_KEY})
    assert metrics.status_code == 200
    text = metrics.text
    assert (
        'eligate_eligibility_outcomes_total{origin="cache",payer="SYNPAYER1",status="verified"} 1.0'
        in text
    )
    assert 'eligate_http_requests_total{method="GET",route="/readyz",status="503"} 1.0' in text
    assert 'route="/v1/eligibility"' in text


async def test_openapi_documents_the_api(client: httpx.AsyncClient) -> None:
    """OpenAPI at ``/openapi.json`` (``/docs`` renders it) names the role models."""
    schema = (await client.get("/openapi.json")).json()
    assert {"/v1/normalize", "/v1/eligibility", "/v1/payers", "/healthz"} <= set(schema["paths"])
    assert {"InquiryCreate", "EligibilityPublic", "ErrorPublic"} <= set(
        schema["components"]["schemas"]
    )
    assert (await client.get("/docs")).status_code == 200


async def test_lifespan_closes_the_core(core: FakeCore) -> None:
    """Shutting the app down closes what it was given."""
    from eligate.service import InMemoryIdempotencyStore, create_app
    from tests.service.conftest import make_settings

    app = create_app(make_settings(), core=core, idempotency=InMemoryIdempotencyStore())
    async with app.router.lifespan_context(app):
        assert not core.closed
    assert core.closed


@pytest.mark.parametrize(
    ("index", "coverage"), [(0, "not_covered"), (1, "could_not_verify")], ids=["lapsed", "unknown"]
)
async def test_defect8_a_payer_answer_is_not_coverage(
    client: httpx.AsyncClient, core: FakeCore, index: int, coverage: str
) -> None:
    """A lapsed member and an unknown one (AAA 75) are answers, but neither is covered."""
    data = (FIXTURES / "lapsed_with_end_date.271").read_bytes()
    core.answer_with([gate(normalize(data), data)[index]])
    response = await client.post("/v1/eligibility", json=inquiry(), headers=CLINIC)
    body = response.json()
    assert (body["status"], body["coverage"]) == ("payer_answered", coverage)
    if coverage == "not_covered":
        assert body["summaries"][0]["text"] == "Coverage: inactive, ended 2024-01-31."
