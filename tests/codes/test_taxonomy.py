"""Every code the rules and the gate produce is in the taxonomy, over every input we hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligate.codes import (
    AaaAction,
    GateReason,
    UnmappedReason,
    X12WarningCode,
    codes_of,
)
from eligate.normalizer import (
    ACTION_BY_FOLLOW_UP,
    ACTION_BY_REASON,
    FALLBACK_ACTION,
    EligibilityResult,
    normalize,
)
from eligate.validators import gate
from eligate.x12 import X12InputError
from tests.conftest import CORPUS, FIXTURES, SAMPLES


def _results(paths: list[Path]) -> list[EligibilityResult]:
    results: list[EligibilityResult] = []
    for path in paths:
        data = path.read_bytes()
        try:
            results.extend(gate(normalize(data), data))
        except X12InputError:
            continue
    return results


def _codes(results: list[EligibilityResult]) -> dict[str, set[str]]:
    return {
        "warnings": {w.code for r in results for w in r.envelope.warnings},
        "unmapped": {u.reason for r in results for u in r.unmapped},
        "gate": {c.code for r in results if r.validation for c in r.validation.reasons},
        "actions": {e.action for r in results for e in r.errors},
    }


def _check(codes: dict[str, set[str]]) -> None:
    warnings = codes_of(X12WarningCode)
    assert codes["warnings"] <= warnings
    assert codes["unmapped"] <= codes_of(UnmappedReason)
    passed_on = {f"envelope_{code}" for code in warnings}
    assert codes["gate"] - passed_on <= codes_of(GateReason)
    assert codes["actions"] <= codes_of(AaaAction)


def test_samples_and_fixtures_use_only_taxonomy_codes() -> None:
    """The bundled samples and the quirk fixtures produce only codes of the taxonomy."""
    paths = sorted(SAMPLES.glob("*.271")) + sorted(p for p in FIXTURES.iterdir() if p.is_file())
    codes = _codes(_results(paths))
    assert all(codes.values())
    _check(codes)


@pytest.mark.corpus
def test_the_real_corpus_uses_only_taxonomy_codes(corpus: Path) -> None:
    """The 77 real-world files produce only codes of the taxonomy."""
    codes = _codes(
        _results(sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".md"))
    )
    assert codes["warnings"]
    _check(codes)


def test_every_aaa_reason_maps_to_a_taxonomy_action() -> None:
    """The AAA03 and AAA04 -> action tables and the fallback name exactly the taxonomy's actions."""
    named = set(ACTION_BY_REASON.values()) | set(ACTION_BY_FOLLOW_UP.values()) | {FALLBACK_ACTION}
    assert named == codes_of(AaaAction)
