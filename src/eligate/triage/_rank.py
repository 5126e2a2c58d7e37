"""The 6 AM list: rules find and name the exceptions, the models order them and set rechecks.

The model orders and suggests; it never changes a coverage status or a kind.
Without models the list still works: each kind gets a fixed prior (the "rules
alone" order) and a fixed recheck delay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from eligate.triage._enrollment import EnrollmentIndex
from eligate.triage._estimators import ResolutionTimeRegressor, StillProblemClassifier
from eligate.triage._features import PayerNight, feature_frame, feature_row, payer_nights
from eligate.triage._history import History
from eligate.triage._kinds import (
    SELF_RESOLVING,
    Context,
    Finding,
    Kind,
    classify,
    current_id_shapes,
)
from eligate.triage._output import Priority, TriageItem, explain
from eligate.triage._records import Outcome

RULE_SCORES: dict[Kind, float] = {
    "coverage_conflict": 0.9,
    "coverage_terminated": 0.95,
    "member_id_format_changed": 0.9,
    "demographic_mismatch": 0.9,
    "provider_not_eligible": 0.9,
    "prior_auth_required": 0.85,
    "other_payer_primary": 0.8,
    "needs_review": 0.8,
    "member_not_found": 0.75,
    "enrollment_lag": 0.4,
    "payer_unavailable": 0.3,
}
"""The rules' own priors: how often each kind needs a person (the "rules alone" order)."""

RULE_RECHECK_HOURS: dict[Kind, float] = {
    "enrollment_lag": 24.0,
    "payer_unavailable": 2.0,
    "coverage_conflict": 24.0,
    "member_not_found": 12.0,
}
"""Recheck delays without a fitted time model."""

MIN_KIND_EXAMPLES = 10
"""A kind with fewer labelled examples than this in training keeps the rules' prior and
recheck delay: trees say nothing reliable about a kind they have (almost) never seen."""

_EARLIEST_RECHECK = timedelta(minutes=15)
_BEFORE_APPOINTMENT = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class TriageModels:
    """The fitted models and what they were fitted on."""

    classifier: StillProblemClassifier
    regressor: ResolutionTimeRegressor | None
    features: tuple[str, ...]
    card: dict[str, object]
    """The model card's data: training data, metrics, date."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One exception before ranking: the outcome, the rules' finding, its features."""

    outcome: Outcome
    finding: Finding
    features: dict[str, float]


def find_exceptions(
    outcomes: Sequence[Outcome],
    *,
    enrollment: EnrollmentIndex,
    history: History,
    as_of: datetime,
) -> list[Candidate]:
    """Every outcome the rules call an exception, with its features (verified ones drop out)."""
    context = Context(
        enrollment=enrollment,
        history=history,
        as_of=as_of,
        id_shapes=current_id_shapes(outcomes),
    )
    nights = payer_nights(outcomes)
    found: list[Candidate] = []
    for outcome in outcomes:
        finding = classify(outcome, context)
        if finding is None:
            continue
        night = nights.get(outcome.record.payer_id, PayerNight(1, 0.0, 0.0))
        found.append(Candidate(outcome, finding, feature_row(outcome, finding, context, night)))
    return found


def score(candidates: Sequence[Candidate], models: TriageModels | None) -> list[float]:
    """Probability that each exception needs a person before its appointment."""
    if not candidates:
        return []
    if models is None:
        return [RULE_SCORES[c.finding.kind] for c in candidates]
    frame = feature_frame([c.features for c in candidates])[list(models.features)]
    proba = models.classifier.predict_proba(frame)
    positive = int(np.flatnonzero(models.classifier.classes_ == 1)[0])
    seen = _seen(models, "by_kind")
    return [
        float(p)
        if seen.get(c.finding.kind, 0) >= MIN_KIND_EXAMPLES
        else RULE_SCORES[c.finding.kind]
        for c, p in zip(candidates, proba[:, positive], strict=True)
    ]


