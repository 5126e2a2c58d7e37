"""The real-world corpus: every file normalized or refused, and facts read by hand.

Every expected value below was worked out by reading the raw files in
``../shared/corpus/x12/real/`` segment by segment (see its SOURCES.md), never
copied from the program's output. Segment positions count from ISA = 0 (from
GS = 0 where a file has no ISA). The corpus lives outside the repository: these
tests skip with a reason where it is absent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from eligate.normalizer import Benefit, EligibilityResult, Entity, normalize
from eligate.x12 import X12InputError

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "x12" / "real"
TS = "tigershark/"
TS2 = f"{TS}271-example-2.txt"
REL = f"{TS}271-related-entity.txt"
DEP = f"{TS}271-dependent-benefits.txt"
TS_REJ = f"{TS}271-example-dependent-rejection.txt"
OOP4 = "oopfactory-x12/parsing-samples/_271/_4010/"
TMHP = f"{OOP4}Example2_TMHP.txt"
HETS = f"{OOP4}Example3_CMS_HETS.txt"
DHHS = f"{OOP4}Example1_DHHS.txt"
MUNAWAR = f"{OOP4}FromMunawarAbad.txt"
TCPLEX = f"{OOP4}From_tcplex.txt"
IG312 = "oopfactory-x12/parsing-samples/_271/_5010/Example_3_1_2.txt"
GEORGIOSD = "oopfactory-x12/parsing-samples/_270/_5010/From_georgiosd.txt"  # a 271 all the same
HIPAA = "oopfactory-x12/hipaa-testdata/_271/_5010/"
STEDI = "stedi-openapi/uhc_behavioral_health_mock.271"
MA = "_unattributed/uhc_medicare_advantage_via_ability.271"
MEDDATA = "_unattributed/uhc_meddata_aaa_every_level_anonymized.271"
NODE = "node-x12/271.edi"
IDAHO = "moonlit-medicaid-checker/idaho_medicaid_aaa51_fragment.271"
GAINWELL = "x12-parser-encoder/gainwell_271_redacted.edi"
NY = "x12-types-rust/_271_test__1.271"
IG0 = "x12-types-rust/_271_test__0.271"
LFH = "linuxforhealth-x12/"
DEMO = f"{LFH}demo-file/demo.271"
LFH_DEP = f"{LFH}dependent-health-benefit-check.271"
BADX12 = "badx12/X279-error-response-from-payer-to-clinic-not-eligible-for-inquiries-with-payer.edi"


@pytest.fixture(scope="module")
def corpus_dir() -> Path:
    """The real-world corpus; skips where ../shared is not checked out."""
    if not CORPUS.is_dir():
        pytest.skip(
            f"real-world corpus not found at {CORPUS}: it lives in ../shared, outside the repo"
        )
    return CORPUS


def _all(corpus: Path, name: str) -> list[EligibilityResult]:
    return normalize((corpus / name).read_bytes())


def _one(corpus: Path, name: str) -> EligibilityResult:
    results = _all(corpus, name)
    assert len(results) == 1, name
    return results[0]


ALIASES = {
    "eb01": "code", "eb02": "coverage_level_code", "eb03": "service_type_codes",
    "eb04": "insurance_type_code", "eb05": "plan_coverage", "eb06": "time_qualifier_code",
    "eb07": "amount", "eb08": "percent", "eb09": "quantity_qualifier_code", "eb10": "quantity",
    "eb11": "auth_required", "eb12": "in_plan_network_code", "msg": "messages",
    "segs": "provenance.segments", "seg0": "provenance.segments.0", "e0": "related_entities.0",
}  # fmt: skip


def _get(obj: object, path: str) -> Any:
    """``e0.name``: attributes (or the ALIASES of X12 elements), digits indexing lists."""
    value: Any = obj
    for alias in path.split("."):
        for part in ALIASES.get(alias, alias).split("."):
            value = value[int(part)] if part.isdigit() else getattr(value, part)
    return value


def _f(obj: object, paths: str) -> tuple[Any, ...]:
    """The values at space-separated ``paths`` of ``obj``: ``_f(b, "eb01 eb07")``."""
    return tuple(_get(obj, path) for path in paths.split())


def _find(benefits: Sequence[Benefit], **want: object) -> list[Benefit]:
    """Benefits whose fields equal every ``want`` value, in input order."""
    return [b for b in benefits if all(_get(b, k) == v for k, v in want.items())]


def _the(benefits: Sequence[Benefit], **want: object) -> Benefit:
    found = _find(benefits, **want)
    assert len(found) == 1, want
    return found[0]


def _entity(entity: Entity | None) -> tuple[Any, ...]:
    assert entity is not None
    return _f(entity, "entity_identifier_code name id_qualifier_code id")


def _ids(rows: Sequence[tuple[Any, ...]]) -> list[str]:
    return [f"{row[0]}#{n}" for n, row in enumerate(rows)]


def test_every_file_is_normalized_or_refused(corpus_dir: Path) -> None:
    """All 77 files: the 54 271s normalize; the 23 with ST01 270 (counted by hand) are refused."""
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    assert len(files) == 77
    refused: dict[str, str] = {}
    requests: set[str] = set()
    for path in files:
        name = path.relative_to(corpus_dir).as_posix()
        if re.search(rb"ST[*|]270[*|]", path.read_bytes()):
            requests.add(name)
        try:
            results = normalize(path.read_bytes())
        except X12InputError as error:
            assert error.code in {"not_271", "truncated", "not_x12", "empty_input"}, name
            refused[name] = error.code
            continue
        assert results, name
    assert len(requests) == 23  # 21 single 270s, one batch of 2 and one of 3
    assert set(refused) == requests
    assert set(refused.values()) == {"not_271"}
    assert {"x12-types-rust/_270_test__1.270", "machete-x12/Layout270Tests__0.270"} <= requests


WARNINGS = [
    (f"{TS}271-example.txt", {"legacy_4010"}),
    (f"{TS}271-example-2.txt", {"legacy_4010"}),
    (f"{TS}271-example-dependent-rejection.txt", {"legacy_4010"}),
    (f"{TS}271-related-entity.txt", {"legacy_4010", "se_count_mismatch"}),  # SE 77, 62 there
    (f"{TS}271-dependent-benefits.txt",  # SE 79 for 81; GE 0931 vs GS 410; IEA 000090132
     {"legacy_4010", "se_count_mismatch", "ge_control_mismatch", "iea_control_mismatch"}),
    (f"{OOP4}Example1_DHHS.txt", {"legacy_4010", "functional_id_mismatch"}),  # GS01 HS
    (f"{OOP4}Example2_TMHP.txt", {"legacy_4010"}),
    (f"{OOP4}Example3_CMS_HETS.txt", {"legacy_4010"}),
    (f"{OOP4}FromMunawarAbad.txt", {"legacy_4010"}),
    (f"{OOP4}From_tcplex.txt", {"legacy_4010"}),
    # GS01 XX, and ISA11 = ISA16 = "^" in these three.
    (IG312, {"functional_id_mismatch", "separator_collision"}),
    (f"{HIPAA}ValidationOnAll.txt",  # SE 22 for 29
     {"functional_id_mismatch", "se_count_mismatch", "separator_collision"}),
    (f"{HIPAA}Example_ErrorWithoutBenefitInfo.txt",
     {"functional_id_mismatch", "separator_collision"}),
    (STEDI, set()),
    (MA, set()),
    (MEDDATA, {"se_count_mismatch"}),  # SE01 53 for 36
    (NODE, {"missing_ge", "missing_iea", "functional_id_mismatch"}),
    (IDAHO, {"missing_isa", "unexpected_segment"}),  # starts at GS, ends with an IEA
    (GAINWELL, {"functional_id_mismatch"}),
    (NY, set()),
    (IG0, {"functional_id_mismatch"}),  # GS01 HC
    (DEMO, set()),
    (LFH_DEP, set()),
    (f"{LFH}subscriber-health-benefit-check-error.271", {"se_control_mismatch"}),
    # GS08 4010 vs ST03 5010; SE 22 for 18; IEA 000014420 vs ISA13 000003438.
    ("imsweb-x12-parser/x271.txt",
     {"version_mismatch", "se_count_mismatch", "iea_control_mismatch"}),
    (BADX12, set()),
]  # fmt: skip


@pytest.mark.parametrize("row", WARNINGS, ids=_ids(WARNINGS))
def test_envelope_warnings(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """Warnings follow from each file's own ISA/GS/ST/SE/GE/IEA as read by hand."""
    name, expected = row
    for result in _all(corpus_dir, name):
        assert {w.code for w in result.envelope.warnings} == expected


