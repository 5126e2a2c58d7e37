"""Benefits (EB loops) to ``insurance[].item[]`` of a CoverageEligibilityResponse.

An item is one service type (EB03 repetition) or procedure (EB13) in one context:
network (EB12), unit (EB02), term (EB06 period), insurance type (EB04), plan
coverage (EB05), authorization (EB11) and exclusion (EB01 ``I``). Each EB adds a
``benefit[]`` entry to every item it applies to (one per service type, and one
per network for ``W``). Paired deductible / out-of-pocket amounts (the result's
``summary``) become one entry with ``allowedMoney`` (limit), ``usedMoney`` (met)
and a ``remaining`` extension. Every entry names the EB it came from in an
``x12-eb`` extension, so a reader can put the EB back together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from eligate.fhir._codes import (
    BENEFIT_NETWORK,
    BENEFIT_TEXT,
    BENEFIT_TYPE,
    BENEFIT_TYPES,
    BENEFIT_UNIT,
    CURRENCY,
    EXT_ACCUMULATOR,
    EXT_BENEFIT,
    EXT_EB,
    EXT_INSURANCE_TYPE,
    EXT_REMAINING,
    EXT_SERVICE_TYPE,
    NETWORKS,
    SERVICE_TYPES,
    TERMS,
    UNITS,
    VALUE_ROLES,
    procedure_system,
    x12_coding,
)
from eligate.fhir._json import JsonObject, decimal_value
from eligate.normalizer import Accumulator, Benefit, EligibilityResult
from eligate.x12 import code_set

NO_SERVICE_TYPE = "no service type (EB03 absent)"
"""``category.text`` of an item whose EB names neither service type nor procedure."""
_KIND_CODES = {"deductible": "C", "out_of_pocket": "G"}
_TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")


@dataclass(slots=True)
class _Items:
    """Items by context, in order of first appearance."""

    by_key: dict[tuple[object, ...], JsonObject] = field(default_factory=dict)

    def add(self, key: tuple[object, ...], make: JsonObject, entry: JsonObject) -> None:
        item = self.by_key.get(key)
        if item is None:
            item = self.by_key[key] = {**make, "benefit": []}
        item["benefit"].append(entry)


def money(amount: str) -> JsonObject:
    """A FHIR Money in US dollars with the amount's digits as sent."""
    return {"value": decimal_value(amount), "currency": CURRENCY}


def _count(text: str, prefix: str) -> tuple[str, object]:
    """``{prefix}UnsignedInt`` for a whole non-negative number, else ``{prefix}String``."""
    number = Decimal(text)
    if number >= 0 and number == number.to_integral_value():
        return f"{prefix}UnsignedInt", int(number)
    return f"{prefix}String", format(number.normalize(), "f")


def _benefit_type(code: str, name: str | None) -> JsonObject:
    coding: list[JsonObject] = []
    if code in BENEFIT_TYPES:
        coding.append({"system": BENEFIT_TYPE, "code": BENEFIT_TYPES[code]})
    coding.append(x12_coding("eb01", code))
    return {"coding": coding, "text": BENEFIT_TEXT.get(code) or name or code}


def _eb(index: int, role: str, benefit: Benefit) -> JsonObject:
    parts: list[JsonObject] = [
        {"url": "benefit", "valueInteger": index},
        {"url": "role", "valueCode": role},
    ]
    if benefit.time_qualifier_code is not None:
        parts.append(
            {"url": "timeQualifier", "valueCoding": x12_coding("eb06", benefit.time_qualifier_code)}
        )
    if role == "quantity" and benefit.quantity_qualifier_code is not None:
        parts.append(
            {
                "url": "quantityQualifier",
                "valueCoding": x12_coding("eb09", benefit.quantity_qualifier_code),
            }
        )
    return {"url": EXT_EB, "extension": parts}


def _accumulator_entry(
    accumulator: Accumulator, members: list[tuple[int, str, Benefit]]
) -> JsonObject:
    code = _KIND_CODES[accumulator.kind]
    entry: JsonObject = {"type": _benefit_type(code, None)}
    extensions: list[JsonObject] = [
        {
            "url": EXT_ACCUMULATOR,
            "extension": [{"url": "metDerived", "valueBoolean": accumulator.met_derived}],
        }
    ]
    if accumulator.limit is not None:
        entry["allowedMoney"] = money(accumulator.limit)
    if accumulator.met is not None:
        entry["usedMoney"] = money(accumulator.met)
    if accumulator.remaining is not None:
        extensions.append({"url": EXT_REMAINING, "valueMoney": money(accumulator.remaining)})
    extensions.extend(_eb(index, role, benefit) for index, role, benefit in members)
    entry["extension"] = extensions
    return entry


