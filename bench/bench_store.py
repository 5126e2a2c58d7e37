"""Result cache and audit store throughput: memory and Redis, SQLite and PostgreSQL.

Prints cache get/put per second (one task, and 32 tasks at once), audit appends
per second (one writer; 32 callers at once on one store, which group-commits
them; four replicas each with its own engine) and how fast ``verify`` walks the
chain. Every loop is bounded in count and in time
(``BENCH_SECONDS`` per figure, default 2). Redis keys use a unique prefix and
are deleted; the PostgreSQL database is created for the run and dropped.

Run with ``make bench-store`` (or ``.venv/bin/python bench/bench_store.py``).
Servers: ``BENCH_REDIS_URL`` (redis://127.0.0.1:6379/0) and
``BENCH_POSTGRES_URL`` (the maintenance DB, postgresql+asyncpg://postgres@127.0.0.1/postgres).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from eligate.eligibility import (
    AuditRecord,
    CachedAnswer,
    CacheKey,
    KeyRing,
    MemoryCache,
    RedisCache,
    ResultCache,
    SqlAuditStore,
)
from eligate.normalizer import normalize
from eligate.validators import gate

SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
MAX_OPS = 200_000
SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "commercial_ppo_active.271"
KEYS = KeyRing.parse("bench:" + "A" * 43)


def _answer() -> CachedAnswer:
    raw = SAMPLE.read_bytes()
    return CachedAnswer(results=tuple(gate(normalize(raw), raw)), answered_at=datetime.now(UTC))


def _key(n: int) -> CacheKey:
    return CacheKey("synpayer", f"SYN{n:06d}", "subscriber", ("30",), date(2026, 11, 23))


async def _rate(
    label: str, operation: Callable[[int], Awaitable[object]], *, tasks: int = 1
) -> float:
    """Operations per second of ``operation(n)`` run by ``tasks`` tasks for ~SECONDS."""
    done = 0
    deadline = time.perf_counter() + SECONDS

    async def worker(offset: int) -> None:
        nonlocal done
        n = offset
        while time.perf_counter() < deadline and done < MAX_OPS:
            await operation(n)
            n += tasks
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(tasks)))
    rate = done / (time.perf_counter() - started)
    print(f"  {label:<44} {rate:>10,.0f} /s  ({done} ops, {tasks} task(s))")
    return rate


async def _bench_cache(name: str, cache: ResultCache, answer: CachedAnswer) -> None:
    size = sum(len(r.model_dump_json()) for r in answer.results)
    print(f"cache: {name} (answer of {len(answer.results)} result(s), {size:,} bytes of JSON)")
    ttl = timedelta(minutes=15)
    await _rate("put", lambda n: cache.put(_key(n % 5000), answer, ttl=ttl))
    await _rate("get (hit)", lambda n: cache.get(_key(n % 5000)))
    await _rate("get (miss)", lambda n: cache.get(replace(_key(n), payer_id="none")))
    await _rate("get (hit), 32 concurrent", lambda n: cache.get(_key(n % 5000)), tasks=32)


async def _bench_audit(name: str, make: Callable[[], SqlAuditStore]) -> None:
    print(f"audit: {name}")
    first = make()
    await first.migrate()
    raw_270 = b"ST*270*0001*005010X279A1~NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123~SE*3*0001~"
    raw_271 = SAMPLE.read_bytes()

    def recorder(store: SqlAuditStore) -> Callable[[int], Awaitable[None]]:
        async def record(n: int) -> None:
            await store.record(
                AuditRecord(
                    correlation_id=f"bench-{uuid.uuid4().hex}", payer_id="synpayer",
                    status="verified", source="realtime", response_ms=float(n % 900),
                    created_at=datetime.now(UTC), request_270=raw_270, response_271=raw_271,
                )
            )  # fmt: skip

        return record

    await _rate("record (one writer)", recorder(first))
    await _rate("record (one store, 32 concurrent callers)", recorder(first), tasks=32)
    replicas = [make() for _ in range(4)]
    index = 0

    async def any_replica(n: int) -> None:
        nonlocal index
        index += 1
        await recorder(replicas[index % 4])(n)

    await _rate("record (4 replicas, 16 tasks)", any_replica, tasks=16)
    started = time.perf_counter()
    report = await first.verify()
    elapsed = time.perf_counter() - started
    print(
        f"  {'verify':<44} {report.events / elapsed:>10,.0f} events/s "
        f"({report.events} events, ok={report.ok})"
    )
    for store in (first, *replicas):
        await store.close()


async def _postgres(database: str, *, create: bool) -> None:
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            if create:
                await connection.execute(text(f'CREATE DATABASE "{database}"'))
            else:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    finally:
        await engine.dispose()


async def main() -> None:
    """Run every figure once and print it."""
    answer = _answer()
    await _bench_cache("memory", MemoryCache(max_entries=10_000), answer)
    prefix = f"eligate-bench:{uuid.uuid4().hex}:"
    client: Redis = Redis.from_url(REDIS_URL)
    try:
        salt = b"bench-salt-0123456789"
        await _bench_cache("redis", RedisCache(client, salt=salt, prefix=prefix), answer)
        sealed = RedisCache(client, salt=salt, prefix=prefix + "sealed:", keys=KEYS)
        await _bench_cache("redis, values sealed (AES-GCM)", sealed, answer)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'audit.db'}"
        await _bench_audit(
            "sqlite (WAL, file in /tmp)", lambda: SqlAuditStore.from_url(url, keys=KEYS)
        )

    database = f"eligate_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    await _postgres(database, create=True)
    try:
        base = POSTGRES_URL.rpartition("/")[0]
        await _bench_audit(
            "postgresql (loopback)",
            lambda: SqlAuditStore.from_url(f"{base}/{database}", keys=KEYS),
        )
    finally:
        await _postgres(database, create=False)


if __name__ == "__main__":
    asyncio.run(main())
