"""The CORE transport: multipart fields out, the 271 back, failures classified."""

from __future__ import annotations

import httpx
import pytest

from eligate.eligibility import PayerCallError
from eligate.eligibility._transport import PayerTransport
from eligate.payers import PayerConfig
from eligate.x12 import (
    REQUEST_PAYLOAD_TYPE,
    RESPONSE_PAYLOAD_TYPE,
    CoreEnvelope,
    decode_multipart,
    encode_multipart,
)
from tests.factories import make_271

X12_270 = b"ISA*00*...~ST*270*0001~SE*2*0001~"


def _config(**auth: str) -> PayerConfig:
    return PayerConfig.model_validate(
        {
            "id": "alpha",
            "name": "Alpha",
            "endpoint": "http://payer.test/core/270",
            "auth": auth or {"method": "none"},
            "retry": {"failures": ["connect"]},
            "x12": {"receiver_id": "ALPHA", "payer_id": "SYN01", "payer_name": "ALPHA PLAN"},
        }
    )


def _answer(payload: bytes, *, error_code: str = "Success") -> httpx.Response:
    envelope = CoreEnvelope(
        payload_type=RESPONSE_PAYLOAD_TYPE,
        processing_mode="RealTime",
        payload_id="p1",
        timestamp="2026-11-23T13:00:00Z",
        sender_id="ALPHA",
        receiver_id="ELIGATE",
        core_rule_version="2.2.0",
        payload=payload,
        error_code=error_code,
    )
    body, content_type = encode_multipart(envelope.fields())
    return httpx.Response(200, content=body, headers={"Content-Type": content_type})


async def _send(
    handler: httpx.MockTransport,
    config: PayerConfig | None = None,
    env: dict[str, str] | None = None,
) -> bytes:
    transport = PayerTransport(
        config or _config(), sender_id="ELIGATE", environ=env or {}, transport=handler
    )
    try:
        return await transport.send(X12_270, payload_id="corr-9")
    finally:
        await transport.aclose()


async def test_the_270_goes_as_core_multipart_and_the_271_comes_back() -> None:
    """Every CORE field is sent; the response's Payload is returned as the 271."""
    seen: list[httpx.Request] = []
    raw_271 = make_271("EB*1*IND*30")

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _answer(raw_271)

    assert await _send(httpx.MockTransport(handle)) == raw_271
    request = seen[0]
    assert request.method == "POST"
    assert str(request.url) == "http://payer.test/core/270"
    fields = decode_multipart(request.content, request.headers["content-type"])
    assert fields["PayloadType"] == REQUEST_PAYLOAD_TYPE.encode()
    assert fields["ProcessingMode"] == b"RealTime"
    assert fields["PayloadID"] == b"corr-9"
    assert fields["SenderID"] == b"ELIGATE"
    assert fields["ReceiverID"] == b"ALPHA"
    assert fields["CORERuleVersion"] == b"2.2.0"
    assert fields["TimeStamp"].endswith(b"Z")
    assert fields["Payload"] == X12_270


async def test_a_bare_x12_answer_is_accepted() -> None:
    """Some payers answer with the 271 as the whole body."""
    raw_271 = make_271("EB*1*IND*30")
    handler = httpx.MockTransport(lambda _: httpx.Response(200, content=raw_271))
    assert await _send(handler) == raw_271


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (httpx.Response(500), "http_5xx"),
        (httpx.Response(503), "http_5xx"),
        (httpx.Response(429), "http_429"),
        (httpx.Response(401), "http_4xx"),
        (httpx.Response(200, content=b"<html>maintenance</html>"), "bad_payload"),
        (_answer(b"ISA*...", error_code="PayloadTypeIncorrect"), "bad_payload"),
        (
            httpx.Response(
                200, content=b"garbage", headers={"Content-Type": "multipart/form-data; boundary=x"}
            ),
            "bad_payload",
        ),
    ],
)
async def test_answers_are_classified(response: httpx.Response, kind: str) -> None:
    """Status codes and unusable bodies map to one failure kind each."""
    with pytest.raises(PayerCallError) as caught:
        await _send(httpx.MockTransport(lambda _: response))
    assert caught.value.kind == kind
    assert caught.value.payer_id == "alpha"


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ConnectError("refused"), "connect"),
        (httpx.ConnectTimeout("slow connect"), "timeout"),
        (httpx.ReadTimeout("slow read"), "timeout"),
        (httpx.RemoteProtocolError("reset"), "connect"),
    ],
)
async def test_transport_errors_are_classified(error: Exception, kind: str) -> None:
    """Connection and timeout errors map to ``connect`` and ``timeout``."""

    def handle(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(PayerCallError) as caught:
        await _send(httpx.MockTransport(handle))
    assert caught.value.kind == kind


@pytest.mark.parametrize(
    ("auth", "env", "header", "value"),
    [
        ({"method": "bearer", "token_env": "TOK"}, {"TOK": "t0k"}, "authorization", "Bearer t0k"),
        (
            {"method": "basic", "username_env": "U", "password_env": "P"},
            {"U": "user", "P": "pass"},
            "authorization",
            "Basic dXNlcjpwYXNz",
        ),
        (
            {"method": "header", "header": "X-Api-Key", "key_env": "K"},
            {"K": "k3y"},
            "x-api-key",
            "k3y",
        ),
    ],
)
async def test_credentials_come_from_the_environment(
    auth: dict[str, str], env: dict[str, str], header: str, value: str
) -> None:
    """Each auth method sends its header with the secret read from the environment."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _answer(make_271("EB*1*IND*30"))

    await _send(httpx.MockTransport(handle), _config(**auth), env)
    assert seen[0].headers[header] == value


async def test_an_oversized_answer_is_refused_unread() -> None:
    """An answer past ``max_response_bytes`` is ``bad_payload``, whatever it holds."""
    config = _config().model_copy(update={"max_response_bytes": 10_000})
    huge = make_271(*["MSG*" + "X" * 200] * 100)
    handler = httpx.MockTransport(lambda _: httpx.Response(200, content=huge))
    with pytest.raises(PayerCallError, match="larger than 10000 bytes") as caught:
        await _send(handler, config)
    assert caught.value.kind == "bad_payload"
