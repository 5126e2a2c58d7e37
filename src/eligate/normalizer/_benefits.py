"""EB segments (2110 loops) to :class:`Benefit`: one benefit per EB, nothing invented."""

from __future__ import annotations

import re
from dataclasses import dataclass

from eligate.normalizer._entities import read_entity
from eligate.normalizer._models import (
    Benefit,
    DateValue,
    IndustryCode,
    ProcedureCode,
    Reference,
    ServiceDelivery,
    UnknownCode,
    Unmapped,
)
from eligate.normalizer._values import (
    decimal_string,
    lookup,
    optional,
    provenance,
    read_dtp,
    read_ref,
)
from eligate.x12 import BenefitLoop, Segment

_AUTH = {"Y": True, "N": False, "U": None}
_MONEY_IN_TEXT = re.compile(r"\$\s*\d|\d\s*%|\b\d+\.\d\d\b|\b(?:copay|deductible|coins)\w*\s+\d")
"""MSG text that states an amount the rules cannot place: left to a human or a model."""


@dataclass(frozen=True, slots=True)
class MappedBenefit:
    """A benefit and what of its loop the rules could not interpret."""

    benefit: Benefit
    unmapped: list[Unmapped]


def read_benefit(loop: BenefitLoop, *, loop_id: str, benefit_index: int) -> MappedBenefit:
    """Map one 2110 loop."""
    eb = loop.eb
    unknown: list[UnknownCode] = []
    unmapped: list[Unmapped] = []

    def leave(segment: Segment, reason: str, message: str) -> None:
        unmapped.append(
            Unmapped(
                reason=reason,
                message=message,
                segment_index=segment.index,
                raw=segment.raw,
                loop=loop_id,
                benefit_index=benefit_index,
            )
        )

    def number(position: int, what: str) -> str | None:
        text = eb.get(position)
        if not text:
            return None
        value = decimal_string(text)
        if value is None:
            leave(eb, "invalid_number", f"EB{position:02d} {what} {text!r} is not a number")
        return value

    service_codes = list(eb.repeats(3))
    auth_text = eb.get(11)
    if auth_text and auth_text not in _AUTH:
        unknown.append(UnknownCode(element="EB11", code=auth_text, segment_index=eb.index))
    procedure = None
    if eb.get(13):
        parts = eb.components(13)
        qualifier = parts[0]
        lookup("eb13_01", qualifier, "EB13-1", eb, unknown)
        procedure = ProcedureCode(
            qualifier=qualifier,
            code=parts[1] if len(parts) > 1 else "",
            modifiers=[part for part in parts[2:6] if part],
            description=optional(parts[6]) if len(parts) > 6 else None,
        )

    messages: list[str] = []
    dates: list[DateValue] = []
    references: list[Reference] = []
    delivery: list[ServiceDelivery] = []
    industry: list[IndustryCode] = []
    stray = {segment.index for segment in loop.unexpected}
    in_related = False
    for segment in loop.segments:
        tag = segment.elements[0]
        if tag in ("LS", "LE"):
            in_related = tag == "LS"
        if segment.index in stray:
            where = "a 2120 loop (LS..LE)" if in_related else "a 2110 loop"
            leave(segment, "unexpected_segment", f"{tag} is not expected in {where}")
        elif tag == "MSG":
            text = segment.get(1)
            messages.append(text)
            if _MONEY_IN_TEXT.search(text):
                leave(segment, "msg_with_amount", "MSG free text states an amount or rate")
        elif tag == "DTP":
            value = read_dtp(segment)
            lookup("dtp01", value.qualifier_code, "DTP01", segment, unknown)
            if value.start is None:
                leave(segment, "invalid_date", f"DTP03 {value.value!r} is not a valid date")
            dates.append(value)
        elif tag == "REF":
            references.append(read_ref(segment, unknown))
        elif tag == "HSD":
            delivery.append(
                ServiceDelivery(
                    quantity_qualifier_code=optional(segment.get(1)),
                    quantity=optional(segment.get(2)),
                    unit_basis_code=optional(segment.get(3)),
                    sample_selection_modulus=optional(segment.get(4)),
                    time_period_qualifier_code=optional(segment.get(5)),
                    period_count=optional(segment.get(6)),
                    frequency_code=optional(segment.get(7)),
                    pattern_time_code=optional(segment.get(8)),
                )
            )
        elif tag == "III":
            industry.append(
                IndustryCode(
                    qualifier_code=segment.get(1),
                    code=segment.get(2),
                    category_code=optional(segment.get(3)),
                    text=optional(segment.get(4)),
                )
            )

    entities = [read_entity(entity.name, entity.segments) for entity in loop.entities]
    for entity in entities:
        if entity.entity is None:
            index = entity.provenance.segments[0]
            unknown.append(
                UnknownCode(
                    element="NM101", code=entity.entity_identifier_code, segment_index=index
                )
            )
    for related in loop.entities:
        lookup("nm108", related.name.get(8), "NM108", related.name, unknown)
        for segment in related.segments:
            if segment.elements[0] == "PER":
                for position in (3, 5, 7):
                    lookup("per03", segment.get(position), f"PER{position:02d}", segment, unknown)

    benefit = Benefit(
        code=eb.get(1),
        name=lookup("eb01", eb.get(1), "EB01", eb, unknown),
        coverage_level_code=optional(eb.get(2)),
        coverage_level=lookup("eb02", eb.get(2), "EB02", eb, unknown),
        service_type_codes=service_codes,
        service_types=[lookup("eb03", code, "EB03", eb, unknown) for code in service_codes],
        insurance_type_code=optional(eb.get(4)),
        insurance_type=lookup("eb04", eb.get(4), "EB04", eb, unknown),
        plan_coverage=optional(eb.get(5)),
        time_qualifier_code=optional(eb.get(6)),
        time_qualifier=lookup("eb06", eb.get(6), "EB06", eb, unknown),
        amount=number(7, "amount"),
        percent=number(8, "percent"),
        quantity_qualifier_code=optional(eb.get(9)),
        quantity_qualifier=lookup("eb09", eb.get(9), "EB09", eb, unknown),
        quantity=number(10, "quantity"),
        auth_required=_AUTH.get(auth_text),
        in_plan_network_code=optional(eb.get(12)),
        in_network=lookup("eb12", eb.get(12), "EB12", eb, unknown),
        procedure=procedure,
        diagnosis_pointers=[part for part in eb.components(14) if part],
        messages=messages,
        dates=dates,
        related_entities=entities,
        references=references,
        delivery=delivery,
        industry_codes=industry,
        unknown_codes=unknown,
        source="rules",
        provenance=provenance([eb, *loop.segments]),
    )
    raw_by_index = {segment.index: segment for segment in (eb, *loop.segments)}
    for flagged in unknown:
        leave(
            raw_by_index[flagged.segment_index],
            "unknown_code",
            f"{flagged.element} {flagged.code!r} is not in the X12 code list",
        )
    return MappedBenefit(benefit=benefit, unmapped=unmapped)
