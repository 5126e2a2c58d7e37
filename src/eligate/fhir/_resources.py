"""One result to its Patient, Coverage, synthesized request and CoverageEligibilityResponse.

Each builder returns plain FHIR JSON data; :mod:`eligate.fhir._bundle` puts them
in a Bundle and checks them with fhir.resources' R4B models.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from eligate.fhir._codes import (
    COVERAGE_CLASS,
    DATA_ABSENT,
    EXT_COVERAGE_STATUS,
    EXT_DATE,
    EXT_ENVELOPE,
    EXT_GATE,
    EXT_REFERENCE,
    EXT_REQUEST_ERROR,
    EXT_SEGMENT,
    EXT_UNMAPPED,
    FHIR_VERSION,
    GENDERS,
    IDENTIFIER_TYPE,
    RELATIONSHIP,
    RELATIONSHIPS,
    SID,
    TELECOM,
    identifier_system,
    x12_coding,
)
from eligate.fhir._items import benefit_items, benefit_segments, segment, tag_of
from eligate.fhir._json import JsonObject
from eligate.fhir.errors import UngatedResultError
from eligate.normalizer import (
    Address,
    DateValue,
    EligibilityResult,
    Entity,
    Envelope,
    Reference,
    RequestError,
    Validation,
)

PURPOSE = ["validation", "benefits"]
"""A 271 says whether coverage is in force and what it pays: both purposes of R4."""
UNNAMED_PAYER = "(information source not named in the 271)"
"""``Organization.name`` when the 271 has no 2100A name or ID (org-1 needs one of them)."""


@dataclass(frozen=True, slots=True)
class Refs:
    """The full URLs one result's resources point at each other with."""

    response: str
    request: str
    patient: str
    coverage: str
    insurer: str


def meta(resource_type: str) -> JsonObject:
    """``meta.profile``: the base R4 definition, versioned, so readers know it is FHIR 4.0.1."""
    return {"profile": [f"http://hl7.org/fhir/StructureDefinition/{resource_type}|{FHIR_VERSION}"]}


def _ext(url: str, parts: list[JsonObject]) -> JsonObject:
    return {"url": url, "extension": parts}


def _value(url: str, kind: str, value: object) -> JsonObject:
    return {"url": url, f"value{kind}": value}


def _date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def created_date(envelope: Envelope) -> str | None:
    """BHT04 (CCYYMMDD) as a FHIR date; the time is dropped (X12 sends no time zone)."""
    text = (envelope.created or "")[:8]
    if len(text) == 8 and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
        except ValueError:
            return None
    return None


def _created(envelope: Envelope) -> JsonObject:
    created = created_date(envelope)
    if created is not None:
        return {"created": created}
    return {"_created": {"extension": [_value(DATA_ABSENT, "Code", "unknown")]}}


def _address(address: Address | None) -> list[JsonObject]:
    if address is None:
        return []
    made: JsonObject = {"line": address.lines} if address.lines else {}
    for name, value in (
        ("city", address.city),
        ("state", address.state),
        ("postalCode", address.postal_code),
        ("country", address.country),
    ):
        if value is not None:
            made[name] = value
    return [made] if made else []


def _raw_segments(entity: Entity, loop: str) -> list[JsonObject]:
    return [
        _ext(EXT_SEGMENT, segment(f"{loop}/{tag_of(raw)}", index, raw)["extension"])
        for index, raw in zip(entity.provenance.segments, entity.provenance.raw, strict=True)
    ]


