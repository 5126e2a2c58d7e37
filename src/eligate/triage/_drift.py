"""Payer drift: daily inactive, AAA and timeout rates watched with methods made for proportions.

A day's rate is judged against what that payer's own recent history expects
for that kind of day: a weekday factor and a first-of-month factor (enrollment
turnover makes the 1st and 2nd busy with inactive answers), both shrunk toward
1 when the history is thin. The deviation is standardized for the day's volume
(a p-chart's limits for that day's n, from the binomial tail) and for the payer's extra-binomial
spread (Laney's p': the sigma of the standardized values, from their moving
range). Two signals raise an alert: one day beyond ``limit`` sigmas, or an
upper CUSUM of the standardized values beyond ``h`` (a smaller, lasting rise).
:func:`zscore_flags` is the plain baseline (today against the mean and
standard deviation of the last 90 daily rates) the evaluation compares with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from scipy.stats import binom, norm

from eligate.triage._records import Outcome

Metric = Literal["inactive", "aaa", "timeout"]
METRICS: tuple[Metric, ...] = ("inactive", "aaa", "timeout")
_UNAVAILABLE = frozenset({"timeout", "breaker_open", "http_5xx", "connect", "deadline_exceeded"})
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_CAUSES: dict[Metric, tuple[list[str], str]] = {
    "inactive": (
        [
            "enrollment processing delay at the payer",
            "an employer's enrollment file not loaded",
            "a member ID migration",
        ],
        "contact payer operations before the morning batch; compare with the employer's 834",
    ),
    "aaa": (
        [
            "a changed request format or companion guide",
            "a provider enrollment or credentialing lapse",
            "member ID format change",
        ],
        "compare tonight's AAA codes with last week's and check the payer's companion guide",
    ),
    "timeout": (
        ["a payer outage or maintenance window", "throttling of our NPI", "a network path fault"],
        "check the payer's status page and our pacing; recheck before the doors open",
    ),
}


class DriftAlert(BaseModel):
    """One payer metric that moved beyond what its history expects for the day."""

    model_config = ConfigDict(frozen=True)

    payer_id: str
    """The payer."""
    metric: Metric
    """``inactive``, ``aaa`` or ``timeout`` rate."""
    day: date
    """The day judged."""
    baseline: float
    """The rate the payer's history expects for this day (weekday, first of month)."""
    today: float
    """The day's rate."""
    volume: int
    """Checks that day."""
    sigmas: float
    """How unusual: standard deviations above the expected rate (Laney p')."""
    cusum: float
    """The upper CUSUM of the standardized rates (lasting rises add up)."""
    signal: Literal["sigma", "cusum"]
    """Which rule fired."""
    likely_causes: list[str]
    """What usually moves this metric."""
    recommended_step: str
    """What to do before the morning batch."""
    message: str
    """The alert in one sentence."""


@dataclass(frozen=True, slots=True)
class DriftPoint:
    """One day of one series as the watch saw it."""

    day: date
    n: int
    x: int
    expected: float
    sigmas: float
    cusum: float
    alarm: Literal["sigma", "cusum"] | None


