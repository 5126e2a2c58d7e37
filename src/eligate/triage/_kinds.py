"""The deterministic part: which kind of exception an outcome is, from the evidence alone.

Rules decide the kind and the action; the learned models only order the list
and set recheck times. A verified, accepted answer with nothing to do is no
exception and gives ``None``. Every finding carries the evidence it rests on:
the 271 segment, the 834 record, the earlier check, or the batch state.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eligate.normalizer import EligibilityResult, RequestError
from eligate.triage._enrollment import EnrollmentFact, EnrollmentIndex
from eligate.triage._history import History
from eligate.triage._records import Outcome

Kind = Literal[
    "coverage_conflict",
    "coverage_terminated",
    "enrollment_lag",
    "member_id_format_changed",
    "demographic_mismatch",
    "member_not_found",
    "provider_not_eligible",
    "payer_unavailable",
    "prior_auth_required",
    "other_payer_primary",
    "needs_review",
]
"""The stable exception kinds."""

KINDS: tuple[Kind, ...] = (
    "coverage_conflict",
    "coverage_terminated",
    "enrollment_lag",
    "member_id_format_changed",
    "demographic_mismatch",
    "member_not_found",
    "provider_not_eligible",
    "payer_unavailable",
    "prior_auth_required",
    "other_payer_primary",
    "needs_review",
)

Action = Literal[
    "call_employer_or_payer",
    "contact_patient",
    "recheck_later",
    "fix_member_id",
    "fix_demographics",
    "verify_member",
    "route_to_credentialing",
    "request_prior_auth",
    "update_coordination_of_benefits",
    "review_result",
]
"""The stable actions a person (or the recheck) takes."""

SELF_RESOLVING: frozenset[Kind] = frozenset(
    {"enrollment_lag", "payer_unavailable", "coverage_conflict", "member_not_found"}
)
"""Kinds that may clear by themselves: they get a recheck time and a probability."""

ENROLLMENT_LAG_DAYS = 30
"""An 834 addition this recent may not have reached the payer yet."""

_PROVIDER = frozenset({"41", "43", "50", "51", "79"})
_UNAVAILABLE = frozenset({"42", "80"})
_MEMBER_ID = frozenset({"72"})
_NOT_FOUND = frozenset({"75", "67"})
_DEMOGRAPHIC = frozenset(
    {"56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "68", "69", "70", "71", "73",
     "74", "76", "77"}
)  # fmt: skip
_INACTIVE_PENDING = "7"
_OTHER_PAYER = "R"


class Evidence(BaseModel):
    """One fact a finding rests on, with where it was read."""

    model_config = ConfigDict(frozen=True)

    source: Literal["271", "834", "history", "batch"]
    """Which input the fact comes from."""
    ref: str
    """Where in it: the segment position, the 834 record, the earlier item, the batch item."""
    text: str
    """The fact in plain words (a 271 fact quotes its segment)."""


@dataclass(frozen=True, slots=True)
class Finding:
    """The rules' verdict on one outcome: kind, action, evidence, and what the features need."""

    kind: Kind
    action: Action
    evidence: tuple[Evidence, ...]
    suggested_member_id: str | None = None
    aaa_code: str | None = None
    enrollment: EnrollmentFact | None = None
    facts: dict[str, float] = field(default_factory=dict)
    """Numbers the rules saw (days since the 834 start...), for the features."""


@dataclass(frozen=True, slots=True)
class Context:
    """What the rules may consult beside the outcome itself."""

    enrollment: EnrollmentIndex
    history: History
    as_of: datetime
    id_shapes: dict[str, str] = field(default_factory=dict)
    """Payer -> the shape of the member IDs it verified in this run (``AAA999999``)."""


def id_shape(member_id: str) -> str:
    """The format of an ID: letters become ``A``, digits ``9`` (``SYN123`` -> ``AAA999``)."""
    return re.sub(r"[0-9]", "9", re.sub(r"[A-Za-z]", "A", member_id))


