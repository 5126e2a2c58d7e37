"""The real client's one deadline, on an injected clock: every attempt gets only the time left."""

from __future__ import annotations

import httpx2
import pytest
from pydantic import BaseModel

from eligate.llm import LLMConfig, ModelUnavailableError
from eligate.llm._openai import OpenAIModelClient


class _Answer(BaseModel):
    text: str


def _client(handler: object, now: list[float]) -> OpenAIModelClient:
    config = LLMConfig(
        base_url="http://127.0.0.1:9/v1", model="m", deadline_seconds=1.0, max_reasks=0
    )
    return OpenAIModelClient(
        config,
        transport=httpx2.MockTransport(handler),  # type: ignore[arg-type]
        clock=lambda: now[0],
    )


def test_the_retry_gets_only_the_time_left() -> None:
    """A 500 that used 0.8 s of a 1 s deadline: the retry's timeouts are the 0.2 s left."""
    now = [100.0]
    timeouts: list[float] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        timeouts.append(request.extensions["timeout"]["read"])
        now[0] += 0.8
        return httpx2.Response(500, json={"error": {"message": "x"}})

    client = _client(handler, now)
    try:
        with pytest.raises(ModelUnavailableError) as raised:
            client.ask(messages=[{"role": "user", "content": "hi"}], response_model=_Answer,
                       context={})  # fmt: skip
    finally:
        client.close()
    assert raised.value.detail == "timeout"  # the retry's answer came after the deadline
    assert timeouts == [pytest.approx(1.0), pytest.approx(0.2)]


def test_no_attempt_starts_after_the_deadline() -> None:
    """An answer that arrives past the deadline is a timeout and is not retried."""
    now = [100.0]
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        now[0] += 1.5
        return httpx2.Response(500, json={"error": {"message": "x"}})

    client = _client(handler, now)
    try:
        with pytest.raises(ModelUnavailableError) as raised:
            client.ask(messages=[{"role": "user", "content": "hi"}], response_model=_Answer,
                       context={})  # fmt: skip
    finally:
        client.close()
    assert raised.value.detail == "timeout"
    assert calls == [1]
