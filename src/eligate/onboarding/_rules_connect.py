"""Rules for connectivity and guide metadata: URLs, envelope, auth, timing, version, contact."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from eligate.onboarding._document import GuideDocument, Passage
from eligate.onboarding._findings import Citation, Finding

_URL = re.compile(r"https?://[^\s<>\"'|,;()]+")
_TEST_WORDS = re.compile(
    r"\b(test|testing|uat|qa|sandbox|certification|cert|staging)\b", re.IGNORECASE
)
_PROD_WORDS = re.compile(
    r"\b(production|endpoint|url|posted to|post to|submit|real-?time|base url|mime|soap|rest)\b",
    re.IGNORECASE,
)
_SKIP_WORDS = re.compile(
    r"\b(licens\w*|download\w*|visit|chat|form|curl|available at|xmlns)\b|=\"?$",
    re.IGNORECASE,
)
_ENVELOPE_LABEL = re.compile(r"\b(SOAP|MIME|REST)\s*:\s*$")


_CODE = re.compile(r"[<>{}\\]|\bcurl\b|--\w")
"""Markup, a shell command or JSON: an example, not a statement."""


def _cite(passage: Passage) -> tuple[Citation, ...]:
    return (Citation(passage.page, passage.text),)


def _prose(document: GuideDocument) -> Iterator[Passage]:
    return document.of_kind("sentence", "row")


def endpoints(document: GuideDocument) -> list[Finding]:
    """Production and test endpoints: https URLs named as such, not links to read."""
    found: list[Finding] = []
    labelled: dict[str, str] = {}
    previous: Passage | None = None
    for passage in document.of_kind("sentence", "row"):
        if _CODE.search(passage.text):
            continue
        for match in _URL.finditer(passage.text):
            url = match.group(0).rstrip(".:")
            label = passage.text[: match.start()][-80:]
            if not label.strip() and previous is not None and passage.kind == "sentence":
                label = previous.text[-80:]
            if _SKIP_WORDS.search(label) or re.search(r"\.(pdf|html?|xsd)$", url):
                continue
            envelope = _ENVELOPE_LABEL.search(label)
            if _TEST_WORDS.search(label) or _TEST_WORDS.search(url.split("/")[2]):
                field = "guide.test_endpoint"
            elif _PROD_WORDS.search(label):
                field = "endpoint"
            else:
                continue
            if envelope is not None:
                labelled[url] = envelope.group(1).lower()
            found.append(Finding(field, url, _cite(passage), words=url))
        if passage.kind == "sentence":
            previous = passage
    if "mime" in labelled.values():
        # The core speaks CORE MIME: where a guide offers both, the MIME endpoint is the one.
        found = [
            finding
            for finding in found
            if labelled.get(str(finding.value), "mime") == "mime" or finding.field != "endpoint"
        ]
    return found


_ENVELOPE_CONTEXT = re.compile(
    r"\b(envelope|interface|supports?|web services?|accepts?|uses)\b", re.IGNORECASE
)
_ENVELOPE_WORDS = re.compile(r"\b(MIME|SOAP|REST)\b")


def envelope(document: GuideDocument) -> list[Finding]:
    """The CORE envelope: ``mime`` wherever offered (the core speaks it), else soap or rest."""
    found = []
    for passage in _prose(document):
        if not _ENVELOPE_CONTEXT.search(passage.text) or _CODE.search(passage.text):
            continue
        words = [match.group(1) for match in _ENVELOPE_WORDS.finditer(passage.text)]
        if not words:
            continue
        kinds = {word.lower() for word in words}
        value = next(kind for kind in ("mime", "soap", "rest") if kind in kinds)
        notes = (
            ("info: also offers " + ", ".join(sorted(kinds - {value})),) if len(kinds) > 1 else ()
        )
        word = next(word for word in words if word.lower() == value)
        found.append(Finding("guide.envelope", value, _cite(passage), words=word, notes=notes))
    return found


_AUTH_CONTEXT = re.compile(
    r"\b(auth\w*|credentials?|password|bearer|api key|oauth)\b", re.IGNORECASE
)
_AUTH = (
    ("bearer", re.compile(r"\b(bearer|oauth)\b", re.IGNORECASE)),
    ("header", re.compile(r"\b(api[ -]key|x-[a-z-]+ header)\b", re.IGNORECASE)),
    (
        "basic",
        re.compile(r"\b(user ?(?:name|id) and password|basic auth\w*|http basic)\b", re.IGNORECASE),
    ),
)


def auth(document: GuideDocument) -> list[Finding]:
    """How the payer authenticates: basic (user and password), bearer token, or a header key."""
    found = []
    for passage in _prose(document):
        if not _AUTH_CONTEXT.search(passage.text) or _CODE.search(passage.text):
            continue
        for method, pattern in _AUTH:
            match = pattern.search(passage.text)
            if match is not None:
                found.append(Finding("auth.method", method, _cite(passage), words=match.group(0)))
                break
    return found


_UNIT_SECONDS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "hour": 3600}
_TIMEOUT_FROM_TO = re.compile(
    r"\brespon\w*[^.]*?\bfrom (\d{1,3}) to (\d{1,3}) (seconds?|minutes?)", re.IGNORECASE
)
_TIMEOUT = re.compile(
    r"\b(?:respon\w*|returns?|answers?|replies)\b[^.]*?\b(?:within|in under|under|in less than|"
    r"no later than)\s+(\d{1,3})\s*(seconds?|secs?|minutes?)",
    re.IGNORECASE,
)
_TIMEOUT_AFTER = re.compile(
    r"\b(?:time[sd]? out|timeout occurs|terminated|cut off) after\s+"
    r"(\d{1,3})\s*(seconds?|minutes?)",
    re.IGNORECASE,
)
_TIMEOUT_LABEL = re.compile(
    r"\bresponse[- ]time(?: promise)?\s*\|?\s*:?\s*(\d{1,3})\s*(seconds?|minutes?)", re.IGNORECASE
)


def _unit(word: str) -> int:
    word = word.lower().rstrip("s") or "s"
    return _UNIT_SECONDS.get(word, 1)


def timeout(document: GuideDocument) -> list[Finding]:
    """The payer's response-time promise, in seconds."""
    found = []
    for passage in _prose(document):
        text = passage.text
        if re.search(r"\b(resubmit|wait|retry)\b", text, re.IGNORECASE):
            continue
        match = _TIMEOUT_FROM_TO.search(text)
        if match is not None:
            seconds = int(match.group(2)) * _unit(match.group(3))
        else:
            match = (
                _TIMEOUT.search(text) or _TIMEOUT_LABEL.search(text) or _TIMEOUT_AFTER.search(text)
            )
            if match is None:
                continue
            seconds = int(match.group(1)) * _unit(match.group(2))
        found.append(Finding("timeout.total", seconds, _cite(passage), words=match.group(0)))
    return found