def organization(payer: Entity | None, org_id: str) -> JsonObject:
    """The insurer: 2100A name, ID (NM108/NM109), address and PER contacts."""
    made: JsonObject = {"resourceType": "Organization", "id": org_id, "meta": meta("Organization")}
    if payer is None:
        made["name"] = UNNAMED_PAYER
        return made
    if payer.id_qualifier_code is not None and payer.id is not None:
        made["identifier"] = [
            {"system": identifier_system(payer.id_qualifier_code), "value": payer.id}
        ]
    if payer.name is not None or "identifier" not in made:
        made["name"] = payer.name or UNNAMED_PAYER
    if addresses := _address(payer.address):
        made["address"] = addresses
    contacts: list[JsonObject] = []
    for contact in payer.contacts:
        entry: JsonObject = {}
        if contact.name is not None:
            entry["name"] = {"text": contact.name}
        telecom = [
            {"system": TELECOM.get(number.qualifier_code, "other"), "value": number.value}
            for number in contact.numbers
        ]
        if telecom:
            entry["telecom"] = telecom
        if entry:
            contacts.append(entry)
    if contacts:
        made["contact"] = contacts
    made["extension"] = _raw_segments(payer, "2100A")
    return made


def patient(result: EligibilityResult, patient_id: str) -> JsonObject:
    """The patient: member ID, name, birth date, gender and address (all PHI stays here)."""
    made: JsonObject = {"resourceType": "Patient", "id": patient_id, "meta": meta("Patient")}
    if result.member_id is not None:
        made["identifier"] = [_member_identifier(result.member_id)]
    name: JsonObject = {}
    if result.last_name is not None:
        name["family"] = result.last_name
    given = [part for part in (result.first_name, result.middle_name) if part]
    if given:
        name["given"] = given
    if result.name_suffix is not None:
        name["suffix"] = [result.name_suffix]
    if name:
        made["name"] = [name]
    if result.gender_code in GENDERS:
        made["gender"] = GENDERS[result.gender_code]
    if result.birth_date is not None:
        made["birthDate"] = result.birth_date.isoformat()
    if addresses := _address(result.address):
        made["address"] = addresses
    return made


def _member_identifier(member_id: str) -> JsonObject:
    return {
        "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MB"}]},
        "system": f"{SID}member-id",
        "value": member_id,
    }


def coverage(result: EligibilityResult, coverage_id: str, refs: Refs) -> JsonObject:
    """The coverage: beneficiary, payor, subscriber ID, relationship, plan period and classes."""
    made: JsonObject = {
        "resourceType": "Coverage",
        "id": coverage_id,
        "meta": meta("Coverage"),
        "status": "active",
        "beneficiary": {"reference": refs.patient},
        "payor": [{"reference": refs.insurer}],
    }
    if result.member_id is not None:
        made["identifier"] = [_member_identifier(result.member_id)]
    subscriber = result.subscriber_member_id
    if subscriber is None and result.patient_role == "subscriber":
        subscriber = result.member_id
    if subscriber is not None:
        made["subscriberId"] = subscriber
    code = result.relationship_code
    if code is not None:
        made["relationship"] = {
            "coding": [
                {"system": RELATIONSHIP, "code": RELATIONSHIPS.get(code, "other")},
                x12_coding("ins02", code),
            ]
        }
    elif result.patient_role == "subscriber":
        made["relationship"] = {"coding": [{"system": RELATIONSHIP, "code": "self"}]}
    period = _period(result)
    if period:
        made["period"] = period
    classes: list[JsonObject] = []
    if result.group_number is not None:
        group: JsonObject = {"type": _class("group"), "value": result.group_number}
        if result.group_name is not None:
            group["name"] = result.group_name
        classes.append(group)
    if result.plan_number is not None or result.plan_name is not None:
        plan: JsonObject = {"type": _class("plan"), "value": result.plan_number or result.plan_name}
        if result.plan_name is not None:
            plan["name"] = result.plan_name
        classes.append(plan)
    if classes:
        made["class"] = classes
    if result.references:
        made["extension"] = [_reference(reference) for reference in result.references]
    return made


def _class(code: str) -> JsonObject:
    return {"coding": [{"system": COVERAGE_CLASS, "code": code}]}


def _period(result: EligibilityResult) -> JsonObject:
    period: JsonObject = {}
    if (start := _date(result.plan_begin_date)) is not None:
        period["start"] = start
    if (end := _date(result.plan_end_date)) is not None:
        period["end"] = end
    return period


