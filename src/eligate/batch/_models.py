"""What the night run reads, stores and reports: appointments, item states, run figures."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

ItemState = Literal[
    "queued",
    "cache_hit",
    "sent",
    "retry_wait",
    "verified",
    "not_verified",
    "gave_up",
    "refused",
]
"""Where an item is: waiting, asked, waiting to ask again, or one of the final states."""

ITEM_STATES: tuple[ItemState, ...] = (
    "queued",
    "cache_hit",
    "sent",
    "retry_wait",
    "verified",
    "not_verified",
    "gave_up",
    "refused",
)
FINAL_STATES: frozenset[ItemState] = frozenset(
    {"cache_hit", "verified", "not_verified", "gave_up", "refused"}
)
"""States an item never leaves."""

INPUT_COLUMNS: tuple[str, ...] = (
    "appointment_id",
    "appointment_at",
    "payer_id",
    "member_id",
    "last_name",
    "first_name",
    "birth_date",
    "service_type_codes",
    "procedure_code",
    "provider_npi",
    "subscriber_member_id",
    "dependent_last_name",
    "dependent_first_name",
    "dependent_birth_date",
)
"""The appointment list's columns, in export order."""

REQUIRED_COLUMNS: tuple[str, ...] = INPUT_COLUMNS[:8]
"""Columns every file must have (the others may be absent or empty)."""

EXPORT_COLUMNS: tuple[str, ...] = (
    *INPUT_COLUMNS,
    "item_id",
    "batch_id",
    "state",
    "status",
    "reason",
    "origin",
    "attempts",
    "checked_at",
    "results",
    "x12_271",
)
"""One line of ``outcomes.jsonl`` (the triage issue's input: keep these names)."""

_SERVICE_TYPE = re.compile(r"^[A-Z0-9]{1,2}$")


