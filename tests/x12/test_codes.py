"""X12 005010X279A1 code sets: the data files and their loader."""

from __future__ import annotations

import re
from types import MappingProxyType

import pytest

from eligate.x12 import Code, CodeSet, code_set, code_set_keys

EXPECTED_KEYS = (
    "aaa01",
    "aaa03",
    "aaa04",
    "dmg03",
    "dtp01",
    "dtp02",
    "eb01",
    "eb02",
    "eb03",
    "eb04",
    "eb06",
    "eb09",
    "eb11",
    "eb12",
    "eb13_01",
    "hl03",
    "ins02",
    "nm101",
    "nm108",
    "per03",
    "ref01",
)
"""Every code set the brief asks for; more may be added, none removed."""

SNAKE_CASE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")

REQUIRED_NAMES: dict[str, dict[str, str]] = {
    "eb01": {
        "1": "active_coverage",
        "6": "inactive",
        "A": "co_insurance",
        "B": "co_payment",
        "C": "deductible",
        "D": "benefit_description",
        "F": "limitations",
        "G": "out_of_pocket_stop_loss",
        "I": "non_covered",
        "L": "primary_care_provider",
        "N": "services_restricted_to_following_provider",
        "P": "benefit_disclaimer",
        "R": "other_or_additional_payor",
        "U": "contact_following_entity_for_eligibility_or_benefit_information",
        "V": "cannot_process",
        "W": "other_source_of_data",
        "X": "health_care_facility",
        "Y": "spend_down",
        "CB": "coverage_basis",
        "MC": "managed_care_coordinator",
    },
    "eb02": {
        "IND": "individual",
        "FAM": "family",
        "EMP": "employee_only",
        "ESP": "employee_and_spouse",
        "ECH": "employee_and_children",
        "CHD": "children_only",
        "DEP": "dependents_only",
        "SPC": "spouse_and_children",
        "SPO": "spouse_only",
        "TWO": "two_party",
    },
    "eb03": {
        "1": "medical_care",
        "4": "diagnostic_x_ray",
        "5": "diagnostic_lab",
        "30": "health_benefit_plan_coverage",
        "33": "chiropractic",
        "35": "dental_care",
        "47": "hospital",
        "48": "hospital_inpatient",
        "50": "hospital_outpatient",
        "62": "mri_cat_scan",
        "73": "diagnostic_medical",
        "86": "emergency_services",
        "88": "pharmacy",
        "98": "professional_physician_visit_office",
        "A4": "psychiatric",
        "AL": "vision_optometry",
        "BZ": "physician_visit_office_well",
        "MH": "mental_health",
        "UC": "urgent_care",
    },
    "eb04": {
        "MA": "medicare_part_a",
        "MB": "medicare_part_b",
        "MC": "medicaid",
        "QM": "qualified_medicare_beneficiary",
        "HM": "hmo",
        "PR": "preferred_provider_organization",
        "OT": "other",
    },
    "eb06": {
        "6": "hour",
        "7": "day",
        "22": "service_year",
        "23": "calendar_year",
        "24": "year_to_date",
        "27": "visit",
        "29": "remaining",
        "32": "lifetime",
        "33": "lifetime_remaining",
    },
    "eb09": {"VS": "visits", "DY": "days"},
    "eb12": {"Y": "in_network", "N": "out_of_network", "W": "both", "U": "unknown"},
    "aaa03": {
        "42": "unable_to_respond_at_current_time",
        "50": "provider_ineligible_for_inquiries",
        "51": "provider_not_on_file",
        "72": "invalid_missing_subscriber_insured_id",
        "75": "subscriber_insured_not_found",
    },
    "dtp01": {
        "102": "issue",
        "291": "plan",
        "307": "eligibility",
        "346": "plan_begin",
        "347": "plan_end",
        "356": "eligibility_begin",
        "357": "eligibility_end",
        "472": "service",
    },
    "nm101": {
        "03": "dependent",
        "1P": "provider",
        "IL": "insured_or_subscriber",
        "P3": "primary_care_provider",
        "PR": "payer",
        "VN": "vendor",
    },
    "hl03": {
        "20": "information_source",
        "21": "information_receiver",
        "22": "subscriber",
        "23": "dependent",
    },
}
"""Names other modules and callers rely on: they must not drift."""

