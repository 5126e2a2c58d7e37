"""Payer isolation under load: one sick payer among four, against the payer simulator.

Runs the eligibility core in this process against ``eligate simulate-payers`` in a
child process (so the payers' CPU is not the core's), in three phases:

1. baseline: four healthy payers, steady open-loop load on each (distinct members,
   so every check goes to the payer);
2. sick: the same load, while one payer answers 30% of calls with HTTP 500 and the
   rest after 11 seconds; its earlier answers are in the cache, an hour old, so
   the fallback policy can serve some of its callers;
3. cache: repeated checks of members already answered, as fast as the core serves
   them from the cache.

Prints, for the healthy payers, p50/p95/p99 and errors in both runs; for the sick
payer, how many calls it took to open its breaker and what callers got; and the
cache-hit rate of service and its p99. Run with ``make bench-isolation``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import logging
import os
import signal
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import stamina
import structlog
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
from pydantic import TypeAdapter

from eligate.eligibility import (
    AuditRecord,
    CachedAnswer,
    CacheKey,
    Core,
    EligibilityRequest,
    Submitter,
    VerifyReport,
)
from eligate.guards import percentile
from eligate.normalizer import EligibilityResult
from eligate.payers import BreakerPolicy, RetryPolicy, Timeouts
from eligate.simulator import simulator_registry
from eligate.x12 import InquiryPerson

_SALT = b"bench-isolation-salt-0123456789"
_RESULTS = TypeAdapter(list[EligibilityResult])
_KEPT_EVENTS = frozenset({"eligibility.breaker_opened", "eligibility.payer_call_failed"})


class Wall:
    """Wall-clock time that the benchmark can move forward (to age cached answers)."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        """Now, moved forward by ``shift``."""
        return datetime.now(UTC) + self.shift


class BenchCache:
    """An in-process ResultCache keeping serialized answers, as Redis would.

    Bytes are not tracked by the garbage collector; model objects are. Keeping
    thousands of answers as objects makes each full collection walk them all
    (pauses of ~200 ms were measured), stalling every payer's callers at once.
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._entries: dict[str, tuple[bytes, datetime, datetime]] = {}

    async def get(self, key: CacheKey) -> CachedAnswer | None:
        """The entry if still fresh."""
        entry = self._entries.get(key.digest(salt=_SALT))
        return _load(entry[0], entry[1]) if entry and entry[2] > self._now() else None

    async def put(self, key: CacheKey, answer: CachedAnswer, *, ttl: timedelta) -> None:
        """Keep for ``ttl``."""
        if ttl > timedelta(0):
            data = _RESULTS.dump_json(list(answer.results))
            self._entries[key.digest(salt=_SALT)] = (data, answer.answered_at, self._now() + ttl)

    async def get_stale(self, key: CacheKey) -> CachedAnswer | None:
        """The entry even if expired."""
        entry = self._entries.get(key.digest(salt=_SALT))
        return _load(entry[0], entry[1]) if entry else None

    async def ping(self) -> bool:
        """Always answers."""
        return True

    async def close(self) -> None:
        """Nothing to release."""


def _load(data: bytes, answered_at: datetime) -> CachedAnswer:
    return CachedAnswer(results=tuple(_RESULTS.validate_json(data)), answered_at=answered_at)


class CountingAudit:
    """An AuditStore that counts records by source."""

    def __init__(self) -> None:
        self.by_source: collections.Counter[str] = collections.Counter()

    async def record(self, record: AuditRecord) -> None:
        """Count."""
        self.by_source[record.source] += 1

    async def verify(self) -> VerifyReport:
        """Nothing to verify."""
        return VerifyReport(ok=True, events=sum(self.by_source.values()), first_bad_event=None)

    async def ping(self) -> bool:
        """Always answers."""
        return True

    async def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True, slots=True)
class Answer:
    """What a caller got, without the results."""

    status: str
    origin: str
    reason: str | None


@dataclass(slots=True)
class Sample:
    """One check as a caller saw it."""

    payer: str
    ms: float
    outcome: Answer


