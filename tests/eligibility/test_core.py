"""The core against the simulator: payer, cache, fallback, audit, events, no PHI in logs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import structlog

from eligate.eligibility import REALTIME_TTL, Core, InquiryError
from eligate.payers import PayerRegistry, UnknownPayerError
from eligate.simulator import Behavior, Simulator
from eligate.x12 import InquiryPerson
from tests.eligibility.conftest import SALT, SUBMITTER, CoreFactory
from tests.eligibility.fakes import FakeAudit, FakeCache, make_request


class WallClock:
    """Wall-clock time that tests move forward; shared by the core and the fake cache."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 6, 47, tzinfo=UTC)

    def __call__(self) -> datetime:
        """The time now, as the test set it."""
        return self.now


async def test_a_fresh_answer_is_gated_cached_and_audited(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """The first check asks the payer; the second is served from the cache."""
    cache, audit = FakeCache(), FakeAudit()
    core = make_core(simulator.registry(), cache=cache, audit=audit)
    first = await core.check(make_request("alpha", correlation_id="c-1"))
    assert (first.status, first.origin, first.reason) == ("verified", "payer", None)
    [result] = first.results
    assert result.coverage_status == "active"
    assert result.member_id == "SYN000123"
    assert result.validation is not None
    assert result.validation.verdict == "accepted"
    assert any(b.procedure is not None and b.auth_required for b in result.benefits)
    assert [ttl for _, ttl in cache.puts] == [REALTIME_TTL]

    second = await core.check(make_request("alpha", correlation_id="c-2"))
    assert (second.status, second.origin) == ("verified", "cache")
    assert second.results == first.results
    assert second.answered_at == first.answered_at
    assert simulator.payers["alpha"].requests == 1

    sources = [(r.correlation_id, r.status, r.source) for r in audit.records]
    assert sources == [("c-1", "verified", "realtime"), ("c-2", "verified", "cache")]
    assert audit.records[0].request_270 is not None
    assert audit.records[0].request_270.startswith(b"ISA")
    assert audit.records[0].response_271 is not None
    assert audit.records[1].request_270 is None
    health = core.health("alpha")
    assert (health.calls, health.cache_hit_rate, health.breaker) == (1, 0.5, "closed")
    assert health.p50_ms is not None


async def test_batch_checks_are_audited_as_batch(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """A batch check keeps its answer 4 hours and the audit says batch."""
    cache, audit = FakeCache(), FakeAudit()
    core = make_core(simulator.registry(), cache=cache, audit=audit)
    await core.check(make_request("bravo", context="batch"))
    assert [ttl for _, ttl in cache.puts] == [timedelta(hours=4)]
    assert audit.records[0].source == "batch"


async def test_unknown_inactive_and_dependent_members(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """AAA 75 for an unknown member, inactive coverage, and a dependent's own result."""
    audit = FakeAudit()
    core = make_core(simulator.registry(), audit=audit)
    unknown = await core.check(make_request("alpha", member_id="NOBODY42"))
    assert unknown.status == "verified"
    assert unknown.results[0].coverage_status == "error"
    assert [e.code for e in unknown.results[0].errors] == ["75"]
    assert audit.records[-1].status == "rejected"
    inactive = await core.check(make_request("alpha", member_id="SYN000129"))
    assert inactive.results[0].coverage_status == "inactive"
    child = InquiryPerson(last_name="TESTPATIENT", first_name="SAM", birth_date=date(2015, 5, 1))
    dependent = await core.check(make_request("alpha", dependent=child))
    assert [(r.patient_role, r.coverage_status) for r in dependent.results] == [
        ("dependent", "active")
    ]


async def test_payer_failure_serves_a_stale_answer_marked_fallback(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """Past its TTL but younger than the fallback limit, the last answer is served."""
    wall = WallClock()
    cache, audit = FakeCache(now=wall), FakeAudit()
    core = make_core(simulator.registry(), cache=cache, audit=audit, now=wall)
    fresh = await core.check(make_request("alpha"))
    wall.now += timedelta(hours=3)
    await simulator.set_behavior("alpha", Behavior(down="503"))
    with structlog.testing.capture_logs() as logs:
        outcome = await core.check(make_request("alpha", correlation_id="c-stale"))
    assert (outcome.status, outcome.origin, outcome.reason) == ("verified", "fallback", "http_5xx")
    assert outcome.results == fresh.results
    assert outcome.answered_at == fresh.answered_at
    record = audit.records[-1]
    assert (record.status, record.source, record.detail) == ("verified", "fallback", "http_5xx")
    events = [e["event"] for e in logs]
    assert events.count("eligibility.payer_call_failed") == 2  # first try and one retry
    assert "eligibility.fallback_served" in events


async def test_too_old_an_answer_is_unable_to_verify(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """Older than the fallback limit, the caller is told the payer could not be reached."""
    wall = WallClock()
    cache, audit = FakeCache(now=wall), FakeAudit()
    core = make_core(simulator.registry(), cache=cache, audit=audit, now=wall)
    await core.check(make_request("alpha"))
    wall.now += timedelta(hours=25)
    await simulator.set_behavior("alpha", Behavior(down="refuse"))
    with structlog.testing.capture_logs() as logs:
        outcome = await core.check(make_request("alpha"))
    assert (outcome.status, outcome.results, outcome.reason) == ("unable_to_verify", [], "connect")
    assert audit.records[-1].status == "unable_to_verify"
    assert audit.records[-1].detail == "connect"
    assert "eligibility.unable_to_verify" in [e["event"] for e in logs]


async def test_retry_later_is_not_cached_and_prefers_a_stale_answer(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """AAA 42 is never cached; with a stale answer at hand the caller gets that instead."""
    wall = WallClock()
    cache = FakeCache(now=wall)
    core = make_core(simulator.registry(), cache=cache, now=wall)
    await simulator.set_behavior("alpha", Behavior(aaa="42"))
    bare = await core.check(make_request("alpha", member_id="SYN000555"))
    assert (bare.status, bare.origin) == ("verified", "payer")
    assert bare.results[0].errors[0].action == "retry_later"
    assert cache.puts == []

    await simulator.set_behavior("alpha", Behavior())
    await core.check(make_request("alpha"))
    wall.now += timedelta(hours=1)
    await simulator.set_behavior("alpha", Behavior(aaa="42"))
    outcome = await core.check(make_request("alpha"))
    assert (outcome.origin, outcome.reason) == ("fallback", "payer_retry_later")
    assert outcome.results[0].coverage_status == "active"


async def test_a_cache_outage_does_not_fail_the_check(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """When the cache raises, the payer still answers and the outage is logged."""
    cache = FakeCache()
    cache.fail = True
    core = make_core(simulator.registry(), cache=cache)
    with structlog.testing.capture_logs() as logs:
        outcome = await core.check(make_request("alpha"))
    assert (outcome.status, outcome.origin) == ("verified", "payer")
    failed = [e for e in logs if e["event"] == "eligibility.cache_failed"]
    assert {e["operation"] for e in failed} == {"get", "put"}


async def test_wrong_calls_raise_usage_errors(simulator: Simulator, make_core: CoreFactory) -> None:
    """An unknown payer and an unsendable request are the caller's errors."""
    core = make_core(simulator.registry())
    with pytest.raises(UnknownPayerError):
        await core.check(make_request("zulu"))
    with pytest.raises(UnknownPayerError):
        core.health("zulu")
    bad_npi = make_request("alpha").model_copy(update={"provider_npi": "1234567890"})
    with pytest.raises(InquiryError, match="provider_npi is not a valid NPI"):
        await core.check(bad_npi)
    from eligate.eligibility import Core, EligibilityUsageError
    from tests.eligibility.conftest import SUBMITTER

    with pytest.raises(EligibilityUsageError, match="salt"):
        Core(
            registry=simulator.registry(),
            cache=FakeCache(),
            audit=FakeAudit(),
            salt=b"short",
            submitter=SUBMITTER,
        )


async def test_payers_lists_the_registry_and_close_releases_everything(
    simulator: Simulator,
) -> None:
    """``payers`` lists every payer with its breaker; ``close`` closes cache and store."""
    from eligate.eligibility import Core
    from tests.eligibility.conftest import SALT, SUBMITTER

    cache, audit = FakeCache(), FakeAudit()
    core = Core(
        registry=simulator.registry(), cache=cache, audit=audit, salt=SALT, submitter=SUBMITTER
    )
    summaries = core.payers()
    assert [s.payer_id for s in summaries] == ["alpha", "bravo", "charlie", "delta"]
    assert summaries[0].endpoint == simulator.endpoints["alpha"]
    assert {s.breaker for s in summaries} == {"closed"}
    await core.close()
    assert cache.closed
    assert audit.closed


async def test_no_phi_in_any_log_event(simulator: Simulator, make_core: CoreFactory) -> None:
    """Member IDs, names and birth dates never appear in the core's events."""
    core = make_core(simulator.registry())
    with structlog.testing.capture_logs() as logs:
        await core.check(make_request("alpha"))
        await core.check(make_request("alpha"))
        await simulator.set_behavior("bravo", Behavior(error_rate=1.0))
        await core.check(make_request("bravo"))
    assert logs
    text = repr(logs)
    for phi in ("SYN000123", "TESTPATIENT", "ALEX", "19800101", "1980-01-01"):
        assert phi not in text
    assert {e["event"] for e in logs} >= {
        "eligibility.check_completed",
        "eligibility.payer_call_failed",
        "eligibility.unable_to_verify",
    }


async def test_core_and_fakes_satisfy_the_ports(simulator: Simulator) -> None:
    """``Core`` is an ``EligibilityCore``; the fakes are a ``ResultCache`` and an ``AuditStore``."""
    from eligate.eligibility import AuditStore, Core, EligibilityCore, ResultCache
    from tests.eligibility.conftest import SALT, SUBMITTER

    cache: ResultCache = FakeCache()
    audit: AuditStore = FakeAudit()
    core: EligibilityCore = Core(
        registry=simulator.registry(), cache=cache, audit=audit, salt=SALT, submitter=SUBMITTER
    )
    assert (await audit.verify()).ok
    assert len(core.payers()) == 4
    await core.close()


async def test_a_stalled_cache_or_audit_store_costs_a_check_its_store_timeout_only(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """A hanging cache is a miss after the store timeout; a hanging audit write is logged."""
    cache, audit = FakeCache(), FakeAudit()
    cache.stall = audit.stall = 30.0
    core = make_core(simulator.registry(), cache=cache, audit=audit, store_timeout=0.1)
    with structlog.testing.capture_logs() as logs:
        outcome = await core.check(make_request("alpha"))
    assert (outcome.status, outcome.origin) == ("verified", "payer")  # a 30 s stall never awaited
    failed = {(e["event"], e["error"]) for e in logs if e["event"].endswith("_failed")}
    assert failed == {
        ("eligibility.cache_failed", "TimeoutError"),
        ("eligibility.audit_failed", "TimeoutError"),
    }


async def test_ready_asks_the_registry_the_store_and_the_cache(simulator: Simulator) -> None:
    """Ready with payers and answering stores; not ready without payers or with one store down."""
    cache, audit = FakeCache(), FakeAudit()
    core = Core(registry=simulator.registry(), cache=cache, audit=audit, salt=SALT,
                submitter=SUBMITTER)  # fmt: skip
    try:
        assert await core.ready() is True
        audit.down = True
        assert await core.ready() is False
        audit.down, cache.fail = False, True
        assert await core.ready() is False
    finally:
        await core.close()
    empty = Core(registry=PayerRegistry(), cache=FakeCache(), audit=FakeAudit(), salt=SALT,
                 submitter=SUBMITTER)  # fmt: skip
    assert await empty.ready() is False
    await empty.close()


async def test_close_closes_each_store_once(simulator: Simulator) -> None:
    """The core owns its cache and audit store: one close each (the fakes refuse a second)."""
    cache, audit = FakeCache(), FakeAudit()
    core = Core(registry=simulator.registry(), cache=cache, audit=audit, salt=SALT,
                submitter=SUBMITTER)  # fmt: skip
    await core.close()
    assert cache.closed
    assert audit.closed
