"""Errors raised by the X12 layer.

The tree keeps "you called it wrong" apart from "the data is bad"::

    X12Error                      base of everything this package raises
    ├── X12InputError             the bytes given are not a usable 271 or 834 (data is bad)
    │   ├── EmptyInputError       nothing but whitespace       code: empty_input
    │   ├── NotX12Error           no ISA/GS/ST header found    code: not_x12
    │   ├── TruncatedError        a transaction has no SE      code: truncated
    │   ├── NotA271Error          X12, but no 271 inside       code: not_271
    │   └── NotAn834Error         X12, but no 834 inside       code: not_834
    └── X12UsageError             the caller passed something invalid (e.g. to build_270)

Every input error carries a stable ``code`` and, where one applies, the index of
the segment it concerns, so a caller can print one precise line.

Every class derives from :class:`~eligate.codes.EligateError` and one family
(usage, input data, payer, store, model); see :mod:`eligate.codes.errors`.
"""

from __future__ import annotations

from eligate.codes.errors import EligateError, InputDataError, UsageError


class X12Error(EligateError):
    """Base class for every error raised by :mod:`eligate.x12`."""

    code: str = "x12_error"

    def __init__(self, message: str, *, segment_index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.segment_index = segment_index

    def __str__(self) -> str:
        if self.segment_index is None:
            return self.message
        return f"{self.message} (segment {self.segment_index})"


class X12InputError(X12Error, InputDataError):
    """The input cannot be read as a 271; nothing was produced from it."""

    code = "bad_x12"


class EmptyInputError(X12InputError):
    """The input holds nothing but whitespace."""

    code = "empty_input"


class NotX12Error(X12InputError):
    """The input does not start with an ISA, GS or ST header."""

    code = "not_x12"


class TruncatedError(X12InputError):
    """A transaction set starts but never ends (no SE), or the ISA header is cut short."""

    code = "truncated"


class NotA271Error(X12InputError):
    """The input is X12 but holds no 271 transaction set."""

    code = "not_271"


class NotAn834Error(X12InputError):
    """The input is X12 but holds no 834 transaction set."""

    code = "not_834"


class X12UsageError(X12Error, UsageError, ValueError):
    """The caller passed an invalid argument (for example an impossible inquiry)."""

    code = "invalid_argument"
