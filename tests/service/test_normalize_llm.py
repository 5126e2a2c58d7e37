"""``POST /v1/normalize`` with a model proposer: the gate disposes, the request never fails."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from eligate.llm import LLMConfig
from eligate.normalizer import LLMProposer
from eligate.service import create_app
from tests.conftest import ROOT
from tests.normalizer.llm_server import LoopbackLLM, Script, down, liar, oracle
from tests.service.conftest import NORMALIZE_KEY, make_settings
from tests.service.fakes import FakeCore

MSG_271 = (ROOT / "tests" / "fixtures" / "msg" / "deductible_in_msg.271").read_bytes()
PLANTED_271 = (ROOT / "tests" / "fixtures" / "msg" / "planted_instruction.271").read_bytes()
HEADERS = {"X-API-Key": NORMALIZE_KEY, "Content-Type": "text/plain"}


@pytest.fixture
def model(request: pytest.FixtureRequest) -> Iterator[LoopbackLLM]:
    """A loopback OpenAI-compatible server answering with the script the test names."""
    script: Script = request.param
    with LoopbackLLM(script) as server:
        yield server


@pytest.fixture
async def http(model: LoopbackLLM) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a proposer pointed at ``model``."""
    config = LLMConfig(base_url=model.base_url, model="scripted-model", deadline_seconds=3.0)
    app = create_app(make_settings(), core=FakeCore(), proposer=LLMProposer(config))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as client:
        yield client


def _llm_benefits(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    [result] = body["results"]
    return sorted(
        (b["code"], b["time_qualifier_code"], b["amount"])
        for b in result["benefits"]
        if b["source"] == "llm"
    )


@pytest.mark.parametrize("model", [oracle], indirect=True)
async def test_a_careful_model_adds_benefits_the_gate_accepts(http: httpx.AsyncClient) -> None:
    """The MSG's amounts come back as ``llm`` benefits; the result waits for a human."""
    answer = await http.post("/v1/normalize", content=MSG_271, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert _llm_benefits(body) == [("C", "23", "2500"), ("C", "29", "847.23")]
    [result] = body["results"]
    assert result["proposals"]["model"] == "scripted-model"
    assert result["validation"]["verdict"] == "needs_review"


@pytest.mark.parametrize("model", [liar], indirect=True)
async def test_a_lying_model_gets_nothing_accepted(http: httpx.AsyncClient) -> None:
    """Invented amounts and obeyed instructions are rejected; the request still succeeds."""
    for data in (MSG_271, PLANTED_271):
        answer = await http.post("/v1/normalize", content=data, headers=HEADERS)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert _llm_benefits(body) == []
        [result] = body["results"]
        assert result["validation"]["verdict"] != "accepted"
        assert "proposal_rejected" in {u["reason"] for u in result["unmapped"]}


@pytest.mark.parametrize("model", [down], indirect=True)
async def test_a_dead_model_degrades_to_the_rules(http: httpx.AsyncClient) -> None:
    """A model answering 500s gives the rules' result with a review reason, never a 5xx."""
    answer = await http.post("/v1/normalize", content=MSG_271, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert _llm_benefits(body) == []
    [result] = body["results"]
    assert "model_unavailable" in {r["code"] for r in result["validation"]["reasons"]}


@pytest.mark.parametrize("model", [down], indirect=True)
async def test_the_model_failure_event_is_json_with_the_correlation_id(
    http: httpx.AsyncClient,
) -> None:
    """``llm.model_unavailable`` goes through structlog with the request's correlation ID."""
    headers = {**HEADERS, "X-Correlation-ID": "corr-llm-1"}
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        answer = await http.post("/v1/normalize", content=MSG_271, headers=headers)
    assert answer.status_code == 200
    [event] = [entry for entry in logs if entry["event"] == "llm.model_unavailable"]
    assert event["correlation_id"] == "corr-llm-1"
    assert event["detail"].startswith("http_5")
    assert event["model"] == "scripted-model"