@dataclass(slots=True)
class EventLog:
    """Structured events of the core, kept in memory (no output during the run)."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self, _logger: object, _method: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """Keep the events the figures need (not every check's) and drop all from output."""
        if event.get("event") in _KEPT_EVENTS:
            self.events.append(dict(event))
        raise structlog.DropEvent


class GcPauses:
    """Garbage-collector pauses of this process (a full collection stalls every payer)."""

    def __init__(self) -> None:
        self.pauses_ms: list[tuple[int, float]] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        """``gc.callbacks`` hook."""
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses_ms.append(
                (info["generation"], (time.perf_counter() - self._started) * 1000)
            )

    def summary(self) -> dict[str, Any]:
        """Count and longest pause of full (generation 2) collections."""
        full = [ms for generation, ms in self.pauses_ms if generation == 2]
        return {
            "full_collections": len(full),
            "longest_full_ms": max(full, default=0.0),
            "full_ms": [round(ms, 1) for ms in full],
        }


def _request(payer: str, member: int, correlation: str) -> EligibilityRequest:
    return EligibilityRequest(
        payer_id=payer,
        subscriber=InquiryPerson(
            member_id=f"SYN{member:06d}",
            last_name="TESTPATIENT",
            first_name="SAMPLE",
            birth_date=date(1980, 1, 1),
            gender_code="F",
        ),
        date_of_service=date.today(),
        correlation_id=correlation,
    )


async def _timed(core: Core, request: EligibilityRequest) -> Sample:
    started = time.perf_counter()
    outcome = await core.check(request)
    ms = (time.perf_counter() - started) * 1000
    # Keep only what the figures need: thousands of kept results would slow the collector.
    return Sample(request.payer_id, ms, Answer(outcome.status, outcome.origin, outcome.reason))


async def _drive(
    core: Core, payer: str, *, rate: float, seconds: float, members: Callable[[int], int]
) -> list[Sample]:
    """Open-loop load: ``rate`` checks a second for ``seconds``, whatever the answers take."""
    loop = asyncio.get_running_loop()
    count = int(rate * seconds)
    start = loop.time()
    tasks = []
    for i in range(count):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        request = _request(payer, members(i), f"bench-{payer}-{i}")
        tasks.append(asyncio.create_task(_timed(core, request)))
    return list(await asyncio.gather(*tasks))


def _figures(samples: list[Sample]) -> dict[str, Any]:
    failures = collections.Counter(
        s.outcome.reason or s.outcome.origin
        for s in samples
        if (s.outcome.status, s.outcome.origin) != ("verified", "payer")
    )
    return latency_figures([s.ms for s in samples], failures)


async def _phase(
    core: Core, *, rate: float, seconds: float, base: dict[str, int], sick_reuse: int | None
) -> list[Sample]:
    """Load every payer at once; members are new per phase, except the sick payer's reuse."""

    def members(payer: str) -> Callable[[int], int]:
        def pick(i: int) -> int:
            if payer == SICK and sick_reuse is not None and i % 2 == 0:
                return sick_reuse + i // 2  # answered in the baseline: a fallback candidate
            return base[payer] + i

        return pick

    runs = [
        _drive(core, payer, rate=rate, seconds=seconds, members=members(payer)) for payer in PAYERS
    ]
    return [sample for run in await asyncio.gather(*runs) for sample in run]


async def _cache_phase(core: Core, *, seconds: float, workers: int) -> tuple[float, list[float]]:
    """Closed-loop repeated checks of members the cache holds; (checks/s, latencies)."""
    latencies: list[float] = []
    misses = [0]
    deadline = time.perf_counter() + seconds
    limit = 200_000

    async def worker(w: int) -> None:
        i = 0
        while time.perf_counter() < deadline and len(latencies) < limit:
            payer = HEALTHY[(w + i) % len(HEALTHY)]
            sample = await _timed(core, _request(payer, 900_000 + (i % 50), f"cache-{w}-{i}"))
            if sample.outcome.origin == "cache":
                latencies.append(sample.ms)
            else:
                misses[0] += 1
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(workers)))
    if misses[0]:
        print(f"warning: {misses[0]} checks in the cache phase were not cache hits")
    return len(latencies) / (time.perf_counter() - started), sorted(latencies)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Run the phases (baseline and sick interleaved, in rounds) and return the figures."""
    stamina.set_active(True)
    log = EventLog()
    structlog.configure(
        processors=[log],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )
    process, endpoints, admin = start_simulator()
    # What a long-running service does after start-up: the ~50k objects of imported
    # modules leave the collector's sight, so full collections stay short.
    gc.collect()
    gc.freeze()
    pauses = GcPauses()
    gc.callbacks.append(pauses)
    wall = Wall()
    cache = BenchCache(wall)  # shared by every core, as replicas share Redis
    audit = CountingAudit()
    healthy_behavior = {"latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms}
    sick_behavior = {"latency_ms": args.sick_latency * 1000, "jitter_ms": 0, "error_rate": 0.3}
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

    def new_core() -> Core:
        return Core(
            registry=registry,
            cache=cache,
            audit=audit,
            salt=_SALT,
            submitter=Submitter(
                sender_id="ELIGATE", provider_npi="1999999984", provider_name="SAMPLE CLINIC"
            ),
            now=wall,
        )

    async def warm(core: Core, payers: tuple[str, ...]) -> None:
        for payer in payers:  # one connection per payer, as steady traffic would have
            await core.check(_request(payer, 999_999, "warm"))

    seconds = args.seconds / args.rounds
    baseline: list[Sample] = []
    sick_run: list[Sample] = []
    openings: list[dict[str, Any]] = []
    healthy_failures: collections.Counter[str] = collections.Counter()
    other_breakers = 0
    calls_sent = 0
    round_p95: dict[str, list[float]] = {"baseline": [], "sick": []}
    try:
        for r in range(args.rounds):
            base = {payer: 100_000 * (n + 1) + 10_000 * r for n, payer in enumerate(PAYERS)}
            for payer in PAYERS:
                await behave(admin, payer, healthy_behavior)
            core = new_core()
            await warm(core, PAYERS)
            run = await _phase(core, rate=args.rate, seconds=seconds, base=base, sick_reuse=None)
            baseline += run
            round_p95["baseline"].append(_figures([x for x in run if x.payer in HEALTHY])["p95_ms"])
            await core.close()

            wall.shift += timedelta(hours=1)  # the baseline's answers are past their TTL now
            await behave(admin, SICK, sick_behavior)
            core = new_core()
            await warm(core, HEALTHY)
            log.events.clear()
            sick_base = {payer: start + 5_000 for payer, start in base.items()}
            run = await _phase(
                core, rate=args.rate, seconds=seconds, base=sick_base, sick_reuse=base[SICK]
            )
            sick_run += run
            round_p95["sick"].append(_figures([x for x in run if x.payer in HEALTHY])["p95_ms"])
            calls_sent += core.lane(SICK).attempts_made
            for event in log.events:
                if event["event"] == "eligibility.breaker_opened":
                    if event["payer_id"] == SICK:
                        openings.append(event)
                    else:
                        other_breakers += 1
                if event["event"] == "eligibility.payer_call_failed" and event["payer_id"] != SICK:
                    healthy_failures[f"{event['payer_id']}:{event['kind']}"] += 1
            await core.close()

        await behave(admin, SICK, healthy_behavior)
        core = new_core()
        for n in range(50):  # fill the cache with 50 members on each healthy payer
            for payer in HEALTHY:
                await core.check(_request(payer, 900_000 + n, "fill"))
        rate, cached = await _cache_phase(core, seconds=args.cache_seconds, workers=args.workers)
        await core.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    sick_samples = [s for s in sick_run if s.payer == SICK]
    got = collections.Counter(
        f"{s.outcome.status}/{s.outcome.origin}/{s.outcome.reason or '-'}" for s in sick_samples
    )
    first_openings = [e["attempts_made"] for e in openings if e["previous"] == "closed"]
    return {
        "settings": vars(args),
        "load_average_at_end": os.getloadavg(),
        "gc": pauses.summary(),
        "cpus": os.cpu_count(),
        "healthy_baseline": _figures([s for s in baseline if s.payer in HEALTHY]),
        "healthy_with_sick_payer": _figures([s for s in sick_run if s.payer in HEALTHY]),
        "healthy_p95_ms_per_round": round_p95,
        "other_breakers_opened": other_breakers,
        "healthy_call_failures": dict(healthy_failures),
        "sick": {
            "checks": len(sick_samples),
            "calls_to_open_breaker_per_round": first_openings,
            "times_opened": len(openings),
            "calls_sent": calls_sent,
            "callers_got": dict(got.most_common()),
            "caller_ms": _figures(sick_samples),
        },
        "cache": {
            "checks_per_second": rate,
            "p50_ms": percentile(cached, 50),
            "p99_ms": percentile(cached, 99),
            "checks": len(cached),
        },
        "audit_by_source": dict(audit.by_source),
    }


def _print(figures: dict[str, Any]) -> None:
    base, sick = figures["healthy_baseline"], figures["healthy_with_sick_payer"]
    s = figures["settings"]
    print(
        f"load: {s['rate']:g} checks/s on each of 4 payers, {s['seconds']:g} s per condition in "
        f"{s['rounds']} interleaved rounds; "
        f"payer budget {s['budget']:g} s; sick payer: 30% HTTP 500, others after "
        f"{s['sick_latency']:g} s"
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
    rounds = figures["healthy_p95_ms_per_round"]
    for label in ("baseline", "sick"):
        print(f"  p95 per round, {label:<8}: " + ", ".join(f"{v:.1f}" for v in rounds[label]))
    print(
        f"  breakers opened on healthy payers: {figures['other_breakers_opened']}; "
        f"call failures: {figures['healthy_call_failures'] or 'none'}"
    )
    sick_figures = figures["sick"]
    print(f"\nsick payer {SICK}: {sick_figures['checks']} checks")
    print(
        "  breaker opened after "
        f"{', '.join(map(str, sick_figures['calls_to_open_breaker_per_round']))} calls to the "
        "payer, counting calls still under way then (one figure per run, a fresh core each; "
        "threshold 5 failures in 30 s)"
    )
    print(
        f"  opened {sick_figures['times_opened']} time(s) in all, re-opens after failed "
        f"half-open probes included; {sick_figures['calls_sent']} calls reached the payer for "
        f"{sick_figures['checks']} checks"
    )
    caller = sick_figures["caller_ms"]
    print(
        f"  callers waited p50 {caller['p50_ms']:.1f} ms, p95 {caller['p95_ms']:.1f} ms, "
        f"p99 {caller['p99_ms']:.1f} ms; they got (status/origin/reason):"
    )
    for what, count in sick_figures["callers_got"].items():
        print(f"    {count:>6}  {what}")
    cache = figures["cache"]
    print(
        f"\ncache: {cache['checks_per_second']:.0f} checks/s served from cache "
        f"(p50 {cache['p50_ms']:.2f} ms, p99 {cache['p99_ms']:.2f} ms, {cache['checks']} checks)"
    )
    print(f"audit records by source: {figures['audit_by_source']}")
    load = ", ".join(f"{v:.2f}" for v in figures["load_average_at_end"])
    print(f"machine: {figures['cpus']} CPUs, load average {load} (other work shares them)")
    gc_figures = figures["gc"]
    print(
        f"full garbage collections: {gc_figures['full_collections']}, longest "
        f"{gc_figures['longest_full_ms']:.1f} ms (all: {gc_figures['full_ms']})"
    )


def _arguments() -> argparse.Namespace:
    parser = scenario_arguments(__doc__.splitlines()[0], rate=20.0, rate_help="checks/s per payer")
    return parser.parse_args()


if __name__ == "__main__":
    run_benchmark(main, _print, _arguments())
