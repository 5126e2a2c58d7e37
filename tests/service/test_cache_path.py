"""A cache hit over HTTP: the stored bytes sent as they are, one log line, audit off the path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from eligate.eligibility import CachedAnswer
from eligate.eligibility import _ports as ports_module
from eligate.eligibility._cache_codec import decode_answer, encode_answer
from eligate.normalizer import normalize
from eligate.service import create_app
from eligate.service._compose import ComposedCore
from eligate.service._models import EligibilityPublic
from eligate.validators import gate
from tests.conftest import SAMPLES
from tests.service.conftest import CLINIC_KEY, make_settings
from tests.service.test_compose import INQUIRY, embedded

__all__ = ["embedded"]  # the fixture, shared with the composition tests


class _CountingAdapter:
    """Wraps the results TypeAdapter and counts the decodes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.decodes = 0

    def validate_json(self, data: bytes) -> Any:
        self.decodes += 1
        return self.inner.validate_json(data)

    def dump_json(self, value: Any) -> bytes:
        return bytes(self.inner.dump_json(value))


async def _twice(core: ComposedCore, tmp_path: Path) -> tuple[httpx.Response, httpx.Response]:
    app = create_app(make_settings(data_dir=tmp_path / "data"), core=core)
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": CLINIC_KEY}
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        first = await http.post("/v1/eligibility", json=INQUIRY, headers=headers)
        again = await http.post("/v1/eligibility", json=INQUIRY, headers=headers)
    return first, again


async def test_a_hit_sends_the_stored_bytes_without_decoding(
    embedded: ComposedCore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hit's body is what the public model writes, and no result model is decoded."""
    counting = _CountingAdapter(ports_module._RESULTS_JSON)
    monkeypatch.setattr(ports_module, "_RESULTS_JSON", counting)
    first, again = await _twice(embedded, tmp_path)
    assert again.json()["origin"] == "cache"
    assert counting.decodes == 0
    assert EligibilityPublic.model_validate_json(again.content).model_dump_json().encode() == (
        again.content
    )
    for field in ("results", "summaries", "answered_at", "payer_id"):
        assert again.json()[field] == first.json()[field]


async def test_a_hit_writes_one_log_line(embedded: ComposedCore, tmp_path: Path) -> None:
    """The access line carries the payer, origin and outcome; nothing else is logged."""
    app = create_app(make_settings(data_dir=tmp_path / "data"), core=embedded)
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": CLINIC_KEY}
    async with httpx.AsyncClient(transport=transport, base_url="http://eligate.test") as http:
        await http.post("/v1/eligibility", json=INQUIRY, headers=headers)
        await embedded.core.settle()
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await http.post("/v1/eligibility", json=INQUIRY, headers=headers)
            await embedded.core.settle()
    assert [entry["event"] for entry in logs] == ["service.request_completed"]
    assert (logs[0]["origin"], logs[0]["outcome"], logs[0]["status"]) == ("cache", "verified", 200)


async def test_a_hit_is_audited_once_the_group_commit_runs(
    embedded: ComposedCore, tmp_path: Path
) -> None:
    """The hit's record is committed off the request; settling (or closing) waits for it."""
    await _twice(embedded, tmp_path)
    await embedded.core.settle()
    report = await embedded.audit.verify()
    assert report.ok
    assert report.events == 2


def test_stored_answer_keeps_results_and_summaries_as_json() -> None:
    """The codec slices the stored document; the models come back only when asked for."""
    raw = (SAMPLES / "commercial_ppo_active.271").read_bytes()
    results = tuple(gate(normalize(raw), raw))
    answer = CachedAnswer(results=results, answered_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    stored = encode_answer(answer)
    back = decode_answer(stored)
    assert back is not None
    assert back.results_json == answer.results_json
    assert back.summaries_json == answer.summaries_json
    assert back.answered_at == answer.answered_at
    assert back == answer  # decodes the results to compare them


def test_an_answer_of_the_older_format_is_a_miss() -> None:
    """A version-1 document (models as JSON) reads as a miss, not as corrupt."""
    assert decode_answer(b'{"v":1,"answered_at":"2026-03-02T09:30:00Z","results":[]}') is None
    with pytest.raises(ValueError, match="not a stored answer"):
        decode_answer(b'{"v":1,"results":"nope"}')
