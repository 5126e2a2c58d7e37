"""The output contract: one ranked row per exception, and the plain sentences that explain it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eligate.triage._kinds import Action, Evidence, Finding, Kind

Priority = Literal["high", "medium", "low"]
"""How soon a person should look: ``high`` first thing, ``low`` when time allows."""

COLUMNS = (
    "rank",
    "item_id",
    "appointment_id",
    "appointment_at",
    "payer_id",
    "kind",
    "priority",
    "score",
    "action",
    "suggested_member_id",
    "recheck_at",
    "self_resolve_probability",
    "evidence",
    "explanation",
)
"""The columns, in order, of the JSON objects and of the CSV."""


class TriageItem(BaseModel):
    """One exception on the 6 AM list."""

    model_config = ConfigDict(frozen=True)

    rank: int
    """1 is the first row a person should read."""
    item_id: str
    """The batch item."""
    appointment_id: str
    """The scheduler's appointment key."""
    appointment_at: datetime
    """When the patient is expected."""
    payer_id: str
    """The payer file's id."""
    kind: Kind
    """What kind of exception this is, decided by rules from the evidence."""
    priority: Priority
    """``high``, ``medium`` or ``low``."""
    score: float
    """Calibrated probability that a person must act before the appointment."""
    action: Action
    """What to do."""
    suggested_member_id: str | None
    """The member ID the evidence gives instead of the one sent, when it gives one."""
    recheck_at: datetime | None
    """When a recheck should find it cleared (kinds that may clear by themselves)."""
    self_resolve_probability: float | None
    """Probability it clears by itself before the appointment (same kinds)."""
    evidence: list[Evidence]
    """The 271 segment, 834 record, earlier check or batch state it rests on."""
    explanation: str
    """One or two plain sentences, built from the evidence only."""


_LEADS: dict[Kind, str] = {
    "coverage_conflict": "The payer and the employer disagree about coverage",
    "coverage_terminated": "Coverage appears to have ended",
    "enrollment_lag": "A recent enrollment has probably not reached the payer yet",
    "member_id_format_changed": "The member ID sent looks outdated",
    "demographic_mismatch": "The payer could not match the patient's details",
    "member_not_found": "The payer does not know this member",
    "provider_not_eligible": "The payer does not accept inquiries for this provider",
    "payer_unavailable": "The payer could not be reached",
    "prior_auth_required": "Coverage is active but the scheduled service needs authorization",
    "other_payer_primary": "Another payer may be primary",
    "needs_review": "The answer needs a person's review",
}


def explain(finding: Finding) -> str:
    """One or two sentences: the kind's lead, then the evidence facts (no other facts)."""
    facts = "; ".join(_fact(e) for e in finding.evidence[:3])
    text = f"{_LEADS[finding.kind]}: {facts}."
    if finding.suggested_member_id:
        text += f" Suggested member ID: {finding.suggested_member_id}."
    return text


def _fact(evidence: Evidence) -> str:
    """An evidence text without its quoted segment, which stays in ``evidence``."""
    text = evidence.text
    if evidence.source == "271" and ": " in text:
        text = text.split(": ", 1)[1]
    return text


_FACT = re.compile(r"\b(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]*\b")
"""Tokens that carry a fact: numbers, dates, codes and IDs (anything with a digit)."""
_ACTIONS = re.compile(
    r"\b(cancel\w*|terminat\w*|ended|inactive|active|enrol\w*|added|authori[sz]\w*|"
    r"primary|credential\w*|outage|timeout)\b",
    re.IGNORECASE,
)
"""Words that state a coverage fact; a rewording may use one only if the evidence does."""


def explanation_problems(wording: str, item: TriageItem) -> Iterator[str]:
    """Why a model's ``wording`` of ``item``'s explanation says more than its evidence.

    Every number, date, code and ID must appear in the evidence (or be the
    suggested member ID); every coverage word (cancelled, active, authorization...)
    must appear in the evidence or the template explanation. Empty when it adds nothing.
    """
    sources = " ".join(e.text for e in item.evidence) + " " + item.explanation
    known = set(_FACT.findall(sources.upper()))
    if item.suggested_member_id:
        known.add(item.suggested_member_id.upper())
    for token in _FACT.findall(wording.upper()):
        if token not in known:
            yield f"fact_not_in_evidence: {token}"
    stated = {m.group(0).lower()[:6] for m in _ACTIONS.finditer(sources)}
    for match in _ACTIONS.finditer(wording):
        if match.group(0).lower()[:6] not in stated:
            yield f"claim_not_in_evidence: {match.group(0).lower()}"


def reworded(item: TriageItem, wording: str) -> TriageItem:
    """``item`` with a model's ``wording`` as explanation, or unchanged when it is refused."""
    if not wording.strip() or any(True for _ in explanation_problems(wording, item)):
        return item
    return item.model_copy(update={"explanation": wording.strip()})
