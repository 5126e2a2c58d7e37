"""Recorded model exchanges replayed with the network blocked (pytest-recording / vcrpy).

The cassettes were recorded once against the loopback scripted model
(``tests/normalizer/llm_server.py``) with synthetic members::

    .venv/bin/pytest tests/normalizer/test_llm_cassettes.py --record-mode=rewrite \
        --allowed-hosts=127.0.0.1

openai 3.x sends through ``httpx2``; vcrpy (>= 9.4) patches
``httpx2.HTTPTransport.handle_request``, which is the transport the proposer's
deadline wrapper delegates to, so the real client stack is recorded and replayed
unchanged. Replays match on method, path and body (the loopback port differs
between runs) and never open a socket: the tests are marked ``block_network``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from eligate.llm import LLMConfig
from eligate.normalizer import EligibilityResult, LLMProposer
from eligate.validators import propose_and_gate
from tests.normalizer.llm_server import LoopbackLLM, liar, oracle
from tests.normalizer.test_llm import DEPENDENT, FREE_TEXT, PLANTED

CASSETTES = Path(__file__).parent / "cassettes" / "test_llm_cassettes"
REPLAY_URL = "http://127.0.0.1:9/v1"
"""Where replays point: nothing listens there, and the network is blocked anyway."""


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    """Scrub credentials; match on what the proposer sent, not on the loopback port."""
    return {
        "filter_headers": ["authorization", "api-key", "openai-organization", "cookie"],
        "match_on": ["method", "path", "body"],
        "decode_compressed_response": True,
    }


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """The replay URL; when recording, a loopback scripted model chosen by the test's name."""
    if request.config.getoption("--record-mode") in (None, "none"):
        yield REPLAY_URL
        return
    script = liar if "liar" in request.node.name else oracle
    with LoopbackLLM(script) as server:
        yield server.base_url


def _propose(data: bytes, url: str, mode: str = "tools") -> list[EligibilityResult]:
    config = LLMConfig.model_validate(
        {"base_url": url, "model": "scripted-model", "api_key": "sk-test-secret", "mode": mode}
    )
    proposer = LLMProposer(config)
    try:
        return propose_and_gate(data, proposer=proposer)
    finally:
        proposer.close()


def _llm(result: EligibilityResult) -> list[tuple[str, str | None, str | None]]:
    return sorted(
        (b.code, b.time_qualifier_code, b.amount) for b in result.benefits if b.source == "llm"
    )


@pytest.mark.vcr
@pytest.mark.block_network
def test_replayed_tools_answer_is_accepted(endpoint: str) -> None:
    """The recorded tool-call answer replays into three accepted MSG benefits."""
    [result] = _propose(FREE_TEXT, endpoint)
    assert _llm(result) == [
        ("B", "27", "30"),
        ("C", "23", "2500"),
        ("C", "29", "847.23"),
    ]
    assert result.proposals is not None
    assert (result.proposals.outcome, result.proposals.tokens) == ("proposed", 360)


@pytest.mark.vcr
@pytest.mark.block_network
def test_replayed_json_mode_answer_is_accepted(endpoint: str) -> None:
    """JSON mode replays the same way: a dependent's co-pay from its MSG."""
    results = _propose(DEPENDENT, endpoint, mode="json")
    assert [_llm(result) for result in results] == [[("B", "27", "20")]]


@pytest.mark.vcr
@pytest.mark.block_network
def test_replayed_liar_is_rejected_everywhere(endpoint: str) -> None:
    """A recorded lying model: every proposal rejected, results need review."""
    for data in (FREE_TEXT, PLANTED):
        for result in _propose(data, endpoint):
            assert _llm(result) == []
            assert result.validation is not None
            assert result.validation.verdict == "needs_review"


def test_cassettes_hold_no_credentials_and_no_member_data() -> None:
    """Every committed cassette: no Authorization header, no member name, ID or birth date."""
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) == 3
    for path in files:
        text = path.read_text()
        assert "sk-test-secret" not in text
        for phi in ("TESTPATIENT", "ALEX", "SYN000777", "19800101", "20150601", "EXAMPLE STREET"):
            assert phi not in text, (path.name, phi)
        for interaction in yaml.safe_load(text)["interactions"]:
            headers = {name.lower() for name in interaction["request"]["headers"]}
            assert "authorization" not in headers