EXACT_CODES: dict[str, set[str]] = {
    "eb01": {*"12345678", *"ABCDEFGHIJKLMNOPQRSTUVWXY", "CB", "MC"},
    "eb06": {"6", "7", "13", *(str(n) for n in range(21, 37))},
    "eb09": {
        *("8H", "99", "CA", "CE", "D3", "DB", "DY", "HS", "LA", "LE"),
        *("M2", "MN", "P6", "QA", "S7", "S8", "VS", "YY"),
    },
    "eb11": {"Y", "N", "U"},
    "eb12": {"Y", "N", "W", "U"},
    "eb13_01": {"AD", "CJ", "HC", "ID", "IV", "N4", "ZZ"},
    "aaa01": {"Y", "N"},
    "aaa04": {"C", "N", "P", "R", "S", "W", "X", "Y"},
    "dtp02": {"D8", "RD8"},
    "dmg03": {"F", "M", "U"},
    "hl03": {"20", "21", "22", "23"},
}
"""Small sets whose X279A1 list is short enough to pin whole."""

EB03_SPOT_CHECKS = (
    *(str(n) for n in range(1, 29)),
    "30",
    "32",
    "33",
    "35",
    "47",
    "48",
    "50",
    "86",
    "88",
    "98",
    "99",
    "A0",
    "A4",
    "A9",
    "AL",
    "AR",
    "B1",
    "B3",
    "BZ",
    "C1",
    "CQ",
    "DG",
    "DM",
    "DS",
    "GY",
    "IC",
    "MH",
    "NI",
    "ON",
    "PT",
    "PU",
    "RN",
    "RT",
    "TC",
    "TN",
    "UC",
)
"""Service type codes from across the X279A1 list."""

EB04_CODES = {
    *("12", "13", "14", "15", "16", "41", "42", "43", "47", "AP", "C1", "CO", "CP", "D"),
    *("DB", "EP", "FF", "GP", "HM", "HN", "HS", "IN", "IP", "LC", "LD", "LI", "LT", "MA"),
    *("MB", "MC", "MH", "MI", "MP", "OT", "PE", "PL", "PP", "PR", "PS", "QM", "RP", "SP"),
    *("TF", "WC", "WU"),
}
"""The X279A1 insurance type codes."""


@pytest.fixture(params=code_set_keys())
def each_set(request: pytest.FixtureRequest) -> CodeSet:
    """Every code set shipped with the package, one at a time."""
    key: str = request.param
    return code_set(key)


def test_every_expected_set_is_shipped() -> None:
    """The data folder holds every set the normalizer and validators look up."""
    assert set(EXPECTED_KEYS) <= set(code_set_keys())
    assert list(code_set_keys()) == sorted(code_set_keys())


def test_every_set_loads(each_set: CodeSet) -> None:
    """Each file parses into a non-empty set whose key, element and title are filled."""
    assert len(each_set) > 0
    assert each_set.key in code_set_keys()
    assert each_set.element
    assert each_set.title
    assert all(isinstance(code, Code) for code in each_set.codes.values())


def test_codes_are_read_only(each_set: CodeSet) -> None:
    """A loaded set cannot be changed by a caller."""
    assert isinstance(each_set.codes, MappingProxyType)


def test_names_are_snake_case(each_set: CodeSet) -> None:
    """Every readable name is lowercase ascii letters, digits and single underscores."""
    bad = [c.name for c in each_set.codes.values() if not SNAKE_CASE.fullmatch(c.name)]
    assert bad == []


def test_names_are_unique_within_a_set(each_set: CodeSet) -> None:
    """No two codes of one set share a readable name."""
    names = [c.name for c in each_set.codes.values()]
    assert len(names) == len(set(names))


def test_codes_are_clean(each_set: CodeSet) -> None:
    """Keys carry no padding, agree with their Code, and every description is filled."""
    for key, code in each_set.codes.items():
        assert key == key.strip() != ""
        assert code.code == key
        assert code.description == code.description.strip() != ""


@pytest.mark.parametrize(
    ("key", "code", "name"),
    [(key, code, name) for key, names in REQUIRED_NAMES.items() for code, name in names.items()],
)
def test_required_names(key: str, code: str, name: str) -> None:
    """The readable names other modules rely on are exactly as agreed."""
    assert code_set(key).name(code) == name


