"""Payer isolation through the real service: one sick payer among four, over HTTP.

``bench_isolation.py`` measures the core alone; this runs what a hospital calls:
``eligate serve`` in its own process on the real composition (the audit store with
encryption and hash chain, the result cache, payer YAML files) against
``eligate simulate-payers`` in another, with the load generator in this one.

- audit store: an embedded SQLite file in a temp dir (default), or a fresh
  PostgreSQL database on the local server (``--postgres``, dropped at the end);
- cache: in the service's process (default), or the local Redis (``--redis``; a
  unique cache salt per run, and every key the run wrote is deleted at the end);
- payers: four YAML files pointing at the simulator, with bench_isolation's budgets.

Phases, over loopback HTTP with one API key: "all healthy" and "one sick" (30% HTTP
500, the rest after 11 s) interleaved in rounds, open-loop at a fixed rate per payer
with new members per check; then a cache phase repeating answered inquiries.
Half the sick payer's checks ask for members it answered in that round's baseline:
with ``--redis`` their fresh cache keys are deleted first (as if their 15 minutes
had passed) so the fallback policy can serve the stale answer; in-process, those
are fresh cache hits. Breaker state comes from ``GET /v1/payers/{id}/health``
(polled) and the service's warning log. Run with ``make bench-service-isolation``
(``ARGS="--postgres --redis"`` for the local servers).

The default load is 10 checks/s per payer. The service, the simulator and this load
generator share the machine's 2 CPUs. Measured ceilings of one service process: about
300-350 checks/s served from cache over HTTP with 16 callers since the audit store
commits concurrent records in groups (about 90/s before, when every check paid its
own audit transaction); the rest is the ASGI stack (h11, middlewares) and the ~27 KB
JSON answer. At 20/s per payer (80/s) the healthy payers' p95 rises when a payer
falls sick (+29% in one run, zero errors): the process's one event loop, shared
CPUs and the sick payer's timeouts and fallbacks, not the payer lanes, which keep
their own pools, breakers and budgets.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import httpx
from _isolation import (
    HEALTHY,
    PAYERS,
    SICK,
    behave,
    latency_figures,
    scenario_arguments,
    start_simulator,
)
from _isolation import run as run_benchmark
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from eligate.eligibility import cache_key
from eligate.guards import percentile
from eligate.payers import BreakerPolicy, RetryPolicy, Timeouts, write_registry
from eligate.service import InquiryCreate, hash_api_key
from eligate.simulator import simulator_registry

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
REQUEST_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One check as a caller saw it over HTTP."""

    payer: str
    ms: float
    http: int
    status: str
    origin: str
    reason: str | None


@dataclass(slots=True)
class Run:
    """Everything one bench run sent, kept for the figures and the clean-up."""

    members: set[tuple[str, int]] = field(default_factory=set)
    sent: collections.Counter[str] = field(default_factory=collections.Counter)


def _inquiry(payer: str, member: int) -> dict[str, Any]:
    return {
        "payer_id": payer,
        "subscriber": {
            "member_id": f"SYN{member:07d}",
            "last_name": "TESTPATIENT",
            "first_name": "SAMPLE",
            "birth_date": "1980-01-01",
        },
    }


def _digest(payer: str, member: int, salt: bytes) -> str:
    """The cache key digest the service uses for this inquiry (today's date of service)."""
    request = InquiryCreate.model_validate(_inquiry(payer, member)).to_request(
        correlation_id="bench", today=date.today()
    )
    return cache_key(request).digest(salt=salt)


async def _check(http: httpx.AsyncClient, run: Run, payer: str, member: int) -> Sample:
    run.members.add((payer, member))
    run.sent[payer] += 1
    started = time.perf_counter()
    try:
        response = await http.post("/v1/eligibility", json=_inquiry(payer, member))
    except httpx.HTTPError as error:
        ms = (time.perf_counter() - started) * 1000
        return Sample(payer, ms, 0, "transport_error", "-", type(error).__name__)
    ms = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        code = response.json().get("error", {}).get("code", "?")
        return Sample(payer, ms, response.status_code, "http_error", "-", code)
    body = response.json()
    return Sample(payer, ms, 200, body["status"], body["origin"], body["reason"])


