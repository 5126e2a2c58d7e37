"""Rules for envelope ids, the payer, service types and the member search."""

from __future__ import annotations

import re

from eligate.onboarding._document import GuideDocument, Passage, TableRow
from eligate.onboarding._findings import Citation, Finding
from eligate.onboarding._member_id import NUMBER_WORDS, count, pattern_from_words, suffix_from_words
from eligate.x12 import code_set

_TAGS = {
    "ISA05": "x12.isa05",
    "ISA07": "x12.isa07",
    "ISA08": "x12.receiver_id",
    "GS03": "x12.receiver_id",
    "GS08": "x12.gs08",
}
_TAG = re.compile(r"\b(ISA0[578]|GS0[38])\b")
_NOT_ID = re.compile(
    r"^(ISA\d\d|GS\d\d|NM1\d*|2\d{3}[A-Z]|ID|TAX|CORE|X12|EIN|DUNS|NPI|ASC|HIPAA|PAYER|MUST|OA)$"
)
_QUALIFIER = re.compile(r"\b(\d{2}|ZZ)\b")
_ID = re.compile(r"\b(?:[A-Z0-9]*\d[A-Z0-9]*|[A-Z][A-Z0-9]{3,14})\b")
_GS08 = re.compile(r"\b00[45]0[01]0X\d{3}(?:A\d)?\b")


def _row_cite(row: TableRow) -> tuple[Citation, ...]:
    return (Citation(row.page, row.text),)


def _cite(passage: Passage) -> tuple[Citation, ...]:
    return (Citation(passage.page, passage.text),)


def _id_token(text: str, *, digits: bool = False) -> str | None:
    """The first id-like token: capitals and digits, not a tag nor a short number.

    With ``digits``, only a token holding a digit: in running text a capitalised
    word is more often a name than an id.
    """
    for match in _ID.finditer(text):
        token = match.group(0)
        if _NOT_ID.match(token) or (token.isdigit() and len(token) < 4):
            continue
        if digits and not any(ch.isdigit() for ch in token):
            continue
        return token
    return None


def _tag_value(tag: str, text: str) -> str | None:
    if tag in ("ISA05", "ISA07"):
        match = _QUALIFIER.search(text)
        return match.group(1) if match else None
    if tag == "GS08":
        versions: list[str] = _GS08.findall(text)
        preferred = [version for version in versions if "X279" in version]
        return (preferred or versions)[0] if versions else None
    return _id_token(text)


def envelope_ids(document: GuideDocument) -> list[Finding]:
    """ISA05/ISA07 qualifiers, ISA08/GS03 receiver id and the GS08 version.

    Table rows are read first (the value is in the last cell); prose and unruled
    columns only for the tags no table row gave.
    """
    found: list[Finding] = []
    seen: set[str] = set()
    for table in document.tables:
        for row in table.rows:
            cells = [cell for cell in row.cells if cell]
            for index, cell in enumerate(cells[:-1]):
                match = _TAG.match(cell)
                if match is None:
                    continue
                tag = match.group(1)
                value = _tag_value(tag, cells[-1])
                if value is not None and index < len(cells) - 1:
                    found.append(Finding(_TAGS[tag], value, _row_cite(row), words=value))
                    seen.add(tag)
                break
    for passage in document.of_kind("line", "sentence"):
        text = passage.text
        for match in _TAG.finditer(text):
            tag = match.group(1)
            if tag in seen:
                continue
            rest = text[match.end() :]
            stop = re.search(r"\b(?:ISA\d\d|GS\d\d|and)\b|[.;]", rest)
            value = _tag_value(tag, rest[: stop.start()] if stop else rest)
            if value is not None:
                found.append(Finding(_TAGS[tag], value, _cite(passage), words=value))
    for passage in document.of_kind("sentence"):
        receiver = re.search(r"\b(?i:receiver id is)\s+\"?([A-Z0-9]{2,15})\"?", passage.text)
        if receiver is not None and not _NOT_ID.match(receiver.group(1)):
            value = receiver.group(1)
            found.append(Finding("x12.receiver_id", value, _cite(passage), words=value))
    return found


