"""Loopback payer simulator: CORE-style HTTP payers that answer 270s with synthetic 271s.

Each simulated payer listens on its own 127.0.0.1 port, so one can be made slow,
flaky, down (connection refused, or 503) or answer AAA errors while the others
stay healthy. Behaviour changes at run time through :meth:`Simulator.set_behavior`
or the admin endpoint (``PUT /behavior/{payer_id}`` with a JSON body,
``GET /behavior``). The HTTP server is a deliberately small HTTP/1.1 reader on
asyncio streams: it needs to stop listening on demand (``down="refuse"``) and to
hold a response for seconds without a thread per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eligate.payers import (
    BreakerPolicy,
    FallbackPolicy,
    Guide,
    Pacing,
    PayerConfig,
    PayerRegistry,
    RetryPolicy,
    Timeouts,
    X12Ids,
)
from eligate.simulator._synthetic import (
    Asked270,
    Bad270Error,
    question_of,
    read_270,
    synthetic_271,
)
from eligate.x12 import (
    CORE_RULE_VERSION,
    REQUEST_PAYLOAD_TYPE,
    RESPONSE_PAYLOAD_TYPE,
    CoreEnvelope,
    core_timestamp,
    decode_multipart,
    encode_multipart,
)

_HOST = "127.0.0.1"
_MAX_BODY = 1_000_000
_MAX_HEADERS = 100
_CORE_PATH = "/core/270"
_KEEP_RECEIVED = 64


class Behavior(BaseModel):
    """How one simulated payer behaves now."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    latency_ms: float = Field(default=5.0, ge=0, le=120_000)
    """Least time to produce an answer."""
    jitter_ms: float = Field(default=10.0, ge=0, le=120_000)
    """Up to this much more, uniformly drawn, on top of ``latency_ms``."""
    error_rate: float = Field(default=0.0, ge=0, le=1)
    """Share of requests answered at once with HTTP 500."""
    down: Literal["no", "refuse", "503"] = "no"
    """``refuse``: the port stops listening (connection refused); ``503``: unavailable."""
    aaa: str | None = Field(default=None, pattern=r"^[0-9A-Z]{2}$")
    """Answer every request with this AAA03 reason at the payer level (``42``: retry later)."""


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


_Response = tuple[int, dict[str, str], bytes]
_Handler = Callable[[_Request], Awaitable[_Response]]


