"""Every input the FHIR tests convert: the synthetic fixtures and, where present, the corpus."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from eligate.fhir import bundle_json, to_bundle
from eligate.normalizer import EligibilityResult, normalize
from eligate.validators import gate
from eligate.x12 import X12InputError
from tests.conftest import CORPUS, FIXTURES


@dataclass(frozen=True, slots=True)
class Converted:
    """One input's gated results and its Bundle text."""

    name: str
    results: tuple[EligibilityResult, ...]
    text: str


def fixture_files() -> list[Path]:
    """The synthetic 271 fixtures (refused ones are tested elsewhere and skipped here)."""
    return sorted(FIXTURES.glob("*.271"))


def corpus_files() -> list[Path]:
    """The real 271s of ../shared (empty where it is absent)."""
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


@cache
def converted(path: Path) -> Converted | None:
    """Normalize, gate and convert one file once per session; ``None`` when X12 refuses it."""
    data = path.read_bytes()
    try:
        results = gate(normalize(data), data)
    except X12InputError:
        return None
    return Converted(path.name, tuple(results), bundle_json(to_bundle(results)))