def daily_counts(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Per payer and day (of the check): checks, and how many were inactive, AAA, unavailable."""
    rows = []
    for outcome in outcomes:
        record = outcome.record
        when = record.checked_at or record.appointment_at
        patient = outcome.patient
        aaa = patient is not None and any(not e.loop.startswith("2110") for e in patient.errors)
        rows.append(
            {
                "payer_id": record.payer_id,
                "day": when.date(),
                "n": 1,
                "inactive": int(patient is not None and patient.coverage_status == "inactive"),
                "aaa": int(aaa),
                "timeout": int(
                    record.state in ("gave_up", "retry_wait") or record.reason in _UNAVAILABLE
                ),
            }
        )
    columns = ["payer_id", "day", "n", *METRICS]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows, columns=columns)
    return frame.groupby(["payer_id", "day"], as_index=False).sum()


def watch(
    days: Sequence[date],
    n: Sequence[int],
    x: Sequence[int],
    *,
    window: int = 90,
    min_days: int = 28,
    limit: float = 3.0,
    k: float = 0.5,
    h: float = 5.0,
) -> list[DriftPoint]:
    """Judge each day of one series against the ``window`` days before it."""
    points: list[DriftPoint] = []
    counts = np.asarray(n, dtype=float)
    hits = np.asarray(x, dtype=float)
    weekday = np.array([d.weekday() for d in days])
    month_start = np.array([d.day <= 2 for d in days])
    cusum = 0.0
    for index, day in enumerate(days):
        start = max(0, index - window)
        if index - start < min_days or counts[index] <= 0:
            points.append(
                DriftPoint(day, int(counts[index]), int(hits[index]), 0.0, 0.0, 0.0, None)
            )
            continue
        past = slice(start, index)
        model = _DayModel(counts[past], hits[past], weekday[past], month_start[past])
        expected_past = model.expected(weekday[past], month_start[past])
        z_past = _z(hits[past], counts[past], expected_past)
        moving = np.abs(np.diff(z_past[np.isfinite(z_past)]))
        sigma_z = max(1.0, float(moving.mean() / 1.128)) if moving.size else 1.0
        expected = float(
            model.expected(weekday[index : index + 1], month_start[index : index + 1])[0]
        )
        sigmas = float(
            _z(hits[index : index + 1], counts[index : index + 1], np.array([expected]))[0]
        )
        sigmas /= sigma_z
        cusum = max(0.0, cusum + sigmas - k)
        alarm: Literal["sigma", "cusum"] | None = None
        if sigmas > limit:
            alarm = "sigma"
        elif cusum > h:
            alarm = "cusum"
        points.append(
            DriftPoint(day, int(counts[index]), int(hits[index]), expected, sigmas, cusum, alarm)
        )
        if alarm is not None:
            cusum = 0.0
    return points


def zscore_flags(
    n: Sequence[int], x: Sequence[int], *, window: int = 90, min_days: int = 28, limit: float = 2.4
) -> list[bool]:
    """The plain baseline: today's rate more than ``limit`` SDs above the last days' mean rate."""
    counts = np.asarray(n, dtype=float)
    rates = np.divide(x, counts, out=np.zeros_like(counts), where=counts > 0)
    flags: list[bool] = []
    for index in range(len(rates)):
        past = rates[max(0, index - window) : index][counts[max(0, index - window) : index] > 0]
        if len(past) < min_days or counts[index] <= 0:
            flags.append(False)
            continue
        spread = float(past.std(ddof=1))
        flags.append(bool(spread > 0 and (rates[index] - past.mean()) / spread > limit))
    return flags


def drift_alerts(counts: pd.DataFrame, *, on: date | None = None) -> list[DriftAlert]:
    """Alerts for day ``on`` (default: the last day in ``counts``) of every payer and metric."""
    alerts: list[DriftAlert] = []
    if counts.empty:
        return alerts
    target = on or max(counts["day"])
    for payer_id, group in counts.groupby("payer_id"):
        frame = group.sort_values("day")
        days = list(frame["day"])
        if target not in days:
            continue
        for metric in METRICS:
            points = watch(days, frame["n"].tolist(), frame[metric].tolist())
            point = points[days.index(target)]
            if point.alarm is None:
                continue
            alerts.append(_alert(str(payer_id), metric, point))
    return alerts


def _alert(payer_id: str, metric: Metric, point: DriftPoint) -> DriftAlert:
    causes, step = _CAUSES[metric]
    today = point.x / point.n
    kind_of_day = _WEEKDAYS[point.day.weekday()] + (
        " at the start of a month" if point.day.day <= 2 else ""
    )
    how = (
        f"{point.sigmas:.1f} standard deviations above"
        if point.alarm == "sigma"
        else f"a lasting rise (CUSUM {point.cusum:.1f}) above"
    )
    message = (
        f"Payer {payer_id} {metric} rate {today:.1%} on {point.day} (n={point.n}), "
        f"{how} the {point.expected:.1%} its history expects for a {kind_of_day}; "
        f"possible {causes[0]}; {step}."
    )
    return DriftAlert(
        payer_id=payer_id,
        metric=metric,
        day=point.day,
        baseline=round(point.expected, 5),
        today=round(today, 5),
        volume=point.n,
        sigmas=round(point.sigmas, 2),
        cusum=round(point.cusum, 2),
        signal=point.alarm or "sigma",
        likely_causes=causes,
        recommended_step=step,
        message=message,
    )


class _DayModel:
    """Expected rate = base x weekday factor x first-of-month factor, shrunk toward 1."""

    def __init__(
        self,
        n: np.ndarray,
        x: np.ndarray,
        weekday: np.ndarray,
        month_start: np.ndarray,
    ) -> None:
        prior = max(float(n.sum()) / max(len(n), 1) / 2, 1.0)  # half a day's worth of checks
        plain = ~month_start
        self.base = (float(x[plain].sum()) + 0.5) / (float(n[plain].sum()) + 1.0)
        self.month_start = self._factor(n[month_start], x[month_start], prior)
        self.weekday = {
            w: self._factor(n[plain & (weekday == w)], x[plain & (weekday == w)], prior)
            for w in range(7)
        }

    def _factor(self, n: np.ndarray, x: np.ndarray, prior: float) -> float:
        return ((float(x.sum()) + prior * self.base) / (float(n.sum()) + prior)) / self.base

    def expected(self, weekday: np.ndarray, month_start: np.ndarray) -> np.ndarray:
        factors = np.array([self.weekday[int(w)] for w in weekday])
        factors = factors * np.where(month_start, self.month_start, 1.0)
        return np.clip(self.base * factors, 1e-6, 1 - 1e-6)


def _z(x: np.ndarray, n: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """The day's count as a normal score of its binomial mid-p tail (NaN where n is 0).

    The plain (rate - p) / sqrt(p(1-p)/n) overstates small days: two inactive
    answers out of eight checks is not three sigmas. The mid-p tail keeps the
    p-chart's per-day limits exact at any volume.
    """
    safe = np.where(n > 0, n, 1)
    upper = binom.sf(x, safe, expected) + 0.5 * binom.pmf(x, safe, expected)
    score = norm.isf(np.clip(upper, 1e-12, 1 - 1e-12))
    return np.where(n > 0, score, np.nan)


@dataclass(frozen=True, slots=True)
class DriftTrial:
    """Figures of the drift evaluation for one volume."""

    volume: int
    runs: int
    false_alarms_per_90_days: dict[str, float]
    """Method -> alarms per payer per 90 monitored days on series with no shift."""
    median_days_to_detect: dict[str, float | None]
    """Method -> median days from a doubling of the inactive rate to the first alarm."""
    detected_within_30_days: dict[str, float]
    """Method -> share of doublings caught within 30 days."""


def simulate_series(
    rng: np.random.Generator,
    *,
    days: int,
    volume: float,
    base_rate: float = 0.04,
    shift_day: int | None = None,
    factor: float = 2.0,
    start: date = date(2026, 1, 5),
) -> tuple[list[date], list[int], list[int]]:
    """A simulated payer's daily checks and inactive answers.

    Weekday volume and rate, busy month starts, extra-binomial spread, and (from
    ``shift_day``) the rate multiplied by ``factor``.
    """
    volume_by_weekday = (1.0, 1.0, 1.0, 1.0, 0.9, 0.3, 0.2)
    rate_by_weekday = (1.25, 1.0, 1.0, 1.0, 1.05, 0.9, 0.9)
    out_days: list[date] = []
    n: list[int] = []
    x: list[int] = []
    for offset in range(days):
        day = start + pd.Timedelta(days=offset).to_pytimedelta()
        checks = int(rng.poisson(volume * volume_by_weekday[day.weekday()]))
        rate = base_rate * rate_by_weekday[day.weekday()] * (2.0 if day.day <= 2 else 1.0)
        rate *= float(rng.gamma(60.0, 1 / 60.0))  # day-to-day spread beyond binomial
        if shift_day is not None and offset >= shift_day:
            rate *= factor
        out_days.append(day)
        n.append(checks)
        x.append(int(rng.binomial(checks, min(rate, 0.95))) if checks else 0)
    return out_days, n, x


def evaluate_drift(
    *, seed: int, runs: int, volumes: Sequence[int] = (40, 2000), baseline_days: int = 90
) -> list[DriftTrial]:
    """Days to detect a doubling and false alarms per 90 days, beside a plain 2.4-sigma z-score."""
    rng = np.random.default_rng(seed)
    trials: list[DriftTrial] = []
    monitored = 90
    for volume in volumes:
        alarms = {"laney_cusum": 0, "zscore_2.4": 0}
        delays: dict[str, list[int | None]] = {"laney_cusum": [], "zscore_2.4": []}
        for _ in range(runs):
            days, n, x = simulate_series(rng, days=baseline_days + monitored, volume=volume)
            flags = _flags(days, n, x)
            for method, flagged in flags.items():
                alarms[method] += sum(flagged[baseline_days:])
            shift = baseline_days + int(rng.integers(0, 30))
            days, n, x = simulate_series(
                rng, days=baseline_days + monitored, volume=volume, shift_day=shift
            )
            for method, flagged in _flags(days, n, x).items():
                after = [i - shift for i in range(shift, len(flagged)) if flagged[i]]
                delays[method].append(after[0] if after else None)
        trials.append(
            DriftTrial(
                volume=volume,
                runs=runs,
                false_alarms_per_90_days={m: float(a) / runs for m, a in alarms.items()},
                median_days_to_detect={
                    m: (
                        float(np.median([d for d in v if d is not None]))
                        if any(d is not None for d in v)
                        else None
                    )
                    for m, v in delays.items()
                },
                detected_within_30_days={
                    m: float(np.mean([d is not None and d <= 30 for d in v]))
                    for m, v in delays.items()
                },
            )
        )
    return trials


def _flags(days: list[date], n: list[int], x: list[int]) -> dict[str, list[bool]]:
    return {
        "laney_cusum": [p.alarm is not None for p in watch(days, n, x)],
        "zscore_2.4": zscore_flags(n, x),
    }


def as_of_day(moment: datetime) -> date:
    """The day a run at ``moment`` is judged for."""
    return moment.date()