_CAPS = re.compile(r"\b[A-Z][A-Z0-9&'-]+(?: [A-Z0-9&'-]+)*\b")
_PAYER_ID_SAID = re.compile(
    r"\b(?i:payer (?:id|identifier))\b\)?\s*(?:\([^)]*\))?\s*[:=]?\s*([A-Z0-9]{2,80})\b|"
    r"\bNM109\s*[:=]\s*([A-Z0-9]{2,80})\b|"
    r"\b([A-Z0-9]{2,80}) in NM109\b"
)
_PAYER_NAME_SAID = re.compile(
    r"\b(?i:payer name)\b\s*(?:\([^)]*\))?\s*[:=]?\s*([A-Z][A-Z0-9&' -]*[A-Z0-9])\b|"
    r"\bNM103\s*[:=]\s*([A-Z][A-Z0-9&' -]*[A-Z0-9])\b|"
    r"\b([A-Z][A-Z0-9&' -]*[A-Z0-9]) in NM103\b"
)


def _name_words(run: str) -> str:
    """A run of capitals without the tags and codes before it (``NM103 ACME HEALTH``)."""
    words = run.split()
    while words and (_NOT_ID.match(words[0]) or any(ch.isdigit() for ch in words[0])):
        words.pop(0)
    return " ".join(words)


def payer(document: GuideDocument) -> list[Finding]:
    """The payer id (2100A NM109) and payer name (2100A NM103)."""
    found: list[Finding] = []
    for passage in document.of_kind("row", "sentence", "line"):
        text = passage.text
        if not re.search(r"\b2100A\b|\bpayer\b", text, re.IGNORECASE):
            continue
        if re.search(r"\bNM109\b", text):
            said = _PAYER_ID_SAID.search(text)
            tail = text.split(" | ")[-1] if passage.kind == "row" else text
            value = (
                next(group for group in said.groups() if group)
                if said is not None and passage.kind != "row"
                else _id_token(tail.replace("NM109", ""), digits=passage.kind != "row")
            )
            if value is not None:
                found.append(Finding("x12.payer_id", value, _cite(passage), words=value))
        if re.search(r"\bNM103\b", text):
            said = _PAYER_NAME_SAID.search(text)
            tail = text.split(" | ")[-1] if passage.kind == "row" else text
            runs = (
                [next(group for group in said.groups() if group)]
                if said is not None and passage.kind != "row"
                else _CAPS.findall(tail)
            )
            names = [_name_words(run) for run in runs]
            names = [name for name in names if " " in name or len(name) >= 4]
            if names:
                name = max(names, key=len)
                found.append(Finding("x12.payer_name", name, _cite(passage), words=name))
    return found


_STC_SHAPE = re.compile(r"^[0-9A-Z]{1,2}$")
_STC_TOKEN = re.compile(r"(?<![\w.-])([0-9]{1,2}|[A-Z][0-9A-Z])(?![\w-])(?!\.\w)")
_SUPPORTED = re.compile(r"\b(support\w*|accept\w*|answer\w*)\b", re.IGNORECASE)


def service_types(document: GuideDocument) -> list[Finding]:
    """Supported EQ01 codes, from a service type table (merged across pages) or a list."""
    found = []
    for table in document.tables:
        if not table.header_has("service type", "stc"):
            continue
        supported_column = next(
            (i for i, cell in enumerate(table.header) if "support" in cell), None
        )
        codes: list[str] = []
        citations: list[Citation] = []
        for row in table.rows:
            code = row.cells[0] if row.cells else ""
            if not _STC_SHAPE.match(code):
                continue
            if supported_column is not None and not re.match(
                r"(?i)(yes|y|x|supported)\b", row.cells[supported_column]
            ):
                continue
            if code not in codes:
                codes.append(code)
                citations.append(Citation(row.page, row.text))
        if codes:
            found.append(Finding("guide.service_types", tuple(codes), tuple(citations)))
    stc = code_set("eb03")
    for passage in document.of_kind("sentence", "row"):
        text = passage.text
        at = re.search(r"service types?", text, re.IGNORECASE)
        if at is None or not _SUPPORTED.search(text):
            continue
        tail = text[at.start() :]
        codes = []
        for match in _STC_TOKEN.finditer(tail):
            code = match.group(1)
            if code in stc and code not in codes:
                codes.append(code)
        if len(codes) >= 2:
            found.append(
                Finding("guide.service_types", tuple(codes), _cite(passage), words=tail.strip())
            )
    return found


