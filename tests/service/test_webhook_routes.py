"""``/v1/webhooks``: admin scope, outbound checks at creation, secrets shown once, DLQ replay."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from eligate.eligibility import KeyRing, SqlAuditStore
from eligate.service import WebhookState, create_app
from eligate.webhooks import DeliveryPolicy, WebhookStore
from tests.service.conftest import ADMIN_KEY, CLINIC_KEY, make_settings
from tests.service.fakes import FakeCore

KEYS = "k1:dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE="
ADMIN = {"X-API-Key": ADMIN_KEY}


@pytest.fixture
async def webhook_store(postgres_database: str) -> AsyncIterator[WebhookStore]:
    """A webhook store on a fresh schema of the session's PostgreSQL."""
    audit = SqlAuditStore.from_url(
        postgres_database, keys=KeyRing.parse(KEYS), schema=f"r_{uuid.uuid4().hex[:12]}"
    )
    await audit.migrate()
    yield WebhookStore(audit.engine, keys=KeyRing.parse(KEYS))
    await audit.close()


@pytest.fixture
async def http(webhook_store: WebhookStore) -> AsyncIterator[httpx.AsyncClient]:
    """The app with webhooks on, loopback allowed (tests), https required."""
    app: FastAPI = create_app(
        make_settings(),
        core=FakeCore(),
        webhooks=WebhookState(
            store=webhook_store, policy=DeliveryPolicy(https_only=True, allow_loopback=False)
        ),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as client:
        yield client


async def test_subscriptions_are_admin_only_and_checked(http: httpx.AsyncClient) -> None:
    """A clinic key gets 403; http and loopback targets get 400 with a stable code."""
    body = {"url": "https://127.0.0.1/hook", "event_types": ["batch.completed"]}
    denied = await http.post("/v1/webhooks", json=body, headers={"X-API-Key": CLINIC_KEY})
    assert denied.status_code == 403
    loopback = await http.post("/v1/webhooks", json=body, headers=ADMIN)
    assert loopback.status_code == 400
    assert loopback.json()["error"]["code"] == "unsafe_webhook_target"
    plain = await http.post(
        "/v1/webhooks", json={**body, "url": "http://1.1.1.1/hook"}, headers=ADMIN
    )
    assert plain.status_code == 400
    unknown = await http.post(
        "/v1/webhooks", json={**body, "event_types": ["payer.on_fire"]}, headers=ADMIN
    )
    assert unknown.status_code == 422


async def test_create_list_replay_and_delete(
    http: httpx.AsyncClient, webhook_store: WebhookStore
) -> None:
    """The secret comes back once; listing hides it; an unknown replay is 404; delete is 204."""
    created = await http.post(
        "/v1/webhooks",
        json={"url": "https://1.1.1.1/hook", "event_types": ["batch.completed"]},
        headers=ADMIN,
    )
    assert created.status_code == 201
    sub = created.json()
    assert sub["secret"].startswith("whsec_")
    listed = (await http.get("/v1/webhooks", headers=ADMIN)).json()
    assert [s["subscription_id"] for s in listed] == [sub["subscription_id"]]
    assert listed[0]["secret"] is None
    rotated = await http.post(
        f"/v1/webhooks/{sub['subscription_id']}/rotate", json={"overlap_hours": 1}, headers=ADMIN
    )
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != sub["secret"]
    dead = await http.get("/v1/webhooks/deliveries", params={"state": "dead"}, headers=ADMIN)
    assert dead.json() == []
    missing = await http.post("/v1/webhooks/deliveries/999/replay", headers=ADMIN)
    assert missing.status_code == 404
    gone = await http.delete(f"/v1/webhooks/{sub['subscription_id']}", headers=ADMIN)
    assert gone.status_code == 204
    again = await http.delete(f"/v1/webhooks/{sub['subscription_id']}", headers=ADMIN)
    assert again.status_code == 404
    assert await webhook_store.subscriptions() == []


async def test_without_webhooks_the_routes_answer_503() -> None:
    """An app built with no webhook store says so."""
    app = create_app(make_settings(), core=FakeCore())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as client:
        answer = await client.get("/v1/webhooks", headers=ADMIN)
    assert answer.status_code == 503
