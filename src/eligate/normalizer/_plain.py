"""Plain-language front-desk summaries from a result's validated fields: the template.

Deterministic and pure. Only what the gate let through is used: status, plan,
the accumulator summary and the benefits (rules' or gate-accepted proposals);
never a member's name, ID or birth date.
"""

from __future__ import annotations

from datetime import date
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


_TIME_UNITS = {
    "6": "an hour",
    "7": "a day",
    "13": "per 24 hours",
    "27": "a visit",
    "36": "an admission",
}
"""EB06 periods that say what one copay or co-insurance amount is charged for."""
_QUANTITY_UNITS = {"DY": "days", "VS": "visits", "HS": "hours", "MN": "months", "YY": "years"}


def _context(parts: list[str | None]) -> str:
    named = [part for part in parts if part]
    return f" ({', '.join(named)})" if named else ""


def _accumulator(label: str, entry: Accumulator, *, context: bool) -> str | None:
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
    where = ""
    if context:
        insurance = code_set("eb04").description(entry.insurance_type_code or "")
        services = [code for code in entry.service_type_codes if code != "30"]
        named = [code_set("eb03").description(code) or code for code in services]
        where = _context([insurance, entry.plan_coverage, *named])
    return f"{label}{where}: {', '.join(parts)}{suffix}."


_END_QUALIFIERS = frozenset({"347", "357", "307", "291", "292"})
"""DTP01 on an inactive EB whose (range) end says when coverage ended."""


def _inactive_end(result: EligibilityResult) -> date | None:
    """The latest end date the payer sent with an inactive EB (6-8), if any."""
    ends = [
        value.end
        for benefit in result.benefits
        if benefit.code in ("6", "7", "8")
        for value in benefit.dates
        if value.qualifier_code in _END_QUALIFIERS and value.end is not None
    ]
    return max(ends, default=None)


def _status_lines(result: EligibilityResult) -> list[str]:
    """What the payer said about coverage, error first: never "active" alone when it is not."""
    request_errors = [e for e in result.errors if not e.loop.startswith("2110")]
    lines: list[str] = []
    if request_errors:
        first = request_errors[0]
        what = first.description or f"code {first.code}"
        verb = "rejected the request" if first.valid_request is False else "could not answer"
        lines.append(f"The payer {verb}: {what} (next step: {_words(first.action)}).")
    status = result.coverage_status
    services = code_set("eb03")
    active = ", ".join(
        services.description(code) or code for code in result.active_service_type_codes
    )
    if status == "active" and result.partial_coverage:
        lines.append(f"Coverage: partial, active only for {active or 'some services'}.")
    elif status == "active":
        plan = f" ({result.plan_name})" if result.plan_name else ""
        lines.append(f"Coverage: active{plan}.")
    elif status == "inactive":
        end = result.plan_end_date or _inactive_end(result)
        ended = f", ended {end.isoformat()}" if end else ""
        also = f"; still active for {active}" if result.partial_coverage and active else ""
        lines.append(f"Coverage: inactive{ended}{also}.")
    elif status == "error":
        if request_errors and result.benefits:
            lines.append("The benefits sent with this error are not an answer for this patient.")
        elif not request_errors:
            lines.append("The payer could not answer.")
    else:
        lines.append("Coverage: could not be determined.")
    return lines


def template_summary(result: EligibilityResult) -> str:
    """The deterministic summary of ``result``; says so when the result needs a human.

    A payer error always leads; partial coverage names the active service types;
    a lapsed plan gives its end date where the payer sent one.
    """
    verdict = result.validation.verdict if result.validation else None
    if verdict == "rejected":
        return "This answer could not be verified automatically: check with the payer."
    status_lines = _status_lines(result)
    lines: list[str] = status_lines[:1] if result.errors else []
    if verdict == "needs_review":
        lines.append("Needs review: part of the payer's answer could not be read automatically.")
    lines.extend(line for line in status_lines if line not in lines)
    if result.coverage_status == "error":
        return " ".join(lines)
    for label, entries in (
        ("Deductible", result.summary.deductible),
        ("Out-of-pocket maximum", result.summary.out_of_pocket),
    ):
        context = len(entries) > 1
        lines.extend(
            line for e in entries if (line := _accumulator(label, e, context=context)) is not None
        )
    for benefit in result.benefits:
        line = _benefit_line(benefit)
        if line is not None and line not in lines:
            lines.append(line)
    return " ".join(lines)


def _per(benefit: Benefit) -> str:
    """`` a day for 30 remaining days``: what one amount is charged for, and for how long."""
    unit = _TIME_UNITS.get(benefit.time_qualifier_code or "")
    if unit is None and benefit.code == "B" and benefit.quantity_qualifier_code == "DY":
        unit = "a day"  # a copay counted in days is charged per day (Medicare Part A)
    text = f" {unit}" if unit else ""
    units = _QUANTITY_UNITS.get(benefit.quantity_qualifier_code or "")
    remaining = benefit.time_qualifier_code in ("29", "33")
    if benefit.quantity is not None and units is not None:
        text += f" for {benefit.quantity}{' remaining' if remaining else ''} {units}"
    elif remaining:
        text += " remaining"
    return text


def _benefit_line(benefit: Benefit) -> str | None:
    network = _network(benefit.in_plan_network_code)
    where = f" {network}" if network else ""
    auth = ", prior authorization required" if benefit.auth_required else ""
    insurance = code_set("eb04").description(benefit.insurance_type_code or "")
    plan = _context([insurance])
    if benefit.code == "B" and benefit.amount is not None:
        return (
            f"Copay: {money(benefit.amount)}{_per(benefit)} for {_service(benefit)}"
            f"{plan}{where}{auth}."
        )
    if benefit.code == "A" and benefit.percent is not None:
        return (
            f"Coinsurance: {_percent(benefit.percent)}{_per(benefit)} for {_service(benefit)}"
            f"{plan}{where}{auth}."
        )
    if benefit.auth_required:
        what = benefit.procedure.description if benefit.procedure else None
        return f"{what or _service(benefit)}: prior authorization required."
    return None