def recheck_hours(candidates: Sequence[Candidate], models: TriageModels | None) -> list[float]:
    """Hours after the check at which a recheck should find the exception cleared."""
    if models is None or models.regressor is None or not candidates:
        return [RULE_RECHECK_HOURS.get(c.finding.kind, 24.0) for c in candidates]
    frame = feature_frame([c.features for c in candidates])[list(models.features)]
    seen = _seen(models, "cleared_by_kind")
    return [
        max(0.0, float(h))
        if seen.get(c.finding.kind, 0) >= MIN_KIND_EXAMPLES
        else RULE_RECHECK_HOURS.get(c.finding.kind, 24.0)
        for c, h in zip(candidates, models.regressor.predict(frame), strict=True)
    ]


def _seen(models: TriageModels, key: str) -> dict[str, int]:
    """Labelled examples per kind the models were fitted on (from the card)."""
    data = models.card.get("data")
    counts = data.get(key) if isinstance(data, dict) else None
    return {str(k): int(v) for k, v in counts.items()} if isinstance(counts, dict) else {}


def rank(
    outcomes: Sequence[Outcome],
    *,
    as_of: datetime,
    enrollment: EnrollmentIndex | None = None,
    history: History | None = None,
    models: TriageModels | None = None,
) -> list[TriageItem]:
    """The ranked list of exceptions of one run as of ``as_of``.

    Order: priority (``high`` first), then score, then the earliest appointment.
    ``payer_unavailable`` never ranks above ``medium``: a recheck comes first.
    """
    candidates = find_exceptions(
        outcomes,
        enrollment=enrollment or EnrollmentIndex(),
        history=history or History(),
        as_of=as_of,
    )
    scores = score(candidates, models)
    hours = recheck_hours(candidates, models)
    rows: list[tuple[tuple[int, float, datetime], Candidate, float, float]] = []
    for candidate, probability, delay in zip(candidates, scores, hours, strict=True):
        level = priority(candidate.finding.kind, probability)
        key = (_LEVELS[level], -probability, candidate.outcome.record.appointment_at)
        rows.append((key, candidate, probability, delay))
    rows.sort(key=lambda row: row[0])
    return [
        _item(position, candidate, probability, delay, as_of)
        for position, (_, candidate, probability, delay) in enumerate(rows, start=1)
    ]


_LEVELS: dict[Priority, int] = {"high": 0, "medium": 1, "low": 2}


def priority(kind: Kind, probability: float) -> Priority:
    """``high`` from 0.7, ``medium`` from 0.35; ``payer_unavailable`` at most ``medium``."""
    level: Priority = "high" if probability >= 0.7 else "medium" if probability >= 0.35 else "low"
    if kind == "payer_unavailable" and level == "high":
        return "medium"
    return level


def _item(
    position: int, candidate: Candidate, probability: float, delay: float, as_of: datetime
) -> TriageItem:
    record = candidate.outcome.record
    finding = candidate.finding
    recheck: datetime | None = None
    resolve: float | None = None
    if finding.kind in SELF_RESOLVING:
        checked = record.checked_at or as_of
        latest = record.appointment_at - _BEFORE_APPOINTMENT
        recheck = max(checked + timedelta(hours=delay), as_of + _EARLIEST_RECHECK)
        recheck = min(recheck, max(latest, as_of + _EARLIEST_RECHECK))
        resolve = round(1.0 - probability, 4)
    return TriageItem(
        rank=position,
        item_id=record.item_id,
        appointment_id=record.appointment_id,
        appointment_at=record.appointment_at,
        payer_id=record.payer_id,
        kind=finding.kind,
        priority=priority(finding.kind, probability),
        score=round(probability, 4),
        action=finding.action,
        suggested_member_id=finding.suggested_member_id,
        recheck_at=recheck,
        self_resolve_probability=resolve,
        evidence=list(finding.evidence),
        explanation=explain(finding),
    )
