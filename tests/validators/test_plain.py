"""Front-desk summaries: the template from validated fields, a model's wording only if true."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eligate.llm import LLMConfig, ModelUnavailableError
from eligate.normalizer import EligibilityResult, LLMSummaryWriter, template_summary
from eligate.validators import front_desk_summary, propose_and_gate, summary_problems
from tests.conftest import SAMPLES
from tests.normalizer.llm_server import JSON, LoopbackLLM, Reply, completion

PPO = (SAMPLES / "commercial_ppo_active.271").read_bytes()
MEDICARE = (SAMPLES / "medicare_part_ab.271").read_bytes()
REJECTED = (SAMPLES / "rejected_member_not_found.271").read_bytes()


def _result(data: bytes) -> EligibilityResult:
    return propose_and_gate(data)[0]


class Writer:
    """A stand-in model that answers with fixed text, or fails."""

    prompt_version = "front_desk_summary.v1"
    model = "fixed"

    def __init__(self, text: str | None) -> None:
        self.text = text
        self.seen: list[str] = []

    def write(self, facts: str) -> str:
        """The fixed text; the unavailable error when there is none."""
        self.seen.append(facts)
        if self.text is None:
            raise ModelUnavailableError("timeout")
        return self.text


def test_template_reads_like_the_front_desk_needs() -> None:
    """Deductible with remaining, a copay, coinsurance, prior authorization; no member data."""
    result = _result(PPO)
    text = template_summary(result)
    assert text.startswith("Needs review: ")
    assert "Deductible: $2,500 individual, $847.23 remaining (in network)." in text
    assert "Copay: $250 for MRI/CAT Scan in network, prior authorization required." in text
    assert "Coinsurance: 20% for Health Benefit Plan Coverage in network." in text
    for phi in ("TESTPATIENT", "ALEX", "SYN000123", "19800101"):
        assert phi not in text


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.271")), ids=lambda p: p.stem)
def test_the_template_always_passes_its_own_check(sample: Path) -> None:
    """Every number and claim of the template is in the result."""
    for result in propose_and_gate(sample.read_bytes()):
        assert list(summary_problems(template_summary(result), result)) == []


def test_rejected_and_error_results_say_so() -> None:
    """A rejected result is not summarized; a payer error gives its reason."""
    [error] = propose_and_gate(REJECTED)
    assert template_summary(error) == "The payer could not answer: Subscriber/Insured Not Found."
    assert error.validation is not None
    verdict = error.validation.model_copy(update={"verdict": "rejected"})
    rejected = error.model_copy(update={"validation": verdict})
    summary = front_desk_summary(rejected, writer=Writer("All good!"))
    assert (summary.source, summary.text[:35]) == (
        "template",
        "This answer could not be verified a",
    )


def test_a_faithful_wording_is_used() -> None:
    """Numbers and claims all in the result: the model's text, recorded as such."""
    result = _result(MEDICARE)
    text = "Coverage is active. Deductible $1,632 with $1,632 remaining. Coinsurance is 20%."
    summary = front_desk_summary(result, writer=Writer(text))
    assert (summary.source, summary.text, summary.refused) == ("llm", text, None)
    assert summary.model == "fixed"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Coverage is active. Deductible $1,500 remaining.", "number_not_in_result: 1,500"),
        ("Coverage is active. Your copay is $35.", "number_not_in_result: 35"),
        ("Active. Prior authorization is required for imaging.", "claim_not_in_result"),
        ("Active. Family deductible $1,632.", "claim_not_in_result: family"),
        ("Active. Out-of-network visits are covered.", "claim_not_in_result: out of network"),
        ("Coverage is inactive.", "claim_not_in_result: inactive"),
    ],
)
def test_a_wording_that_says_more_is_refused(text: str, problem: str) -> None:
    """A number or claim not in the result: the template, with the reason."""
    result = _result(MEDICARE)
    summary = front_desk_summary(result, writer=Writer(text))
    assert summary.source == "template"
    assert summary.text == template_summary(result)
    assert summary.refused is not None
    assert summary.refused.startswith(problem)


def test_dropping_the_review_warning_is_refused() -> None:
    """A result that needs review must say so in any wording."""
    result = _result(PPO)
    summary = front_desk_summary(result, writer=Writer("Coverage is active (GOLD PPO)."))
    assert (summary.source, summary.refused) == ("template", "review_warning_dropped")


def test_model_unavailable_falls_back_to_the_template() -> None:
    """A failing writer never fails the summary."""
    summary = front_desk_summary(_result(MEDICARE), writer=Writer(None))
    assert (summary.source, summary.refused) == ("template", "model_unavailable: timeout")


@pytest.fixture
def summary_server() -> Iterator[LoopbackLLM]:
    """A scripted model that embellishes its first answer and rewords faithfully after."""

    def script(request: JSON, number: int) -> Reply:
        facts = request["messages"][-1]["content"]
        assert "FACTS:" in facts
        text = "Coverage is active. Deductible $1,632, $1,632 remaining. Coinsurance 20%."
        if number == 0:
            text = "Coverage is active until 12/31/2099. Deductible waived."
        return completion(request, {"text": text})

    with LoopbackLLM(script) as server:
        yield server


def test_the_llm_writer_through_the_loopback_model(summary_server: LoopbackLLM) -> None:
    """The first wording invents a date and is refused; the second is used."""
    config = LLMConfig(base_url=summary_server.base_url, model="scripted-writer")
    writer = LLMSummaryWriter(config)
    result = _result(MEDICARE)
    first = front_desk_summary(result, writer=writer)
    second = front_desk_summary(result, writer=writer)
    writer.client.close()
    assert (first.source, first.refused) == ("template", "number_not_in_result: 12")
    assert (second.source, second.prompt_version) == ("llm", "front_desk_summary.v1")
    for body in summary_server.bodies:
        assert b"SYN" not in body
