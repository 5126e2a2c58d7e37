"""Subscriptions, the delivery outbox and the dead-letter queue in the audit database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from eligate.eligibility import KeyRing
from eligate.events import Event, parse_id
from eligate.webhooks import _tables as t
from eligate.webhooks._models import DeliveryPublic, WebhookPublic, webhook_id
from eligate.webhooks.errors import WebhookUsageError


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _context(subscription_id: str) -> bytes:
    return f"webhook-secret:{subscription_id}".encode()


@dataclass(frozen=True, slots=True)
class Target:
    """A subscription as the deliverer needs it: where, and the secrets that sign."""

    subscription_id: str
    url: str
    secrets: tuple[str, ...]
    """The current secret first; the previous one too while the rotation overlaps."""


def _matches(row: Any, event: Event) -> bool:
    types = json.loads(row.event_types)
    if event.type not in types:
        return False
    return row.payer_id is None or event.payer_id in (None, row.payer_id)


def payload_of(event: Event) -> str:
    """The Standard Webhooks body: ``type``, ``timestamp`` and thin ``data``."""
    return json.dumps(
        {
            "type": event.type,
            "timestamp": event.time.isoformat(),
            "data": {"event_id": event.id, "payer_id": event.payer_id, **event.data},
        },
        separators=(",", ":"),
    )


class WebhookStore:
    """Where subscriptions and deliveries live (SQLite or PostgreSQL, the audit database)."""

    def __init__(
        self, engine: AsyncEngine, *, keys: KeyRing, now: Callable[[], datetime] = _utcnow
    ) -> None:
        self._engine = engine
        self._keys = keys
        self.now = now

    # -- subscriptions ------------------------------------------------------

    async def create(
        self, *, url: str, event_types: Sequence[str], payer_id: str | None, secret: str
    ) -> WebhookPublic:
        """Store a subscription; its secret sealed."""
        subscription_id = "wh_" + uuid.uuid4().hex[:24]
        key_id, sealed = self._keys.seal(secret.encode(), context=_context(subscription_id))
        created = self.now()
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.insert(t.subscriptions).values(
                    subscription_id=subscription_id, url=url,
                    event_types=json.dumps(sorted(set(event_types))), payer_id=payer_id,
                    key_id=key_id, secret_sealed=sealed, created_at=created,
                )
            )  # fmt: skip
        found = await self.get(subscription_id)
        return found.model_copy(update={"secret": secret})

    async def rotate(
        self, subscription_id: str, *, secret: str, overlap: timedelta
    ) -> WebhookPublic:
        """A new secret; the old one keeps signing beside it until ``overlap`` has passed."""
        async with self._engine.begin() as connection:
            row = (
                await connection.execute(
                    sa.select(t.subscriptions).where(
                        t.subscriptions.c.subscription_id == subscription_id
                    )
                )
            ).first()
            if row is None:
                raise WebhookUsageError(f"no webhook {subscription_id!r}")
            key_id, sealed = self._keys.seal(secret.encode(), context=_context(subscription_id))
            await connection.execute(
                sa.update(t.subscriptions)
                .where(t.subscriptions.c.subscription_id == subscription_id)
                .values(
                    key_id=key_id, secret_sealed=sealed, previous_key_id=row.key_id,
                    previous_secret_sealed=row.secret_sealed, previous_until=self.now() + overlap,
                )
            )  # fmt: skip
        found = await self.get(subscription_id)
        return found.model_copy(update={"secret": secret})

    @staticmethod
    def _public(row: Any) -> WebhookPublic:
        return WebhookPublic(
            subscription_id=row.subscription_id, url=row.url,
            event_types=json.loads(row.event_types), payer_id=row.payer_id,
            created_at=_aware(row.created_at), disabled_at=_aware(row.disabled_at),
            disabled_reason=row.disabled_reason,
        )  # fmt: skip

    async def get(self, subscription_id: str) -> WebhookPublic:
        """One subscription.

        Raises:
            WebhookUsageError: no such subscription.
        """
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(t.subscriptions).where(
                        t.subscriptions.c.subscription_id == subscription_id
                    )
                )
            ).first()
        if row is None:
            raise WebhookUsageError(f"no webhook {subscription_id!r}")
        return self._public(row)

    async def subscriptions(self) -> list[WebhookPublic]:
        """Every subscription, oldest first."""
        async with self._engine.connect() as connection:
            rows = await connection.execute(
                sa.select(t.subscriptions).order_by(t.subscriptions.c.created_at)
            )
            return [self._public(row) for row in rows]

    async def delete(self, subscription_id: str) -> None:
        """Remove a subscription and its deliveries.

        Raises:
            WebhookUsageError: no such subscription.
        """
        async with self._engine.begin() as connection:
            gone = await connection.execute(
                sa.delete(t.subscriptions).where(
                    t.subscriptions.c.subscription_id == subscription_id
                )
            )
            if gone.rowcount == 0:
                raise WebhookUsageError(f"no webhook {subscription_id!r}")
            await connection.execute(
                sa.delete(t.deliveries).where(t.deliveries.c.subscription_id == subscription_id)
            )

    async def target(self, subscription_id: str) -> Target | None:
        """Where to send and how to sign; None when the subscription is gone or disabled."""
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.select(t.subscriptions).where(
                        t.subscriptions.c.subscription_id == subscription_id
                    )
                )
            ).first()
        if row is None or row.disabled_at is not None:
            return None
        context = _context(subscription_id)
        found = [self._keys.open(row.key_id, row.secret_sealed, context=context).decode()]
        until = _aware(row.previous_until)
        if row.previous_secret_sealed is not None and until is not None and until > self.now():
            found.append(
                self._keys.open(
                    row.previous_key_id, row.previous_secret_sealed, context=context
                ).decode()
            )
        return Target(subscription_id, row.url, tuple(found))

    async def disable(self, subscription_id: str, *, reason: str) -> None:
        """Stop a subscription (a 410 from its receiver); its pending deliveries go dead."""
        now = self.now()
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(t.subscriptions)
                .where(t.subscriptions.c.subscription_id == subscription_id)
                .values(disabled_at=now, disabled_reason=reason)
            )
            await connection.execute(
                sa.update(t.deliveries)
                .where(
                    t.deliveries.c.subscription_id == subscription_id,
                    t.deliveries.c.state == "pending",
                )
                .values(state="dead", dead_at=now, last_error=reason, lease_until=None)
            )

    # -- the outbox ---------------------------------------------------------

    async def cursor(self, name: str = "default") -> str | None:
        """How far the fan-out has read the event stream; None before its first read."""
        async with self._engine.connect() as connection:
            found = await connection.scalar(
                sa.select(t.cursors.c.last_event_id).where(t.cursors.c.name == name)
            )
        return None if found is None else str(found)

    async def fan_out(self, events: Sequence[Event], *, upto: str, name: str = "default") -> int:
        """Write a delivery per event and matching subscription, and move the cursor to ``upto``.

        One transaction: the deliveries (the outbox) and the cursor commit together,
        and an event read twice finds its deliveries there already (unique per
        subscription), so every event is queued exactly once per subscription.
        """
        now = self.now()
        written = 0
        async with self._engine.begin() as connection:
            current = await connection.scalar(
                sa.select(t.cursors.c.last_event_id)
                .where(t.cursors.c.name == name)
                .with_for_update()
            )
            fresh = [
                e for e in events if current is None or parse_id(e.id) > parse_id(str(current))
            ]
            subs = list(
                await connection.execute(
                    sa.select(t.subscriptions).where(t.subscriptions.c.disabled_at.is_(None))
                )
            )
            rows = [
                {
                    "subscription_id": sub.subscription_id, "event_id": event.id,
                    "event_type": event.type, "payload": payload_of(event), "state": "pending",
                    "attempts": 0, "next_attempt_at": now, "created_at": now,
                }
                for event in fresh
                for sub in subs
                if _matches(sub, event) and not _about_itself(sub.subscription_id, event)
            ]  # fmt: skip
            if rows:
                await connection.execute(sa.insert(t.deliveries), rows)
                written = len(rows)
            if current is None:
                await connection.execute(sa.insert(t.cursors).values(name=name, last_event_id=upto))
            elif parse_id(upto) > parse_id(str(current)):
                await connection.execute(
                    sa.update(t.cursors).where(t.cursors.c.name == name).values(last_event_id=upto)
                )
        return written

    async def claim_heads(
        self, *, lease: timedelta, per_subscription: int = 50
    ) -> list[list[tuple[DeliveryPublic, str]]]:
        """Claim, per subscription, the due front of its line: up to ``per_subscription``.

        Only the front of a subscription's line is tried, in ``delivery_id`` order,
        so its receiver gets events in order; a run stops at the first delivery not
        yet due. The claim (a lease) keeps two workers off the same deliveries.
        Returns each subscription's run with the bodies.
        """
        now = self.now()
        d = t.deliveries
        rank = (
            sa.func.row_number()
            .over(partition_by=d.c.subscription_id, order_by=d.c.delivery_id)
            .label("rank")
        )
        front = sa.select(d, rank).where(d.c.state == "pending").subquery()
        query = (
            sa.select(front)
            .where(front.c.rank <= per_subscription)
            .order_by(front.c.subscription_id, front.c.delivery_id)
        )
        runs: list[list[tuple[DeliveryPublic, str]]] = []
        async with self._engine.begin() as connection:
            rows = list(await connection.execute(query))
            by_sub: dict[str, list[Any]] = {}
            for row in rows:
                by_sub.setdefault(row.subscription_id, []).append(row)
            for line in by_sub.values():
                due = []
                for row in line:
                    leased = _aware(row.lease_until)
                    if _aware(row.next_attempt_at) > now or (leased is not None and leased >= now):  # type: ignore[operator]
                        break
                    due.append(row)
                if not due:
                    continue
                won = await connection.execute(
                    sa.update(d)
                    .where(
                        d.c.delivery_id.in_([row.delivery_id for row in due]),
                        d.c.state == "pending",
                        sa.or_(d.c.lease_until.is_(None), d.c.lease_until < now),
                    )
                    .values(lease_until=now + lease)
                    .returning(d.c.delivery_id)
                )
                got = {int(i) for i in won.scalars()}
                run = []
                for row in due:  # the contiguous front only: order is the promise
                    if row.delivery_id not in got:
                        break
                    run.append((self._delivery(row), str(row.payload)))
                runs.append(run)
        return runs

    async def release(self, delivery_ids: Sequence[int]) -> None:
        """Give back claimed deliveries not tried (their line stopped at a failure)."""
        if not delivery_ids:
            return
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(t.deliveries)
                .where(t.deliveries.c.delivery_id.in_(list(delivery_ids)))
                .values(lease_until=None)
            )

    async def payload(self, delivery_id: int) -> str:
        """The body of a delivery."""
        async with self._engine.connect() as connection:
            found = await connection.scalar(
                sa.select(t.deliveries.c.payload).where(t.deliveries.c.delivery_id == delivery_id)
            )
        if found is None:
            raise WebhookUsageError(f"no delivery {delivery_id}")
        return str(found)

    async def settle(
        self,
        delivery_id: int,
        *,
        state: str,
        status: int | None,
        error: str | None,
        next_at: datetime | None = None,
    ) -> None:
        """Record an attempt: delivered, dead, or pending again at ``next_at``."""
        now = self.now()
        values: dict[str, Any] = {
            "state": state, "attempts": t.deliveries.c.attempts + 1, "last_status": status,
            "last_error": error, "lease_until": None,
        }  # fmt: skip
        if state == "delivered":
            values["delivered_at"] = now
        elif state == "dead":
            values["dead_at"] = now
        elif next_at is not None:
            values["next_attempt_at"] = next_at
        async with self._engine.begin() as connection:
            await connection.execute(
                sa.update(t.deliveries)
                .where(t.deliveries.c.delivery_id == delivery_id)
                .values(**values)
            )

    # -- listing, the dead-letter queue -------------------------------------

    @staticmethod
    def _delivery(row: Any) -> DeliveryPublic:
        return DeliveryPublic(
            delivery_id=row.delivery_id, webhook_id=webhook_id(row.subscription_id, row.event_id),
            subscription_id=row.subscription_id, event_id=row.event_id,
            event_type=row.event_type, state=row.state, attempts=row.attempts,
            next_attempt_at=_aware(row.next_attempt_at), last_status=row.last_status,
            last_error=row.last_error, created_at=_aware(row.created_at),
            delivered_at=_aware(row.delivered_at), dead_at=_aware(row.dead_at),
        )  # fmt: skip

    async def deliveries(
        self, *, state: str | None = None, subscription_id: str | None = None, limit: int = 100
    ) -> list[DeliveryPublic]:
        """Deliveries (newest first), by state and subscription."""
        query = sa.select(t.deliveries).order_by(t.deliveries.c.delivery_id.desc()).limit(limit)
        if state is not None:
            query = query.where(t.deliveries.c.state == state)
        if subscription_id is not None:
            query = query.where(t.deliveries.c.subscription_id == subscription_id)
        async with self._engine.connect() as connection:
            return [self._delivery(row) for row in await connection.execute(query)]

    async def replay(self, delivery_id: int) -> DeliveryPublic:
        """Put a dead delivery back in line (attempts from zero, due now).

        Raises:
            WebhookUsageError: no such dead delivery.
        """
        async with self._engine.begin() as connection:
            done = await connection.execute(
                sa.update(t.deliveries)
                .where(t.deliveries.c.delivery_id == delivery_id, t.deliveries.c.state == "dead")
                .values(
                    state="pending", attempts=0, next_attempt_at=self.now(), dead_at=None,
                    lease_until=None,
                )
            )  # fmt: skip
            if done.rowcount == 0:
                raise WebhookUsageError(f"no dead delivery {delivery_id}")
            row = (
                await connection.execute(
                    sa.select(t.deliveries).where(t.deliveries.c.delivery_id == delivery_id)
                )
            ).one()
        return self._delivery(row)

    async def purge_dead(self, *, kept: timedelta) -> int:
        """Drop dead deliveries older than ``kept``; how many."""
        async with self._engine.begin() as connection:
            gone = await connection.execute(
                sa.delete(t.deliveries).where(
                    t.deliveries.c.state == "dead", t.deliveries.c.dead_at < self.now() - kept
                )
            )
        return int(gone.rowcount)


def _about_itself(subscription_id: str, event: Event) -> bool:
    """A webhook's own failure is not announced to the webhook that failed."""
    return (
        event.type.startswith("webhook.") and event.data.get("subscription_id") == subscription_id
    )
