"""The service under wrk at fixed rates: cache hits and normalize, beside a bare route.

Starts ``eligate serve`` on its embedded defaults (SQLite audit trail, in-process
cache, the built-in payer simulator) in a process of its own, warms the cache
with one inquiry, and drives three things at 100, 300 and 1,000 requests per
second with wrk (one Lua ``delay()`` per connection paces it; wrk reports the
rate it reached): ``POST /v1/eligibility`` served from the cache,
``POST /v1/normalize`` on the sample 271, and a bare FastAPI route (its own
uvicorn process, the same HTTP stack) answering the cache hit's very bytes.
Each row gives wrk's p50/p99, the rate reached, and the server's CPU per
request (user + system of its process over the run / requests).

Skipped, with the reason, where wrk is not installed (Debian package ``wrk``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from eligate.service import hash_api_key

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "commercial_ppo_active.271"
RATES = (100, 300, 1000)
SECONDS = int(os.environ.get("BENCH_SCALE_SERVICE_SECONDS", "10"))
INQUIRY = {
    "payer_id": "synaetna",
    "subscriber": {
        "member_id": "SYN100001",
        "last_name": "TESTPATIENT",
        "first_name": "ALEX",
        "birth_date": "1980-01-01",
    },
    "service_type_codes": ["30"],
    "date_of_service": "2026-03-02",
}

_BARE = """
import sys
import uvicorn
from fastapi import FastAPI
from starlette.responses import Response

body = open(sys.argv[2], "rb").read()
app = FastAPI()


@app.post("/v1/eligibility")
async def bare() -> Response:
    return Response(body, media_type="application/json")


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level="warning")
"""

_PACE = """
wrk.method = "POST"
wrk.body = io.open("{body}", "rb"):read("*a")
wrk.headers["Content-Type"] = "{content_type}"
wrk.headers["X-API-Key"] = "{key}"
function delay()
  return {delay_ms}
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {url} exited")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - our own loopback server
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within 60 s")


def _post(url: str, body: bytes, headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        data: bytes = response.read()
        return data


def _wrk(url: str, script: Path, rate: int) -> dict[str, float]:
    """Wrk at about ``rate`` requests per second for SECONDS; its figures."""
    connections = 10 if rate <= 300 else 20
    delay_ms = max(1, round(connections * 1000 / rate))
    text = script.read_text()
    paced = script.with_suffix(f".{rate}.lua")
    paced.write_text(re.sub(r"return \d+", f"return {delay_ms}", text))
    done = subprocess.run(  # noqa: S603 - wrk with fixed arguments
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            str(paced),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return _parse(done.stdout)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _parse(out: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    for percentile in ("50", "99"):
        found = re.search(rf"^\s+{percentile}%\s+(\S+)", out, re.MULTILINE)
        if found:
            figures[f"p{percentile}"] = _ms(found.group(1))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["rate"] = float(rate.group(1)) if rate else 0.0
    figures["requests"] = float(total.group(1)) if total else 0.0
    figures["non_2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


def _measure(label: str, url: str, pid: int, script: Path) -> list[tuple[int, dict[str, float]]]:
    rows = []
    for rate in RATES:
        before = _cpu_seconds(pid)
        figures = _wrk(url, script, rate)
        used = _cpu_seconds(pid) - before
        figures["cpu_ms"] = 1000 * used / figures["requests"] if figures["requests"] else 0.0
        rows.append((rate, figures))
        print(
            f"  {label:<22} {rate:>5}/s  reached {figures['rate']:>7.0f}/s  "
            f"p50 {figures.get('p50', 0):6.2f} ms  p99 {figures.get('p99', 0):7.2f} ms  "
            f"server CPU {figures['cpu_ms']:.3f} ms/request"
            + (f"  non-2xx {figures['non_2xx']:.0f}" if figures["non_2xx"] else "")
        )
        sys.stdout.flush()
    return rows


def run_service_bench() -> None:
    """Start the servers, run wrk at each rate, print the rows and the CPU ratio."""
    if shutil.which("wrk") is None:
        print("service: skipped: wrk is not installed (apt-get install -y wrk)")
        return
    key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="eligate-scale-service-") as temp:
        folder = Path(temp)
        port, bare_port = _free_port(), _free_port()
        env = {
            **os.environ,
            "ELIGATE_ENVIRONMENT": "test",
            "ELIGATE_HOST": "127.0.0.1",
            "ELIGATE_PORT": str(port),
            "ELIGATE_DATA_DIR": str(folder / "data"),
            "ELIGATE_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "ELIGATE_CACHE_SALT": f"bench-salt-{secrets.token_hex(12)}",
            "ELIGATE_API_KEYS": f"bench:eligibility,normalize:{hash_api_key(key)}",
            "ELIGATE_RATE_LIMIT_PER_MINUTE": "10000000",
            "ELIGATE_RATE_LIMIT_BURST": "1000000",
            "ELIGATE_LOG_LEVEL": "info",
        }
        env.pop("ELIGATE_REDIS_URL", None)
        env.pop("ELIGATE_DATABASE_URL", None)
        log = (folder / "service.log").open("wb")
        service = subprocess.Popen(
            [sys.executable, "-m", "eligate", "serve"], env=env, stdout=log, stderr=log
        )
        bare: subprocess.Popen[bytes] | None = None
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(f"{base}/healthz", service)
            inquiry = folder / "inquiry.json"
            inquiry.write_text(json.dumps(INQUIRY))
            headers = {"Content-Type": "application/json", "X-API-Key": key}
            _post(f"{base}/v1/eligibility", inquiry.read_bytes(), headers)
            hit = _post(f"{base}/v1/eligibility", inquiry.read_bytes(), headers)
            if json.loads(hit)["origin"] != "cache":
                print("service: skipped: the second inquiry was not a cache hit")
                return
            answer = folder / "hit.json"
            answer.write_bytes(hit)
            bare = subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [sys.executable, "-c", _BARE, str(bare_port), str(answer)]
            )
            bare_base = f"http://127.0.0.1:{bare_port}"
            _wait_ready(f"{bare_base}/docs", bare)
            scripts = {}
            for name, body, content_type in (
                ("hit", inquiry, "application/json"),
                ("normalize", SAMPLE, "text/plain"),
            ):
                scripts[name] = folder / f"{name}.lua"
                scripts[name].write_text(
                    _PACE.format(body=body, content_type=content_type, key=key, delay_ms=10)
                )
            print(
                f"service: eligate serve (embedded defaults, uvicorn[standard]), wrk -t2, "
                f"{SECONDS} s per rate; cache hit {len(hit)} bytes"
            )
            hits = _measure("cache hit", f"{base}/v1/eligibility", service.pid, scripts["hit"])
            bare_rows = _measure(
                "bare route, same bytes", f"{bare_base}/v1/eligibility", bare.pid, scripts["hit"]
            )
            _measure(
                "normalize (sample)", f"{base}/v1/normalize", service.pid, scripts["normalize"]
            )
            for (rate, mine), (_, theirs) in zip(hits, bare_rows, strict=True):
                if theirs["cpu_ms"]:
                    print(
                        f"  cache hit / bare route CPU at {rate}/s: "
                        f"{mine['cpu_ms'] / theirs['cpu_ms']:.2f} (target <= 1.5)"
                    )
        finally:
            for process in (service, bare):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=30)
            log.close()
