"""Chaos runs: the eligibility core under steady load while its stores and payers fail.

Bounded and loopback only. Starts its own PostgreSQL (``initdb`` in a temp dir) and
Redis on spare ports, the payer simulator in this process, and the real core
(``Core`` + ``DurableAuditStore`` on PostgreSQL + ``RedisCache``), as ``eligate
serve`` composes them. Each run sends steady open-loop load to three healthy
payers (distinct members: every check reaches the payer, the cache and the
audit store) and injects one fault for ``--fault-s`` seconds:

``none`` (the baseline), ``store_down`` (PostgreSQL killed), ``store_frozen``
(SIGSTOP), ``redis_down``, ``redis_frozen``, ``payer_garbage`` (a fourth payer
answers a 270 where a 271 belongs, under the same load), ``restart_mid_outage``
(PostgreSQL killed, the core closed and built again on the same spool while it is
down).

Per run it prints: checks answered, errors raised out of the core (what the
service would answer 5xx), audit records lost (answered checks whose correlation
ID is not in the chain once the spool is drained), the healthy payers' p95 beside
the baseline's, and the time from the end of the fault until the spool is empty.
This measures the core in process, not the HTTP layer. ``make chaos``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.own_servers import OwnPostgres, OwnRedis, spare_port

from eligate.eligibility import (
    SPOOL_FILE,
    AuditSpool,
    Core,
    DurableAuditStore,
    EligibilityRequest,
    KeyRing,
    RedisCache,
    SqlAuditStore,
    Submitter,
)
from eligate.guards import percentile
from eligate.simulator import Behavior, simulator_registry, start_simulator
from eligate.x12 import InquiryPerson

RUNS = (
    "none", "store_down", "store_frozen", "redis_down", "redis_frozen",
    "payer_garbage", "restart_mid_outage",
)  # fmt: skip
HEALTHY = ("synaetna", "synblue", "syncigna")
GARBAGE = "garbage"
KEYS = KeyRing.parse("chaos:" + "Q" * 43)
SALT = b"chaos-bench-salt-0123456789abcdef"
SUBMITTER = Submitter(sender_id="ELIGATE", provider_npi="1999999984", provider_name="SAMPLE")
_NOT_271 = (
    b"ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501"
    b"*000000001*0*P*:~GS*HS*A*B*20260101*1200*1*X*005010X279A1~ST*270*0001*005010X279A1~"
    b"BHT*0022*13*X*20260101*1200~SE*3*0001~GE*1*1~IEA*1*000000001~"
)


@dataclass
class Tally:
    """What one run saw."""

    answered: list[str] = field(default_factory=list)
    errors: int = 0
    healthy_ms: list[float] = field(default_factory=list)


@dataclass
class Holder:
    """The core the load goes to (replaced on a restart)."""

    core: Core
    audit: DurableAuditStore


async def _build(
    database: str, schema: str, redis: str, data: Path, endpoints: dict[str, str]
) -> Holder:
    chain = SqlAuditStore.from_url(
        database, keys=KEYS, schema=schema, connect_timeout_s=1.0, command_timeout_s=2.0
    )
    spool = AuditSpool(data / SPOOL_FILE, keys=KEYS)
    try:
        await chain.migrate()
        migrated = True
    except Exception:
        migrated = False
    audit = DurableAuditStore(chain, spool, migrated=migrated, retry_every_s=0.2)
    audit.start()
    registry = simulator_registry({**endpoints, GARBAGE: "http://garbage.test/270"})
    core = Core(
        registry=registry, cache=RedisCache.from_url(redis, salt=SALT, keys=KEYS),
        audit=audit, salt=SALT, submitter=SUBMITTER,
        transports={GARBAGE: httpx.MockTransport(lambda _: httpx.Response(200, content=_NOT_271))},
    )  # fmt: skip
    return Holder(core, audit)


def _request(payer: str, number: int, correlation: str) -> EligibilityRequest:
    return EligibilityRequest(
        payer_id=payer,
        subscriber=InquiryPerson(
            member_id=f"SYN{number:09d}", last_name="TESTPATIENT", first_name="ALEX",
            birth_date=date(1980, 1, 1), gender_code="F",
        ),
        date_of_service=date(2026, 12, 1),
        correlation_id=correlation,
    )  # fmt: skip


async def _load(
    holder: Holder, tally: Tally, *, rate: float, seconds: float, garbage: bool, run: str
) -> None:
    counter = itertools.count(1)
    tasks: list[asyncio.Task[None]] = []
    payers = (*HEALTHY, GARBAGE) if garbage else HEALTHY

    async def one(payer: str) -> None:
        number = next(counter)
        correlation = f"chaos-{run}-{number}"
        started = time.perf_counter()
        try:
            await holder.core.check(_request(payer, number, correlation))
        except Exception:
            tally.errors += 1
            return
        tally.answered.append(correlation)
        if payer in HEALTHY:
            tally.healthy_ms.append((time.perf_counter() - started) * 1000)

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for payer in payers:
            tasks.append(asyncio.ensure_future(one(payer)))
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)


async def _found(database: str, schema: str, correlations: list[str]) -> int:
    engine = create_async_engine(
        database, connect_args={"server_settings": {"search_path": schema}}
    )
    table = sa.table("audit_transactions", sa.column("correlation_id"))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.select(sa.func.count(sa.distinct(table.c.correlation_id)))
            )
            return int(rows.scalar_one())
    finally:
        await engine.dispose()


async def _run(
    name: str, pg: OwnPostgres, redis: OwnRedis, endpoints: dict[str, str], args: argparse.Namespace
) -> dict[str, object]:
    schema = f"chaos_{name}"
    data = Path(tempfile.mkdtemp(prefix="eligate-chaos-"))
    holder = await _build(pg.url(), schema, redis.url(), data, endpoints)
    tally = Tally()
    load = asyncio.ensure_future(_load(
        holder, tally, rate=args.rate, seconds=args.before_s + args.fault_s + args.after_s,
        garbage=name == "payer_garbage", run=name,
    ))  # fmt: skip
    await asyncio.sleep(args.before_s)
    if name in ("store_down", "restart_mid_outage"):
        pg.stop()
    elif name == "store_frozen":
        pg.freeze()
    elif name == "redis_down":
        redis.stop()
    elif name == "redis_frozen":
        redis.freeze()
    if name == "restart_mid_outage":
        await asyncio.sleep(args.fault_s / 2)
        old = holder.core
        fresh = await _build(pg.url(), schema, redis.url(), data, endpoints)
        holder.core, holder.audit = fresh.core, fresh.audit
        await asyncio.sleep(0.5)
        await old.close()
        await asyncio.sleep(args.fault_s / 2 - 0.5)
    else:
        await asyncio.sleep(args.fault_s)
    if name in ("store_down", "restart_mid_outage"):
        pg.start()
    elif name == "store_frozen":
        pg.thaw()
    elif name == "redis_down":
        redis.start()
    elif name == "redis_frozen":
        redis.thaw()
    fault_over = time.monotonic()
    recovered: float | None = None
    for _ in range(600):  # the spool drains while the load goes on
        if holder.audit.spool.depth == 0:
            recovered = time.monotonic() - fault_over
            break
        await asyncio.sleep(0.05)
    await load
    await holder.core.close()
    found = await _found(pg.url(), schema, tally.answered)
    shutil.rmtree(data, ignore_errors=True)
    ordered = sorted(tally.healthy_ms)
    return {
        "run": name, "answered": len(tally.answered), "errors_5xx": tally.errors,
        "audit_lost": len(tally.answered) - found,
        "healthy_p95_ms": round(percentile(ordered, 95) or 0.0, 1),
        "recovered_s": None if recovered is None else round(recovered, 1),
    }  # fmt: skip


async def _main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="eligate-chaos-pg-"))
    pg = OwnPostgres(folder)
    redis = OwnRedis(spare_port())
    pg.start()
    redis.start()
    simulator = await start_simulator(
        HEALTHY, behaviors={p: Behavior(latency_ms=20, jitter_ms=10) for p in HEALTHY}
    )
    try:
        endpoints = {p: simulator.endpoints[p] for p in HEALTHY}
        await _run("warm_up", pg, redis, endpoints, argparse.Namespace(
            rate=args.rate, before_s=1.0, fault_s=0.0, after_s=0.0))  # fmt: skip
        results = []
        for name in args.runs:
            result = await _run(name, pg, redis, endpoints, args)
            results.append(result)
            print(_line(result, results[0]), flush=True)
    finally:
        await simulator.stop()
        with contextlib.suppress(Exception):
            pg.stop()
        with contextlib.suppress(Exception):
            redis.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _line(result: dict[str, object], baseline: dict[str, object]) -> str:
    base = float(str(baseline["healthy_p95_ms"])) or 1.0
    p95 = float(str(result["healthy_p95_ms"]))
    return (
        f"{result['run']:<20} answered {result['answered']:>5}  5xx {result['errors_5xx']:>3}  "
        f"audit lost {result['audit_lost']:>3}  healthy p95 {p95:>7.1f} ms "
        f"({p95 / base - 1:+.0%} vs no fault)  spool drained {result['recovered_s']} s after"
    )


def main() -> None:
    """Parse the arguments and run the chaos runs in order."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=RUNS)
    parser.add_argument("--rate", type=float, default=5.0, help="checks/s per healthy payer")
    parser.add_argument("--before-s", type=float, default=3.0)
    parser.add_argument("--fault-s", type=float, default=6.0)
    parser.add_argument("--after-s", type=float, default=4.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    asyncio.run(_main(args))


if __name__ == "__main__":
    main()
