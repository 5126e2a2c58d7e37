"""Warnings about envelopes and structure: reported with positions, never raised."""

from __future__ import annotations

from dataclasses import dataclass

from eligate.codes import X12WarningCode


@dataclass(frozen=True, slots=True)
class X12Warning:
    """Something in the input that breaks the standard but still lets it be read.

    ``code`` is stable and machine-readable (``se_count_mismatch``...);
    ``segment_index`` points at the segment concerned where there is one.
    """

    code: X12WarningCode
    message: str
    segment_index: int | None = None
