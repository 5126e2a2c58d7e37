"""The gate reads the input once, whatever the number of results."""

from __future__ import annotations

import pytest

from eligate.normalizer import normalize
from eligate.validators import _grounding as grounding_module
from eligate.validators import gate, iter_normalize_and_gate, normalize_and_gate
from eligate.x12 import _envelope as envelope_module
from tests.big271 import SHAPES, big_271


def test_gate_builds_its_lookup_sets_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Grounding N results builds the NM1 and DTP sets once, not once per result."""
    built: list[str] = []
    for name in ("_members", "_dtps"):
        original = getattr(grounding_module, name)

        def counting(segments: object, original: object = original, name: str = name) -> object:
            built.append(name)
            return original(segments)  # type: ignore[operator]

        monkeypatch.setattr(grounding_module, name, counting)
    data = big_271(50)
    results = gate(normalize(data), data)
    assert len(results) == 50
    assert sorted(built) == ["_dtps", "_members"]


def test_normalize_and_gate_tokenizes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass of the tokenizer serves the rules and the gate."""
    calls = 0
    original = envelope_module.iter_tokens  # type: ignore[attr-defined]

    def counting(data: bytes | str) -> object:
        nonlocal calls
        calls += 1
        return original(data)

    monkeypatch.setattr(envelope_module, "iter_tokens", counting)
    assert len(normalize_and_gate(big_271(20))) == 20
    assert calls == 1


def test_streamed_verdicts_equal_whole_input_verdicts() -> None:
    """Judging each set against its own segments gives the whole-input verdicts."""
    for shape in SHAPES:
        data = big_271(30, shape)
        assert list(iter_normalize_and_gate(data)) == gate(normalize(data), data)