class _HttpServer:
    """One listening port with keep-alive; can stop and start listening on the same port."""

    def __init__(self, handler: _Handler) -> None:
        self._handler = handler
        self._server: asyncio.Server | None = None
        self.port = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def listen(self) -> None:
        if self._server is not None:
            return
        self._server = await asyncio.start_server(self._serve, _HOST, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def unlisten(self) -> None:
        """Stop accepting and drop every open connection (clients see refused/reset)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if server is not None:
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                try:
                    status, headers, body = await self._handler(request)
                except Exception:  # a simulator bug is the payer's 500, not a dead port
                    status, headers, body = _text(500, "simulator error")
                if writer.is_closing():
                    break
                writer.write(_render(status, headers, body))
                await writer.drain()
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # unlisten() stops this connection; end quietly rather than as cancelled
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    line = await reader.readline()
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        raise ValueError("bad request line")
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        raw = await reader.readline()
        if raw in {b"\r\n", b"\n", b""}:
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if not 0 <= length <= _MAX_BODY:
        raise ValueError("body too large")
    body = await reader.readexactly(length) if length else b""
    return _Request(parts[0].upper(), parts[1], headers, body)


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}


def _render(status: int, headers: dict[str, str], body: bytes) -> bytes:
    reason = _REASONS.get(status, "Service Unavailable" if status == 503 else "Status")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _text(status: int, message: str) -> _Response:
    return status, {"Content-Type": "text/plain"}, message.encode()


def _json(status: int, value: object) -> _Response:
    return status, {"Content-Type": "application/json"}, json.dumps(value).encode()


@dataclass(slots=True)
class SimulatedPayer:
    """One simulated payer: its port, behaviour and what it has seen."""

    payer_id: str
    behavior: Behavior
    rng: random.Random
    server: _HttpServer = field(init=False)
    requests: int = 0
    """Requests that reached this payer (including those answered 500 or 503)."""
    answered: int = 0
    """Requests answered with a 271."""
    answers: list[tuple[float, str]] | None = None
    """When kept (:meth:`Simulator.keep_answers`): each 271 sent, as (monotonic time,
    question); a question asked twice shows a duplicate 270, times show the rate seen."""
    arrivals: list[float] | None = None
    """When kept: the monotonic time each request arrived (answered or not): the rate seen."""
    control: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    guide: Guide | None = None
    """The payer's companion guide section: the payer answers as the guide says it does."""
    received: deque[Asked270] = field(default_factory=lambda: deque(maxlen=_KEEP_RECEIVED))
    """The latest 270s answered, as read (synthetic members only), latest last."""

    def __post_init__(self) -> None:
        self.server = _HttpServer(self.handle)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{_HOST}:{self.server.port}"

    @property
    def endpoint(self) -> str:
        """Where 270s are POSTed."""
        return self.base_url + _CORE_PATH

    def busiest(self, window: float = 1.0) -> int:
        """The most requests kept in ``arrivals`` within any half-open ``window`` seconds."""
        times = sorted(self.arrivals or [])
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    async def handle(self, request: _Request) -> _Response:
        """Answer one HTTP request as the behaviour says."""
        self.requests += 1
        if self.arrivals is not None:
            self.arrivals.append(time.monotonic())
        behavior = self.behavior
        if request.method != "POST" or request.path != _CORE_PATH:
            return _text(404, "not found")
        if behavior.down == "503":
            return _text(503, "service unavailable")
        if self.rng.random() < behavior.error_rate:
            return _text(500, "internal error")
        delay = behavior.latency_ms + self.rng.uniform(0, behavior.jitter_ms)
        if delay:
            await asyncio.sleep(delay / 1000)
        try:
            fields = decode_multipart(request.body, request.headers.get("content-type", ""))
            if fields.get("PayloadType", b"").decode() != REQUEST_PAYLOAD_TYPE:
                return _text(400, "PayloadType must be " + REQUEST_PAYLOAD_TYPE)
            asked = read_270(fields.get("Payload", b""))
        except (ValueError, Bad270Error) as error:
            return _text(400, f"bad request: {error}")
        now = datetime.now(UTC)
        self.received.append(asked)
        payload = synthetic_271(
            asked, control=next(self.control), now=now, aaa=self.behavior.aaa, guide=self.guide
        )
        envelope = CoreEnvelope(
            payload_type=RESPONSE_PAYLOAD_TYPE,
            processing_mode="RealTime",
            payload_id=fields.get("PayloadID", b"").decode(errors="replace"),
            timestamp=core_timestamp(now),
            sender_id=asked.receiver_id,
            receiver_id=asked.sender_id,
            core_rule_version=CORE_RULE_VERSION,
            payload=payload,
            error_code="Success",
        )
        body, content_type = encode_multipart(envelope.fields())
        self.answered += 1
        if self.answers is not None:
            self.answers.append((time.monotonic(), question_of(asked)))
        return 200, {"Content-Type": content_type}, body


class Simulator:
    """Running simulated payers plus an admin endpoint; build with :func:`start_simulator`."""

    def __init__(self, payers: dict[str, SimulatedPayer], *, admin_port: int = 0) -> None:
        self.payers = payers
        self._admin = _HttpServer(self._admin_handle)
        self._admin.port = admin_port

    @property
    def base_urls(self) -> dict[str, str]:
        """Each payer's base URL."""
        return {payer_id: payer.base_url for payer_id, payer in self.payers.items()}

    @property
    def endpoints(self) -> dict[str, str]:
        """Each payer's CORE endpoint (base URL + ``/core/270``)."""
        return {payer_id: payer.endpoint for payer_id, payer in self.payers.items()}

    @property
    def admin_url(self) -> str:
        """The admin endpoint's base URL."""
        return f"http://{_HOST}:{self._admin.port}"

    async def set_behavior(self, payer_id: str, behavior: Behavior) -> None:
        """Change how ``payer_id`` behaves from the next request on.

        Raises:
            KeyError: no such simulated payer.
        """
        payer = self.payers[payer_id]
        payer.behavior = behavior
        if behavior.down == "refuse":
            await payer.server.unlisten()
        else:
            await payer.server.listen()

    def keep_answers(self) -> None:
        """From now on, log requests (``payer.arrivals``) and answered questions (``answers``)."""
        for payer in self.payers.values():
            payer.answers = []
            payer.arrivals = []

    def registry(self, **overrides: object) -> PayerRegistry:
        """A registry pointing at these payers (``overrides`` replace PayerConfig fields)."""
        return simulator_registry(self.endpoints, **overrides)

    async def __aenter__(self) -> Simulator:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Stop every payer and the admin endpoint."""
        for payer in self.payers.values():
            await payer.server.unlisten()
        await self._admin.unlisten()

    async def _admin_handle(self, request: _Request) -> _Response:
        path = request.path.rstrip("/")
        if request.method == "GET" and path == "/behavior":
            return _json(
                200,
                {pid: p.behavior.model_dump(mode="json") for pid, p in self.payers.items()},
            )
        if request.method == "GET" and path == "/payers":
            return _json(200, {"endpoints": self.endpoints})
        prefix = "/behavior/"
        if request.method in {"PUT", "POST"} and path.startswith(prefix):
            payer_id = path[len(prefix) :]
            if payer_id not in self.payers:
                return _json(404, {"error": "unknown_payer", "payer_id": payer_id})
            try:
                behavior = Behavior.model_validate_json(request.body or b"{}")
            except ValidationError as error:
                first = error.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                return _json(
                    400, {"error": "bad_behavior", "field": where, "message": first["msg"]}
                )
            await self.set_behavior(payer_id, behavior)
            return _json(200, behavior.model_dump(mode="json"))
        return _json(404, {"error": "not_found"})


async def start_simulator(
    payer_ids: tuple[str, ...] = ("synaetna", "synblue", "syncigna", "synunited"),
    *,
    behaviors: dict[str, Behavior] | None = None,
    admin_port: int = 0,
    seed: int = 7,
    guides: dict[str, Guide | None] | None = None,
) -> Simulator:
    """Start one loopback payer per id (port 0, i.e. any free port) and the admin endpoint.

    Args:
        payer_ids: registry ids of the payers to simulate.
        behaviors: initial behaviour per payer; healthy and fast otherwise.
        guides: a payer file's guide section per payer: that payer answers as the
            guide says (its member ID format, required fields, EQ limit).
        admin_port: port of the admin endpoint (0: any free port).
        seed: seeds each payer's random choices, for repeatable runs.
    """
    payers: dict[str, SimulatedPayer] = {}
    for index, payer_id in enumerate(payer_ids):
        behavior = (behaviors or {}).get(payer_id, Behavior())
        # Not for security: seeded so that a run's flaky answers can be repeated.
        payer = SimulatedPayer(payer_id, behavior, random.Random(seed + index))  # noqa: S311
        payer.guide = (guides or {}).get(payer_id)
        await payer.server.listen()
        if behavior.down == "refuse":
            await payer.server.unlisten()
        payers[payer_id] = payer
    simulator = Simulator(payers, admin_port=admin_port)
    await simulator._admin.listen()
    return simulator


def simulator_registry(endpoints: dict[str, str], **overrides: object) -> PayerRegistry:
    """Payer configs for simulated payers at ``endpoints`` (the embedded default's registry)."""
    configs = []
    for payer_id, endpoint in endpoints.items():
        values: dict[str, object] = {
            "id": payer_id,
            "name": f"Simulated {payer_id}",
            "endpoint": endpoint,
            "timeout": Timeouts(connect=1.0, read=4.0, total=5.0),
            "breaker": BreakerPolicy(failure_threshold=5, window_seconds=30, open_seconds=15),
            "pool_size": 20,
            "retry": RetryPolicy(
                attempts=2, backoff_base=0.05, backoff_max=0.5, failures=("connect", "http_5xx")
            ),
            "pacing": Pacing(rate_per_second=200, burst=50),
            "fallback": FallbackPolicy(max_stale_hours=24),
            "x12": X12Ids(
                receiver_id=f"SIM{payer_id.upper()}"[:15],
                payer_id=f"SIM{zlib.crc32(payer_id.encode()) % 100000:05d}",
                payer_name=f"SIMULATED {payer_id.upper()}"[:60],
            ),
        }
        values.update(overrides)
        configs.append(PayerConfig.model_validate(values))
    return PayerRegistry.of(*configs)
