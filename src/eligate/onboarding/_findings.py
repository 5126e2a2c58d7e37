"""What an extractor (rules or model) says about one field, with the words it read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ProposedBy = Literal["rules", "llm"]

FIELDS: tuple[str, ...] = (
    "endpoint",
    "auth.method",
    "timeout.total",
    "pacing.rate_per_second",
    "x12.receiver_id",
    "x12.payer_id",
    "x12.payer_name",
    "x12.isa05",
    "x12.isa07",
    "x12.gs08",
    "batch_window",
    "guide.version",
    "guide.effective_date",
    "guide.test_endpoint",
    "guide.envelope",
    "guide.service_types",
    "guide.member_id_pattern",
    "guide.member_id_strip_suffix",
    "guide.required_fields",
    "guide.dependents_as_subscriber",
    "guide.max_eq_per_request",
    "guide.aaa",
    "guide.contact",
)
"""Every field onboarding looks for, in the order the review lists them."""

REVIEW_ONLY: frozenset[str] = frozenset({"x12.isa05", "x12.isa07", "x12.gs08", "batch_window"})
"""Fields read and checked for the engineer but not part of the payer file schema."""


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a value was read: a 1-based page and the exact words, whitespace-normalized.

    A table row cites its cells joined by `` | ``; each cell is on the page.
    """

    page: int
    text: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One proposed value for one field.

    Attributes:
        field: A name from :data:`FIELDS`.
        value: The proposed value (str, int, float, bool, tuple of str, or a mapping
            for ``guide.aaa``).
        citations: Where it was read; the first is the main one. A value gathered
            from a table that runs across pages cites each page.
        proposed_by: ``rules`` or ``llm``.
        words: The words within the citation that carry the value (for a derived
            value such as a regex built from "three letters PMH followed by nine
            digits"); grounding checks they are in the citation.
        revision: Read from a revision history (a later statement than the body's).
        notes: Reasons to look twice that the extractor already knows (a default
            action taken from the X12 code, two envelopes offered...).
    """

    field: str
    value: object
    citations: tuple[Citation, ...]
    proposed_by: ProposedBy = "rules"
    words: str = ""
    revision: bool = False
    notes: tuple[str, ...] = ()

    @property
    def citation(self) -> Citation:
        """The main citation."""
        return self.citations[0]
