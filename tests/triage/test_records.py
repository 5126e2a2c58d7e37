"""Triage's reading of the batch export: columns, normalization of raw 271s, bad lines."""

from __future__ import annotations

import json

import pytest

from eligate.triage import OutcomeLineError, read_outcomes
from tests.triage.factories import record, reply


def test_raw_271_is_normalized_and_gated_when_results_are_absent() -> None:
    """A line with ``x12_271`` and no ``results`` gets gated results; the patient is found."""
    line = json.dumps(record(reply("EB*1*IND*30**GOLD PPO")))
    (outcome,) = read_outcomes([line, "", "   "])
    assert outcome.patient is not None
    assert outcome.patient.member_id == "SYN000123"
    assert outcome.patient.validation is not None
    assert outcome.patient.validation.verdict == "accepted"
    assert outcome.record.service_type_codes == ["30"]


def test_given_results_are_kept() -> None:
    """Results already in the line are used (and gated against the raw 271 if not yet)."""
    x12 = reply("EB*6*IND*30")
    (first,) = read_outcomes([json.dumps(record(x12))])
    results = [r.model_dump(mode="json") for r in first.results]
    (again,) = read_outcomes([json.dumps(record(x12, results=results))])
    assert again.results == first.results


def test_unknown_columns_are_ignored_and_codes_split() -> None:
    """Columns triage does not use are ignored; space-separated service types become a list."""
    line = json.dumps(record(None, service_type_codes="30 98  AL", extra_column="x"))
    (outcome,) = read_outcomes([line.encode()])
    assert outcome.record.service_type_codes == ["30", "98", "AL"]
    assert outcome.results == ()


def test_bad_lines_name_the_line_and_field_never_the_values() -> None:
    """Not JSON, a missing column, a naive time: one error with the line number and a code."""
    with pytest.raises(OutcomeLineError) as not_json:
        read_outcomes([json.dumps(record(None)), "{not json"])
    assert (not_json.value.code, not_json.value.line) == ("not_json", 2)
    missing = record(None)
    del missing["payer_id"]
    with pytest.raises(OutcomeLineError) as no_payer:
        read_outcomes([json.dumps(missing)])
    assert no_payer.value.code == "bad_outcome"
    assert "payer_id" in str(no_payer.value)
    naive = record(None, appointment_at="2026-11-30T14:00:00", member_id="SYN999777")
    with pytest.raises(OutcomeLineError) as no_offset:
        read_outcomes([json.dumps(naive)])
    assert "UTC offset" in str(no_offset.value)
    assert "SYN999777" not in str(no_offset.value)
    assert "TESTPATIENT" not in str(no_offset.value)


def test_dependent_patient_key() -> None:
    """A row naming a dependent is matched by the dependent's name and birth date."""
    line = json.dumps(
        record(None, dependent_last_name="testpatient", dependent_first_name="casey",
               dependent_birth_date="2015-06-15")
    )  # fmt: skip
    (outcome,) = read_outcomes([line])
    assert outcome.record.is_dependent
    assert outcome.record.patient_key[0] == "TESTPATIENT"
    assert str(outcome.record.patient_key[2]) == "2015-06-15"
