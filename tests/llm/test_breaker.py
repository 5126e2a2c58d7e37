"""The circuit breaker: closed, open, half-open with exactly one probe."""

from __future__ import annotations

from eligate.llm import CircuitBreaker


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        """The current time."""
        return self.now


def _state(breaker: CircuitBreaker) -> str:
    """The state, read fresh (mypy would otherwise narrow a property across calls)."""
    return breaker.state


def _breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(threshold=2, cooldown_seconds=10, clock=clock)


def test_opens_after_threshold_consecutive_failures() -> None:
    """Two failures in a row open it; a success in between resets the count."""
    clock = Clock()
    breaker = _breaker(clock)
    breaker.failure()
    breaker.success()
    breaker.failure()
    assert _state(breaker) == "closed"
    assert breaker.allow()
    breaker.failure()
    assert _state(breaker) == "open"
    assert not breaker.allow()


def test_half_open_lets_exactly_one_probe_through() -> None:
    """After the cool-down one caller probes; others are refused until it reports."""
    clock = Clock()
    breaker = _breaker(clock)
    breaker.failure()
    breaker.failure()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.2
    assert _state(breaker) == "half_open"
    assert breaker.allow()
    assert not breaker.allow()
    breaker.success()
    assert _state(breaker) == "closed"
    assert breaker.allow()


def test_a_failed_probe_opens_it_again_for_a_full_cool_down() -> None:
    """The probe fails: open again, counted from the failure."""
    clock = Clock()
    breaker = _breaker(clock)
    breaker.failure()
    breaker.failure()
    clock.now += 10
    assert breaker.allow()
    breaker.failure()
    assert _state(breaker) == "open"
    clock.now += 9
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()
