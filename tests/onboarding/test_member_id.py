"""Member ID formats in words become full-match regexes; card suffixes become strip rules."""

from __future__ import annotations

import re

import pytest

from eligate.onboarding._member_id import pattern_from_words, suffix_from_words


@pytest.mark.parametrize(
    ("text", "pattern", "example"),
    [
        (
            "Member IDs are three letters PMH followed by nine digits.",
            "PMH[0-9]{9}",
            "PMH123456789",
        ),
        (
            "Member IDs are eleven characters: the letter R followed by ten digits.",
            "R[0-9]{10}",
            "R0123456789",
        ),
        (
            "The member ID begins with the prefix HLI and is followed by eight digits.",
            "HLI[0-9]{8}",
            "HLI12345678",
        ),
        (
            "Member IDs are two letters SC, a hyphen, then seven digits.",
            "SC-[0-9]{7}",
            "SC-1234567",
        ),
        ("Member IDs are nine digits.", "[0-9]{9}", "123456789"),
        ("The subscriber ID is 12 alphanumeric characters.", "[A-Z0-9]{12}", "AB12CD34EF56"),
    ],
)
def test_format_in_words_becomes_a_regex(text: str, pattern: str, example: str) -> None:
    """The regex is the one the words describe, and a real-looking ID matches it."""
    found = pattern_from_words(text)
    assert found is not None
    assert found[0] == pattern
    assert re.fullmatch(found[0], example)
    assert found[1] in text


def test_text_about_something_else_gives_no_pattern() -> None:
    """A sentence that is not about member IDs gives nothing."""
    assert pattern_from_words("Claims are answered within nine days.") is None
    assert pattern_from_words("Member IDs are printed on the card.") is None


@pytest.mark.parametrize(
    ("text", "suffix", "card", "sent"),
    [
        (
            "Cards print a two-digit person code after a hyphen (PMH123456789-01). "
            "Drop the suffix before sending.",
            "-[0-9]{2}$",
            "PMH123456789-01",
            "PMH123456789",
        ),
        (
            "Cards print a two-digit suffix after a space (123456789 01); send the ID "
            "without the suffix.",
            " [0-9]{2}$",
            "123456789 01",
            "123456789",
        ),
    ],
)
def test_card_suffix_to_drop(text: str, suffix: str, card: str, sent: str) -> None:
    """The suffix rule strips exactly the printed suffix."""
    found = suffix_from_words(text)
    assert found is not None
    assert found[0] == suffix
    assert re.sub(found[0], "", card) == sent


def test_a_suffix_not_to_drop_is_not_a_rule() -> None:
    """A suffix the guide says to send gives no strip rule."""
    assert suffix_from_words("Cards print a two-digit suffix after a hyphen; send it.") is None
