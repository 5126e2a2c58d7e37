"""Errors of the payer files.

The tree::

    PayersError                     every error raised here
    ├── RegistryError               a payer file that does not validate   code: bad_registry
    └── UnknownPayerError           a payer id not in the registry        code: unknown_payer

Messages name files, fields and payer ids, never a secret's value.

Every class derives from :class:`~eligate.codes.EligateError` and one family
(usage, input data, payer, store, model); see :mod:`eligate.codes.errors`.
"""

from __future__ import annotations

from pathlib import Path

from eligate.codes.errors import EligateError, InputDataError, UsageError


class PayersError(EligateError):
    """Base class for every error raised by :mod:`eligate.payers`."""

    code: str = "payers_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownPayerError(PayersError, UsageError, KeyError):
    """A payer id that is not in the registry."""

    code = "unknown_payer"

    def __init__(self, payer_id: str) -> None:
        super().__init__(f"unknown payer {payer_id!r}")
        self.payer_id = payer_id

    def __str__(self) -> str:
        return f"unknown payer {self.payer_id!r}"


class RegistryError(PayersError, InputDataError):
    """A payer file (or the set of them) does not validate; one line naming file and field."""

    code = "bad_registry"

    def __init__(self, message: str, *, path: Path | None = None, field: str | None = None) -> None:
        where = f"{path}: " if path is not None else ""
        what = f"{field}: " if field else ""
        super().__init__(f"{where}{what}{message}")
        self.path = path
        self.field = field
