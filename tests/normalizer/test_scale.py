"""Mapping is linear: doubling the patients doubles the work and the output."""

from __future__ import annotations

import pytest

from eligate.normalizer import _normalize as normalize_module
from eligate.normalizer import iter_normalize, normalize
from tests.big271 import big_271

_CHAIN = "HL*1**20*1~NM1*PR*2*SYN PLAN*****PI*SYN01~HL*2*1*21*1~NM1*1P*2*SYN CLINIC*****XX*1~"


def _wrap(body: str) -> bytes:
    segments = body.count("~") + 2
    return (
        "ISA*00*          *00*          *ZZ*SYNA           *ZZ*SYNB           "
        "*240315*0930*^*00501*000000001*0*P*:~GS*HB*SYNA*SYNB*20240315*0930*1*X*005010X279A1~"
        f"ST*271*0001*005010X279A1~BHT*0022*11*SYN1*20240315*0930~{body}"
        f"SE*{segments + 1}*0001~GE*1*1~IEA*1*000000001~"
    ).encode()


def test_dangling_hls_put_each_warning_on_its_own_result() -> None:
    """N HLs naming missing parents give N warnings in all, one per result, not N per result."""
    for patients in (100, 200):
        results = normalize(big_271(patients, "dangling_hl"))
        assert len(results) == patients
        codes = [[w.code for w in r.envelope.warnings] for r in results]
        assert codes == [["hl_parent_missing"]] * patients


def test_hl_chain_levels_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain of N subscriber HLs reads each level a bounded number of times."""
    calls = 0
    original = normalize_module._extend

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(normalize_module, "_extend", counting)
    counted = []
    for patients in (200, 400):
        calls = 0
        assert len(normalize(big_271(patients, "chained_hl"))) == patients
        counted.append(calls)
    assert counted[1] <= 2 * counted[0] + 2


def test_inherited_errors_still_reach_the_dependent() -> None:
    """An AAA on a subscriber shows on its dependent's result, as before the sharing."""
    body = (
        _CHAIN + "HL*3*2*22*1~NM1*IL*1*SUB*ONE****MI*SYN1~AAA*N**72*C~"
        "HL*4*3*23*0~NM1*03*1*DEP*ONE~EB*1~HL*5*3*23*0~NM1*03*1*DEP*TWO~EB*1~"
    )
    results = normalize(_wrap(body))
    assert [r.first_name for r in results] == ["ONE", "TWO"]
    assert [[e.code for e in r.errors] for r in results] == [["72"], ["72"]]
    assert all(r.payer is not None and r.provider is not None for r in results)


def test_document_warnings_go_on_the_set_before_them() -> None:
    """A stray segment between two sets is reported once, on the set before it."""
    data = big_271(2).replace(b"SE*33*0000~", b"SE*33*0000~REF*XX*STRAY~")
    parts = list(iter_normalize(data))
    warnings = [[w.code for w in p.results[0].envelope.warnings] for p in parts]
    assert warnings == [["unexpected_segment"], []]
