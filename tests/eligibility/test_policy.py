"""Cache keys and time-to-live by context."""

from __future__ import annotations

from datetime import date, timedelta

from eligate.eligibility import BATCH_TTL, REALTIME_TTL, STABLE_MEMBER_TTL, cache_key, ttl_for
from eligate.eligibility._policy import asks_retry_later, signals_pending
from eligate.normalizer import EligibilityResult, normalize
from eligate.x12 import InquiryPerson
from tests.eligibility.conftest import SALT
from tests.eligibility.fakes import make_request
from tests.factories import make_271


def _results(*body: str) -> list[EligibilityResult]:
    return normalize(make_271(*body))


def test_cache_key_ignores_order_and_case_and_hides_phi() -> None:
    """Service type order and member-id case do not split the cache; the digest has no PHI."""
    one = make_request("alpha", member_id="SYN000123")
    two = one.model_copy(update={"service_type_codes": ("98", "30")})
    three = one.model_copy(update={"service_type_codes": ("30", "98")})
    assert cache_key(two) == cache_key(three)
    assert cache_key(one).patient == "subscriber"
    digest = cache_key(one).digest(salt=SALT)
    assert "SYN000123" not in digest
    assert len(digest) == 40


def test_dependent_is_a_different_question() -> None:
    """Asking about a dependent does not hit the subscriber's cached answer."""
    child = InquiryPerson(last_name="testpatient", first_name="sam", birth_date=date(2015, 5, 1))
    subscriber = cache_key(make_request("alpha"))
    dependent = cache_key(make_request("alpha", dependent=child))
    assert subscriber != dependent
    assert dependent.patient == "TESTPATIENT|SAM|2015-05-01"


def test_ttl_by_context() -> None:
    """Real-time 15 min, stable member 1 h, batch 4 h."""
    results = _results("EB*1*IND*30*PR*GOLD PPO")
    assert ttl_for(make_request("alpha"), results) == REALTIME_TTL == timedelta(minutes=15)
    stable = make_request("alpha", stable_member=True)
    assert ttl_for(stable, results) == STABLE_MEMBER_TTL == timedelta(hours=1)
    assert ttl_for(make_request("alpha", context="batch"), results) == BATCH_TTL


def test_no_ttl_when_a_change_is_pending() -> None:
    """EB01 5/7/8 and AAA 'retry later' are not cached."""
    for code in ("5", "7", "8"):
        results = _results(f"EB*{code}*IND*30")
        assert signals_pending(results)
        assert ttl_for(make_request("alpha"), results) == timedelta(0)
    retry = _results("AAA*Y**42*R")
    assert asks_retry_later(retry)
    assert ttl_for(make_request("alpha", context="batch"), retry) == timedelta(0)
    assert not asks_retry_later(_results("EB*1*IND*30"))
    assert ttl_for(make_request("alpha"), []) == timedelta(0)
