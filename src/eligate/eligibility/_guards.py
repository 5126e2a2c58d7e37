"""Per-payer guards: circuit breaker, bulkhead, pacing bucket and a rolling window.

All are small, synchronous and own: each payer's lane holds its own instances, and
nothing here is shared between payers. The breaker is written here rather than
wrapping purgatory: it needs a count-in-window threshold, a single half-open
probe, an injectable clock for tests and a transition hook for structured
events, which is ~100 lines, and purgatory is not a dependency of the project.
The pacing bucket is own too: it must cooperate with the request deadline
(wait for a token only while the caller's budget allows, else refuse), which
pyrate-limiter's blocking acquire does not express.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from eligate.eligibility._ports import BreakerState

Clock = Callable[[], float]
"""Monotonic seconds; ``time.monotonic`` outside tests."""

TransitionHook = Callable[[BreakerState, BreakerState, int], None]
"""Called as ``hook(old, new, failures_in_window)`` when the breaker changes state."""


@dataclass(slots=True)
class Permit:
    """Leave to make one call; a half-open breaker hands out one probe permit at a time."""

    probe: bool
    settled: bool = False


class CircuitBreaker:
    """Closed, open, half-open with a single probe; opens on N failures within a window."""

    def __init__(
        self,
        *,
        failure_threshold: int,
        window_seconds: float,
        open_seconds: float,
        clock: Clock = time.monotonic,
        on_transition: TransitionHook | None = None,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.window_seconds = window_seconds
        self.open_seconds = open_seconds
        self._clock = clock
        self._hook = on_transition
        self._failures: deque[float] = deque()
        self._opened_at: float | None = None
        self._probing = False
        self._half_open = False
        self.times_opened = 0

    @property
    def state(self) -> BreakerState:
        """The state now (an open breaker whose time is up reads as half-open)."""
        if self._opened_at is None:
            return "closed"
        if self._half_open or self._clock() - self._opened_at >= self.open_seconds:
            return "half_open"
        return "open"

    def acquire(self) -> Permit | None:
        """A permit to call, or ``None`` when the breaker refuses (open, or probe under way)."""
        state = self.state
        if state == "closed":
            return Permit(probe=False)
        if state == "open" or self._probing:
            return None
        if not self._half_open:
            self._half_open = True
            self._emit("open", "half_open")
        self._probing = True
        return Permit(probe=True)

    def succeeded(self, permit: Permit) -> None:
        """The call made under ``permit`` worked; a successful probe closes the breaker."""
        if permit.settled:
            return
        permit.settled = True
        if permit.probe:
            self._probing = False
            self._half_open = False
            self._opened_at = None
            self._failures.clear()
            self._emit("half_open", "closed")

    def failed(self, permit: Permit) -> None:
        """The call made under ``permit`` failed; a failed probe re-opens the breaker."""
        if permit.settled:
            return
        permit.settled = True
        now = self._clock()
        if permit.probe:
            self._probing = False
            self._half_open = False
            self._open(now, "half_open")
            return
        if self._opened_at is not None:
            return  # a call that started before the breaker opened; already open
        self._failures.append(now)
        self._trim(now)
        if len(self._failures) >= self.failure_threshold:
            self._open(now, "closed")

    def release(self, permit: Permit) -> None:
        """Give ``permit`` back without a verdict (the call never reached the payer)."""
        if permit.settled:
            return
        permit.settled = True
        if permit.probe:
            self._probing = False

    def failures_in_window(self) -> int:
        """Failures counted towards opening, within the window."""
        self._trim(self._clock())
        return len(self._failures)

    def _open(self, now: float, old: BreakerState) -> None:
        self._opened_at = now
        self.times_opened += 1
        failures = len(self._failures)
        self._failures.clear()
        self._emit(old, "open", failures)

    def _trim(self, now: float) -> None:
        while self._failures and now - self._failures[0] > self.window_seconds:
            self._failures.popleft()

    def _emit(self, old: BreakerState, new: BreakerState, failures: int = 0) -> None:
        if self._hook is not None:
            self._hook(old, new, failures)


class Bulkhead:
    """Bounded concurrency with immediate refusal when full; nobody queues."""

    def __init__(self, *, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    def try_enter(self) -> bool:
        """Take a slot, or ``False`` at once when all are taken."""
        if self.in_flight >= self.limit:
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        """Give a slot back."""
        self.in_flight -= 1


class TokenBucket:
    """Pacing: ``rate`` tokens a second up to ``burst``; a token can be reserved ahead."""

    def __init__(self, *, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def reserve(self, *, budget: float) -> float | None:
        """Take a token; seconds to wait before using it, or ``None`` if over ``budget``."""
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now
        wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
        if wait > budget:
            return None
        self._tokens -= 1
        return wait


@dataclass(frozen=True, slots=True)
class _Sample:
    at: float
    ms: float
    ok: bool


@dataclass(frozen=True, slots=True)
class WindowSummary:
    """Figures over the rolling window."""

    calls: int
    errors: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    checks: int
    cache_hits: int


class RollingWindow:
    """Payer call latencies and outcomes, and cache hits, over the last ``seconds``."""

    def __init__(self, *, seconds: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._calls: deque[_Sample] = deque()
        self._checks: deque[tuple[float, bool]] = deque()

    def call(self, *, ms: float, ok: bool) -> None:
        """Record one call to the payer (retries included) and whether it worked."""
        self._calls.append(_Sample(self._clock(), ms, ok))

    def check(self, *, cache_hit: bool) -> None:
        """Record one check for the payer and whether the cache answered it."""
        self._checks.append((self._clock(), cache_hit))

    def summary(self) -> WindowSummary:
        """The window's figures now."""
        horizon = self._clock() - self.seconds
        while self._calls and self._calls[0].at < horizon:
            self._calls.popleft()
        while self._checks and self._checks[0][0] < horizon:
            self._checks.popleft()
        latencies = sorted(sample.ms for sample in self._calls)
        return WindowSummary(
            calls=len(self._calls),
            errors=sum(1 for sample in self._calls if not sample.ok),
            p50_ms=percentile(latencies, 50),
            p95_ms=percentile(latencies, 95),
            p99_ms=percentile(latencies, 99),
            checks=len(self._checks),
            cache_hits=sum(1 for _, hit in self._checks if hit),
        )


def percentile(ordered: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an ascending list; ``None`` when empty."""
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]
