"""Request and response bodies of the HTTP API, named for their role.

``*Create`` models are what clients send; ``*Public`` models are what they get.
Request models refuse what a 270 cannot carry (X12 delimiters, non-ASCII text) so a
bad inquiry is a 422 here, never a failure inside the core.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from eligate.eligibility import (
    Context,
    EligibilityOutcome,
    EligibilityRequest,
    Origin,
    PayerSummary,
)
from eligate.normalizer import EligibilityResult, FrontDeskSummary, Verdict
from eligate.validators import Coverage, coverage_answer, front_desk_summary
from eligate.x12 import InquiryPerson, code_set, npi_is_valid

_DELIMITERS = frozenset("*:^~|")


def _x12_text(value: str) -> str:
    """Refuse text a 270 cannot carry; the message names the rule, never the value."""
    if not value.strip():
        raise ValueError("must not be blank")
    if not value.isascii() or not value.isprintable():
        raise ValueError("must hold printable ASCII characters only")
    if not _DELIMITERS.isdisjoint(value):
        raise ValueError("must not contain X12 delimiters (* : ^ ~ |)")
    return value


def _npi(value: str) -> str:
    if not npi_is_valid(value):
        raise ValueError("is not a valid NPI (10 digits with a Luhn check digit)")
    return value


def _service_type(value: str) -> str:
    if value not in code_set("eb03"):
        raise ValueError("is not an X12 service type code (EB03)")
    return value


X12Text = Annotated[str, AfterValidator(_x12_text)]


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)


class SubscriberCreate(_Request):
    """The member who holds the coverage."""

    member_id: Annotated[X12Text, Field(min_length=2, max_length=80)]
    """The member ID on the insurance card."""
    last_name: Annotated[X12Text, Field(min_length=1, max_length=60)]
    """Last name as the payer has it."""
    first_name: Annotated[X12Text, Field(min_length=1, max_length=35)] | None = None
    """First name."""
    middle_name: Annotated[X12Text, Field(min_length=1, max_length=25)] | None = None
    """Middle name or initial."""
    birth_date: date | None = None
    """Birth date (sent when the subscriber is the patient)."""
    gender_code: Literal["F", "M", "U"] | None = None
    """Gender, sent with the birth date."""

    @model_validator(mode="after")
    def _gender_needs_birth_date(self) -> Self:
        if self.gender_code is not None and self.birth_date is None:
            raise ValueError("gender_code is sent only with birth_date")
        return self

    def to_person(self) -> InquiryPerson:
        """The 270 builder's view of this person."""
        return InquiryPerson(**self.model_dump())


class DependentCreate(_Request):
    """The patient, when the patient is not the subscriber (5010 names dependents by name)."""

    last_name: Annotated[X12Text, Field(min_length=1, max_length=60)]
    """Last name."""
    first_name: Annotated[X12Text, Field(min_length=1, max_length=35)] | None = None
    """First name."""
    middle_name: Annotated[X12Text, Field(min_length=1, max_length=25)] | None = None
    """Middle name or initial."""
    birth_date: date
    """Birth date: payers match dependents by it."""
    gender_code: Literal["F", "M", "U"] | None = None
    """Gender."""

    def to_person(self) -> InquiryPerson:
        """The 270 builder's view of this person."""
        return InquiryPerson(**self.model_dump())


class InquiryCreate(_Request):
    """One real-time or batch eligibility question, as ``POST /v1/eligibility`` takes it."""

    payer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    """The payer's id (``GET /v1/payers`` lists them)."""
    subscriber: SubscriberCreate
    """The member who holds the coverage."""
    dependent: DependentCreate | None = None
    """The patient, when not the subscriber."""
    provider_npi: (
        Annotated[
            str,
            Field(
                pattern=r"^[0-9]{10}$",
                description="10 digits whose last is a Luhn check digit over the prefix "
                "80840 and the first nine (the CMS NPI rule); a wrong check digit is a 422.",
                examples=["1999999984"],
            ),
            AfterValidator(_npi),
        ]
        | None
    ) = None
    """The requesting provider's NPI; the configured provider when absent."""
    provider_name: Annotated[X12Text, Field(min_length=1, max_length=60)] | None = None
    """The requesting provider's organization name."""
    service_type_codes: list[
        Annotated[
            str,
            Field(
                min_length=1,
                max_length=2,
                pattern=r"^[A-Z0-9]{1,2}$",
                json_schema_extra={"enum": sorted(code_set("eb03").codes)},
            ),
            AfterValidator(_service_type),
        ]
    ] = Field(default_factory=lambda: ["30"], min_length=1, max_length=99)
    """X12 service type codes asked about (``30`` = health benefit plan coverage)."""
    date_of_service: date | None = None
    """The date asked about; today when absent."""
    context: Context = "realtime"
    """``realtime`` (someone waits) or ``batch`` (pre-verification); selects the cache TTL."""
    stable_member: bool = False
    """The caller knows the member's coverage rarely changes (longer cache TTL)."""

    def to_request(self, *, correlation_id: str, today: date) -> EligibilityRequest:
        """The core's request for this inquiry."""
        return EligibilityRequest(
            payer_id=self.payer_id,
            subscriber=self.subscriber.to_person(),
            dependent=self.dependent.to_person() if self.dependent else None,
            provider_npi=self.provider_npi,
            provider_name=self.provider_name,
            service_type_codes=tuple(self.service_type_codes),
            date_of_service=self.date_of_service or today,
            context=self.context,
            stable_member=self.stable_member,
            correlation_id=correlation_id,
        )


