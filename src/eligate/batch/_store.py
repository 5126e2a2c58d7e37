"""Runs, items and transitions in the audit database (SQLite by default, PostgreSQL by URL).

Every state change is one transaction that updates the item *only if* it is
still in the state the caller saw (and, for a claim, its lease has run out), and
records the transition beside it. That conditional update is the claim: of two
workers holding the same item, one wins and the other leaves it alone. Member
data is stored sealed with the audit key ring; nothing in a transition or a
count holds any.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from eligate.batch import _tables as t
from eligate.batch._models import FINAL_STATES, ItemPublic, ItemState
from eligate.batch.errors import BatchUsageError, UnknownBatchError
from eligate.eligibility import KeyRing

_INSERT_CHUNK = 1000
_NOT_FINAL = tuple(state for state in ("queued", "sent", "retry_wait"))
_ANSWERED = ("cache_hit", "verified", "not_verified")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _context(kind: str, item_id: str) -> bytes:
    return f"eligate.batch/v1/{kind}/{item_id}".encode()


FigureRow = tuple[str, str, bool | None, bool, float | None, bool]
"""An item for the KPIs: payer, state, accepted, retried, elapsed ms, is a duplicate."""


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item as submission creates it."""

    item_id: str
    row: int
    appointment_id: str | None
    payer_id: str | None
    idem_key: str | None
    duplicate_of: str | None
    state: ItemState
    reason: str | None
    due_at: datetime | None
    values: dict[str, str]
    """The row's columns (sealed before they are stored)."""


@dataclass(frozen=True, slots=True)
class RunRow:
    """A stored run."""

    batch_id: str
    file_name: str
    created_at: datetime
    deadline_at: datetime
    total: int
    finished_at: datetime | None
    tick: int


@dataclass(frozen=True, slots=True)
class ItemRow:
    """A stored item as a worker needs it (member data still sealed)."""

    item_id: str
    batch_id: str
    row: int
    payer_id: str | None
    idem_key: str | None
    duplicate_of: str | None
    state: ItemState
    reason: str | None
    attempts: int
    next_attempt_at: datetime | None
    due_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    correlation_id: str | None
    started_at: datetime | None
    key_id: str | None = None
    input_sealed: bytes | None = None
    """The submitted row, sealed; :meth:`BatchStore.values` opens it."""

    @property
    def final(self) -> bool:
        """Whether the item is in a final state."""
        return self.state in FINAL_STATES


@dataclass(frozen=True, slots=True)
class Finish:
    """A final state and what goes with it."""

    state: ItemState
    status: str | None
    reason: str | None
    origin: str | None
    accepted: bool | None
    outcome: dict[str, Any] | None
    """``{"results": [...], "x12_271": "..."}``, sealed before it is stored."""


def _item(row: Any) -> ItemRow:
    return ItemRow(
        item_id=row.item_id,
        batch_id=row.batch_id,
        row=int(row.row_number),
        payer_id=row.payer_id,
        idem_key=row.idem_key,
        duplicate_of=row.duplicate_of,
        state=cast(ItemState, row.state),
        reason=row.reason,
        attempts=int(row.attempts),
        next_attempt_at=_aware(row.next_attempt_at),
        due_at=_aware(row.due_at),
        lease_owner=row.lease_owner,
        lease_until=_aware(row.lease_until),
        correlation_id=row.correlation_id,
        started_at=_aware(row.started_at),
        key_id=row.key_id,
        input_sealed=None if row.input_sealed is None else bytes(row.input_sealed),
    )


_ITEM_COLUMNS = [
    t.items.c.item_id, t.items.c.batch_id, t.items.c.row_number, t.items.c.payer_id,
    t.items.c.idem_key, t.items.c.duplicate_of, t.items.c.state, t.items.c.reason,
    t.items.c.attempts, t.items.c.next_attempt_at, t.items.c.due_at, t.items.c.lease_owner,
    t.items.c.lease_until, t.items.c.correlation_id, t.items.c.started_at, t.items.c.key_id,
    t.items.c.input_sealed,
]  # fmt: skip


