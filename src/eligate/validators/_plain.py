"""Front-desk summaries: the template, or a model's wording only if it claims nothing new.

A model's text is refused (and the template used) when it holds a number that is
not a value of the validated result, or a claim (authorization, network,
coverage, a kind of benefit, family/individual) the result does not support, or
when it drops the "needs review" warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from eligate.llm import ModelUnavailableError
from eligate.normalizer import (
    EligibilityResult,
    FrontDeskSummary,
    SummaryWriter,
    template_summary,
)
from eligate.validators._grounding import number

_NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(%?)")


def _allowed_numbers(result: EligibilityResult) -> set[Decimal]:
    allowed: set[Decimal] = set()
    for benefit in result.benefits:
        for text in (benefit.amount, benefit.quantity):
            if (value := number(text)) is not None:
                allowed.add(value)
        if (value := number(benefit.percent)) is not None:
            allowed.add(value)
            allowed.add(value * 100)
        if benefit.procedure is not None and (value := number(benefit.procedure.code)):
            allowed.add(value)
    for entry in (*result.summary.deductible, *result.summary.out_of_pocket):
        for text in (entry.limit, entry.remaining, entry.met):
            if (value := number(text)) is not None:
                allowed.add(value)
    return allowed


def _claims(result: EligibilityResult) -> dict[str, bool]:
    """What the result supports, keyed by the claim a text might make."""
    benefits = result.benefits
    networks = {b.in_plan_network_code for b in benefits}
    levels = {b.coverage_level_code for b in benefits}
    summary = [*result.summary.deductible, *result.summary.out_of_pocket]
    return {
        "authorization required": any(b.auth_required for b in benefits),
        "no authorization": any(b.auth_required is False for b in benefits),
        "deductible": any(b.code == "C" for b in benefits),
        "out-of-pocket": any(b.code == "G" for b in benefits),
        "copay": any(b.code == "B" for b in benefits),
        "coinsurance": any(b.code == "A" for b in benefits),
        "in network": bool(networks & {"Y", "W"}),
        "out of network": bool(networks & {"N", "W"}),
        "family": "FAM" in levels,
        "individual": "IND" in levels,
        "remaining": any(e.remaining is not None for e in summary),
        "met": any(e.met is not None for e in summary),
        "active": result.coverage_status == "active",
        "inactive": result.coverage_status == "inactive",
    }


_CLAIM_WORDS = {
    "no authorization": re.compile(
        r"\b(?:no|not|without)\b[^.]{0,30}\bauthori[sz]ation|authori[sz]ation[^.]{0,20}\bnot\b",
        re.I,
    ),
    "authorization required": re.compile(
        r"authori[sz]ation[^.]{0,20}\brequired\b|\brequires?\b[^.]{0,30}authori[sz]ation", re.I
    ),
    "deductible": re.compile(r"\bdeductible", re.I),
    "out-of-pocket": re.compile(r"\bout[-\s]of[-\s]pocket|\boop\b", re.I),
    "copay": re.compile(r"\bco-?pay", re.I),
    "coinsurance": re.compile(r"\bco-?insurance", re.I),
    "out of network": re.compile(r"\bout[-\s]of[-\s]network|\bnon[-\s]network", re.I),
    "in network": re.compile(r"(?<!of )\bin[-\s]network", re.I),
    "family": re.compile(r"\bfamily\b", re.I),
    "individual": re.compile(r"\bindividual\b", re.I),
    "remaining": re.compile(r"\bremaining\b|\bleft\b", re.I),
    "met": re.compile(r"\bmet\b", re.I),
    "inactive": re.compile(r"\binactive\b|\bnot (?:covered|active)\b|\bterminated\b", re.I),
    "active": re.compile(r"(?<!in)\bactive\b|\bis covered\b", re.I),
}


def summary_problems(text: str, result: EligibilityResult) -> Iterator[str]:
    """Why ``text`` says more than ``result`` (empty when it says nothing new)."""
    allowed = _allowed_numbers(result)
    for match in _NUMBER.finditer(text):
        value = number(match.group(0).rstrip("%"))
        if value is not None and value not in allowed:
            yield f"number_not_in_result: {match.group(0)}"
    supported = _claims(result)
    for claim, pattern in _CLAIM_WORDS.items():
        if pattern.search(text) and not supported[claim]:
            yield f"claim_not_in_result: {claim}"
    verdict = result.validation.verdict if result.validation else None
    if verdict == "needs_review" and "review" not in text.lower():
        yield "review_warning_dropped"


def front_desk_summary(
    result: EligibilityResult, *, writer: SummaryWriter | None = None
) -> FrontDeskSummary:
    """The template summary, or ``writer``'s wording of it when that claims nothing new.

    Never raises for a model failure: the template is returned with the reason.
    """
    template = template_summary(result)
    verdict = result.validation.verdict if result.validation else None
    if writer is None or verdict in (None, "rejected"):
        return FrontDeskSummary(text=template, source="template")
    asked = {"prompt_version": writer.prompt_version, "model": writer.model}
    try:
        text = writer.write(template).strip()
    except ModelUnavailableError as error:
        refused = f"model_unavailable: {error.detail}"
        return FrontDeskSummary(text=template, source="template", refused=refused, **asked)
    except Exception as error:  # a summary never fails the request
        refused = f"model_unavailable: error_{type(error).__name__}"
        return FrontDeskSummary(text=template, source="template", refused=refused, **asked)
    problems = list(summary_problems(text, result))
    if problems:
        return FrontDeskSummary(text=template, source="template", refused=problems[0], **asked)
    return FrontDeskSummary(text=text, source="llm", **asked)
