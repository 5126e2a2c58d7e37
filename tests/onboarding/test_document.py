"""Reading guides: passages with pages, tables merged across pages, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligate.onboarding import GuideReadError, read_guide
from eligate.onboarding._document import merge_tables, normalize_space
from tests.onboarding.conftest import GUIDES, read_once


def test_table_across_pages_is_merged_by_repeated_header() -> None:
    """Pine Meadow's service type table runs from page 3 to 4 and reads as one table."""
    document = read_once(GUIDES / "pinemeadow.pdf")
    tables = [table for table in document.tables if table.header_has("service type")]
    assert len(tables) == 1
    pages = {row.page for row in tables[0].rows}
    assert pages == {3, 4}
    assert [row.cells[0] for row in tables[0].rows][:2] == ["30", "1"]
    assert all(row.cells[0] != "Service Type Code" for row in tables[0].rows)


def test_aaa_table_across_pages_keeps_each_rows_page() -> None:
    """Harbor Light's AAA table spans pages 5 and 6; each row cites its own page."""
    document = read_once(GUIDES / "harborlight.pdf")
    table = next(table for table in document.tables if table.header_has("what the"))
    by_code = {row.cells[0]: row.page for row in table.rows}
    assert by_code["41"] == 5
    assert by_code["79"] == 6


def test_passages_keep_page_and_are_on_the_page() -> None:
    """Every passage's words are in its page's text."""
    document = read_once(GUIDES / "riverbend.pdf")
    for passage in document.of_kind("line", "sentence"):
        assert passage.text in document.page_text(passage.page)


def test_scanned_looking_spacing_still_reads_as_lines() -> None:
    """Summit Crest's uneven word spacing comes out as ordinary lines."""
    document = read_once(GUIDES / "summitcrest.pdf")
    lines = [passage.text for passage in document.of_kind("line")]
    assert "Supported service types: 30, 1, 33, 47, 86, 88." in lines


def test_unmapped_glyph_becomes_a_bullet() -> None:
    """Pdfminer's ``(cid:127)`` for a bullet glyph is read as a bullet."""
    assert normalize_space("(cid:127)  42:  retry") == "\u2022 42: retry"


def test_missing_file_is_refused(tmp_path: Path) -> None:
    """A path with no file is a GuideReadError naming the path."""
    with pytest.raises(GuideReadError, match="no such file"):
        read_guide(tmp_path / "absent.pdf")


def test_not_a_pdf_is_refused(tmp_path: Path) -> None:
    """A text file is refused as not a PDF."""
    path = tmp_path / "guide.pdf"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(GuideReadError, match="not a PDF"):
        read_guide(path)


def test_broken_pdf_is_refused(tmp_path: Path) -> None:
    """A truncated PDF is refused with one line, not a pdfminer traceback."""
    path = tmp_path / "broken.pdf"
    path.write_bytes((GUIDES / "riverbend.pdf").read_bytes()[:400])
    with pytest.raises(GuideReadError) as raised:
        read_guide(path)
    assert "\n" not in str(raised.value)


def test_merge_needs_the_same_header_on_the_next_page() -> None:
    """A table on the next page with another header stays a table of its own."""
    from eligate.onboarding._document import _RawTable

    merged = merge_tables(
        [
            _RawTable(1, 0.5, (("Code", "Description"), ("42", "a"))),
            _RawTable(2, 0.1, (("Element", "Value"), ("ISA05", "ZZ"))),
            _RawTable(3, 0.1, (("Element", "Value"), ("ISA07", "ZZ"))),
        ]
    )
    assert [table.header for table in merged] == [("code", "description"), ("element", "value")]
    assert [row.page for row in merged[1].rows] == [2, 3]
