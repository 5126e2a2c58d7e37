"""The optional model step: proposals for the fields the rules left, through ``eligate.llm``.

The model sees the fields wanted and the guide's pages (the pages most likely to
hold them, within a character budget) and answers with ``{field, value, page,
quote}``. Its proposals go through the same gate as the rules' findings, plus
one more check: the quote must state the value (the rules, run on the quote
alone, find the same value, or the value is written in the quote). A model that
is unavailable leaves the rules' draft as it is, and says so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eligate.llm import ModelClient, ModelUnavailableError
from eligate.onboarding._document import GuideDocument, normalize_space
from eligate.onboarding._findings import Citation, Finding
from eligate.prompts import load_prompt

PAGE_BUDGET_CHARS = 24_000
"""The most page text one model call carries."""

FIELD_HELP: dict[str, str] = {
    "endpoint": "https https URL where production 270s are posted",
    "auth.method": "one of basic (user name and password), bearer (token), header (API key)",
    "timeout.total": "the payer's response-time promise in seconds (integer)",
    "pacing.rate_per_second": "requests per second the payer allows (number)",
    "x12.receiver_id": "ISA08 / GS03 receiver id",
    "x12.payer_id": "payer identifier sent in 2100A NM109",
    "x12.payer_name": "payer name sent in 2100A NM103, upper case",
    "x12.isa05": "ISA05 interchange id qualifier (two characters)",
    "x12.isa07": "ISA07 interchange id qualifier (two characters)",
    "x12.gs08": "GS08 version code for the 270",
    "batch_window": "when batch files are accepted, HH:MM-HH:MM 24-hour clock",
    "guide.version": "the companion guide's version number",
    "guide.effective_date": "the guide's effective date, YYYY-MM-DD",
    "guide.test_endpoint": "https URL of the payer's test system",
    "guide.envelope": "one of mime, soap, rest",
    "guide.service_types": "list of supported EQ01 service type codes",
    "guide.member_id_pattern": "a full-match regular expression for member IDs",
    "guide.member_id_strip_suffix": "a regular expression of a card suffix to drop, ending in $",
    "guide.required_fields": "list from member_id, birth_date, last_name, first_name, gender",
    "guide.dependents_as_subscriber": "true when dependents with their own ID go as subscriber",
    "guide.max_eq_per_request": "the most EQ segments per 270 (integer)",
    "guide.aaa": "per AAA03 code: {code, action, resend, wait_seconds}",
    "guide.contact": "who to contact for EDI questions (e-mail or phone)",
}
"""What each field means, as the model is told."""

_KEYWORDS: dict[str, str] = {
    "endpoint": "https",
    "auth.method": "auth|password|token|key",
    "timeout.total": "second|respon",
    "pacing.rate_per_second": "per second|per minute|rate",
    "x12.receiver_id": "ISA08|GS03|receiver",
    "x12.payer_id": "NM109|payer id",
    "x12.payer_name": "NM103|payer name",
    "x12.isa05": "ISA05",
    "x12.isa07": "ISA07",
    "x12.gs08": "GS08|005010",
    "batch_window": "batch",
    "guide.version": "version",
    "guide.effective_date": "effective|revised",
    "guide.test_endpoint": "test|sandbox|cert",
    "guide.envelope": "MIME|SOAP|REST",
    "guide.service_types": "service type",
    "guide.member_id_pattern": "member id|subscriber id",
    "guide.member_id_strip_suffix": "suffix",
    "guide.required_fields": "required|must include",
    "guide.dependents_as_subscriber": "dependent",
    "guide.max_eq_per_request": "EQ",
    "guide.aaa": "AAA",
    "guide.contact": "contact|support|@",
}


class GuideProposal(BaseModel):
    """One value the model read, with the page and the words it read it from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(max_length=64)
    value: Any
    page: int = Field(ge=1)
    quote: str = Field(min_length=1, max_length=600)


class GuideProposals(BaseModel):
    """The model's answer: proposals for some of the fields asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    proposals: list[GuideProposal] = Field(default_factory=list, max_length=200)


@dataclass(frozen=True, slots=True)
class ModelRun:
    """What the model step did: its findings, tokens spent, and why it stopped if it did."""

    findings: tuple[Finding, ...]
    tokens: int
    outcome: str
    """``proposed``, ``nothing_to_ask`` or ``model_unavailable:<detail>``."""


def pages_for(document: GuideDocument, fields: list[str], budget: int) -> list[int]:
    """The pages most likely to state ``fields``, best first, within ``budget`` characters."""
    pattern = re.compile("|".join(_KEYWORDS.get(field, field) for field in fields), re.IGNORECASE)
    scored = sorted(
        range(1, document.page_count + 1),
        key=lambda page: (-len(pattern.findall(document.page_text(page))), page),
    )
    chosen: list[int] = []
    used = 0
    for page in scored:
        size = len(document.page_text(page))
        if used + size > budget:
            continue
        chosen.append(page)
        used += size
    return sorted(chosen)


def propose(
    client: ModelClient,
    document: GuideDocument,
    fields: list[str],
    *,
    budget: int = PAGE_BUDGET_CHARS,
) -> ModelRun:
    """Ask the model for ``fields`` only; turn its answer into findings proposed by ``llm``."""
    wanted = [field for field in fields if field in FIELD_HELP]
    if not wanted:
        return ModelRun((), 0, "nothing_to_ask")
    prompt = load_prompt("onboard_guide", "v1")
    pages = pages_for(document, wanted, budget)
    payload = {
        "FIELDS": {field: FIELD_HELP[field] for field in wanted},
        "PAGES": [{"page": page, "text": document.page_text(page)} for page in pages],
    }
    messages = [
        {"role": "system", "content": prompt.text},
        {"role": "user", "content": json.dumps(payload, ensure_ascii=False)},
    ]
    try:
        answer = client.ask(
            messages=messages, response_model=GuideProposals, context={"fields": wanted}
        )
    except ModelUnavailableError as error:
        return ModelRun((), error.tokens, f"model_unavailable:{error.detail}")
    findings = []
    for proposal in answer.value.proposals:
        findings.extend(_findings(proposal, set(wanted)))
    return ModelRun(tuple(findings), answer.tokens, "proposed")


def _findings(proposal: GuideProposal, wanted: set[str]) -> list[Finding]:
    if proposal.field not in wanted:
        return []
    citation = (Citation(proposal.page, normalize_space(proposal.quote)),)
    if proposal.field == "guide.aaa":
        return _aaa_findings(proposal, citation)
    value = proposal.value
    if isinstance(value, list):
        value = tuple(str(item) for item in value)
    return [Finding(proposal.field, value, citation, proposed_by="llm")]


def _aaa_findings(proposal: GuideProposal, citation: tuple[Citation, ...]) -> list[Finding]:
    entries = proposal.value if isinstance(proposal.value, list) else [proposal.value]
    findings = []
    for entry in entries:
        if not isinstance(entry, dict) or "code" not in entry:
            continue
        rule = {
            "action": entry.get("action"),
            "resend": entry.get("resend"),
            "wait_seconds": entry.get("wait_seconds"),
        }
        findings.append(Finding(f"guide.aaa.{entry['code']}", rule, citation, proposed_by="llm"))
    return findings