def _reference(reference: Reference) -> JsonObject:
    parts = [
        _value("qualifier", "Coding", x12_coding("ref01", reference.qualifier_code)),
        _value("value", "String", reference.value),
    ]
    if reference.description is not None:
        parts.append(_value("description", "String", reference.description))
    return _ext(EXT_REFERENCE, parts)


def _date_extension(value: DateValue, loop: str) -> JsonObject:
    parts = [
        _value("path", "String", f"{loop}/DTP"),
        _value("qualifier", "Coding", x12_coding("dtp01", value.qualifier_code)),
        _value("format", "Code", value.format),
        _value("value", "String", value.value),
    ]
    if value.start is not None:
        period = {"start": value.start.isoformat()}
        if value.end is not None:
            period["end"] = value.end.isoformat()
        parts.append(_value("period", "Period", period))
    return _ext(EXT_DATE, parts)


def request(result: EligibilityResult, request_id: str, refs: Refs) -> JsonObject:
    """The CoverageEligibilityRequest the response must point at, rebuilt from the 271.

    The 271 echoes what the 270 said (BHT03, 2100B receiver, the patient), so the
    request is synthesized from that and tagged ``synthesized``.
    """
    made: JsonObject = {
        "resourceType": "CoverageEligibilityRequest",
        "id": request_id,
        "meta": {**meta("CoverageEligibilityRequest"), "tag": [_synthesized()]},
        "status": "active",
        "purpose": PURPOSE,
        "patient": {"reference": refs.patient},
        **_created(result.envelope),
        "insurer": {"reference": refs.insurer},
        "insurance": [{"focal": True, "coverage": {"reference": refs.coverage}}],
    }
    if result.envelope.reference is not None:
        made["identifier"] = [{"system": f"{SID}x12-bht03", "value": result.envelope.reference}]
    if result.provider is not None:
        made["extension"] = _raw_segments(result.provider, "2100B")
    return made


def _synthesized() -> JsonObject:
    return {
        "system": "https://eligate.dev/fhir/CodeSystem/provenance",
        "code": "synthesized",
        "display": "rebuilt from what the 271 echoes of the 270",
    }


def outcome(result: EligibilityResult, validation: Validation) -> str:
    """``error``, ``partial`` or ``complete`` from the AAA errors and the gate's verdict.

    ``error``: the payer could not answer (coverage status ``error``) or the gate
    rejected the result. ``partial``: an answer with AAA errors, unmapped content
    or a ``needs_review`` verdict. ``complete``: accepted with no AAA.
    """
    if result.coverage_status == "error" or validation.verdict == "rejected":
        return "error"
    if result.errors or result.unmapped or validation.verdict == "needs_review":
        return "partial"
    return "complete"


def _inforce(result: EligibilityResult) -> bool | None:
    return {"active": True, "inactive": False}.get(result.coverage_status)


def _error(error: RequestError) -> JsonObject:
    coding = x12_coding("aaa03", error.code)
    code: JsonObject = {"coding": [coding]}
    if error.description is not None:
        code["text"] = error.description
    parts: list[JsonObject] = [_value("loop", "String", error.loop)]
    if error.valid_request is not None:
        parts.append(_value("validRequest", "Boolean", error.valid_request))
    if error.follow_up_action_code is not None:
        parts.append(
            _value("followUpAction", "Coding", x12_coding("aaa04", error.follow_up_action_code))
        )
    parts.append(_value("action", "Code", error.action))
    parts.extend(
        segment(f"{error.loop}/AAA", index, raw)
        for index, raw in zip(error.provenance.segments, error.provenance.raw, strict=True)
    )
    return {"code": code, "extension": [_ext(EXT_REQUEST_ERROR, parts)]}


