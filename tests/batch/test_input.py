"""Appointment lists: CSV, JSON Lines and Parquet; bad rows refused one by one."""

from __future__ import annotations

import io
import json

import pytest

from eligate.batch import AppointmentFileError, file_format, read_appointments
from tests.batch.conftest import appointments_csv, row_of


def test_csv_rows_parse_into_appointments() -> None:
    """A valid row becomes an appointment with its service types split."""
    data = appointments_csv([row_of(service_type_codes="30 98  mh")])
    (parsed,) = read_appointments(data, fmt="csv", name="a.csv")
    assert parsed.refusal is None
    assert parsed.appointment is not None
    assert parsed.appointment.service_type_codes == ("30", "98", "MH")
    assert parsed.appointment.appointment_at.utcoffset() is not None


def test_bad_rows_are_refused_one_by_one_with_stable_codes() -> None:
    """Each bad row gets its row number and code; the good rows around it still parse."""
    data = appointments_csv([
        row_of(),
        row_of(birth_date="1985-13-45"),
        row_of(member_id=""),
        row_of(appointment_at="2027-06-15T09:00:00"),
        row_of(service_type_codes="30 ???"),
        row_of(dependent_last_name="KID"),
        row_of(provider_npi="12345"),
        row_of(),
    ])  # fmt: skip
    parsed = list(read_appointments(data, fmt="csv", name="a.csv"))
    codes = [(p.row, p.refusal.code if p.refusal else None) for p in parsed]
    assert codes == [
        (1, None),
        (2, "bad_birth_date"),
        (3, "missing_member_id"),
        (4, "bad_appointment_at"),
        (5, "bad_service_type_codes"),
        (6, "incomplete_dependent"),
        (7, "bad_provider_npi"),
        (8, None),
    ]


def test_refusal_lines_carry_no_member_data() -> None:
    """A refusal names the row, the code and the column, never the value."""
    data = appointments_csv([row_of(birth_date="1985-13-45", member_id="SYN424242")])
    (parsed,) = read_appointments(data, fmt="csv", name="a.csv")
    assert parsed.refusal is not None
    line = parsed.refusal.line()
    assert line == "row 1: bad_birth_date (birth_date)"
    assert "1985" not in line
    assert "SYN424242" not in line


def test_a_file_without_a_required_column_is_refused_whole() -> None:
    """No member_id column: the file's error names the missing column."""
    with pytest.raises(AppointmentFileError) as caught:
        list(read_appointments(b"appointment_id,payer_id\nA,alpha\n", fmt="csv", name="a.csv"))
    assert caught.value.code == "missing_columns"
    assert "member_id" in str(caught.value)


def test_json_lines_refuse_a_line_that_is_not_json() -> None:
    """A broken line is refused as bad_json; its neighbours parse."""
    lines = [json.dumps(row_of()), "{not json", json.dumps(row_of(appointment_id="APT-2"))]
    parsed = list(read_appointments("\n".join(lines).encode(), fmt="jsonl", name="a.jsonl"))
    assert [(p.row, p.refusal.code if p.refusal else None) for p in parsed] == [
        (1, None),
        (2, "bad_json"),
        (3, None),
    ]


def test_parquet_with_typed_columns_is_read() -> None:
    """Parquet timestamps and dates are read like their ISO text."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    row = row_of()
    table = pa.Table.from_pylist([
        {**row, "appointment_at": dt.datetime(2027, 6, 15, 13, 0, tzinfo=dt.UTC),
         "birth_date": dt.date(1980, 1, 2)},
        {**row, "appointment_at": dt.datetime(2027, 6, 15, 14, 0, tzinfo=dt.UTC),
         "birth_date": None},
    ])  # fmt: skip
    sink = io.BytesIO()
    pq.write_table(table, sink)
    parsed = list(read_appointments(sink.getvalue(), fmt="parquet", name="a.parquet"))
    assert parsed[0].appointment is not None
    assert parsed[0].appointment.appointment_at == dt.datetime(2027, 6, 15, 13, 0, tzinfo=dt.UTC)
    assert parsed[1].refusal is not None
    assert parsed[1].refusal.code == "missing_birth_date"


def test_unknown_suffix_is_refused() -> None:
    """Only .csv, .parquet and .jsonl are read."""
    from pathlib import Path

    with pytest.raises(AppointmentFileError) as caught:
        file_format(Path("list.xlsx"))
    assert caught.value.code == "unsupported_format"
