"""Fuzzing over the real corpus' shapes: every mutation is normalized and gated, or refused.

CI runs a bounded number of examples (about a minute on this machine); ``make fuzz``
sets ``ELIGATE_FUZZ_EXAMPLES`` for a longer run. An exception that is not an
:class:`~eligate.x12.X12Error` is a crash the service would have to catch.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from eligate.normalizer import normalize
from eligate.validators import gate
from eligate.x12 import X12Error
from tests.conftest import CORPUS
from tests.strategies import mutated_271s

EXAMPLES = int(os.environ.get("ELIGATE_FUZZ_EXAMPLES", "600"))
SOURCES = (
    [p.read_bytes() for p in sorted(CORPUS.rglob("*")) if p.is_file() and p.suffix != ".md"]
    if CORPUS.is_dir()
    else []
)


@pytest.mark.skipif(not SOURCES, reason=f"real-world corpus not found at {CORPUS} (../shared)")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=mutated_271s(SOURCES or [b"ISA"]))
def test_a_mutated_real_271_is_normalized_or_refused(data: bytes) -> None:
    """Dangling HLs, deep nesting, huge elements, cuts: results or an X12Error, never a crash."""
    try:
        results = normalize(data)
    except X12Error:
        return
    gated = gate(results, data)
    assert len(gated) == len(results)


def test_the_corpus_is_where_the_fuzzer_reads_it() -> None:
    """The fuzzer's sources are the real files (77 in ../shared), not project samples."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-world corpus not found at {CORPUS}")
    assert len(SOURCES) == 77