async def _drive(
    http: httpx.AsyncClient,
    run: Run,
    payer: str,
    *,
    rate: float,
    seconds: float,
    members: Callable[[int], int],
) -> list[Sample]:
    """Open-loop load: ``rate`` checks a second for ``seconds``, whatever the answers take."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(int(rate * seconds)):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_check(http, run, payer, members(i))))
    return list(await asyncio.gather(*tasks))


def _figures(samples: list[Sample]) -> dict[str, Any]:
    failures = collections.Counter(
        s.reason or s.origin or str(s.http)
        for s in samples
        if (s.http, s.status, s.origin) != (200, "verified", "payer")
    )
    return latency_figures([s.ms for s in samples], failures)


class Service:
    """``eligate serve`` in a child process on the real composition, and the bench's client."""

    def __init__(self, env: dict[str, str], log_path: Path, key: str) -> None:
        self.port = _free_port()
        self.log_path = log_path
        self.key = key
        self._env = {**os.environ, **env, "ELIGATE_PORT": str(self.port)}
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        """Start the service and wait until ``/readyz`` answers."""
        self._log = self.log_path.open("wb")
        command = [sys.executable, "-m", "eligate", "serve"]
        self._process = subprocess.Popen(  # noqa: S603 - our own CLI
            command, env=self._env, stdout=self._log, stderr=self._log
        )
        deadline = time.monotonic() + 60
        async with self.client() as http:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(f"the service exited; see {self.log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get("/readyz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError("the service did not become ready within 60 s")

    def client(self, connections: int = 100) -> httpx.AsyncClient:
        """A client of the service with the bench's API key."""
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.port}",
            headers={"X-API-Key": self.key},
            limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
            timeout=REQUEST_TIMEOUT,
        )

    def log_offset(self) -> int:
        """Bytes of log written so far (events after it belong to what follows)."""
        if self._log is not None:
            self._log.flush()
        return self.log_path.stat().st_size

    def events(self, since: int) -> list[dict[str, Any]]:
        """The service's JSON log events written after ``since``."""
        with self.log_path.open("rb") as log:
            log.seek(since)
            lines = log.read().splitlines()
        events = []
        for line in lines:
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))
        return events

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down and closes the core), then wait."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        if self._log is not None:
            self._log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def _database(use_postgres: bool, data_dir: Path) -> Any:
    """The audit store's URL: a fresh PostgreSQL database (dropped after), or SQLite."""
    if not use_postgres:
        yield f"sqlite+aiosqlite:///{data_dir / 'eligate.db'}"
        return
    name = f"eligate_bench_{secrets.token_hex(6)}"
    await _admin_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin_sql(sql: str) -> None:
    engine = create_async_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(sql))
    except (OSError, SQLAlchemyError) as error:
        raise SystemExit(f"PostgreSQL at 127.0.0.1:5432 failed: {type(error).__name__}") from None
    finally:
        await engine.dispose()


class Health:
    """Polls ``GET /v1/payers/{SICK}/health`` and notes when the breaker first opens."""

    def __init__(self, http: httpx.AsyncClient, run: Run) -> None:
        self._http = http
        self._run = run
        self.sent_before_open: int | None = None
        self.seconds_to_open: float | None = None
        self.last: dict[str, Any] = {}

    async def poll(self, *, sent_at_start: int, seconds: float) -> None:
        """Poll every 20 ms for ``seconds``."""
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            response = await self._http.get(f"/v1/payers/{SICK}/health")
            self.last = response.json()
            if self.sent_before_open is None and self.last.get("breaker") != "closed":
                self.sent_before_open = self._run.sent[SICK] - sent_at_start
                self.seconds_to_open = time.perf_counter() - started
            await asyncio.sleep(0.02)


