"""``POST /v1/normalize``: a raw 271 as text or JSON in, results with verdicts out."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import make_271
from tests.service.conftest import NORMALIZE_KEY

ADAPTER = {"X-API-Key": NORMALIZE_KEY}
RAW = make_271("EB*1*IND*30*PR*GOLD PPO", "EB*C*IND*30***29*847.23*****Y")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x12", "application/EDI-X12; charset=utf-8"]
)
async def test_a_raw_271_as_text(client: httpx.AsyncClient, content_type: str) -> None:
    """Text bodies in any of the X12 media types are normalized and gated."""
    response = await client.post(
        "/v1/normalize", content=RAW, headers={**ADAPTER, "Content-Type": content_type}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["member_id"] for r in body["results"]] == ["SYN000123"]
    assert body["results"][0]["coverage_status"] == "active"
    assert body["results"][0]["validation"]["verdict"] == "accepted"
    assert body["verdicts"] == {"accepted": 1}


async def test_a_raw_271_in_json(client: httpx.AsyncClient) -> None:
    """``{"x12": "..."}`` gives the same answer."""
    response = await client.post("/v1/normalize", json={"x12": RAW.decode()}, headers=ADAPTER)
    assert response.status_code == 200
    assert response.json()["results"][0]["plan_name"] == "GOLD PPO"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"   \n", "empty_input"),
        (b"Dear payer, SYN000123 TESTPATIENT", "not_x12"),
        (RAW[: RAW.index(b"SE*")], "truncated"),
        (RAW.replace(b"ST*271", b"ST*270"), "not_271"),
    ],
)
async def test_bad_x12_is_422_with_the_input_error_code(
    client: httpx.AsyncClient, raw: bytes, code: str
) -> None:
    """Each X12 input error keeps its stable code; the body is not echoed."""
    response = await client.post(
        "/v1/normalize", content=raw, headers={**ADAPTER, "Content-Type": "text/plain"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert "TESTPATIENT" not in response.text


async def test_json_without_x12_is_invalid_request(client: httpx.AsyncClient) -> None:
    """A JSON body that is not ``{"x12": str}`` is a 422 ``invalid_request``."""
    response = await client.post(
        "/v1/normalize", json={"x12": 5, "member": "SYN000123"}, headers=ADAPTER
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "invalid_request"
    assert {f["location"] for f in body["error"]["fields"]} == {"body.x12", "body.member"}
    assert "SYN000123" not in response.text


async def test_other_media_types_are_415(client: httpx.AsyncClient) -> None:
    """A form post or no content type is refused with the types accepted."""
    response = await client.post(
        "/v1/normalize",
        content=RAW,
        headers={**ADAPTER, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
