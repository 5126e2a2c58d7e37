"""Reading a companion guide: text with positions, sentences, and tables across pages.

pdfplumber (MIT, on pdfminer.six) does the reading; PyMuPDF is never used (AGPL).
Everything downstream sees :class:`GuideDocument`: per page the whitespace-normalized
text, the passages (lines and sentences) and the table rows, each keeping the page
it was read on, so every value can cite ``{page, text}``.

Tables that run across pages are merged by their repeated header row: a table
at the top of a page whose first row equals the header of the last table of the
previous page continues it (the repeated header is dropped; each row keeps its
own page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eligate.onboarding.errors import GuideReadError

_SPACE = re.compile(r"\s+")
_CID = re.compile(r"\(cid:\d+\)")
"""A glyph without a Unicode mapping (pdfminer writes ``(cid:127)``): a bullet, in practice."""
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\u2022\u2756(])")
_BLOCK_GAP = 1.6
"""A gap between two lines taller than this many line heights starts a new block."""
_TABLE_TOP = 0.35
"""A table starting in the top part of a page (share of its height) may continue one."""


def normalize_space(text: str) -> str:
    """``text`` with every run of whitespace made one space, and quotes made straight."""
    text = _CID.sub("\u2022", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Passage:
    """A line or a sentence of one page, as extractors read it.

    Attributes:
        page: 1-based page number.
        text: The words, whitespace-normalized.
        kind: ``line`` (one printed line), ``sentence`` (from a block of lines) or
            ``row`` (a table row; cells joined with `` | ``).
        index: Position among the document's passages of the same kind (reading order).
    """

    page: int
    text: str
    kind: str
    index: int


@dataclass(frozen=True, slots=True)
class TableRow:
    """One row of a (possibly merged) table.

    Attributes:
        page: The page the row was printed on.
        cells: The cells, whitespace-normalized (an empty cell is ``""``).
    """

    page: int
    cells: tuple[str, ...]

    @property
    def text(self) -> str:
        """The cells joined with `` | `` (empty cells left out)."""
        return " | ".join(cell for cell in self.cells if cell)


@dataclass(frozen=True, slots=True)
class GuideTable:
    """A table, merged across pages when its header row repeats.

    Attributes:
        header: The first row's cells (lower-cased), or ``()`` for a header-less table.
        rows: The body rows, each with its page.
        first_page: The page the table starts on.
    """

    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    first_page: int

    def header_has(self, *words: str) -> bool:
        """Whether any header cell contains any of ``words`` (lower case)."""
        return any(word in cell for cell in self.header for word in words)


@dataclass(frozen=True, slots=True)
class GuideDocument:
    """What extractors read from a guide.

    Attributes:
        pages: Each page's whitespace-normalized text (index 0 is page 1).
        passages: Lines, sentences and table rows in reading order.
        tables: Tables, merged across pages.
    """

    pages: tuple[str, ...]
    passages: tuple[Passage, ...]
    tables: tuple[GuideTable, ...]

    @property
    def page_count(self) -> int:
        """How many pages the guide has."""
        return len(self.pages)

    def page_text(self, page: int) -> str:
        """The normalized text of 1-based ``page`` (``""`` outside the document)."""
        return self.pages[page - 1] if 1 <= page <= len(self.pages) else ""

    def of_kind(self, *kinds: str) -> Iterator[Passage]:
        """Passages of the given kinds, in reading order."""
        return (passage for passage in self.passages if passage.kind in kinds)


@dataclass(frozen=True, slots=True)
class _RawTable:
    page: int
    top_share: float
    rows: tuple[tuple[str, ...], ...]


def read_guide(path: Path) -> GuideDocument:
    """Read a companion guide PDF.

    Raises:
        GuideReadError: the file is missing, not a PDF, encrypted, or holds no text.
    """
    import pdfplumber  # noqa: PLC0415  (pdfminer is heavy: import on first use)
    from pdfminer.pdfparser import PDFSyntaxError  # noqa: PLC0415

    if not path.is_file():
        raise GuideReadError(path, "no such file")
    if path.read_bytes()[:5] != b"%PDF-":
        raise GuideReadError(path, "not a PDF file")
    pages: list[str] = []
    lines: list[tuple[int, list[dict[str, Any]]]] = []
    raw_tables: list[_RawTable] = []
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                text_lines = page.extract_text_lines(layout=False, strip=True)
                lines.append((number, text_lines))
                pages.append(normalize_space(" ".join(line["text"] for line in text_lines)))
                for table in page.find_tables():
                    rows = tuple(
                        tuple(normalize_space(cell or "") for cell in row)
                        for row in table.extract()
                    )
                    rows = tuple(row for row in rows if any(row))
                    if rows:
                        share = float(table.bbox[1]) / float(page.height or 1)
                        raw_tables.append(_RawTable(number, share, rows))
                page.close()  # drop the page's parsed objects: a 200-page guide stays small
    except GuideReadError:
        raise
    except PDFSyntaxError:
        raise GuideReadError(path, "not a readable PDF") from None
    except Exception as error:  # pdfminer raises many types for broken or encrypted files
        raise GuideReadError(path, f"cannot read the PDF ({type(error).__name__})") from None
    if not any(pages):
        raise GuideReadError(path, "no text layer (a scanned image needs OCR first)")
    tables = merge_tables(raw_tables)
    passages = [*_line_passages(lines), *_row_passages(tables)]
    return GuideDocument(pages=tuple(pages), passages=tuple(passages), tables=tables)


def _line_passages(pages: Iterable[tuple[int, list[dict[str, Any]]]]) -> Iterator[Passage]:
    line_index = 0
    sentence_index = 0
    for number, lines in pages:
        for block in _blocks(lines):
            for line in block:
                yield Passage(number, line, "line", line_index)
                line_index += 1
            for sentence in _SENTENCE_END.split(" ".join(block)):
                if sentence:
                    yield Passage(number, sentence, "sentence", sentence_index)
                    sentence_index += 1


def _blocks(lines: list[dict[str, Any]]) -> Iterator[list[str]]:
    block: list[str] = []
    previous_bottom: float | None = None
    for line in lines:
        text = normalize_space(str(line["text"]))
        if not text:
            continue
        top, bottom = float(line["top"]), float(line["bottom"])
        height = max(bottom - top, 1.0)
        if previous_bottom is not None and top - previous_bottom > height * (_BLOCK_GAP - 1):
            yield block
            block = []
        block.append(text)
        previous_bottom = bottom
    if block:
        yield block


def _row_passages(tables: Iterable[GuideTable]) -> Iterator[Passage]:
    index = 0
    for table in tables:
        for row in table.rows:
            yield Passage(row.page, row.text, "row", index)
            index += 1


def merge_tables(raw: Iterable[_RawTable]) -> tuple[GuideTable, ...]:
    """Join tables continued on the next page under a repeated header row."""
    merged: list[GuideTable] = []
    for table in raw:
        head = table.rows[0]
        previous = merged[-1] if merged else None
        continues = (
            previous is not None
            and previous.header
            and _last_page(previous) == table.page - 1
            and table.top_share <= _TABLE_TOP
            and tuple(cell.lower() for cell in head) == previous.header
        )
        if continues and previous is not None:
            rows = tuple(TableRow(table.page, row) for row in table.rows[1:])
            merged[-1] = GuideTable(previous.header, previous.rows + rows, previous.first_page)
            continue
        header = tuple(cell.lower() for cell in head) if _looks_like_header(head) else ()
        body = table.rows[1:] if header else table.rows
        merged.append(
            GuideTable(header, tuple(TableRow(table.page, row) for row in body), table.page)
        )
    return tuple(merged)


def _last_page(table: GuideTable) -> int:
    return table.rows[-1].page if table.rows else table.first_page


_HEADER_WORDS = re.compile(
    r"^(element|data element|name|value|item|loop|segment|code|description|aaa03|stc|"
    r"service type|version|date|change|setting|meaning|usage|note|action|supported|"
    r"requirement|.* value|.* note|.* code|.* requirements?|submitter action|what .*|"
    r"element length|length|explanation|next step|.* step|reason code|reason)$",
    re.IGNORECASE,
)


def _looks_like_header(row: tuple[str, ...]) -> bool:
    """A header row: every non-empty cell is a column title, not data."""
    cells = [cell for cell in row if cell]
    return bool(cells) and all(_HEADER_WORDS.match(cell) for cell in cells)


def quote_document(quote: str, page: int, *, page_text: str | None = None) -> GuideDocument:
    """A document whose only passages are ``quote`` on ``page``, for the rules to re-read.

    ``page_text`` is the cited page's whole text, when known: rules that look at
    the page around a line (an AAA code table's page mentions AAA) see it.
    """
    text = normalize_space(quote)
    passages = tuple(Passage(page, text, kind, 0) for kind in ("line", "sentence", "row"))
    pages = (*("" for _ in range(page - 1)), page_text or text)
    return GuideDocument(pages=pages, passages=passages, tables=())
