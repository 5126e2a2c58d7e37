"""A run from submission to its report: read the file, store the items, queue them, watch.

Submitting a file whose run exists (same bytes) is a no-op answered from that
run. Rows asking the same question as an earlier row (same idempotency key) are
stored as its duplicates and take its outcome: one 270 per question per run.
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog

from eligate.batch._input import file_format, read_appointments
from eligate.batch._models import (
    FINAL_STATES,
    ITEM_STATES,
    BatchPolicy,
    BatchReport,
    PayerFigures,
    Refusal,
)
from eligate.batch._process import idempotency_key
from eligate.batch._queue import Enqueue
from eligate.batch._store import BatchStore, FigureRow, NewItem
from eligate.events import Announcer

_log = structlog.get_logger("eligate.batch")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Submitted:
    """What a submission did."""

    batch_id: str
    created: bool
    """``False``: the same file was submitted before; this is its run."""
    total: int
    refused: tuple[Refusal, ...]
    queued: int
    """Items put on the queue (0 for a resubmission)."""


def batch_id_of(data: bytes) -> tuple[str, str]:
    """The file's digest and the run id derived from it."""
    digest = hashlib.sha256(data).hexdigest()
    return digest, digest[:16]


async def submit(
    data: bytes,
    *,
    name: str,
    store: BatchStore,
    payers: Collection[str],
    policy: BatchPolicy,
    kicker: Enqueue,
    resume: bool = False,
    announcer: Announcer | None = None,
) -> Submitted:
    """Store a run for the appointment file ``data`` and queue its items.

    Args:
        data: the file's bytes.
        name: its name (the suffix picks the reader).
        store: where runs live.
        payers: the payer ids in the registry (other ids are refused rows).
        policy: deadlines and pacing of the run.
        kicker: the queue.
        resume: for a file already submitted, queue its unfinished items again
            (the embedded in-memory queue died with its process).
        announcer: where ``batch.started`` is announced; none when None.

    Raises:
        AppointmentFileError: the file as a whole cannot be read.
    """
    fmt = file_format(Path(name))
    digest, batch_id = batch_id_of(data)
    existing = await store.find_run(digest)
    if existing is not None:
        return await _again(existing, store=store, kicker=kicker, resume=resume)
    deadline = policy.run_deadline(store.now())
    items: list[NewItem] = []
    refused: list[Refusal] = []
    first_of: dict[str, str] = {}
    for parsed in read_appointments(data, fmt=fmt, name=Path(name).name):
        item_id = f"{batch_id}-{parsed.row:06d}"
        appointment, refusal = parsed.appointment, parsed.refusal
        if appointment is not None and appointment.payer_id not in payers:
            appointment, refusal = None, Refusal(parsed.row, "unknown_payer", "payer_id")
        if appointment is None:
            assert refusal is not None  # noqa: S101 - a parsed row has one or the other
            refused.append(refusal)
            values = parsed.values
            items.append(
                NewItem(item_id, parsed.row, values.get("appointment_id") or None,
                        values.get("payer_id") or None, None, None, "refused", refusal.code,
                        None, values)
            )  # fmt: skip
            continue
        key = idempotency_key(appointment, batch_id=batch_id)
        duplicate_of = first_of.setdefault(key, item_id)
        items.append(
            NewItem(
                item_id, parsed.row, appointment.appointment_id, appointment.payer_id, key,
                None if duplicate_of == item_id else duplicate_of, "queued", None,
                policy.due_at(deadline, appointment.appointment_at), parsed.values,
            )
        )  # fmt: skip
    for refusal in refused:
        _log.info("batch.row_refused", batch_id=batch_id, row=refusal.row, code=refusal.code)
    created = await store.create_run(
        batch_id=batch_id, digest=digest, file_name=Path(name).name, deadline_at=deadline,
        items=items,
    )  # fmt: skip
    if not created:
        return await _again(batch_id, store=store, kicker=kicker, resume=resume)
    primaries = [i.item_id for i in items if i.state == "queued" and i.duplicate_of is None]
    await kicker.kick_items(batch_id, primaries)
    await kicker.kick_tick(batch_id, 0)
    _log.info(
        "batch.submitted", batch_id=batch_id, total=len(items), refused=len(refused),
        queued=len(primaries),
    )  # fmt: skip
    if announcer is not None:
        await announcer.announce(
            "batch.started", batch_id=batch_id, total=len(items), refused=len(refused),
            queued=len(primaries), link=f"/v1/batches/{batch_id}",
        )  # fmt: skip
    return Submitted(batch_id, True, len(items), tuple(refused), len(primaries))


async def _again(batch_id: str, *, store: BatchStore, kicker: Enqueue, resume: bool) -> Submitted:
    run = await store.run(batch_id)
    queued = 0
    if resume and run.finished_at is None:
        unfinished = await store.unfinished(batch_id)
        await kicker.kick_items(batch_id, unfinished)
        await kicker.kick_tick(batch_id, run.tick)
        queued = len(unfinished)
    _log.info("batch.resubmitted", batch_id=batch_id, queued=queued)
    return Submitted(batch_id, False, run.total, (), queued)


