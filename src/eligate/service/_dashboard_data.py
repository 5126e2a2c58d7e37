"""What the dashboard shows, computed from the core's health and the event stream.

Pure functions of their inputs (health figures, recent events), so they are
tested without a browser; the routes in ``_routes_dashboard`` render them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from eligate.eligibility import PayerHealth
from eligate.events import Event
from eligate.guards import percentile

Light = Literal["red", "amber", "green"]


@dataclass(frozen=True, slots=True)
class Tile:
    """One payer's tile."""

    health: PayerHealth
    light: Light
    drift: bool
    why: str
    """The one reason for the colour, shown under the name."""


def light_of(health: PayerHealth, *, drift: bool) -> tuple[Light, str]:
    """Red: breaker open or half the calls failing. Amber: probing, 10% failing, drift."""
    if health.breaker == "open":
        return "red", "breaker open"
    if health.calls and health.error_rate >= 0.5:
        return "red", f"{health.error_rate:.0%} errors"
    if health.breaker == "half_open":
        return "amber", "breaker probing"
    if health.calls and health.error_rate >= 0.1:
        return "amber", f"{health.error_rate:.0%} errors"
    if drift:
        return "amber", "drift detected"
    return "green", "healthy"


def tiles(healths: Sequence[PayerHealth], events: Sequence[Event]) -> list[Tile]:
    """A tile per payer; drift from ``payer.drift_detected`` among ``events``."""
    drifting = {e.payer_id for e in events if e.type == "payer.drift_detected"}
    made = []
    for health in healths:
        drift = health.payer_id in drifting
        light, why = light_of(health, drift=drift)
        made.append(Tile(health, light, drift, why))
    return made


@dataclass(frozen=True, slots=True)
class BatchView:
    """One run as its events tell it: totals and the latest counts by payer and state."""

    batch_id: str
    total: int | None
    by_payer: dict[str, dict[str, int]]
    completed: bool

    @property
    def done(self) -> int:
        """Items in a final state (everything but queued, claimed, sent and waiting)."""
        waiting = {"queued", "claimed", "sent", "retry_wait"}
        return sum(
            n for states in self.by_payer.values() for s, n in states.items() if s not in waiting
        )

    @property
    def percent(self) -> int:
        """Share of items done, 0..100."""
        total = self.total or sum(sum(s.values()) for s in self.by_payer.values())
        return round(100 * self.done / total) if total else 0


def batches(events: Sequence[Event], *, limit: int = 5) -> list[BatchView]:
    """The newest runs seen in ``events``, newest first."""
    order: list[str] = []
    totals: dict[str, int] = {}
    progress: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    completed: set[str] = set()
    for event in events:
        batch_id = event.data.get("batch_id")
        if not isinstance(batch_id, str) or not event.type.startswith("batch."):
            continue
        if batch_id not in order:
            order.append(batch_id)
        if event.type == "batch.started" and isinstance(event.data.get("total"), int):
            totals[batch_id] = int(event.data["total"])  # type: ignore[arg-type]
        elif event.type == "batch.progress":
            counts = {k: v for k, v in event.data.items() if isinstance(v, int) and k != "total"}
            progress[batch_id][event.payer_id or "-"] = counts
        elif event.type == "batch.completed":
            completed.add(batch_id)
    return [
        BatchView(b, totals.get(b), dict(progress[b]), b in completed)
        for b in reversed(order[-limit:])
    ]


def exceptions(
    events: Sequence[Event], *, payer_id: str | None = None, kind: str | None = None
) -> list[Event]:
    """Failed items and triaged exceptions, newest first, filtered by payer and kind/reason."""
    found = [
        e
        for e in events
        if e.type in ("batch.item_failed", "triage.exception_raised")
        and (payer_id is None or e.payer_id == payer_id)
        and (kind is None or kind in (e.data.get("kind"), e.data.get("reason")))
    ]
    return list(reversed(found))


@dataclass(frozen=True, slots=True)
class Plot:
    """One payer's latency line over the last hour, as SVG points."""

    payer_id: str
    points: str
    """``x,y`` pairs for an SVG polyline in a 600 by 120 box."""
    p50_ms: float | None
    top_ms: float


def latency_plots(
    events: Sequence[Event], *, now: datetime, minutes: int = 60, width: int = 600
) -> list[Plot]:
    """Per payer, the median check latency of each minute of the last ``minutes``."""
    since = now - timedelta(minutes=minutes)
    buckets: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        if event.type != "eligibility.check_completed" or event.payer_id is None:
            continue
        if event.time < since:
            continue
        elapsed = event.data.get("elapsed_ms")
        if isinstance(elapsed, int | float):
            minute = int((event.time - since).total_seconds() // 60)
            buckets[event.payer_id][minute].append(float(elapsed))
    plots = []
    for payer_id in sorted(buckets):
        medians = {m: percentile(sorted(v), 50) or 0.0 for m, v in buckets[payer_id].items()}
        top = max(*medians.values(), 1.0)
        points = " ".join(
            f"{m * width / minutes:.1f},{120 - 110 * value / top:.1f}"
            for m, value in sorted(medians.items())
        )
        everything = sorted(v for values in buckets[payer_id].values() for v in values)
        plots.append(Plot(payer_id, points, percentile(everything, 50), top))
    return plots
