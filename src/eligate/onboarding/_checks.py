"""The gate for guide values: grounding, schema and domain checks decide each field's verdict.

AI proposes, rules dispose, here as for 271s: whoever proposed a value (the rules
or a model), it is ``accepted`` only when every cited text is on the cited page,
the words carrying the value are in the citation (a model's value: the rules
re-read it from the quote; see ``_support``), statements in the guide agree,
and the value passes the payer file's schema and the domain checks (ISA
qualifiers from the X12 list, ids that fit 15 characters, service types from the
code set, timeouts within CORE limits, https endpoints). A soft problem sends it
to ``needs_review``; a hard one ``rejected``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import urlsplit

from eligate.onboarding._document import GuideDocument, normalize_space
from eligate.onboarding._findings import Citation, Finding, ProposedBy
from eligate.onboarding._rules_aaa import AAA_ACTIONS
from eligate.onboarding._support import support
from eligate.x12 import code_set

Verdict = Literal["accepted", "needs_review", "rejected"]

ISA_QUALIFIERS = frozenset({"01", "14", "20", "27", "28", "29", "30", "33", "ZZ"})
"""ISA05 / ISA07 values the 005010X279A1 TR3 allows."""
CORE_RESPONSE_SECONDS = 20
"""CAQH CORE real-time rule: a response within 20 seconds."""
GS08_270 = "005010X279A1"
GUIDE_FIELDS = ("member_id", "birth_date", "last_name", "first_name", "gender")
_MAX_CITATIONS = 40


@dataclass(frozen=True, slots=True)
class FieldReview:
    """The gate's decision on one field.

    Attributes:
        field: The field name (``guide.aaa.42`` for one AAA reason).
        value: The chosen value.
        citations: Where it was read (deduplicated, the main one first).
        proposed_by: ``rules`` or ``llm``.
        verdict: ``accepted``, ``needs_review`` or ``rejected``.
        reasons: Stable reason codes behind a verdict other than ``accepted``.
        alternatives: Other values the guide states for the field.
    """

    field: str
    value: object
    citations: tuple[Citation, ...]
    proposed_by: ProposedBy
    verdict: Verdict
    reasons: tuple[str, ...]
    alternatives: tuple[object, ...] = ()

    @property
    def citation(self) -> Citation:
        """The main citation."""
        return self.citations[0]


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def resolve(
    findings: Iterable[Finding],
) -> dict[str, tuple[Finding, tuple[str, ...], tuple[object, ...]]]:
    """Per field: the finding to keep, the reasons its choice raises, and the other values.

    One value stated many times is one value with every citation. Values that
    disagree are a conflict: a revision history's value wins when there is one
    (it is the later statement), otherwise the value stated most often; either
    way the field goes to review.
    """
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.field, []).append(finding)
    resolved = {}
    for field, group in grouped.items():
        counts = Counter(_key(finding.value) for finding in group)
        reasons: list[str] = []
        if len(counts) == 1:
            chosen_key = next(iter(counts))
        else:
            revised = {_key(finding.value) for finding in group if finding.revision}
            if len(revised) == 1:
                chosen_key = next(iter(revised))
                reasons.append("conflict_revision_supersedes")
            else:
                chosen_key = counts.most_common(1)[0][0]
                reasons.append("conflicting_statements")
        same = [finding for finding in group if _key(finding.value) == chosen_key]
        citations = _dedupe(citation for finding in same for citation in finding.citations)
        main = same[0]
        notes = {note for finding in same for note in finding.notes}
        reasons.extend(sorted(note for note in notes if not note.startswith("info:")))
        alternatives = tuple(json.loads(key) for key in counts if key != chosen_key)
        kept = Finding(
            field,
            main.value,
            citations,
            proposed_by=main.proposed_by,
            words=main.words,
            revision=main.revision,
            notes=tuple(sorted(notes)),
        )
        resolved[field] = (kept, tuple(reasons), alternatives)
    return resolved


def _dedupe(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    seen: dict[tuple[int, str], Citation] = {}
    for citation in citations:
        seen.setdefault((citation.page, citation.text), citation)
    return tuple(seen.values())[:_MAX_CITATIONS]


def grounding(document: GuideDocument, finding: Finding) -> list[str]:
    """Hard reasons the citation does not support the value (``[]`` when it does)."""
    reasons = []
    if not finding.citations:
        return ["no_citation"]
    for citation in finding.citations:
        page = document.page_text(citation.page)
        chunks = [normalize_space(chunk) for chunk in citation.text.split(" | ")]
        if not page or not all(chunk and on_page(chunk, page) for chunk in chunks):
            reasons.append(f"citation_not_on_page:{citation.page}")
    cited = " ".join(citation.text for citation in finding.citations).lower()
    if finding.words and normalize_space(finding.words).lower() not in cited:
        reasons.append("value_words_not_in_citation")
    return reasons


_GAP = 160
"""The most characters a table cell's lines may lie apart on the page (other columns between)."""


def on_page(chunk: str, page: str) -> bool:
    """Whether ``chunk`` is on ``page``: verbatim, or word by word in order with short gaps.

    A table cell printed on two lines is read with the other columns' words between
    its lines; its words are still on the page in order, close together.
    """
    if chunk in page:
        return True
    first, *rest = chunk.split(" ")
    start = page.find(first)
    while start >= 0:
        if _follows(rest, page, start + len(first)):
            return True
        start = page.find(first, start + 1)
    return False


