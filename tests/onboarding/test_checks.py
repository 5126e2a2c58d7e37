"""The gate: grounding, domain checks and conflicts decide each field's verdict."""

from __future__ import annotations

import pytest

from eligate.onboarding import Citation, Finding, domain, grounding, review
from eligate.onboarding._document import quote_document


def _document() -> object:
    return quote_document("ISA08 Interchange Receiver ID ACMEHEALTH", 1)


def test_citation_not_on_page_is_rejected() -> None:
    """A quote the page does not hold rejects the value, whoever proposed it."""
    document = quote_document("ISA08 Interchange Receiver ID ACMEHEALTH", 1)
    finding = Finding(
        "x12.receiver_id", "OTHERPAYER", (Citation(1, "ISA08 is OTHERPAYER"),), proposed_by="llm"
    )
    (item,) = review(document, [finding])
    assert item.verdict == "rejected"
    assert "citation_not_on_page:1" in item.reasons


def test_model_value_not_stated_by_its_quote_is_rejected() -> None:
    """A real quote that does not state the proposed value is rejected."""
    document = quote_document("ISA08 Interchange Receiver ID ACMEHEALTH", 1)
    finding = Finding(
        "x12.receiver_id",
        "OTHERPAYER",
        (Citation(1, "ISA08 Interchange Receiver ID ACMEHEALTH"),),
        proposed_by="llm",
    )
    (item,) = review(document, [finding])
    assert item.verdict == "rejected"
    assert item.reasons == ("value_not_supported_by_citation",)


def test_model_value_the_quote_states_is_accepted() -> None:
    """A model's value that the rules re-read from its quote is accepted as a rule's would be."""
    text = "Ironwood responds within 12 seconds."
    document = quote_document(text, 1)
    finding = Finding("timeout.total", 12, (Citation(1, text),), proposed_by="llm")
    (item,) = review(document, [finding])
    assert item.verdict == "accepted"
    assert item.proposed_by == "llm"


def test_citation_on_another_page_is_rejected() -> None:
    """The right words cited on the wrong page are not grounded."""
    document = quote_document("GS08 005010X279A1", 2)
    finding = Finding("x12.gs08", "005010X279A1", (Citation(1, "GS08 005010X279A1"),))
    assert grounding(document, finding) == ["citation_not_on_page:1"]


@pytest.mark.parametrize(
    ("field", "value", "hard", "soft"),
    [
        ("endpoint", "http://payer.example/270", ["endpoint_not_https"], []),
        ("endpoint", "https://payer.example/270", [], []),
        ("x12.isa05", "99", ["isa_qualifier_not_in_x12_list"], []),
        ("x12.isa07", "ZZ", [], []),
        ("x12.receiver_id", "A" * 16, ["receiver_id_not_15_x12_characters"], []),
        ("timeout.total", 25, [], ["timeout_above_core_20s"]),
        ("timeout.total", 600, ["timeout_out_of_range"], []),
        ("guide.service_types", ("30", "ZZZ"), ["unknown_service_type:ZZZ"], []),
        ("guide.member_id_pattern", "PMH[0-9", ["regex_does_not_compile"], []),
        ("guide.max_eq_per_request", 0, ["eq_limit_out_of_range"], []),
        ("x12.gs08", "005010X279", [], ["gs08_not_005010x279a1"]),
        (
            "guide.aaa.99",
            {"action": "retry_later", "resend": True, "wait_seconds": 5},
            ["aaa03_not_in_x12_list"],
            [],
        ),
        (
            "guide.aaa.42",
            {"action": "dance", "resend": True, "wait_seconds": -1},
            ["unknown_action", "wait_out_of_range"],
            [],
        ),
        ("guide.required_fields", ("member_id", "ssn"), ["unknown_search_field"], []),
    ],
)
def test_domain_checks(field: str, value: object, hard: list[str], soft: list[str]) -> None:
    """Each domain rule flags what it should and nothing else."""
    assert domain(field, value) == (hard, soft)


def test_disagreeing_statements_without_revision_need_review() -> None:
    """Two pages stating two timeouts: the field goes to review with the other value kept."""
    document = quote_document(
        "Acme responds within 10 seconds. Acme responds within 15 seconds.", 1
    )
    findings = [
        Finding("timeout.total", 10, (Citation(1, "Acme responds within 10 seconds."),)),
        Finding("timeout.total", 10, (Citation(1, "Acme responds within 10 seconds."),)),
        Finding("timeout.total", 15, (Citation(1, "Acme responds within 15 seconds."),)),
    ]
    (item,) = review(document, findings)
    assert item.value == 10
    assert item.verdict == "needs_review"
    assert item.alternatives == (15,)


def test_every_word_action_is_a_stable_action() -> None:
    """Each action the AAA rules read from words is one a result's AAA error can carry."""
    from eligate.codes import AaaAction, codes_of
    from eligate.onboarding._rules_aaa import _ACTION_WORDS

    assert {action for action, _ in _ACTION_WORDS} | {"retry_later"} <= codes_of(AaaAction)
