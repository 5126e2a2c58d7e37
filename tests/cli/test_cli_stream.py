"""``eligate normalize`` streams: results as each set is read, an array or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from eligate.cli import app
from tests.big271 import big_271


def _normalize(*args: str) -> tuple[int, bytes, str]:
    done = CliRunner().invoke(app, ["normalize", *args])
    return done.exit_code, done.stdout_bytes, done.stderr


def test_jsonl_gives_the_array_items_one_per_line(tmp_path: Path) -> None:
    """--jsonl prints the same results as the array, one compact line each."""
    path = tmp_path / "batch.271"
    path.write_bytes(big_271(5))
    code, array, _ = _normalize(str(path))
    code_lines, lines, _ = _normalize("--jsonl", str(path))
    assert code == code_lines == 0
    assert [json.loads(line) for line in lines.splitlines()] == json.loads(array)
    assert len(lines.splitlines()) == 5


def test_array_of_many_files_is_one_valid_array(tmp_path: Path) -> None:
    """Results of several files form one array in the order of the files."""
    first, second = tmp_path / "a.271", tmp_path / "b.271"
    first.write_bytes(big_271(2))
    second.write_bytes(big_271(3, "many_isa"))
    code, out, _ = _normalize(str(first), str(second))
    assert code == 0
    assert [r["member_id"] for r in json.loads(out)] == [
        "SYN0000000",
        "SYN0000001",
        "SYN0000000",
        "SYN0000001",
        "SYN0000002",
    ]


def test_a_file_cut_short_keeps_the_results_before_the_cut(tmp_path: Path) -> None:
    """A batch whose last set has no SE: the sets before it are printed, then exit 2."""
    data = big_271(3)
    cut = data[: data.rindex(b"SE*")]
    path = tmp_path / "cut.271"
    path.write_bytes(cut)
    code, out, err = _normalize(str(path))
    assert code == 2
    assert len(json.loads(out)) == 2
    assert "error[truncated]" in err


def test_nothing_readable_prints_an_empty_array(tmp_path: Path) -> None:
    """No result at all is still a JSON array."""
    path = tmp_path / "empty.271"
    path.write_bytes(b"   ")
    code, out, _ = _normalize(str(path))
    assert code == 2
    assert json.loads(out) == []
