"""The breaker in the model client's mode: N consecutive failures, a cool-down, one probe."""

from __future__ import annotations

import math
import threading

from eligate.guards import BreakerState, CircuitBreaker
from tests.guards.test_guards import FakeClock


def _state(breaker: CircuitBreaker) -> BreakerState:
    """The state, read fresh (mypy would otherwise narrow a property across calls)."""
    return breaker.state


def _breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=2,
        window_seconds=math.inf,
        open_seconds=10,
        success_resets=True,
        clock=clock,
    )


def _call(breaker: CircuitBreaker, *, ok: bool) -> None:
    permit = breaker.acquire()
    assert permit is not None
    if ok:
        breaker.succeeded(permit)
    else:
        breaker.failed(permit)


def test_opens_after_threshold_consecutive_failures() -> None:
    """Two failures in a row open it; a success in between resets the count."""
    clock = FakeClock()
    breaker = _breaker(clock)
    _call(breaker, ok=False)
    _call(breaker, ok=True)
    _call(breaker, ok=False)
    assert _state(breaker) == "closed"
    _call(breaker, ok=False)
    assert _state(breaker) == "open"
    assert breaker.acquire() is None


def test_half_open_lets_exactly_one_probe_through() -> None:
    """After the cool-down one caller probes; others are refused until it reports."""
    clock = FakeClock()
    breaker = _breaker(clock)
    _call(breaker, ok=False)
    _call(breaker, ok=False)
    clock.now += 9.9
    assert breaker.acquire() is None
    clock.now += 0.2
    assert _state(breaker) == "half_open"
    probe = breaker.acquire()
    assert probe is not None
    assert probe.probe
    assert breaker.acquire() is None
    breaker.succeeded(probe)
    assert _state(breaker) == "closed"


def test_a_failed_probe_opens_it_again_for_a_full_cool_down() -> None:
    """The probe fails: open again, counted from the failure."""
    clock = FakeClock()
    breaker = _breaker(clock)
    _call(breaker, ok=False)
    _call(breaker, ok=False)
    clock.now += 10
    _call(breaker, ok=False)
    assert _state(breaker) == "open"
    clock.now += 9
    assert breaker.acquire() is None
    clock.now += 1
    assert breaker.acquire() is not None


def test_threads_never_get_two_probes() -> None:
    """Eight threads racing for the half-open breaker get exactly one probe between them."""
    clock = FakeClock()
    breaker = _breaker(clock)
    _call(breaker, ok=False)
    _call(breaker, ok=False)
    clock.now += 10
    start = threading.Barrier(8)
    permits = []

    def race() -> None:
        start.wait()
        permits.append(breaker.acquire())

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(permit is not None for permit in permits) == 1
