"""``/dashboard`` without a browser: login, the pages, the vendored assets, the panels' data."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from eligate.eligibility import PayerHealth
from eligate.events import Event, MemoryEventStream
from eligate.service import _dashboard_data as data
from eligate.service import create_app
from tests.service.conftest import ADMIN_KEY, CLINIC_KEY, make_settings
from tests.service.fakes import FakeCore

VENDOR = Path(__file__).resolve().parents[2] / "src/eligate/service/static/vendor"
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def _health(payer_id: str, **changes: object) -> PayerHealth:
    values: dict[str, object] = {
        "payer_id": payer_id, "breaker": "closed", "in_flight": 0, "calls": 10,
        "error_rate": 0.0, "p50_ms": 50.0, "p95_ms": 80.0, "p99_ms": 90.0, "cache_hit_rate": 0.5,
    }  # fmt: skip
    values.update(changes)
    return PayerHealth(**values)


def _event(n: int, event_type: str, payer_id: str | None = None, **values: object) -> Event:
    return Event(
        id=f"0-{n}", type=event_type, payer_id=payer_id, time=NOW + timedelta(seconds=n),
        data=values,
    )  # fmt: skip


def test_vendored_assets_match_their_pinned_sums() -> None:
    """The htmx files are the npm packages' bytes, with their licences beside them."""
    for line in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest
    assert (VENDOR / "htmx-LICENSE").is_file()
    assert (VENDOR / "htmx-ext-sse-LICENSE").is_file()


def test_lights_follow_breaker_errors_and_drift() -> None:
    """Open or half failing is red; probing, 10% failing or drifting is amber."""
    healths = [
        _health("a"),
        _health("b", breaker="open"),
        _health("c", error_rate=0.6),
        _health("d", breaker="half_open"),
        _health("e", error_rate=0.2),
        _health("f"),
    ]
    events = [_event(1, "payer.drift_detected", "f")]
    assert [t.light for t in data.tiles(healths, events)] == [
        "green", "red", "red", "amber", "amber", "amber",
    ]  # fmt: skip


def test_batches_exceptions_and_plots_come_from_events() -> None:
    """Runs show their latest counts; exceptions filter; plots take the last hour's checks."""
    events = [
        _event(1, "batch.started", batch_id="b1", total=10),
        _event(2, "batch.progress", "alpha", batch_id="b1", queued=6, verified=4),
        _event(3, "batch.item_failed", "alpha", batch_id="b1", item_id="b1-1", reason="deadline"),
        _event(4, "batch.progress", "alpha", batch_id="b1", queued=2, verified=7, gave_up=1),
        _event(5, "eligibility.check_completed", "alpha", elapsed_ms=40.0),
        _event(65, "eligibility.check_completed", "alpha", elapsed_ms=80.0),
    ]
    (run,) = data.batches(events)
    assert (run.done, run.total, run.percent, run.completed) == (8, 10, 80, False)
    assert [e.id for e in data.exceptions(events, kind="deadline")] == ["0-3"]
    assert data.exceptions(events, payer_id="bravo") == []
    (plot,) = data.latency_plots(events, now=NOW + timedelta(minutes=30))
    assert plot.payer_id == "alpha"
    assert len(plot.points.split()) == 2


async def test_login_sets_the_cookie_and_the_page_and_panels_render() -> None:
    """A clinic key is refused; the admin key's cookie opens the page and its panels."""
    stream = MemoryEventStream()
    app = create_app(make_settings(), core=FakeCore(), events=stream)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        away = await http.get("/dashboard")
        assert away.status_code == 303
        refused = await http.post("/dashboard/login", content=f"key={CLINIC_KEY}")
        assert refused.status_code == 401
        ok = await http.post("/dashboard/login", content=f"key={ADMIN_KEY}")
        assert ok.status_code == 303
        assert "httponly" in ok.headers["set-cookie"].lower()
        page = await http.get("/dashboard")
        assert page.status_code == 200
        assert 'sse-connect="/v1/events"' in page.text
        for panel in ("payers", "plots", "batches", "exceptions", "webhooks"):
            answer = await http.get(f"/dashboard/partials/{panel}")
            assert answer.status_code == 200, panel
        script = await http.get("/dashboard/static/vendor/htmx-2.0.11.min.js")
        assert script.status_code == 200
