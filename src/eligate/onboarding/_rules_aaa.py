"""Rules for AAA reject reasons: per AAA03 code, the submitter's action and the resend rule.

The action is read from the guide's words ("Correct the member ID", "Resubmit
after 5 minutes"), never assumed from the code alone: a code whose passage names
no action gets ``contact_payer`` with a note, and the check sends it to review.
The actions are the stable ones AAA errors carry in a result
(:data:`eligate.codes.AaaAction`: ``fix_member_id``, ``retry_later``...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eligate.codes import AaaAction, codes_of
from eligate.onboarding._document import GuideDocument, Passage
from eligate.onboarding._findings import Citation, Finding
from eligate.x12 import code_set

_ACTION_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("fix_member_id", re.compile(r"\b(member|subscriber|insured) id\b", re.I)),
    ("fix_member_name", re.compile(r"\b(member|subscriber|patient)(?:'s)? name\b", re.I)),
    ("fix_birth_date", re.compile(r"\b(date of birth|birth date)\b", re.I)),
    ("verify_member", re.compile(r"\b(verify|check|confirm)\b", re.I)),
    ("fix_provider", re.compile(r"\b(provider|NPI)\b", re.I)),
    ("fix_submitter", re.compile(r"\bsubmitter\b", re.I)),
    ("fix_service_type", re.compile(r"\bservice type\b", re.I)),
    ("fix_request", re.compile(r"\b(required (?:application )?data|fix the request)\b", re.I)),
    ("contact_payer", re.compile(r"\bcontact\b", re.I)),
)
_CORRECT = re.compile(r"\b(correct|fix|update|verify|check|confirm|contact)\b", re.I)
AAA_ACTIONS: frozenset[str] = codes_of(AaaAction)
"""The stable actions an AAA reject reason may carry (:data:`eligate.codes.AaaAction`)."""

_RESEND_YES = re.compile(
    r"\b(?:can|may|could) be re-?submitted\b|\bre-?submit(?:ted)? after\b|"
    r"\bbefore you re-?submit\b|\bwait (?:at least )?\d+|\bretry after\b|"
    r"\btry again (?:later|after|in)\b",
    re.I,
)
_RESEND_NO = re.compile(
    r"\b(?:do not|don't|never|must not) (?:re-?submit|resend)|\bbefore sending again\b", re.I
)
_WAIT = re.compile(
    r"\b(?:after|in|wait(?: at least)?)\s+(\d{1,4})\s*(seconds?|minutes?|hours?)", re.I
)
_UNIT = {"second": 1, "minute": 60, "hour": 3600}

_CODE_IN_PROSE = re.compile(
    r"\bAAA03\b[^.]*?\bcode\s*(?:of\s*)?'?(\d{2}|[A-Z]\d)'?|\b[Cc]ode\s+'?(\d{2})'?\b|"
    r"^(?:\u2022\s*)?(\d{2}):",
)
_NEXT_TOPIC = re.compile(r"\berror condition\b|\bcode\s+'?\d{2}|\bAAA03\b|^\W*\d{2}:", re.I)


@dataclass(frozen=True, slots=True)
class AaaReading:
    """What one passage says about one reject reason."""

    action: str
    resend: bool
    wait_seconds: int | None
    words: str
    from_words: bool


def read_action(text: str) -> AaaReading:
    """The action, resend rule and wait that ``text`` states for one reason."""
    wait_match = _WAIT.search(text)
    wait = None
    if wait_match is not None:
        wait = int(wait_match.group(1)) * _UNIT[wait_match.group(2).lower().rstrip("s")]
    yes = _RESEND_YES.search(text)
    no = _RESEND_NO.search(text)
    if yes is not None and no is None:
        return AaaReading("retry_later", True, wait, yes.group(0), True)
    for action, pattern in _ACTION_WORDS:
        match = pattern.search(text)
        if match is not None and (action == "contact_payer" or _CORRECT.search(text) or no):
            return AaaReading(action, False, None, match.group(0), True)
        if match is not None and action == "fix_request":
            return AaaReading(action, False, None, match.group(0), True)
    words = no.group(0) if no is not None else ""
    return AaaReading("contact_payer", False, None, words, False)


def aaa_rules(document: GuideDocument) -> list[Finding]:
    """One finding per AAA03 code stated with a submitter action (field ``guide.aaa.CODE``)."""
    reasons = code_set("aaa03")
    found: list[Finding] = []
    for table in document.tables:
        if not table.header_has("aaa", "reject", "reason", "submitter", "action", "what the"):
            continue
        for row in table.rows:
            cells = [cell for cell in row.cells if cell]
            if len(cells) < 2 or cells[0] not in reasons:
                continue
            found.append(_finding(cells[0], cells[-1], (Citation(row.page, row.text),)))
    tabled = {finding.field for finding in found}
    found.extend(
        finding for finding in _from_lines(document, reasons) if finding.field not in tabled
    )
    found.extend(
        finding for finding in _from_prose(document, reasons) if finding.field not in tabled
    )
    return found


def _finding(code: str, text: str, citations: tuple[Citation, ...]) -> Finding:
    reading = read_action(text)
    notes = () if reading.from_words else ("no_action_in_guide",)
    value = {
        "action": reading.action,
        "resend": reading.resend,
        "wait_seconds": reading.wait_seconds,
    }
    return Finding(f"guide.aaa.{code}", value, citations, words=reading.words, notes=notes)


_LINE_CODE = re.compile(r"^(\d{2})\s+(.+)$")


def _from_lines(document: GuideDocument, reasons: object) -> list[Finding]:
    """Unruled AAA columns: a line starting with a code, on a page that speaks of AAA."""
    found = []
    for passage in document.of_kind("line"):
        if "AAA" not in document.page_text(passage.page):
            continue
        match = _LINE_CODE.match(passage.text)
        if match is None or match.group(1) not in reasons:  # type: ignore[operator]
            continue
        reading = read_action(match.group(2))
        if reading.from_words:
            found.append(_finding(match.group(1), match.group(2), _cite(passage)))
    return found


def _from_prose(document: GuideDocument, reasons: object) -> list[Finding]:
    """Sentences naming a code, with the sentences after it on the same page."""
    sentences = list(document.of_kind("sentence"))
    found = []
    for position, passage in enumerate(sentences):
        match = _CODE_IN_PROSE.search(passage.text)
        if match is None:
            continue
        code = next(group for group in match.groups() if group)
        if code not in reasons:  # type: ignore[operator]
            continue
        tail = [passage]
        for following in sentences[position + 1 : position + 4]:
            if following.page != passage.page or _NEXT_TOPIC.search(following.text):
                break
            tail.append(following)
        text = " ".join(part.text for part in tail)
        found.append(_finding(code, text[match.start() :], (Citation(passage.page, text),)))
    return found


def _cite(passage: Passage) -> tuple[Citation, ...]:
    return (Citation(passage.page, passage.text),)
