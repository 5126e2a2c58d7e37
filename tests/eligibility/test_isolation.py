"""A payer's trouble stays in its lane: a slow or failing payer while another stays fast."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable

import structlog

from eligate.eligibility import EligibilityOutcome
from eligate.payers import BreakerPolicy, PayerRegistry, RetryPolicy, Timeouts
from eligate.simulator import Behavior, Simulator
from tests.eligibility.conftest import CoreFactory
from tests.eligibility.fakes import make_request
from tests.guards.test_guards import FakeClock


def _registry(
    simulator: Simulator,
    *,
    pool_size: int = 4,
    open_seconds: float = 30,
    timeout: Timeouts = Timeouts(connect=0.2, read=0.3, total=0.5),  # noqa: B008 - frozen value
) -> PayerRegistry:
    return simulator.registry(
        timeout=timeout,
        breaker=BreakerPolicy(failure_threshold=3, window_seconds=30, open_seconds=open_seconds),
        retry=RetryPolicy(
            attempts=3, backoff_base=0.01, failures=("connect", "timeout", "http_5xx")
        ),
        pool_size=pool_size,
    )


async def _timed(check: Awaitable[EligibilityOutcome]) -> tuple[EligibilityOutcome, float]:
    started = time.perf_counter()
    outcome = await check
    return outcome, (time.perf_counter() - started) * 1000


async def test_a_slow_payer_does_not_slow_the_others(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """While one payer holds every slot for 12 s, the others answer within their own budget.

    The budget (3 s) is far below the 12 s the sick payer holds its slots, so a
    shared pool or shared slots would fail every healthy check, yet roomy enough
    that a loaded machine's parsing never decides the outcome.
    """
    await simulator.set_behavior("alpha", Behavior(latency_ms=12_000))
    budget = Timeouts(connect=1.0, read=2.5, total=3.0)
    core = make_core(_registry(simulator, pool_size=8, timeout=budget))
    healthy_payers = ("bravo", "charlie", "delta")
    for payer in healthy_payers:  # warm connections, as in steady traffic
        await core.check(make_request(payer, member_id="SYN200999"))
    sick = [
        asyncio.ensure_future(
            _timed(core.check(make_request("alpha", member_id=f"SYN1000{i:02d}")))
        )
        for i in range(16)
    ]
    while core.health("alpha").in_flight < 8:
        await asyncio.sleep(0.005)
    healthy_results = await asyncio.gather(
        *(
            _timed(core.check(make_request(payer, member_id=f"SYN2000{i:02d}")))
            for payer in healthy_payers
            for i in range(3)
        )
    )
    assert core.health("alpha").in_flight == 8  # the sick payer still holds all its slots
    sick_results = await asyncio.gather(*sick)

    # Verified by their payers within a 3 s total budget while alpha held all its slots for
    # 12 s: had they shared alpha's pool or slots, they would have run out of budget.
    assert all(o.status == "verified" and o.origin == "payer" for o, _ in healthy_results)
    assert all(o.status == "unable_to_verify" for o, _ in sick_results)
    reasons = {o.reason for o, _ in sick_results}
    assert reasons <= {"deadline_exceeded", "bulkhead_full", "breaker_open", "timeout"}
    assert "bulkhead_full" in reasons  # 16 callers, 8 slots: the rest refused at once


async def test_a_failing_payer_opens_only_its_own_breaker(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """500s on every call open that payer's breaker; it then stops reaching the payer."""
    await simulator.set_behavior("alpha", Behavior(error_rate=1.0))
    core = make_core(_registry(simulator))
    with structlog.testing.capture_logs() as logs:
        for i in range(6):
            sick = await core.check(make_request("alpha", member_id=f"SYN3000{i:02d}"))
            assert sick.status == "unable_to_verify"
            fine = await core.check(make_request("bravo", member_id=f"SYN3000{i:02d}"))
            assert (fine.status, fine.origin) == ("verified", "payer")
    assert core.health("alpha").breaker == "open"
    assert {core.health(p).breaker for p in ("bravo", "charlie", "delta")} == {"closed"}
    assert simulator.payers["alpha"].requests == 3  # threshold reached, then no more calls
    assert sick.reason == "breaker_open"
    opened = [e for e in logs if e["event"] == "eligibility.breaker_opened"]
    assert [(e["payer_id"], e["failures"]) for e in opened] == [("alpha", 3)]
    health = core.health("alpha")
    assert health.error_rate == 1.0
    assert core.health("bravo").error_rate == 0.0


