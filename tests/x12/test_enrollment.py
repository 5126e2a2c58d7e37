"""The 834 reader: member loops, coverages, dates and quirks, on synthetic files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from eligate.x12 import Member834, NotAn834Error, read_enrollment
from tests.strategies import Element, Rendering, enrollments, render, renderings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "x12_834"
PLAIN = Rendering("*", ":", "^", "~", "\n", "", bom=False)


def _members(name: str) -> tuple[Member834, ...]:
    (transaction,) = read_enrollment((FIXTURES / name).read_bytes())
    return transaction.members


def test_change_file_header() -> None:
    """BGN reference, date and action code, and the sponsor and insurer N1 names are read."""
    (transaction,) = read_enrollment((FIXTURES / "employer_changes.834").read_bytes())
    assert transaction.reference == "SYNENR20241125"
    assert transaction.created == date(2024, 11, 25)
    assert transaction.action_code == "2"
    assert transaction.sponsor == "SYNTHETIC MANUFACTURING CO"
    assert transaction.insurer == "SYNTHETIC BLUE PLAN"
    assert transaction.warnings == ()
    assert len(transaction.members) == 5


def test_addition_of_subscriber_and_dependent() -> None:
    """INS 021/28 with REF 0F/1L/23, NM1 IL, DMG, HD and DTP 348/356 are read per member."""
    subscriber, child, *_ = _members("employer_changes.834")
    assert subscriber.subscriber
    assert subscriber.relationship_code == "18"
    assert (subscriber.maintenance_type_code, subscriber.maintenance_reason_code) == ("021", "28")
    assert subscriber.benefit_status_code == "A"
    assert subscriber.employment_status_code == "FT"
    assert (subscriber.subscriber_id, subscriber.group_number) == ("SYN100201", "GRP77001")
    assert subscriber.client_number == "SYN100201"
    assert (subscriber.last_name, subscriber.first_name, subscriber.middle_name) == (
        "TESTPATIENT",
        "ALEX",
        "Q",
    )
    assert (subscriber.id_qualifier, subscriber.id) == ("34", "999000201")
    assert subscriber.birth_date == date(1980, 1, 1)
    assert subscriber.gender_code == "F"
    assert subscriber.eligibility_begin == date(2024, 11, 22)
    (coverage,) = subscriber.coverages
    assert (coverage.maintenance_type_code, coverage.insurance_line_code) == ("021", "HLT")
    assert (coverage.plan_description, coverage.coverage_level_code) == ("GOLD PPO", "EMP")
    assert coverage.begin == date(2024, 11, 22)
    assert coverage.end is None
    assert coverage.policy_number == "GRP77001"
    assert not child.subscriber
    assert child.relationship_code == "19"
    assert child.client_number == "SYN100202"
    assert child.identifiers == ("SYN100202", "SYN100201")


def test_termination_audit_and_change() -> None:
    """INS 024 with DTP 349/357 is a cancellation; 030 audit and 001 change with 303 are not."""
    _, _, terminated, audited, changed = _members("employer_changes.834")
    assert terminated.cancelled
    assert terminated.employment_status_code == "TE"
    assert terminated.eligibility_end == date(2024, 10, 31)
    assert terminated.coverages[0].end == date(2024, 10, 31)
    assert not audited.cancelled
    assert audited.coverages[0].begin == date(2022, 1, 1)
    assert changed.maintenance_effective == date(2024, 11, 1)
    assert changed.coverages[0].maintenance_effective == date(2024, 11, 1)
    assert changed.client_number == "SYN7700501"


def test_quirky_file_is_read_with_warnings() -> None:
    """Pipes, backtick components, BOM, CRLF, indentation, no trailers, bad dates: read, warned."""
    (transaction,) = read_enrollment((FIXTURES / "quirks_pipe_crlf.834").read_bytes())
    codes = [w.code for w in transaction.warnings]
    assert "missing_ge" in codes
    assert "missing_iea" in codes
    assert codes.count("invalid_date") == 3
    assert all("1970" not in w.message for w in transaction.warnings)  # birth dates stay out
    first, second = transaction.members
    assert first.birth_date is None
    assert first.coverages[0].begin == date(2024, 1, 1)
    assert first.coverages[0].end == date(2024, 12, 31)  # RD8 on DTP*348
    assert first.coverages[0].policy_number == ""  # the 2310 provider's REF*1L is not the policy
    assert first.benefit_status_code == "A"
    dental, health = second.coverages
    assert dental.begin is None
    assert (health.begin, health.policy_number) == (date(2024, 11, 20), "GRP88002")


def test_4010_newline_terminated_full_file() -> None:
    """A 4010 full file with newline terminators reads; COBRA status and 349 are kept."""
    (transaction,) = read_enrollment((FIXTURES / "full_file_4010.834").read_bytes())
    assert "legacy_4010" in [w.code for w in transaction.warnings]
    assert transaction.action_code == "4"
    active, cobra = transaction.members
    assert active.benefit_status_code == "A"
    assert cobra.benefit_status_code == "C"
    assert cobra.coverages[0].end == date(2025, 2, 28)
    assert not cobra.cancelled


def test_a_271_is_not_an_834() -> None:
    """A 271 given as enrollment is refused with the stable code ``not_834``."""
    sample = Path(__file__).resolve().parents[2] / "samples" / "commercial_ppo_active.271"
    with pytest.raises(NotAn834Error) as caught:
        read_enrollment(sample.read_bytes())
    assert caught.value.code == "not_834"
    assert "271" in str(caught.value)


def _facts(data: bytes) -> list[tuple[object, ...]]:
    (transaction,) = read_enrollment(data)
    return [
        (
            m.maintenance_type_code,
            m.benefit_status_code,
            m.subscriber_id,
            m.client_number,
            m.last_name,
            m.birth_date,
            m.eligibility_begin,
            tuple((c.maintenance_type_code, c.begin) for c in m.coverages),
        )
        for m in transaction.members
    ]


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(segments=enrollments(), how=renderings())
def test_any_rendering_reads_the_same_members(
    segments: list[tuple[Element, ...]], how: Rendering
) -> None:
    """Random delimiters, line ends, indentation and BOM never change the members read."""
    expected = _facts(render(segments, PLAIN))
    assert _facts(render(segments, how)) == expected
    members = sum(1 for s in segments if s[0] == "INS")
    assert len(expected) == members
