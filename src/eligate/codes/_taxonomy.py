"""The stable codes of the project, each set a ``Literal`` in one place.

Codes are contracts: callers branch on them, triage learns from them, dashboards
count them. Adding one is a deliberate act here; renaming one is a breaking change.
"""

from __future__ import annotations

from typing import Literal, get_args

AaaAction = Literal[
    "fix_member_id",
    "fix_member_name",
    "fix_birth_date",
    "fix_gender",
    "fix_dates_of_service",
    "verify_member",
    "fix_provider",
    "enroll_provider",
    "retry_later",
    "fix_service_type",
    "fix_request",
    "fix_submitter",
    "fix_payer_id",
    "contact_payer",
    "wait_for_payer",
]
"""The next step an AAA reject reason asks for (``RequestError.action``)."""

X12WarningCode = Literal[
    "functional_id_mismatch",
    "ge_control_mismatch",
    "ge_count_mismatch",
    "hl_parent_missing",
    "iea_control_mismatch",
    "iea_count_mismatch",
    "invalid_date",  # the 834 reader (triage): a DMG or DTP date that is not a date
    "legacy_4010",
    "missing_ge",
    "missing_iea",
    "missing_isa",
    "missing_le",
    "missing_ls",
    "se_control_mismatch",
    "se_count_mismatch",
    "separator_collision",
    "skipped_transaction",
    "unexpected_le",
    "unexpected_segment",
    "unknown_hl_level",
    "version_mismatch",
]
"""Envelope and structure faults that did not stop the read (``envelope.warnings``)."""

UnmappedReason = Literal[
    "msg_with_amount",
    "unknown_code",
    "invalid_number",
    "invalid_date",
    "unexpected_segment",
    "misplaced_benefit",
    "proposal_rejected",
]
"""Why the rules left a segment in ``unmapped``."""

GateReason = Literal[
    "amount_negative",
    "benefits_beside_request_error",
    "budget_spent",
    "claim_not_in_source",
    "conflicts_with_payer_code",
    "dependent_without_subscriber",
    "missing_version",
    "model_unavailable",
    "no_answer",
    "partial_inconsistent",
    "percent_not_applicable",
    "percent_out_of_range",
    "plan_dates_out_of_order",
    "proposal_rejected",
    "proposal_source",
    "proposals_disagree",
    "provenance_mismatch",
    "remaining_exceeds_limit",
    "review_warning_dropped",
    "schema_violation",
    "status_inconsistent",
    "summary_arithmetic",
    "unknown_benefit_code",
    "unknown_coverage_level",
    "unknown_insurance_type",
    "unknown_network_indicator",
    "unknown_quantity_qualifier",
    "unknown_service_type",
    "unknown_time_qualifier",
    "unmapped",
    "untrusted_instruction",
    "value_not_in_source",
]
"""The gate's reason codes (``validation.reasons[].code``), besides the envelope
warnings it passes on as ``envelope_<X12WarningCode>`` for results it sends to review."""

FailureKind = Literal["timeout", "connect", "http_5xx", "http_429", "http_4xx", "bad_payload"]
"""How a call to a payer failed, as the transport classifies it."""

RefusalKind = Literal["breaker_open", "bulkhead_full", "deadline_exceeded", "paced"]
"""Why the core did not (or no longer) wait for a payer."""

OutcomeReason = FailureKind | RefusalKind | Literal["payer_retry_later"]
"""Why an eligibility outcome is a fallback or unable to verify (``outcome.reason``)."""


def codes_of(literal: object) -> frozenset[str]:
    """The strings of a code ``Literal`` (or a union of them), for checks and tests."""
    found: set[str] = set()
    for arg in get_args(literal):
        if isinstance(arg, str):
            found.add(arg)
        else:
            found |= codes_of(arg)
    return frozenset(found)