class BatchStore:
    """The night run's rows, over the audit store's engine (its migrations create the tables)."""

    def __init__(
        self, engine: AsyncEngine, *, keys: KeyRing, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self._engine = engine
        self._keys = keys
        self._now = now

    def now(self) -> datetime:
        """The store's clock (UTC)."""
        return self._now()

    # -- runs ---------------------------------------------------------------

    async def find_run(self, digest: str) -> str | None:
        """The run created from a file with this digest, if any."""
        async with self._engine.connect() as connection:
            found = await connection.scalar(
                sa.select(t.runs.c.batch_id).where(t.runs.c.file_digest == digest)
            )
        return None if found is None else str(found)

    async def create_run(
        self,
        *,
        batch_id: str,
        digest: str,
        file_name: str,
        deadline_at: datetime,
        items: Sequence[NewItem],
    ) -> bool:
        """Store a run and its items in one transaction; ``False`` if the file's run exists."""
        created = self._now()
        try:
            async with self._engine.begin() as connection:
                await connection.execute(
                    sa.insert(t.runs).values(
                        batch_id=batch_id,
                        file_digest=digest,
                        file_name=file_name[:255],
                        created_at=created,
                        deadline_at=deadline_at.astimezone(UTC),
                        total=len(items),
                    )
                )
                for start in range(0, len(items), _INSERT_CHUNK):
                    chunk = items[start : start + _INSERT_CHUNK]
                    await connection.execute(
                        sa.insert(t.items), [self._new_row(batch_id, item) for item in chunk]
                    )
                refused = [item for item in items if item.state == "refused"]
                if refused:
                    await connection.execute(
                        sa.insert(t.transitions),
                        [
                            {
                                "item_id": item.item_id,
                                "batch_id": batch_id,
                                "from_state": None,
                                "to_state": "refused",
                                "reason": item.reason,
                                "at": created,
                                "worker": "submit",
                            }
                            for item in refused
                        ],
                    )
        except exc.IntegrityError:
            return False
        return True

    def _new_row(self, batch_id: str, item: NewItem) -> dict[str, Any]:
        key_id, sealed = self._keys.seal(
            json.dumps(item.values, separators=(",", ":")).encode(),
            context=_context("input", item.item_id),
        )
        return {
            "item_id": item.item_id,
            "batch_id": batch_id,
            "row_number": item.row,
            "appointment_id": item.appointment_id,
            "payer_id": item.payer_id,
            "idem_key": item.idem_key,
            "duplicate_of": item.duplicate_of,
            "state": item.state,
            "reason": item.reason,
            "attempts": 0,
            "retried": False,
            "due_at": None if item.due_at is None else item.due_at.astimezone(UTC),
            "checked_at": self._now() if item.state == "refused" else None,
            "key_id": key_id,
            "input_sealed": sealed,
        }

    async def run(self, batch_id: str) -> RunRow:
        """The stored run.

        Raises:
            UnknownBatchError: no such run.
        """
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(sa.select(t.runs).where(t.runs.c.batch_id == batch_id))
            ).first()
        if row is None:
            raise UnknownBatchError(batch_id)
        return RunRow(
            batch_id=row.batch_id,
            file_name=row.file_name,
            created_at=cast(datetime, _aware(row.created_at)),
            deadline_at=cast(datetime, _aware(row.deadline_at)),
            total=int(row.total),
            finished_at=_aware(row.finished_at),
            tick=int(row.tick),
        )

    async def advance_tick(self, batch_id: str, seen: int, *, stale: timedelta) -> bool:
        """Move the run's watchdog from ``seen`` to ``seen + 1``; one chain of ticks wins.

        A tick whose successor never came (its worker died between the two) is
        taken over once the last advance is older than ``stale``.
        """
        now = self._now()
        async with self._engine.begin() as connection:
            result = await connection.execute(
                sa.update(t.runs)
                .where(
                    t.runs.c.batch_id == batch_id,
                    sa.or_(
                        t.runs.c.tick <= seen,
                        t.runs.c.ticked_at.is_(None),
                        t.runs.c.ticked_at < now - stale,
                    ),
                )
                .values(tick=seen + 1, ticked_at=now)
            )
        return result.rowcount == 1

    async def open_runs(self) -> list[tuple[str, int]]:
        """Runs not yet finished, with their watchdog's tick number."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(t.runs.c.batch_id, t.runs.c.tick).where(t.runs.c.finished_at.is_(None))
            )
            return [(str(row[0]), int(row[1])) for row in result]

    async def finish_run(self, batch_id: str) -> None:
        """Mark the run finished (once)."""
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(t.runs)
                .where(t.runs.c.batch_id == batch_id, t.runs.c.finished_at.is_(None))
                .values(finished_at=self._now())
            )

    # -- items --------------------------------------------------------------

    async def items(self, item_ids: Sequence[str]) -> list[ItemRow]:
        """The stored items among ``item_ids`` (in no particular order)."""
        if not item_ids:
            return []
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(*_ITEM_COLUMNS).where(t.items.c.item_id.in_(list(item_ids)))
            )
            return [_item(row) for row in result]

    def values(self, item: ItemRow) -> dict[str, str]:
        """The item's row as submitted (unsealed from the row already read)."""
        return self._open_input(item.item_id, item.key_id, item.input_sealed)

    async def appointment_values(self, item_id: str) -> dict[str, str]:
        """The item's row as submitted (unsealed)."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(t.items.c.key_id, t.items.c.input_sealed).where(
                        t.items.c.item_id == item_id
                    )
                )
            ).one()
        return self._open_input(item_id, row.key_id, row.input_sealed)

    def _open_input(self, item_id: str, key_id: str | None, blob: bytes | None) -> dict[str, str]:
        if key_id is None or blob is None:
            return {}
        raw = self._keys.open(key_id, bytes(blob), context=_context("input", item_id))
        values: dict[str, str] = json.loads(raw)
        return values

    async def claim(
        self, item: ItemRow, *, owner: str, lease: timedelta, correlation_id: str
    ) -> bool:
        """Take ``item`` to ``sent`` (one more attempt) if no live lease holds it.

        Succeeds only when the item is still as ``item`` shows it (state and
        attempts) and not final, so two workers never send for one item.
        """
        now = self._now()
        return await self._move(
            item,
            to="sent",
            reason=None,
            owner=owner,
            values={
                "attempts": item.attempts + 1,
                "retried": item.attempts > 0,
                "lease_owner": owner,
                "lease_until": now + lease,
                "correlation_id": correlation_id,
                "next_attempt_at": None,
                "started_at": item.started_at or now,
            },
            need_free_lease=True,
        )

    async def wait(
        self, item: ItemRow, *, owner: str, reason: str, next_at: datetime, refund: bool
    ) -> bool:
        """Move ``item`` to ``retry_wait`` until ``next_at``; ``refund`` un-counts the attempt."""
        return await self._move(
            item,
            to="retry_wait",
            reason=reason,
            owner=owner,
            values={
                "attempts": item.attempts - 1 if refund and item.attempts > 0 else item.attempts,
                "lease_owner": None,
                "lease_until": None,
                "next_attempt_at": next_at.astimezone(UTC),
            },
            need_free_lease=False,
        )

    async def finish(self, item: ItemRow, *, owner: str, finish: Finish) -> bool:
        """Move ``item`` to a final state; its duplicate rows get the same outcome."""
        if finish.state not in FINAL_STATES:
            raise BatchUsageError(f"{finish.state!r} is not a final state")
        now = self._now()
        started = item.started_at or now
        values: dict[str, Any] = {
            "status": finish.status,
            "origin": finish.origin,
            "accepted": finish.accepted,
            "lease_owner": None,
            "lease_until": None,
            "next_attempt_at": None,
            "checked_at": now,
            "started_at": started,
            "elapsed_ms": max(0.0, (now - started).total_seconds() * 1000),
        }
        if finish.outcome is not None:
            packed = zlib.compress(json.dumps(finish.outcome, separators=(",", ":")).encode(), 1)
            key_id, sealed = self._keys.seal(packed, context=_context("outcome", item.item_id))
            values["outcome_sealed"] = sealed
            values["outcome_key_id"] = key_id
        return await self._move(
            item, to=finish.state, reason=finish.reason, owner=owner, values=values,
            need_free_lease=False,
        )  # fmt: skip

    async def _move(
        self,
        item: ItemRow,
        *,
        to: ItemState,
        reason: str | None,
        owner: str,
        values: dict[str, Any],
        need_free_lease: bool,
    ) -> bool:
        now = self._now()
        key_id = values.pop("outcome_key_id", None)
        condition = [
            t.items.c.item_id == item.item_id,
            t.items.c.state == item.state,
            t.items.c.attempts == item.attempts,
        ]
        if need_free_lease:
            condition.append(sa.or_(t.items.c.lease_until.is_(None), t.items.c.lease_until < now))
        elif item.state == "sent":
            condition.append(sa.or_(t.items.c.lease_owner == owner, t.items.c.lease_until < now))
        async with self._engine.begin() as connection:
            result = await connection.execute(
                sa.update(t.items).where(*condition).values(state=to, reason=reason, **values)
            )
            if result.rowcount != 1:
                return False
            await self._transition(connection, item, to=to, reason=reason, owner=owner, at=now)
            if to in FINAL_STATES:
                await self._settle_duplicates(
                    connection, item, to=to, reason=reason, values=values, key_id=key_id, now=now
                )
        return True

    async def _transition(
        self,
        connection: AsyncConnection,
        item: ItemRow,
        *,
        to: ItemState,
        reason: str | None,
        owner: str,
        at: datetime,
    ) -> None:
        await connection.execute(
            sa.insert(t.transitions).values(
                item_id=item.item_id,
                batch_id=item.batch_id,
                from_state=item.state,
                to_state=to,
                reason=reason,
                at=at,
                worker=owner[:64],
            )
        )

    async def _settle_duplicates(
        self,
        connection: AsyncConnection,
        item: ItemRow,
        *,
        to: ItemState,
        reason: str | None,
        values: dict[str, Any],
        key_id: str | None,
        now: datetime,
    ) -> None:
        copied: dict[str, Any] = {
            k: values[k] for k in ("status", "origin", "accepted", "checked_at") if k in values
        }
        if "outcome_sealed" in values:
            copied["outcome_sealed"] = values["outcome_sealed"]
            copied["outcome_key_id"] = key_id
        duplicates = (
            (
                await connection.execute(
                    sa.select(t.items.c.item_id).where(
                        t.items.c.duplicate_of == item.item_id, t.items.c.state == "queued"
                    )
                )
            )
            .scalars()
            .all()
        )
        if not duplicates:
            return
        copied.pop("outcome_key_id", None)
        await connection.execute(
            sa.update(t.items)
            .where(t.items.c.item_id.in_(duplicates), t.items.c.state == "queued")
            .values(state=to, reason=reason, elapsed_ms=0.0, **copied)
        )
        await connection.execute(
            sa.insert(t.transitions),
            [
                {
                    "item_id": dup,
                    "batch_id": item.batch_id,
                    "from_state": "queued",
                    "to_state": to,
                    "reason": "duplicate_row",
                    "at": now,
                    "worker": "duplicate",
                }
                for dup in duplicates
            ],
        )

    async def transitions(self, item_id: str) -> list[tuple[str | None, str, str | None]]:
        """The item's transitions in order: (from, to, reason)."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(t.transitions.c.from_state, t.transitions.c.to_state,
                          t.transitions.c.reason)
                .where(t.transitions.c.item_id == item_id)
                .order_by(t.transitions.c.id)
            )  # fmt: skip
            return [(row[0], row[1], row[2]) for row in result]

    async def due(self, batch_id: str, *, limit: int = 5000) -> list[str]:
        """Items to queue again now: retries whose time has come, and sends orphaned by a crash."""
        now = self._now()
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(t.items.c.item_id)
                .where(
                    t.items.c.batch_id == batch_id,
                    sa.or_(
                        sa.and_(t.items.c.state == "retry_wait",
                                t.items.c.next_attempt_at <= now),
                        sa.and_(t.items.c.state == "sent", t.items.c.lease_until < now),
                    ),
                )
                .limit(limit)
            )  # fmt: skip
            return [str(row[0]) for row in result]

    async def unfinished(self, batch_id: str) -> list[str]:
        """Items not yet final that are no row's duplicate (a resumed run queues them again)."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(t.items.c.item_id)
                .where(
                    t.items.c.batch_id == batch_id,
                    t.items.c.state.in_(_NOT_FINAL),
                    t.items.c.duplicate_of.is_(None),
                )
                .order_by(t.items.c.row_number)
            )
            return [str(row[0]) for row in result]

    async def counts(self, batch_id: str) -> dict[str, dict[str, int]]:
        """Items per payer and state."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(t.items.c.payer_id, t.items.c.state, sa.func.count())
                .where(t.items.c.batch_id == batch_id)
                .group_by(t.items.c.payer_id, t.items.c.state)
            )
            counts: dict[str, dict[str, int]] = {}
            for payer, state, number in result:
                counts.setdefault(payer or "-", {})[state] = int(number)
        return counts

    async def figures_rows(
        self, batch_id: str
    ) -> list[tuple[str, str, bool | None, bool, float | None, bool]]:
        """Per item: payer, state, accepted, retried, elapsed ms, is a duplicate (for KPIs)."""
        async with self._engine.connect() as connection:
            result = await connection.execute(
                sa.select(t.items.c.payer_id, t.items.c.state, t.items.c.accepted,
                          t.items.c.retried, t.items.c.elapsed_ms, t.items.c.duplicate_of)
                .where(t.items.c.batch_id == batch_id)
            )  # fmt: skip
            return [
                (row[0] or "-", row[1], row[2], bool(row[3]), row[4], row[5] is not None)
                for row in result
            ]

    async def page(
        self, batch_id: str, *, state: ItemState | None, offset: int, limit: int
    ) -> tuple[list[ItemPublic], int]:
        """One page of the run's items (row order), and how many match in all."""
        where = [t.items.c.batch_id == batch_id]
        if state is not None:
            where.append(t.items.c.state == state)
        async with self._engine.connect() as connection:
            total = await connection.scalar(sa.select(sa.func.count()).where(*where))
            result = await connection.execute(
                sa.select(t.items).where(*where).order_by(t.items.c.row_number)
                .offset(offset).limit(limit)
            )  # fmt: skip
            items = [
                ItemPublic(
                    item_id=row.item_id,
                    row=int(row.row_number),
                    appointment_id=row.appointment_id,
                    payer_id=row.payer_id,
                    state=cast(ItemState, row.state),
                    status=row.status,
                    reason=row.reason,
                    origin=row.origin,
                    attempts=int(row.attempts),
                    next_attempt_at=_aware(row.next_attempt_at),
                    checked_at=_aware(row.checked_at),
                )
                for row in result
            ]
        return items, int(total or 0)

    async def outcomes(self, batch_id: str, *, size: int = 1000) -> AsyncIterator[dict[str, Any]]:
        """Every item in row order as an export line (input columns unsealed)."""
        last = 0
        while True:
            async with self._engine.connect() as connection:
                result = await connection.execute(
                    sa.select(t.items)
                    .where(t.items.c.batch_id == batch_id, t.items.c.row_number > last)
                    .order_by(t.items.c.row_number)
                    .limit(size)
                )
                rows = list(result)
            if not rows:
                return
            for row in rows:
                yield self._outcome_line(row)
            last = int(rows[-1].row_number)

    def _outcome_line(self, row: Any) -> dict[str, Any]:
        values: dict[str, Any] = dict(self._open_input(row.item_id, row.key_id, row.input_sealed))
        outcome: dict[str, Any] = {}
        if row.outcome_sealed is not None and row.key_id is not None:
            owner = row.duplicate_of or row.item_id
            packed = self._keys.open(
                row.key_id, bytes(row.outcome_sealed), context=_context("outcome", owner)
            )
            outcome = json.loads(zlib.decompress(packed))
        checked = _aware(row.checked_at)
        values.update(
            item_id=row.item_id,
            batch_id=row.batch_id,
            state=row.state,
            status=row.status,
            reason=row.reason,
            origin=row.origin,
            attempts=int(row.attempts),
            checked_at=None if checked is None else checked.isoformat(),
            results=outcome.get("results"),
            x12_271=outcome.get("x12_271"),
        )
        return values


def item_rows(rows: Iterable[ItemRow]) -> dict[str, ItemRow]:
    """Items by id."""
    return {row.item_id: row for row in rows}
