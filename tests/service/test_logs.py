"""Logs are structured events with the correlation ID, and never carry member data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from eligate.service import configure_logging
from tests.factories import make_271
from tests.service.conftest import ADMIN_KEY, CLINIC_KEY, NORMALIZE_KEY
from tests.service.fakes import FakeCore, Step

PHI = ("SYN000123", "SYN777001", "TESTPATIENT", "SAMPLE", "ALEX", "1980-02-29", "19800229")


async def _traffic(client: httpx.AsyncClient, core: FakeCore) -> None:
    subscriber = {
        "member_id": "SYN777001",
        "last_name": "SAMPLE",
        "first_name": "ALEX",
        "birth_date": "1980-02-29",
    }
    good: dict[str, Any] = {"payer_id": "SYNPAYER1", "subscriber": subscriber}
    clinic = {"X-API-Key": CLINIC_KEY}
    await client.post("/v1/eligibility", json=good, headers=clinic)
    core.script("SYNPAYER1", Step(origin="fallback", reason="breaker_open"))
    await client.post("/v1/eligibility", json=good, headers={**clinic, "Idempotency-Key": "a1"})
    await client.post("/v1/eligibility", json=good, headers={**clinic, "Idempotency-Key": "a1"})
    bad = {**good, "subscriber": {**subscriber, "birth_date": "1980-02-30", "last_name": "SAMPLE*"}}
    await client.post("/v1/eligibility", json=bad, headers=clinic)
    await client.post("/v1/eligibility", json={**good, "payer_id": "NOPE"}, headers=clinic)
    core.script("SYNPAYER1", Step(error=RuntimeError("SYN777001 SAMPLE ALEX 1980-02-29")))
    await client.post("/v1/eligibility", json=good, headers=clinic)
    raw = make_271("EB*1*IND*30*PR*GOLD PPO", "DMG*D8*19800229")
    adapter = {"X-API-Key": NORMALIZE_KEY, "Content-Type": "text/plain"}
    await client.post("/v1/normalize", content=raw, headers=adapter)
    await client.post("/v1/normalize", content=raw[:-40], headers=adapter)
    await client.post("/v1/normalize", content=b"SAMPLE ALEX SYN777001", headers=adapter)
    json_adapter = {"X-API-Key": NORMALIZE_KEY}
    await client.post("/v1/normalize", json={"x12": 1, "SYN777001": "x"}, headers=json_adapter)
    await client.post("/v1/normalize", json={"x12": raw.decode()}, headers=json_adapter)
    await client.get("/metrics", headers={"X-API-Key": ADMIN_KEY})


async def test_no_member_data_in_any_log_event(
    client: httpx.AsyncClient, core: FakeCore, caplog: pytest.LogCaptureFixture
) -> None:
    """Requests full of synthetic member data, good and bad, leave none of it in the logs."""
    caplog.set_level("DEBUG")
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await _traffic(client, core)
    events = {entry["event"] for entry in logs}
    invalid = [e["fields"] for e in logs if e["event"] == "service.request_invalid"]
    assert ["body.x12:string_type", "body.<extra>:extra_forbidden"] in invalid
    assert {
        "service.request_completed",
        "service.request_invalid",
        "service.request_refused",
        "service.unhandled_error",
    } <= events
    text = json.dumps(logs, default=str) + caplog.text
    for value in PHI:
        assert value not in text, value


async def test_every_event_of_a_request_carries_its_correlation_id(
    client: httpx.AsyncClient,
) -> None:
    """The correlation ID is bound for the whole request; the access log names route and client."""
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await client.get("/v1/payers", headers={"X-API-Key": CLINIC_KEY, "X-Correlation-ID": "c-1"})
    completed = [e for e in logs if e["event"] == "service.request_completed"]
    assert completed == [
        {
            "event": "service.request_completed",
            "log_level": "info",
            "correlation_id": "c-1",
            "client": "clinic",
            "method": "GET",
            "route": "/v1/payers",
            "status": 200,
            "duration_ms": completed[0]["duration_ms"],
        }
    ]
    assert structlog.contextvars.get_contextvars() == {}


def test_configure_logging_writes_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """After configuration, events are JSON lines on stderr with level and timestamp."""
    configure_logging(level="info")
    try:
        structlog.get_logger("t").info("service.test_event", payer_id="SYNPAYER1")
        structlog.get_logger("t").debug("service.hidden")
    finally:
        structlog.reset_defaults()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "service.test_event"
    assert event["level"] == "info"
    assert "timestamp" in event


def test_uvicorn_lines_are_json_too(capsys: pytest.CaptureFixture[str]) -> None:
    """Uvicorn's standard-library lines join the stream as JSON objects, not plain text."""
    import logging

    from eligate.service._logging import UVICORN_LOGGERS

    configure_logging(level="info")
    try:
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
        logging.getLogger("uvicorn.error").debug("hidden")
    finally:
        structlog.reset_defaults()
        for name in UVICORN_LOGGERS:
            logging.getLogger(name).handlers = []
            logging.getLogger(name).propagate = True
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "Started server process [42]"
    assert (event["level"], event["logger"]) == ("info", "uvicorn.error")
