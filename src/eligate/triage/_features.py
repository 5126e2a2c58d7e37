"""Features of an exception: numbers the ranking models read, one row per finding."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from eligate.triage._kinds import KINDS, Context, Finding, appointment_hours
from eligate.triage._records import Outcome

FEATURES: tuple[str, ...] = (
    *(f"kind_{kind}" for kind in KINDS),
    "hours_to_appointment",
    "hours_since_check",
    "days_since_834_begin",
    "has_834",
    "enrolment_cancelled",
    "matched_by_name",
    "has_suggested_id",
    "aaa_present",
    "attempts",
    "origin_not_payer",
    "reason_timeout",
    "reason_breaker",
    "payer_unavailable_share",
    "payer_inactive_share",
    "payer_log_volume",
    "payer_answered_since",
    "hours_since_payer_last_failure",
    "earlier_failures",
    "history_worked_before",
    "evidence_count",
)
"""Column order of the feature frame; saved with the models and checked on load."""


@dataclass(frozen=True, slots=True)
class PayerNight:
    """What the whole run says about one payer tonight."""

    volume: int
    unavailable_share: float
    inactive_share: float
    last_failure: datetime | None = None
    """The latest check tonight that the payer did not answer."""
    last_answer: datetime | None = None
    """The latest check tonight that the payer answered."""


def _unavailable(outcome: Outcome) -> bool:
    record = outcome.record
    return record.state in ("gave_up", "retry_wait", "queued", "sent") or record.reason in (
        "timeout",
        "breaker_open",
        "http_5xx",
        "connect",
    )


def payer_nights(outcomes: Sequence[Outcome]) -> dict[str, PayerNight]:
    """Per payer: items tonight, shares unanswered and inactive, last failure and last answer."""
    volume: Counter[str] = Counter()
    unavailable: Counter[str] = Counter()
    inactive: Counter[str] = Counter()
    last_failure: dict[str, datetime] = {}
    last_answer: dict[str, datetime] = {}
    for outcome in outcomes:
        payer = outcome.record.payer_id
        checked = outcome.record.checked_at
        volume[payer] += 1
        latest = last_failure if _unavailable(outcome) else last_answer
        if _unavailable(outcome):
            unavailable[payer] += 1
        if checked is not None and (payer not in latest or checked > latest[payer]):
            latest[payer] = checked
        patient = outcome.patient
        if patient is not None and patient.coverage_status == "inactive":
            inactive[payer] += 1
    return {
        payer: PayerNight(
            n,
            unavailable[payer] / n,
            inactive[payer] / n,
            last_failure.get(payer),
            last_answer.get(payer),
        )
        for payer, n in volume.items()
    }


def feature_row(
    outcome: Outcome,
    finding: Finding,
    context: Context,
    night: PayerNight,
) -> dict[str, float]:
    """The features of one finding (every name in :data:`FEATURES`)."""
    record = outcome.record
    checked = record.checked_at or context.as_of
    reason = record.reason or ""
    fact = finding.enrollment
    row: dict[str, float] = {f"kind_{kind}": float(finding.kind == kind) for kind in KINDS}
    row |= {
        "hours_to_appointment": appointment_hours(context.as_of, record.appointment_at),
        "hours_since_check": max(0.0, _hours(checked, context.as_of)),
        "days_since_834_begin": finding.facts.get("days_since_834_begin", -1.0),
        "has_834": float(fact is not None),
        "enrolment_cancelled": float(fact is not None and fact.cancelled),
        "matched_by_name": float(fact is not None and fact.matched_by != "id"),
        "has_suggested_id": float(finding.suggested_member_id is not None),
        "aaa_present": float(finding.aaa_code is not None),
        "attempts": float(record.attempts),
        "origin_not_payer": float(record.origin not in (None, "payer")),
        "reason_timeout": float("timeout" in reason),
        "reason_breaker": float("breaker" in reason),
        "payer_unavailable_share": night.unavailable_share,
        "payer_inactive_share": night.inactive_share,
        "payer_log_volume": math.log1p(night.volume),
        "payer_answered_since": float(
            night.last_answer is not None and night.last_answer > checked
        ),
        "hours_since_payer_last_failure": (
            _hours(night.last_failure, context.as_of) if night.last_failure is not None else 48.0
        ),
        "earlier_failures": float(
            context.history.earlier_failures(record.payer_id, record.member_id)
        ),
        "history_worked_before": finding.facts.get("history_worked_before", 0.0),
        "evidence_count": float(len(finding.evidence)),
    }
    return row


def feature_frame(rows: Sequence[dict[str, float]]) -> pd.DataFrame:
    """Rows as a frame with the columns of :data:`FEATURES`, in that order."""
    return pd.DataFrame(list(rows), columns=list(FEATURES), dtype="float64")


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600