class Appointment(BaseModel):
    """One row of the appointment list, validated (synthetic data in samples and tests)."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
        hide_input_in_errors=True,
    )

    appointment_id: str = Field(min_length=1, max_length=64)
    """The scheduler's id of the appointment."""
    appointment_at: AwareDatetime
    """When the patient is expected, with its UTC offset."""
    payer_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    """The payer's registry id."""
    member_id: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9-]+$")
    """The patient's member ID at the payer."""
    last_name: str = Field(min_length=1, max_length=60)
    """The subscriber's last name."""
    first_name: str = Field(min_length=1, max_length=35)
    """The subscriber's first name."""
    birth_date: date
    """The subscriber's birth date."""
    service_type_codes: tuple[str, ...] = Field(min_length=1, max_length=99)
    """X12 service types (EQ01); space-separated in the file."""
    procedure_code: str | None = Field(default=None, max_length=48)
    """The scheduled procedure (CPT/HCPCS), when known."""
    provider_npi: str | None = Field(default=None, pattern=r"^\d{10}$")
    """The rendering provider's NPI; the clinic's configured one when empty."""
    subscriber_member_id: str | None = Field(default=None, max_length=80)
    """For a dependent: the subscriber's member ID."""
    dependent_last_name: str | None = Field(default=None, max_length=60)
    """For a dependent: the patient's last name."""
    dependent_first_name: str | None = Field(default=None, max_length=35)
    """For a dependent: the patient's first name."""
    dependent_birth_date: date | None = None
    """For a dependent: the patient's birth date."""

    @field_validator("service_type_codes", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split()
        if isinstance(value, list | tuple):
            codes = tuple(str(code).strip().upper() for code in value if str(code).strip())
            if not all(_SERVICE_TYPE.match(code) for code in codes):
                raise ValueError("service types are 1-2 letters or digits")
            return codes
        return value

    @field_validator(
        "procedure_code",
        "provider_npi",
        "subscriber_member_id",
        "dependent_last_name",
        "dependent_first_name",
        "dependent_birth_date",
        mode="before",
    )
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def is_dependent(self) -> bool:
        """Whether the patient is a dependent (the dependent columns are filled)."""
        return self.dependent_last_name is not None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A row that could not be used: its number and a stable code, never its values."""

    row: int
    """1-based data row (CSV: after the header; JSON Lines: line; Parquet: row)."""
    code: str
    """Stable reason, e.g. ``missing_member_id``, ``bad_birth_date``, ``unknown_payer``."""
    column: str | None = None
    """The column at fault, when one is."""

    def line(self) -> str:
        """One line for logs and CLI output (no member data)."""
        where = f" ({self.column})" if self.column else ""
        return f"row {self.row}: {self.code}{where}"


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One row as read: the appointment, or why it was refused; the raw values kept for export."""

    row: int
    values: dict[str, str]
    appointment: Appointment | None
    refusal: Refusal | None


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    """How a night run paces, retries and ends; built from the one ``Settings`` object."""

    deadline: time = time(5, 30)
    """Every item is final by this local time (the next one after submission)."""
    timezone: str | None = None
    """IANA zone the deadline is read in; the machine's local zone when ``None``."""
    before_appointment: timedelta = timedelta(hours=1)
    """...or this long before its appointment, whichever comes first."""
    retry_delays: tuple[float, ...] = (30.0, 120.0, 600.0)
    """Seconds to wait before each retry of a transient failure; one more send each."""
    lease_seconds: float = 60.0
    """How long a worker holds an item it is asking about before another may take it."""
    chunk_size: int = 25
    """Items per queue message."""
    concurrency: int = 64
    """Items one worker process takes through their states at once (database connections
    and CPU, not the payers, set it; each payer is also held to its ``pool_size``)."""
    tick_seconds: float = 5.0
    """How often a run's watchdog re-queues due retries and items orphaned by a crash."""
    resend_unknown: bool = False
    """Resend an item whose worker died after sending and before recording the answer.

    Off: such an item ends ``gave_up`` (``outcome_unknown``) rather than risk a second
    270 for one question; on: it is asked again (finished, at the risk of a duplicate).
    """
    worker_name: str = field(default="worker")
    """Who holds leases and records transitions (host:pid by default)."""

    @property
    def max_attempts(self) -> int:
        """Sends an item may cost in all."""
        return len(self.retry_delays) + 1

    def run_deadline(self, submitted_at: datetime) -> datetime:
        """The next ``deadline`` local time after ``submitted_at``."""
        zone = self.zone()
        local = submitted_at.astimezone(zone)
        candidate = datetime.combine(local.date(), self.deadline, tzinfo=zone)
        if candidate <= local:
            candidate = datetime.combine(
                local.date() + timedelta(days=1), self.deadline, tzinfo=zone
            )
        return candidate

    def zone(self) -> tzinfo:
        """The zone local times are read in."""
        if self.timezone is None:
            local = datetime.now().astimezone().tzinfo
            return local if local is not None else UTC
        from zoneinfo import ZoneInfo  # noqa: PLC0415 - only when a zone is named

        return ZoneInfo(self.timezone)

    def due_at(self, run_deadline: datetime, appointment_at: datetime) -> datetime:
        """When an item must be final: the run's deadline or before its appointment."""
        return min(run_deadline, appointment_at - self.before_appointment)


class PayerFigures(BaseModel):
    """One payer's part of a run (or the whole run's), counted from the stored items."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    payer_id: str
    """The payer, or ``*`` for the whole run."""
    total: int
    """Items, refused rows included."""
    states: dict[str, int]
    """Items per state."""
    final: int
    """Items in a final state."""
    cache_hits: int
    """Answered from the cache (the batch TTL)."""
    verified: int
    """The payer answered: active."""
    not_verified: int
    """The payer answered: inactive, or an AAA error."""
    gave_up: int
    """No answer by the deadline or after the retries."""
    refused: int
    """Bad rows."""
    acceptance_rate: float | None
    """Answered items whose results the gate accepted, over answered items."""
    completion_rate: float | None
    """Answered items (cache, verified, not verified) over usable items."""
    p50_item_ms: float | None
    """Median time from an item's first claim to its final state."""
    p95_item_ms: float | None
    """95th percentile of the same."""
    duplicate_rate: float | None
    """Rows asking a question another row of the file already asks, over rows."""
    retry_success_rate: float | None
    """Items sent more than once that ended answered, over items sent more than once."""


class BatchReport(BaseModel):
    """A run's status and report: counts per state, KPIs per payer and overall."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    batch_id: str
    """The run's id."""
    file_name: str
    """The submitted file's name (no folder)."""
    created_at: datetime
    """When the run was submitted."""
    deadline_at: datetime
    """When every item must be final."""
    finished_at: datetime | None
    """When the last item became final."""
    done: bool
    """Every item is final."""
    overall: PayerFigures
    """The whole run."""
    payers: list[PayerFigures]
    """Per payer, in id order."""


class ItemPublic(BaseModel):
    """One item as the API lists it (no member data)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    item_id: str
    """``<batch id>-<row>``."""
    row: int
    """The row in the submitted file."""
    appointment_id: str | None
    """The scheduler's id (none for a row refused before it was read)."""
    payer_id: str | None
    """The payer."""
    state: ItemState
    """Where the item is."""
    status: str | None
    """The coverage status answered (``active``, ``inactive``, ``error``...)."""
    reason: str | None
    """Why it is waiting, gave up, was refused or not verified (a stable code)."""
    origin: str | None
    """``payer``, ``cache`` or ``fallback``."""
    attempts: int
    """270s sent for it."""
    next_attempt_at: datetime | None
    """In ``retry_wait``: when it is asked again."""
    checked_at: datetime | None
    """When it reached its final state."""
