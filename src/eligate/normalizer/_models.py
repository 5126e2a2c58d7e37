"""The canonical result: what users of eligate code against.

One :class:`EligibilityResult` per patient found in a 271. X12 codes are kept next
to readable names; every benefit carries the provenance of the segments it came
from. Field names of :class:`Benefit` are a contract (see DESIGN.md): do not
rename them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eligate.codes import AaaAction

CoverageStatus = Literal["active", "inactive", "undetermined", "error"]
Verdict = Literal["accepted", "needs_review", "rejected"]
Source = Literal["rules", "llm"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Provenance(_Model):
    """Where a value came from in the raw input."""

    segments: list[int]
    """0-based positions of the source segments in the input (ISA is 0)."""
    raw: list[str]
    """The source segments as they appear in the input, one per position."""


class UnknownCode(_Model):
    """A code that is not in the X12 code list for its element: kept, and flagged."""

    element: str
    """The element it was found in, e.g. ``EB01`` or ``DTP01``."""
    code: str
    """The code as sent."""
    segment_index: int
    """Position of the segment that carries it."""


class ProcedureCode(_Model):
    """EB13: the procedure a benefit is about."""

    qualifier: str
    """EB13-1 product/service ID qualifier (``HC`` for CPT/HCPCS, ``AD`` for ADA...)."""
    code: str
    """EB13-2 the procedure code."""
    modifiers: list[str]
    """EB13-3..6 procedure modifiers, empty ones dropped."""
    description: str | None = None
    """EB13-7 description, where the payer sent one."""


class DateValue(_Model):
    """A DTP segment: a qualified date or date range."""

    qualifier_code: str
    """DTP01, e.g. ``346`` plan begin."""
    qualifier: str | None
    """Readable name of DTP01 (``plan_begin``), ``None`` for an unknown qualifier."""
    format: str
    """DTP02: ``D8`` (one date) or ``RD8`` (a range)."""
    value: str
    """DTP03 exactly as sent."""
    start: date | None
    """The date, or the first day of the range; ``None`` when DTP03 is not a valid date."""
    end: date | None
    """The last day of an ``RD8`` range; equals ``start`` for ``D8``."""


class Reference(_Model):
    """A REF segment: an identifier such as a group or plan number."""

    qualifier_code: str
    """REF01, e.g. ``6P`` group number, ``18`` plan number."""
    qualifier: str | None
    """Readable name of REF01, ``None`` for an unknown qualifier."""
    value: str
    """REF02."""
    description: str | None = None
    """REF03, e.g. the group name."""


class Address(_Model):
    """N3/N4: a postal address."""

    lines: list[str]
    """N301 and N302."""
    city: str | None = None
    """N401."""
    state: str | None = None
    """N402."""
    postal_code: str | None = None
    """N403."""
    country: str | None = None
    """N404."""


class ContactNumber(_Model):
    """One number of a PER segment."""

    qualifier_code: str
    """PER03/05/07: ``TE`` telephone, ``UR`` web address, ``FX`` fax..."""
    qualifier: str | None
    """Readable name of the qualifier."""
    value: str
    """The number or address."""


class Contact(_Model):
    """A PER segment."""

    function_code: str
    """PER01: ``IC`` information contact."""
    name: str | None = None
    """PER02."""
    numbers: list[ContactNumber]
    """PER03..08 as qualifier/value pairs."""


class Entity(_Model):
    """A named party: payer, provider, or a 2120 related entity such as a PCP."""

    entity_identifier_code: str
    """NM101, e.g. ``PR`` payer, ``1P`` provider, ``P3`` primary care provider."""
    entity: str | None
    """Readable name of NM101, ``None`` for an unknown code."""
    entity_type_code: str | None
    """NM102: ``1`` person, ``2`` non-person entity."""
    name: str | None
    """NM103: last name or organization name."""
    first_name: str | None = None
    """NM104."""
    middle_name: str | None = None
    """NM105."""
    id_qualifier_code: str | None = None
    """NM108, e.g. ``PI`` payer ID, ``XX`` NPI; absent on some 2120 loops."""
    id: str | None = None
    """NM109."""
    address: Address | None = None
    """N3/N4 of the loop."""
    contacts: list[Contact] = []
    """PER segments of the loop."""
    provider_taxonomy_code: str | None = None
    """PRV03 where a PRV segment is present."""
    provenance: Provenance
    """The NM1 and the segments that describe it."""


class ServiceDelivery(_Model):
    """HSD: how often or how many times a benefit may be used."""

    quantity_qualifier_code: str | None
    """HSD01, e.g. ``VS`` visits."""
    quantity: str | None
    """HSD02."""
    unit_basis_code: str | None
    """HSD03, e.g. ``DA`` days."""
    sample_selection_modulus: str | None
    """HSD04."""
    time_period_qualifier_code: str | None
    """HSD05, e.g. ``22`` service year."""
    period_count: str | None
    """HSD06."""
    frequency_code: str | None
    """HSD07."""
    pattern_time_code: str | None
    """HSD08."""


class IndustryCode(_Model):
    """III: a place of service or other industry code attached to a benefit."""

    qualifier_code: str
    """III01, ``ZZ`` for place of service in 5010."""
    code: str
    """III02, e.g. ``11`` office."""


class Benefit(_Model):
    """One EB segment with the MSG, DTP, REF, HSD, III and 2120 loops attached to it."""

    code: str
    """EB01 eligibility or benefit information code, e.g. ``C``."""
    name: str | None
    """Readable EB01, e.g. ``deductible``; ``None`` for a code not in the X12 list."""
    coverage_level_code: str | None
    """EB02, e.g. ``IND``."""
    coverage_level: str | None
    """Readable EB02, e.g. ``individual``."""
    service_type_codes: list[str]
    """EB03 repetitions, e.g. ``["30"]``."""
    service_types: list[str | None]
    """Readable EB03, one per code; ``None`` for an unknown code."""
    insurance_type_code: str | None
    """EB04, e.g. ``MB``."""
    insurance_type: str | None
    """Readable EB04."""
    plan_coverage: str | None
    """EB05 plan coverage description, e.g. ``GOLD PPO``."""
    time_qualifier_code: str | None
    """EB06, e.g. ``29``."""
    time_qualifier: str | None
    """Readable EB06, e.g. ``remaining``."""
    amount: str | None
    """EB07 monetary amount as a decimal string, e.g. ``"847.23"``."""
    percent: str | None
    """EB08 as a decimal fraction string, e.g. ``"0.2"`` for 20%."""
    quantity_qualifier_code: str | None
    """EB09, e.g. ``VS`` visits."""
    quantity_qualifier: str | None
    """Readable EB09."""
    quantity: str | None
    """EB10 as a decimal string."""
    auth_required: bool | None
    """EB11: ``True`` for Y, ``False`` for N, ``None`` for U or absent."""
    in_plan_network_code: str | None
    """EB12: ``Y``, ``N``, ``W`` (applies to both) or ``U``."""
    in_network: str | None
    """Readable EB12: ``in_network``, ``out_of_network``, ``both`` or ``unknown``."""
    procedure: ProcedureCode | None
    """EB13 composite medical procedure identifier."""
    diagnosis_pointers: list[str] = []
    """EB14 composite diagnosis code pointers."""
    messages: list[str]
    """Free-form MSG text that follows the EB, in order."""
    dates: list[DateValue]
    """DTP segments of the 2110 loop."""
    related_entities: list[Entity]
    """2120 loops (LS..LE): PCP, other payer, vendor..."""
    references: list[Reference] = []
    """REF segments of the 2110 loop."""
    delivery: list[ServiceDelivery] = []
    """HSD segments of the 2110 loop."""
    industry_codes: list[IndustryCode] = []
    """III segments of the 2110 loop."""
    unknown_codes: list[UnknownCode] = []
    """Codes of this benefit that are not in the X12 lists."""
    source: Source
    """Who produced the benefit: ``rules`` or ``llm``."""
    provenance: Provenance
    """The EB and every segment attached to it."""


class RequestError(_Model):
    """An AAA segment: the payer could not (fully) answer, and why."""

    code: str
    """AAA03 reject reason, e.g. ``72`` invalid/missing subscriber ID."""
    description: str | None
    """The X12 text for AAA03; ``None`` for a code not in the list."""
    valid_request: bool | None
    """AAA01: whether the payer considered the request valid."""
    follow_up_action_code: str | None
    """AAA04, e.g. ``C`` please correct and resubmit."""
    follow_up_action: str | None
    """Readable AAA04."""
    loop: str
    """Where the AAA sat: ``2000A``, ``2100B``, ``2100C``, ``2110C``..."""
    action: AaaAction
    """Stable machine-readable next step: ``fix_member_id``, ``retry_later``..."""
    provenance: Provenance
    """The AAA segment."""


class Accumulator(_Model):
    """A deductible or out-of-pocket amount paired across EB06 periods."""

    kind: Literal["deductible", "out_of_pocket"]
    """EB01 ``C`` deductible or ``G`` out of pocket (stop loss)."""
    coverage_level_code: str | None
    """EB02 shared by the paired benefits."""
    coverage_level: str | None
    """Readable EB02."""
    in_plan_network_code: str | None
    """EB12 shared by the paired benefits."""
    in_network: str | None
    """Readable EB12."""
    service_type_codes: list[str]
    """EB03 shared by the paired benefits."""
    insurance_type_code: str | None
    """EB04 shared by the paired benefits."""
    plan_coverage: str | None
    """EB05 shared by the paired benefits."""
    period_code: str | None
    """EB06 of the limit, e.g. ``23`` calendar year, ``32`` lifetime."""
    period: str | None
    """Readable period."""
    limit: str | None
    """The amount for the whole period."""
    remaining: str | None
    """EB06 ``29``/``33``: what is left to meet."""
    met: str | None
    """EB06 ``24`` year to date; or limit minus remaining when ``met_derived``."""
    met_derived: bool
    """``True`` when ``met`` was computed as limit minus remaining, not sent."""
    provenance: Provenance
    """The EB segments that were paired."""


class Summary(_Model):
    """Accumulators by coverage level and network."""

    deductible: list[Accumulator]
    """Deductibles (EB01 ``C``)."""
    out_of_pocket: list[Accumulator]
    """Out-of-pocket maximums (EB01 ``G``)."""


class Unmapped(_Model):
    """Something the rules could not interpret, kept with its raw text."""

    reason: str
    """Stable code: ``msg_with_amount``, ``unknown_code``, ``invalid_amount``..."""
    message: str
    """A human sentence saying what could not be mapped."""
    segment_index: int
    """Position of the segment in the input."""
    raw: str
    """The segment as sent."""
    loop: str | None
    """The loop it sat in (``2110C``...)."""
    benefit_index: int | None = None
    """Index into ``benefits`` of the benefit it belongs to, where it belongs to one."""


class Reason(_Model):
    """One reason behind a validation verdict."""

    severity: Literal["info", "review", "reject"]
    """``reject`` makes the verdict ``rejected``, ``review`` at least ``needs_review``."""
    code: str
    """Stable code, e.g. ``value_not_in_source``."""
    field: str | None
    """The field concerned, as a dotted path."""
    message: str
    """A human sentence."""


class Validation(_Model):
    """The gate's verdict on a result."""

    verdict: Verdict
    """``accepted``, ``needs_review`` or ``rejected``."""
    reasons: list[Reason]
    """Why, one entry per finding."""


