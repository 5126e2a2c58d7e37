"""Errors of the eligibility core.

::

    EligibilityError                  every error raised here
    ├── EligibilityUsageError         you called it wrong
    │   ├── UnknownPayerError         a payer id that is not in the registry
    │   └── InquiryError              a request that cannot be written as a 270
    ├── RegistryError                 the data is bad: a payer file that does not validate
    └── PayerError                  the remote failed, or its guard refused the call
        ├── PayerCallError            the call was made and failed (timeout, connect, 5xx...)
        └── PayerRefusedError         the call was not made (breaker open, bulkhead full...)

``check`` never lets a :class:`PayerError` out: it turns it into a fallback or an
``unable_to_verify`` outcome whose ``reason`` is the failure's stable ``reason``.
Messages name the payer and the failure kind, never a member.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

FailureKind = Literal["timeout", "connect", "http_5xx", "http_429", "http_4xx", "bad_payload"]
"""How a call to a payer failed, as the transport classifies it."""

RefusalKind = Literal["breaker_open", "bulkhead_full", "deadline_exceeded", "paced"]
"""Why the core did not (or no longer) wait for a payer."""


class EligibilityError(Exception):
    """Base of every error the eligibility core raises."""


class EligibilityUsageError(EligibilityError):
    """The caller asked for something the core cannot do as asked."""


class UnknownPayerError(EligibilityUsageError, KeyError):
    """A payer id that is not in the registry."""

    def __init__(self, payer_id: str) -> None:
        super().__init__(f"unknown payer {payer_id!r}")
        self.payer_id = payer_id

    def __str__(self) -> str:
        return f"unknown payer {self.payer_id!r}"


class RegistryError(EligibilityError):
    """A payer file (or the set of them) does not validate; one line naming file and field."""

    def __init__(self, message: str, *, path: Path | None = None, field: str | None = None) -> None:
        where = f"{path}: " if path is not None else ""
        what = f"{field}: " if field else ""
        super().__init__(f"{where}{what}{message}")
        self.path = path
        self.field = field


class PayerError(EligibilityError):
    """A payer could not answer; ``reason`` is a stable code safe for logs and audit."""

    def __init__(self, message: str, *, payer_id: str, reason: str) -> None:
        super().__init__(f"payer {payer_id!r}: {reason}: {message}")
        self.payer_id = payer_id
        self.reason = reason


class PayerCallError(PayerError):
    """A call reached for the payer and failed; ``kind`` says how."""

    def __init__(
        self, message: str, *, payer_id: str, kind: FailureKind, status_code: int | None = None
    ) -> None:
        super().__init__(message, payer_id=payer_id, reason=kind)
        self.kind: FailureKind = kind
        self.status_code = status_code


class PayerRefusedError(PayerError):
    """The payer's guard refused (or cut short) the call to protect everyone else."""

    def __init__(self, message: str, *, payer_id: str, kind: RefusalKind) -> None:
        super().__init__(message, payer_id=payer_id, reason=kind)
        self.kind: RefusalKind = kind


class InquiryError(EligibilityUsageError):
    """The request cannot be sent as a 270 (an invalid NPI, an unknown service type...)."""

    def __init__(self, message: str, *, payer_id: str) -> None:
        super().__init__(f"payer {payer_id!r}: {message}")
        self.payer_id = payer_id
