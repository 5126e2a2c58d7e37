"""The real-world corpus: every file normalized or refused, and facts read by hand.

The expected values below were written out by reading the raw files in
``../shared/corpus/x12/real/`` (segment by segment), not copied from the
program's output. The corpus lives outside the repository: these tests skip
with a reason where it is absent.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from eligate.normalizer import EligibilityResult, normalize
from eligate.x12 import X12InputError

pytestmark = pytest.mark.corpus


def _read(corpus: Path, name: str) -> list[EligibilityResult]:
    return normalize((corpus / name).read_bytes())


def _warnings(result: EligibilityResult) -> set[str]:
    return {warning.code for warning in result.envelope.warnings}


def test_every_corpus_file_is_normalized_or_refused_precisely(corpus: Path) -> None:
    """All 77 files: 271s normalize, every other file is refused with a stable code."""
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    assert len(files) == 77
    refused: dict[str, str] = {}
    normalized = 0
    for path in files:
        try:
            results = normalize(path.read_bytes())
        except X12InputError as error:
            refused[str(path.relative_to(corpus))] = error.code
            continue
        assert results, path
        normalized += 1
    assert set(refused.values()) == {"not_271"}
    # Every refused file is a 270 request (SOURCES.md: 270x1 / 270x2 / 270x3).
    for name in refused:
        text = (corpus / name).read_bytes()
        assert b"ST*270" in text or b"ST|270" in text, name
    assert len(refused) == 23
    assert normalized == 54


def test_zirmed_health_net_four_aaa(corpus: Path) -> None:
    """Pipe separators; four AAA in 2100C, patient not found: error with actions."""
    [result] = _read(corpus, "tigershark/271-example.txt")
    assert result.member_id == "R11111111"
    assert result.coverage_status == "error"
    assert [(e.code, e.loop) for e in result.errors] == [
        ("72", "2100C"),
        ("73", "2100C"),
        ("73", "2100C"),
        ("58", "2100C"),
    ]
    assert [e.action for e in result.errors] == [
        "fix_member_id",
        "fix_member_name",
        "fix_member_name",
        "fix_birth_date",
    ]
    assert result.payer is not None
    assert (result.payer.name, result.payer.id) == ("Health Net Inc", "10385")
    assert [t.number for t in result.envelope.traces] == ["222222222", "333333333", "4444444444"]
    assert "legacy_4010" in _warnings(result)
    assert result.benefits == []


def test_anthem_dependent_rejected_through_subscriber(corpus: Path) -> None:
    """AAA*Y**72*N on the subscriber applies to the dependent below it."""
    [result] = _read(corpus, "tigershark/271-example-dependent-rejection.txt")
    assert result.patient_role == "dependent"
    assert result.subscriber_member_id == "R11111111"
    assert (result.last_name, result.first_name) == ("DOE", "JANE")
    [error] = result.errors
    assert (error.code, error.valid_request, error.follow_up_action_code) == ("72", True, "N")
    assert result.coverage_status == "error"
    assert result.payer is not None
    assert result.payer.name == "ANTHEM BLUE CROSS"


def test_related_entity_hmo_family_copay_maximums(corpus: Path) -> None:
    """ESP HMO dependent; two family OOP pairs differing only in MSG are not paired."""
    [result] = _read(corpus, "tigershark/271-related-entity.txt")
    assert result.patient_role == "dependent"
    assert result.subscriber_member_id == "111111111"
    assert (result.group_number, result.group_name) == ("55555G", "CEDARS-SINAI HEALTH SYSTEM")
    assert result.plan_name == "HMO CEDARS SINAI ONLY"
    assert result.birth_date == date(1937, 3, 5)
    assert (result.plan_begin_date, result.plan_end_date) == (date(2012, 1, 1), date(9999, 12, 31))
    first = result.benefits[0]
    assert (first.code, first.coverage_level_code, first.insurance_type_code) == ("1", "ESP", "HM")
    second = result.benefits[1]
    assert (second.code, second.amount, second.messages) == (
        "G",
        "1000",
        ["TWO PARTY COPAY MAXIMUM"],
    )
    [single] = result.summary.out_of_pocket
    assert (single.coverage_level_code, single.limit, single.remaining) == ("IND", "500", "460")
    assert (single.met, single.met_derived) == ("40", True)
    assert len(result.benefits) == 14


def test_zirmed_large_indemnity_response(corpus: Path) -> None:
    """109 EBs; blank-EB06 amounts stay out of the summary; 2120 administrator."""
    [result] = _read(corpus, "tigershark/271-example-2.txt")
    assert result.member_id == "111111111"
    assert len(result.benefits) == 109
    first = result.benefits[0]
    assert (first.code, first.insurance_type_code, first.plan_coverage) == (
        "1",
        "C1",
        "MANAGED INDEMNITY",
    )
    assert [e.name for e in first.related_entities] == ["UNITEDHEALTHCARE"]
    assert first.related_entities[0].address is not None
    assert first.related_entities[0].address.city == "ATLANTA"
    deductibles = {
        (a.coverage_level_code, a.in_plan_network_code): a for a in result.summary.deductible
    }
    individual = deductibles["IND", "Y"]
    assert (individual.limit, individual.met, individual.remaining) == (None, "118", "0")
    oop = {(a.coverage_level_code, a.in_plan_network_code): a for a in result.summary.out_of_pocket}
    assert (oop["FAM", "Y"].met, oop["FAM", "Y"].remaining) == ("3025.9", "0")
    assert result.address is not None
    assert result.address.state == "LA"
    assert result.group_number == "00000"


def test_ig_subscriber_example_copays_and_pcp(corpus: Path) -> None:
    """The IG 271: plan, PCP in 2120C, copays with EB03 repeats and EB12 Y/N."""
    [result] = _read(corpus, "linuxforhealth-x12/demo-file/demo.271")
    assert result.member_id == "123456789"
    assert result.plan_name == "GOLD 123 PLAN"
    assert result.plan_begin_date == date(2006, 1, 1)
    assert [b.code for b in result.benefits] == ["1", "L", "1", "B", "B"]
    [pcp] = result.benefits[1].related_entities
    assert (pcp.entity_identifier_code, pcp.name, pcp.id) == ("P3", "JONES", "0202034")
    office, out = result.benefits[3], result.benefits[4]
    assert office.service_type_codes == ["1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"]
    assert (office.amount, office.in_plan_network_code, office.time_qualifier_code) == (
        "10.00",
        "Y",
        "27",
    )
    assert (out.amount, out.in_network) == ("30.00", "out_of_network")
    assert office.provenance.segments == [21]
    assert result.envelope.traces[0].number == "93175-012547"
    assert result.envelope.transaction_control_number == "4321"


def test_hets_via_trizetto_without_trailers(corpus: Path) -> None:
    """CMS HETS 271: no GE/IEA, GS01=HS, Part D other payer in a 2120 without ID."""
    [result] = _read(corpus, "node-x12/271.edi")
    assert result.member_id == "1EG4TE5MK73"
    assert {"missing_ge", "missing_iea", "functional_id_mismatch"} <= _warnings(result)
    assert len(result.benefits) == 9
    part_d = next(b for b in result.benefits if b.code == "R" and b.service_type_codes == ["88"])
    assert [(r.qualifier_code, r.value) for r in part_d.references] == [
        ("18", "S5601"),
        ("N6", "008"),
    ]
    [sponsor] = part_d.related_entities
    assert (sponsor.name, sponsor.id_qualifier_code, sponsor.id) == (
        "SILVERSCRIPT INSURANCE COMPANY",
        None,
        None,
    )
    assert [n.value for n in sponsor.contacts[0].numbers] == ["8664430934", "www.silverscript.com"]
    qmb = next(b for b in result.benefits if b.code == "R" and b.insurance_type_code == "QM")
    assert qmb.plan_coverage == "NJ QMB Plan"


def test_idaho_medicaid_fragment_without_isa(corpus: Path) -> None:
    """A file that starts at GS is read; AAA 51 at 2100B means enroll the provider."""
    [result] = _read(corpus, "moonlit-medicaid-checker/idaho_medicaid_aaa51_fragment.271")
    assert "missing_isa" in _warnings(result)
    assert result.member_id == "0000000000"
    assert [(e.code, e.loop, e.action) for e in result.errors] == [
        ("51", "2100B", "enroll_provider")
    ]
    assert result.coverage_status == "error"
    assert [r.qualifier_code for r in result.references] == ["NQ"]


def test_gainwell_batch_of_153(corpus: Path) -> None:
    """153 transaction sets in one group give 153 results in order."""
    results = _read(corpus, "x12-parser-encoder/gainwell_271_redacted.edi")
    assert len(results) == 153
    assert results[0].member_id == "SUB000001"
    assert results[1].member_id == "SUB000002"
    assert results[0].envelope.transaction_control_number == "0001"
    assert results[11].envelope.transaction_control_number == "0012"


def test_dhhs_invalid_aaa_code_everywhere(corpus: Path) -> None:
    """AAA03 ``RC`` (not an X12 code) at three levels is kept and sent to the payer."""
    [result] = _read(corpus, "oopfactory-x12/parsing-samples/_271/_4010/Example1_DHHS.txt")
    assert [(e.code, e.loop) for e in result.errors] == [
        ("RC", "2000A"),
        ("RC", "2100B"),
        ("RC", "2100C"),
    ]
    assert all(e.description is None and e.action == "contact_payer" for e in result.errors)
    assert result.coverage_status == "active"
    assert len(result.benefits) == 12
    assert result.benefits[0].code == "6"
    assert any(u.reason == "invalid_date" and "YYYYMMDD" in u.raw for u in result.unmapped)


def test_tmhp_cr_terminator(corpus: Path) -> None:
    """Texas Medicaid with CR as terminator: four EBs, three other payers with 2120."""
    [result] = _read(corpus, "oopfactory-x12/parsing-samples/_271/_4010/Example2_TMHP.txt")
    assert [b.code for b in result.benefits] == ["1", "R", "R", "R"]
    assert result.benefits[0].plan_coverage == "PLANABBVDE"
    assert result.birth_date == date(1985, 2, 1)
    other = result.benefits[1]
    assert [e.name for e in other.related_entities] == ["INCOMPANYNAME"]
    assert [(d.qualifier_code, d.start) for d in other.dates] == [
        ("193", date(2000, 5, 1)),
        ("194", date(2000, 6, 1)),
    ]
    assert result.payer is not None
    assert result.payer.name == "Texas Medicaid/Healthcare Services"


def test_uhc_meddata_aaa_at_every_level(corpus: Path) -> None:
    """AAA at 2000A, 2100B, 2100C and 2110C; SE01 says 53 for 38 segments."""
    [result] = _read(corpus, "_unattributed/uhc_meddata_aaa_every_level_anonymized.271")
    assert [(e.code, e.loop) for e in result.errors] == [
        ("42", "2000A"),
        ("43", "2100B"),
        ("72", "2100C"),
        ("70", "2110C"),
    ]
    assert "se_count_mismatch" in _warnings(result)
    assert result.benefits[0].plan_coverage == "CHOICE PLUS"
    assert result.coverage_status == "active"
    assert [b.in_plan_network_code for b in result.benefits[1:4]] == ["W", "W", "W"]


@pytest.mark.parametrize(
    ("name", "code", "loop", "action"),
    [
        ("badx12/X279-error-response-from-payer-to-clinic-not-eligible-for-inquiries-with-payer.edi",
         "50", "2100B", "enroll_provider"),
        ("linuxforhealth-x12/subscriber-health-benefit-check-error.271", "50", "2100B",
         "enroll_provider"),
        ("oopfactory-x12/hipaa-testdata/_271/_5010/ValidationForSource.txt", "42", "2000A",
         "retry_later"),
        ("oopfactory-x12/hipaa-testdata/_271/_5010/ValidationForSourceName.txt", "79", "2100A",
         "fix_submitter"),
    ],
)  # fmt: skip
def test_rejections_without_a_patient(
    corpus: Path, name: str, code: str, loop: str, action: str
) -> None:
    """A 271 with no subscriber loop gives one error result carrying the AAA."""
    [result] = _read(corpus, name)
    assert result.patient_role is None
    assert result.coverage_status == "error"
    assert [(e.code, e.loop, e.action) for e in result.errors] == [(code, loop, action)]


def test_rejected_subscriber_and_inactive_members(corpus: Path) -> None:
    """AAA 72 at 2100C or 44 at 2100B above a subscriber; EB*6 plus a disclaimer is inactive."""
    [stedi] = _read(corpus, "stedi-openapi/aaa44_payer_error_mock.271")
    assert stedi.patient_role == "subscriber"
    assert [(e.code, e.loop, e.action) for e in stedi.errors] == [("44", "2100B", "fix_provider")]
    assert stedi.coverage_status == "error"
    [rejected] = _read(corpus, "x12-parser-encoder/271_rejected_subscriber.x12")
    assert (rejected.member_id, rejected.coverage_status) == ("000123452", "error")
    assert [e.code for e in rejected.errors] == ["72"]
    [inactive] = _read(corpus, "oopfactory-x12/parsing-samples/_271/_4010/From_tcplex.txt")
    assert inactive.coverage_status == "inactive"
    assert [b.code for b in inactive.benefits] == ["6", "P"]
    assert inactive.patient_role == "dependent"


def test_version_mismatch_and_retry_later(corpus: Path) -> None:
    """GS08 4010 around ST03 5010 is a warning; AAA 42/R asks to retry later."""
    [ims] = _read(corpus, "imsweb-x12-parser/x271.txt")
    assert ims.member_id == "123456789"
    assert "version_mismatch" in _warnings(ims)
    [retry] = _read(corpus, "oopfactory-x12/parsing-samples/_270/_5010/From_georgiosd.txt")
    assert [(e.code, e.follow_up_action_code, e.action) for e in retry.errors] == [
        ("42", "R", "retry_later")
    ]
    assert [b.code for b in retry.benefits] == ["P"]


def test_stedi_uhc_backtick_component_separator(corpus: Path) -> None:
    """Backtick as component separator; a dependent with 41 benefits."""
    [result] = _read(corpus, "stedi-openapi/uhc_behavioral_health_mock.271")
    assert result.patient_role == "dependent"
    assert len(result.benefits) == 41
    assert result.payer is not None
    assert result.payer.id == "87726"
    assert any(b.in_plan_network_code == "W" for b in result.benefits)
