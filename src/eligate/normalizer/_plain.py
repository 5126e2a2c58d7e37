"""Plain-language front-desk summaries from a result's validated fields: the template.

Deterministic and pure. Only what the gate let through is used: status, plan,
the accumulator summary and the benefits (rules' or gate-accepted proposals);
never a member's name, ID or birth date.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import BaseModel, ConfigDict

from eligate.normalizer._models import Accumulator, Benefit, EligibilityResult
from eligate.x12 import code_set


class FrontDeskSummary(BaseModel):
    """A few plain sentences for the front desk, and who wrote them."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    text: str
    """The summary, e.g. ``Deductible: $2,500 individual, $847.23 remaining.``"""
    source: Literal["template", "llm"]
    """``template`` (deterministic) or ``llm`` (a model's wording that passed the check)."""
    refused: str | None = None
    """Why a model's wording was refused and the template used instead."""
    prompt_version: str | None = None
    """The prompt file a model was asked with, where one was."""
    model: str | None = None
    """The model asked, where one was."""


def money(text: str | None) -> str | None:
    """``2500`` -> ``$2,500``; ``847.23`` -> ``$847.23``; cents kept only when not zero."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if value == value.to_integral_value():
        return f"${value:,.0f}"
    return f"${value:,.2f}"


def _percent(text: str | None) -> str | None:
    try:
        value = Decimal(text or "x") * 100
    except InvalidOperation:
        return None
    return f"{value.normalize():f}%"


def _words(name: str | None) -> str:
    return (name or "").replace("_", " ")


def _service(benefit: Benefit) -> str:
    services = code_set("eb03")
    names = [services.description(code) or code for code in benefit.service_type_codes]
    return ", ".join(names) if names else "all services"


def _network(code: str | None) -> str:
    return {"Y": "in network", "N": "out of network", "W": "in and out of network"}.get(
        code or "", ""
    )


def _accumulator(label: str, entry: Accumulator) -> str | None:
    limit, remaining, met = money(entry.limit), money(entry.remaining), money(entry.met)
    if limit is None and remaining is None:
        return None
    parts = [f"{limit} {_words(entry.coverage_level)}".strip()] if limit else []
    if remaining:
        parts.append(f"{remaining} remaining")
    elif met:
        parts.append(f"{met} met")
    network = _network(entry.in_plan_network_code)
    suffix = f" ({network})" if network else ""
    return f"{label}: {', '.join(parts)}{suffix}."


def template_summary(result: EligibilityResult) -> str:
    """The deterministic summary of ``result``; says so when the result needs a human."""
    verdict = result.validation.verdict if result.validation else None
    if verdict == "rejected":
        return "This answer could not be verified automatically: check with the payer."
    lines: list[str] = []
    if verdict == "needs_review":
        lines.append("Needs review: part of the payer's answer could not be read automatically.")
    status = result.coverage_status
    if status == "active":
        plan = f" ({result.plan_name})" if result.plan_name else ""
        lines.append(f"Coverage: active{plan}.")
    elif status == "inactive":
        lines.append("Coverage: inactive.")
    elif status == "error":
        reason = result.errors[0].description if result.errors else None
        lines.append(f"The payer could not answer{f': {reason}' if reason else ''}.")
    else:
        lines.append("Coverage: could not be determined.")
    for label, entries in (
        ("Deductible", result.summary.deductible),
        ("Out-of-pocket maximum", result.summary.out_of_pocket),
    ):
        lines.extend(line for e in entries if (line := _accumulator(label, e)) is not None)
    for benefit in result.benefits:
        line = _benefit_line(benefit)
        if line is not None and line not in lines:
            lines.append(line)
    return " ".join(lines)


def _benefit_line(benefit: Benefit) -> str | None:
    network = _network(benefit.in_plan_network_code)
    where = f" {network}" if network else ""
    auth = ", prior authorization required" if benefit.auth_required else ""
    if benefit.code == "B" and benefit.amount is not None:
        return f"Copay: {money(benefit.amount)} for {_service(benefit)}{where}{auth}."
    if benefit.code == "A" and benefit.percent is not None:
        return f"Coinsurance: {_percent(benefit.percent)} for {_service(benefit)}{where}{auth}."
    if benefit.auth_required:
        what = benefit.procedure.description if benefit.procedure else None
        return f"{what or _service(benefit)}: prior authorization required."
    return None