def current_id_shapes(outcomes: Sequence[Outcome]) -> dict[str, str]:
    """Per payer, the ID shape of at least 80% of this run's verified checks (if one has)."""
    shapes: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        record = outcome.record
        if record.status == "verified" and record.member_id:
            shapes.setdefault(record.payer_id, Counter())[id_shape(record.member_id)] += 1
    found: dict[str, str] = {}
    for payer, counts in shapes.items():
        shape, count = counts.most_common(1)[0]
        if count >= 5 and count >= 0.8 * sum(counts.values()):
            found[payer] = shape
    return found


def classify(outcome: Outcome, context: Context) -> Finding | None:
    """The kind of exception ``outcome`` is, or ``None`` for a verified answer needing nothing."""
    record = outcome.record
    if record.state == "refused":
        return None
    patient = outcome.patient
    batch_ref = f"item {record.item_id}"
    if patient is None:
        if outcome.x12_problem is not None:
            return Finding(
                "needs_review",
                "review_result",
                (Evidence(source="batch", ref=batch_ref,
                          text=f"the payer's answer could not be read ({outcome.x12_problem})"),),
            )  # fmt: skip
        return _unavailable(outcome)
    errors = [e for e in patient.errors if not e.loop.startswith("2110")]
    codes = {e.code for e in errors}
    if codes & _UNAVAILABLE:
        return _unavailable(outcome, _first(errors, _UNAVAILABLE))
    if codes & _PROVIDER:
        error = _first(errors, _PROVIDER)
        return Finding("provider_not_eligible", "route_to_credentialing",
                       (_aaa(error),), aaa_code=error.code)  # fmt: skip
    if codes & _MEMBER_ID:
        return _member_id(outcome, patient, _first(errors, _MEMBER_ID), context)
    if codes & _DEMOGRAPHIC:
        error = _first(errors, _DEMOGRAPHIC)
        action: Action = "fix_member_id" if error.code == "64" else "fix_demographics"
        return Finding("demographic_mismatch", action, (_aaa(error),), aaa_code=error.code)
    if codes & _NOT_FOUND:
        return _not_found(outcome, _first(errors, _NOT_FOUND), context)
    if errors:
        error = errors[0]
        return Finding("needs_review", "review_result", (_aaa(error),), aaa_code=error.code)
    other = [b for b in patient.benefits if b.code == _OTHER_PAYER]
    if other:
        return Finding(
            "other_payer_primary",
            "update_coordination_of_benefits",
            (_benefit_evidence(other[0].provenance.segments, other[0].provenance.raw,
                               "the payer names another or additional payer"),),
        )  # fmt: skip
    if patient.coverage_status == "inactive":
        return _inactive(outcome, patient, context)
    ended = patient.plan_end_date
    if (
        patient.coverage_status == "active"
        and ended is not None
        and ended < record.appointment_at.date()
    ):
        return _inactive(outcome, patient, context, ended=ended)
    verdict = patient.validation.verdict if patient.validation is not None else None
    if patient.coverage_status != "active" or verdict != "accepted":
        why = (
            f"the gate's verdict is {verdict}"
            if verdict not in (None, "accepted")
            else f"coverage status is {patient.coverage_status}"
        )
        reasons = [r.code for r in patient.validation.reasons] if patient.validation else []
        text = why + (f" ({', '.join(sorted(set(reasons))[:3])})" if reasons else "")
        return Finding(
            "needs_review", "review_result", (Evidence(source="271", ref="result", text=text),)
        )
    return _prior_auth(outcome, patient)


def _unavailable(outcome: Outcome, error: RequestError | None = None) -> Finding:
    record = outcome.record
    evidence = [
        Evidence(
            source="batch",
            ref=f"item {record.item_id}",
            text=(
                f"state {record.state} after {record.attempts} attempt(s)"
                + (f", reason {record.reason}" if record.reason else "")
            ),
        )
    ]
    if error is not None:
        evidence.append(_aaa(error))
    return Finding(
        "payer_unavailable",
        "recheck_later",
        tuple(evidence),
        aaa_code=error.code if error is not None else None,
    )


