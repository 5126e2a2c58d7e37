"""What the HTTP layer costs: latency and throughput of the service around an instant core.

Runs the real app under uvicorn on a loopback port (port 0) with an in-process
core that answers at once, so the figures are the service's own overhead
(middleware, auth, rate limit, validation, idempotency, JSON) plus loopback HTTP:
``POST /v1/eligibility``, the same with ``Idempotency-Key`` replays, and
``POST /v1/normalize`` on the bundled samples. Bounded: BENCH_REQUESTS requests per
scenario at BENCH_CONCURRENCY in flight, and never longer than BENCH_SECONDS each.

Run with ``make bench-service``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from eligate.eligibility import (
    EligibilityOutcome,
    EligibilityRequest,
    PayerHealth,
    PayerSummary,
)
from eligate.normalizer import normalize
from eligate.service import build_server, configure_logging, hash_api_key, load_settings
from eligate.validators import gate

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
MAX_SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
KEY = "bench-key-synthetic"
SAMPLE = (ROOT / "samples" / "commercial_ppo_active.271").read_bytes()


class InstantCore:
    """Answers every inquiry at once with the gated results of a bundled sample."""

    def __init__(self) -> None:
        self._results = gate(normalize(SAMPLE), SAMPLE)

    async def check(self, request: EligibilityRequest) -> EligibilityOutcome:
        """The sample's results, as if from the payer."""
        return EligibilityOutcome(
            correlation_id=request.correlation_id,
            payer_id=request.payer_id,
            status="verified",
            origin="payer",
            results=self._results,
            answered_at=datetime.now(UTC),
            elapsed_ms=0.0,
        )

    def payers(self) -> list[PayerSummary]:
        """One payer."""
        return [
            PayerSummary(
                payer_id="SYNPAYER1",
                name="Synthetic",
                endpoint="http://127.0.0.1:9",
                breaker="closed",
            )
        ]

    def health(self, payer_id: str) -> PayerHealth:
        """Not used by the bench."""
        raise LookupError(payer_id)

    async def ready(self) -> bool:
        """Always."""
        return True

    async def close(self) -> None:
        """Nothing to release."""


INQUIRY = {
    "payer_id": "SYNPAYER1",
    "subscriber": {
        "member_id": "SYN000123",
        "last_name": "TESTPATIENT",
        "first_name": "ALEX",
        "birth_date": "1980-02-29",
    },
    "date_of_service": "2026-11-23",
}


async def _run(
    label: str, call: Callable[[int], Awaitable[httpx.Response]], *, expect: int = 200
) -> None:
    latencies: list[float] = []
    errors = 0
    next_index = 0
    deadline = time.perf_counter() + MAX_SECONDS

    async def worker() -> None:
        nonlocal next_index, errors
        while next_index < REQUESTS and time.perf_counter() < deadline:
            index = next_index
            next_index += 1
            t0 = time.perf_counter()
            response = await call(index)
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != expect:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"  {label:<34} {len(latencies) / elapsed:8.0f} req/s   p50 {cuts[49]:6.2f} ms   "
        f"p95 {cuts[94]:6.2f} ms   p99 {cuts[98]:6.2f} ms   errors {errors}/{len(latencies)}"
    )


def _serve(ports: multiprocessing.Queue[int]) -> None:
    """The server process: the app on an instant core, port reported through ``ports``."""
    settings = load_settings(
        environment="test",
        encryption_key="YmVuY2gtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXMtb2s=",
        cache_salt="bench-cache-salt-16+",
        api_keys=f"bench:admin:{hash_api_key(KEY)}",
        rate_limit_per_minute=10_000_000,
        rate_limit_burst=1_000_000,
        log_level="error",
        port=0,
    )
    configure_logging(level="error")
    server = build_server(settings, InstantCore())
    server.config.log_level = "error"

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        ports.put(server.servers[0].sockets[0].getsockname()[1])
        await task

    asyncio.run(run())


async def _scenarios(port: int) -> None:
    headers = {"X-API-Key": KEY}
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=30
    ) as http:
        replay = {"Idempotency-Key": "r"}
        await _run("GET /healthz", lambda i: http.get("/healthz"))
        await _run("POST /v1/eligibility", lambda i: http.post("/v1/eligibility", json=INQUIRY))
        await http.post("/v1/eligibility", json=INQUIRY, headers=replay)
        await _run(
            "POST /v1/eligibility (replayed)",
            lambda i: http.post("/v1/eligibility", json=INQUIRY, headers=replay),
        )
        await _run(
            "POST /v1/eligibility (invalid, 422)",
            lambda i: http.post("/v1/eligibility", json={"payer_id": "SYNPAYER1"}),
            expect=422,
        )
        text = {"Content-Type": "text/plain"}
        await _run(
            "POST /v1/normalize (sample 271)",
            lambda i: http.post("/v1/normalize", content=SAMPLE, headers=text),
        )


def main() -> None:
    """Start the server in its own process, run each scenario against it, stop it."""
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    process = multiprocessing.Process(target=_serve, args=(ports,), daemon=True)
    process.start()
    try:
        port = ports.get(timeout=30)
        print(f"service over loopback HTTP, {REQUESTS} requests, {CONCURRENCY} in flight")
        asyncio.run(_scenarios(port))
    finally:
        process.terminate()
        process.join(timeout=10)


if __name__ == "__main__":
    main()
