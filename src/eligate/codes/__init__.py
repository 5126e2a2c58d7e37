"""Stable codes as ``Literal`` s, in one place.

AAA actions, X12 warnings, unmapped and gate reasons, payer failure and refusal
kinds, outcome reasons.

The bottom layer: every package may import it, it imports nothing of eligate.
"""

from eligate.codes._taxonomy import (
    AaaAction,
    FailureKind,
    GateReason,
    OutcomeReason,
    RefusalKind,
    UnmappedReason,
    X12WarningCode,
    codes_of,
)
from eligate.codes.errors import (
    EligateError,
    InputDataError,
    ModelFaultError,
    PayerFaultError,
    StoreFaultError,
    UsageError,
)

__all__ = [
    "AaaAction",
    "EligateError",
    "FailureKind",
    "GateReason",
    "InputDataError",
    "ModelFaultError",
    "OutcomeReason",
    "PayerFaultError",
    "RefusalKind",
    "StoreFaultError",
    "UnmappedReason",
    "UsageError",
    "X12WarningCode",
    "codes_of",
]