def _member_id(
    outcome: Outcome, patient: EligibilityResult, error: RequestError, context: Context
) -> Finding:
    record = outcome.record
    evidence = [_aaa(error)]
    suggested: str | None = None
    fact = context.enrollment.find(record.member_id, record.patient_key)
    if (
        fact is not None
        and fact.member_id
        and fact.member_id.upper() != (record.member_id or "").upper()
    ):
        suggested = fact.member_id
        evidence.append(
            Evidence(source="834", ref=fact.ref(),
                     text=f"the employer's 834 lists this member under ID {fact.member_id}")
        )  # fmt: skip
    newer = context.history.verified_under_other_id(record)
    if newer is not None and newer.member_id:
        suggested = suggested or newer.member_id
        evidence.append(
            Evidence(source="history", ref=f"item {newer.item_id}",
                     text=f"verified under ID {newer.member_id} on {_day(newer.checked_at)}")
        )  # fmt: skip
    before = context.history.worked_before(record.payer_id, record.member_id, context.as_of)
    if before is not None:
        evidence.append(
            Evidence(source="history", ref=f"item {before.item_id}",
                     text=f"this ID was verified on {_day(before.checked_at)}")
        )  # fmt: skip
    shape = context.id_shapes.get(record.payer_id)
    if shape is not None and record.member_id and id_shape(record.member_id) != shape:
        evidence.append(
            Evidence(source="batch", ref=f"payer {record.payer_id}",
                     text=f"IDs verified at this payer tonight look like {shape}; "
                          f"this one looks like {id_shape(record.member_id)}")
        )  # fmt: skip
    if len(evidence) == 1:
        return Finding("demographic_mismatch", "fix_member_id", tuple(evidence), aaa_code="72")
    return Finding(
        "member_id_format_changed",
        "fix_member_id",
        tuple(evidence),
        suggested_member_id=suggested,
        aaa_code="72",
        enrollment=fact,
        facts={"history_worked_before": float(before is not None)},
    )


def _not_found(outcome: Outcome, error: RequestError, context: Context) -> Finding:
    record = outcome.record
    fact = context.enrollment.find(record.member_id, record.patient_key)
    evidence = [_aaa(error)]
    if fact is None:
        return Finding("member_not_found", "verify_member", tuple(evidence), aaa_code=error.code)
    evidence.append(_enrollment_evidence(fact))
    if (
        fact.matched_by == "name_and_birth_date"
        and fact.member_id
        and (fact.member_id.upper() != (record.member_id or "").upper())
    ):
        return Finding("member_id_format_changed", "fix_member_id", tuple(evidence),
                       suggested_member_id=fact.member_id, aaa_code=error.code,
                       enrollment=fact)  # fmt: skip
    return _against_enrollment(outcome, fact, tuple(evidence), error.code, context)


def _inactive(
    outcome: Outcome, patient: EligibilityResult, context: Context, *, ended: date | None = None
) -> Finding:
    record = outcome.record
    pending = [b for b in patient.benefits if b.code == _INACTIVE_PENDING]
    evidence: list[Evidence] = []
    if pending:
        first = pending[0].provenance
        evidence.append(
            _benefit_evidence(first.segments, first.raw, "inactive, pending eligibility update")
        )
    else:
        inactive = [b for b in patient.benefits if b.code in ("6", "8")]
        if inactive:
            first = inactive[0].provenance
            evidence.append(
                _benefit_evidence(first.segments, first.raw, "the payer says coverage is inactive")
            )
        ended = ended or patient.plan_end_date
        if ended is not None:
            evidence.append(_plan_end(patient, ended))
    fact = context.enrollment.find(record.member_id, record.patient_key)
    if fact is not None:
        evidence.append(_enrollment_evidence(fact))
    if pending:
        return Finding("enrollment_lag", "recheck_later", tuple(evidence), enrollment=fact,
                       facts=_enrollment_facts(fact, context))  # fmt: skip
    if fact is None or fact.cancelled or not fact.active_on(record.appointment_at.date()):
        return Finding("coverage_terminated", "contact_patient", tuple(evidence), enrollment=fact,
                       facts=_enrollment_facts(fact, context))  # fmt: skip
    return _against_enrollment(outcome, fact, tuple(evidence), None, context)


