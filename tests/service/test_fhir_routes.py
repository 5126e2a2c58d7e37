"""``Accept: application/fhir+json`` on ``/v1/normalize`` and ``/v1/eligibility``."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx

from eligate.fhir import read_bundle, validate_bundle
from tests.factories import make_271
from tests.service.conftest import CLINIC_KEY, NORMALIZE_KEY
from tests.service.fakes import FakeCore, Step
from tests.service.test_eligibility_routes import inquiry

FHIR = "application/fhir+json"
RAW = make_271("EB*1*IND*30*PR*GOLD PPO", "EB*C*IND*30***29*847.23*****Y")


async def test_normalize_answers_one_bundle(client: httpx.AsyncClient) -> None:
    """A 271 with ``Accept: application/fhir+json`` gives one valid R4 Bundle."""
    response = await client.post(
        "/v1/normalize",
        content=RAW,
        headers={"X-API-Key": NORMALIZE_KEY, "Content-Type": "text/plain", "Accept": FHIR},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR)
    assert "fhirVersion=4.0" in response.headers["content-type"]
    bundle = json.loads(response.text, parse_float=Decimal)
    validate_bundle(bundle)
    assert bundle["resourceType"] == "Bundle"
    facts = read_bundle(bundle)
    assert [f.member_id for f in facts] == ["SYN000123"]
    assert facts[0].benefits[1].amount == "847.23"


async def test_normalize_still_answers_json_by_default(client: httpx.AsyncClient) -> None:
    """Without the FHIR Accept the answer stays the JSON results."""
    response = await client.post(
        "/v1/normalize",
        content=RAW,
        headers={"X-API-Key": NORMALIZE_KEY, "Content-Type": "text/plain", "Accept": "*/*"},
    )
    assert response.headers["content-type"] == "application/json"
    assert "results" in response.json()


async def test_bad_x12_is_still_a_json_error(client: httpx.AsyncClient) -> None:
    """Errors keep the one error shape, whatever was asked for."""
    response = await client.post(
        "/v1/normalize",
        content=b"not x12 at all",
        headers={"X-API-Key": NORMALIZE_KEY, "Content-Type": "text/plain", "Accept": FHIR},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "not_x12"


async def test_eligibility_answers_a_bundle_with_origin_tags(
    client: httpx.AsyncClient, core: FakeCore
) -> None:
    """An inquiry's answer is a Bundle tagged with where it came from."""
    core.script("SYNPAYER1", Step(origin="cache"))
    response = await client.post(
        "/v1/eligibility",
        json=inquiry(),
        headers={"X-API-Key": CLINIC_KEY, "Accept": f"{FHIR}; fhirVersion=4.0"},
    )
    assert response.status_code == 200, response.text
    bundle = json.loads(response.text, parse_float=Decimal)
    validate_bundle(bundle)
    tags = {tag["code"] for tag in bundle["meta"]["tag"]}
    assert tags == {"cache", "verified"}
    assert [f.coverage_status for f in read_bundle(bundle)] == ["active"]


async def test_unable_to_verify_is_an_operation_outcome(
    client: httpx.AsyncClient, core: FakeCore
) -> None:
    """No answer gives a Bundle with one OperationOutcome naming the reason."""
    core.script("SYNPAYER1", Step(status="unable", origin="fallback", reason="timeout"))
    response = await client.post(
        "/v1/eligibility", json=inquiry(), headers={"X-API-Key": CLINIC_KEY, "Accept": FHIR}
    )
    bundle = json.loads(response.text, parse_float=Decimal)
    validate_bundle(bundle)
    (entry,) = bundle["entry"]
    assert entry["resource"]["resourceType"] == "OperationOutcome"
    assert entry["resource"]["issue"][0]["details"]["text"] == "timeout"
    assert read_bundle(bundle) == []


async def test_an_idempotency_key_does_not_replay_across_representations(
    client: httpx.AsyncClient,
) -> None:
    """A key first used for JSON is refused for FHIR rather than replaying the JSON."""
    headers = {"X-API-Key": NORMALIZE_KEY, "Content-Type": "text/plain", "Idempotency-Key": "k1"}
    first = await client.post("/v1/normalize", content=RAW, headers=headers)
    assert first.status_code == 200
    second = await client.post("/v1/normalize", content=RAW, headers={**headers, "Accept": FHIR})
    assert second.status_code == 422
    assert second.json()["error"]["code"] == "idempotency_key_reused"