def _value_entries(index: int, benefit: Benefit, *, paired: bool) -> list[JsonObject]:
    """The entries an EB gives on its own: amount (unless paired), percent, quantity."""
    entries: list[JsonObject] = []
    role = VALUE_ROLES.get(benefit.time_qualifier_code or "", "allowed")
    kind = _benefit_type(benefit.code, benefit.name)
    if benefit.amount is not None and not paired:
        entry: JsonObject = {"type": kind}
        if role == "remaining":
            entry["extension"] = [{"url": EXT_REMAINING, "valueMoney": money(benefit.amount)}]
        else:
            entry[f"{role}Money"] = money(benefit.amount)
        entry.setdefault("extension", []).append(_eb(index, role, benefit))
        entries.append(entry)
    if benefit.percent is not None:
        name, value = _count(str(Decimal(benefit.percent) * 100), "allowed")
        entries.append({"type": kind, name: value, "extension": [_eb(index, "percent", benefit)]})
    if benefit.quantity is not None:
        entry = {"type": kind, "extension": []}
        if role == "remaining":
            entry["extension"].append(
                {"url": EXT_REMAINING, "valueDecimal": decimal_value(benefit.quantity)}
            )
        else:
            name, value = _count(benefit.quantity, "used" if role == "used" else "allowed")
            entry[name] = value
        entry["extension"].append(_eb(index, "quantity", benefit))
        entries.append(entry)
    if not entries and not paired:
        entries.append({"type": kind, "extension": [_eb(index, "none", benefit)]})
    return entries


def _coded(key: str, code: str | None, hl7: tuple[str, str] | None) -> JsonObject | None:
    if code is None:
        return None
    coding: list[JsonObject] = []
    if hl7 is not None:
        coding.append({"system": hl7[1], "code": hl7[0]})
    coding.append(x12_coding(key, code))
    return {"coding": coding}


def _contexts(
    benefit: Benefit, term: str | None
) -> list[tuple[tuple[object, ...], JsonObject, str | None]]:
    """Every item (key and content) one entry of this EB belongs to."""
    common: JsonObject = {}
    if benefit.code == "I":
        common["excluded"] = True
    if benefit.plan_coverage is not None:
        common["name"] = benefit.plan_coverage
    unit = benefit.coverage_level_code
    unit_hl7 = (UNITS[unit], BENEFIT_UNIT) if unit in UNITS else None
    if (coded := _coded("eb02", unit, unit_hl7)) is not None:
        common["unit"] = coded
    if (coded := _coded("eb06", term, TERMS.get(term or ""))) is not None:
        common["term"] = coded
        common["term"]["text"] = (
            TERMS[term][0] if term in TERMS else coded["coding"][-1].get("display", term)
        )
    if benefit.auth_required is not None:
        common["authorizationRequired"] = benefit.auth_required
    if benefit.insurance_type_code is not None:
        common["extension"] = [
            {
                "url": EXT_INSURANCE_TYPE,
                "valueCoding": x12_coding("eb04", benefit.insurance_type_code),
            }
        ]
    services: list[tuple[object, JsonObject, str | None]] = []
    if benefit.procedure is not None and benefit.procedure.code:
        # An EB13 without a code (only a qualifier) has nothing to code: its raw text stays.
        procedure = benefit.procedure
        system = procedure_system(procedure.qualifier)
        product: JsonObject = {"coding": [{"system": system, "code": procedure.code}]}
        if procedure.description is not None:
            product["text"] = procedure.description
        made: JsonObject = {"productOrService": product}
        if procedure.modifiers:
            made["modifier"] = [
                {"coding": [{"system": system, "code": modifier}]}
                for modifier in procedure.modifiers
            ]
        if benefit.service_type_codes:
            made["extension"] = [
                *common.get("extension", []),
                *(
                    {"url": EXT_SERVICE_TYPE, "valueCoding": _service(code)}
                    for code in benefit.service_type_codes
                ),
            ]
        service_id: tuple[object, ...] = (
            "procedure",
            procedure.qualifier,
            procedure.code,
            tuple(procedure.modifiers),
            procedure.description,
            tuple(benefit.service_type_codes),
        )
        services.append((service_id, made, None))
    elif benefit.service_type_codes:
        services.extend(
            (("category", code), {"category": {"coding": [_service(code)]}}, code)
            for code in benefit.service_type_codes
        )
    else:
        services.append((("none",), {"category": {"text": NO_SERVICE_TYPE}}, None))
    networks: tuple[str | None, ...] = NETWORKS.get(benefit.in_plan_network_code or "", (None,))
    contexts: list[tuple[tuple[object, ...], JsonObject, str | None]] = []
    for service_key, service, code_of_item in services:
        for network in networks:
            item = {**common, **service}
            code = benefit.in_plan_network_code
            hl7 = (network, BENEFIT_NETWORK) if network is not None else None
            if (coded := _coded("eb12", code, hl7)) is not None:
                item["network"] = coded
            key = (service_key, network, code, unit, term, benefit.insurance_type_code,
                   benefit.plan_coverage, benefit.auth_required, benefit.code == "I")  # fmt: skip
            contexts.append((key, item, code_of_item))
    return contexts


