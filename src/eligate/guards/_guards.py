"""The one circuit breaker, bulkhead, token bucket and rolling window of the project.

Payer lanes, the model client and the API's rate limits all use these; each user
holds its own instances. Small, synchronous, thread-safe where a user shares them
across threads (the breaker), and time is a parameter: a clock is injected, so
tests move it by hand.

Written here rather than taken from a library: the breaker needs a
count-in-window threshold, a single half-open probe, permits that callers settle
(so a call cancelled before it reached the payer does not count) and a transition
hook for structured events, which purgatory does not offer; the bucket must
cooperate with a caller's deadline (wait for a token only while the budget
allows, else refuse, and say how long until a token for ``Retry-After``), which
pyrate-limiter's blocking acquire does not express. pyrate-limiter is therefore
not a dependency.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]
"""``closed`` (calls pass), ``open`` (refused at once), ``half_open`` (one probe may go)."""

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
    """Closed, open, half-open with a single probe; opens on N failures within a window.

    A caller takes a :class:`Permit` (:meth:`acquire`) and settles it once:
    :meth:`succeeded`, :meth:`failed` or :meth:`release` (no verdict). With
    ``success_resets`` a success clears the failures counted so far, so the
    threshold counts consecutive failures (the model client's policy); without
    it, successes in between do not (a payer failing 30% of the time still opens).
    """

    def __init__(
        self,
        *,
        failure_threshold: int,
        window_seconds: float,
        open_seconds: float,
        success_resets: bool = False,
        clock: Clock = time.monotonic,
        on_transition: TransitionHook | None = None,
    ) -> None:
        self.success_resets = success_resets
        self._lock = threading.RLock()
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
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._half_open or self._clock() - self._opened_at >= self.open_seconds:
            return "half_open"
        return "open"

    def acquire(self) -> Permit | None:
        """A permit to call, or ``None`` when the breaker refuses (open, or probe under way)."""
        with self._lock:
            return self._acquire()

    def _acquire(self) -> Permit | None:
        state = self._state()
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
        with self._lock:
            self._succeeded(permit)

    def _succeeded(self, permit: Permit) -> None:
        if permit.settled:
            return
        permit.settled = True
        if self.success_resets and not permit.probe:
            self._failures.clear()
        if permit.probe:
            self._probing = False
            self._half_open = False
            self._opened_at = None
            self._failures.clear()
            self._emit("half_open", "closed")

    def failed(self, permit: Permit) -> None:
        """The call made under ``permit`` failed; a failed probe re-opens the breaker."""
        with self._lock:
            self._failed(permit)

    def _failed(self, permit: Permit) -> None:
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
        with self._lock:
            if permit.settled:
                return
            permit.settled = True
            if permit.probe:
                self._probing = False

    def failures_in_window(self) -> int:
        """Failures counted towards opening, within the window."""
        with self._lock:
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
    """``rate`` tokens a second up to ``burst``: payer pacing and per-client API limits.

    :meth:`reserve` takes a token ahead (pacing: wait, within a budget);
    :meth:`take` takes one only if it is there (rate limits: refuse, with the wait).
    """

    def __init__(self, *, rate: float, burst: int, clock: Clock = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def _refill(self) -> float:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate

    def reserve(self, *, budget: float) -> float | None:
        """Take a token; seconds to wait before using it, or ``None`` if over ``budget``."""
        wait = self._refill()
        if wait > budget:
            return None
        self._tokens -= 1
        return wait

    def take(self) -> float:
        """Take a token now and return 0, or take none and return the seconds until one."""
        if self.reserve(budget=0.0) is not None:
            return 0.0
        return self._refill()

    def full(self) -> bool:
        """Whether the bucket is full again (its owner may forget it and lose nothing)."""
        self._refill()
        return self._tokens >= self.burst


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
    """Payer call latencies and outcomes, and cache hits, over the last ``seconds``.

    Trims as it goes: every record drops what has left the window, so memory is
    bounded by the traffic of one window however rarely :meth:`summary` is read.
    """

    def __init__(self, *, seconds: float = 60.0, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._calls: deque[_Sample] = deque()
        self._checks: deque[tuple[float, bool]] = deque()

    def call(self, *, ms: float, ok: bool) -> None:
        """Record one call to the payer (retries included) and whether it worked."""
        now = self._clock()
        self._calls.append(_Sample(now, ms, ok))
        self._trim(now)

    def check(self, *, cache_hit: bool) -> None:
        """Record one check for the payer and whether the cache answered it."""
        now = self._clock()
        self._checks.append((now, cache_hit))
        self._trim(now)

    def samples(self) -> int:
        """Calls and checks held now (what the window costs in memory)."""
        return len(self._calls) + len(self._checks)

    def _trim(self, now: float) -> None:
        horizon = now - self.seconds
        while self._calls and self._calls[0].at < horizon:
            self._calls.popleft()
        while self._checks and self._checks[0][0] < horizon:
            self._checks.popleft()

    def summary(self) -> WindowSummary:
        """The window's figures now."""
        self._trim(self._clock())
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
