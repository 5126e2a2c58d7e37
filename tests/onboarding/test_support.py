"""How far a model's quote states its value: re-read by the rules, in words only, or not."""

from __future__ import annotations

import pytest

from eligate.onboarding import Citation, Finding
from eligate.onboarding._document import quote_document
from eligate.onboarding._support import states_by_words, support


@pytest.mark.parametrize(
    ("field", "value", "quote", "stated"),
    [
        ("guide.version", "6.2", "Document version: v6.2.", True),
        ("guide.version", "7.0", "Document version: v6.2.", False),
        ("guide.max_eq_per_request", 1, "Only a single EQ segment is accepted per 270.", True),
        ("guide.max_eq_per_request", 2, "Only a single EQ segment is accepted per 270.", False),
        (
            "guide.member_id_pattern",
            "JH[0-9]{9}",
            "The member ID is JH followed by 9 numbers.",
            True,
        ),
        (
            "guide.member_id_pattern",
            "JH[0-9]{8}",
            "The member ID is JH followed by 9 numbers.",
            False,
        ),
        (
            "guide.member_id_strip_suffix",
            "\\*[0-9]{2}$",
            "If the card shows a suffix such as *01, remove it.",
            True,
        ),
        (
            "guide.required_fields",
            ("member_id", "birth_date"),
            "We need the member ID and date of birth.",
            True,
        ),
        (
            "guide.required_fields",
            ("member_id", "gender"),
            "We need the member ID and date of birth.",
            False,
        ),
        ("guide.dependents_as_subscriber", True, "Dependents go in the subscriber loop.", True),
        (
            "guide.aaa.42",
            {"action": "retry_later", "resend": True, "wait_seconds": 600},
            "AAA03 = 42: wait 10 minutes before resubmitting.",
            True,
        ),
        (
            "guide.aaa.42",
            {"action": "retry_later", "resend": True, "wait_seconds": 60},
            "AAA03 = 42: wait 10 minutes before resubmitting.",
            False,
        ),
        ("guide.effective_date", "2026-03-18", "Last revised 03/18/2026.", True),
        ("guide.service_types", ("30", "UC"), "Service types: 30 and UC.", True),
        ("x12.isa05", "ZZ", "The receiver qualifier is ZZ.", False),
        ("unknown.field", "x", "x", False),
    ],
)
def test_states_by_words(field: str, value: object, quote: str, stated: bool) -> None:
    """The quote must speak of the field and hold every part of the value."""
    assert states_by_words(field, value, quote) is stated


def test_support_levels() -> None:
    """Rules re-read -> rules; words only -> words; neither -> none."""
    text = "Ironwood responds within 12 seconds. Only a single EQ segment is accepted per 270."
    document = quote_document(text, 1)

    def level(field: str, value: object, quote: str) -> str:
        finding = Finding(field, value, (Citation(1, quote),), proposed_by="llm")
        return support(document, finding)

    assert level("timeout.total", 12, "Ironwood responds within 12 seconds.") == "rules"
    assert (
        level("guide.max_eq_per_request", 1, "Only a single EQ segment is accepted per 270.")
        == "words"
    )
    assert (
        level("guide.max_eq_per_request", 3, "Only a single EQ segment is accepted per 270.")
        == "none"
    )
    assert level("x12.payer_name", "IRONWOOD", "Ironwood responds within 12 seconds.") == "rules"
