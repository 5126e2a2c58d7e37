"""A loopback OpenAI-compatible server that plays a scripted model (127.0.0.1, port 0).

Serves ``POST /v1/chat/completions`` with usage counts. A *script* turns each
parsed request into a :class:`Reply`: a good answer, a slow one, a 429 with
Retry-After, a 500, malformed JSON, an invented amount... Every request body is
kept so tests can assert what was (and was not) sent.

Run it by hand for ``eligate eval --proposer llm``::

    python -m tests.normalizer.llm_server --script oracle   # prints the base URL
"""

from __future__ import annotations

import argparse
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server answers to one request."""

    status: int = 200
    body: JSON | str = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0
    """Seconds between body bytes: a server that answers, very slowly."""


Script = Callable[[JSON, int], Reply]
"""(request body, 0-based request number) -> reply."""


def items_of(request: JSON) -> list[JSON]:
    """The items the proposer sent, read from the first user message."""
    for message in request["messages"]:
        content = message.get("content")
        if message["role"] == "user" and isinstance(content, str) and "ITEMS:" in content:
            tail = content.split("ITEMS:", 1)[1].lstrip()
            document: JSON = json.JSONDecoder().raw_decode(tail)[0]
            items: list[JSON] = document["items"]
            return items
    return []


def completion(
    request: JSON, answer: JSON | str, *, prompt_tokens: int = 300, completion_tokens: int = 60
) -> Reply:
    """A chat completion carrying ``answer`` the way the request's mode expects it."""
    text = answer if isinstance(answer, str) else json.dumps(answer)
    message: JSON
    if request.get("tools"):
        name = request["tools"][0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": text}}
            ],
        }
        finish = "tool_calls"
    else:
        content = text if request.get("response_format") else f"```json\n{text}\n```"
        message = {"role": "assistant", "content": content}
        finish = "stop"
    body = {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": 1700000000,
        "model": request.get("model", "scripted"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return Reply(body=body)


_MONEY = re.compile(
    r"\$\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)|(?<![\w.])(\d+\.\d\d)(?![\w])"
)
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*%")
_REMAINING = re.compile(r"\b(?:remain\w*|left)\b", re.IGNORECASE)
_MET = re.compile(r"\b(?:met|used|ytd)\b", re.IGNORECASE)


def oracle_benefits(item: JSON) -> list[JSON]:
    """What a careful model would read from one MSG item: each amount, in its EB's context."""
    if item.get("segment") != "MSG":
        return []
    owner = next((c["elements"] for c in item["context"] if c["segment"] == "EB"), None)
    if owner is None:
        return []
    text: str = item["text"]
    benefits: list[JSON] = []
    previous = 0
    for match in _MONEY.finditer(text):
        words = text[previous : match.start()]
        previous = match.end()
        amount = (match.group(1) or match.group(2)).replace(",", "")
        qualifier = owner.get("EB06")
        if _REMAINING.search(words):
            qualifier = "29"
        elif _MET.search(words):
            qualifier = "24"
        elif qualifier in ("29", "24"):
            qualifier = "23"
        benefits.append(
            {
                "item": item["id"],
                "code": owner["EB01"],
                "coverage_level_code": owner.get("EB02"),
                "service_type_codes": owner.get("EB03", "").split("^") if "EB03" in owner else [],
                "time_qualifier_code": qualifier,
                "amount": amount,
                "in_plan_network_code": owner.get("EB12"),
            }
        )
    for match in _PERCENT.finditer(text):
        benefits.append(
            {
                "item": item["id"],
                "code": owner["EB01"],
                "coverage_level_code": owner.get("EB02"),
                "service_type_codes": owner.get("EB03", "").split("^") if "EB03" in owner else [],
                "percent": str(float(match.group(1)) / 100),
                "in_plan_network_code": owner.get("EB12"),
            }
        )
    return benefits


def oracle(request: JSON, number: int) -> Reply:
    """A well-behaved model: every money amount of every MSG item, in context."""
    del number
    return completion(
        request, {"benefits": [b for item in items_of(request) for b in oracle_benefits(item)]}
    )


def liar(request: JSON, number: int) -> Reply:
    """A model that invents amounts, uses unknown codes, swaps roles and obeys planted text."""
    del number
    benefits: list[JSON] = []
    items = items_of(request)
    goods = [good for item in items for good in oracle_benefits(item)]
    for position, good in enumerate(goods):
        bad = dict(good)
        if position % 3 == 0:
            bad["amount"] = "9999.99"
        elif position % 3 == 1:
            bad["service_type_codes"] = ["ZZ9"]
        else:
            bad["time_qualifier_code"] = "29" if good["time_qualifier_code"] != "29" else "23"
        benefits.append(bad)
    for item in items:
        if item.get("segment") == "MSG":
            benefits.append(
                {"item": item["id"], "code": "C", "amount": "0", "time_qualifier_code": "29"}
            )
    return completion(request, {"benefits": benefits})


def down(request: JSON, number: int) -> Reply:
    """An endpoint that always fails with 500."""
    del request, number
    return Reply(status=500, body={"error": {"message": "scripted outage", "type": "server_error"}})


SCRIPTS: dict[str, Script] = {"oracle": oracle, "liar": liar, "down": down}


class LoopbackLLM:
    """The server: start it, point a client at :attr:`base_url`, read :attr:`bodies`."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.bodies: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.in_flight = 0
        self.in_flight_peak = 0
        """The most requests the server was answering at once."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                with server._lock:
                    number = len(server.bodies)
                    server.bodies.append(raw)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                if not self.path.endswith("/chat/completions"):
                    self._send(Reply(status=404, body={"error": {"message": "not found"}}))
                    return
                with server._lock:
                    server.in_flight += 1
                    server.in_flight_peak = max(server.in_flight_peak, server.in_flight)
                try:
                    self._send(server.script(json.loads(raw), number))
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _send(self, reply: Reply) -> None:
                if reply.delay and server._stop.wait(reply.delay):
                    return
                payload = (
                    reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                ).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if not reply.trickle:
                        self.wfile.write(payload)
                        return
                    for position in range(len(payload)):
                        if server._stop.wait(reply.trickle):
                            return
                        self.wfile.write(payload[position : position + 1])
                        self.wfile.flush()
                except OSError:
                    return

            def log_message(self, *args: object) -> None:
                del args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL to configure a client with."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[JSON]:
        """Every request body, parsed."""
        return [json.loads(body) for body in self.bodies]

    def __enter__(self) -> LoopbackLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main() -> None:
    """Serve a named script until interrupted; print the base URL first."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--script", choices=sorted(SCRIPTS), default="oracle")
    arguments = parser.parse_args()
    with LoopbackLLM(SCRIPTS[arguments.script]) as server:
        print(server.base_url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return


if __name__ == "__main__":
    main()
