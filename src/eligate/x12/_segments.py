"""Delimiters and segments: the values every other X12 module passes around."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of one interchange, read from its ISA header.

    ``repetition`` is ``None`` where the interchange has no repetition separator
    (4010 envelopes put the standards identifier ``U`` in ISA11).
    """

    element: str
    component: str
    repetition: str | None
    segment: str


DEFAULT_DELIMITERS = Delimiters(element="*", component=":", repetition="^", segment="~")


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment as read from the input.

    ``index`` is the segment's 0-based position in the whole input (ISA is 0 in a
    file that starts with one). It is what provenance points at. ``elements[0]``
    is the segment tag, so ``elements[n]`` is element ``n`` as X12 numbers it.
    """

    index: int
    elements: tuple[str, ...]
    raw: str
    delimiters: Delimiters

    @property
    def tag(self) -> str:
        """The segment identifier (``EB``, ``NM1``...)."""
        return self.elements[0]

    def get(self, position: int) -> str:
        """Element ``position`` (1-based), or ``""`` when the segment is shorter."""
        elements = self.elements
        return elements[position] if position < len(elements) else ""

    def repeats(self, position: int) -> tuple[str, ...]:
        """The repetitions of element ``position``, empty ones dropped."""
        value = self.get(position)
        if not value:
            return ()
        separator = self.delimiters.repetition
        if separator is None or separator not in value:
            return (value,)
        return tuple(part for part in value.split(separator) if part)

    def components(self, position: int) -> tuple[str, ...]:
        """The components of composite element ``position`` (empty ones kept in place)."""
        value = self.get(position)
        if not value:
            return ()
        return tuple(value.split(self.delimiters.component))
