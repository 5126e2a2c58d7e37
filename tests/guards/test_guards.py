"""Breaker, bulkhead, pacing bucket and rolling window, on a hand-driven clock."""

from __future__ import annotations

from eligate.guards import (
    BreakerState,
    Bulkhead,
    CircuitBreaker,
    Permit,
    RollingWindow,
    TokenBucket,
    percentile,
)


class FakeClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """Seconds now, as the test set them."""
        return self.now


class Moves(list[tuple[BreakerState, BreakerState, int]]):
    """Breaker transitions seen by the hook, in order."""


def _state(breaker: CircuitBreaker) -> BreakerState:
    """The state, read through a call (so that mypy does not narrow the property)."""
    return breaker.state


def _breaker(
    clock: FakeClock, moves: list[tuple[BreakerState, BreakerState, int]]
) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=3,
        window_seconds=10,
        open_seconds=5,
        clock=clock,
        on_transition=lambda old, new, failures: moves.append((old, new, failures)),
    )


def _fail(breaker: CircuitBreaker) -> None:
    permit = breaker.acquire()
    assert permit is not None
    breaker.failed(permit)


def _probing(clock: FakeClock) -> tuple[CircuitBreaker, Permit]:
    """A breaker opened by three failures, its open time over, and the probe it let through."""
    breaker = _breaker(clock, Moves())
    for _ in range(3):
        _fail(breaker)
    clock.now += 5
    probe = breaker.acquire()
    assert probe is not None
    return breaker, probe


def test_breaker_opens_on_threshold_failures_within_the_window() -> None:
    """Three failures within ten seconds open it; the hook sees closed -> open with the count."""
    clock, moves = FakeClock(), Moves()
    breaker = _breaker(clock, moves)
    _fail(breaker)
    _fail(breaker)
    assert _state(breaker) == "closed"
    _fail(breaker)
    assert _state(breaker) == "open"
    assert breaker.acquire() is None
    assert moves == [("closed", "open", 3)]


def test_failures_outside_the_window_do_not_count() -> None:
    """Old failures age out of the window, so spread-out failures never open it."""
    clock, moves = FakeClock(), Moves()
    breaker = _breaker(clock, moves)
    for _ in range(6):
        _fail(breaker)
        clock.now += 6
    assert _state(breaker) == "closed"
    assert breaker.failures_in_window() == 1
    assert moves == []


def test_successes_do_not_reset_the_count_in_window() -> None:
    """Count-in-window: a success between failures does not forgive them."""
    clock, moves = FakeClock(), Moves()
    breaker = _breaker(clock, moves)
    _fail(breaker)
    permit = breaker.acquire()
    assert permit is not None
    breaker.succeeded(permit)
    _fail(breaker)
    _fail(breaker)
    assert _state(breaker) == "open"


def test_half_open_lets_exactly_one_probe_through() -> None:
    """After the open time one probe goes; others are refused until it ends."""
    clock, moves = FakeClock(), Moves()
    breaker = _breaker(clock, moves)
    for _ in range(3):
        _fail(breaker)
    clock.now += 5
    assert _state(breaker) == "half_open"
    probe = breaker.acquire()
    assert probe is not None
    assert probe.probe
    assert breaker.acquire() is None
    breaker.succeeded(probe)
    assert _state(breaker) == "closed"
    assert breaker.acquire() is not None
    assert moves == [("closed", "open", 3), ("open", "half_open", 0), ("half_open", "closed", 0)]


def test_a_failed_probe_reopens_for_another_open_period() -> None:
    """A failing probe re-opens the breaker; it stays open for the full period again."""
    clock = FakeClock()
    breaker, probe = _probing(clock)
    breaker.failed(probe)
    assert _state(breaker) == "open"
    clock.now += 4.9
    assert breaker.acquire() is None
    clock.now += 0.1
    assert _state(breaker) == "half_open"
    assert breaker.times_opened == 2


def test_a_released_probe_lets_the_next_caller_probe() -> None:
    """A probe that never reached the payer gives its turn back."""
    clock = FakeClock()
    breaker, probe = _probing(clock)
    breaker.release(probe)
    breaker.failed(probe)  # settled already: ignored
    assert _state(breaker) == "half_open"
    assert breaker.acquire() is not None


def test_late_failures_of_calls_started_before_opening_are_ignored() -> None:
    """Calls in flight when the breaker opened do not extend or re-open it."""
    clock, moves = FakeClock(), Moves()
    breaker = _breaker(clock, moves)
    early = [breaker.acquire() for _ in range(5)]
    for permit in early:
        assert permit is not None
        breaker.failed(permit)
    assert breaker.times_opened == 1
    assert moves == [("closed", "open", 3)]


def test_bulkhead_refuses_at_once_when_full() -> None:
    """The bulkhead never queues: the call beyond the limit is refused immediately."""
    bulkhead = Bulkhead(limit=2)
    assert bulkhead.try_enter()
    assert bulkhead.try_enter()
    assert not bulkhead.try_enter()
    assert bulkhead.in_flight == 2
    bulkhead.leave()
    assert bulkhead.try_enter()


def test_token_bucket_paces_and_refuses_beyond_the_budget() -> None:
    """A burst goes at once; then tokens come at the rate; a wait over budget is refused."""
    clock = FakeClock()
    bucket = TokenBucket(rate=10, burst=2, clock=clock)
    assert bucket.reserve(budget=0) == 0
    assert bucket.reserve(budget=0) == 0
    assert bucket.reserve(budget=0.05) is None
    wait = bucket.reserve(budget=1)
    assert wait is not None
    assert abs(wait - 0.1) < 1e-9
    second = bucket.reserve(budget=1)
    assert second is not None
    assert abs(second - 0.2) < 1e-9
    clock.now += 10
    assert bucket.reserve(budget=0) == 0


def test_take_refuses_with_the_wait_until_a_token() -> None:
    """``take`` spends a token when there is one, else says how long until one, taking none."""
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=1, clock=clock)
    assert bucket.take() == 0
    assert bucket.take() == 0.5
    clock.now += 0.25
    assert bucket.take() == 0.25
    clock.now += 0.25
    assert bucket.take() == 0
    assert not bucket.full()
    clock.now += 0.5
    assert bucket.full()


def test_rolling_window_trims_as_it_records() -> None:
    """Memory is one window's traffic: recording drops old samples without a summary read."""
    clock = FakeClock()
    window = RollingWindow(seconds=60, clock=clock)
    for _ in range(10_000):
        window.check(cache_hit=False)
        window.call(ms=1.0, ok=True)
        clock.now += 1
    assert window.samples() == 2 * 61
    assert window.summary().checks == 60


def test_rolling_window_forgets_old_calls() -> None:
    """Percentiles, errors and cache hits cover only the window."""
    clock = FakeClock()
    window = RollingWindow(seconds=60, clock=clock)
    window.call(ms=1000, ok=False)
    window.check(cache_hit=False)
    clock.now += 61
    for ms in range(1, 101):
        window.call(ms=float(ms), ok=True)
    window.check(cache_hit=True)
    summary = window.summary()
    assert (summary.calls, summary.errors) == (100, 0)
    assert (summary.p50_ms, summary.p95_ms, summary.p99_ms) == (50, 95, 99)
    assert (summary.checks, summary.cache_hits) == (1, 1)


def test_percentile_of_nothing_is_none() -> None:
    """No calls, no latency figure."""
    assert percentile([], 99) is None
    assert percentile([3.0], 50) == 3.0
