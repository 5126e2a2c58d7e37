"""Hypothesis strategies shared by the test suite (one module, as attrs does it).

The central one renders a 271 interchange, given as abstract segments, with
random valid delimiters, line endings, indentation and byte-order mark, so tests
can check that every rendering parses to the same tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import strategies as st

# Characters a payer may use as delimiters: printable, not alphanumeric, not
# space, and not characters that appear inside our values ('.', '-', ' ').
DELIMITER_POOL = (*tuple("*|^:>~!{}`#@$%&+=?;/\\'\"<[]_,"), "\x1d", "\x1c", "\x1e", "\x1f")

Element = str | tuple[str, ...]
"""A plain element, or a tuple: repetitions for EB03, components for EB13."""


@dataclass(frozen=True, slots=True)
class Rendering:
    """How one interchange is written out."""

    element: str
    component: str
    repetition: str
    segment: str
    line_end: str
    indent: str
    bom: bool


@st.composite
def renderings(draw: st.DrawFn) -> Rendering:
    """Random distinct delimiters and whitespace habits seen in real files."""
    chosen = draw(st.lists(st.sampled_from(DELIMITER_POOL), min_size=3, max_size=3, unique=True))
    element, component, repetition = chosen
    segment = draw(
        st.sampled_from(
            [c for c in (*DELIMITER_POOL, "\n", "\r") if c not in chosen],
        )
    )
    line_end = "" if segment in "\n\r" else draw(st.sampled_from(["", "\n", "\r\n", "\r"]))
    indent = draw(st.sampled_from(["", "  ", "\t"])) if line_end else ""
    return Rendering(
        element=element,
        component=component,
        repetition=repetition,
        segment=segment,
        line_end=line_end,
        indent=indent,
        bom=draw(st.booleans()),
    )


_ID = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=3, max_size=12)
_AMOUNT = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False).map(str)


@st.composite
def interchanges(draw: st.DrawFn) -> list[tuple[Element, ...]]:
    """A 271 interchange as abstract segments with random member data and amounts."""
    member = draw(_ID)
    limit = draw(_AMOUNT)
    remaining = draw(_AMOUNT)
    copay = draw(_AMOUNT)
    body: list[tuple[Element, ...]] = [
        ("BHT", "0022", "11", draw(_ID), "20240101", "1200"),
        ("HL", "1", "", "20", "1"),
        ("NM1", "PR", "2", "SYNTHETIC HEALTH PLAN", "", "", "", "", "PI", "SYN01"),
        ("HL", "2", "1", "21", "1"),
        ("NM1", "1P", "2", "SAMPLE CLINIC", "", "", "", "", "XX", "1999999984"),
        ("HL", "3", "2", "22", "0"),
        ("TRN", "2", draw(_ID), "9877281234"),
        ("NM1", "IL", "1", "TESTPATIENT", "ALEX", "", "", "", "MI", member),
        ("REF", "6P", "GRP01", "SYNTHETIC GROUP"),
        ("DMG", "D8", "19800101", "F"),
        ("DTP", "346", "D8", "20240101"),
        ("EB", "1", "IND", ("30", "1", "33"), "PR", "GOLD PPO"),
        ("EB", "C", "IND", ("30",), "", "", "23", limit, "", "", "", "", "Y"),
        ("EB", "C", "IND", ("30",), "", "", "29", remaining, "", "", "", "", "Y"),
        ("MSG", "REMAINING AMOUNT INN ONLY"),
        ("EB", "B", "IND", ("98",), "", "", "27", copay, "", "", "", "N", "Y"),
        ("EB", "A", "IND", ("30",), "", "", "", "", ".2", "", "", "", "W"),
        (
            "EB",
            "C",
            "IND",
            (),
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "Y",
            "Y",
            ("HC", "74177", "26"),
        ),
        ("EB", "L"),
        ("LS", "2120"),
        ("NM1", "P3", "1", "PROVIDER", "PAT", "", "", "", "XX", "1999999992"),
        ("LE", "2120"),
        ("AAA", "Y", "", "42", "R"),
    ]
    return [
        ("GS", "HB", "SENDER", "RECEIVER", "20240101", "1200", "1", "X", "005010X279A1"),
        ("ST", "271", "0001", "005010X279A1"),
        *body,
        ("SE", str(len(body) + 2), "0001"),
        ("GE", "1", "1"),
    ]


def render(segments: list[tuple[Element, ...]], how: Rendering) -> bytes:
    """Write ``segments`` as one interchange the way ``how`` says."""
    isa = (
        f"ISA{how.element}00{how.element}{'':10}{how.element}00{how.element}{'':10}"
        f"{how.element}ZZ{how.element}{'SENDER':<15}{how.element}ZZ{how.element}"
        f"{'RECEIVER':<15}{how.element}240101{how.element}1200{how.element}"
        f"{how.repetition}{how.element}00501{how.element}000000001{how.element}0"
        f"{how.element}P{how.element}{how.component}"
    )
    lines = [isa]
    for segment in segments:
        parts: list[str] = []
        for position, element in enumerate(segment):
            if isinstance(element, tuple):
                separator = (
                    how.component if segment[0] == "EB" and position == 13 else how.repetition
                )
                parts.append(separator.join(element))
            else:
                parts.append(element)
        lines.append(how.element.join(parts).rstrip(how.element))
    lines.append(f"IEA{how.element}1{how.element}000000001")
    text = "".join(f"{how.indent}{line}{how.segment}{how.line_end}" for line in lines)
    return (b"\xef\xbb\xbf" if how.bom else b"") + text.encode("latin-1")


CacheOp = tuple[str, int, int]
"""One step against a result cache: (``put``/``get``/``get_stale``/``wait``, key, amount)."""


def cache_ops(keys: int = 6) -> st.SearchStrategy[list[CacheOp]]:
    """Puts (TTL in seconds, 0 = store nothing), reads, and clock steps over a few keys."""
    put = st.tuples(st.just("put"), st.integers(0, keys - 1), st.integers(0, 30))
    read = st.tuples(st.sampled_from(["get", "get_stale"]), st.integers(0, keys - 1), st.just(0))
    wait = st.tuples(st.just("wait"), st.just(0), st.integers(1, 40))
    return st.lists(st.one_of(put, read, wait), max_size=60)


# --- eligibility: CORE multipart fields and breaker event sequences ------------------

CORE_FIELD_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,20}", fullmatch=True)
"""Names like CORE's ``PayloadType`` and ``CORERuleVersion``."""


