"""Webhook delivery on the real PostgreSQL and Redis, with an injected clock.

The receiver is an in-memory httpx transport (an external system's double);
time only moves when the test moves it, so a day-long outage takes no time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from standardwebhooks.webhooks import Webhook

from eligate.eligibility import KeyRing, SqlAuditStore
from eligate.events import Announcer, RedisEventStream
from eligate.webhooks import (
    RETRY_SCHEDULE,
    Deliverer,
    DeliveryPolicy,
    UnsafeTargetError,
    WebhookStore,
    check_target,
    new_secret,
)

START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
KEYS = "k1:dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE="


@dataclass
class Clock:
    """Wall-clock time that moves only when told."""

    now: datetime = START

    def __call__(self) -> datetime:
        """The time now."""
        return self.now


@dataclass
class Receiver:
    """A partner endpoint: answers what ``answer`` says and keeps what it accepted."""

    clock: Clock
    secret: str
    answer: Callable[[datetime], httpx.Response] = lambda _: httpx.Response(200)
    accepted: list[tuple[str, str]] = field(default_factory=list)
    """(webhook-id, event id) of every request answered 2xx, in arrival order."""
    calls: int = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Check the signature, answer, and keep what was accepted."""
        self.calls += 1
        body = request.content.decode()
        expected = Webhook(self.secret).sign(
            request.headers["webhook-id"],
            datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), UTC),
            body,
        )
        assert expected in request.headers["webhook-signature"].split(" ")
        response = self.answer(self.clock.now)
        if 200 <= response.status_code < 300:
            event_id = json.loads(body)["data"]["event_id"]
            self.accepted.append((request.headers["webhook-id"], event_id))
        return response


@pytest.fixture
async def audit(postgres_database: str) -> AsyncIterator[SqlAuditStore]:
    """The audit store (and its database, where the webhooks' tables live) on PostgreSQL."""
    import uuid

    store = SqlAuditStore.from_url(
        postgres_database, keys=KeyRing.parse(KEYS), schema=f"w_{uuid.uuid4().hex[:12]}"
    )
    await store.migrate()
    yield store
    await store.close()


async def _public(host: str, port: int) -> list[str]:
    return ["93.184.216.34"]  # a public address: the outbound checks pass without DNS


def _deliverer(
    *,
    audit: SqlAuditStore,
    stream: RedisEventStream,
    clock: Clock,
    receiver: Receiver,
) -> tuple[Deliverer, WebhookStore]:
    store = WebhookStore(audit.engine, keys=KeyRing.parse(KEYS), now=clock)
    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    deliverer = Deliverer(
        store=store,
        stream=stream,
        client=client,
        policy=DeliveryPolicy(),
        announcer=Announcer(stream),
        audit=audit,
        resolver=_public,
        rand=lambda: 0.5,  # no jitter: the schedule exactly
    )
    return deliverer, store


async def _next_due(store: WebhookStore) -> datetime | None:
    """When the head of the (one) subscription's line is due next."""
    pending = await store.deliveries(state="pending", limit=1000)
    head = min(pending, key=lambda d: d.delivery_id, default=None)
    return None if head is None else head.next_attempt_at