D = date
PATIENTS = [
    # file, result index, "role;NM109;subscriber NM109;NM103;NM104;DMG02;status;plan;EB count"
    (f"{TS}271-example.txt", 0, "subscriber;R11111111;;;;;error;;0"),
    (TS2, 0, "subscriber;111111111;;DOE;JANET;1937-03-05;active;MANAGED INDEMNITY;109"),
    (REL, 0, "dependent;;111111111;DOE;JANE;1937-03-05;active;HMO CEDARS SINAI ONLY;14"),
    (DEP, 0, "dependent;;111111111;DOE;JANE;1937-03-05;active;Aetna Choice POS II;21"),
    (TS_REJ, 0, "dependent;;R11111111;DOE;JANE;1981-08-10;error;;0"),
    (TMHP, 0, "subscriber;444115555;;LASTNAME;FIRSTNAME;1985-02-01;active;PLANABBVDE;4"),
    (HETS, 0, "subscriber;HICN;;LNAME;FNAME;1920-04-01;active;;26"),
    (DHHS, 0, "subscriber;Recipient ID;;Public;John;;error;PCAT: payment category description;12"),
    (MUNAWAR, 0, "subscriber;999999999X;;XXXXXXX;X XXXXX;1928-02-08;active;;40"),
    (TCPLEX, 0, "dependent;XXX999X99999;XXX999X99999;XXXXXXXX;XXXXX;1950-04-12;inactive;;2"),
    (IG312, 0, "subscriber;123456789;;SMITH;JOHN;1963-05-19;active;GOLD 123 PLAN;5"),
    (f"{HIPAA}ValidationOnAll.txt", 0,
     "dependent;;123456789;smith;mary;1965-09-19;error;bronze 123 plan;1"),
    (f"{HIPAA}Example_ErrorWithoutBenefitInfo.txt", 0,
     "subscriber;123456789;;SMITH;JOHN;1963-05-19;error;;0"),
    (STEDI, 0, "dependent;;UHC202649;Doe;Jane;1952-11-21;active;CHOICE PLUS;41"),
    (MA, 0,
     "subscriber;999999999;;DOEX;SAMPLEX;1940-01-01;active;"
     "LPPO-UNITEDHEALTHCARE GROUP MEDICARE ADVANTAGE (PP;39"),
    (MEDDATA, 0, "subscriber;ABC123;;SMITH;JOHN;1990-01-01;error;CHOICE PLUS;5"),
    (NODE, 0, "subscriber;1EG4TE5MK73;;SAMPLE;PERSON;1950-01-01;active;;9"),
    (IDAHO, 0, "subscriber;0000000000;;SAMPLE;JANET;;error;;0"),
    (GAINWELL, 0,
     "subscriber;SUB000001;;MEMBER001;TEST001;1980-01-01;active;TEST PLAN|A001|MEDICAID;1"),
    (GAINWELL, 1,
     "subscriber;SUB000002;;MEMBER002;TEST002;1980-01-02;active;TEST PLAN|A002|MEDICAID;1"),
    (GAINWELL, 152, "subscriber;SUB000153;;MEMBER153;TEST153;;error;;0"),
    (NY, 0,
     "subscriber;XX99999X;;Patient Last Name;Patient First Name;1001-01-01;active;MA Eligible;14"),
    (DEMO, 0, "subscriber;123456789;;SMITH;JOHN;1963-05-19;active;GOLD 123 PLAN;5"),
    (LFH_DEP, 0, "dependent;;123456789;SMITH;MARY;1998-10-14;active;GOLD 123 PLAN;5"),
    (IG0, 0, "subscriber;123456789;;SMITH;JOHN;1963-05-19;active;GOLD 123 PLAN;5"),
    (BADX12, 0, ";;;;;;error;;0"),
    (GEORGIOSD, 0, "subscriber;BBBBB;;BB;BB;2001-10-03;error;;1"),
    ("machete-x12/Layout_Specs__0.271", 0,
     "dependent;;123456789;SMITH;JOHNNY;1960-04-09;active;;2"),
    ("stedi-openapi/aaa44_payer_error_mock.271", 0, "subscriber;;;STEDI;ABE;2024-06-06;error;;0"),
]  # fmt: skip


