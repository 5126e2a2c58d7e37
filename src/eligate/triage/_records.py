"""Triage's own reading of the batch export: one outcome record per appointment item.

The batch package writes ``outcomes.jsonl``; triage never imports it. This model
names the columns that export promises (the input columns, then ``item_id``,
``batch_id``, ``state``, ``status``, ``reason``, ``origin``, ``attempts``,
``checked_at``, ``results``, ``x12_271``) and ignores any it does not use. A line
that carries the raw 271 but no results is normalized and gated here, so triage
judges every answer by the same rules as the real-time core.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator

from eligate.normalizer import EligibilityResult, normalize
from eligate.triage.errors import OutcomeLineError
from eligate.validators import gate
from eligate.x12 import X12InputError

ItemState = Literal[
    "queued", "cache_hit", "sent", "retry_wait", "verified", "not_verified", "gave_up", "refused"
]
"""The batch item states; only the final ones mean the payer was asked and answered."""


def _codes(value: object) -> object:
    """``service_type_codes`` arrive space-separated in CSV-born rows, as a list in JSON."""
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


class OutcomeRecord(BaseModel):
    """One line of ``outcomes.jsonl``: the appointment row, its batch state and the answer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    appointment_id: str
    """The scheduler's appointment key."""
    appointment_at: datetime
    """When the patient is expected, with its UTC offset."""
    payer_id: str
    """The payer file's id (``synblue``...)."""
    member_id: str | None = None
    """The member ID the appointment list gave (the subscriber's for a dependent)."""
    last_name: str | None = None
    """The subscriber's last name as listed."""
    first_name: str | None = None
    """The subscriber's first name as listed."""
    birth_date: date | None = None
    """The subscriber's birth date as listed."""
    service_type_codes: Annotated[list[str], BeforeValidator(_codes)] = []
    """Service types asked about (EB03 codes), e.g. ``["30"]``."""
    procedure_code: str | None = None
    """The scheduled procedure (CPT/HCPCS), when the list gives one."""
    provider_npi: str | None = None
    """The rendering provider's NPI."""
    subscriber_member_id: str | None = None
    """For a dependent: the subscriber's member ID."""
    dependent_last_name: str | None = None
    """For a dependent: the patient's last name."""
    dependent_first_name: str | None = None
    """For a dependent: the patient's first name."""
    dependent_birth_date: date | None = None
    """For a dependent: the patient's birth date."""
    item_id: str
    """The batch item's id."""
    batch_id: str
    """The run this item belongs to."""
    state: ItemState
    """Where the item ended (or stands) in the batch state machine."""
    status: str | None = None
    """The core's answer status: ``verified`` or ``unable_to_verify``."""
    reason: str | None = None
    """Why it could not be verified (``timeout``, ``breaker_open``, ``http_5xx``...)."""
    origin: str | None = None
    """Where the answer came from: ``payer``, ``cache`` or ``fallback``."""
    attempts: int = 0
    """270s sent for this item."""
    checked_at: datetime | None = None
    """When the answer (or the last attempt) came, with its UTC offset."""
    results: list[EligibilityResult] | None = None
    """The normalized, gated results; ``None`` when the export left them out."""
    x12_271: str | None = None
    """The payer's raw 271."""

    @field_validator("appointment_at", "checked_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("needs a UTC offset")
        return value

    @property
    def is_dependent(self) -> bool:
        """The patient is a dependent: the row names one."""
        return bool(self.dependent_last_name or self.dependent_birth_date)

    @property
    def patient_key(self) -> tuple[str, str, date | None]:
        """Last name, first name (upper case) and birth date of the patient."""
        if self.is_dependent:
            return (
                (self.dependent_last_name or "").upper(),
                (self.dependent_first_name or "").upper(),
                self.dependent_birth_date,
            )
        return ((self.last_name or "").upper(), (self.first_name or "").upper(), self.birth_date)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A record with the results triage judges by (given, or normalized from the raw 271)."""

    record: OutcomeRecord
    results: tuple[EligibilityResult, ...]
    x12_problem: str | None = None
    """The stable code when the raw 271 could not be read (``not_x12``, ``truncated``...)."""

    @property
    def patient(self) -> EligibilityResult | None:
        """The result for the patient the row names: by member ID, else by name, else the first."""
        if not self.results:
            return None
        record = self.record
        wanted_last, wanted_first, _ = record.patient_key
        for result in self.results:
            if (
                not record.is_dependent
                and result.member_id
                and result.member_id == record.member_id
            ):
                return result
        for result in self.results:
            if (result.last_name or "").upper() == wanted_last and (
                (result.first_name or "").upper() == wanted_first
            ):
                return result
        return self.results[0]


def outcome_of(record: OutcomeRecord) -> Outcome:
    """Attach gated results to ``record``: its own, or the raw 271's normalized by the rules."""
    results = record.results
    raw = record.x12_271
    if raw and (results is None or any(r.validation is None for r in results)):
        try:
            fresh = normalize(raw) if results is None else list(results)
            return Outcome(record=record, results=tuple(gate(fresh, raw)))
        except X12InputError as error:
            return Outcome(record=record, results=tuple(results or ()), x12_problem=error.code)
    return Outcome(record=record, results=tuple(results or ()))


def read_outcomes(lines: Iterable[str | bytes]) -> list[Outcome]:
    """Parse ``outcomes.jsonl`` lines (blank lines skipped) into outcomes.

    Raises:
        OutcomeLineError: a line is not JSON or not an outcome record; the
            message names the line and the field, never the values.
    """
    outcomes: list[Outcome] = []
    for number, line in enumerate(lines, start=1):
        text = line.decode("utf-8-sig") if isinstance(line, bytes) else line
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise OutcomeLineError(f"not JSON: {error.msg}", line=number, code="not_json") from None
        outcomes.append(outcome_of(parse_record(data, line=number)))
    return outcomes


def parse_record(data: object, *, line: int) -> OutcomeRecord:
    """Validate one decoded record.

    Raises:
        OutcomeLineError: the record misses a column or has one of the wrong type.
    """
    try:
        return OutcomeRecord.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        raise OutcomeLineError(f"{where}: {first['msg']}", line=line) from None