class EligibilityPublic(_Public):
    """The answer to an inquiry, and where it came from."""

    correlation_id: str
    """Ties this answer to logs and the audit trail."""
    payer_id: str
    """The payer asked."""
    coverage: Coverage
    """What to act on: ``covered`` (accepted, active; see ``partial_coverage`` on the
    result), ``not_covered`` (accepted, inactive: lapsed), or ``could_not_verify``
    (no answer, a payer error such as member not found, or a result needing review)."""
    status: Literal["payer_answered", "unable_to_verify"]
    """Whether the payer (fresh, cached or fallback) answered at all; ``payer_answered``
    says nothing about coverage: an unknown member is an answer too. Read ``coverage``."""
    origin: Origin
    """``payer`` (asked just now), ``cache`` or ``fallback`` (an older answer kept by policy)."""
    reason: str | None
    """Why a fallback or no answer (a stable code such as ``breaker_open``)."""
    answered_at: datetime
    """When the payer produced the answer served."""
    elapsed_ms: float
    """Time the core spent on this request."""
    results: list[EligibilityResult]
    """One normalized, gated result per patient; empty when unable to verify."""
    summaries: list[FrontDeskSummary]
    """Plain sentences for the front desk, one per result, from validated fields only."""

    @classmethod
    def from_outcome(
        cls, outcome: EligibilityOutcome, *, coverage: Coverage | None = None
    ) -> EligibilityPublic:
        """The public view of the core's outcome (``coverage`` when its results are elsewhere)."""
        return cls(
            correlation_id=outcome.correlation_id,
            payer_id=outcome.payer_id,
            coverage=coverage or coverage_answer(outcome.results),
            status="payer_answered" if outcome.status == "verified" else "unable_to_verify",
            origin=outcome.origin,
            reason=outcome.reason,
            answered_at=outcome.answered_at,
            elapsed_ms=outcome.elapsed_ms,
            results=outcome.results,
            summaries=[front_desk_summary(result) for result in outcome.results],
        )


class NormalizeCreate(_Request):
    """A raw 271 wrapped in JSON (``POST /v1/normalize`` also takes it as text)."""

    x12: str = Field(min_length=1)
    """The 271 interchange as text."""


class NormalizePublic(_Public):
    """The results of one 271, each with the gate's verdict."""

    results: list[EligibilityResult]
    """One result per patient, ``validation`` set by the gate."""
    verdicts: dict[Verdict, int]
    """How many results got each verdict."""


class PayersPublic(_Public):
    """The payers the core can ask."""

    payers: list[PayerSummary]
    """One entry per payer in the registry."""


class StatusPublic(_Public):
    """Liveness or readiness."""

    status: Literal["ok", "ready", "not_ready"]
    """``ok`` (process up), ``ready`` or ``not_ready`` (the core cannot answer yet)."""


class FieldErrorPublic(_Public):
    """One invalid field of a request: where and which rule, never the value sent."""

    location: str
    """Dotted path of the field (``body.subscriber.birth_date``)."""
    type: str
    """The rule broken (``missing``, ``date_from_datetime_parsing``, ``string_too_long``...)."""
    message: str
    """The rule in words."""


class ErrorDetailPublic(_Public):
    """What went wrong."""

    code: str
    """A stable machine-readable code (``invalid_request``, ``unknown_payer``, ``not_x12``...)."""
    message: str
    """One sentence for people; never holds member data."""
    fields: list[FieldErrorPublic] | None = None
    """For ``invalid_request``: each invalid field."""


class ErrorPublic(_Public):
    """Every error response body."""

    error: ErrorDetailPublic
    """The error."""
    correlation_id: str
    """The request's correlation ID (also in the ``X-Correlation-ID`` header)."""
