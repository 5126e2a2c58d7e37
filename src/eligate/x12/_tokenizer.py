"""Split raw X12 into segments, reading the delimiters from each interchange header.

Real files carry byte-order marks, indentation, CR / LF / CRLF / 0x1D line ends,
newline as the segment terminator, and odd separators (pipe, backtick, ``>``,
``{``). The tokenizer copes with all of them: it reads the element separator
from the fourth byte of ISA, the component separator from ISA16 and the segment
terminator from the byte after it, then strips whitespace around every segment.
A file that starts at GS or ST (no ISA) is read with the element separator found
after the tag and a warning, since its component and repetition separators can
only be assumed.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass

from eligate.x12._segments import DEFAULT_DELIMITERS, Delimiters, Segment
from eligate.x12._warnings import X12Warning
from eligate.x12.errors import EmptyInputError, NotX12Error, TruncatedError

_WHITESPACE = " \t\r\n\x0b\x0c"
_ISA_ELEMENTS = 16
_FIRST_CHUNK = 1 << 12
_CHUNK = 1 << 20
"""Most characters split at a time: big inputs are never held as one list of parts."""


@dataclass(frozen=True, slots=True)
class Tokens:
    """The segments of one input, in order, with what the tokenizer noticed."""

    segments: tuple[Segment, ...]
    warnings: tuple[X12Warning, ...]


def decode(data: bytes | str) -> str:
    """Turn input bytes into text: UTF-8 (with or without BOM), else Latin-1.

    X12 is ASCII by standard; Latin-1 keeps any stray byte instead of failing.
    """
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def tokenize(data: bytes | str) -> Tokens:
    """Split ``data`` into segments.

    Raises:
        EmptyInputError: the input holds only whitespace.
        NotX12Error: the input does not start with an ISA, GS or ST header.
        TruncatedError: the ISA header is cut short.
    """
    segments: list[Segment] = []
    warnings: list[X12Warning] = []
    for item in iter_tokens(data):
        if isinstance(item, Segment):
            segments.append(item)
        else:
            warnings.append(item)
    return Tokens(segments=tuple(segments), warnings=tuple(warnings))


def iter_tokens(data: bytes | str) -> Iterator[Segment | X12Warning]:
    """The segments of ``data`` one at a time, each header warning where it was found.

    What :func:`tokenize` collects; lazily, so that a big input is never held as
    segments all at once. Raises what :func:`tokenize` raises, when it gets there.
    """
    text = decode(data)
    start = _skip_whitespace(text, 0)
    if start == len(text):
        raise EmptyInputError("input is empty")
    index = 0
    position: int | None = start
    while position is not None:
        delimiters, header_warning = _detect(text, position)
        if header_warning is not None:
            yield header_warning
        position, index = yield from _split(text, position, delimiters, index)


def _skip_whitespace(text: str, position: int) -> int:
    length = len(text)
    while position < length and text[position] in _WHITESPACE:
        position += 1
    return position


def _detect(text: str, start: int) -> tuple[Delimiters, X12Warning | None]:
    """Read the delimiters of the interchange (or bare group) starting at ``start``."""
    head = text[start : start + 3]
    if head == "ISA":
        delimiters = _detect_isa(text, start)
        if delimiters.repetition is not None and delimiters.repetition == delimiters.component:
            return delimiters, X12Warning(
                "separator_collision",
                f"ISA11 and ISA16 are both {delimiters.component!r}: repeating elements are "
                "split as repetitions, composites as components",
                segment_index=None,
            )
        return delimiters, None
    if head[:2] in ("GS", "ST") and len(head) == 3 and not head[2].isalnum():
        delimiters = _detect_bare(text, start)
        return delimiters, X12Warning(
            "missing_isa",
            f"no ISA header: read with element separator {delimiters.element!r} and "
            f"terminator {delimiters.segment!r}; component and repetition separators assumed",
            segment_index=None,
        )
    raise NotX12Error("not X12: input does not start with an ISA, GS or ST segment")


def _detect_isa(text: str, start: int) -> Delimiters:
    if len(text) < start + 4:
        raise TruncatedError("truncated: the ISA header is cut short")
    element = text[start + 3]
    if element.isalnum() or element in _WHITESPACE:
        raise NotX12Error(f"not X12: ISA is followed by {element!r}, not an element separator")
    position = start + 3
    for _ in range(_ISA_ELEMENTS - 1):
        position = text.find(element, position + 1)
        if position < 0:
            raise TruncatedError("truncated: the ISA header has fewer than 16 elements")
    # ``position`` is the separator before ISA16: ISA16 and the terminator follow it.
    if len(text) < position + 3:
        raise TruncatedError("truncated: the ISA header ends before its segment terminator")
    component = text[position + 1]
    end = position + 2
    while text[end] == " " and end + 1 < len(text):
        end += 1  # padding some writers leave between ISA16 and the terminator
    terminator = text[end]
    if terminator.isalnum() or terminator in (element, component, " "):
        raise NotX12Error(f"not X12: ISA16 is followed by {terminator!r}, not a terminator")
    isa = text[start : position + 1].split(element)
    version = isa[12].strip() if len(isa) > 12 else ""
    candidate = isa[11] if len(isa) > 11 else ""
    repetition: str | None = None
    if (
        version >= "00501"
        and len(candidate) == 1
        and not candidate.isalnum()
        and candidate not in (element, terminator, " ")
    ):
        repetition = candidate
    return Delimiters(element, component, repetition, terminator)


def _detect_bare(text: str, start: int) -> Delimiters:
    """Delimiters of a file that starts at GS or ST: the terminator ends the header."""
    element = text[start + 2]
    for position in range(start + 3, min(len(text), start + 400)):
        char = text[position]
        if not (char.isalnum() or char in (element, " ")):
            return Delimiters(
                element=element,
                component=DEFAULT_DELIMITERS.component,
                repetition=DEFAULT_DELIMITERS.repetition,
                segment=char,
            )
    raise TruncatedError("truncated: the first segment never ends")


def _split(
    text: str, start: int, delimiters: Delimiters, index: int
) -> Generator[Segment, None, tuple[int | None, int]]:
    """Yield the segments from ``start`` on, numbered from ``index``.

    Returns the position of a following interchange whose delimiters differ (to be
    read afresh), else ``None`` once the text is used up; and the next index.
    The text is split a chunk at a time, the chunks growing from small to
    :data:`_CHUNK`, so that stopping at such an interchange wastes no more than
    was read, and the position of each part is known as it goes.
    """
    terminator = delimiters.segment
    element = delimiters.element
    step = len(terminator)
    length = len(text)
    first = index
    offset = start
    size = _FIRST_CHUNK
    while offset < length:
        end = text.find(terminator, offset + size)
        size = min(size * 2, _CHUNK)
        for part in _parts(text, offset, length if end < 0 else end, terminator):
            raw = part.strip(_WHITESPACE)
            if raw:
                if raw.startswith("ISA") and index != first:
                    position = offset + len(part) - len(part.lstrip(_WHITESPACE))
                    if _detect_isa(text, position) != delimiters:
                        # A new interchange with other delimiters: re-read from its header.
                        return position, index
                yield Segment(index, tuple(raw.split(element)), raw, delimiters)
                index += 1
            offset += len(part) + step
    return None, index


def _parts(text: str, start: int, end: int, terminator: str) -> list[str]:
    """``text[start:end]`` split at ``terminator`` (one chunk; a seam for tests)."""
    return text[start:end].split(terminator)
