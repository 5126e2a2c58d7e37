"""The core honours a payer file's guide: refuse before sending, adapt the 270, AAA rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from eligate.eligibility import GuideRefusedError
from eligate.eligibility._guide import apply_guide
from eligate.payers import Guide, GuideAaaRule
from eligate.simulator import Behavior, Simulator, start_simulator
from eligate.x12 import InquiryPerson
from tests.eligibility.conftest import CoreFactory
from tests.eligibility.fakes import make_request

GUIDE = Guide(
    service_types=("30", "1", "98"),
    member_id_pattern="PMH[0-9]{9}",
    member_id_strip_suffix="-[0-9]{2}$",
    required_fields=("member_id", "birth_date"),
    dependents_as_subscriber=True,
    max_eq_per_request=1,
    aaa={
        "42": GuideAaaRule(action="retry_later", resend=True, wait_seconds=300),
        "80": GuideAaaRule(action="retry_later", resend=True),
        "72": GuideAaaRule(action="fix_member_id", resend=False),
    },
)


def test_no_guide_changes_nothing() -> None:
    """A payer file without a guide section sends the request as it is."""
    request = make_request("alpha", member_id="anything-01")
    assert apply_guide(request, None) is request


def test_card_suffix_is_stripped_before_the_format_check() -> None:
    """PMH123456789-01 is sent as PMH123456789."""
    sent = apply_guide(make_request("alpha", member_id="PMH123456789-01"), GUIDE)
    assert sent.subscriber.member_id == "PMH123456789"


@pytest.mark.parametrize("member_id", ["SYN000123", "PMH12345678", "pmh123456789"])
def test_member_id_outside_the_format_is_refused(member_id: str) -> None:
    """An ID outside the guide's pattern: fix_member_id, and the ID is not in the message."""
    with pytest.raises(GuideRefusedError) as refused:
        apply_guide(make_request("alpha", member_id=member_id), GUIDE)
    assert (refused.value.action, refused.value.field) == ("fix_member_id", "member_id")
    assert member_id not in str(refused.value)
    assert refused.value.code == "guide_refused"


def test_missing_required_birth_date_is_refused() -> None:
    """The guide requires a birth date: a request without one is fix_birth_date."""
    request = make_request("alpha", member_id="PMH123456789")
    subscriber = request.subscriber.model_copy(update={"birth_date": None})
    with pytest.raises(GuideRefusedError) as refused:
        apply_guide(request.model_copy(update={"subscriber": subscriber}), GUIDE)
    assert refused.value.action == "fix_birth_date"


def test_dependent_with_own_id_goes_as_subscriber() -> None:
    """A dependent with a member ID of its own replaces the subscriber; no 2100D."""
    dependent = InquiryPerson(
        member_id="PMH000000002",
        last_name="TESTPATIENT",
        first_name="SAM",
        birth_date=date(2012, 6, 1),
    )
    sent = apply_guide(make_request("alpha", member_id="PMH123456789", dependent=dependent), GUIDE)
    assert sent.dependent is None
    assert sent.subscriber.member_id == "PMH000000002"
    assert sent.subscriber.first_name == "SAM"


def test_unsupported_service_type_is_refused_and_eq_cut_to_the_limit() -> None:
    """A code outside the guide's list is fix_service_type; two listed codes send one EQ."""
    request = make_request("alpha", member_id="PMH123456789")
    with pytest.raises(GuideRefusedError) as refused:
        apply_guide(request.model_copy(update={"service_type_codes": ("30", "A0")}), GUIDE)
    assert refused.value.action == "fix_service_type"
    sent = apply_guide(request.model_copy(update={"service_type_codes": ("30", "98")}), GUIDE)
    assert sent.service_type_codes == ("30",)


@pytest.fixture
async def guided() -> AsyncIterator[Simulator]:
    """One loopback payer that answers as GUIDE says."""
    sim = await start_simulator(("pmh",), guides={"pmh": GUIDE})
    try:
        yield sim
    finally:
        await sim.stop()


async def test_refusal_sends_nothing(guided: Simulator, make_core: CoreFactory) -> None:
    """A refused request never reaches the payer."""
    core = make_core(guided.registry(guide=GUIDE))
    with pytest.raises(GuideRefusedError):
        await core.check(make_request("pmh", member_id="SYN000123"))
    assert guided.payers["pmh"].requests == 0


async def test_the_270_sent_carries_what_the_guide_asks(
    guided: Simulator, make_core: CoreFactory
) -> None:
    """Stripped member ID and one EQ reach the payer; the member is answered active."""
    core = make_core(guided.registry(guide=GUIDE))
    request = make_request("pmh", member_id="PMH123456781-01")
    outcome = await core.check(request.model_copy(update={"service_type_codes": ("30", "98")}))
    asked = guided.payers["pmh"].received[-1]
    assert asked.subscriber.member_id == "PMH123456781"
    assert asked.service_types == ("30",)
    assert [r.coverage_status for r in outcome.results] == ["active"]


async def test_aaa_resend_at_once_sends_the_same_270_once_more(
    guided: Simulator, make_core: CoreFactory
) -> None:
    """AAA 80 may be resent with no wait: the payer is asked twice, not more."""
    await guided.set_behavior("pmh", Behavior(aaa="80"))
    core = make_core(guided.registry(guide=GUIDE))
    outcome = await core.check(make_request("pmh", member_id="PMH123456789"))
    assert guided.payers["pmh"].requests == 2
    assert outcome.retry_after_seconds is None
    assert {e.action for r in outcome.results for e in r.errors} == {"retry_later"}


async def test_aaa_resend_later_is_not_resent_now(
    guided: Simulator, make_core: CoreFactory
) -> None:
    """AAA 42 may be resent after 300 s: one call, and the caller is told when."""
    await guided.set_behavior("pmh", Behavior(aaa="42"))
    core = make_core(guided.registry(guide=GUIDE))
    outcome = await core.check(make_request("pmh", member_id="PMH123456789"))
    assert guided.payers["pmh"].requests == 1
    assert outcome.retry_after_seconds == 300


async def test_guide_action_overrides_the_generic_one(
    guided: Simulator, make_core: CoreFactory
) -> None:
    """A guide that says AAA 75 means verify with the payer gives the caller that action."""
    guide = GUIDE.model_copy(
        update={"aaa": {"75": GuideAaaRule(action="contact_payer", resend=False)}}
    )
    await guided.set_behavior("pmh", Behavior(aaa="75"))
    core = make_core(guided.registry(guide=guide))
    outcome = await core.check(make_request("pmh", member_id="PMH123456789"))
    assert {e.action for r in outcome.results for e in r.errors} == {"contact_payer"}
    assert guided.payers["pmh"].requests == 1