@st.composite
def core_fields(draw: st.DrawFn) -> dict[str, bytes]:
    """A non-empty mapping of CORE field names to arbitrary byte values (X12 or not)."""
    return draw(st.dictionaries(CORE_FIELD_NAMES, st.binary(max_size=300), min_size=1, max_size=9))


BREAKER_STEPS = st.lists(
    st.sampled_from(["acquire", "succeed", "fail", "release", "tick"]), max_size=80
)
"""What can happen to a breaker: a caller asks, a call ends one of three ways, time passes."""


# --- x12: 834 enrollment interchanges ----------------------------------------------

_D8 = st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 12, 31)).map(
    lambda d: d.strftime("%Y%m%d")
)
_NAME = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=12)


@st.composite
def enrollment_members(draw: st.DrawFn) -> list[tuple[Element, ...]]:
    """One 834 member loop (INS..HD..DTP) with random IDs, names, codes and dates."""
    member = draw(_ID)
    loop: list[tuple[Element, ...]] = [
        (
            "INS",
            draw(st.sampled_from(["Y", "N"])),
            draw(st.sampled_from(["18", "01", "19"])),
            draw(st.sampled_from(["001", "021", "024", "025", "030"])),
            draw(st.sampled_from(["", "28", "07", "XN", "AI"])),
            draw(st.sampled_from(["A", "C", "", "S"])),
            "",
            "",
            draw(st.sampled_from(["FT", "TE", ""])),
        ),
        ("REF", "0F", member),
    ]
    if draw(st.booleans()):
        loop.append(("REF", "23", draw(_ID)))
    if draw(st.booleans()):
        loop.append(("DTP", "356", "D8", draw(_D8)))
    loop += [
        ("NM1", "IL", "1", draw(_NAME), draw(_NAME), "", "", "", "ZZ", member),
        ("DMG", "D8", draw(_D8), draw(st.sampled_from(["F", "M", "U"]))),
        ("HD", draw(st.sampled_from(["021", "024", "030"])), "", "HLT", draw(_NAME), "EMP"),
        ("DTP", "348", "D8", draw(_D8)),
    ]
    return loop


@st.composite
def enrollments(draw: st.DrawFn) -> list[tuple[Element, ...]]:
    """An 834 interchange as abstract segments: header, then one to five member loops."""
    body: list[tuple[Element, ...]] = [
        ("BGN", "00", draw(_ID), draw(_D8), "0200", "", "", "", "2"),
        ("N1", "P5", "SYNTHETIC EMPLOYER", "FI", "999999999"),
        ("N1", "IN", "SYNTHETIC PLAN", "FI", "999999998"),
    ]
    for loop in draw(st.lists(enrollment_members(), min_size=1, max_size=5)):
        body.extend(loop)
    return [
        ("GS", "BE", "SENDER", "RECEIVER", "20240101", "1200", "1", "X", "005010X220A1"),
        ("ST", "834", "0001", "005010X220A1"),
        *body,
        ("SE", str(len(body) + 2), "0001"),
        ("GE", "1", "1"),
    ]