async def _recover(service: Service, admin: str, healthy: dict[str, object], run: Run) -> str:
    """Make the sick payer healthy and drive its breaker back to closed (half-open probe)."""
    await behave(admin, SICK, healthy)
    async with service.client(4) as http:
        deadline = time.monotonic() + 20
        state = "?"
        member = 990_000
        while time.monotonic() < deadline:
            state = (await http.get(f"/v1/payers/{SICK}/health")).json()["breaker"]
            if state == "closed":
                break
            if state == "half_open":
                await _check(http, run, SICK, member)
                member += 1
            else:
                await asyncio.sleep(0.1)
        return state


async def _cache_phase(
    service: Service, run: Run, *, seconds: float, workers: int
) -> tuple[float, list[float], int]:
    """Closed-loop repeated checks of answered members; (checks/s, latencies, misses)."""
    async with service.client(workers) as http:
        fill = [(payer, 900_000 + n) for n in range(50) for payer in HEALTHY]
        for start in range(0, len(fill), 16):
            await asyncio.gather(*(_check(http, run, p, m) for p, m in fill[start : start + 16]))
        latencies: list[float] = []
        misses = [0]
        deadline = time.perf_counter() + seconds

        async def worker(w: int) -> None:
            i = 0
            while time.perf_counter() < deadline and len(latencies) < 200_000:
                payer, member = fill[(w * 7 + i) % len(fill)]
                sample = await _check(http, run, payer, member)
                if sample.origin == "cache":
                    latencies.append(sample.ms)
                else:
                    misses[0] += 1
                i += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(workers)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, sorted(latencies), misses[0]


def _sick_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    """From the service's log: failed sick-payer calls before its breaker opened, and more."""
    failed_before_open = 0
    opened: list[dict[str, Any]] = []
    others: collections.Counter[str] = collections.Counter()
    for event in events:
        name, payer = event.get("event"), event.get("payer_id")
        if payer != SICK:
            if name in {"eligibility.payer_call_failed", "eligibility.breaker_opened"}:
                others[f"{payer}:{name}:{event.get('kind', '')}"] += 1
            continue
        if name == "eligibility.payer_call_failed" and not opened:
            failed_before_open += 1
        if name == "eligibility.breaker_opened":
            opened.append(event)
    return {
        "failed_calls_before_open": failed_before_open if opened else None,
        "times_opened": len(opened),
        "failures_at_first_open": opened[0]["failures"] if opened else None,
        "healthy_payer_events": dict(others),
    }


def _members(payer: str, *, bases: dict[str, int], reuse: int | None) -> Callable[[int], int]:
    """Member numbers of a payer's checks: new ones, or every other one reused for the sick."""
    first = bases[payer]
    sick = payer == SICK

    def pick(i: int) -> int:
        if sick and reuse is not None and i % 2 == 0:
            return reuse + i // 2
        return first + i

    return pick


async def _phase(
    clients: dict[str, httpx.AsyncClient],
    run: Run,
    *,
    rate: float,
    seconds: float,
    bases: dict[str, int],
    reuse: int | None,
) -> list[Sample]:
    """Load every payer at once, each through its own client."""
    runs = [
        _drive(
            clients[p],
            run,
            p,
            rate=rate,
            seconds=seconds,
            members=_members(p, bases=bases, reuse=reuse),
        )
        for p in PAYERS
    ]
    return [s for samples in await asyncio.gather(*runs) for s in samples]


