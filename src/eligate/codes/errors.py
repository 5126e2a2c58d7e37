"""The root of every error eligate raises, and its families.

Each package keeps its own tree (its ``errors.py``); every class there derives
from :class:`EligateError` and from the one family that says whose fault it is::

    EligateError                  every error eligate raises; ``code`` is stable
    ├── UsageError                you called it wrong (bad argument, setting, unknown id)
    ├── InputDataError            the data given is bad (not X12, a payer file that
    │                             does not validate)
    ├── PayerFaultError              a payer failed, or its guard refused the call
    ├── StoreFaultError              the audit store or cache failed or holds unusable data
    └── ModelFaultError              the model gave no usable answer

A caller that only needs "whose fault" catches a family; one that needs the
detail catches the package's class. Messages never carry member data.
"""

from __future__ import annotations


class EligateError(Exception):
    """Base class of every error raised by eligate."""

    code: str = "eligate_error"


class UsageError(EligateError):
    """The caller passed something eligate cannot use as asked."""


class InputDataError(EligateError):
    """The data handed in (an X12 file, a payer file) is not usable."""


class PayerFaultError(EligateError):
    """A payer did not answer usably, or its guard refused to call it."""


class StoreFaultError(EligateError):
    """The audit store or the cache failed, or holds data that cannot be used."""


class ModelFaultError(EligateError):
    """The model gave no usable answer (timeout, HTTP error, breaker, invalid output)."""