def _bar(values: Sequence[object]) -> str:
    return ";".join("" if value is None else str(value) for value in values)


@pytest.mark.parametrize("row", PATIENTS, ids=_ids(PATIENTS))
def test_patient_identity_and_status(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """Who each result is about, its coverage status, plan name and benefit count."""
    result = _all(corpus_dir, row[0])[row[1]]
    fields = "patient_role member_id subscriber_member_id last_name first_name birth_date"
    assert (
        _bar([*_f(result, f"{fields} coverage_status plan_name"), len(result.benefits)]) == row[2]
    )


DETAILS = [
    # file, result index, paths on the result, expected values
    (TS2, 0, "gender_code relationship_code group_number group_name dates.0.qualifier_code "
     "dates.0.start", ("F", "18", "00000", None, "307", D(2005, 2, 1))),
    (TS2, 0, "address.lines address.city address.state address.postal_code",
     (["3333 SOMEWHERE ST"], "ANYWHERE", "LA", "71104")),
    (REL, 0, "group_number group_name plan_begin_date plan_end_date references.1.qualifier_code",
     ("55555G", "CEDARS-SINAI HEALTH SYSTEM", D(2012, 1, 1), D(9999, 12, 31), "IF")),
    (DEP, 0, "plan_number plan_begin_date dates.1.qualifier_code dates.2.qualifier_code",
     ("1234567", D(2011, 8, 1), "472", "307")),
    (TMHP, 0, "middle_name name_suffix gender_code relationship_code address.city",
     ("M", "SUFFIX", "M", "18", "DALLAS")),
    (TMHP, 0, "references.0.value references.1.qualifier_code references.3.value",
     ("123456789", "F6", "111222333444555")),
    (HETS, 0, "middle_name gender_code dates.0.qualifier_code", ("MNAME", "F", "472")),
    (DHHS, 0, "middle_name address.city address.state address.postal_code",
     ("Q", "City-State", None, "ZipCode")),
    (TCPLEX, 0, "relationship_code gender_code group_number plan_begin_date plan_end_date",
     ("01", "F", "999999X99X", D(2011, 12, 17), D(2011, 12, 17))),
    (TCPLEX, 0, "group_name", ("XXX XXXX - XXXXXX XXXXXXXX XXX, XXXX XX, XXXXX",)),
    (IG312, 0, "gender_code plan_begin_date address.lines address.city address.postal_code",
     ("M", D(2006, 1, 1), ["15197 BROADWAY AVENUE", "APT 215"], "KANSAS CITY", "64108")),
    (f"{HIPAA}ValidationOnAll.txt", 0, "gender_code plan_begin_date", ("F", D(2006, 1, 1))),
    (STEDI, 0, "middle_name gender_code relationship_code plan_number",
     ("Alex", "F", "01", "UVdQAC5j6f")),
    (MA, 0, "middle_name group_number plan_begin_date address.city address.state",
     ("H", "68092", D(2018, 1, 1), "SOMETOWN", "TX")),
    (MEDDATA, 0, "middle_name group_number plan_begin_date relationship_code",
     ("S", "ABC123", D(1990, 1, 1), "18")),
    (NODE, 0, "middle_name address.postal_code dates.0.format dates.0.start dates.0.end",
     ("R", "080000000", "RD8", D(2019, 12, 30), D(2019, 12, 30))),
    (IDAHO, 0, "references.0.qualifier_code references.0.value references.0.description",
     ("NQ", "25291M000000000", "EVC NUMBER")),
    (NY, 0, "plan_begin_date references.0.qualifier_code dates.0.qualifier_code "
     "dates.2.qualifier_code", (D(2010, 6, 1), "SY", "472", "102")),
    (LFH_DEP, 0, "relationship_code gender_code plan_begin_date", ("19", "F", D(2006, 1, 1))),
    (GAINWELL, 1, "gender_code", ("F",)),
]  # fmt: skip


@pytest.mark.parametrize("row", DETAILS, ids=_ids(DETAILS))
def test_patient_details(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """Demographics, group and plan references, dates and addresses of the patient's 2100."""
    name, index, paths, expected = row
    assert _f(_all(corpus_dir, name)[index], paths) == expected


PARTIES = [
    # file, payer "NM101;NM103;NM108;NM109", provider (the same)
    (f"{TS}271-example.txt", "PR;Health Net Inc;PI;10385", "1P;DR. ACULA;XX;1111111111"),
    (REL, "PR;COMMERCIAL SAMPLE;PI;44444", "1P;;XX;1234567890"),
    (TS_REJ, "PR;ANTHEM BLUE CROSS;PI;10319", "1P;DR. SPACEMAN;XX;1111111111"),
    (TMHP, "PR;Texas Medicaid/Healthcare Services;PI;617591011C21T", "1P;;XX;1234567890"),
    (HETS, "PR;CMS;PI;CMS", "1P;IRNAME;XX;NPI"),
    (DHHS, "PR;Medicaid;PI;PayerID", "1P;Pharmacy;SV;ProviderID"),
    (IG312, "PR;ABC COMPANY;PI;842610001", "1P;BONE AND JOINT CLINIC;SV;2000035"),
    (STEDI, "PR;UNITEDHEALTHCARE;PI;87726", "1P;Jerde - Sauer;XX;1999999984"),
    (MA, "PR;UNITEDHEALTHCARE;PI;10002", "1P;PALOMA HOME HEALTH AGENCY INC;XX;1992963318"),
    (NODE, "PR;CMS;PI;CMS", "1P;SINAI HADASSAH MEDICAL ASSOCIATES;XX;1508165317"),
    (IDAHO, "PR;MEDICAID IDAHO;PI;10363", "1P;NORSETH;XX;1124778121"),
    (GAINWELL, "PR;GAINWELL TEST PAYER;PI;GWTEST", "1P;TEST PROVIDER GROUP;XX;1234567893"),
    (NY, "PR;NYSDOH;FI;141797357", "1P;Busy Provider;XX;1234567891"),
    (DEMO, "PR;ABC COMPANY;PI;841610001", "1P;BONE AND JOIN CLINIC;SV;2000035"),
    (BADX12, "PR;ABC COMPANY;PI;842610001", "1P;BONE AND JOINT CLINIC;SV;2000035"),
]  # fmt: skip


@pytest.mark.parametrize("row", PARTIES, ids=_ids(PARTIES))
def test_payer_and_provider(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """2100A information source and 2100B information receiver of the first result."""
    result = _all(corpus_dir, row[0])[0]
    assert (_bar(_entity(result.payer)), _bar(_entity(result.provider))) == row[1:]


ENVELOPES = [
    # file, ISA13, GS06, ST02, version (ST03 or GS08), BHT03
    (f"{TS}271-example.txt", ("000050033", "50025", "0001", "004010X092A1", "11111")),
    (TMHP, ("309242122", "309001", "COMP1420", "004010X092A1", None)),
    (HETS, ("111111111", "222222222", "333333333", "004010X092A1", "TRANSA")),
    (MUNAWAR, ("067389488", "67378454", "65951444", "004010X092A1", "9999999")),
    (IG312, ("000000905", "1", "4321", "005010X279", "10001234")),
    (STEDI, ("345459952", "1", "0001", "005010X279A1", "01JDQV00485EPP4D6BD8GM1SWM")),
    (NODE, ("000031033", "123456", "000000001", "005010X279A1", "7237581e2e400890ee96a51bc62ed0")),
    (IDAHO, (None, "632744904", "632744904", "005010X279A1", "TRAVISNORSETH-798900554")),
    (BADX12, ("000010216", "20213", "4323", "005010X279A1", "10001234")),
]  # fmt: skip


@pytest.mark.parametrize("row", ENVELOPES, ids=_ids(ENVELOPES))
def test_envelope_numbers(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """ISA13, GS06, ST02, version and BHT03 as sent."""
    fields = "interchange_control_number group_control_number transaction_control_number"
    assert _f(_all(corpus_dir, row[0])[0].envelope, f"{fields} version reference") == row[1]


TRACES = [
    # file, every TRN as "TRN01;TRN02;TRN03;TRN04"
    (f"{TS}271-example.txt", ["1;222222222;9ZIRMEDCOM;ELR ID", "2;333333333;9ZIRMEDCOM;ELI ID",
     "1;4444444444;9MEDDATACO;"]),
    (TS2, ["2;51813246;9ZIRMEDCOM;", "1;53637360;9ZIRMEDCOM;ELR ID",
     "1;51893570;9ZIRMEDCOM;ELI ID"]),
    (TMHP, ["1;COMPASS 21;3617591011;", "2;109834652831;9877281234;RADIOLOGY",
     "2;98175-012547;9877281234;RADIOLOGY"]),
    (IG312, ["2;93175-012547;9877281234;"]),
    (MA, ["2;20180507105258;2018050710;", "1;13114561024;9MEDDATACO;"]),
    (NODE, ["1;2223255592;99Trizetto;"]),
    (IDAHO, ["1;732744904-20251018;9OFFICALLY;", "2;798900554;1124778121;ELIGIBILITY"]),
    (NY, ["2;110010101000002;1141540488;274807891"]),
]  # fmt: skip


@pytest.mark.parametrize("row", TRACES, ids=_ids(TRACES))
def test_traces(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """TRN segments of subscribers that are the patient, in order."""
    traces = _all(corpus_dir, row[0])[0].envelope.traces
    assert [_bar(_f(t, "type_code number originator supplemental")) for t in traces] == row[1]


ERRORS = [
    # file, result index, every AAA as "AAA03 AAA01 AAA04 loop action @segment position"
    (f"{TS}271-example.txt", 0, ["72 N C 2100C fix_member_id @13",
     "73 N C 2100C fix_member_name @14", "73 N C 2100C fix_member_name @15",
     "58 N C 2100C fix_birth_date @16"]),
    # AAA on the subscriber (2100C) reaches the dependent below it.
    (TS_REJ, 0, ["72 Y N 2100C contact_payer @14"]),
    # RC is not an AAA03 code: kept, and the payer is the one to explain it.
    # AAA04 overrules the reason's action: N (no resubmission) -> contact_payer,
    # Y (the payer will answer again) -> wait_for_payer, W/X (wait, resubmit) -> retry_later.
    (DHHS, 0, ["RC N C 2000A contact_payer @5", "RC N C 2100B contact_payer @9",
     "RC N C 2100C contact_payer @20"]),
    (f"{HIPAA}ValidationOnAll.txt", 0, ["79 Y N 2000A contact_payer @5",
     "42 N C 2000A retry_later @6", "79 Y N 2100A contact_payer @8", "80 N P 2100A retry_later @9",
     "41 Y C 2100B contact_payer @12", "41 N C 2100B contact_payer @13",
     "42 Y W 2100C retry_later @19", "35 Y N 2100D contact_payer @24",
     "52 N N 2110D enroll_provider @28", "60 Y W 2110D retry_later @29"]),
    (f"{HIPAA}Example_ErrorWithoutBenefitInfo.txt", 0, ["80 N P 2000A retry_later @5",
     "79 Y N 2000A contact_payer @6", "79 Y N 2100A contact_payer @8",
     "80 N P 2100A retry_later @9", "41 Y C 2100B contact_payer @12",
     "41 N C 2100B contact_payer @13", "42 Y Y 2100C wait_for_payer @19"]),
    (MEDDATA, 0, ["42 Y Y 2000A wait_for_payer @5", "43 N C 2100B fix_provider @10",
     "72 N C 2100C fix_member_id @17", "70 N C 2110C fix_service_type @22"]),
    (IDAHO, 0, ["51 N C 2100B enroll_provider @7"]),  # GS counted as 0
    (BADX12, 0, ["50 Y N 2100B enroll_provider @8"]),
    (f"{LFH}subscriber-health-benefit-check-error.271", 0, ["50 Y N 2100B enroll_provider @8"]),
    (f"{HIPAA}ValidationForReceiverName.txt", 0, ["43 N C 2100B fix_provider @8",
     "44 N C 2100B fix_provider @9", "45 N C 2100B fix_provider @10",
     "47 N C 2100B fix_provider @11"]),
    (f"{HIPAA}ValidationForSource.txt", 0, ["42 Y Y 2000A wait_for_payer @5"]),
    (f"{HIPAA}ValidationForSourceName.txt", 0, ["79 N C 2100A fix_submitter @6"]),
    ("stedi-openapi/aaa44_payer_error_mock.271", 0, ["44 N C 2100B fix_provider @8"]),
    (GEORGIOSD, 0, ["42 Y R 2100C retry_later @10"]),
    # ST 0141 starts at segment 2518 (136 sets of 18 and 4 of 17 before it); 0145 at 2562.
    (GAINWELL, 140, ["71 N C 2100C fix_birth_date @2527"]),
    (GAINWELL, 144, ["75 N C 2100C verify_member @2571"]),
]  # fmt: skip


@pytest.mark.parametrize("row", ERRORS, ids=_ids(ERRORS))
def test_request_errors(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """Every AAA that applies to the patient, in segment order, with its loop and action."""
    name, index, expected = row
    flag = {True: "Y", False: "N", None: "-"}
    found = [
        f"{e.code} {flag[e.valid_request]} {e.follow_up_action_code} {e.loop} {e.action} "
        f"@{e.provenance.segments[0]}"
        for e in _all(corpus_dir, name)[index].errors
    ]
    assert found == expected


TEN = ["1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"]
BENEFITS: list[tuple[str, int, int | dict[str, Any], str, tuple[Any, ...]]] = [
    # file, result index, the benefit (position, or its own element values), paths, expected
    (TS2, 0, 0, "eb03 eb04 seg0 e0.name e0.address.city e0.address.postal_code",
     (["30"], "C1", 19, "UNITEDHEALTHCARE", "ATLANTA", "303740800")),
    (TS2, 0, {"eb01": "G", "eb02": "FAM", "eb06": "24", "eb12": "Y"}, "eb07 eb04 segs",
     ("3025.9", "C1", [26])),
    (TS2, 0, {"eb01": "C", "eb02": "FAM", "eb06": "29", "eb12": "Y"}, "eb07 eb04", ("236", None)),
    (TS2, 0, {"eb01": "G", "eb07": "3000"}, "eb06 eb02", (None, "FAM")),  # EB06 left blank
    (TS2, 0, {"eb01": "A", "eb03": ["AL"]}, "eb08", ("1.0",)),
    (TS2, 0, {"eb01": "B", "eb03": ["AE"]}, "eb07 eb06 eb02 eb12", ("0", "27", "IND", "Y")),
    (TS2, 0, {"eb01": "1", "msg": ["OFFICE VISIT"]}, "segs", ([125, 126],)),
    (TS2, 0, {"eb01": "R"}, "e0.entity_identifier_code e0.name", ("PR", "MEDICARE")),
    (TS2, 0, {"eb01": "X"}, "e0.entity_identifier_code e0.id", ("1P", "1234567890")),
    (REL, 0, 0, "eb02 eb04 segs", ("ESP", "HM", [24])),
    (REL, 0, 1, "eb01 eb07 eb06 msg segs",
     ("G", "1000", "23", ["TWO PARTY COPAY MAXIMUM"], [25, 26])),
    (REL, 0, {"eb01": "B", "eb07": "20"}, "msg eb03 eb06",
     (["ALLERGY TESTING", "MAMMOGRAM ROUTINE COPAY"], ["5"], "27")),
    (REL, 0, {"eb01": "B", "eb06": "27", "eb07": "0"}, "msg",
     (["BLOOD LEAD SCREENING", "MAMMOGRAPHY", "PAP/CERVICAL CANCER SCREEN", "PROSTATE SCREEN"],)),
    (REL, 0, {"eb01": "I"}, "eb03 eb12", (["5"], "N")),
    (REL, 0, {"eb01": "L"}, "e0.entity_identifier_code e0.name e0.address.state "
     "e0.contacts.0.numbers.0.value dates.0.qualifier_code dates.0.start dates.0.end",
     ("36", "EMPLOYER", "WA", "2065551234", "295", D(2011, 7, 1), D(9999, 12, 31))),
    # EB*N's LS/LE holds N3/N4/PER but no NM1: there is no entity to attach them to.
    (REL, 0, {"eb01": "N"}, "related_entities", ([],)),
    (DEP, 0, 0, "eb01 eb02 eb04 msg segs",
     ("L", "FAM", "PS", ["PCP SELECTION NOT REQUIRED"], [26, 27])),
    (DEP, 0, {"eb01": "W"}, "e0.name e0.address.city e0.address.state",
     ("Aetna", "Lexington", "KY")),
    (DEP, 0, 3, "eb01 eb07 msg dates.0.qualifier_code dates.0.start",
     ("C", "600", ["Med Dent", "LAB OP DIR ACC", "OP LAB"], "307", D(2012, 1, 1))),
    (DEP, 0, 5, "eb01 eb07 eb06 msg", ("C", "600", "23", ["PAP SMEAR"])),
    (DEP, 0, {"eb01": "A", "eb12": "N"}, "eb08 eb03 msg",
     ("0.3", ["5"], ["LAB OP DIR ACC", "COINS APPLIES TO OUT OF POCKET", "OP LAB", "PAP SMEAR"])),
    (DEP, 0, {"eb01": "F", "eb06": "32"}, "msg", (["Unlimited Lifetime Benefits"],)),
    (TMHP, 0, 1, "eb04 eb05 seg0 references.0.value references.0.description dates.0.start "
     "dates.1.start", ("OT", "CC", 22, "G123456", "EMPLOYERNAME", D(2000, 5, 1), D(2000, 6, 1))),
    (TMHP, 0, 1, "e0.name e0.contacts.0.numbers.0.qualifier_code e0.contacts.0.numbers.0.value",
     ("INCOMPANYNAME", "WP", "2145551212")),
    (TMHP, 0, 2, "e0.entity_identifier_code e0.first_name e0.id", ("IL", "FIRST", "123456789")),
    (HETS, 0, {"eb01": "D", "eb04": "MB"}, "procedure.qualifier procedure.code procedure.modifiers "
     "dates.0.qualifier_code dates.0.start", ("HC", "90669", [], "348", D(2009, 4, 6))),
    (HETS, 0, {"eb01": "K"}, "eb03 eb06 eb09 eb10", (["47"], "33", "LA", "60")),
    (HETS, 0, {"eb01": "B", "eb03": ["AG"], "dates": []}, "eb07 eb09 eb10", ("124", "DY", "80")),
    (HETS, 0, {"eb05": "Physical and Speech Therapy"}, "eb01 eb07 eb06", ("F", "1840", "29")),
    (HETS, 0, {"eb01": "X", "eb03": ["42"]}, "msg e0.name e0.id_qualifier_code e0.id",
     (["HHEH Start Date", "HHEH End Date", "HHEH DOEBA", "HHEH DOLBA"], "ORGNAME", "PI",
      "CONTRACTNUMBER")),
    (HETS, 0, {"eb01": "R", "eb03": ["88"]}, "references.0.value e0.name",
     ("CONTRACTNUMBER PLANNUMBER", "ORGNAME")),
    (HETS, 0, 25, "eb01 seg0 dates.0.format dates.0.start dates.0.end",
     ("6", 95, "RD8", D(2007, 9, 1), D(2007, 9, 30))),
    (DHHS, 0, 4, "eb03 eb09 eb10", (["44"], "VS", "999")),
    (DHHS, 0, {"eb01": "L"}, "eb05 msg e0.name e0.id_qualifier_code e0.id",
     ("RSP Code Desc", ["RSP Message Text"], "Public", "SV", "ProviderID")),
    (DHHS, 0, {"eb01": "R", "eb03": ["69"]}, "references.0.qualifier_code references.0.value "
     "references.0.description", ("IG", "PolicyNo", "Carrier Name")),
    (MUNAWAR, 0, 3, "eb01 procedure.qualifier procedure.code seg0", ("D", "XX", "99999", 21)),
    (MUNAWAR, 0, 15, "procedure.qualifier procedure.code dates.0.start",
     ("HC", "G0123", D(2007, 1, 1))),
    # LS01/LE01 are the masked "9999", not 2120: the LS/LE pair still wraps the entity.
    (MUNAWAR, 0, {"eb01": "R", "eb03": ["88"]},
     "references.0.value e0.entity_identifier_code e0.name",
     ("X9999 999", "PR", "XXXXXXXXXXXXXXXX XXXXXXXXX XXXXXXX")),
    (IG312, 0, 3, "eb03 eb04 eb05 eb06 eb07 eb12 eb11 segs",
     (TEN, "HM", "GOLD 123 PLAN", "27", "10", "Y", None, [21])),
    (IG312, 0, 4, "eb07 eb12 segs", ("30", "N", [22])),
    (IG312, 0, 1, "seg0 e0.entity_identifier_code e0.name e0.first_name e0.id",
     (16, "P3", "JONES", "MARCUS", "0202034")),
    (STEDI, 0, 0, "eb04 eb12 msg dates.0.qualifier_code dates.0.start seg0 e0.name e0.id",
     ("C1", "W",
      ["PROVIDER IS OUT NETWORK FOR MEMBER", "FUNDING TYPE = SELF INSURED - LARGE GROUP"],
      "636", D(2024, 7, 31), 22, "UNITEDHEALTHCARE", "87726")),
    (STEDI, 0, {"eb01": "A", "eb08": "0.4"}, "eb12 industry_codes.0.qualifier_code "
     "industry_codes.0.code", ("N", "ZZ", "11")),
    (STEDI, 0, {"eb01": "A", "eb08": "0"}, "msg", (["ABLETO FULLY FUNDED"],)),
    (STEDI, 0, {"eb01": "X"}, "eb12 e0.name e0.id",
     ("W", "NEW YORK MEDICAL BEHAVIORAL HEALTH SERVICES", "1235600834")),
    # Plan, 12 EB*C/EB*G, EB*L, then EB*1 with nine EB03 repeats.
    (MA, 0, 14, "eb03 eb12", (["1", "33", "47", "48", "86", "98", "MH", "PT", "UC"], "W")),
    (MA, 0, {"eb01": "B", "eb07": "15"}, "eb03 eb06 segs", (["98"], "7", [66])),
    (MA, 0, {"eb01": "B", "eb07": "50"}, "eb03", (["86", "UC"],)),
    (MA, 0, {"eb01": "A", "eb03": ["96"]}, "eb08 eb06 msg",
     ("0.2", "7", ["OFFICE VISIT SPECIALIST"])),
    (MA, 0, {"eb01": "L"}, "e0.name e0.id e0.provider_taxonomy_code "  # PRV*PC*PXC*207Q00000X
     "e0.contacts.0.numbers.1.qualifier_code", ("RABORN", "1013910082", "207Q00000X", "FX")),
    (MA, 0, {"eb01": "U"}, "e0.entity_identifier_code e0.name", ("VN", "OPTUMRX")),
    (MA, 0, {"eb01": "D"}, "msg", (["NONADHERENT-CBP-CONTROLLING BLOOD PRESSURE"],)),
    (MEDDATA, 0, 0, "e0.name e0.address.city", ("SMITH", "CHARLOTTE")),
    (MEDDATA, 0, 1, "eb01 eb02 eb06 eb07 eb12", ("C", "FAM", None, "0", "W")),
    (MEDDATA, 0, 3, "eb01 eb04 eb06 msg", ("G", "C1", "23", ["ADDITIONAL COVERED PER OCCURRENCE"])),
    (NODE, 0, 2, "eb03.0 eb03.1 eb03.38 eb04", ("30", "2", "UC", "MB")),
    (NODE, 0, {"eb01": "A"}, "eb08 eb06 eb05", ("0", "27", "Medicare Part B")),
    (NODE, 0, {"eb01": "R", "eb04": "QM"}, "eb05", ("NJ QMB Plan",)),
    (NODE, 0, {"eb01": "R", "eb03": ["88"]}, "references.0.value references.1.value "
     "references.1.description e0.name e0.id seg0",
     ("S5601", "008", "SilverScript Choice", "SILVERSCRIPT INSURANCE COMPANY", None, 29)),
    (NODE, 0, {"eb01": "R", "eb03": ["88"]}, "e0.contacts.0.numbers.1.value",
     ("www.silverscript.com",)),
    (GAINWELL, 0, 0, "eb03 eb04 seg0 e0.entity_identifier_code e0.name e0.id",
     (["30", "1", "35", "47", "48", "50", "86", "88", "AL", "MH"], "MC", 12, "P5",
      "PLAN SPONSOR 001", None)),
    (GAINWELL, 0, 0, "e0.contacts.0.name e0.contacts.1.name e0.contacts.0.numbers.1.value",
     ("PROVIDER RELATIONS", "EDI HELPDESK", "support001@example.test")),
    (GAINWELL, 1, 0, "seg0", (30,)),  # ST 0002 is segment 20
    # EB01 "MC" is the 5010 code Managed Care Coordinator: known, not flagged.
    (GAINWELL, 138, 0, "eb01 name unknown_codes eb05 seg0",
     ("MC", "managed_care_coordinator", [], "SUPPLEMENTAL PLAN MC", 2494)),
    (GAINWELL, 139, 0, "eb01 eb07 eb06 eb03", ("B", "5.00", "23", ["30", "35", "47"])),
    (NY, 0, 0, "msg segs", (["35", "46", "49", "95", "RECERT MONTH=12"], [19, 20, 21, 22, 23, 24])),
    (NY, 0, 1, "eb01 eb07 eb03", ("B", "0", ["30"])),
    (NY, 0, 7, "eb01 eb03 e0.entity_identifier_code e0.name e0.id",
     ("N", ["88"], "P3", "Benefit Related Provider", "1987654321")),
    (NY, 0, 12, "eb01 eb03 e0.id seg0", ("N", ["CQ"], "9995995661", 39)),
    (NY, 0, {"eb01": "R"}, "references.0.qualifier_code references.0.value "
     "e0.entity_identifier_code e0.name e0.id", ("18", "012345679C1", "P4", "MEDICARE ABD", None)),
    (DEMO, 0, 3, "eb03 eb07 eb12 segs", (TEN, "10.00", "Y", [21])),
    (DEMO, 0, 4, "eb07 eb12", ("30.00", "N")),
    (DEMO, 0, 1, "e0.entity_identifier_code e0.name e0.id", ("P3", "JONES", "0202034")),
    (LFH_DEP, 0, 3, "eb07 eb12 segs", ("10.00", "Y", [27])),
    (LFH_DEP, 0, 1, "e0.name segs", ("JONES", [22, 23, 24, 25])),
    # Here LS/LE follows the last EB*B, so JONES belongs to that benefit, not to EB*L.
    (IG0, 0, 3, "eb03 eb07 eb12", (TEN, "10", "Y")),
    (IG0, 0, 4, "eb07 eb12 e0.name", ("30", "N", "JONES")),
    (IG0, 0, 1, "related_entities segs", ([], [16])),
]  # fmt: skip


@pytest.mark.parametrize("row", BENEFITS, ids=_ids(BENEFITS))
def test_benefit_facts(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """One EB (found by position or by its own codes) and the values read from its segments."""
    name, index, which, paths, expected = row
    benefits = _all(corpus_dir, name)[index].benefits
    benefit = benefits[which] if isinstance(which, int) else _the(benefits, **which)
    assert _f(benefit, paths) == expected


CODES = [
    # file, result index, EB01 of every benefit in order
    (REL, 0, "1 G G G G G G B B B I N L P"),
    (TMHP, 0, "1 R R R"),
    (DHHS, 0, "6 1 R 1 D J J D L R R R"),
    (TCPLEX, 0, "6 P"),
    (IG312, 0, "1 L 1 B B"),
    (MEDDATA, 0, "1 C C G X"),
    (NODE, 0, "1 1 1 A C C I R R"),
    (NY, 0, "1 B 1 1 1 1 1 N 1 1 1 1 N R"),
    (GAINWELL, 136, "R"),
    (GAINWELL, 137, "L"),
    ("machete-x12/Layout_Specs__0.271", 0, "F 1"),
    # how many EB of each EB01 (SOURCES.md's tallies, recounted by hand)
    (TS2, 0, {"1": 27, "G": 12, "C": 12, "I": 4, "A": 26, "B": 26, "R": 1, "X": 1}),
    (DEP, 0, {"L": 1, "W": 1, "1": 2, "C": 6, "G": 4, "A": 2, "F": 4, "B": 1}),
    (HETS, 0, {"1": 2, "K": 1, "C": 4, "F": 7, "B": 4, "D": 2, "X": 2, "R": 3, "6": 1}),
    (MUNAWAR, 0, {"1": 2, "C": 2, "D": 31, "F": 3, "R": 2}),
    (STEDI, 0, {"1": 5, "C": 10, "G": 8, "A": 5, "B": 4, "F": 8, "X": 1}),
    (MA, 0, {"1": 6, "C": 10, "G": 6, "L": 1, "A": 6, "B": 7, "U": 1, "X": 1, "D": 1}),
]  # fmt: skip


@pytest.mark.parametrize("row", CODES, ids=_ids(CODES))
def test_benefit_codes(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """One benefit per EB, in input order (or, for large responses, counted by EB01)."""
    name, index, codes = row
    found = [b.code for b in _all(corpus_dir, name)[index].benefits]
    assert (Counter(found) if isinstance(codes, dict) else " ".join(found)) == codes


ACCUMULATORS = [
    # file, kind, EB02, EB12, EB03 list, (limit, remaining, met, met derived from the two)
    (TS2, "deductible", "FAM", "Y", ["30"], (None, "236", "0", False)),  # no-EB06 236 left out
    (TS2, "deductible", "IND", "Y", ["30"], (None, "0", "118", False)),
    (TS2, "out_of_pocket", "FAM", "Y", ["30"], (None, "0", "3025.9", False)),
    (TS2, "out_of_pocket", "IND", "Y", ["30"], (None, "0", "1500", False)),
    (TS2, "out_of_pocket", "IND", "N", ["30"], (None, "0", "0", False)),
    # FAM 23 comes as 1000 and as 1500 (and 29 as 870 / 1370): only IND pairs.
    (REL, "out_of_pocket", "IND", "Y", ["30"], ("500", "460", "40", True)),
    # Two EB06 23 of 600 (with different MSG) are one limit.
    (DEP, "deductible", "FAM", None, ["30"], ("600", "186.89", "413.11", True)),
    (DEP, "deductible", "IND", None, ["30"], ("200", "78.8", "121.2", True)),
    (DEP, "out_of_pocket", "IND", "N", ["30"], (None, "1000", None, False)),
    (DEP, "out_of_pocket", "FAM", "N", ["30"], (None, "3000", None, False)),
    # EB*C**47*MA**29 comes as 992 and as 0: unpaired; Part B (96) stands alone.
    (HETS, "deductible", None, None, ["96"], (None, "0", None, False)),
    (MUNAWAR, "deductible", None, None, ["96"], (None, "0", None, False)),
    # EB06 23 comes as 0 and as 3200 in network (FAM Y deductible and OOP): the whole
    # group is left unpaired, remaining and met included (issue 10, defect 4).
    (STEDI, "deductible", "FAM", "N", ["30"], ("5000", "1800", "3200", True)),
    (STEDI, "deductible", "FAM", "W", ["30"], (None, None, "3200", False)),
    (STEDI, "deductible", "FAM", "Y", ["A6"], ("0", None, None, False)),
    (STEDI, "deductible", None, "Y", ["A6"], ("0", None, None, False)),  # EB06 27, per visit
    (STEDI, "out_of_pocket", "FAM", "N", ["30"], ("15500", "9944.84", "5555.16", True)),
    (STEDI, "out_of_pocket", "FAM", "W", ["30"], (None, None, "5555.16", False)),
    (MA, "deductible", "FAM", "W", ["30"], ("99999.99", "99709.99", "290", False)),
    (MA, "deductible", "IND", "W", ["30"], ("290", "0", "290", False)),
    (MA, "deductible", "IND", "W", ["9"], ("0", None, None, False)),
    (MA, "out_of_pocket", "FAM", "W", ["30"], ("99999.99", "99697.31", "302.68", False)),
    (MA, "out_of_pocket", "IND", "W", ["30"], ("3290", "2987.32", "302.68", False)),
    (MEDDATA, "out_of_pocket", "FAM", "W", ["30"], ("0", None, None, False)),
]  # fmt: skip


@pytest.mark.parametrize("row", ACCUMULATORS, ids=_ids(ACCUMULATORS))
def test_accumulators(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """Deductible / out-of-pocket pairs: EB06 23 (limit) with 29 (remaining) and 24 (met)."""
    name, kind, *key, expected = row
    summary = _one(corpus_dir, name).summary
    accumulators = summary.deductible if kind == "deductible" else summary.out_of_pocket
    paths = "coverage_level_code in_plan_network_code service_type_codes"
    [found] = [a for a in accumulators if list(_f(a, paths)) == key]
    assert _f(found, "limit remaining met met_derived") == expected


SIZES = [(TS2, 4, 4), (REL, 0, 1), (DEP, 2, 2), (HETS, 1, 0), (MUNAWAR, 1, 0), (STEDI, 4, 2),
         (MA, 6, 2), (MEDDATA, 0, 1), (NODE, 2, 0)]  # fmt: skip


@pytest.mark.parametrize("row", SIZES, ids=_ids(SIZES))
def test_summary_sizes(corpus_dir: Path, row: tuple[Any, ...]) -> None:
    """How many accumulators pair up: amounts without EB06 or in conflict stay out."""
    summary = _one(corpus_dir, row[0]).summary
    assert (len(summary.deductible), len(summary.out_of_pocket)) == row[1:]


def test_accumulator_periods_and_provenance(corpus_dir: Path) -> None:
    """MA IND OOP cites EB*G 28 (23), 32 (24), 36 (29); node's Part A/B differ by EB05/EB06."""
    [ind] = [
        a for a in _one(corpus_dir, MA).summary.out_of_pocket if a.coverage_level_code == "IND"
    ]
    assert (ind.period_code, ind.insurance_type_code, sorted(ind.provenance.segments)) == (
        "23", "PR", [28, 32, 36],
    )  # fmt: skip
    deductibles = _one(corpus_dir, NODE).summary.deductible
    assert [_f(a, "plan_coverage period_code limit") for a in deductibles] == [
        ("Medicare Part A", "26", "0"), ("Medicare Part B", "23", "0"),
    ]  # fmt: skip


def test_gainwell_batch_of_153(corpus_dir: Path) -> None:
    """153 ST in one GS give 153 results in order; 13 end in AAA 71/73/75 at 2100C."""
    results = _all(corpus_dir, GAINWELL)
    assert [r.envelope.transaction_control_number for r in results] == [
        f"{n:04d}" for n in range(1, 154)
    ]
    assert [r.coverage_status for r in results[136:140]] == ["undetermined"] * 4  # R, L, MC, B
    rejected = results[140:]
    assert " ".join(r.errors[0].code for r in rejected) == "71 73 71 73 75 73 71 73 73 71 73 73 73"
    assert {(r.coverage_status, len(r.errors), len(r.benefits)) for r in rejected} == {
        ("error", 1, 0)
    }


def test_reported_problems(corpus_dir: Path) -> None:
    """Placeholder dates, an NM1-less 2120, masked EB13 qualifiers and a stray IEA are reported."""
    dhhs = {(u.segment_index, u.raw) for u in _one(corpus_dir, DHHS).unmapped}
    assert dhhs >= {
        (18, "DMG*D8*Birth Date*Gender"), (42, "DTP*356*D8*YYYYMMDD"), (43, "DTP*357*D8*YYYYMMDD"),
    }  # fmt: skip
    related = _one(corpus_dir, REL).unmapped
    assert [(u.segment_index, u.benefit_index) for u in related] == [(49, 11), (50, 11), (51, 11)]
    munawar = _one(corpus_dir, MUNAWAR)
    procedures = [b.procedure for b in munawar.benefits if b.procedure is not None]
    assert Counter(p.qualifier for p in procedures) == {"HC": 13, "XX": 18}
    assert sum(1 for u in munawar.unmapped if u.reason == "unknown_code") == 18
    # No ISA: positions count from GS, and the final IEA (16) has nothing to close.
    idaho = _one(corpus_dir, IDAHO).envelope.warnings
    assert [w.segment_index for w in idaho if w.code == "unexpected_segment"] == [16]
    [notice] = _the(_one(corpus_dir, REL).benefits, code="P").messages
    assert notice.startswith("UNLESS OTHERWISE REQUIRED BY STATE LAW, THIS NOTICE IS NOT")
    assert notice.endswith("PLEASE CALL PHONE NUMBER ON BACK OF MEMBERS CARD.")


def test_hets_prv_with_servicer_qualifier_is_not_a_taxonomy(corpus_dir: Path) -> None:
    """PRV*HH*9K*NPI in the home-health 2120 (segment 71) names a servicer, not a taxonomy."""
    benefits = _one(corpus_dir, HETS).benefits
    [agency] = _the(benefits, code="X", service_type_codes=["42"]).related_entities
    assert agency.provider_taxonomy_code is None