class Watchdog:
    """A run's tick: queue due retries and orphaned items again; mark the run finished."""

    def __init__(
        self,
        *,
        store: BatchStore,
        kicker: Enqueue,
        policy: BatchPolicy,
        claim_idle_seconds: float,
        sleep: Sleep = asyncio.sleep,
        announcer: Announcer | None = None,
    ) -> None:
        self.announcer = announcer
        self._store = store
        self._kicker = kicker
        self._policy = policy
        self._stale = timedelta(seconds=3 * policy.tick_seconds + claim_idle_seconds)
        self._grace = timedelta(seconds=claim_idle_seconds + 2 * policy.tick_seconds)
        self._sleep = sleep

    async def tick(self, batch_id: str, seq: int) -> None:
        """One tick, then the next one queued unless every item is final."""
        await self._sleep(self._policy.tick_seconds)
        if not await self._store.advance_tick(batch_id, seq, stale=self._stale):
            return
        due = await self._store.due(batch_id)
        if due:
            await self._kicker.kick_items(batch_id, due)
        counts = await self._store.counts(batch_id)
        finished = all_final(counts)
        if finished:
            run = await self._store.run(batch_id)
            if run.finished_at is None:
                await self._store.finish_run(batch_id)
                _log.info("batch.finished", batch_id=batch_id)
                await self._progress(batch_id, counts)
                if self.announcer is not None:
                    await self.announcer.announce(
                        "batch.completed", batch_id=batch_id, link=f"/v1/batches/{batch_id}",
                        counts=_totals(counts),
                    )  # fmt: skip
            elif self._store.now() - run.finished_at > self._grace:
                return
            # Ticks go on a little after the end: taskiq-redis claims a dead worker's
            # pending messages only after a read that returned new ones.
        if not finished:
            await self._progress(batch_id, counts)
        await self._kicker.kick_tick(batch_id, seq + 1)

    async def _progress(self, batch_id: str, counts: dict[str, dict[str, int]]) -> None:
        """One ``batch.progress`` per payer: its items by state."""
        if self.announcer is None:
            return
        for payer_id, states in sorted(counts.items()):
            await self.announcer.announce(
                "batch.progress",
                payer_id=None if payer_id == "-" else payer_id,
                batch_id=batch_id,
                counts=states,
            )


def _totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """Items by state over every payer."""
    totals: dict[str, int] = {}
    for states in counts.values():
        for state, number in states.items():
            totals[state] = totals.get(state, 0) + number
    return totals


def all_final(counts: dict[str, dict[str, int]]) -> bool:
    """Whether no item of these counts waits."""
    return all(
        number == 0 or state in FINAL_STATES
        for states in counts.values()
        for state, number in states.items()
    )


async def follow(
    store: BatchStore,
    batch_id: str,
    *,
    on_progress: Callable[[dict[str, dict[str, int]]], None],
    sleep: Sleep = asyncio.sleep,
    every: float = 1.0,
) -> dict[str, dict[str, int]]:
    """Report counts every ``every`` seconds until every item is final; the last counts."""
    while True:
        counts = await store.counts(batch_id)
        on_progress(counts)
        if all_final(counts):
            return counts
        await sleep(every)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[int(q) - 1], 1)


def figures(payer_id: str, rows: Sequence[FigureRow]) -> PayerFigures:
    """KPIs over stored item rows (payer, state, accepted, retried, elapsed ms, duplicate)."""
    states: dict[str, int] = dict.fromkeys(ITEM_STATES, 0)
    for row in rows:
        states[row[1]] = states.get(row[1], 0) + 1
    answered = [r for r in rows if r[1] in ("cache_hit", "verified", "not_verified")]
    usable = len(rows) - states["refused"]
    retried = [r for r in rows if r[3]]
    elapsed = sorted(r[4] for r in rows if r[4] is not None and not r[5])
    return PayerFigures(
        payer_id=payer_id,
        total=len(rows),
        states=states,
        final=sum(states[s] for s in FINAL_STATES),
        cache_hits=states["cache_hit"],
        verified=states["verified"],
        not_verified=states["not_verified"],
        gave_up=states["gave_up"],
        refused=states["refused"],
        acceptance_rate=_rate(sum(1 for r in answered if r[2]), len(answered)),
        completion_rate=_rate(len(answered), usable),
        p50_item_ms=_percentile(elapsed, 50),
        p95_item_ms=_percentile(elapsed, 95),
        duplicate_rate=_rate(sum(1 for r in rows if r[5]), len(rows)),
        retry_success_rate=_rate(
            sum(1 for r in retried if r[1] in ("verified", "not_verified", "cache_hit")),
            len(retried),
        ),
    )


async def report(store: BatchStore, batch_id: str) -> BatchReport:
    """The run's status, counts and KPIs per payer.

    Raises:
        UnknownBatchError: no such run.
    """
    run = await store.run(batch_id)
    rows = await store.figures_rows(batch_id)
    by_payer: dict[str, list[FigureRow]] = {}
    for row in rows:
        by_payer.setdefault(row[0], []).append(row)
    overall = figures("*", rows)
    return BatchReport(
        batch_id=run.batch_id,
        file_name=run.file_name,
        created_at=run.created_at,
        deadline_at=run.deadline_at,
        finished_at=run.finished_at,
        done=overall.final == overall.total,
        overall=overall,
        payers=[figures(payer, by_payer[payer]) for payer in sorted(by_payer)],
    )
