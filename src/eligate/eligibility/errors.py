"""Errors of the eligibility core: payers, registry, result cache and audit store.

The tree keeps "you called it wrong" apart from "the data is bad" and "the
remote failed"; every class has a stable ``code``::

    EligibilityError                  every error raised here
    ├── EligibilityUsageError         you called the core wrong
    │   └── InquiryError              a request that cannot be a 270    code: invalid_inquiry
    │       └── GuideRefusedError     the payer's guide would reject it  code: guide_refused
    ├── StoreUsageError               the store or cache was called wrong
    │   ├── BadDatabaseUrlError       not a database URL we can use      code: bad_database_url
    │   ├── BadKeyError               an unusable encryption key         code: bad_encryption_key
    │   ├── SchemaMissingError        audit tables missing (migrate)     code: schema_missing
    │   └── CacheUsageError           e.g. a negative TTL                code: bad_cache_call
    ├── StoreDataError                stored data cannot be used
    │   ├── DecryptionError           a raw 270/271 does not decrypt     code: decryption_failed
    │   └── BadAnchorError            an anchor file line is forged      code: bad_anchor
    ├── StoreUnavailableError         the database did not answer        code: database_unreachable
    └── PayerError                    the payer failed, or its guard refused the call
        ├── PayerCallError            the call was made and failed (timeout, connect, 5xx...)
        └── PayerRefusedError         the call was not made (breaker open, bulkhead full...)

Payer files and unknown payer ids are :mod:`eligate.payers`' errors
(:class:`~eligate.payers.RegistryError`, :class:`~eligate.payers.UnknownPayerError`).
``Core.check`` never lets a :class:`PayerError` out: it turns it into a fallback or
an ``unable_to_verify`` outcome whose ``reason`` is the failure's stable ``reason``.
The cache never raises :class:`StoreUnavailableError`: a Redis outage degrades to
a miss and an ``eligibility.cache_unavailable`` warning. Messages name payers,
failure kinds, key ids, row ids and database hosts, never a member.

Every class derives from :class:`~eligate.codes.EligateError` and one family
(usage, input data, payer, store, model); see :mod:`eligate.codes.errors`.
"""

from __future__ import annotations

from eligate.codes import FailureKind, RefusalKind
from eligate.codes.errors import EligateError, PayerFaultError, StoreFaultError, UsageError


class EligibilityError(EligateError):
    """Base class for every error raised by :mod:`eligate.eligibility`."""

    code: str = "eligibility_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreUsageError(EligibilityError, UsageError):
    """The caller passed something the store or cache cannot use."""

    code = "bad_store_call"


class BadDatabaseUrlError(StoreUsageError):
    """The database URL is malformed or names a database we do not support."""

    code = "bad_database_url"

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class BadKeyError(StoreUsageError):
    """An encryption key cannot be used: wrong length, not base64, or a duplicate id."""

    code = "bad_encryption_key"

    def __init__(self, message: str, *, key_id: str | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id


class SchemaMissingError(StoreUsageError):
    """The audit tables do not exist (or are behind); run the migrations first."""

    code = "schema_missing"


class CacheUsageError(StoreUsageError):
    """The cache was called with an impossible argument, such as a negative TTL."""

    code = "bad_cache_call"


class StoreDataError(EligibilityError, StoreFaultError):
    """Data read back from the store cannot be used."""

    code = "bad_stored_data"


class BadAnchorError(StoreDataError):
    """A line of the chain's anchor file is not an anchor, or its signature does not match."""

    code = "bad_anchor"


class DecryptionError(StoreDataError):
    """A stored raw 270/271 does not decrypt: wrong or unknown key, or altered ciphertext."""

    code = "decryption_failed"

    def __init__(self, message: str, *, key_id: str, transaction_id: int | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id
        self.transaction_id = transaction_id


class StoreUnavailableError(EligibilityError, StoreFaultError):
    """The database could not be reached or refused the connection."""

    code = "database_unreachable"

    def __init__(self, message: str, *, target: str) -> None:
        super().__init__(message)
        self.target = target


class EligibilityUsageError(EligibilityError, UsageError):
    """The caller asked for something the core cannot do as asked."""

    code = "bad_eligibility_call"


class PayerError(EligibilityError, PayerFaultError):
    """A payer could not answer; ``reason`` is a stable code safe for logs and audit."""

    code = "payer_error"

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

    code = "invalid_inquiry"

    def __init__(self, message: str, *, payer_id: str) -> None:
        super().__init__(f"payer {payer_id!r}: {message}")
        self.payer_id = payer_id


class GuideRefusedError(InquiryError):
    """The payer's companion guide says the payer would reject this request; none was sent.

    Attributes:
        action: The stable next step (``fix_member_id``, ``fix_birth_date``,
            ``fix_member_name``, ``fix_gender``, ``fix_service_type``), as an AAA
            error would carry it.
        field: The request field at fault (``member_id``, ``birth_date``...).
    """

    code = "guide_refused"

    def __init__(self, message: str, *, payer_id: str, action: str, field: str) -> None:
        super().__init__(f"{message} ({action})", payer_id=payer_id)
        self.action = action
        self.field = field