async def _rounds(
    service: Service,
    admin: str,
    run: Run,
    *,
    args: argparse.Namespace,
    redis: Redis | None,
    salt: bytes,
) -> dict[str, Any]:
    healthy = {"latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms}
    sick_behavior = {"latency_ms": args.sick_latency * 1000, "jitter_ms": 0, "error_rate": 0.3}
    seconds = args.seconds / args.rounds
    baseline: list[Sample] = []
    sick_run: list[Sample] = []
    per_round: list[dict[str, Any]] = []
    clients = {payer: service.client() for payer in PAYERS}
    try:
        for payer in PAYERS:  # one connection per payer, as steady traffic would have
            await _check(clients[payer], run, payer, 999_999)
        for r in range(args.rounds):
            base = {payer: 100_000 * (n + 1) + 10_000 * r for n, payer in enumerate(PAYERS)}
            for payer in PAYERS:
                await behave(admin, payer, healthy)

            samples = await _phase(
                clients, run, rate=args.rate, seconds=seconds, bases=base, reuse=None
            )
            baseline += samples
            base_p95 = _figures([s for s in samples if s.payer in HEALTHY])["p95_ms"]
            payer_side = (await clients[HEALTHY[0]].get(f"/v1/payers/{HEALTHY[0]}/health")).json()

            reused = sorted(
                m for p, m in run.members if p == SICK and base[SICK] <= m < base[SICK] + 5_000
            )
            expired = 0
            if redis is not None:  # as if these answers' 15 minutes had passed
                keys = [f"eligate:fresh:{_digest(SICK, m, salt)}" for m in reused]
                expired = int(await redis.delete(*keys)) if keys else 0
            await behave(admin, SICK, sick_behavior)
            offset = service.log_offset()
            health = Health(clients[SICK], run)
            poller = asyncio.create_task(
                health.poll(sent_at_start=run.sent[SICK], seconds=seconds + 2)
            )
            sick_base = {payer: start + 5_000 for payer, start in base.items()}
            samples = await _phase(
                clients, run, rate=args.rate, seconds=seconds, bases=sick_base, reuse=base[SICK]
            )
            await poller
            sick_run += samples
            events = _sick_events(service.events(offset))
            per_round.append(
                {
                    "baseline_p95_ms": base_p95,
                    "payer_side_p95_ms": payer_side.get("p95_ms"),
                    "sick_p95_ms": _figures([s for s in samples if s.payer in HEALTHY])["p95_ms"],
                    "checks_sent_before_open": health.sent_before_open,
                    "seconds_to_open": health.seconds_to_open,
                    "fresh_keys_expired": expired,
                    "health_at_end": health.last,
                    **events,
                    "breaker_after_recovery": await _recover(service, admin, healthy, run),
                }
            )
    finally:
        for client in clients.values():
            await client.aclose()
    return {"baseline": baseline, "sick": sick_run, "per_round": per_round}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Start the simulator and the service, run the phases, clean up; return the figures."""
    run = Run()
    salt = f"bench-salt-{secrets.token_hex(12)}".encode()
    key = secrets.token_urlsafe(24)
    key_name = f"bench-{secrets.token_hex(6)}"
    simulator, endpoints, admin = start_simulator()
    redis = Redis.from_url(REDIS) if args.redis else None
    try:
        if redis is not None:
            try:
                await redis.ping()
            except (OSError, ConnectionError) as error:
                raise SystemExit(f"Redis at 127.0.0.1:6379 is unreachable: {error}") from None
        with tempfile.TemporaryDirectory(prefix="eligate-bench-") as temp:
            folder = Path(temp)
            registry = simulator_registry(
                endpoints,
                timeout=Timeouts(connect=0.5, read=args.budget - 0.2, total=args.budget),
                breaker=BreakerPolicy(
                    failure_threshold=5, window_seconds=30, open_seconds=args.open_seconds
                ),
                retry=RetryPolicy(
                    attempts=2, backoff_base=0.05, backoff_max=0.2, failures=("connect", "http_5xx")
                ),
                pool_size=32,
            )
            write_registry(registry, folder / "payers")
            async with _database(args.postgres, folder) as database_url:
                env = {
                    "ELIGATE_ENVIRONMENT": "test",
                    "ELIGATE_HOST": "127.0.0.1",
                    "ELIGATE_DATA_DIR": str(folder),
                    "ELIGATE_DATABASE_URL": database_url,
                    "ELIGATE_PAYERS_DIR": str(folder / "payers"),
                    "ELIGATE_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
                    "ELIGATE_CACHE_SALT": salt.decode(),
                    "ELIGATE_API_KEYS": f"{key_name}:eligibility:{hash_api_key(key)}",
                    "ELIGATE_RATE_LIMIT_PER_MINUTE": "10000000",
                    "ELIGATE_RATE_LIMIT_BURST": "1000000",
                    "ELIGATE_LOG_LEVEL": "warning",
                }
                if redis is not None:
                    env["ELIGATE_REDIS_URL"] = REDIS
                else:
                    os.environ.pop("ELIGATE_REDIS_URL", None)
                service = Service(env, folder / "service.log", key)
                try:
                    await service.start()
                    phases = await _rounds(service, admin, run, args=args, redis=redis, salt=salt)
                    await behave(admin, SICK, {"latency_ms": args.latency_ms, "jitter_ms": 0})
                    rate, cached, misses = await _cache_phase(
                        service, run, seconds=args.cache_seconds, workers=args.workers
                    )
                finally:
                    service.stop()
    finally:
        simulator.send_signal(signal.SIGTERM)
        simulator.wait(timeout=30)
        removed = 0
        if redis is not None:
            removed = await _clean_redis(redis, run, salt, key_name)
            await redis.aclose()

    sick_samples = [s for s in phases["sick"] if s.payer == SICK]
    got = collections.Counter(f"{s.status}/{s.origin}/{s.reason or '-'}" for s in sick_samples)
    return {
        "settings": vars(args),
        "load_average_at_end": os.getloadavg(),
        "cpus": os.cpu_count(),
        "healthy_baseline": _figures([s for s in phases["baseline"] if s.payer in HEALTHY]),
        "healthy_with_sick_payer": _figures([s for s in phases["sick"] if s.payer in HEALTHY]),
        "per_round": phases["per_round"],
        "sick": {
            "checks": len(sick_samples),
            "callers_got": dict(got.most_common()),
            "caller_ms": _figures(sick_samples),
        },
        "cache": {
            "checks_per_second": rate,
            "p50_ms": percentile(cached, 50),
            "p99_ms": percentile(cached, 99),
            "checks": len(cached),
            "misses": misses,
        },
        "redis_keys_deleted": removed,
    }


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _clean_redis(redis: Redis, run: Run, salt: bytes, key_name: str) -> int:
    """Delete every key this run made: its cache entries (by digest) and its rate bucket."""
    keys = [f"eligate:rate:{key_name}"]
    for payer, member in run.members:
        digest = _digest(payer, member, salt)
        keys += [f"eligate:fresh:{digest}", f"eligate:stale:{digest}"]
    removed = 0
    for chunk in _chunks(keys, 500):
        removed += int(await redis.delete(*chunk))
    return removed


def _print(figures: dict[str, Any]) -> None:
    base, sick = figures["healthy_baseline"], figures["healthy_with_sick_payer"]
    s = figures["settings"]
    store = "PostgreSQL" if s["postgres"] else "SQLite"
    cache_name = "Redis" if s["redis"] else "in-process"
    print(
        f"service: eligate serve (own process), audit {store}, cache {cache_name}; load "
        f"{s['rate']:g} checks/s on each of 4 payers over HTTP, {s['seconds']:g} s per condition "
        f"in {s['rounds']} interleaved rounds; payer budget {s['budget']:g} s; sick payer: "
        f"30% HTTP 500, others after {s['sick_latency']:g} s"
    )
    print("\nhealthy payers (3)        checks   p50 ms   p95 ms   p99 ms   errors")
    for label, row in (("all healthy", base), ("one payer sick", sick)):
        print(
            f"  {label:<22} {row['checks']:>7.0f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f}"
            f" {row['p99_ms']:>8.1f} {row['errors']:>8.0f}"
            + (f"  {row['errors_by_reason']}" if row["errors"] else "")
        )
    change = (sick["p95_ms"] - base["p95_ms"]) / base["p95_ms"] * 100 if base["p95_ms"] else 0.0
    verdict = "met" if abs(change) <= 10 and sick["errors"] == 0 else "NOT met"
    print(f"  p95 change {change:+.1f}% (target within 10%, zero errors: {verdict})")
    rounds = figures["per_round"]
    print("  p95 per round, baseline: " + ", ".join(f"{r['baseline_p95_ms']:.1f}" for r in rounds))
    print("  p95 per round, sick    : " + ", ".join(f"{r['sick_p95_ms']:.1f}" for r in rounds))
    print(
        f"  the payer's own p95 ({HEALTHY[0]}, /health, calls in its 60 s window) after each "
        "baseline: "
        + ", ".join(f"{r['payer_side_p95_ms'] or 0:.1f}" for r in rounds)
        + " (the rest of a caller's p95 is the service, queueing included)"
    )
    others = collections.Counter[str]()
    for r in rounds:
        others.update(r["healthy_payer_events"])
    print(f"  failed calls / breakers opened on healthy payers: {dict(others) or 'none'}")

    sick_figures = figures["sick"]
    print(f"\nsick payer {SICK}: {sick_figures['checks']} checks")
    print(
        "  per round, failures counted when its breaker opened: "
        + ", ".join(str(r["failures_at_first_open"]) for r in rounds)
        + "; failed payer calls logged before the open event: "
        + ", ".join(str(r["failed_calls_before_open"]) for r in rounds)
        + "; checks callers had sent by then (health polled every 20 ms): "
        + ", ".join(str(r["checks_sent_before_open"]) for r in rounds)
        + "; seconds: "
        + ", ".join(f"{r['seconds_to_open']:.2f}" if r["seconds_to_open"] else "-" for r in rounds)
    )
    print(
        "  breaker opened (threshold 5 failures in 30 s) "
        + ", ".join(str(r["times_opened"]) for r in rounds)
        + " time(s) per round, re-opens after failed half-open probes included; after recovery: "
        + ", ".join(r["breaker_after_recovery"] for r in rounds)
    )
    last = rounds[-1]["health_at_end"]
    print(
        f"  last /health in the sick phase: breaker {last.get('breaker')}, "
        f"calls {last.get('calls')}, error rate {last.get('error_rate', 0):.2f}, "
        f"cache hit rate {last.get('cache_hit_rate', 0):.2f}"
    )
    if figures["settings"]["redis"]:
        expired = sum(r["fresh_keys_expired"] for r in rounds)
        print(f"  fresh cache keys of reused members deleted (TTL lapse simulated): {expired}")
    caller = sick_figures["caller_ms"]
    print(
        f"  callers waited p50 {caller['p50_ms']:.1f} ms, p95 {caller['p95_ms']:.1f} ms, "
        f"p99 {caller['p99_ms']:.1f} ms; they got (status/origin/reason):"
    )
    for what, count in sick_figures["callers_got"].items():
        print(f"    {count:>6}  {what}")
    cache = figures["cache"]
    print(
        f"\ncache over HTTP: {cache['checks_per_second']:.0f} checks/s served from cache "
        f"(p50 {cache['p50_ms']:.2f} ms, p99 {cache['p99_ms']:.2f} ms, {cache['checks']} checks, "
        f"{cache['misses']} misses), {s['workers']} callers in a closed loop"
    )
    if figures["settings"]["redis"]:
        print(f"redis keys deleted at the end: {figures['redis_keys_deleted']}")
    load = ", ".join(f"{v:.2f}" for v in figures["load_average_at_end"])
    print(f"machine: {figures['cpus']} CPUs, load average {load} (other work shares them)")


def _arguments() -> argparse.Namespace:
    parser = scenario_arguments(
        __doc__.splitlines()[0],
        rate=10.0,
        rate_help="checks/s per payer (20: near the ceiling)",
    )
    parser.add_argument("--postgres", action="store_true", help="audit store in local PostgreSQL")
    parser.add_argument("--redis", action="store_true", help="result cache in local Redis")
    return parser.parse_args()


if __name__ == "__main__":
    run_benchmark(main, _print, _arguments())
