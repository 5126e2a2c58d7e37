"""The model seam: the in-memory client validates and re-asks like the real one; the switch."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationInfo, field_validator

from eligate.llm import (
    FunctionModelClient,
    LLMConfig,
    ModelCall,
    ModelClient,
    ModelRequestsBlockedError,
    ModelUnavailableError,
    allow_model_requests,
    connect,
    model_requests_allowed,
)


class _Item(BaseModel):
    item: int

    @field_validator("item")
    @classmethod
    def _asked(cls, value: int, info: ValidationInfo) -> int:
        if info.context is not None and value not in info.context["items"]:
            raise ValueError(f"item {value} was not asked about")
        return value


def test_a_valid_answer_is_returned_with_its_tokens() -> None:
    """The function's dict is validated into the response model; tokens add up per call."""
    client = FunctionModelClient(lambda call: {"item": 3}, tokens_per_call=40)
    answer = client.ask(
        messages=[{"role": "user", "content": "hi"}], response_model=_Item, context={"items": {3}}
    )
    assert answer.value == _Item(item=3)
    assert answer.tokens == 40
    assert [call.attempt for call in client.calls] == [0]
    assert client.calls[0].messages == ({"role": "user", "content": "hi"},)


def test_invalid_output_is_re_asked_with_the_error() -> None:
    """Output failing validation (context included) is re-asked once, the error shown."""

    def answer(call: ModelCall) -> object:
        return '{"item": 9}' if call.attempt == 0 else _Item(item=3)

    client = FunctionModelClient(answer, max_reasks=1, tokens_per_call=10)
    got = client.ask(messages=[], response_model=_Item, context={"items": {3}})
    assert got.value.item == 3
    assert got.tokens == 20
    assert [call.attempt for call in client.calls] == [0, 1]
    assert "item 9 was not asked about" in client.calls[1].messages[-1]["content"]


def test_re_asks_are_bounded_then_malformed_output() -> None:
    """After ``max_reasks`` invalid answers the call fails as ``malformed_output``."""
    client = FunctionModelClient(lambda call: "not json", max_reasks=2, tokens_per_call=5)
    with pytest.raises(ModelUnavailableError) as raised:
        client.ask(messages=[], response_model=_Item, context={})
    assert raised.value.detail == "malformed_output"
    assert raised.value.tokens == 15
    assert len(client.calls) == 3


def test_a_function_can_fail_like_an_endpoint() -> None:
    """A ``ModelUnavailableError`` raised by the function reaches the caller unchanged."""

    def down(call: ModelCall) -> object:
        raise ModelUnavailableError("timeout")

    client: ModelClient = FunctionModelClient(down, model="double")
    with pytest.raises(ModelUnavailableError, match="timeout"):
        client.ask(messages=[], response_model=_Item, context={})
    assert client.model == "double"


def test_the_test_suite_cannot_reach_a_real_model() -> None:
    """Switched off (tests/conftest.py does it), a real client refuses non-loopback endpoints."""
    assert model_requests_allowed() is False
    with pytest.raises(ModelRequestsBlockedError, match=r"api\.openai\.example"):
        connect(LLMConfig(base_url="https://api.openai.example/v1", model="m"))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]"])
def test_loopback_endpoints_stay_allowed(host: str) -> None:
    """The suite's own loopback servers are reachable while the switch is off."""
    client = connect(LLMConfig(base_url=f"http://{host}:9/v1", model="m"))
    try:
        assert client.model == "m"
    finally:
        client.close()


def test_the_switch_turns_back_on() -> None:
    """With requests allowed, any endpoint may be built (nothing is sent until asked)."""
    allow_model_requests(True)
    try:
        client = connect(LLMConfig(base_url="https://api.openai.example/v1", model="m"))
        client.close()
    finally:
        allow_model_requests(False)
    assert model_requests_allowed() is False