def member_id(document: GuideDocument) -> list[Finding]:
    """The member ID format (a regex built from its description) and a card suffix to drop."""
    found = []
    for passage in document.of_kind("sentence", "row"):
        text = passage.text.split(" | ")[-1] if passage.kind == "row" else passage.text
        pattern = pattern_from_words(text)
        if pattern is not None:
            found.append(
                Finding(
                    "guide.member_id_pattern",
                    pattern[0],
                    _cite(passage),
                    words=pattern[1],
                )
            )
        suffix = suffix_from_words(text)
        if suffix is not None:
            found.append(
                Finding("guide.member_id_strip_suffix", suffix[0], _cite(passage), words=suffix[1])
            )
    return found


_REQUIRED = re.compile(
    r"\b(?:required(?: search)?(?: fields?)?\s*:|must include|required search fields|"
    r"(?:searches|inquiries|requests|270s) (?:must )?(?:require|include|carry))",
    re.IGNORECASE,
)
_SEARCH_FIELDS = (
    ("member_id", re.compile(r"\b(member|subscriber) (id|identifier)\b", re.IGNORECASE)),
    ("last_name", re.compile(r"\blast name|\bsurname", re.IGNORECASE)),
    ("first_name", re.compile(r"\bfirst name", re.IGNORECASE)),
    ("birth_date", re.compile(r"\bdate of birth|\bbirth ?date|\bDOB\b", re.IGNORECASE)),
    ("gender", re.compile(r"\bgender|\bsex\b", re.IGNORECASE)),
)


def required_fields(document: GuideDocument) -> list[Finding]:
    """The search fields every 270 must carry."""
    found = []
    for passage in document.of_kind("sentence", "row"):
        match = _REQUIRED.search(passage.text)
        if match is None:
            continue
        tail = passage.text[match.start() :]
        names = tuple(name for name, pattern in _SEARCH_FIELDS if pattern.search(tail))
        if names:
            found.append(
                Finding("guide.required_fields", names, _cite(passage), words=tail.strip())
            )
    return found


_AS_SUBSCRIBER = re.compile(
    r"\b(?:own|unique|separate) (?:member )?id\b[^.]*\bas the subscriber|"
    r"\b(?:sent|submitted) as the subscriber",
    re.IGNORECASE,
)
_UNDER_SUBSCRIBER = re.compile(
    r"\bnot issued their own|\b2100D\b[^.]*\bdependent|\bdependent[^.]*\b2100D\b|"
    r"\bunder the subscriber|\bwith the subscriber'?s member id",
    re.IGNORECASE,
)


def dependents(document: GuideDocument) -> list[Finding]:
    """Whether dependents with their own member ID go as the subscriber (2100C)."""
    found = []
    for passage in document.of_kind("sentence", "row"):
        if not re.search(r"\bdependents?\b", passage.text, re.IGNORECASE):
            continue
        match = _AS_SUBSCRIBER.search(passage.text)
        value = True
        if match is None:
            match = _UNDER_SUBSCRIBER.search(passage.text)
            value = False
        if match is not None:
            found.append(
                Finding(
                    "guide.dependents_as_subscriber", value, _cite(passage), words=match.group(0)
                )
            )
    return found


_NUMBER = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_EQ_LIMIT = re.compile(
    r"\b" + _NUMBER + r"\s+\(?EQ\b(?:\s+segments?)?\)?\s*(?:segments?\s+)?"
    r"(?:per|in each|in a)\s+(?:request|270|inquiry|transaction)",
    re.IGNORECASE,
)


def eq_limit(document: GuideDocument) -> list[Finding]:
    """How many EQ segments one 270 may carry."""
    found = []
    for passage in document.of_kind("sentence", "row"):
        match = _EQ_LIMIT.search(passage.text)
        if match is None:
            continue
        limit = count(match.group(1))
        if limit:
            found.append(
                Finding(
                    "guide.max_eq_per_request",
                    limit,
                    _cite(passage),
                    words=match.group(0),
                )
            )
    return found
