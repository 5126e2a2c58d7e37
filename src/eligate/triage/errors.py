"""Errors raised by triage.

The tree keeps "you called it wrong" apart from "the data is bad"::

    TriageError                     base of everything this package raises
    ├── TriageInputError            an input record or file cannot be used (data is bad)
    │   ├── OutcomeLineError        a line of outcomes.jsonl      code: bad_outcome / not_json
    │   └── HistoryError            too little history to learn     code: not_enough_history
    └── ModelFileError              a saved model is unreadable or untrusted  code: bad_model

Messages never carry member data: a bad line is named by its number and the
field that failed, never by its values.
"""

from __future__ import annotations

from eligate.codes.errors import EligateError, InputDataError


class TriageError(EligateError):
    """Base class for every error raised by :mod:`eligate.triage`."""

    code: str = "triage_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class TriageInputError(TriageError, InputDataError):
    """An input cannot be used; nothing was produced from it."""

    code = "bad_triage_input"


class OutcomeLineError(TriageInputError):
    """One line of the batch export is not a usable outcome record."""

    code = "bad_outcome"

    def __init__(self, message: str, *, line: int, code: str | None = None) -> None:
        super().__init__(f"line {line}: {message}", code=code)
        self.line = line


class HistoryError(TriageInputError):
    """The history given holds too few labelled exceptions to fit a model."""

    code = "not_enough_history"


class ModelFileError(TriageError):
    """A saved model file is missing, unreadable, or holds types not on the trusted list."""

    code = "bad_model"