class Trace(_Model):
    """A TRN segment: a trace number the request or the payer attached."""

    type_code: str
    """TRN01: ``1`` current transaction, ``2`` referenced transaction."""
    number: str
    """TRN02."""
    originator: str | None
    """TRN03 originating company identifier."""
    supplemental: str | None = None
    """TRN04."""


class EnvelopeWarning(_Model):
    """An envelope or structure fault that did not stop the read."""

    code: str
    """Stable code, e.g. ``se_count_mismatch``."""
    message: str
    """A human sentence."""
    segment_index: int | None
    """Position of the segment concerned."""


class Envelope(_Model):
    """Where in the input the result came from."""

    interchange_control_number: str | None
    """ISA13."""
    group_control_number: str | None
    """GS06."""
    transaction_control_number: str
    """ST02."""
    version: str
    """ST03 or GS08, e.g. ``005010X279A1``."""
    reference: str | None
    """BHT03, the submitter's reference for the request."""
    created: str | None
    """BHT04 and BHT05 as sent (CCYYMMDD and time)."""
    traces: list[Trace]
    """TRN segments of the patient's loops."""
    warnings: list[EnvelopeWarning]
    """Envelope and structure warnings of the input and of this transaction."""


class ProposalRun(_Model):
    """How a model was asked to propose benefits for what the rules left unmapped.

    One model call covers a whole 271, so every result of that 271 carries the
    same ``tokens`` and ``latency_ms``; ``accepted`` and ``rejected`` count this
    result's proposals only.
    """

    outcome: Literal["proposed", "model_unavailable", "budget_spent"]
    """``proposed``: the model answered and the gate judged every proposal;
    ``model_unavailable``: no usable answer (timeout, HTTP error, breaker open,
    malformed output), the rules' result stands; ``budget_spent``: the token budget
    ran out before a usable answer."""
    prompt_version: str
    """The prompt file used, e.g. ``propose_benefits.v1``."""
    model: str
    """The model name the endpoint was asked for."""
    tokens: int
    """Tokens the endpoint reported for the call (all attempts), 0 when it reported none."""
    latency_ms: int
    """Wall time of the call, all attempts and re-asks included."""
    accepted: int
    """Proposals for this result the gate accepted (added to ``benefits``)."""
    rejected: int
    """Proposals for this result the gate rejected (kept in ``unmapped`` with the reason)."""
    detail: str | None = None
    """Why the model was unavailable (``timeout``, ``http_429``, ``breaker_open``...)."""