_RATE = re.compile(
    r"\b(\d{1,6}(?:\.\d+)?)\s+(?:requests|transactions|inquiries|calls|270s)\s*"
    r"(?:per|a|/|each)\s*(second|sec|minute|min|hour)\b",
    re.IGNORECASE,
)


def rate(document: GuideDocument) -> list[Finding]:
    """The request rate the payer allows, per second."""
    found = []
    for passage in _prose(document):
        match = _RATE.search(passage.text)
        if match is None or re.search(r"\bbatch\b", passage.text, re.IGNORECASE):
            continue
        per_second = float(match.group(1)) / _unit(match.group(2))
        value: float | int = int(per_second) if per_second.is_integer() else round(per_second, 4)
        found.append(Finding("pacing.rate_per_second", value, _cite(passage), words=match.group(0)))
    return found


_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?"
_WINDOW = re.compile(r"\b(?:between|from)\s+" + _TIME + r"\s*(?:and|to|-)\s*" + _TIME, re.I)


def _clock(hour: str, minute: str | None, half: str | None) -> str | None:
    value = int(hour)
    if half:
        pm = half.lower().startswith("p")
        value = value % 12 + (12 if pm else 0)
    if value > 23:
        return None
    return f"{value:02d}:{minute or '00'}"


def batch_window(document: GuideDocument) -> list[Finding]:
    """When batch files are accepted, as ``HH:MM-HH:MM`` (24-hour clock)."""
    found = []
    for passage in _prose(document):
        if not re.search(r"\bbatch\b", passage.text, re.I) or "not supported" in passage.text:
            continue
        match = _WINDOW.search(passage.text)
        if match is None:
            continue
        start = _clock(*match.group(1, 2, 3))
        end = _clock(*match.group(4, 5, 6))
        if start and end:
            found.append(
                Finding("batch_window", f"{start}-{end}", _cite(passage), words=match.group(0))
            )
    return found