def _follows(words: list[str], page: str, position: int) -> bool:
    for word in words:
        found = page.find(word, position)
        if found < 0 or found - position > _GAP:
            return False
        position = found + len(word)
    return True


def domain(field: str, value: object) -> tuple[list[str], list[str]]:
    """Hard and soft reasons ``value`` does not fit ``field`` (both ``[]`` when it does)."""
    hard: list[str] = []
    soft: list[str] = []
    if field in ("endpoint", "guide.test_endpoint"):
        parts = urlsplit(str(value))
        if parts.scheme != "https" or not parts.hostname:
            hard.append("endpoint_not_https")
    elif field == "auth.method":
        if value not in ("none", "basic", "bearer", "header"):
            hard.append("unknown_auth_method")
    elif field == "timeout.total":
        if not isinstance(value, int | float) or not 0 < value <= 60:
            hard.append("timeout_out_of_range")
        elif value > CORE_RESPONSE_SECONDS:
            soft.append("timeout_above_core_20s")
    elif field == "pacing.rate_per_second":
        if not isinstance(value, int | float) or not 0 < value <= 10_000:
            hard.append("rate_out_of_range")
    elif field == "x12.receiver_id":
        if not re.fullmatch(r"[A-Z0-9 ]{2,15}", str(value)):
            hard.append("receiver_id_not_15_x12_characters")
    elif field == "x12.payer_id":
        if not re.fullmatch(r"[A-Z0-9]{2,80}", str(value)):
            hard.append("payer_id_shape")
    elif field == "x12.payer_name":
        if not 1 <= len(str(value)) <= 60:
            hard.append("payer_name_length")
    elif field in ("x12.isa05", "x12.isa07"):
        if value not in ISA_QUALIFIERS:
            hard.append("isa_qualifier_not_in_x12_list")
    elif field == "x12.gs08":
        if value != GS08_270:
            (soft if str(value).startswith("005010X279") else hard).append("gs08_not_005010x279a1")
    elif field == "batch_window":
        if not re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}", str(value)):
            hard.append("batch_window_shape")
    elif field == "guide.version":
        if not re.fullmatch(r"\d+(\.\d+)*", str(value)):
            hard.append("version_shape")
    elif field == "guide.effective_date":
        hard.extend(_date_reasons(value))
    elif field == "guide.envelope":
        if value not in ("mime", "soap", "rest"):
            hard.append("unknown_envelope")
    elif field == "guide.service_types":
        hard.extend(_service_type_reasons(value))
    elif field in ("guide.member_id_pattern", "guide.member_id_strip_suffix"):
        hard.extend(_regex_reasons(str(value)))
    elif field == "guide.required_fields":
        if (
            not isinstance(value, Sequence)
            or not value
            or any(name not in GUIDE_FIELDS for name in value)
        ):
            hard.append("unknown_search_field")
    elif field == "guide.dependents_as_subscriber":
        if not isinstance(value, bool):
            hard.append("not_a_boolean")
    elif field == "guide.max_eq_per_request":
        if not isinstance(value, int) or not 1 <= value <= 99:
            hard.append("eq_limit_out_of_range")
    elif field.startswith("guide.aaa."):
        hard.extend(_aaa_reasons(field.removeprefix("guide.aaa."), value))
    elif field == "guide.contact" and not 3 <= len(str(value)) <= 200:
        hard.append("contact_length")
    return hard, soft


def _date_reasons(value: object) -> list[str]:
    try:
        parsed = date.fromisoformat(str(value))
    except ValueError:
        return ["not_a_date"]
    return [] if 2000 <= parsed.year <= 2100 else ["date_out_of_range"]


def _service_type_reasons(value: object) -> list[str]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        return ["no_service_types"]
    known = code_set("eb03")
    return [f"unknown_service_type:{code}" for code in value if code not in known]


def _regex_reasons(value: str) -> list[str]:
    try:
        re.compile(value)
    except re.error:
        return ["regex_does_not_compile"]
    return [] if len(value) <= 200 else ["regex_too_long"]


def _aaa_reasons(code: str, value: object) -> list[str]:
    reasons = []
    if code not in code_set("aaa03"):
        reasons.append("aaa03_not_in_x12_list")
    if not isinstance(value, dict):
        return [*reasons, "aaa_rule_shape"]
    if value.get("action") not in AAA_ACTIONS:
        reasons.append("unknown_action")
    if not isinstance(value.get("resend"), bool):
        reasons.append("resend_not_boolean")
    wait = value.get("wait_seconds")
    if wait is not None and (not isinstance(wait, int) or not 0 <= wait <= 86_400):
        reasons.append("wait_out_of_range")
    return reasons


def review(document: GuideDocument, findings: Iterable[Finding]) -> list[FieldReview]:
    """The verdict on every field the findings speak of, in the order they were found."""
    reviews = []
    for field, (finding, choice_reasons, alternatives) in resolve(findings).items():
        hard = grounding(document, finding)
        domain_hard, soft = domain(field, finding.value)
        if finding.proposed_by == "llm" and not hard:
            level = support(document, finding)
            if level == "none":
                hard.append("value_not_supported_by_citation")
            elif level == "words":
                soft.append("model_value_not_read_by_rules")
        hard += domain_hard
        soft += list(choice_reasons)
        verdict: Verdict = "rejected" if hard else "needs_review" if soft else "accepted"
        reviews.append(
            FieldReview(
                field=field,
                value=finding.value,
                citations=finding.citations,
                proposed_by=finding.proposed_by,
                verdict=verdict,
                reasons=tuple(hard + soft),
                alternatives=alternatives,
            )
        )
    return reviews