async def test_an_open_breaker_answers_at_once(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """With the breaker open, callers get their answer without waiting on the payer."""
    await simulator.set_behavior("alpha", Behavior(latency_ms=12_000))
    core = make_core(_registry(simulator, pool_size=10))
    for i in range(3):
        await core.check(make_request("alpha", member_id=f"SYN4000{i:02d}"))
    assert core.health("alpha").breaker == "open"
    before = simulator.payers["alpha"].requests
    outcome = await core.check(make_request("alpha", member_id="SYN400099"))
    assert outcome.reason == "breaker_open"
    assert simulator.payers["alpha"].requests == before  # refused without calling the payer


async def test_half_open_sends_a_single_probe(simulator: Simulator, make_core: CoreFactory) -> None:
    """After the open period exactly one caller probes; a good probe closes the breaker."""
    clock = FakeClock()
    await simulator.set_behavior("alpha", Behavior(error_rate=1.0))
    core = make_core(_registry(simulator, open_seconds=10), clock=clock)
    for i in range(3):
        await core.check(make_request("alpha", member_id=f"SYN5000{i:02d}"))
    assert core.health("alpha").breaker == "open"
    await simulator.set_behavior("alpha", Behavior(latency_ms=50, jitter_ms=0))
    clock.now += 10
    assert core.health("alpha").breaker == "half_open"
    before = simulator.payers["alpha"].requests
    with structlog.testing.capture_logs() as logs:
        outcomes = await asyncio.gather(
            *(core.check(make_request("alpha", member_id=f"SYN5001{i:02d}")) for i in range(5))
        )
    assert simulator.payers["alpha"].requests - before == 1
    assert sorted(o.status for o in outcomes) == ["unable_to_verify"] * 4 + ["verified"]
    assert {o.reason for o in outcomes if o.status == "unable_to_verify"} == {"breaker_open"}
    assert core.health("alpha").breaker == "closed"
    events = [e["event"] for e in logs]
    assert events.index("eligibility.breaker_half_opened") < events.index(
        "eligibility.breaker_closed"
    )


async def test_a_down_payer_fails_fast_and_recovers(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """Connection refused is classified ``connect``; once the payer is back, a probe closes."""
    clock = FakeClock()
    await simulator.set_behavior("alpha", Behavior(down="refuse"))
    core = make_core(_registry(simulator, open_seconds=5), clock=clock)
    with structlog.testing.capture_logs() as logs:
        outcome = await core.check(make_request("alpha"))
    assert (outcome.status, outcome.reason) == ("unable_to_verify", "connect")
    failed = [e["kind"] for e in logs if e["event"] == "eligibility.payer_call_failed"]
    assert failed
    assert set(failed) == {"connect"}  # refused at once: no attempt waited to time out
    assert core.health("alpha").breaker == "open"  # three refused connections in one check
    await simulator.set_behavior("alpha", Behavior())
    clock.now += 5
    again = await core.check(make_request("alpha", member_id="SYN600001"))
    assert (again.status, again.origin) == ("verified", "payer")


async def test_retries_stay_within_the_deadline(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """Retried timeouts never make a caller wait past the payer's total budget."""
    await simulator.set_behavior("alpha", Behavior(latency_ms=2_000))
    core = make_core(_registry(simulator))
    with structlog.testing.capture_logs() as logs:
        outcome = await core.check(make_request("alpha"))
    assert outcome.reason == "deadline_exceeded"  # the total budget ended it, not a read timeout
    failed = [e for e in logs if e["event"] == "eligibility.payer_call_failed"]
    assert [e["kind"] for e in failed] == ["timeout", "timeout"]  # 0.3 s read, then cut at 0.5 s


async def test_4xx_is_not_retried_and_does_not_trip_the_breaker(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """A payer saying our request is wrong is not a payer outage."""
    core = make_core(_registry(simulator))
    lane = core.lane("alpha")
    url = simulator.payers["alpha"].base_url + "/wrong-path"
    lane.transport.config = lane.transport.config.model_copy(update={"endpoint": url})
    for i in range(5):
        outcome = await core.check(make_request("alpha", member_id=f"SYN7000{i:02d}"))
        assert outcome.reason == "http_4xx"
    assert simulator.payers["alpha"].requests == 5
    assert core.health("alpha").breaker == "closed"


async def test_pacing_waits_within_the_budget_and_refuses_beyond_it(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """At 4 calls/s, burst 1, the next call waits ~0.25 s; past the budget it is refused."""
    from eligate.payers import Pacing

    core = make_core(
        simulator.registry(
            pacing=Pacing(rate_per_second=4, burst=1),
            timeout=Timeouts(connect=0.2, read=0.3, total=0.4),
        )
    )
    first, _ = await _timed(core.check(make_request("alpha", member_id="SYN800001")))
    second, waited = await _timed(core.check(make_request("alpha", member_id="SYN800002")))
    assert (first.origin, second.origin) == ("payer", "payer")
    assert waited > 150
    outcomes = await asyncio.gather(
        *(core.check(make_request("alpha", member_id=f"SYN80001{i}")) for i in range(3))
    )
    assert "paced" in {o.reason for o in outcomes}
    fine = await core.check(make_request("bravo", member_id="SYN800001"))
    assert fine.origin == "payer"


async def test_a_payload_that_is_not_a_271_falls_back(make_core: CoreFactory) -> None:
    """A payer answering X12 that is not a 271 gets ``bad_payload``; the caller is not hurt."""
    import httpx

    from eligate.eligibility import Core
    from eligate.simulator import simulator_registry
    from tests.eligibility.conftest import SALT, SUBMITTER
    from tests.eligibility.fakes import FakeAudit, FakeCache

    not_271 = "~".join(
        [
            "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^"
            "*00501*000000001*0*P*:",
            "GS*HS*A*B*20260101*1200*1*X*005010X279A1",
            "ST*270*0001*005010X279A1",
            "BHT*0022*13*X*20260101*1200",
            "SE*3*0001",
            "GE*1*1",
            "IEA*1*000000001~",
        ]
    ).encode()
    registry = simulator_registry({"alpha": "http://payer.test/core/270"})
    audit = FakeAudit()
    core = Core(
        registry=registry,
        cache=FakeCache(),
        audit=audit,
        salt=SALT,
        submitter=SUBMITTER,
        transports={"alpha": httpx.MockTransport(lambda _: httpx.Response(200, content=not_271))},
    )
    try:
        outcome = await core.check(make_request("alpha"))
    finally:
        await core.close()
    assert (outcome.status, outcome.reason) == ("unable_to_verify", "bad_payload")
    assert audit.records[-1].response_271 == not_271


async def test_callers_going_away_do_not_trip_the_breaker(
    simulator: Simulator, make_core: CoreFactory
) -> None:
    """A check cancelled by its caller frees its slot and is no verdict on the payer."""
    await simulator.set_behavior("alpha", Behavior(latency_ms=5_000))
    core = make_core(_registry(simulator))
    for i in range(5):
        task = asyncio.ensure_future(core.check(make_request("alpha", member_id=f"SYN9000{i:02d}")))
        for _ in range(100):  # bounded: at most ~0.5 s
            await asyncio.sleep(0.005)
            if core.health("alpha").in_flight:
                break
        assert core.health("alpha").in_flight == 1, "the check never reached the payer"
        await asyncio.sleep(0.02)  # let the request reach the payer
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    health = core.health("alpha")
    assert (health.breaker, health.in_flight, health.calls) == ("closed", 0, 0)
    assert core.lane("alpha").breaker.failures_in_window() == 0
