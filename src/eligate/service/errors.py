"""Errors raised by the service layer.

The tree keeps "you configured or called it wrong" apart from "the request is bad"::

    ServiceError                    base of everything this package raises
    ├── SettingsError               the settings are unusable or unsafe   code: invalid_settings
    ├── IdempotencyUnavailableError Redis did not answer     code: idempotency_unavailable
    └── ApiError                    an HTTP request is refused (4xx); routes raise it
        (status and code carried on the instance: ``unknown_payer``, ``rate_limited``,
        ``payload_too_large``, ``invalid_api_key``, ``idempotency_key_reused``...)

Messages never carry member data: they name fields and codes, never values.

Every class derives from :class:`~eligate.codes.EligateError` and one family
(usage, input data, payer, store, model); see :mod:`eligate.codes.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping

from eligate.codes.errors import EligateError, StoreFaultError, UsageError
from eligate.eligibility.errors import InquiryError
from eligate.x12 import X12UsageError

INQUIRY_ERRORS: tuple[type[Exception], ...] = (X12UsageError, InquiryError)
"""What the core raises when an inquiry cannot be written as a 270: a 422 (exit 2), never a 500.

The request models refuse all of it first; this is the net behind them.
"""


class ServiceError(EligateError):
    """Base class for every error raised by :mod:`eligate.service`."""

    code: str = "service_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SettingsError(ServiceError, UsageError):
    """Settings could not be built: a value is invalid, or unsafe for the environment."""

    code = "invalid_settings"


class IdempotencyUnavailableError(ServiceError, StoreFaultError):
    """The shared idempotency store (Redis) did not answer in time; the route answers 503."""

    code = "idempotency_unavailable"


class ApiError(ServiceError, UsageError):
    """A request is refused with a 4xx status and a stable code; rendered as ``ErrorPublic``."""

    def __init__(
        self,
        *,
        status_code: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"ApiError(status_code={self.status_code}, code={self.code!r})"
