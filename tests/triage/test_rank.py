"""The list: order, priority, recheck times, explanations from evidence, the contract."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

from eligate.triage import (
    COLUMNS,
    RULE_SCORES,
    SELF_RESOLVING,
    EnrollmentIndex,
    Night,
    TriageItem,
    TriageModels,
    csv_rows,
    explanation_problems,
    night_run,
    rank,
    reworded,
)

_LEVEL = {"high": 0, "medium": 1, "low": 2}


def _ranked(night: Night, models: TriageModels | None) -> list[TriageItem]:
    run, earlier = night_run(night)
    return rank(
        run.outcomes, as_of=run.as_of, enrollment=run.enrollment, history=earlier, models=models
    )


def test_verified_items_do_not_appear(nights: list[Night]) -> None:
    """Only the generator's exceptions are listed: no verified patient appears."""
    night = nights[3]
    items = _ranked(night, None)
    assert {i.item_id for i in items} == set(night.truth)
    assert len(items) < len(night.outcomes) / 3


def test_order_priority_then_score_then_appointment(
    nights: list[Night], models: TriageModels
) -> None:
    """Ranks run 1..n; priority never rises down the list; within it the score never rises."""
    items = _ranked(nights[3], models)
    assert [i.rank for i in items] == list(range(1, len(items) + 1))
    keys = [(_LEVEL[i.priority], -i.score, i.appointment_at) for i in items]
    assert keys == sorted(keys)
    assert all(0.0 <= i.score <= 1.0 for i in items)
    assert all(i.priority != "high" for i in items if i.kind == "payer_unavailable")


def test_recheck_times_for_kinds_that_may_clear(nights: list[Night], models: TriageModels) -> None:
    """Only kinds that may clear get a recheck (after now, by an hour before the appointment)."""
    night = nights[3]
    for item in _ranked(night, models):
        if item.kind not in SELF_RESOLVING:
            assert item.recheck_at is None
            assert item.self_resolve_probability is None
            continue
        assert item.recheck_at is not None
        assert item.recheck_at >= night.as_of + timedelta(minutes=15)
        latest = max(item.appointment_at - timedelta(hours=1), night.as_of + timedelta(minutes=15))
        assert item.recheck_at <= latest
        assert item.self_resolve_probability == round(1 - item.score, 4)


def test_explanation_states_only_evidence(nights: list[Night]) -> None:
    """Every number, date and ID in an explanation is in the item's evidence (or suggestion)."""
    for item in _ranked(nights[3], None):
        sources = " ".join(e.text for e in item.evidence) + f" {item.suggested_member_id}"
        for token in re.findall(r"[A-Z]*\d[\w-]*", item.explanation):
            assert token in sources, (item.kind, token, item.explanation)
        assert item.evidence


def test_rules_alone_without_models() -> None:
    """With no outcomes nothing is listed; without models the rules' priors score the kinds."""
    as_of = datetime.fromisoformat("2026-11-30T06:00:00-05:00")
    assert rank([], as_of=as_of, enrollment=EnrollmentIndex()) == []


def test_csv_rows_follow_the_contract(nights: list[Night]) -> None:
    """CSV rows have the contract's columns in order; evidence is one JSON cell."""
    items = _ranked(nights[3], None)[:5]
    rows = csv_rows(items)
    assert [list(r) for r in rows] == [list(COLUMNS)] * len(items)
    assert rows[0]["evidence"].startswith('[{"source": ')
    assert list(TriageItem.model_fields) == list(COLUMNS)


def test_a_rewording_may_not_add_facts(nights: list[Night]) -> None:
    """A model's wording with a date, ID or coverage claim not in the evidence is refused."""
    item = next(i for i in _ranked(nights[3], None) if i.kind == "coverage_terminated")
    faithful = "Coverage seems to have ended. " + item.evidence[0].text.split(": ", 1)[-1]
    assert list(explanation_problems(faithful, item)) == []
    assert reworded(item, faithful).explanation == faithful
    invented = "Coverage ended on 2031-01-01; the member has COBRA through SYN999999."
    problems = list(explanation_problems(invented, item))
    assert "fact_not_in_evidence: 2031-01-01" in problems
    assert "fact_not_in_evidence: SYN999999" in problems
    assert reworded(item, invented) == item
    claim = "The payer needs an authorization first."
    assert list(explanation_problems(claim, item)) == ["claim_not_in_evidence: authorization"]


def test_kinds_the_models_never_saw_keep_the_rules_prior(
    nights: list[Night], models: TriageModels
) -> None:
    """A kind with under ten labelled examples in training is scored by the rules' prior."""
    data = dict(models.card["data"])  # type: ignore[call-overload]
    data["by_kind"] = {k: v for k, v in data["by_kind"].items() if k != "coverage_terminated"}
    blind = dataclasses.replace(models, card=models.card | {"data": data})
    items = _ranked(nights[3], blind)
    terminated = [i for i in items if i.kind == "coverage_terminated"]
    assert terminated
    assert {i.score for i in terminated} == {RULE_SCORES["coverage_terminated"]}
    learned = {i.score for i in _ranked(nights[3], models) if i.kind == "coverage_terminated"}
    assert learned != {RULE_SCORES["coverage_terminated"]}
