"""Tokenizer, envelope and loop-tree tests on synthetic input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligate.normalizer import normalize
from eligate.x12 import (
    EmptyInputError,
    NotA271Error,
    NotX12Error,
    TruncatedError,
    X12Error,
    X12InputError,
    read_271,
    read_document,
    tokenize,
)
from tests.strategies import Rendering, interchanges, render, renderings

PLAIN = Rendering("*", ":", "^", "~", "\n", "", bom=False)


def _tree(data: bytes) -> list[tuple[str, tuple[tuple[str, ...], ...]]]:
    """Segments as tag plus elements split into repetitions/components: delimiter-free."""
    tree = []
    for segment in tokenize(data).segments:
        if segment.tag == "ISA":
            continue
        elements = []
        for position in range(1, len(segment.elements)):
            if segment.tag == "EB" and position == 13:
                elements.append(segment.components(position))
            else:
                elements.append(segment.repeats(position))
        tree.append((segment.tag, tuple(elements)))
    return tree


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(segments=interchanges(), how=renderings())
def test_any_rendering_parses_to_the_same_tree(
    segments: list[tuple[str | tuple[str, ...], ...]], how: Rendering
) -> None:
    """Random delimiters, line ends, indentation and BOM never change what is read."""
    expected = _tree(render(segments, PLAIN))
    assert _tree(render(segments, how)) == expected


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(segments=interchanges(), how=renderings())
def test_any_rendering_normalizes_to_the_same_result(
    segments: list[tuple[str | tuple[str, ...], ...]], how: Rendering
) -> None:
    """The canonical result, raw text aside, does not depend on the delimiters."""

    def facts(data: bytes) -> object:
        return _without_raw([result.model_dump() for result in normalize(data)])

    expected = facts(render(segments, PLAIN))
    assert facts(render(segments, how)) == expected


def _without_raw(value: object) -> object:
    """A dump with every ``raw`` text (which shows the delimiters) left out."""
    if isinstance(value, dict):
        return {key: _without_raw(item) for key, item in value.items() if key != "raw"}
    if isinstance(value, list):
        return [_without_raw(item) for item in value]
    return value


@settings(max_examples=300)
@given(data=st.binary(max_size=600))
def test_random_bytes_raise_only_the_package_error(data: bytes) -> None:
    """Arbitrary bytes either normalize or raise an X12InputError: nothing else."""
    _normalized_or_refused(data)


@settings(max_examples=300)
@given(tail=st.text(max_size=400))
def test_random_text_after_an_isa_tag_raises_only_the_package_error(tail: str) -> None:
    """Text that starts like X12 reaches deeper code and still fails cleanly."""
    _normalized_or_refused("ISA*" + tail)


def _normalized_or_refused(data: bytes | str) -> None:
    """Either results with a known status, or a package input error with a stable code."""
    try:
        results = normalize(data)
    except X12InputError as error:
        assert error.code in {"empty_input", "not_x12", "truncated", "not_271"}
        return
    assert all(
        r.coverage_status in {"active", "inactive", "undetermined", "error"} for r in results
    )


@settings(max_examples=200)
@given(cut=st.integers(min_value=0, max_value=2000))
def test_any_truncation_is_refused_or_read_cleanly(cut: int) -> None:
    """A 271 cut anywhere is refused with a package error or read in full."""
    piece = _SAMPLE[: min(cut, len(_SAMPLE))]
    try:
        normalize(piece)
    except X12InputError as error:
        assert error.code in {"empty_input", "not_x12", "truncated", "not_271"}


_SAMPLE = (
    b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501"
    b"*000000001*0*P*:~GS*HB*S*R*20240101*1200*1*X*005010X279A1~ST*271*0001*005010X279A1~"
    b"BHT*0022*11*REF1*20240101*1200~HL*1**20*1~NM1*PR*2*PLAN*****PI*P1~HL*2*1*21*1~"
    b"NM1*1P*2*CLINIC*****XX*1999999984~HL*3*2*22*0~NM1*IL*1*DOE*JO****MI*SYN1~"
    b"EB*1*IND*30~SE*10*0001~GE*1*1~IEA*1*000000001~"
)


def test_reads_delimiters_from_the_isa_header() -> None:
    """Element, component, repetition and terminator come from ISA."""
    data = _SAMPLE.replace(b"*", b"|").replace(b"~", b"!\r\n")
    tokens = tokenize(data)
    first = tokens.segments[0]
    assert first.delimiters.element == "|"
    assert first.delimiters.segment == "!"
    assert first.delimiters.repetition == "^"
    assert [s.tag for s in tokens.segments][:3] == ["ISA", "GS", "ST"]
    assert tokens.segments[-1].tag == "IEA"


def test_4010_isa11_is_not_a_repetition_separator() -> None:
    """ISA11 ``U`` in a 4010 envelope means no repetition separator."""
    data = _SAMPLE.replace(b"*^*00501*", b"*U*00401*")
    assert tokenize(data).segments[0].delimiters.repetition is None


def test_cr_terminator_with_crlf_lines() -> None:
    """CR as the terminator with CRLF line ends, as TMHP sends it."""
    data = _SAMPLE.replace(b"~", b" \r\n")
    tags = [s.tag for s in tokenize(data).segments]
    assert tags[:4] == ["ISA", "GS", "ST", "BHT"]
    assert tokenize(data).segments[1].elements[-1] == "005010X279A1"


def test_gs_start_without_isa_is_read_with_a_warning() -> None:
    """A file that starts at GS is read; the missing ISA is a warning."""
    data = _SAMPLE[_SAMPLE.index(b"GS*") : _SAMPLE.index(b"IEA*")]
    document = read_document(data)
    assert [w.code for w in document.warnings] == ["missing_isa"]
    assert len(document.transactions) == 1


def test_two_interchanges_with_different_delimiters() -> None:
    """A second interchange with its own delimiters is re-read from its header."""
    second = _SAMPLE.replace(b"*", b"|").replace(b"~", b"\n").replace(b"SYN1", b"SYN2")
    document = read_document(_SAMPLE + b"\n" + second)
    assert len(document.transactions) == 2
    members = [r.member_id for r in normalize(_SAMPLE + b"\n" + second)]
    assert members == ["SYN1", "SYN2"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ((b"SE*10*", b"SE*11*"), "se_count_mismatch"),
        ((b"SE*10*0001", b"SE*10*0002"), "se_control_mismatch"),
        ((b"GE*1*1~", b"GE*2*1~"), "ge_count_mismatch"),
        ((b"GE*1*1~", b"GE*1*7~"), "ge_control_mismatch"),
        ((b"IEA*1*000000001", b"IEA*1*000000009"), "iea_control_mismatch"),
        ((b"GS*HB*", b"GS*HS*"), "functional_id_mismatch"),
        ((b"ST*271*0001*005010X279A1", b"ST*271*0001*005010X279"), "version_mismatch"),
        ((b"*^*00501*", b"*U*00401*"), "version_mismatch"),
    ],
)
def test_envelope_faults_are_warnings_with_positions(
    change: tuple[bytes, bytes], code: str
) -> None:
    """Each envelope fault is reported with its code and a segment position."""
    data = _SAMPLE.replace(*change)
    document = read_document(data)
    found = [w for t in document.transactions for w in t.warnings] + list(document.warnings)
    assert code in [w.code for w in found]
    assert all(w.segment_index is not None for w in found if w.code == code)


def test_missing_trailers_are_warnings() -> None:
    """A file that ends after SE still reads, with missing GE and IEA noted."""
    data = _SAMPLE[: _SAMPLE.index(b"GE*")]
    document = read_document(data)
    assert sorted(w.code for w in document.warnings) == ["missing_ge", "missing_iea"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", EmptyInputError),
        (b"  \r\n\t", EmptyInputError),
        (b"hello, world", NotX12Error),
        (b"ISA", TruncatedError),
        (b"ISA*00*", TruncatedError),
        (_SAMPLE[: _SAMPLE.index(b"SE*")], TruncatedError),
        (_SAMPLE.replace(b"ST*271", b"ST*270"), NotA271Error),
    ],
)
def test_unusable_input_raises_a_precise_error(data: bytes, error: type[X12Error]) -> None:
    """Empty, not X12, truncated and non-271 input each have their own error."""
    with pytest.raises(error) as caught:
        normalize(data)
    assert "\n" not in str(caught.value)


def test_segment_indexes_count_from_isa() -> None:
    """Provenance indexes are positions in the whole input, ISA being 0."""
    result = normalize(_SAMPLE)[0]
    benefit = result.benefits[0]
    assert benefit.provenance.segments == [10]
    assert benefit.provenance.raw == ["EB*1*IND*30"]


def test_loop_tree_attaches_msg_and_2120_to_the_eb_before() -> None:
    """MSG, LS/NM1/LE belong to the EB they follow."""
    data = _SAMPLE.replace(
        b"EB*1*IND*30~",
        b"EB*1*IND*30~MSG*FIRST~EB*L~LS*2120~NM1*P3*1*DOC*ANN****XX*1999999992~"
        b"PRV*PE*PXC*207Q00000X~LE*2120~",
    ).replace(b"SE*10*", b"SE*16*")
    document = read_document(data)
    tree = read_271(document.transactions[0])
    subscriber = tree.parties[2]
    assert [loop.eb.get(1) for loop in subscriber.benefits] == ["1", "L"]
    assert [s.tag for s in subscriber.benefits[0].segments] == ["MSG"]
    pcp = subscriber.benefits[1].entities[0]
    assert pcp.name.get(1) == "P3"
    assert [s.tag for s in pcp.segments] == ["PRV"]
    assert tree.warnings == ()
