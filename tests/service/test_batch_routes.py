"""``/v1/batches``: 202 with a status URL, the status, paged items by state, the download."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from eligate.batch import EXPORT_COLUMNS
from eligate.service import build_batch, build_core, create_app, load_settings
from tests.conftest import SAMPLES


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the real composition (embedded: SQLite, in-memory queue, simulator)."""
    settings = load_settings(data_dir=tmp_path, batch_tick_seconds=0.2)
    composed = await build_core(settings)
    batches = await build_batch(settings, composed)
    app = create_app(settings, core=composed, batches=batches)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://eligate.test"
    ) as client:
        yield client
    await batches.close()
    await composed.close()


async def _done(client: httpx.AsyncClient, url: str) -> dict[str, object]:
    for _ in range(600):
        status = (await client.get(url)).json()
        if status["done"]:
            return dict(status)
        await asyncio.sleep(0.1)
    pytest.fail("the run did not finish")


async def test_a_submitted_list_runs_to_its_end(client: httpx.AsyncClient) -> None:
    """POST answers 202 with Location; the status ends done; items page by state; download."""
    body = (SAMPLES / "appointments.csv").read_bytes()
    created = await client.post("/v1/batches", content=body, headers={"Content-Type": "text/csv"})
    assert created.status_code == 202
    document = created.json()
    assert created.headers["Location"] == document["status_url"]
    assert [r["code"] for r in document["refused"]] == [
        "bad_birth_date", "unknown_payer", "missing_member_id"
    ]  # fmt: skip
    status = await _done(client, document["status_url"])
    assert status["overall"]["final"] == 45  # type: ignore[index]
    page = (await client.get(f"{document['status_url']}/items?state=refused&limit=2")).json()
    assert page["total"] == 3
    assert page["next_offset"] == 2
    assert [item["row"] for item in page["items"]] == [43, 44]
    download = await client.get(f"{document['status_url']}/export?format=jsonl")
    assert download.status_code == 200
    assert "outcomes.jsonl" in download.headers["content-disposition"]
    lines = [json.loads(line) for line in download.text.splitlines()]
    assert len(lines) == 45
    assert tuple(lines[0]) == EXPORT_COLUMNS


async def test_bad_requests_get_4xx_with_codes(client: httpx.AsyncClient) -> None:
    """An unknown run is 404 unknown_batch; a file without its columns is 400."""
    missing = await client.get("/v1/batches/nosuchrun")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_batch"
    bad = await client.post(
        "/v1/batches", content=b"appointment_id\nA\n", headers={"Content-Type": "text/csv"}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "missing_columns"
    unknown_type = await client.post(
        "/v1/batches", content=b"x", headers={"Content-Type": "application/pdf"}
    )
    assert unknown_type.status_code == 400
    assert unknown_type.json()["error"]["code"] == "unsupported_format"
