"""The night run on the distributed queue: throughput, pacing, crashes and resubmission.

Real parts only: ``eligate worker`` subprocesses on the taskiq Redis stream
broker, the local PostgreSQL (a database made for the run and dropped) and Redis
(db ``BENCH_REDIS_DB``, default 11; its ``eligate:*`` keys and the streams are
deleted at the end), and the loopback payer simulator in this process, which
counts what each payer saw. Four payers; ``synunited`` is slow (150-200 ms) and
fails 30% of calls with HTTP 500.

1. Throughput: ``--items`` appointments with pacing high enough that payers are
   not the limit, with 1, 2 and 4 workers (``--workers``): wall time, items/s and
   the workers' CPU per item (process CPU of every worker, minus the CPU of
   starting an idle worker, over the items). Beside it a baseline in the same
   run: the same core answering the same kind of items in one process with no
   queue and no store (``Core.check`` in a loop).
2. Paced: ``--paced-items`` at ``--rate`` per second per payer with 4 workers;
   per payer the most requests the simulator saw in any one-second window.
3. The same paced run with a worker SIGKILLed every ``--kill-every`` seconds (and
   a new one started): every item final, duplicate 270s per question counted at
   the simulator (answers to one question more than once), audit records
   missing for items the payer answered; then the same file submitted again.

Run with ``make bench-batch`` (``ARGS="--items 20000"`` for a smaller run).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import csv
import json
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from eligate.batch import (
    BatchPolicy,
    BatchStore,
    Kicker,
    QueueConfig,
    all_final,
    make_broker,
    report,
    submit,
)
from eligate.batch._queue import Handlers
from eligate.eligibility import (
    Core,
    EligibilityRequest,
    KeyRing,
    MemoryCache,
    SqlAuditStore,
    Submitter,
)
from eligate.payers import BreakerPolicy, Pacing, RetryPolicy, Timeouts, write_registry
from eligate.simulator import Behavior, Simulator, simulator_registry, start_simulator
from eligate.x12 import InquiryPerson

POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1/postgres")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "11"))
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
PAYERS = ("synaetna", "synblue", "syncigna", "synunited")
SICK = "synunited"
KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
"""A key of this run's own (workers get it by environment): no key is written in the source."""
ROOT = Path(__file__).resolve().parent.parent
ELIGATE = str(ROOT / ".venv" / "bin" / "eligate")
COLUMNS = ("appointment_id", "appointment_at", "payer_id", "member_id", "last_name",
           "first_name", "birth_date", "service_type_codes")  # fmt: skip


def write_file(path: Path, count: int, *, offset: int, day: int) -> None:
    """``count`` synthetic appointments, one distinct member per row, spread over the payers."""
    rng = random.Random(offset)  # noqa: S311 - synthetic data, not security
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(count):
            member = f"SYN{(offset + i) % 1_000_000:06d}"
            writer.writerow((
                f"APT-{offset + i:07d}", f"2027-07-{day:02d}T{8 + i % 9:02d}:00:00-04:00",
                PAYERS[i % 4], member, "TESTPATIENT", rng.choice(("ALEX", "SAM", "RILEY")),
                "1980-01-01", "30",
            ))  # fmt: skip


