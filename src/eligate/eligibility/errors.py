"""Errors raised by the eligibility core's storage: the result cache and the audit store.

The tree keeps "you called it wrong" apart from "the data is bad" and "the
remote failed"::

    EligibilityError                 base of everything this package raises
    ├── StoreUsageError              the caller passed something unusable
    │   ├── BadDatabaseUrlError      not a database URL we can use      code: bad_database_url
    │   ├── BadKeyError              an encryption key that cannot be   code: bad_encryption_key
    │   │                            used (length, encoding, id)
    │   ├── SchemaMissingError       the audit tables are not there     code: schema_missing
    │   │                            (run ``eligate audit migrate``)
    │   └── CacheUsageError          e.g. a negative TTL                code: bad_cache_call
    ├── StoreDataError               stored data cannot be used
    │   └── DecryptionError          a raw 270/271 does not decrypt     code: decryption_failed
    │                                with the key ring given (wrong
    │                                key, unknown key id, tampered)
    └── StoreUnavailableError        the database did not answer        code: database_unreachable

The cache never raises :class:`StoreUnavailableError`: a Redis outage degrades
to a miss and a ``eligibility.cache_unavailable`` warning. Messages never carry
PHI: they name key ids, row ids, correlation ids and database hosts only.
"""

from __future__ import annotations


class EligibilityError(Exception):
    """Base class for every error raised by :mod:`eligate.eligibility`."""

    code: str = "eligibility_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreUsageError(EligibilityError):
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


class StoreDataError(EligibilityError):
    """Data read back from the store cannot be used."""

    code = "bad_stored_data"


class DecryptionError(StoreDataError):
    """A stored raw 270/271 does not decrypt: wrong or unknown key, or altered ciphertext."""

    code = "decryption_failed"

    def __init__(self, message: str, *, key_id: str, transaction_id: int | None = None) -> None:
        super().__init__(message)
        self.key_id = key_id
        self.transaction_id = transaction_id


class StoreUnavailableError(EligibilityError):
    """The database could not be reached or refused the connection."""

    code = "database_unreachable"

    def __init__(self, message: str, *, target: str) -> None:
        super().__init__(message)
        self.target = target
