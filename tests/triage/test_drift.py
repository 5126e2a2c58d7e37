"""Payer drift: per-day limits for varying volume, weekday and month-start effects, alerts."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np

from eligate.triage import (
    daily_counts,
    drift_alerts,
    evaluate_drift,
    read_outcomes,
    simulate_series,
    watch,
    zscore_flags,
)
from tests.triage.factories import record, reply


def test_doubling_is_caught_within_days_at_high_volume() -> None:
    """A payer with 2000 checks a day whose inactive rate doubles is flagged within three days."""
    rng = np.random.default_rng(3)
    days, n, x = simulate_series(rng, days=150, volume=2000, shift_day=120)
    points = watch(days, n, x)
    first = next(i for i, p in enumerate(points) if i >= 120 and p.alarm is not None)
    assert first - 120 <= 3
    assert points[first].sigmas > 0


def test_month_start_spike_is_expected_not_an_alarm() -> None:
    """Month starts double the inactive rate: the watch expects it, a plain z-score does not."""
    rng = np.random.default_rng(4)
    days, n, x = simulate_series(rng, days=240, volume=2000)
    points = watch(days, n, x)
    starts = [i for i, d in enumerate(days) if d.day <= 2 and i >= 120]
    assert starts
    assert sum(points[i].alarm is not None for i in starts) <= 1
    week_before = [(points[i].expected, points[i - 7].expected) for i in starts if days[i].day == 1]
    assert all(now > 1.5 * before for now, before in week_before)
    flags = zscore_flags(n, x)
    assert sum(flags[i] for i in starts) >= len(starts) // 2


def test_small_days_are_not_three_sigma_events() -> None:
    """Two inactive answers out of eight checks on a quiet Sunday is no alarm."""
    days = [date(2026, 1, 5) + timedelta(days=i) for i in range(60)]
    n = [40] * 59 + [8]
    x = [2] * 59 + [2]
    assert watch(days, n, x)[-1].alarm is None


def test_alerts_from_outcomes_name_payer_metric_and_step() -> None:
    """Exports of 40 days with a jump in one payer's inactive answers give one clear alert."""
    lines = []
    start = date(2026, 9, 1)
    for offset in range(40):
        day = start + timedelta(days=offset)
        inactive = 8 if offset == 39 else 1
        for index in range(20):
            details = ("EB*6*IND*30",) if index < inactive else ("EB*1*IND*30**GOLD PPO",)
            lines.append(
                json.dumps(record(reply(*details), item_id=f"{offset}-{index}",
                                  checked_at=f"{day}T03:00:00-05:00",
                                  appointment_at=f"{day}T10:00:00-05:00"))
            )  # fmt: skip
    outcomes = read_outcomes(lines)
    counts = daily_counts(outcomes)
    assert int(counts["n"].sum()) == 800
    alerts = drift_alerts(counts)
    assert [(a.payer_id, a.metric) for a in alerts] == [("synblue", "inactive")]
    alert = alerts[0]
    assert alert.today == 0.4
    assert alert.baseline < 0.1
    assert alert.sigmas > 3
    assert "contact payer operations" in alert.recommended_step
    assert alert.message.startswith("Payer synblue inactive rate 40.0%")
    assert drift_alerts(counts, on=start + timedelta(days=38)) == []


def test_drift_evaluation_reports_both_methods() -> None:
    """The evaluation gives false alarms and days to detect for the watch and the z-score."""
    (trial,) = evaluate_drift(seed=1, runs=2, volumes=(500,))
    assert set(trial.false_alarms_per_90_days) == {"laney_cusum", "zscore_2.4"}
    assert trial.runs == 2
    assert all(0.0 <= v <= 1.0 for v in trial.detected_within_30_days.values())
