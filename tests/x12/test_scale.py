"""The tokenizer and envelope reader do work linear in the input, whatever its shape."""

from __future__ import annotations

import pytest

from eligate.x12 import _tokenizer as tokenizer_module
from eligate.x12 import iter_document, read_document, tokenize
from tests.big271 import SEGMENTS_PER_PATIENT, big_271


def _alternating(patients: int) -> bytes:
    """Interchanges whose element separator alternates, so each one is read afresh."""
    chunks = big_271(patients, "many_isa").split(b"ISA*")[1:]
    out = [
        b"ISA*" + chunk if number % 2 == 0 else (b"ISA*" + chunk).replace(b"*", b"|")
        for number, chunk in enumerate(chunks)
    ]
    return b"".join(out)


def _characters_split(monkeypatch: pytest.MonkeyPatch, data: bytes) -> int:
    split: list[int] = []
    original = tokenizer_module._parts

    def counting(text: str, start: int, end: int, terminator: str) -> list[str]:
        split.append(end - start)
        return original(text, start, end, terminator)

    monkeypatch.setattr(tokenizer_module, "_parts", counting)
    tokenize(data)
    return sum(split)


def test_interchanges_with_other_delimiters_are_not_split_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Re-reading at each interchange with other delimiters: twice the input, twice the work."""
    counted = []
    for patients in (200, 400):
        data = _alternating(patients)
        assert len(tokenize(data).segments) == patients * (SEGMENTS_PER_PATIENT + 4)
        counted.append(_characters_split(monkeypatch, data))
    assert counted[1] <= 2.1 * counted[0]


def test_one_interchange_is_split_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch file of one interchange is split once, a chunk at a time."""
    data = big_271(300)
    assert _characters_split(monkeypatch, data) <= len(data)


def test_many_interchanges_read_like_one() -> None:
    """Each patient in an interchange of its own: one transaction set each, no warning."""
    document = read_document(big_271(500, "many_isa"))
    assert len(document.transactions) == 500
    assert document.warnings == ()


def test_iter_document_yields_each_set_as_it_closes() -> None:
    """The lazy reader gives the transaction sets in order and returns the segment count."""
    data = big_271(3)
    items = iter_document(data)
    seen = []
    while True:
        try:
            seen.append(next(items))
        except StopIteration as done:
            count = done.value
            break
    assert [t.control_number for t in seen] == ["0000", "0001", "0002"]  # type: ignore[union-attr]
    assert count == read_document(data).segment_count == data.count(b"~")
