"""Does a model's quote state the value it proposes? Two levels, and the verdict follows.

- ``rules``: the rules, run on the quote alone (with its page around it), read
  the same value; or the field is free text (payer name, contact) and the quote
  holds it. Such a value may be accepted, like a rule's.
- ``words``: the quote speaks of the field (its keywords) and holds every part
  of the value (the code, the number, the letters and counts of a member ID
  format), but the rules cannot read it. The value goes to review, never
  straight to the payer file as accepted.
- ``none``: rejected.
"""

from __future__ import annotations

import json
import re
from typing import Literal

from eligate.onboarding._document import GuideDocument, quote_document
from eligate.onboarding._findings import Finding
from eligate.onboarding._member_id import NUMBER_WORDS
from eligate.onboarding._rules_connect import parse_date

Support = Literal["rules", "words", "none"]

LITERAL_FIELDS = frozenset({"x12.payer_name", "guide.contact"})
"""Fields a quote supports by holding the value: free text with no role to tell apart.

Every other field needs more: a URL in a quote is not a test endpoint unless the
words call it one; a code is not ISA08 unless the quote says ISA08.
"""

_FIELD_WORDS: dict[str, str] = {
    "endpoint": r"production|endpoint|url|post",
    "guide.test_endpoint": r"test|cert|sandbox|uat|qa|staging",
    "auth.method": r"password|token|key|auth|credential",
    "timeout.total": r"second|minute|respon",
    "pacing.rate_per_second": r"per second|per minute|rate|throttle",
    "x12.receiver_id": r"ISA08|GS03|receiver",
    "x12.payer_id": r"NM109|payer",
    "x12.isa05": r"ISA05",
    "x12.isa07": r"ISA07",
    "x12.gs08": r"GS08",
    "batch_window": r"batch",
    "guide.version": r"version|release",
    "guide.effective_date": r"effective|revised|published|updated|date",
    "guide.envelope": r"MIME|SOAP|REST",
    "guide.service_types": r"service",
    "guide.member_id_pattern": r"member|subscriber|identifier|\bID\b",
    "guide.member_id_strip_suffix": r"suffix|person code",
    "guide.required_fields": r"requir|need|must|mandatory",
    "guide.dependents_as_subscriber": r"dependent",
    "guide.max_eq_per_request": r"\bEQ\b",
    "guide.aaa": r"AAA|reject|error|code",
}
_SEARCH_WORDS = {
    "member_id": r"member id|subscriber id|\bid\b",
    "birth_date": r"birth|\bdob\b",
    "last_name": r"last name|surname|\bname\b",
    "first_name": r"first name|\bname\b",
    "gender": r"gender|\bsex\b",
}
_DATES = re.compile(
    r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+\d{1,2},\s*\d{4}"
)


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def support(document: GuideDocument, finding: Finding) -> Support:
    """How well ``finding``'s citations state its value (see the module docs)."""
    from eligate.onboarding._rules import extract  # noqa: PLC0415 - _rules imports the checks

    wanted = _key(finding.value)
    level: Support = "none"
    for citation in finding.citations:
        context = document.page_text(citation.page)
        again = extract(quote_document(citation.text, citation.page, page_text=context))
        if any(item.field == finding.field and _key(item.value) == wanted for item in again):
            return "rules"
        quote = citation.text
        value = finding.value
        literal = finding.field in LITERAL_FIELDS and isinstance(value, str) and bool(value)
        if literal and str(value).lower() in quote.lower():
            return "rules"
        if states_by_words(finding.field, finding.value, quote):
            level = "words"
    return level


def _number_in(number: int, quote: str) -> bool:
    words = [word for word, value in NUMBER_WORDS.items() if value == number]
    if number == 1:
        words.append("single")
    pattern = r"(?<![\d.])" + str(number) + r"(?![\d.])"
    if re.search(pattern, quote):
        return True
    return any(re.search(rf"\b{word}\b", quote, re.IGNORECASE) for word in words)


def states_by_words(field: str, value: object, quote: str) -> bool:
    """Whether ``quote`` speaks of ``field`` and holds every part of ``value``."""
    base = "guide.aaa" if field.startswith("guide.aaa.") else field
    words = _FIELD_WORDS.get(base)
    if words is None or not re.search(words, quote, re.IGNORECASE):
        return False
    if base == "guide.aaa":
        return _aaa_in(field.removeprefix("guide.aaa."), value, quote)
    if base in ("guide.member_id_pattern", "guide.member_id_strip_suffix"):
        return _regex_parts_in(str(value), quote)
    if base == "guide.effective_date":
        return any(str(parse_date(text)) == value for text in _DATES.findall(quote))
    if base == "guide.required_fields" and isinstance(value, list | tuple):
        return all(re.search(_SEARCH_WORDS.get(str(name), "$^"), quote, re.I) for name in value)
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return _number_in(value, quote)
    if isinstance(value, list | tuple):
        return all(re.search(rf"(?<!\w){re.escape(str(item))}(?!\w)", quote) for item in value)
    if isinstance(value, str):
        return value.lower() in quote.lower()
    return False


def _regex_parts_in(pattern: str, quote: str) -> bool:
    """Whether ``quote`` holds ``pattern``'s literal letters and each ``{n}`` count.

    Or an example the pattern matches (``*01`` for a ``*`` and two digits).
    """
    body = pattern.removeprefix("^").removesuffix("$")
    try:
        if any(re.fullmatch(body, token) for token in re.findall(r"[^\s,;:()]+", quote)):
            return True
    except re.error:
        return False
    literals = re.sub(r"\[[^\]]*\]|\{\d+\}|[$^\\]", " ", pattern).split()
    counts = [int(n) for n in re.findall(r"\{(\d+)\}", pattern)]
    if not literals and not counts:
        return False
    return all(literal in quote for literal in literals) and all(
        _number_in(n, quote) for n in counts
    )


def _aaa_in(code: str, value: object, quote: str) -> bool:
    if not isinstance(value, dict) or not re.search(rf"(?<!\d){re.escape(code)}(?!\d)", quote):
        return False
    wait = value.get("wait_seconds")
    if not wait:
        return True
    minutes, seconds = divmod(int(wait), 60)
    return _number_in(int(wait), quote) or (not seconds and _number_in(minutes, quote))
