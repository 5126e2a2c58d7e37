"""Coverage status and AAA reject reasons turned into stable next steps."""

from __future__ import annotations

from collections.abc import Sequence

from eligate.codes import AaaAction
from eligate.normalizer._models import Benefit, CoverageStatus, RequestError
from eligate.normalizer._values import provenance
from eligate.x12 import Segment, code_set

_ACTIONS: dict[AaaAction, tuple[str, ...]] = {
    "fix_member_id": ("64", "68", "72", "76"),
    "fix_member_name": ("65", "73"),
    "fix_birth_date": ("58", "60", "71"),
    "fix_gender": ("66", "74"),
    "fix_dates_of_service": ("56", "57", "61", "62", "63"),
    "verify_member": ("67", "75", "77", "78"),
    "fix_provider": ("43", "44", "45", "46", "47", "48", "97"),
    "enroll_provider": ("50", "51", "52"),
    "retry_later": ("42", "80"),
    "fix_service_type": ("53", "54", "55", "69", "70"),
    "fix_request": ("04", "15", "33"),
    "fix_submitter": ("79",),
    "fix_payer_id": ("T4",),
    "contact_payer": ("35", "41", "49"),
}
ACTION_BY_REASON = {code: action for action, codes in _ACTIONS.items() for code in codes}
"""AAA03 reject reason -> the stable action a caller can act on."""
FALLBACK_ACTION: AaaAction = "contact_payer"
"""The action for a reject reason outside the X12 list: only the payer can explain it."""
ACTION_BY_FOLLOW_UP = {
    "N": "contact_payer",
    "S": "wait_for_payer",
    "Y": "wait_for_payer",
    "W": "retry_later",
    "X": "retry_later",
}
"""AAA04 follow-up codes that overrule the reason's action.

``N`` (resubmission not allowed): correcting and resending will not help, only the
payer can; ``Y`` / ``S`` (do not resubmit, the payer will answer again or asked a
third party): wait for that answer; ``W`` / ``X`` (wait 30 / 10 days and resubmit).
``C``, ``P`` and ``R`` (correct, resend the original, resubmission allowed) keep
the reason's action.
"""

_ACTIVE = frozenset({"1", "2", "3", "4", "5"})
_INACTIVE = frozenset({"6", "7", "8"})


def read_aaa(segment: Segment, loop: str) -> RequestError:
    """Map one AAA segment found in ``loop`` (``2100C``...)."""
    reason = segment.get(3)
    follow_up = segment.get(4)
    valid = segment.get(1)
    return RequestError(
        code=reason,
        description=code_set("aaa03").description(reason),
        valid_request=True if valid == "Y" else False if valid == "N" else None,
        follow_up_action_code=follow_up or None,
        follow_up_action=code_set("aaa04").name(follow_up) if follow_up else None,
        loop=loop,
        action=action_for(reason, follow_up),
        provenance=provenance([segment]),
    )


def action_for(reason: str, follow_up: str) -> str:
    """The next step for AAA03 ``reason``, overruled by what AAA04 ``follow_up`` allows.

    Enrolling a provider is no resubmission, so ``N`` leaves ``enroll_provider``.
    """
    by_reason = ACTION_BY_REASON.get(reason, FALLBACK_ACTION)
    if follow_up == "N" and by_reason == "enroll_provider":
        return by_reason
    return ACTION_BY_FOLLOW_UP.get(follow_up, by_reason)


def request_rejected(errors: Sequence[RequestError]) -> bool:
    """An AAA01 ``N`` outside a benefit loop: the payer called the request itself invalid.

    Every level above the patient (2000A/2100A source, 2000B/2100B receiver,
    2000C/2100C subscriber) covers the patient, so the benefits that follow cannot
    be trusted as an answer for this patient.
    """
    return any(
        error.valid_request is False and not error.loop.startswith("2110") for error in errors
    )


def _plan_level(benefit: Benefit) -> bool:
    """A status EB about the health benefit plan as a whole: EB03 ``30`` or no EB03."""
    return not benefit.service_type_codes or "30" in benefit.service_type_codes


def coverage_status(benefits: Sequence[Benefit], errors: Sequence[RequestError]) -> CoverageStatus:
    """Decide the patient's status from EB01 codes and the AAA errors that apply.

    A request the payer called invalid (AAA01 ``N`` outside a benefit loop) is an
    ``error`` whatever benefits follow. When the payer answers for the health
    benefit plan (EB03 ``30``, or an EB01 1-8 with no EB03), that answer decides:
    pharmacy alone being active does not make a lapsed plan active. Active
    coverage wins over inactive (payers send past inactive spans beside the
    current one). Any other AAA outside a benefit loop means the question was not
    answered. Without either, inactive codes decide; otherwise nobody can tell.
    """
    if request_rejected(errors):
        return "error"
    status = [b for b in benefits if b.code in _ACTIVE | _INACTIVE]
    plan = [b for b in status if _plan_level(b)]
    codes = {benefit.code for benefit in plan or status}
    if codes & _ACTIVE:
        return "active"
    if any(not error.loop.startswith("2110") for error in errors):
        return "error"
    if codes & _INACTIVE:
        return "inactive"
    return "undetermined"


def active_service_types(benefits: Sequence[Benefit]) -> list[str]:
    """EB03 codes of active-coverage benefits (EB01 1-5), first-seen order, no repeats."""
    found: dict[str, None] = {}
    for benefit in benefits:
        if benefit.code in _ACTIVE:
            found.update(dict.fromkeys(benefit.service_type_codes))
    return list(found)


def partial_coverage(benefits: Sequence[Benefit]) -> bool:
    """Active for some service types but not for the plan as a whole, or some inactive.

    ``True`` when a benefit is active for a service type while the health benefit
    plan (30) is not reported active, or when a service type is reported inactive
    and never active beside active ones.
    """
    active = [b for b in benefits if b.code in _ACTIVE]
    if not active:
        return False
    if not any(_plan_level(b) for b in active):
        return True
    active_types = {code for b in active for code in b.service_type_codes}
    inactive_types = {
        code for b in benefits if b.code in _INACTIVE for code in b.service_type_codes
    }
    return bool(inactive_types - active_types - {"30"})