def _gate(validation: Validation, result: EligibilityResult) -> JsonObject:
    parts: list[JsonObject] = [_value("verdict", "Code", validation.verdict)]
    for reason in validation.reasons:
        reason_parts = [
            _value("severity", "Code", reason.severity),
            _value("code", "Code", reason.code),
            _value("message", "String", reason.message),
        ]
        if reason.field is not None:
            reason_parts.append(_value("field", "String", reason.field))
        parts.append(_ext("reason", reason_parts))
    run = result.proposals
    if run is not None:
        run_parts = [
            _value("outcome", "Code", run.outcome),
            _value("promptVersion", "String", run.prompt_version),
            _value("model", "String", run.model),
            _value("tokens", "Integer", run.tokens),
            _value("latencyMs", "Integer", run.latency_ms),
            _value("accepted", "Integer", run.accepted),
            _value("rejected", "Integer", run.rejected),
        ]
        if run.detail is not None:
            run_parts.append(_value("detail", "String", run.detail))
        parts.append(_ext("proposals", run_parts))
    return _ext(EXT_GATE, parts)


def _envelope(envelope: Envelope) -> JsonObject:
    parts: list[JsonObject] = []
    for name, value in (
        ("interchangeControlNumber", envelope.interchange_control_number),
        ("groupControlNumber", envelope.group_control_number),
        ("transactionControlNumber", envelope.transaction_control_number),
        ("version", envelope.version),
        ("reference", envelope.reference),
        ("created", envelope.created),
    ):
        if value is not None:
            parts.append(_value(name, "String", value))
    for trace in envelope.traces:
        trace_parts = [
            _value("type", "Code", trace.type_code),
            _value("number", "String", trace.number),
        ]
        if trace.originator is not None:
            trace_parts.append(_value("originator", "String", trace.originator))
        if trace.supplemental is not None:
            trace_parts.append(_value("supplemental", "String", trace.supplemental))
        parts.append(_ext("trace", trace_parts))
    for warning in envelope.warnings:
        warning_parts = [
            _value("code", "Code", warning.code),
            _value("message", "String", warning.message),
        ]
        if warning.segment_index is not None:
            warning_parts.append(_value("segmentIndex", "Integer", warning.segment_index))
        parts.append(_ext("warning", warning_parts))
    return _ext(EXT_ENVELOPE, parts)


def _unmapped(result: EligibilityResult) -> list[JsonObject]:
    made: list[JsonObject] = []
    for item in result.unmapped:
        parts = [_value("reason", "Code", item.reason), _value("message", "String", item.message)]
        if item.benefit_index is not None:
            parts.append(_value("benefit", "Integer", item.benefit_index))
        loop = item.loop or "?"
        parts.append(segment(f"{loop}/{tag_of(item.raw)}", item.segment_index, item.raw))
        made.append(_ext(EXT_UNMAPPED, parts))
    return made


def response(result: EligibilityResult, response_id: str, refs: Refs) -> JsonObject:
    """The CoverageEligibilityResponse of one gated result.

    Raises:
        UngatedResultError: The result has no verdict yet.
    """
    validation = result.validation
    if validation is None:
        raise UngatedResultError("only gated results are converted: run the gate first")
    insurance: JsonObject = {"coverage": {"reference": refs.coverage}}
    if (inforce := _inforce(result)) is not None:
        insurance["inforce"] = inforce
    if period := _period(result):
        insurance["benefitPeriod"] = period
    if items := benefit_items(result):
        insurance["item"] = items
    loop = "2100D" if result.patient_role == "dependent" else "2100C"
    extensions: list[JsonObject] = [
        _value(EXT_COVERAGE_STATUS, "Code", result.coverage_status),
        _gate(validation, result),
        _envelope(result.envelope),
        *(_date_extension(value, loop) for value in result.dates),
        *benefit_segments(result),
        *_unmapped(result),
    ]
    made: JsonObject = {
        "resourceType": "CoverageEligibilityResponse",
        "id": response_id,
        "meta": meta("CoverageEligibilityResponse"),
        "extension": extensions,
        "status": "active",
        "purpose": PURPOSE,
        "patient": {"reference": refs.patient},
        **_created(result.envelope),
        "request": {"reference": refs.request},
        "outcome": outcome(result, validation),
        "disposition": f"coverage {result.coverage_status}; gate verdict {validation.verdict}",
        "insurer": {"reference": refs.insurer},
        "insurance": [insurance],
    }
    if result.errors:
        made["error"] = [_error(error) for error in result.errors]
    return made