class Bench:
    """One benchmark session: its database, Redis db, simulator and worker processes."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="eligate-bench-batch-"))
        self.database = f"eligate_bench_batch_{uuid.uuid4().hex[:8]}"
        self.url = POSTGRES.rpartition("/")[0] + "/" + self.database
        self.workers: list[subprocess.Popen[bytes]] = []
        self.simulator: Simulator | None = None
        self.streams: list[str] = []
        self.files = 0
        self.salt = f"bench-salt-{uuid.uuid4().hex}"

    async def setup(self) -> None:
        """The database, the simulator (one payer sick), the schema."""
        await self._admin(f'CREATE DATABASE "{self.database}"')
        self.simulator = await start_simulator(
            PAYERS,
            behaviors={SICK: Behavior(latency_ms=150, jitter_ms=50, error_rate=0.3)},
        )
        self.simulator.keep_answers()
        store = SqlAuditStore.from_url(self.url)
        await store.migrate()
        await store.close()

    async def teardown(self) -> None:
        """Stop workers and the simulator; drop the database and the Redis keys."""
        self.stop_workers()
        if self.simulator is not None:
            await self.simulator.stop()
        redis: Redis = Redis.from_url(REDIS_URL)
        keys = [key async for key in redis.scan_iter(match="eligate:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
        await self._admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    async def _admin(self, sql: str) -> None:
        engine = create_async_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(sql))
        await engine.dispose()

    def registry(self, *, rate: float, burst: int) -> Path:
        """Payer files pointing at the simulator with this pacing; their folder."""
        assert self.simulator is not None
        folder = self.tmp / f"payers-{rate:g}-{burst}"
        write_registry(
            self.simulator.registry(
                pacing=Pacing(rate_per_second=rate, burst=burst),
                # 30% failures would hold the breaker open for the whole run; the
                # breaker is measured elsewhere (bench-isolation).
                breaker=BreakerPolicy(failure_threshold=1000, window_seconds=10, open_seconds=5),
                retry=RetryPolicy(
                    attempts=2, backoff_base=0.05, backoff_max=0.2, failures=("connect", "http_5xx")
                ),
                timeout=Timeouts(connect=1.0, read=4.0, total=5.0),
            ),
            folder,
        )
        return folder

    def env(self, payers: Path, stream: str) -> dict[str, str]:
        """A worker's settings."""
        return {
            **os.environ,
            "ELIGATE_ENVIRONMENT": "development",
            "ELIGATE_DATABASE_URL": self.url,
            "ELIGATE_ENCRYPTION_KEY": KEY,
            "ELIGATE_REDIS_URL": REDIS_URL,
            "ELIGATE_PAYERS_DIR": str(payers),
            "ELIGATE_BATCH_STREAM": stream,
            "ELIGATE_BATCH_CLAIM_IDLE_SECONDS": "15",
            "ELIGATE_BATCH_LEASE_SECONDS": "60",
            "ELIGATE_BATCH_TICK_SECONDS": "2",
            "ELIGATE_BATCH_RETRY_DELAYS": "1,2,4,8",
            "ELIGATE_BATCH_WORKER_TASKS": str(self.args.tasks),
            "ELIGATE_LOG_LEVEL": "error",
            # A salt per session: answers cached by an earlier session are other keys.
            "ELIGATE_CACHE_SALT": self.salt,
        }

    def start_worker(self, env: dict[str, str]) -> subprocess.Popen[bytes]:
        """One ``eligate worker`` process."""
        process = subprocess.Popen(  # noqa: S603 - our own entry point, fixed arguments
            [ELIGATE, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.workers.append(process)
        return process

    def stop_workers(self) -> None:
        """SIGTERM every live worker and reap all of them."""
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.workers = []

    async def idle_worker_cpu(self, payers: Path) -> float:
        """CPU seconds one worker spends starting and stopping with nothing to do."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.start_worker(self.env(payers, f"eligate:bench:idle:{uuid.uuid4().hex[:6]}"))
        await asyncio.sleep(6)
        self.stop_workers()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    async def run(
        self, *, items: int, workers: int, payers: Path, kill_every: float | None = None
    ) -> dict[str, Any]:
        """Submit one file of ``items`` to ``workers`` workers and wait for every item."""
        assert self.simulator is not None
        self.files += 1
        path = self.tmp / f"appointments-{self.files}.csv"
        write_file(path, items, offset=self.files * 200_000, day=self.files)
        stream = f"eligate:bench:{uuid.uuid4().hex[:8]}"
        env = self.env(payers, stream)
        for payer in self.simulator.payers.values():
            assert payer.arrivals is not None
            assert payer.answers is not None
            payer.arrivals.clear()
            payer.answers.clear()
        keys = KeyRing.parse(KEY)
        audit = SqlAuditStore.from_url(self.url, keys=keys)
        store = BatchStore(audit.engine, keys=keys)
        config = QueueConfig(redis_url=REDIS_URL, stream=stream, chunk_size=25)
        broker = make_broker(config, Handlers())
        await broker.startup()
        kicker = Kicker(broker, chunk_size=25)
        policy = BatchPolicy(tick_seconds=2.0)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = [self.start_worker(env) for _ in range(workers)]
        await asyncio.sleep(3)  # workers import and join the group
        t0 = time.perf_counter()
        submitted = await submit(
            path.read_bytes(), name=path.name, store=store, payers=set(PAYERS),
            policy=policy, kicker=kicker,
        )  # fmt: skip
        t_submitted = time.perf_counter() - t0
        kills = 0
        last_kill = time.perf_counter()
        while True:
            counts = await store.counts(submitted.batch_id)
            if all_final(counts):
                break
            if kill_every is not None and time.perf_counter() - last_kill >= kill_every:
                live = [p for p in self.workers if p.poll() is None]
                victim = random.choice(live)  # noqa: S311 - not security
                victim.send_signal(signal.SIGKILL)
                kills += 1
                self.start_worker(env)
                last_kill = time.perf_counter()
            await asyncio.sleep(0.5)
        wall = time.perf_counter() - t0
        processes = len(self.workers)
        self.stop_workers()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        del started
        result = await self._measure(
            store=store,
            audit=audit,
            batch_id=submitted.batch_id,
            items=items,
            wall=wall,
            cpu=cpu,
            processes=processes,
        )
        result.update(workers=workers, kills=kills, submit_s=round(t_submitted, 2))
        if kill_every is not None:
            result["resubmit"] = await self._resubmit(path, store, kicker, policy)
        await broker.shutdown()
        await audit.close()
        self.streams.append(stream)
        return result

    async def _measure(
        self,
        *,
        store: BatchStore,
        audit: SqlAuditStore,
        batch_id: str,
        items: int,
        wall: float,
        cpu: float,
        processes: int,
    ) -> dict[str, Any]:
        assert self.simulator is not None
        summary = await report(store, batch_id)
        seen: dict[str, Any] = {}
        duplicates = 0
        for payer_id, payer in self.simulator.payers.items():
            assert payer.arrivals is not None
            assert payer.answers is not None
            questions = collections.Counter(question for _, question in payer.answers)
            twice = sum(1 for n in questions.values() if n > 1)
            duplicates += twice
            seen[payer_id] = {
                "requests": len(payer.arrivals),
                "answered": len(payer.answers),
                "max_in_1s": payer.busiest(),
                "questions_answered_twice": twice,
            }
        async with audit.engine.connect() as connection:
            lost = await connection.scalar(
                text(
                    "SELECT count(*) FROM batch_items i WHERE i.batch_id = :b "
                    "AND i.origin = 'payer' AND NOT EXISTS (SELECT 1 FROM audit_transactions t "
                    "WHERE t.correlation_id = i.correlation_id AND t.source = 'batch')"
                ),
                {"b": batch_id},
            )
            recorded = await connection.scalar(
                text("SELECT count(*) FROM audit_transactions WHERE correlation_id LIKE :p"),
                {"p": f"{batch_id}-%"},
            )
        startup = self.args.idle_cpu * processes
        return {
            "items": items,
            "wall_s": round(wall, 2),
            "items_per_s": round(items / wall, 1),
            "worker_cpu_s": round(cpu, 2),
            "worker_processes": processes,
            "cpu_ms_per_item": round(max(0.0, cpu - startup) / items * 1000, 3),
            "states": summary.overall.states,
            "p50_item_ms": summary.overall.p50_item_ms,
            "p95_item_ms": summary.overall.p95_item_ms,
            "retry_success_rate": summary.overall.retry_success_rate,
            "payers_saw": seen,
            "duplicate_270s": duplicates,
            "audit_records": recorded,
            "answered_items_without_audit_record": lost,
        }

    async def _resubmit(
        self, path: Path, store: BatchStore, kicker: Kicker, policy: Any
    ) -> dict[str, Any]:
        assert self.simulator is not None
        before = sum(p.requests for p in self.simulator.payers.values())
        again = await submit(
            path.read_bytes(), name=path.name, store=store, payers=set(PAYERS),
            policy=policy, kicker=kicker,
        )  # fmt: skip
        await asyncio.sleep(3)
        after = sum(p.requests for p in self.simulator.payers.values())
        return {"created": again.created, "queued": again.queued, "new_270s": after - before}


async def baseline(items: int, endpoints: dict[str, str]) -> dict[str, float]:
    """The core alone in this process: ``Core.check`` on ``items`` inquiries, 64 at a time."""
    registry = simulator_registry(
        endpoints,
        pacing=Pacing(rate_per_second=10_000, burst=1000),
        breaker=BreakerPolicy(failure_threshold=1000, window_seconds=10, open_seconds=5),
    )
    tmp = Path(tempfile.mkdtemp(prefix="eligate-bench-base-"))
    audit = SqlAuditStore.from_url(f"sqlite+aiosqlite:///{tmp / 'a.db'}", keys=KeyRing.parse(KEY))
    await audit.migrate()
    core = Core(
        registry=registry, cache=MemoryCache(), audit=audit, salt=b"bench-salt-0123456789",
        submitter=Submitter(sender_id="ELIGATE", provider_npi="1999999984",
                            provider_name="SAMPLE CLINIC"),
        store_timeout=30,
    )  # fmt: skip
    gate = asyncio.Semaphore(64)

    async def one(i: int) -> None:
        async with gate:
            request = EligibilityRequest(
                payer_id=PAYERS[i % 3],  # the healthy payers: the core's own cost
                subscriber=InquiryPerson(member_id=f"SYN{900000 + i:06d}", last_name="TESTPATIENT",
                                         first_name="ALEX"),
                date_of_service=__import__("datetime").date(2027, 7, 1),
                context="batch", correlation_id=f"base-{i}",
            )  # fmt: skip
            await core.check(request)

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(items)))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    await core.close()
    return {"items": items, "cpu_ms_per_item": round(cpu / items * 1000, 3),
            "items_per_s": round(items / wall, 1)}  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    """All phases; prints one JSON document."""
    bench = Bench(args)
    figures: dict[str, Any] = {"args": vars(args)}
    await bench.setup()
    try:
        assert bench.simulator is not None
        fast = bench.registry(rate=5000, burst=500)
        args.idle_cpu = await bench.idle_worker_cpu(fast)
        figures["idle_worker_cpu_s"] = round(args.idle_cpu, 2)
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--baseline-child", str(args.baseline),
            json.dumps(bench.simulator.endpoints), stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await child.communicate()
        figures["baseline_core_only"] = json.loads(out.decode().strip().splitlines()[-1])
        print(json.dumps({"baseline": figures["baseline_core_only"]}), file=sys.stderr)
        figures["throughput"] = []
        for workers in args.workers:
            result = await bench.run(items=args.items, workers=workers, payers=fast)
            figures["throughput"].append(result)
            print(json.dumps(result), file=sys.stderr)
        if args.paced_items:
            paced = bench.registry(rate=args.rate, burst=1)
            figures["paced"] = await bench.run(items=args.paced_items, workers=4, payers=paced)
            print(json.dumps(figures["paced"]), file=sys.stderr)
            figures["paced_with_kills"] = await bench.run(
                items=args.paced_items, workers=4, payers=paced, kill_every=args.kill_every
            )
            print(json.dumps(figures["paced_with_kills"]), file=sys.stderr)
    finally:
        await bench.teardown()
    print(json.dumps(figures, indent=2))


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",") if x],
                        default=[1, 2, 4])  # fmt: skip
    parser.add_argument("--paced-items", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--kill-every", type=float, default=20.0)
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument("--baseline", type=int, default=5000)
    parser.add_argument("--baseline-child", type=int, default=None)
    parser.add_argument("endpoints", nargs="?", default=None)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _args()
    if arguments.baseline_child is not None:
        print(json.dumps(asyncio.run(baseline(arguments.baseline_child,
                                              json.loads(arguments.endpoints)))))  # fmt: skip
    else:
        asyncio.run(main(arguments))
