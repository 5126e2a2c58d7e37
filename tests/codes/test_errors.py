"""One error root: every exported error derives from EligateError and at most one family."""

from __future__ import annotations

import importlib

import pytest

from eligate.codes import (
    EligateError,
    InputDataError,
    ModelFaultError,
    PayerFaultError,
    StoreFaultError,
    UsageError,
)
from tests.test_exported_members import PACKAGES

FAMILIES = (UsageError, InputDataError, PayerFaultError, StoreFaultError, ModelFaultError)


def _exported_errors() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                found.append(value)
    return found


ERRORS = _exported_errors()


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: error.__name__)
def test_every_exported_error_has_the_one_root(error: type[BaseException]) -> None:
    """Each exported error is an EligateError in at most one family, with a code."""
    assert issubclass(error, EligateError)
    assert sum(issubclass(error, family) for family in FAMILIES) <= 1
    assert isinstance(error.code, str)


def test_leaf_errors_say_whose_fault_it_is() -> None:
    """Concrete errors of the main trees each sit in a family."""
    from eligate.eligibility import DecryptionError, PayerCallError, StoreUnavailableError
    from eligate.llm import LLMConfigError, ModelUnavailableError
    from eligate.payers import RegistryError, UnknownPayerError
    from eligate.x12 import NotX12Error, X12UsageError

    assert issubclass(NotX12Error, InputDataError)
    assert issubclass(RegistryError, InputDataError)
    assert issubclass(X12UsageError, UsageError)
    assert issubclass(UnknownPayerError, UsageError)
    assert issubclass(LLMConfigError, UsageError)
    assert issubclass(PayerCallError, PayerFaultError)
    assert issubclass(StoreUnavailableError, StoreFaultError)
    assert issubclass(DecryptionError, StoreFaultError)
    assert issubclass(ModelUnavailableError, ModelFaultError)
