"""Abusive requests: auth before JSON, 415, duplicate keys, bounded error bodies, closed docs."""

from __future__ import annotations

import json

import httpx
import pytest
from structlog.testing import capture_logs

from eligate.service import create_app
from tests.service.conftest import CLINIC_KEY, NORMALIZE_KEY, make_settings
from tests.service.fakes import FakeCore
from tests.service.test_eligibility_routes import inquiry

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("path", ["/v1/eligibility", "/v1/normalize"])
async def test_malformed_json_without_a_key_is_401_on_both_routes(
    client: httpx.AsyncClient, path: str
) -> None:
    """The key is checked before the body is parsed: no key, no JSON error."""
    answer = await client.post(path, content=b'{"payer_id":', headers=JSON)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "missing_api_key"


@pytest.mark.parametrize(
    ("path", "key"), [("/v1/eligibility", CLINIC_KEY), ("/v1/normalize", NORMALIZE_KEY)]
)
async def test_malformed_json_is_the_same_422_on_both_routes(
    client: httpx.AsyncClient, path: str, key: str
) -> None:
    """A body that is not JSON: 422 invalid_request with a json_invalid field, on both routes."""
    answer = await client.post(path, content=b'{"payer_id":', headers={**JSON, "X-API-Key": key})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_request"
    assert answer.json()["error"]["fields"][0]["type"] == "json_invalid"


async def test_a_wrong_content_type_is_415(client: httpx.AsyncClient) -> None:
    """An inquiry sent as XML (or form data) is 415, as the README promises."""
    for media in ("application/xml", "application/x-www-form-urlencoded", "text/plain"):
        answer = await client.post(
            "/v1/eligibility",
            content=json.dumps(inquiry()),
            headers={"Content-Type": media, "X-API-Key": CLINIC_KEY},
        )
        assert answer.status_code == 415, media
        assert answer.json()["error"]["code"] == "unsupported_media_type"


async def test_a_key_given_twice_is_refused(client: httpx.AsyncClient, core: FakeCore) -> None:
    """Duplicate JSON keys are 422 duplicate_json_key, at any depth; the core is not asked."""
    body = json.dumps(inquiry())
    twice = body.replace('"payer_id":', '"payer_id": "OTHER", "payer_id":', 1)
    nested = body.replace('"member_id":', '"member_id": "X", "member_id":', 1)
    for sent in (twice, nested):
        answer = await client.post(
            "/v1/eligibility", content=sent, headers={**JSON, "X-API-Key": CLINIC_KEY}
        )
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "duplicate_json_key"
    assert core.requests == []


async def test_sixty_thousand_unknown_keys_give_a_small_answer_and_log_line(
    client: httpx.AsyncClient,
) -> None:
    """The error lists 20 fields and counts them all; the log line stays small too."""
    body = json.dumps({**inquiry(), **{f"k{i}": 1 for i in range(60_000)}})
    with capture_logs() as logs:
        answer = await client.post(
            "/v1/eligibility", content=body, headers={**JSON, "X-API-Key": CLINIC_KEY}
        )
    assert answer.status_code == 422
    assert len(answer.content) < 8_000
    assert len(answer.json()["error"]["fields"]) == 20
    assert "60000 invalid field(s)" in answer.json()["error"]["message"]
    invalid = [e for e in logs if e["event"] == "service.request_invalid"]
    assert len(invalid[0]["fields"]) == 20
    assert invalid[0]["count"] == 60_000


async def test_docs_and_openapi_are_closed_in_production() -> None:
    """Production answers 404 for /docs and /openapi.json; other environments serve them."""
    production = create_app(
        make_settings(environment="production", provider_npi="1234567893"), core=FakeCore()
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=production), base_url="http://eligate.test"
    ) as http:
        for path in ("/docs", "/openapi.json"):
            assert (await http.get(path)).status_code == 404
    test = create_app(make_settings(), core=FakeCore())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=test), base_url="http://eligate.test"
    ) as http:
        assert (await http.get("/openapi.json")).status_code == 200


async def test_failed_api_key_attempts_are_rate_limited() -> None:
    """Wrong keys from one address end in 429 with Retry-After; a right key is not affected."""
    app = create_app(make_settings(rate_limit_per_minute=1, rate_limit_burst=3), core=FakeCore())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://eligate.test"
    ) as http:
        statuses = []
        for attempt in range(5):
            answer = await http.post(
                "/v1/eligibility", json=inquiry(), headers={"X-API-Key": f"guess-{attempt}"}
            )
            statuses.append(answer.status_code)
        payers = await http.get("/v1/payers", headers={"X-API-Key": f"guess-{attempt}"})
        fine = await http.post("/v1/eligibility", json=inquiry(), headers={"X-API-Key": CLINIC_KEY})
    assert statuses == [401, 401, 401, 429, 429]
    assert payers.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    assert fine.status_code == 200


async def test_the_openapi_document_states_the_contract(client: httpx.AsyncClient) -> None:
    """NPI check digit, the EB03 service type codes and both key schemes are in the document."""
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    inquiry_schema = schemas["InquiryCreate"]["properties"]
    npi = next(o for o in inquiry_schema["provider_npi"]["anyOf"] if o.get("type") == "string")
    assert "check digit" in npi["description"]
    codes = inquiry_schema["service_type_codes"]["items"]["enum"]
    assert {"30", "1", "98", "MH"} <= set(codes)
    assert set(document["components"]["securitySchemes"]) == {"ApiKey", "Bearer"}
    operation = document["paths"]["/v1/eligibility"]["post"]
    assert {"ApiKey": []} in operation["security"]


async def test_docs_are_served_with_their_assets_from_the_package(
    client: httpx.AsyncClient,
) -> None:
    """/docs names only local assets, and they are served (no CDN: works offline)."""
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        served = await client.get(f"/docs/assets/{asset}")
        assert served.status_code == 200
        assert len(served.content) > 100_000
