"""Delivery: fan events out to the outbox, then try each subscription's oldest delivery.

Every attempt is signed per Standard Webhooks (``webhook-id``, ``webhook-timestamp``,
``webhook-signature``; two signatures while a rotated secret overlaps), capped
in time and response size, and appended to the audit trail. A 2xx delivers; a
410 disables the endpoint; anything else waits the schedule's next interval
(jittered; a ``Retry-After`` on a 429 or 503 is honoured when longer) and,
after the last attempt, the delivery is dead-lettered.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx
import structlog
from standardwebhooks.webhooks import Webhook

from eligate.events import Announcer, EventStream
from eligate.webhooks._models import DeliveryPolicy, DeliveryPublic, webhook_id
from eligate.webhooks._safety import Resolver, check_target, resolve
from eligate.webhooks._store import Target, WebhookStore
from eligate.webhooks.errors import UnsafeTargetError

_log = structlog.get_logger("eligate.webhooks")


class AuditTrail(Protocol):
    """Where every attempt is recorded (the audit store's ``append_event``)."""

    async def append_event(self, event_type: str, payload: Mapping[str, Any]) -> int:
        """Append one event; its sequence number."""
        ...


def sign(target: Target, *, message_id: str, at: datetime, body: str) -> str:
    """The ``webhook-signature`` value: one ``v1,...`` per live secret, space-separated."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in target.secrets)


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(timedelta(0), when - now)


class Deliverer:
    """Moves events from the stream into the outbox and the outbox to receivers."""

    def __init__(
        self,
        *,
        store: WebhookStore,
        stream: EventStream,
        client: httpx.AsyncClient,
        policy: DeliveryPolicy,
        announcer: Announcer | None = None,
        audit: AuditTrail | None = None,
        resolver: Resolver = resolve,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._stream = stream
        self._client = client
        self.policy = policy
        self._announcer = announcer
        self._audit = audit
        self._resolver = resolver
        self._rand = rand

    async def fan_out(self, *, limit: int = 500) -> int:
        """Read new events from the stream into the outbox; deliveries written."""
        cursor = await self._store.cursor()
        if cursor is None:
            # First run: deliver what happens from now on, not the stream's history.
            await self._store.fan_out([], upto=await self._stream.latest_id())
            return 0
        page = await self._stream.read(after=cursor, limit=limit)
        if page.gap:
            _log.warning("webhook.stream_gap", after=cursor)
        if not page.events:
            return 0
        return await self._store.fan_out(page.events, upto=page.events[-1].id)

    async def deliver_due(self) -> int:
        """Send each subscription's due front of line, in order; attempts made."""
        runs = await self._store.claim_heads(lease=self.policy.lease)
        made = await asyncio.gather(*(self._run(run) for run in runs))
        return sum(made)

    async def _run(self, run: list[tuple[DeliveryPublic, str]]) -> int:
        """One subscription's deliveries in order, stopping at the first that fails."""
        target = await self._store.target(run[0][0].subscription_id)
        for n, (delivery, body) in enumerate(run):
            if not await self._attempt(delivery, body, target):
                await self._store.release([d.delivery_id for d, _ in run[n + 1 :]])
                return n + 1
        return len(run)

    async def pump(self) -> int:
        """Drop dead letters past their 30 days, fan out, deliver until nothing is due."""
        await self._store.purge_dead(kept=self.policy.dead_kept)
        while await self.fan_out():
            pass
        made = 0
        while True:
            step = await self.deliver_due()
            if step == 0:
                return made
            made += step

    def _wait(self, attempts: int) -> timedelta | None:
        """The wait before attempt ``attempts + 1``; None after the last."""
        schedule = self.policy.schedule
        if attempts >= len(schedule):
            return None
        base = schedule[attempts]
        spread = (self._rand() * 2 - 1) * self.policy.jitter
        return base * (1 + spread)

    async def _attempt(self, delivery: DeliveryPublic, body: str, target: Target | None) -> bool:
        """One attempt; whether the line may go on (delivered)."""
        if target is None:
            await self._store.settle(
                delivery.delivery_id, state="dead", status=None, error="endpoint_disabled"
            )
            return True
        now = self._store.now()
        message_id = webhook_id(delivery.subscription_id, delivery.event_id)
        status: int | None = None
        error: str | None = None
        retry_after: timedelta | None = None
        try:
            await check_target(
                target.url,
                https_only=self.policy.https_only,
                allow_loopback=self.policy.allow_loopback,
                resolver=self._resolver,
            )
            status, retry_after = await self._post(target, message_id, now, body)
        except UnsafeTargetError:
            error = "unsafe_target"
        except (httpx.HTTPError, TimeoutError, OSError) as failure:
            error = (
                "timeout"
                if isinstance(failure, TimeoutError | httpx.TimeoutException)
                else ("connect_failed" if isinstance(failure, httpx.ConnectError) else "http_error")
            )
        attempts = delivery.attempts + 1
        await self._audit_attempt(delivery, attempts, status, error)
        if status is not None and 200 <= status < 300:
            await self._store.settle(
                delivery.delivery_id, state="delivered", status=status, error=None
            )
            return True
        if status == 410:
            await self._store.settle(
                delivery.delivery_id, state="dead", status=status, error="gone"
            )
            await self._store.disable(delivery.subscription_id, reason="receiver_gone_410")
            await self._announce(
                "webhook.endpoint_disabled", delivery, reason="receiver_gone_410", status=status
            )
            return False
        wait = self._wait(attempts)
        reason = error or f"http_{status}"
        if wait is None:
            await self._store.settle(
                delivery.delivery_id, state="dead", status=status, error=reason
            )
            await self._announce("webhook.delivery_failed", delivery, reason=reason, status=status)
            return True  # dead-lettered: the rest of the line goes on
        if retry_after is not None and status in (429, 503):
            wait = max(wait, min(retry_after, self.policy.max_retry_after))
        await self._store.settle(
            delivery.delivery_id, state="pending", status=status, error=reason, next_at=now + wait
        )
        return False

    async def _post(
        self, target: Target, message_id: str, now: datetime, body: str
    ) -> tuple[int, timedelta | None]:
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": sign(target, message_id=message_id, at=now, body=body),
        }
        async with asyncio.timeout(self.policy.timeout_seconds):
            async with self._client.stream(
                "POST", target.url, content=body.encode(), headers=headers
            ) as response:
                read = 0
                async for chunk in response.aiter_bytes():
                    read += len(chunk)
                    if read >= self.policy.max_response_bytes:
                        break  # the rest is dropped: a receiver cannot make us read forever
                return response.status_code, _retry_after(response.headers.get("retry-after"), now)

    async def _audit_attempt(
        self, delivery: DeliveryPublic, attempt: int, status: int | None, error: str | None
    ) -> None:
        if self._audit is None:
            return
        try:
            await self._audit.append_event(
                "webhook.delivery_attempted",
                {
                    "delivery_id": delivery.delivery_id,
                    "subscription_id": delivery.subscription_id,
                    "event_id": delivery.event_id,
                    "event_type": delivery.event_type,
                    "attempt": attempt,
                    "status": status,
                    "error": error,
                },
            )
        except Exception as failure:  # the trail's outage must not stop deliveries
            _log.error("webhook.audit_failed", error=type(failure).__name__)

    async def _announce(
        self, event_type: Any, delivery: DeliveryPublic, *, reason: str, status: int | None
    ) -> None:
        _log.warning(
            event_type,
            subscription_id=delivery.subscription_id,
            delivery_id=delivery.delivery_id,
            reason=reason,
        )
        if self._announcer is not None:
            await self._announcer.announce(
                event_type,
                subscription_id=delivery.subscription_id,
                delivery_id=delivery.delivery_id,
                event_id=delivery.event_id,
                reason=reason,
                status=status,
                link=f"/v1/webhooks/{delivery.subscription_id}/deliveries?state=dead",
            )


PumpHandler = Callable[[], Awaitable[int]]
