"""Generated 270 cases: one per search option and quirk the guide states."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eligate.onboarding import example_member_id, generate_cases, write_cases
from eligate.onboarding._onboard import onboard_document
from eligate.payers import PayerConfig
from tests.onboarding.conftest import GUIDES, read_once


def _config(payer: str) -> PayerConfig:
    document = read_once(GUIDES / f"{payer}.pdf")
    draft, _ = onboard_document(document, payer, source=f"{payer}.pdf")
    return draft.config


def test_every_quirk_of_pine_meadow_gets_a_case() -> None:
    """Format, required fields, suffix, dependent, service type, EQ limit and AAA cases."""
    names = [case["name"] for case in generate_cases(_config("pinemeadow"))]
    for expected in (
        "search_with_required_fields",
        "member_id_wrong_format",
        "missing_birth_date",
        "card_suffix_stripped",
        "dependent_sent_as_subscriber",
        "unsupported_service_type",
        "eq_limit",
        "aaa_42",
        "aaa_72",
    ):
        assert expected in names


def test_case_expectations_follow_the_guide() -> None:
    """The suffix case expects the stripped ID; the AAA 42 case no resend before 300 s."""
    cases = {case["name"]: case for case in generate_cases(_config("pinemeadow"))}
    suffix = cases["card_suffix_stripped"]
    assert suffix["request"]["subscriber"]["member_id"] == "PMH000000001-01"
    assert suffix["expect"]["sent_member_id"] == "PMH000000001"
    aaa = cases["aaa_42"]
    assert aaa["simulate"] == {"aaa": "42"}
    assert aaa["expect"]["payer_calls"] == 1
    assert aaa["expect"]["retry_after_seconds"] == 300
    assert cases["member_id_wrong_format"]["expect"] == {"sent": False, "action": "fix_member_id"}


def test_dependents_without_own_id_go_under_the_subscriber() -> None:
    """Lakeshore sends dependents in 2100D: the case expects that."""
    names = [case["name"] for case in generate_cases(_config("lakeshore"))]
    assert "dependent_under_subscriber" in names
    assert "dependent_sent_as_subscriber" not in names


@pytest.mark.parametrize(
    "pattern", ["PMH[0-9]{9}", "R[0-9]{10}", "SC-[0-9]{7}", "[0-9]{9}", "[A-Z0-9]{12}"]
)
def test_example_member_id_matches_its_pattern(pattern: str) -> None:
    """The synthetic member ID for a pattern fully matches it."""
    example = example_member_id(pattern)
    assert example is not None
    assert re.fullmatch(pattern, example)


def test_hand_written_pattern_gives_no_example() -> None:
    """A pattern outside the simple shapes onboarding writes gives no made-up ID."""
    assert example_member_id("(A|B)[0-9]+") is None


def test_cases_are_written_one_file_each(tmp_path: Path) -> None:
    """write_cases writes numbered JSON files and clears old ones."""
    (tmp_path / "old.json").write_text("{}", encoding="utf-8")
    paths = write_cases(_config("summitcrest"), tmp_path)
    assert not (tmp_path / "old.json").exists()
    assert paths[0].name.startswith("01_")
    assert json.loads(paths[0].read_text(encoding="utf-8"))["name"]