async def test_a_receiver_down_for_a_day_gets_every_event_once_in_order(
    audit: SqlAuditStore, redis_client: Redis, redis_prefix: str
) -> None:
    """Events over a 24 h outage all arrive after it, once each by webhook-id, in order."""
    clock = Clock()
    stream = RedisEventStream(redis_client, key=f"{redis_prefix}events", now=clock)
    secret = new_secret()
    back_at = START + timedelta(days=1)
    receiver = Receiver(
        clock,
        secret,
        answer=lambda now: httpx.Response(503 if now < back_at else 200),
    )
    deliverer, store = _deliverer(audit=audit, stream=stream, clock=clock, receiver=receiver)
    sub = await store.create(
        url="https://partner.example/hooks",
        event_types=["batch.progress", "batch.completed"],
        payer_id=None,
        secret=secret,
    )
    await deliverer.pump()  # the first pump starts reading the stream from now
    published: list[str] = []
    for hour in range(24):  # one event an hour through the outage, pumping as time passes
        clock.now = START + timedelta(hours=hour)
        event = await stream.publish("batch.progress", data={"batch_id": "b1", "verified": hour})
        published.append(event.id)
        await deliverer.pump()
    await stream.publish(
        "payer.breaker_opened", data={"failures": 3}, payer_id="alpha"
    )  # unsubscribed
    for _ in range(100):  # then follow the retry schedule until nothing is pending
        due = await _next_due(store)
        if due is None:
            break
        clock.now = max(clock.now, due)
        await deliverer.pump()
    assert [event_id for _, event_id in receiver.accepted] == published
    ids = Counter(webhook_id for webhook_id, _ in receiver.accepted)
    assert len(ids) == 24
    assert set(ids.values()) == {1}
    assert all(w.startswith(f"msg_{sub.subscription_id}_") for w in ids)
    assert await store.deliveries(state="dead") == []
    head = (await store.deliveries(state="delivered", limit=1000))[-1]
    assert head.event_id == published[0]
    # The head was tried on the schedule until the receiver came back (attempts 1..8).
    assert head.attempts == 8
    assert head.delivered_at is not None
    assert head.delivered_at >= back_at
    # Every attempt is in the audit trail (hash-chained): 7 refused (503) and 24 accepted.
    assert receiver.calls == 7 + 24
    async with audit.engine.connect() as connection:
        rows = (
            await connection.execute(
                sa.text(
                    "SELECT payload FROM audit_events WHERE type = 'webhook.delivery_attempted'"
                )
            )
        ).all()
    statuses = Counter(row[0]["status"] for row in rows)
    assert statuses == {503: 7, 200: 24}
    assert (await audit.verify()).ok


async def test_the_last_attempt_dead_letters_and_replay_delivers(
    audit: SqlAuditStore, redis_client: Redis, redis_prefix: str
) -> None:
    """After the schedule's last attempt a delivery is dead (announced); replay sends it again."""
    clock = Clock()
    stream = RedisEventStream(redis_client, key=f"{redis_prefix}events", now=clock)
    secret = new_secret()
    healthy = {"up": False}
    receiver = Receiver(
        clock, secret, answer=lambda _: httpx.Response(200 if healthy["up"] else 500)
    )
    deliverer, store = _deliverer(audit=audit, stream=stream, clock=clock, receiver=receiver)
    sub = await store.create(
        url="https://partner.example/hooks", event_types=["batch.completed"], payer_id=None,
        secret=secret,
    )  # fmt: skip
    await deliverer.pump()
    await stream.publish("batch.completed", data={"batch_id": "b9"})
    mark = await stream.latest_id()
    await deliverer.pump()
    for _ in range(len(RETRY_SCHEDULE) + 2):
        due = await _next_due(store)
        if due is None:
            break
        clock.now = due
        await deliverer.pump()
    (dead,) = await store.deliveries(state="dead")
    assert dead.attempts == len(RETRY_SCHEDULE)
    assert dead.last_status == 500
    assert dead.dead_at is not None
    assert dead.dead_at - START < timedelta(days=3, hours=4)  # about three days
    failed = [
        e for e in (await stream.read(after=mark)).events if e.type == "webhook.delivery_failed"
    ]
    assert [e.data["subscription_id"] for e in failed] == [sub.subscription_id]
    healthy["up"] = True
    replayed = await store.replay(dead.delivery_id)
    assert replayed.state == "pending"
    await deliverer.pump()
    assert [w for w, _ in receiver.accepted] == [dead.webhook_id]
    clock.now += timedelta(days=31)
    assert await store.purge_dead(kept=timedelta(days=30)) == 0  # delivered now, not dead
    healthy["up"] = False
    await stream.publish("batch.completed", data={"batch_id": "b10"})
    await deliverer.pump()  # fails once, then give it the whole schedule
    for _ in range(len(RETRY_SCHEDULE) + 2):
        due = await _next_due(store)
        if due is None:
            break
        clock.now = due
        await deliverer.pump()
    assert len(await store.deliveries(state="dead")) == 1
    clock.now += timedelta(days=29)
    await deliverer.pump()
    assert len(await store.deliveries(state="dead")) == 1  # kept 30 days
    clock.now += timedelta(days=2)
    await deliverer.pump()
    assert await store.deliveries(state="dead") == []  # then dropped by the pump


