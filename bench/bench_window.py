"""The rolling latency window stays flat: a million checks, memory read as they go.

Each payer lane records every check and every payer call in a
:class:`eligate.guards.RollingWindow` (60 s). Before issue 9 the window trimmed
only when ``/health`` was read, so between reads it kept every sample. This
records a million checks and calls at 1,000 a second on a hand-moved clock, and
prints the samples held and the memory traced at checkpoints for the window as it
is, beside the old append-and-trim-on-read behaviour (the baseline), in one run.

Run: ``make bench-window``.
"""

from __future__ import annotations

import time
import tracemalloc
from collections import deque

from eligate.guards import RollingWindow

CHECKS = 1_000_000
RATE_PER_SECOND = 1_000
CHECKPOINTS = (100_000, 250_000, 500_000, 750_000, 1_000_000)


class Clock:
    """Seconds moved by the loop, not by the wall."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        """Seconds now."""
        return self.now


class TrimOnReadWindow:
    """The baseline: the window as it was, trimmed only when its summary is read."""

    def __init__(self, *, seconds: float, clock: Clock) -> None:
        self.seconds = seconds
        self._clock = clock
        self._calls: deque[tuple[float, float, bool]] = deque()
        self._checks: deque[tuple[float, bool]] = deque()

    def call(self, *, ms: float, ok: bool) -> None:
        """Record a call."""
        self._calls.append((self._clock(), ms, ok))

    def check(self, *, cache_hit: bool) -> None:
        """Record a check."""
        self._checks.append((self._clock(), cache_hit))

    def samples(self) -> int:
        """Samples held."""
        return len(self._calls) + len(self._checks)


def run(kind: str) -> list[tuple[int, int, float]]:
    """(checks, samples held, MiB traced) at each checkpoint, and the time per record."""
    clock = Clock()
    window: RollingWindow | TrimOnReadWindow = (
        RollingWindow(seconds=60, clock=clock)
        if kind == "trims as it goes"
        else TrimOnReadWindow(seconds=60, clock=clock)
    )
    rows: list[tuple[int, int, float]] = []
    tracemalloc.start()
    started = time.perf_counter()
    for number in range(1, CHECKS + 1):
        clock.now += 1 / RATE_PER_SECOND
        window.check(cache_hit=number % 3 == 0)
        window.call(ms=float(number % 400), ok=number % 50 != 0)
        if number in CHECKPOINTS:
            current, _ = tracemalloc.get_traced_memory()
            rows.append((number, window.samples(), current / 2**20))
    elapsed = time.perf_counter() - started
    tracemalloc.stop()
    print(f"{kind}: {elapsed / (2 * CHECKS) * 1e6:.2f} us per record (tracemalloc on)")
    return rows


def main() -> None:
    """Print both windows' growth side by side."""
    print(f"{CHECKS:,} checks (and as many payer calls) at {RATE_PER_SECOND}/s, window 60 s")
    current = run("trims as it goes")
    baseline = run("trim on read (baseline)")
    heads = ("checks", "samples now", "MiB now", "samples base", "MiB base")
    print("{:>10}  {:>12} {:>8}  {:>13} {:>9}".format(*heads))
    for (checks, held, mib), (_, held_base, mib_base) in zip(current, baseline, strict=True):
        print(f"{checks:>10,}  {held:>12,} {mib:>8.1f}  {held_base:>13,} {mib_base:>9.1f}")
    flat = current[-1][1] <= current[0][1] * 1.01  # one window's traffic, give or take a tick
    print(f"flat over {CHECKS:,} checks: {'yes' if flat else 'NO'}")


if __name__ == "__main__":
    main()
