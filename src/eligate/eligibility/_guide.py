"""What a payer's companion guide asks of a 270, applied before anything is sent.

The payer file's ``guide`` section (see :class:`eligate.payers.Guide`) says which
member IDs the payer accepts, which search fields it requires, how it wants
dependents, which service types it answers and how many EQ segments a 270 may
carry. :func:`apply_guide` turns a request into the one to send, or refuses it
with the stable action a caller can act on (``fix_member_id``, ``fix_birth_date``,
``fix_member_name``, ``fix_gender``, ``fix_service_type``): no 270 goes out for a
request the payer would reject. :func:`aaa_rule` finds the guide's resend rule for
an answer. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from eligate.eligibility._inquiry import EligibilityRequest
from eligate.eligibility.errors import GuideRefusedError
from eligate.normalizer import EligibilityResult
from eligate.payers import Guide, GuideAaaRule
from eligate.x12 import InquiryPerson

_MISSING_ACTION = {
    "member_id": "fix_member_id",
    "birth_date": "fix_birth_date",
    "last_name": "fix_member_name",
    "first_name": "fix_member_name",
    "gender": "fix_gender",
}


def apply_guide(request: EligibilityRequest, guide: Guide | None) -> EligibilityRequest:
    """The request to send under ``guide``; unchanged without one.

    In order: a card suffix is stripped from member IDs; a dependent with an own
    member ID becomes the subscriber when the guide says so; the member ID must
    match the guide's pattern and the patient carry the required fields; every
    service type must be one the guide lists; the service types are cut to the
    guide's EQ limit.

    Raises:
        GuideRefusedError: the payer would reject the request; names the action and
            the field, never the member's values.
    """
    if guide is None:
        return request
    subscriber, dependent = request.subscriber, request.dependent
    if guide.member_id_strip_suffix:
        subscriber = _stripped(subscriber, guide.member_id_strip_suffix)
        if dependent is not None:
            dependent = _stripped(dependent, guide.member_id_strip_suffix)
    if guide.dependents_as_subscriber and dependent is not None and dependent.member_id:
        subscriber, dependent = dependent, None
    payer = request.payer_id
    pattern = guide.member_id_pattern
    if pattern and subscriber.member_id and not re.fullmatch(pattern, subscriber.member_id):
        raise GuideRefusedError(
            "the member ID does not match the payer's format",
            payer_id=payer,
            action="fix_member_id",
            field="member_id",
        )
    patient = dependent or subscriber
    for name in guide.required_fields:
        value = {
            "member_id": subscriber.member_id,
            "birth_date": patient.birth_date,
            "last_name": patient.last_name,
            "first_name": patient.first_name,
            "gender": patient.gender_code,
        }[name]
        if value in (None, ""):
            raise GuideRefusedError(
                f"the payer requires {name.replace('_', ' ')}",
                payer_id=payer,
                action=_MISSING_ACTION[name],
                field=name,
            )
    types = request.service_type_codes
    if guide.service_types:
        unsupported = [code for code in types if code not in guide.service_types]
        if unsupported:
            raise GuideRefusedError(
                f"service type(s) {', '.join(unsupported)} not answered by this payer",
                payer_id=payer,
                action="fix_service_type",
                field="service_type_codes",
            )
    if guide.max_eq_per_request is not None:
        types = types[: guide.max_eq_per_request]
    return request.model_copy(
        update={"subscriber": subscriber, "dependent": dependent, "service_type_codes": types}
    )


def _stripped(person: InquiryPerson, suffix: str) -> InquiryPerson:
    if not person.member_id:
        return person
    kept = re.sub(suffix, "", person.member_id)
    return person.model_copy(update={"member_id": kept}) if kept != person.member_id else person


def aaa_rule(
    results: Sequence[EligibilityResult], guide: Guide | None
) -> tuple[str, GuideAaaRule] | None:
    """The guide's rule for the AAA reason an answer carries, when the answer is only errors.

    ``None`` without a guide, when some result has benefits, or when the guide has
    no rule for any reason given.
    """
    if guide is None or not guide.aaa or not results:
        return None
    if any(result.benefits for result in results):
        return None
    for result in results:
        for error in result.errors:
            rule = guide.aaa.get(error.code)
            if rule is not None:
                return error.code, rule
    return None


def with_guide_actions(
    results: Sequence[EligibilityResult], guide: Guide | None
) -> list[EligibilityResult]:
    """``results`` with each AAA error's action as the guide states it (it knows its payer)."""
    if guide is None or not guide.aaa:
        return list(results)
    out = []
    for result in results:
        errors = [
            error.model_copy(update={"action": guide.aaa[error.code].action})
            if error.code in guide.aaa
            else error
            for error in result.errors
        ]
        changed = errors != result.errors
        out.append(result.model_copy(update={"errors": errors}) if changed else result)
    return out