def _against_enrollment(
    outcome: Outcome,
    fact: EnrollmentFact,
    evidence: tuple[Evidence, ...],
    aaa_code: str | None,
    context: Context,
) -> Finding:
    """The payer does not know the member (or says inactive) but the 834 enrols them."""
    facts = _enrollment_facts(fact, context)
    day = outcome.record.appointment_at.date()
    if fact.cancelled or not fact.active_on(day):
        return Finding("coverage_terminated", "contact_patient", evidence, aaa_code=aaa_code,
                       enrollment=fact, facts=facts)  # fmt: skip
    if facts["days_since_834_begin"] <= ENROLLMENT_LAG_DAYS:
        return Finding("enrollment_lag", "recheck_later", evidence, aaa_code=aaa_code,
                       enrollment=fact, facts=facts)  # fmt: skip
    return Finding("coverage_conflict", "call_employer_or_payer", evidence, aaa_code=aaa_code,
                   enrollment=fact, facts=facts)  # fmt: skip


def _prior_auth(outcome: Outcome, patient: EligibilityResult) -> Finding | None:
    record = outcome.record
    wanted = set(record.service_type_codes)
    for benefit in patient.benefits:
        if benefit.auth_required is not True:
            continue
        by_procedure = (
            record.procedure_code is not None
            and benefit.procedure is not None
            and benefit.procedure.code == record.procedure_code
        )
        by_service = bool(wanted & set(benefit.service_type_codes))
        if by_procedure or by_service:
            what = (
                f"procedure {record.procedure_code}"
                if by_procedure
                else f"service type {', '.join(sorted(wanted & set(benefit.service_type_codes)))}"
            )
            return Finding(
                "prior_auth_required",
                "request_prior_auth",
                (_benefit_evidence(benefit.provenance.segments, benefit.provenance.raw,
                                   f"authorization required for {what}"),),
            )  # fmt: skip
    return None


def _plan_end(patient: EligibilityResult, ended: date) -> Evidence:
    dtp = next((d for d in patient.dates if d.qualifier_code in ("347", "291", "307")), None)
    ref = f"DTP*{dtp.qualifier_code}" if dtp is not None else "plan dates"
    return Evidence(source="271", ref=ref, text=f"the payer says coverage ended on {ended}")


def _enrollment_facts(fact: EnrollmentFact | None, context: Context) -> dict[str, float]:
    if fact is None:
        return {"days_since_834_begin": -1.0}
    begin = fact.begin
    days = (context.as_of.date() - begin).days if begin is not None else 9999
    return {"days_since_834_begin": float(days)}


def _enrollment_evidence(fact: EnrollmentFact) -> Evidence:
    member = fact.member
    if fact.cancelled:
        end = fact.end
        text = "the employer's 834 cancels this member's coverage" + (
            f" as of {end.isoformat()}" if end else ""
        )
    else:
        begin = fact.begin
        verb = {"021": "added", "025": "reinstated", "001": "changed"}.get(
            member.maintenance_type_code, "lists"
        )
        text = f"the employer's 834 {verb} this member with coverage" + (
            f" from {begin.isoformat()}" if begin else ""
        )
        if member.benefit_status_code == "C":
            text += " (COBRA)"
        text += ", no cancellation"
    return Evidence(source="834", ref=fact.ref(), text=text)


def _aaa(error: RequestError) -> Evidence:
    raw = error.provenance.raw[0] if error.provenance.raw else f"AAA {error.code}"
    where = error.provenance.segments[0] if error.provenance.segments else None
    description = error.description or "reject reason " + error.code
    return Evidence(
        source="271",
        ref=f"segment {where}" if where is not None else f"loop {error.loop}",
        text=f"{raw}: {description.lower()}",
    )


def _benefit_evidence(segments: Sequence[int], raw: Sequence[str], text: str) -> Evidence:
    where = f"segment {segments[0]}" if segments else "benefit"
    quoted = raw[0] if raw else ""
    return Evidence(source="271", ref=where, text=f"{quoted}: {text}" if quoted else text)


def _first(errors: Sequence[RequestError], codes: frozenset[str]) -> RequestError:
    return next(e for e in errors if e.code in codes)


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment is not None else "an earlier run"


def appointment_hours(moment: datetime, appointment_at: datetime) -> float:
    """Hours from ``moment`` to the appointment (negative once it has passed)."""
    return (appointment_at - moment) / timedelta(hours=1)
