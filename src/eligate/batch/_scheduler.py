"""The nightly schedule: at a configured local time, submit the newest appointment file.

Time is a parameter: :class:`Scheduler` takes the clock and the sleep, so tests
drive a night in microseconds and assert which file went when.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path

import structlog

from eligate.batch._input import FORMATS

_log = structlog.get_logger("eligate.batch")


def newest_file(folder: Path) -> Path | None:
    """The most recently modified appointment file (.csv, .parquet, .jsonl) in ``folder``."""
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FORMATS]
    if not files:
        return None
    return max(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def next_run(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The first ``at`` local time strictly after ``now``."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate


class Scheduler:
    """Submits the newest file in ``folder`` every night at ``at``."""

    def __init__(
        self,
        *,
        folder: Path,
        at: time,
        zone: tzinfo,
        submit: Callable[[Path], Awaitable[str]],
        now: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._folder = folder
        self._at = at
        self._zone = zone
        self._submit = submit
        self._now = now
        self._sleep = sleep

    async def run(self, *, nights: int | None = None) -> list[tuple[datetime, Path | None]]:
        """Wait for each night's time and submit; stop after ``nights`` (forever when None)."""
        done: list[tuple[datetime, Path | None]] = []
        while nights is None or len(done) < nights:
            when = next_run(self._now(), self._at, self._zone)
            await self._sleep(max(0.0, (when - self._now()).total_seconds()))
            chosen = newest_file(self._folder)
            if chosen is None:
                _log.warning("batch.scheduler_no_file", folder=str(self._folder))
            else:
                batch_id = await self._submit(chosen)
                _log.info("batch.scheduler_submitted", file=chosen.name, batch_id=batch_id)
            done.append((when, chosen))
        return done
