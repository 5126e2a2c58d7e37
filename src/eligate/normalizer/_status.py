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
        action=ACTION_BY_REASON.get(reason, FALLBACK_ACTION),
        provenance=provenance([segment]),
    )


def coverage_status(benefits: Sequence[Benefit], errors: Sequence[RequestError]) -> CoverageStatus:
    """Decide the patient's status from EB01 codes and the AAA errors that apply.

    Active coverage anywhere wins (payers send past inactive spans beside the
    current one). An AAA outside a benefit loop means the question was not
    answered. Without either, inactive codes decide; otherwise nobody can tell.
    """
    codes = {benefit.code for benefit in benefits}
    if codes & _ACTIVE:
        return "active"
    if any(not error.loop.startswith("2110") for error in errors):
        return "error"
    if codes & _INACTIVE:
        return "inactive"
    return "undetermined"
