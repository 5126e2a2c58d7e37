"""The public surface of each package is pinned both ways: changing it is a deliberate act.

As httpx's ``tests/test_exported_members.py``: every package's ``__all__`` equals
its public names, in order (constants, then classes, then functions). A name
imported into ``__init__`` and not exported fails, and so does an export that is
not there.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import eligate


def _order(name: str) -> tuple[bool, bool, str]:
    return (not name.isupper(), name[0].islower(), name)


def _packages() -> list[str]:
    found = ["eligate"]
    for info in pkgutil.walk_packages(eligate.__path__, "eligate."):
        if info.ispkg and not any(part.startswith("_") for part in info.name.split(".")):
            found.append(info.name)
    return sorted(found)


PACKAGES = _packages()


def test_every_package_of_design_md_exists() -> None:
    """The packages DESIGN.md names are all here, the empty ones included."""
    names = {name.removeprefix("eligate.") for name in PACKAGES}
    assert {
        "cli", "service", "batch", "eligibility", "triage", "onboarding", "fhir", "simulator",
        "guards", "validators", "normalizer", "payers", "llm", "x12", "prompts", "evals",
    } <= names  # fmt: skip


@pytest.mark.parametrize("package", PACKAGES)
def test_all_equals_the_sorted_public_names(package: str) -> None:
    """``__all__`` is sorted and equals the public names of the package, both ways."""
    module = importlib.import_module(package)
    public = sorted(
        (
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, ModuleType)
        ),
        key=_order,
    )
    exported = list(getattr(module, "__all__", []))
    assert exported == sorted(exported, key=_order)
    assert exported == public


def test_the_seams_and_homes_are_public() -> None:
    """Names other packages build on are exported from their one home."""
    import eligate.cli
    import eligate.eligibility
    import eligate.llm
    import eligate.normalizer
    import eligate.payers
    import eligate.service
    import eligate.simulator
    import eligate.validators
    import eligate.x12

    assert {"tokenize", "read_document", "read_271", "build_270", "build_271", "code_set"} <= set(
        eligate.x12.__all__
    )
    llm = {"ModelClient", "FunctionModelClient", "LLMConfig", "connect",
           "ModelUnavailableError", "allow_model_requests"}  # fmt: skip
    assert llm <= set(eligate.llm.__all__)
    assert {"PayerConfig", "PayerRegistry", "Guide", "GuideAaaRule", "load_registry",
            "RegistryError", "UnknownPayerError"} <= set(eligate.payers.__all__)  # fmt: skip
    assert {"start_simulator", "simulator_registry", "Behavior"} <= set(eligate.simulator.__all__)
    assert {"Core", "EligibilityCore", "MemoryCache", "RedisCache", "SqlAuditStore", "KeyRing",
            "AuditVerifyReport", "upgrade", "StoreUnavailableError"} <= set(
        eligate.eligibility.__all__
    )  # fmt: skip
    assert {"Settings", "build_core", "create_app", "load_settings", "CoreFactory"} <= set(
        eligate.service.__all__
    )
    assert {"Proposer", "RulesProposer", "LLMProposer", "EligibilityResult", "normalize"} <= set(
        eligate.normalizer.__all__
    )
    assert {"gate", "propose_and_gate"} <= set(eligate.validators.__all__)
    assert eligate.cli.__all__ == ["app", "main"]


def test_no_name_has_two_homes() -> None:
    """A class or function is exported by the package that defines it, not re-exported."""
    homes: dict[int, str] = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", []):
            value = getattr(module, name)
            if inspect.isclass(value) or inspect.isfunction(value):
                where = homes.setdefault(id(value), package)
                assert where == package, f"{name} exported by {where} and {package}"
