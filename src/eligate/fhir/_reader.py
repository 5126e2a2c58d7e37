"""FHIR back to benefit facts: what a consumer of our Bundles can read out of them.

The reader uses the structured FHIR fields (codings, money, booleans) and the
``x12-eb`` links that say which EB each ``benefit[]`` entry came from; it never
re-parses the raw segments kept for losslessness. Tests run it over every
Bundle and compare with the results and the gold sets.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eligate.fhir._codes import (
    EXT_ACCUMULATOR,
    EXT_BENEFIT,
    EXT_COVERAGE_STATUS,
    EXT_EB,
    EXT_INSURANCE_TYPE,
    EXT_REMAINING,
    EXT_SERVICE_TYPE,
    SERVICE_TYPES,
    procedure_qualifier,
    x12_system,
)
from eligate.fhir.errors import BundleReadError

_KINDS = {"C": "deductible", "G": "out_of_pocket"}


@dataclass(frozen=True, slots=True)
class BenefitFact:
    """One EB as read back from FHIR, in the normalizer's terms (X12 codes, decimal strings)."""

    index: int
    code: str
    coverage_level_code: str | None
    service_type_codes: tuple[str, ...]
    insurance_type_code: str | None
    plan_coverage: str | None
    time_qualifier_code: str | None
    amount: str | None
    percent: str | None
    quantity_qualifier_code: str | None
    quantity: str | None
    auth_required: bool | None
    in_plan_network_code: str | None
    procedure: tuple[str, str, tuple[str, ...]] | None
    source: str | None
    segments: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class AccumulatorFact:
    """A paired deductible or out-of-pocket amount as read back."""

    kind: str
    coverage_level_code: str | None
    in_plan_network_code: str | None
    period_code: str | None
    limit: str | None
    remaining: str | None
    met: str | None
    met_derived: bool


@dataclass(frozen=True, slots=True)
class ResultFacts:
    """What one CoverageEligibilityResponse says about one patient."""

    member_id: str | None
    coverage_status: str | None
    error_codes: tuple[str, ...]
    benefits: tuple[BenefitFact, ...]
    summary: tuple[AccumulatorFact, ...]


@dataclass(slots=True)
class _Builder:
    code: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    services: dict[str, int] = field(default_factory=dict)


def _number(value: object) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _codes(concept: Mapping[str, Any] | None, system: str) -> list[str]:
    if not concept:
        return []
    return [c["code"] for c in concept.get("coding", []) if c.get("system") == system]


def _first(concept: Mapping[str, Any] | None, system: str) -> str | None:
    found = _codes(concept, system)
    return found[0] if found else None


def _extensions(element: Mapping[str, Any], url: str) -> Iterator[Mapping[str, Any]]:
    return (e for e in element.get("extension", []) if e.get("url") == url)


def _parts(extension: Mapping[str, Any]) -> dict[str, Any]:
    """Sub-extensions by name (value only); repeated names keep the first."""
    parts: dict[str, Any] = {}
    for part in extension.get("extension", []):
        value = next((v for k, v in part.items() if k.startswith("value")), part)
        parts.setdefault(part["url"], value)
    return parts


def _context(item: Mapping[str, Any]) -> tuple[dict[str, Any], list[str], Any]:
    values: dict[str, Any] = {
        "coverage_level_code": _first(item.get("unit"), x12_system("eb02")),
        "in_plan_network_code": _first(item.get("network"), x12_system("eb12")),
        "plan_coverage": item.get("name"),
        "auth_required": item.get("authorizationRequired"),
        "insurance_type_code": next(
            (e["valueCoding"]["code"] for e in _extensions(item, EXT_INSURANCE_TYPE)), None
        ),
    }
    services = _codes(item.get("category"), SERVICE_TYPES)
    procedure = None
    product = item.get("productOrService")
    if product:
        coding = product["coding"][0]
        qualifier = procedure_qualifier(coding["system"]) or coding["system"]
        modifiers = tuple(m["coding"][0]["code"] for m in item.get("modifier", []))
        procedure = (qualifier, coding["code"], modifiers)
        services = [e["valueCoding"]["code"] for e in _extensions(item, EXT_SERVICE_TYPE)]
    return values, services, procedure


def _value(entry: Mapping[str, Any], role: str) -> str | None:
    if role in ("allowed", "used"):
        money = entry.get(f"{role}Money")
        return _number(money["value"]) if money else None
    if role == "remaining":
        found = next(_extensions(entry, EXT_REMAINING), None)
        if found is None:
            return None
        value = found.get("valueMoney", {}).get("value", found.get("valueDecimal"))
        return _number(value) if value is not None else None
    return None


def _count(entry: Mapping[str, Any]) -> str | None:
    for name in ("allowedUnsignedInt", "allowedString", "usedUnsignedInt", "usedString"):
        if name in entry:
            return _number(entry[name])
    remaining = next(_extensions(entry, EXT_REMAINING), None)
    return _number(remaining["valueDecimal"]) if remaining and "valueDecimal" in remaining else None


