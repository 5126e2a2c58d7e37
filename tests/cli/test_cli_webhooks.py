"""``eligate webhooks dlq|replay`` on the embedded SQLite database."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligate.cli import app
from eligate.eligibility import KeyRing, SqlAuditStore
from eligate.events import Event
from eligate.webhooks import WebhookStore

KEY = "k1:dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE="


async def _one_dead(url: str) -> int:
    audit = SqlAuditStore.from_url(url, keys=KeyRing.parse(KEY))
    await audit.migrate()
    store = WebhookStore(audit.engine, keys=KeyRing.parse(KEY))
    sub = await store.create(
        url="https://1.1.1.1/h", event_types=["batch.completed"], payer_id=None,
        secret="whsec_" + "A" * 44,
    )  # fmt: skip
    await store.fan_out([], upto="0-0")
    event = Event(id="5-0", type="batch.completed", time=datetime.now(UTC), data={"batch_id": "b"})
    await store.fan_out([event], upto="5-0")
    (delivery,) = await store.deliveries()
    await store.disable(sub.subscription_id, reason="test")
    await audit.close()
    return delivery.delivery_id


def test_dlq_lists_and_replay_requeues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dead delivery is listed as JSON, replayed to pending; an unknown id exits 2."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    monkeypatch.setenv("ELIGATE_DATABASE_URL", url)
    monkeypatch.setenv("ELIGATE_ENCRYPTION_KEY", KEY)
    delivery_id = asyncio.run(_one_dead(url))
    runner = CliRunner()
    listed = runner.invoke(app, ["webhooks", "dlq"])
    assert listed.exit_code == 0, listed.output
    (line,) = listed.stdout.splitlines()
    assert json.loads(line)["delivery_id"] == delivery_id
    replayed = runner.invoke(app, ["webhooks", "replay", str(delivery_id)])
    assert replayed.exit_code == 0
    assert json.loads(replayed.stdout)["state"] == "pending"
    missing = runner.invoke(app, ["webhooks", "replay", "424242"])
    assert missing.exit_code == 2
    assert "error[webhook_usage]" in missing.stderr