@pytest.mark.parametrize(("key", "codes"), list(EXACT_CODES.items()))
def test_short_sets_are_complete(key: str, codes: set[str]) -> None:
    """Short X279A1 lists hold exactly their published codes."""
    assert set(code_set(key).codes) == codes


def test_eb02_coverage_levels() -> None:
    """EB02 holds the X279A1 coverage levels plus Two Party."""
    levels = {"CHD", "DEP", "ECH", "EMP", "ESP", "FAM", "IND", "SPC", "SPO", "TWO"}
    assert set(code_set("eb02").codes) == levels


def test_eb03_is_the_full_service_type_list() -> None:
    """EB03 is every X279A1 service type code, not a sample."""
    services = code_set("eb03")
    assert len(services) >= 180
    missing = [code for code in EB03_SPOT_CHECKS if code not in services]
    assert missing == []
    assert "29" not in services
    assert "31" not in services
    assert services.description("30") == "Health Benefit Plan Coverage"


def test_eb04_insurance_types() -> None:
    """EB04 holds every X279A1 insurance type code."""
    assert set(code_set("eb04").codes) == EB04_CODES
    assert code_set("eb04").description("PR") == "Preferred Provider Organization (PPO)"


def test_eb01_mc_is_managed_care_coordinator() -> None:
    """MC is a valid 5010 EB01 code, not a Medicaid insurance type."""
    assert code_set("eb01").description("MC") == "Managed Care Coordinator"


def test_aaa03_reject_reasons() -> None:
    """AAA03 has the 270/271 reject reasons and nothing invented."""
    reasons = code_set("aaa03")
    for code in ("04", "15", "33", "35", "42", "50", "51", "72", "75", "79", "80", "97", "T4"):
        assert code in reasons
    assert all(str(n) in reasons for n in (*range(41, 59), *range(60, 81)) if n != 59)
    assert "59" not in reasons
    assert "RC" not in reasons


def test_dtp01_covers_the_271_date_qualifiers() -> None:
    """DTP01 holds every date qualifier the 270/271 loops use."""
    qualifiers = code_set("dtp01")
    expected = (
        *("096", "102", "152", "193", "194", "198", "290", "291", "292", "295", "304"),
        *("307", "318", "340", "341", "342", "343", "346", "347", "348", "349", "356"),
        *("357", "382", "435", "442", "458", "472", "539", "540", "636", "771"),
    )
    assert [code for code in expected if code not in qualifiers] == []


def test_4010_only_codes_are_marked() -> None:
    """Codes dropped in 5010 but seen in 4010 files say so in their description."""
    assert code_set("ins02").description("34") == "Other Adult (4010)"
    assert code_set("nm108").description("ZZ") == "Mutually Defined (4010)"
    for key, code in code_set("eb03").codes.items():
        assert "(4010)" not in code.description, key


def test_unknown_code_is_none_and_not_in() -> None:
    """A code outside the set has no name or description and is not ``in`` it."""
    services = code_set("eb03")
    assert services.name("ZZ9") is None
    assert services.description("ZZ9") is None
    assert "ZZ9" not in services
    assert " 30" not in services
    assert "30" in services


def test_contains_accepts_any_object() -> None:
    """``in`` answers False for non-strings instead of raising."""
    services = code_set("eb03")
    assert 30 not in services
    assert None not in services
    assert ["30"] not in services


def test_unknown_set_raises_value_error() -> None:
    """Asking for a set that is not shipped is a ValueError naming the key."""
    with pytest.raises(ValueError, match="unknown code set 'nope'"):
        code_set("nope")


@pytest.mark.parametrize("key", ["", "../x12/_codes", "eb03.json", "EB03 ", "codesets/eb03"])
def test_odd_keys_raise_value_error(key: str) -> None:
    """Keys that are not plain file stems never reach the file system."""
    with pytest.raises(ValueError, match="unknown code set"):
        code_set(key)


def test_sets_are_cached() -> None:
    """A set is read once: later calls return the same object."""
    assert code_set("eb01") is code_set("eb01")


def test_code_and_code_set_are_frozen() -> None:
    """Loaded values cannot be reassigned."""
    from dataclasses import FrozenInstanceError

    active = code_set("eb01").codes["1"]
    with pytest.raises(FrozenInstanceError):
        active.name = "changed"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        code_set("eb01").title = "changed"  # type: ignore[misc]