def _service(code: str) -> JsonObject:
    coding: JsonObject = {"system": SERVICE_TYPES, "code": code}
    description = code_set("eb03").description(code)
    if description is not None:
        coding["display"] = description
    return coding


def _paired(result: EligibilityResult) -> dict[int, tuple[Accumulator, str]]:
    """Benefit index -> (the accumulator it is part of, its role there)."""
    by_segment: dict[tuple[int, str], list[int]] = {}
    for index, benefit in enumerate(result.benefits):
        if benefit.source == "rules":
            by_segment.setdefault((benefit.provenance.segments[0], benefit.code), []).append(index)
    paired: dict[int, tuple[Accumulator, str]] = {}
    for accumulator in [*result.summary.deductible, *result.summary.out_of_pocket]:
        for segment in accumulator.provenance.segments:
            for index in by_segment.get((segment, _KIND_CODES[accumulator.kind]), []):
                if index not in paired:
                    code = result.benefits[index].time_qualifier_code or ""
                    paired[index] = (accumulator, VALUE_ROLES.get(code, "allowed"))
                    break
    return paired


def benefit_items(result: EligibilityResult) -> list[JsonObject]:
    """The ``insurance[0].item`` list of one result, in order of first appearance."""
    items = _Items()
    paired = _paired(result)
    placed: set[int] = set()
    for index, benefit in enumerate(result.benefits):
        entries: list[tuple[JsonObject, str | None]] = []
        pair = paired.get(index)
        if pair is not None and id(pair[0]) not in placed:
            accumulator = pair[0]
            placed.add(id(accumulator))
            members = [
                (other, role, result.benefits[other])
                for other, (owner, role) in paired.items()
                if owner is accumulator
            ]
            entries.append((_accumulator_entry(accumulator, sorted(members, key=lambda m: m[0])),
                            accumulator.period_code))  # fmt: skip
        own_term = benefit.time_qualifier_code
        if own_term in VALUE_ROLES:
            own_term = None
        entries.extend(
            (entry, own_term) for entry in _value_entries(index, benefit, paired=pair is not None)
        )
        for entry, term in entries:
            for key, made, service in _contexts(benefit, term):
                items.add(key, made, _positioned(entry, service, result.benefits))
    return list(items.by_key.values())


def _positioned(entry: JsonObject, service: str | None, benefits: list[Benefit]) -> JsonObject:
    """The entry with each ``x12-eb`` saying where ``service`` stands in that EB's EB03.

    Needed only when an EB repeats EB03: items follow first appearance, which need
    not be each EB's own order.
    """
    if service is None:
        return entry
    extensions: list[JsonObject] = []
    changed = False
    for extension in entry["extension"]:
        if extension["url"] == EXT_EB:
            codes = benefits[extension["extension"][0]["valueInteger"]].service_type_codes
            if len(codes) > 1 and service in codes:
                position = {"url": "position", "valueInteger": codes.index(service)}
                extensions.append({**extension, "extension": [*extension["extension"], position]})
                changed = True
                continue
        extensions.append(extension)
    return {**entry, "extension": extensions} if changed else entry


def benefit_segments(result: EligibilityResult) -> list[JsonObject]:
    """One ``x12-benefit`` extension per benefit: its source and every segment, raw, with path."""
    loop = "2110D" if result.patient_role == "dependent" else "2110C"
    extensions: list[JsonObject] = []
    for index, benefit in enumerate(result.benefits):
        parts: list[JsonObject] = [
            {"url": "benefit", "valueInteger": index},
            {"url": "source", "valueCode": benefit.source},
        ]
        inside = False
        for position, raw in zip(benefit.provenance.segments, benefit.provenance.raw, strict=True):
            tag = tag_of(raw)
            if tag == "LE":
                inside = False
            path = f"{loop[:2]}2{loop[3:]}/{tag}" if inside else f"{loop}/{tag}"
            if tag == "LS":
                inside = True
            parts.append(segment(path, position, raw))
        extensions.append({"url": EXT_BENEFIT, "extension": parts})
    return extensions


def tag_of(raw: str) -> str:
    """The segment ID (``EB``, ``MSG``, ``NM1``...) at the start of a raw segment."""
    found = _TAG.match(raw.lstrip())
    return found.group(0) if found else "?"


def segment(path: str, index: int, raw: str) -> JsonObject:
    """A ``segment`` sub-extension: the X12 path, the 0-based position, the text as sent."""
    return {
        "url": "segment",
        "extension": [
            {"url": "path", "valueString": path},
            {"url": "index", "valueInteger": index},
            {"url": "raw", "valueString": raw},
        ],
    }