class EligibilityResult(_Model):
    """The answer for one patient (subscriber or dependent) found in a 271."""

    patient_role: Literal["subscriber", "dependent"] | None
    """Who the patient is; ``None`` when the 271 names no patient (a rejected request)."""
    member_id: str | None
    """NM109 of the patient."""
    subscriber_member_id: str | None
    """For a dependent: NM109 of the subscriber."""
    last_name: str | None
    """NM103 of the patient."""
    first_name: str | None
    """NM104."""
    middle_name: str | None
    """NM105."""
    name_suffix: str | None
    """NM107."""
    birth_date: date | None
    """DMG02 when it is a valid D8 date."""
    gender_code: str | None
    """DMG03: ``F``, ``M`` or ``U``."""
    relationship_code: str | None
    """INS02 individual relationship code, e.g. ``19`` child."""
    address: Address | None
    """N3/N4 of the patient."""
    coverage_status: CoverageStatus
    """``active``, ``inactive``, ``undetermined`` or ``error``."""
    plan_name: str | None
    """EB05 of the first active-coverage benefit."""
    group_number: str | None
    """REF*6P value."""
    group_name: str | None
    """REF*6P description."""
    plan_number: str | None
    """REF*18 value."""
    plan_begin_date: date | None
    """DTP*346, or the start of DTP*291 / DTP*307 as an RD8 range."""
    plan_end_date: date | None
    """DTP*347, or the end of DTP*291 / DTP*307 as an RD8 range."""
    dates: list[DateValue]
    """Every DTP of the patient's 2100 loop."""
    references: list[Reference]
    """Every REF of the patient's 2100 loop."""
    benefits: list[Benefit]
    """One per EB, in input order."""
    errors: list[RequestError]
    """AAA segments that apply to this patient, from any level above it or within it."""
    summary: Summary
    """Deductible and out-of-pocket accumulators, paired."""
    unmapped: list[Unmapped]
    """What the rules could not interpret, with its raw text."""
    validation: Validation | None
    """The gate's verdict; ``None`` until a gate has run."""
    payer: Entity | None
    """2100A information source."""
    provider: Entity | None
    """2100B information receiver."""
    envelope: Envelope
    """Control numbers, BHT, traces and warnings."""
    proposals: ProposalRun | None = None
    """Set when a model was asked about this result's unmapped content; ``None`` otherwise."""
