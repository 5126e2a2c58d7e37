"""A small circuit breaker, one per model endpoint and process.

Closed: calls pass; ``threshold`` consecutive failures open it. Open: every call
is refused at once until ``cooldown_seconds`` have passed. Half-open: exactly one
probe call may go; its success closes the breaker, its failure opens it again.
Thread-safe; the clock is injectable so tests need not sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Refuses calls to an endpoint that keeps failing, then probes it once."""

    def __init__(
        self,
        *,
        threshold: int,
        cooldown_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = threshold
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        """``closed``, ``open`` or ``half_open`` (cool-down over, or a probe in flight)."""
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._probing or self._clock() - self._opened_at >= self._cooldown:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """Whether a call may go now; the caller then reports :meth:`success` or :meth:`failure`."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half_open" and not self._probing:
                self._probing = True
                return True
            return False

    def success(self) -> None:
        """The call worked: close the breaker."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def failure(self) -> None:
        """The call failed: count it; open (again) at the threshold or after a failed probe."""
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self._threshold:
                self._opened_at = self._clock()
            self._probing = False
