"""Named parties: NM1 with the N3, N4, PER and PRV that describe it."""

from __future__ import annotations

from collections.abc import Iterable

from eligate.normalizer._models import Address, Contact, ContactNumber, Entity
from eligate.normalizer._values import optional, provenance
from eligate.x12 import Segment, code_set

_TAXONOMY_QUALIFIERS = frozenset({"PXC", "ZZ"})
"""PRV02 values under which PRV03 is a provider taxonomy code (5010, 4010)."""


def read_entity(name: Segment, details: Iterable[Segment]) -> Entity:
    """Map an NM1 and the segments of its loop that describe it."""
    used = [name]
    lines: list[str] = []
    n4: Segment | None = None
    contacts: list[Contact] = []
    taxonomy: str | None = None
    for segment in details:
        tag = segment.elements[0]
        if tag == "N3":
            lines.extend(value for value in segment.elements[1:3] if value)
        elif tag == "N4":
            n4 = segment
        elif tag == "PER":
            contacts.append(read_contact(segment))
        elif tag == "PRV":
            # Only PRV02 PXC (5010) or ZZ (4010) makes PRV03 a taxonomy; 9K and
            # others carry a servicer or other identifier.
            if segment.get(2) in _TAXONOMY_QUALIFIERS:
                taxonomy = optional(segment.get(3))
        else:
            continue
        used.append(segment)
    address = None
    if lines or n4 is not None:
        address = Address(
            lines=lines,
            city=optional(n4.get(1)) if n4 else None,
            state=optional(n4.get(2)) if n4 else None,
            postal_code=optional(n4.get(3)) if n4 else None,
            country=optional(n4.get(4)) if n4 else None,
        )
    code = name.get(1)
    return Entity(
        entity_identifier_code=code,
        entity=code_set("nm101").name(code),
        entity_type_code=optional(name.get(2)),
        name=optional(name.get(3)),
        first_name=optional(name.get(4)),
        middle_name=optional(name.get(5)),
        id_qualifier_code=optional(name.get(8)),
        id=optional(name.get(9)),
        address=address,
        contacts=contacts,
        provider_taxonomy_code=taxonomy,
        provenance=provenance(used),
    )


def read_contact(segment: Segment) -> Contact:
    """Map a PER segment: up to three qualifier/number pairs."""
    numbers = []
    per03 = code_set("per03")
    for position in (3, 5, 7):
        qualifier, value = segment.get(position), segment.get(position + 1)
        if qualifier and value:
            numbers.append(
                ContactNumber(
                    qualifier_code=qualifier, qualifier=per03.name(qualifier), value=value
                )
            )
    return Contact(function_code=segment.get(1), name=optional(segment.get(2)), numbers=numbers)
