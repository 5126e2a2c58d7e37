"""CAQH CORE Phase II real-time transport: a 270 out as HTTP MIME multipart, the 271 back.

Each payer gets its own :class:`httpx.AsyncClient` (own pool, own timeouts), so a
payer that holds its connections can only exhaust its own pool. Every failure is
classified into one :data:`FailureKind`; messages carry no PHI.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Mapping

import httpx

from eligate.eligibility.errors import PayerCallError
from eligate.payers import BasicAuth, BearerAuth, HeaderKeyAuth, PayerConfig, RegistryError
from eligate.x12 import (
    CORE_RULE_VERSION,
    REQUEST_PAYLOAD_TYPE,
    CoreEnvelope,
    core_timestamp,
    decode_multipart,
    encode_multipart,
)


def _auth_headers(config: PayerConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """Credential headers for ``config``, read from ``environ`` now."""
    auth = config.auth

    def secret(name: str) -> str:
        value = environ.get(name)
        if not value:
            raise RegistryError(
                f"environment variable {name} (payer credentials) is not set",
                field="auth",
            )
        return value

    if isinstance(auth, BasicAuth):
        basic = httpx.BasicAuth(secret(auth.username_env), secret(auth.password_env))
        request = next(basic.auth_flow(httpx.Request("POST", str(config.endpoint))))
        return {"Authorization": request.headers["Authorization"]}
    if isinstance(auth, BearerAuth):
        return {"Authorization": f"Bearer {secret(auth.token_env)}"}
    if isinstance(auth, HeaderKeyAuth):
        return {auth.header: secret(auth.key_env)}
    return {}


class PayerTransport:
    """One payer's HTTP client: sends a 270, returns the raw 271 or a classified error."""

    def __init__(
        self,
        config: PayerConfig,
        *,
        sender_id: str,
        environ: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config
        self.sender_id = sender_id
        timeout = config.timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                connect=timeout.connect,
                read=timeout.read,
                write=timeout.read,
                pool=timeout.connect,
            ),
            limits=httpx.Limits(
                max_connections=config.pool_size,
                max_keepalive_connections=config.pool_size,
            ),
            headers=_auth_headers(config, environ or {}),
            transport=transport,
            verify=ssl_context or True,
            trust_env=False,
        )

    async def send(self, x12_270: bytes, *, payload_id: str | None = None) -> bytes:
        """POST ``x12_270`` to the payer; the 271 payload of its answer.

        ``payload_id`` is CORE's PayloadID, a fresh UUID per message unless given.

        Raises:
            PayerCallError: timeout, connect, http_5xx, http_429, http_4xx or bad_payload.
        """
        payer = self.config.id
        envelope = CoreEnvelope(
            payload_type=REQUEST_PAYLOAD_TYPE,
            processing_mode="RealTime",
            payload_id=payload_id or str(uuid.uuid4()),
            timestamp=core_timestamp(),
            sender_id=self.sender_id,
            receiver_id=self.config.x12.receiver_id,
            core_rule_version=CORE_RULE_VERSION,
            payload=x12_270,
        )
        body, content_type = encode_multipart(envelope.fields())
        try:
            async with self._client.stream(
                "POST",
                str(self.config.endpoint),
                content=body,
                headers={"Content-Type": content_type},
            ) as response:
                _check_status(response.status_code, payer)
                answer = await self._read_capped(response)
        except httpx.TimeoutException as error:
            raise PayerCallError(type(error).__name__, payer_id=payer, kind="timeout") from None
        except httpx.HTTPError as error:  # refused, reset, closed mid-answer, protocol errors
            raise PayerCallError(type(error).__name__, payer_id=payer, kind="connect") from None
        return _payload_of(answer, response.headers.get("content-type", ""), payer)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The body, refused past ``max_response_bytes``.

        Parsing a huge answer would stall every payer's callers: they share one event loop.
        """
        limit = self.config.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise PayerCallError(
                    f"answer larger than {limit} bytes", payer_id=self.config.id, kind="bad_payload"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        """Close the payer's connections."""
        await self._client.aclose()


def _check_status(status: int, payer: str) -> None:
    """Classify an HTTP error status; 1xx-3xx pass (a 3xx body then fails as not X12)."""
    if status == 429:
        raise PayerCallError("too many requests", payer_id=payer, kind="http_429", status_code=429)
    if status >= 500:
        raise PayerCallError(f"HTTP {status}", payer_id=payer, kind="http_5xx", status_code=status)
    if status >= 400:
        raise PayerCallError(f"HTTP {status}", payer_id=payer, kind="http_4xx", status_code=status)


def _payload_of(body: bytes, content_type: str, payer: str) -> bytes:
    """The 271 inside a CORE response (or a bare X12 body, which some payers send)."""
    if content_type.lower().startswith("multipart/"):
        try:
            fields = decode_multipart(body, content_type)
        except ValueError as error:
            raise PayerCallError(str(error), payer_id=payer, kind="bad_payload") from None
        code = fields.get("ErrorCode", b"Success").decode(errors="replace").strip()
        if code and code != "Success":
            raise PayerCallError(f"CORE error code {code[:60]}", payer_id=payer, kind="bad_payload")
        payload = fields.get("Payload")
        if payload is None:
            raise PayerCallError("no Payload field", payer_id=payer, kind="bad_payload")
        body = payload
    if not body.lstrip(b"\xef\xbb\xbf \r\n\t").startswith((b"ISA", b"GS", b"ST")):
        raise PayerCallError("payload is not X12", payer_id=payer, kind="bad_payload")
    return body
