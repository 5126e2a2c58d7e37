"""Errors of :mod:`eligate.fhir`.

::

    FhirError                      base of everything raised here
    ├── UngatedResultError         you called it wrong: a result without the gate's verdict
    ├── BundleValidationError      a Bundle that the R4B models refuse (a bug here, or an edit)
    └── BundleReadError            the data is bad: not a Bundle eligate wrote
"""

from __future__ import annotations

from eligate.codes.errors import EligateError, InputDataError, UsageError


class FhirError(EligateError):
    """Base of the FHIR conversion errors; ``code`` is stable."""

    code = "fhir_error"


class UngatedResultError(FhirError, UsageError, ValueError):
    """A result reached the converter before the gate gave it a verdict."""

    code = "ungated_result"


class BundleValidationError(FhirError, InputDataError, ValueError):
    """The R4B models refuse a Bundle; the message names the first failing paths."""

    code = "invalid_bundle"


class BundleReadError(FhirError, InputDataError, ValueError):
    """The reader was given something that is not a Bundle of eligate's shape."""

    code = "unreadable_bundle"
