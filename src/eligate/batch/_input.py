"""Appointment lists as CSV, Parquet or JSON Lines: one :class:`ParsedRow` per row.

A bad row is refused on its own (its row number and a stable code); only a file
that cannot be read at all, or lacks a required column, is refused whole. No
message carries a value from the file: member data stays out of logs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eligate.batch._models import INPUT_COLUMNS, REQUIRED_COLUMNS, Appointment, ParsedRow, Refusal
from eligate.batch.errors import AppointmentFileError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
           ".ndjson": "jsonl"}  # fmt: skip
"""File suffixes and the reader each selects."""

_DEPENDENT = ("dependent_last_name", "dependent_first_name", "dependent_birth_date")


def file_format(path: Path) -> str:
    """The reader for ``path`` by its suffix.

    Raises:
        AppointmentFileError: the suffix is not one of :data:`FORMATS`.
    """
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise AppointmentFileError(
            "unsupported_format",
            "expected .csv, .parquet or .jsonl (JSON Lines)",
            path=str(path.name),
        )
    return found


def read_appointments(data: bytes, *, fmt: str, name: str) -> Iterator[ParsedRow]:
    """Every row of an appointment list in ``data``, parsed or refused.

    Args:
        data: the file's bytes.
        fmt: ``csv``, ``parquet`` or ``jsonl``.
        name: the file's name, for messages.

    Raises:
        AppointmentFileError: the file is not of that format, or lacks a required column.
    """
    if fmt == "csv":
        rows = _csv_rows(data, name)
    elif fmt == "jsonl":
        rows = _jsonl_rows(data, name)
    elif fmt == "parquet":
        rows = _parquet_rows(data, name)
    else:
        raise AppointmentFileError("unsupported_format", f"no reader for {fmt!r}", path=name)
    for number, values in rows:
        yield parse_row(number, values)


def parse_row(number: int, values: Mapping[str, Any] | None) -> ParsedRow:
    """One row's values as an :class:`Appointment`, or its :class:`Refusal`."""
    if values is None:
        return ParsedRow(number, {}, None, Refusal(number, "bad_json"))
    kept = {column: _text(values.get(column)) for column in INPUT_COLUMNS}
    for column in REQUIRED_COLUMNS:
        if not kept[column].strip():
            return ParsedRow(number, kept, None, Refusal(number, f"missing_{column}", column))
    try:
        appointment = Appointment.model_validate(kept)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        where = str(first["loc"][0]) if first["loc"] else None
        code = f"bad_{where}" if where else "bad_row"
        return ParsedRow(number, kept, None, Refusal(number, code, where))
    named = [bool(kept[c].strip()) for c in _DEPENDENT]
    if any(named) and not all(named):
        return ParsedRow(number, kept, None, Refusal(number, "incomplete_dependent"))
    return ParsedRow(number, kept, appointment, None)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(str(part) for part in value)
    return str(value)


def _check_columns(columns: Iterable[str], name: str) -> None:
    present = {column.strip() for column in columns}
    missing = [column for column in REQUIRED_COLUMNS if column not in present]
    if missing:
        raise AppointmentFileError(
            "missing_columns", f"required column(s) missing: {', '.join(missing)}", path=name
        )


def _csv_rows(data: bytes, name: str) -> Iterator[tuple[int, Mapping[str, Any] | None]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AppointmentFileError("not_utf8", "not UTF-8 text", path=name) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None:
        raise AppointmentFileError("empty_file", "no header row", path=name)
    _check_columns(reader.fieldnames, name)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, {key.strip(): value for key, value in row.items() if key is not None}
    except csv.Error as error:
        raise AppointmentFileError(
            "bad_csv", f"not CSV at line {reader.line_num}: {error}", path=name
        ) from None


def _jsonl_rows(data: bytes, name: str) -> Iterator[tuple[int, Mapping[str, Any] | None]]:
    checked = False
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            yield number, None
            continue
        if not isinstance(value, dict):
            yield number, None
            continue
        if not checked:
            _check_columns(value.keys(), name)
            checked = True
        yield number, value


def _parquet_rows(data: bytes, name: str) -> Iterator[tuple[int, Mapping[str, Any] | None]]:
    import pyarrow as pa  # noqa: PLC0415 - pyarrow costs ~0.2 s to import; only Parquet needs it
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        table = pq.ParquetFile(pa.BufferReader(data))
    except (pa.ArrowInvalid, OSError):
        raise AppointmentFileError("bad_parquet", "not a Parquet file", path=name) from None
    _check_columns(table.schema_arrow.names, name)
    number = 0
    for batch in table.iter_batches(batch_size=10_000):
        for row in batch.to_pylist():
            number += 1
            yield number, row
