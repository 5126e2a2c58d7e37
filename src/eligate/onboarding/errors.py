"""Errors raised by onboarding.

The tree::

    OnboardingError             base of what onboarding raises (an EligateError)
    ├── OnboardingUsageError    you called it wrong: a bad payer id     (UsageError)
    └── GuideReadError          the data is bad: the file is missing, not a PDF,
                                encrypted, or has no text to read  (InputDataError)

Every error carries a stable ``code`` and a one-line message; the command line
prints them and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path

from eligate.codes import EligateError, InputDataError, UsageError


class OnboardingError(EligateError):
    """Base class for errors raised by :mod:`eligate.onboarding`."""

    code = "onboarding_error"


class OnboardingUsageError(OnboardingError, UsageError):
    """The caller asked for something onboarding cannot do (a bad payer id, a bad field)."""

    code = "onboarding_usage"


class GuideReadError(OnboardingError, InputDataError):
    """The guide cannot be read: missing, not a PDF, encrypted, or without text.

    Attributes:
        path: The guide's path.
    """

    code = "guide_unreadable"

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
