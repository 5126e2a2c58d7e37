"""Every fixture and real 271 converts to a Bundle the R4B models and R4 invariants accept."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from eligate.fhir import (
    FHIR_VERSION,
    SERVICE_TYPES,
    UngatedResultError,
    read_bundle,
    to_bundle,
    validate_bundle,
)
from eligate.normalizer import Benefit, EligibilityResult, normalize
from tests.conftest import CORPUS, FIXTURES
from tests.fhir.conftest import converted, corpus_files, fixture_files
from tests.fhir.invariants import failures

ERRORS = frozenset({"error"})
INPUTS = [pytest.param(p, id=f"fixture:{p.name}") for p in fixture_files()] + [
    pytest.param(p, id=f"corpus:{p.relative_to(CORPUS)}", marks=pytest.mark.corpus)
    for p in corpus_files()
]


def _number(text: str | None) -> str | None:
    return None if text is None else format(Decimal(text).normalize(), "f")


def _expected(benefit: Benefit) -> tuple[object, ...]:
    procedure = benefit.procedure
    return (
        benefit.code,
        benefit.coverage_level_code,
        tuple(benefit.service_type_codes),
        benefit.insurance_type_code,
        benefit.plan_coverage,
        benefit.time_qualifier_code,
        _number(benefit.amount),
        _number(benefit.percent),
        benefit.quantity_qualifier_code if benefit.quantity is not None else None,
        _number(benefit.quantity),
        benefit.auth_required,
        benefit.in_plan_network_code,
        (procedure.qualifier, procedure.code, tuple(procedure.modifiers))
        if procedure and procedure.code
        else None,
        benefit.source,
        tuple(benefit.provenance.segments),
    )


def _load(text: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(text, parse_float=Decimal)
    return loaded


@pytest.mark.parametrize("path", INPUTS)
def test_converts_validates_and_reads_back(path: Path) -> None:
    """The Bundle passes the R4B models and its reader gives back every benefit and accumulator."""
    done = converted(path)
    if done is None:
        pytest.skip(f"{path.name}: refused as X12 (tested by the normalizer)")
    bundle = _load(done.text)
    validate_bundle(bundle)
    facts = read_bundle(bundle)
    assert len(facts) == len(done.results)
    for result, fact in zip(done.results, facts, strict=True):
        assert fact.member_id == result.member_id
        assert fact.coverage_status == result.coverage_status
        assert fact.error_codes == tuple(error.code for error in result.errors)
        got = [
            (b.code, b.coverage_level_code, b.service_type_codes, b.insurance_type_code,
             b.plan_coverage, b.time_qualifier_code, b.amount, b.percent,
             b.quantity_qualifier_code, b.quantity, b.auth_required, b.in_plan_network_code,
             b.procedure, b.source, b.segments)
            for b in fact.benefits
        ]  # fmt: skip
        assert got == [_expected(b) for b in result.benefits]
        accumulators = [
            (a.kind, a.coverage_level_code, a.in_plan_network_code, a.period_code,
             _number(a.limit), _number(a.remaining), _number(a.met), a.met_derived)
            for a in [*result.summary.deductible, *result.summary.out_of_pocket]
        ]  # fmt: skip
        read = [
            (a.kind, a.coverage_level_code, a.in_plan_network_code, a.period_code, a.limit,
             a.remaining, a.met, a.met_derived)
            for a in fact.summary
        ]  # fmt: skip
        assert sorted(read, key=repr) == sorted(accumulators, key=repr)


@pytest.mark.parametrize("path", INPUTS)
def test_fhirpath_invariants_hold(path: Path) -> None:
    """Every error-severity invariant of the R4 definitions holds on every resource."""
    done = converted(path)
    if done is None:
        pytest.skip(f"{path.name}: refused as X12 (tested by the normalizer)")
    bundle = json.loads(done.text)
    resources = [entry["resource"] for entry in bundle["entry"]]
    # The Bundle's own rules (bdl-*) and elements; its resources are checked one by one below.
    shell = {**bundle, "entry": [{**e, "resource": {"resourceType": e["resource"]["resourceType"],
             "id": e["resource"]["id"]}} for e in bundle["entry"]]}  # fmt: skip
    broken = [f for resource in [shell, *resources] for f in failures(resource, severities=ERRORS)]
    assert broken == []


def test_corpus_is_converted_where_present() -> None:
    """The corpus, where checked out, gives Bundles (a guard against an empty parametrization)."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-world corpus not found at {CORPUS}: it lives in ../shared")
    done = [converted(path) for path in corpus_files()]
    assert (
        sum(1 for d in done if d is not None) >= 50
    )  # 54 of 77 today; the rest are 270s or refused


def _kitchen_sink() -> list[EligibilityResult]:
    done = converted(FIXTURES / "kitchen_sink_dependent.271")
    assert done is not None
    return list(done.results)


def test_declares_fhir_401_and_uses_x12_service_types() -> None:
    """Every resource declares its 4.0.1 base profile; categories use the X12 code list."""
    bundle = to_bundle(_kitchen_sink())
    for resource in [bundle, *(entry["resource"] for entry in bundle["entry"])]:
        assert resource["meta"]["profile"] == [
            f"http://hl7.org/fhir/StructureDefinition/{resource['resourceType']}|{FHIR_VERSION}"
        ]
    response = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "CoverageEligibilityResponse"
    )
    systems = {
        coding["system"]
        for item in response["insurance"][0]["item"]
        for coding in item.get("category", {}).get("coding", [])
    }
    assert systems == {SERVICE_TYPES}


def test_ungated_result_is_refused() -> None:
    """A result without the gate's verdict is a usage error, not a Bundle."""
    data = (FIXTURES / "kitchen_sink_dependent.271").read_bytes()
    with pytest.raises(UngatedResultError):
        to_bundle(normalize(data))
