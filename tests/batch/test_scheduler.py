"""The nightly schedule: the newest file, at the configured local time; time in the test's hand."""

from __future__ import annotations

import os
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from eligate.batch import Scheduler, newest_file, next_run


def test_next_run_is_the_next_local_time() -> None:
    """After 03:00 in New York the next 02:00 is tomorrow's; before it, today's."""
    zone = ZoneInfo("America/New_York")
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 03:00 in New York
    assert next_run(now, time(2, 0), zone) == datetime(2026, 12, 2, 2, 0, tzinfo=zone)
    early = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)  # 00:00 in New York
    assert next_run(early, time(2, 0), zone) == datetime(2026, 12, 1, 2, 0, tzinfo=zone)


def test_newest_appointment_file_is_chosen(tmp_path: Path) -> None:
    """The most recently modified .csv/.parquet/.jsonl; other files are ignored."""
    for index, name in enumerate(("old.csv", "new.jsonl", "notes.txt")):
        path = tmp_path / name
        path.write_text("x")
        os.utime(path, ns=(index * 10**9, index * 10**9))
    assert newest_file(tmp_path) == tmp_path / "new.jsonl"


async def test_scheduler_submits_each_night_at_its_time(tmp_path: Path) -> None:
    """Two nights: it sleeps until 02:00 each time and submits the newest file then."""
    (tmp_path / "tomorrow.csv").write_text("x")
    clock = {"now": datetime(2026, 12, 1, 23, 0, tzinfo=UTC)}
    slept: list[float] = []
    submitted: list[tuple[datetime, str]] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock["now"] += timedelta(seconds=seconds)

    async def submit(path: Path) -> str:
        submitted.append((clock["now"], path.name))
        return "b1"

    scheduler = Scheduler(
        folder=tmp_path, at=time(2, 0), zone=UTC, submit=submit,
        now=lambda: clock["now"], sleep=sleep,
    )  # fmt: skip
    await scheduler.run(nights=2)
    assert slept == [3 * 3600.0, 24 * 3600.0]
    assert submitted == [
        (datetime(2026, 12, 2, 2, 0, tzinfo=UTC), "tomorrow.csv"),
        (datetime(2026, 12, 3, 2, 0, tzinfo=UTC), "tomorrow.csv"),
    ]