_VERSION = re.compile(r"\b(?:version|release)\s*:?\s*(\d{1,2}(?:\.\d{1,3}){1,2})\b", re.IGNORECASE)


def version(document: GuideDocument) -> list[Finding]:
    """The guide's own version number (not the CORE rule's nor X12's)."""
    found = []
    for passage in document.of_kind("line", "row"):
        if re.search(r"\b(core|rule|x12|interchange)\b", passage.text, re.IGNORECASE):
            continue
        match = _VERSION.search(passage.text)
        if match is not None:
            found.append(
                Finding("guide.version", match.group(1), _cite(passage), words=match.group(0))
            )
    return found


_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}
_DATE = (
    r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|"
    r"(?:" + "|".join(_MONTHS) + r")\s+\d{1,2},\s*\d{4})"
)
_EFFECTIVE = re.compile(
    r"\b(?:effective(?: date)?|revised|revision date|last updated|published|issued|release date)"
    r"\s*:?\s*" + _DATE,
    re.IGNORECASE,
)


def parse_date(text: str) -> date | None:
    """``01/15/2026``, ``2026-01-15`` or ``January 15, 2026`` as a date; ``None`` otherwise."""
    try:
        if "/" in text:
            month, day, year = (int(part) for part in text.split("/"))
        elif "-" in text:
            year, month, day = (int(part) for part in text.split("-"))
        else:
            name, rest = text.split(None, 1)
            day_text, year_text = rest.split(",")
            month, day, year = _MONTHS[name.lower()], int(day_text), int(year_text)
        return date(year, month, day)
    except (ValueError, KeyError):
        return None


def effective_date(document: GuideDocument) -> list[Finding]:
    """The date the guide takes effect (or was last revised)."""
    found = []
    for passage in document.of_kind("line", "row"):
        match = _EFFECTIVE.search(passage.text)
        if match is None:
            continue
        parsed = parse_date(match.group(1))
        if parsed is not None:
            found.append(
                Finding(
                    "guide.effective_date",
                    parsed.isoformat(),
                    _cite(passage),
                    words=match.group(0),
                )
            )
    return found


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(r"\b1-\d{3}-\d{3}-\d{4}\b|\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4}\b")
_CONTACT_WORDS = re.compile(r"\b(contact|support|help|questions|edi)\b", re.IGNORECASE)
_SHORT = 100


def contact(document: GuideDocument) -> list[Finding]:
    """Who to ask: the first e-mail address (or else phone) named in a contact passage."""
    for pattern in (_EMAIL, _PHONE):
        candidates = [
            (passage, match)
            for passage in document.of_kind("sentence", "row")
            for match in [pattern.search(passage.text)]
            if match is not None
        ]
        ranked = sorted(
            candidates, key=lambda item: (not _CONTACT_WORDS.search(item[0].text), item[0].index)
        )
        if ranked:
            passage, match = ranked[0]
            text = passage.text.strip()
            value = text if len(text) <= _SHORT else match.group(0)
            return [
                Finding("guide.contact", value.rstrip("."), _cite(passage), words=match.group(0))
            ]
    return []