async def test_429_retry_after_is_honoured_and_410_disables(
    audit: SqlAuditStore, redis_client: Redis, redis_prefix: str
) -> None:
    """A 429 with Retry-After waits that long; a 410 disables the endpoint and says so."""
    clock = Clock()
    stream = RedisEventStream(redis_client, key=f"{redis_prefix}events", now=clock)
    secret = new_secret()
    answers = [httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(410)]
    receiver = Receiver(clock, secret, answer=lambda _: answers.pop(0))
    deliverer, store = _deliverer(audit=audit, stream=stream, clock=clock, receiver=receiver)
    sub = await store.create(
        url="https://partner.example/hooks", event_types=["batch.started"], payer_id=None,
        secret=secret,
    )  # fmt: skip
    await deliverer.pump()
    await stream.publish("batch.started", data={"batch_id": "b2"})
    await stream.publish("batch.started", data={"batch_id": "b3"})
    await deliverer.pump()
    (first, *_) = sorted(await store.deliveries(state="pending"), key=lambda d: d.delivery_id)
    assert first.last_status == 429
    assert first.next_attempt_at == START + timedelta(hours=1)  # not the schedule's 5 s
    clock.now = first.next_attempt_at
    mark = await stream.latest_id()
    await deliverer.pump()
    (listed,) = await store.subscriptions()
    assert listed.disabled_reason == "receiver_gone_410"
    assert len(await store.deliveries(state="dead")) == 2  # the rest of its line too
    announced = [e.type for e in (await stream.read(after=mark)).events]
    assert "webhook.endpoint_disabled" in announced
    assert await store.target(sub.subscription_id) is None


async def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    audit: SqlAuditStore,
) -> None:
    """Both secrets verify while the rotation overlaps; only the new one afterwards."""
    clock = Clock()
    store = WebhookStore(audit.engine, keys=KeyRing.parse(KEYS), now=clock)
    old = new_secret()
    sub = await store.create(
        url="https://partner.example/hooks", event_types=["batch.started"], payer_id=None,
        secret=old,
    )  # fmt: skip
    rotated = await store.rotate(
        sub.subscription_id, secret=new_secret(), overlap=timedelta(hours=2)
    )
    target = await store.target(sub.subscription_id)
    assert target is not None
    assert target.secrets == (rotated.secret, old)
    from eligate.webhooks import sign

    header = sign(target, message_id="msg_x", at=clock.now, body="{}")
    assert len(header.split(" ")) == 2
    clock.now += timedelta(hours=3)
    later = await store.target(sub.subscription_id)
    assert later is not None
    assert later.secrets == (rotated.secret,)


@pytest.mark.parametrize(
    ("url", "addresses", "https_only", "allow_loopback", "refused"),
    [
        ("https://partner.example/h", ["93.184.216.34"], True, False, False),
        ("http://partner.example/h", ["93.184.216.34"], True, False, True),
        ("https://partner.example/h", ["127.0.0.1"], True, False, True),
        ("http://127.0.0.1:9/h", ["127.0.0.1"], False, True, False),
        ("https://partner.example/h", ["10.1.2.3"], True, True, True),
        ("https://partner.example/h", ["169.254.169.254"], True, True, True),
        ("https://partner.example/h", ["fe80::1"], True, True, True),
        ("https://partner.example/h", ["93.184.216.34", "192.168.0.1"], True, False, True),
        ("https://user:pw@partner.example/h", ["93.184.216.34"], True, False, True),
        ("ftp://partner.example/h", ["93.184.216.34"], False, False, True),
    ],
)
async def test_outbound_targets_are_checked(
    url: str, addresses: list[str], https_only: bool, allow_loopback: bool, refused: bool
) -> None:
    """Plain http in production, and private, loopback or link-local addresses are refused."""

    async def resolver(host: str, port: int) -> list[str]:
        return addresses

    if refused:
        with pytest.raises(UnsafeTargetError):
            await check_target(
                url, https_only=https_only, allow_loopback=allow_loopback, resolver=resolver
            )
    else:
        await check_target(
            url, https_only=https_only, allow_loopback=allow_loopback, resolver=resolver
        )
