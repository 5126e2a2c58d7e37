"""Code-set and cross-field rules: what a plausible result looks like.

A value the payer really sent but that breaks a rule (an unknown code, a percent
of 20 meaning 20%) is grounded, so the rules only ask for review when the
benefit came from the payer's own segment; the same value proposed by a model
is rejected.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from eligate.normalizer import (
    Benefit,
    CoverageStatus,
    EligibilityResult,
    Reason,
    active_service_types,
    coverage_status,
    partial_coverage,
)
from eligate.validators._grounding import number
from eligate.x12 import code_set

_PERCENT_CODES = frozenset({"A"})
_CODED_FIELDS = (
    ("code", "eb01", "unknown_benefit_code"),
    ("coverage_level_code", "eb02", "unknown_coverage_level"),
    ("insurance_type_code", "eb04", "unknown_insurance_type"),
    ("time_qualifier_code", "eb06", "unknown_time_qualifier"),
    ("quantity_qualifier_code", "eb09", "unknown_quantity_qualifier"),
    ("in_plan_network_code", "eb12", "unknown_network_indicator"),
)


def _finding(benefit: Benefit, code: str, field: str, message: str) -> Reason:
    severity = "review" if benefit.source == "rules" else "reject"
    return Reason(severity=severity, code=code, field=field, message=message)


def check_codes(benefit: Benefit, index: int) -> Iterator[Reason]:
    """Every code of the benefit must be in its X12 code list."""
    where = f"benefits[{index}]"
    for field, key, reason in _CODED_FIELDS:
        value = getattr(benefit, field)
        if value is not None and value not in code_set(key):
            yield _finding(benefit, reason, f"{where}.{field}", f"{value!r} is not an X12 code")
    services = code_set("eb03")
    for position, code in enumerate(benefit.service_type_codes):
        if code not in services:
            yield _finding(
                benefit,
                "unknown_service_type",
                f"{where}.service_type_codes[{position}]",
                f"{code!r} is not an X12 service type",
            )


def check_benefit_fields(benefit: Benefit, index: int) -> Iterator[Reason]:
    """Percent only where it means something, in range; amounts not negative."""
    where = f"benefits[{index}]"
    percent = number(benefit.percent)
    if percent is not None:
        if not Decimal(0) <= percent <= Decimal(1):
            yield _finding(
                benefit, "percent_out_of_range", f"{where}.percent", "percent is not 0 to 1"
            )
        if benefit.code not in _PERCENT_CODES:
            yield _finding(
                benefit,
                "percent_not_applicable",
                f"{where}.percent",
                f"a percent on EB01 {benefit.code!r} (only co-insurance carries one)",
            )
    amount = number(benefit.amount)
    if amount is not None and amount < 0:
        yield _finding(benefit, "amount_negative", f"{where}.amount", "amount is negative")


def expected_status(result: EligibilityResult) -> CoverageStatus:
    """The status the benefits and errors imply, by the normalizer's own rule."""
    return coverage_status(result.benefits, result.errors)


def check_result(result: EligibilityResult) -> Iterator[Reason]:
    """Cross-field rules over the whole result."""
    expected = expected_status(result)
    if result.coverage_status != expected:
        yield Reason(
            severity="reject",
            code="status_inconsistent",
            field="coverage_status",
            message=f"benefits and errors say {expected!r}, not {result.coverage_status!r}",
        )
    if result.partial_coverage != partial_coverage(
        result.benefits
    ) or result.active_service_type_codes != active_service_types(result.benefits):
        yield Reason(
            severity="reject",
            code="partial_inconsistent",
            field="partial_coverage",
            message="partial coverage or active service types do not follow the benefits",
        )
    yield from _answer_rules(result)
    begin, end = result.plan_begin_date, result.plan_end_date
    if begin is not None and end is not None and end < begin:
        yield Reason(
            severity="reject",
            code="plan_dates_out_of_order",
            field="plan_end_date",
            message="plan ends before it begins",
        )
    if result.patient_role == "dependent" and result.subscriber_member_id is None:
        yield Reason(
            severity="review",
            code="dependent_without_subscriber",
            field="subscriber_member_id",
            message="a dependent is not tied to a subscriber ID",
        )
    amounts = {
        position: number(benefit.amount)
        for benefit in result.benefits
        for position in benefit.provenance.segments[:1]
    }
    for kind, entries in (
        ("deductible", result.summary.deductible),
        ("out_of_pocket", result.summary.out_of_pocket),
    ):
        for index, entry in enumerate(entries):
            where = f"summary.{kind}[{index}]"
            limit, remaining, met = number(entry.limit), number(entry.remaining), number(entry.met)
            if limit is not None and remaining is not None and remaining > limit:
                yield Reason(
                    severity="review",
                    code="remaining_exceeds_limit",
                    field=f"{where}.remaining",
                    message="remaining is larger than the limit",
                )
            if entry.met_derived and (
                limit is None or remaining is None or met != limit - remaining
            ):
                yield Reason(
                    severity="reject",
                    code="summary_arithmetic",
                    field=f"{where}.met",
                    message="a derived met amount is not limit minus remaining",
                )
            sent = {number(v) for v in (entry.limit, entry.remaining) if v is not None}
            if not entry.met_derived and met is not None:
                sent.add(met)
            cited = {amounts.get(position) for position in entry.provenance.segments}
            if not sent <= cited:
                yield Reason(
                    severity="reject",
                    code="value_not_in_source",
                    field=where,
                    message="an accumulator amount is not the amount of a cited benefit",
                )


def _answer_rules(result: EligibilityResult) -> Iterator[Reason]:
    """Is this an answer at all, and can its benefits be trusted for this patient?"""
    if result.patient_role is None and not result.errors:
        yield Reason(
            severity="reject",
            code="no_answer",
            field="patient_role",
            message="the 271 names no patient and reports no error: nothing to act on",
        )
    if not result.envelope.version:
        yield Reason(
            severity="review",
            code="missing_version",
            field="envelope.version",
            message="neither ST03 nor GS08 says which X12 version this is",
        )
    request_errors = [e for e in result.errors if not e.loop.startswith("2110")]
    if request_errors and result.benefits:
        first = request_errors[0]
        invalid = "invalid" if first.valid_request is False else "not fully answered"
        yield Reason(
            severity="review",
            code="benefits_beside_request_error",
            field="errors",
            message=(
                f"the payer called the request {invalid} (AAA {first.code} in {first.loop}), "
                "yet sent benefits: they cannot be trusted as this patient's answer"
            ),
        )