def _read_entry(entry: Mapping[str, Any], context: dict[str, Any], services: list[str],
                procedure: Any, builders: dict[int, _Builder]) -> None:  # fmt: skip
    code = _first(entry.get("type"), x12_system("eb01")) or ""
    for link in _extensions(entry, EXT_EB):
        parts = _parts(link)
        builder = builders.setdefault(parts["benefit"], _Builder())
        builder.code = code
        builder.values.update(context)
        builder.values["procedure"] = procedure
        if "timeQualifier" in parts:
            builder.values["time_qualifier_code"] = parts["timeQualifier"]["code"]
        role = parts["role"]
        for position, service in enumerate(services):
            builder.services.setdefault(service, parts.get("position", position))
        if role in ("allowed", "used", "remaining"):
            builder.values["amount"] = _value(entry, role)
        elif role == "percent":
            builder.values["percent"] = _number(Decimal(str(_count(entry))) / 100)
        elif role == "quantity":
            builder.values["quantity"] = _count(entry)
            if "quantityQualifier" in parts:
                builder.values["quantity_qualifier_code"] = parts["quantityQualifier"]["code"]


def _accumulator(entry: Mapping[str, Any], context: dict[str, Any]) -> AccumulatorFact:
    code = _first(entry.get("type"), x12_system("eb01")) or ""
    periods = [
        _parts(link)["timeQualifier"]["code"]
        for link in _extensions(entry, EXT_EB)
        if _parts(link)["role"] == "allowed" and "timeQualifier" in _parts(link)
    ]
    derived = _parts(next(_extensions(entry, EXT_ACCUMULATOR)))["metDerived"]
    return AccumulatorFact(
        kind=_KINDS.get(code, code),
        coverage_level_code=context["coverage_level_code"],
        in_plan_network_code=context["in_plan_network_code"],
        period_code=periods[0] if periods else None,
        limit=_value(entry, "allowed"),
        remaining=_value(entry, "remaining"),
        met=_value(entry, "used"),
        met_derived=bool(derived),
    )


def _read_response(resource: Mapping[str, Any], by_url: Mapping[str, Any]) -> ResultFacts:
    patient = by_url.get(resource.get("patient", {}).get("reference", ""), {})
    member_id = next(
        (
            i.get("value")
            for i in patient.get("identifier", [])
            if _first(i.get("type"), "http://terminology.hl7.org/CodeSystem/v2-0203") == "MB"
        ),
        None,
    )
    status = next((e["valueCode"] for e in _extensions(resource, EXT_COVERAGE_STATUS)), None)
    errors = tuple(
        code for e in resource.get("error", []) for code in _codes(e["code"], x12_system("aaa03"))
    )
    builders: dict[int, _Builder] = {}
    accumulators: dict[tuple[int, ...], AccumulatorFact] = {}
    for insurance in resource.get("insurance", []):
        for item in insurance.get("item", []):
            context, services, procedure = _context(item)
            for entry in item.get("benefit", []):
                _read_entry(entry, context, services, procedure, builders)
                if any(True for _ in _extensions(entry, EXT_ACCUMULATOR)):
                    key = tuple(sorted(_parts(x)["benefit"] for x in _extensions(entry, EXT_EB)))
                    accumulators.setdefault(key, _accumulator(entry, context))
    sources = {
        parts["benefit"]: (parts["source"], _segments(extension))
        for extension in _extensions(resource, EXT_BENEFIT)
        for parts in [_parts(extension)]
    }
    benefits = tuple(
        _fact(index, builders[index], sources.get(index)) for index in sorted(builders)
    )
    return ResultFacts(
        member_id=member_id,
        coverage_status=status,
        error_codes=errors,
        benefits=benefits,
        summary=tuple(accumulators.values()),
    )


def _segments(extension: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(
        _parts(part)["index"] for part in extension.get("extension", []) if part["url"] == "segment"
    )


def _fact(index: int, builder: _Builder, source: tuple[str, tuple[int, ...]] | None) -> BenefitFact:
    values = builder.values
    return BenefitFact(
        index=index,
        code=builder.code,
        coverage_level_code=values.get("coverage_level_code"),
        service_type_codes=tuple(sorted(builder.services, key=builder.services.__getitem__)),
        insurance_type_code=values.get("insurance_type_code"),
        plan_coverage=values.get("plan_coverage"),
        time_qualifier_code=values.get("time_qualifier_code"),
        amount=values.get("amount"),
        percent=values.get("percent"),
        quantity_qualifier_code=values.get("quantity_qualifier_code"),
        quantity=values.get("quantity"),
        auth_required=values.get("auth_required"),
        in_plan_network_code=values.get("in_plan_network_code"),
        procedure=values.get("procedure"),
        source=source[0] if source else None,
        segments=source[1] if source else (),
    )


def read_bundle(bundle: Mapping[str, Any]) -> list[ResultFacts]:
    """The facts of every CoverageEligibilityResponse in a Bundle eligate wrote, in order.

    Raises:
        BundleReadError: ``bundle`` is not a FHIR Bundle.
    """
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise BundleReadError("not a FHIR Bundle: resourceType must be 'Bundle'")
    entries = bundle.get("entry", [])
    by_url = {entry.get("fullUrl"): entry.get("resource", {}) for entry in entries}
    return [
        _read_response(entry["resource"], by_url)
        for entry in entries
        if entry.get("resource", {}).get("resourceType") == "CoverageEligibilityResponse"
    ]
