"""The evaluation harness: evaluators count what they claim to count."""

from __future__ import annotations

from pathlib import Path

from eligate.evals import ExpectedResult, Gate, GoldCase, compare, load_gold, rules_proposer, run
from eligate.evals._evaluators import FieldScores
from eligate.normalizer import EligibilityResult
from tests.conftest import CORPUS, ROOT
from tests.factories import make_271

RAW = make_271("EB*1*IND*30", "EB*C*IND*30***23*1000*****Y", "EB*C*IND*30***29*400*****Y")
BENEFITS = [
    ("1", "IND", "30", None, None, None, None),
    ("C", "IND", "30", "23", "1000", None, "Y"),
    ("C", "IND", "30", "29", "400", None, "Y"),
]


def _case(**changes: object) -> GoldCase:
    expected = ExpectedResult(
        member_id="SYN000123", coverage_status="active", benefits=BENEFITS, summary=None
    )
    return GoldCase(id="t", input="project:x", expected=[expected.model_copy(update=changes)])


def _results() -> list[EligibilityResult]:
    return rules_proposer(RAW)


def test_a_right_accepted_answer_scores_perfectly() -> None:
    """All facts right and accepted: precision 1, no false accept."""
    outcome = compare(_case(), _results(), latency_seconds=0.0)
    scores = {m.name: m.value for m in FieldScores()([outcome])}
    assert scores["all.precision"] == 1.0
    assert scores["benefits.recall"] == 1.0
    gate = {m.name: m.value for m in Gate()([outcome])}
    assert (gate["false_accepts"], gate["coverage"]) == (0.0, 1.0)


def test_an_accepted_wrong_answer_is_a_false_accept() -> None:
    """When the gold says otherwise, an accepted result counts as a false accept."""
    wrong = list(BENEFITS)
    wrong[2] = ("C", "IND", "30", "29", "0", None, "Y")
    outcome = compare(_case(benefits=wrong), _results(), latency_seconds=0.0)
    scores = {m.name: m.value for m in FieldScores()([outcome])}
    assert scores["benefits.precision"] == 2 / 3
    gate = {m.name: m for m in Gate()([outcome])}
    assert gate["false_accepts"].value == 1.0
    assert gate["false_accept_rate"].value == 1.0


def test_must_not_accept_cases_count_any_acceptance() -> None:
    """An adversarial case whose result the gate accepts is a false accept."""
    case = _case().model_copy(update={"must_not_accept": True})
    outcome = compare(case, _results(), latency_seconds=0.0)
    assert outcome.wrong_accepted == 1


def test_gold_sets_load_and_rules_meet_the_bar() -> None:
    """The committed gold sets load; rules + gate: precision 1.0 and no false accepts."""
    cases = load_gold(ROOT / "src" / "eligate" / "evals" / "gold")
    assert len({c.id for c in cases}) == len(cases) >= 300
    report = run(cases, proposer_name="rules", proposer=rules_proposer, corpus=CORPUS, project=ROOT)
    figures = {m.name: m.value for m in report.overall}
    assert figures["all.precision"] == 1.0
    assert figures["false_accepts"] == 0.0
    assert report.cases + len(report.skipped) == len(cases)


def test_absent_corpus_cases_are_skipped_not_failed(tmp_path: Path) -> None:
    """With no corpus, corpus: cases are listed as skipped."""
    cases = [GoldCase(id="c", input="corpus:nope.271", expected=[])]
    report = run(
        cases, proposer_name="rules", proposer=rules_proposer, corpus=tmp_path, project=tmp_path
    )
    assert report.skipped == ["c"]


def test_rule_of_three_bound_is_over_every_result_judged() -> None:
    """No false accept among N results judged bounds the rate at 3/N, accepted or not."""
    outcome = compare(_case(), _results(), latency_seconds=0.0)
    gate = {m.name: m for m in Gate()([outcome] * 300)}
    assert gate["false_accepts"].value == 0.0
    assert gate["false_accept_bound"].value == 3 / 300
    assert "rule of three over 300 results judged" in gate["false_accept_rate"].detail


def test_spot_facts_score_only_what_a_source_asserts() -> None:
    """An external spot check counts its own facts: right ones hit, a wrong one misses."""
    spots: dict[int, dict[str, str | bool | None]] = {
        1: {"code": "C", "amount": "1000.00", "in_network": True},
        2: {"time_qualifier_code": "29"},
    }
    right = compare(_case(benefit_at=spots, benefit_count=3), _results(), latency_seconds=0.0)
    assert (right.counts["benefit_at"].tp, right.counts["benefit_at"].fp) == (4, 0)
    assert right.counts["benefit_count"].tp == 1
    wrong = compare(_case(benefit_at={2: {"amount": "0"}}), _results(), latency_seconds=0.0)
    assert (wrong.counts["benefit_at"].fp, wrong.counts["benefit_at"].fn) == (1, 1)
    assert wrong.wrong_accepted == 1
