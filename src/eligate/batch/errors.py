"""Errors of the night run; every class has a stable ``code``.

::

    BatchError                        every error raised here
    ├── BatchUsageError               you called the batch wrong         code: bad_batch_call
    ├── AppointmentFileError          the file cannot be read as a list  code: (per case)
    └── UnknownBatchError             no run with that id                code: unknown_batch

A bad *row* is not an error: it becomes an item in state ``refused`` with its row
number and a stable code (:class:`~eligate.batch.Refusal`). Messages name files,
columns, row numbers and codes, never a member's data.
"""

from __future__ import annotations

from eligate.codes.errors import EligateError, InputDataError, UsageError


class BatchError(EligateError):
    """Base class for every error raised by :mod:`eligate.batch`."""

    code = "batch_error"


class BatchUsageError(BatchError, UsageError):
    """The batch was called wrong (a bad policy value, an unknown state name)."""

    code = "bad_batch_call"


class AppointmentFileError(BatchError, InputDataError):
    """The appointment file as a whole cannot be used (unreadable, wrong format, no columns)."""

    def __init__(self, code: str, message: str, *, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.code = code
        self.path = path


class UnknownBatchError(BatchError, UsageError):
    """No run has this id."""

    code = "unknown_batch"

    def __init__(self, batch_id: str) -> None:
        super().__init__(f"no batch run {batch_id[:64]!r}")
        self.batch_id = batch_id
