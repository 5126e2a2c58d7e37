"""Watching it live: webhook delivery latency (event to receiver) and the dashboard's first paint.

Delivery: events are published to the Redis event stream at a steady rate while
a deliverer (the same code the taskiq pump runs) fans them out through the
PostgreSQL outbox and posts them, signed, to two loopback receivers. Each
receiver notes when a delivery arrived; latency is arrival minus the event's
own timestamp. Baseline in the same run: a plain signed POST to the same
receiver with no stream and no outbox.

First paint: headless Chromium (the system package) opens ``/dashboard`` on a
real server ``BENCH_PAINTS`` times and reads ``first-contentful-paint``.

Run with ``make bench-live`` (``ARGS="--events 4000 --rate 400"``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from redis.asyncio import Redis
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from eligate.eligibility import Core, KeyRing, MemoryCache, SqlAuditStore, Submitter
from eligate.events import MemoryEventStream, RedisEventStream
from eligate.service import ApiKey, Settings, create_app, hash_api_key
from eligate.simulator import start_simulator
from eligate.webhooks import Deliverer, DeliveryPolicy, WebhookStore, new_secret, sign
from eligate.webhooks._store import Target

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
KEYS = "bench:" + "A" * 43


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


@asynccontextmanager
async def _serve(app: object) -> AsyncIterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, access_log=False, log_level="warning")  # type: ignore[arg-type]
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _receiver(arrivals: dict[str, float]) -> Starlette:
    async def hook(request: Request) -> Response:
        body = await request.body()
        arrivals.setdefault(request.headers.get("webhook-id", ""), time.time())
        del body
        return Response(status_code=204)

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


async def _database() -> tuple[str, str]:
    name = f"eligate_bench_live_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    base, _, _ = POSTGRES_URL.rpartition("/")
    return name, f"{base}/{name}"


async def _drop(name: str) -> None:
    admin = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


async def delivery(events: int, rate: float) -> None:
    """Publish ``events`` at ``rate`` a second; two subscriptions; latency percentiles."""
    name, url = await _database()
    redis = Redis.from_url(REDIS_URL)
    key = f"eligate-bench:{uuid.uuid4().hex}:events"
    audit = SqlAuditStore.from_url(url, keys=KeyRing.parse(KEYS), pool_size=10)
    await audit.migrate()
    arrivals: dict[str, float] = {}
    try:
        async with _serve(_receiver(arrivals)) as base, httpx.AsyncClient() as client:
            stream = RedisEventStream(redis, key=key, retain=max(10_000, events * 2))
            store = WebhookStore(audit.engine, keys=KeyRing.parse(KEYS))
            for _ in range(2):
                await store.create(
                    url=f"{base}/hook", event_types=["batch.progress"], payer_id=None,
                    secret=new_secret(),
                )  # fmt: skip
            deliverer = Deliverer(
                store=store, stream=stream, client=client,
                policy=DeliveryPolicy(https_only=False, allow_loopback=True), audit=audit,
            )  # fmt: skip
            await deliverer.pump()
            stop = asyncio.Event()

            async def pump() -> None:
                while not stop.is_set():
                    if not await deliverer.pump():
                        await asyncio.sleep(0.02)

            pumping = asyncio.create_task(pump())
            published: dict[str, float] = {}
            started = time.perf_counter()
            for n in range(events):
                event = await stream.publish(
                    "batch.progress", data={"batch_id": "bench", "verified": n}
                )
                published[event.id] = event.time.timestamp()
                delay = started + (n + 1) / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            deadline = time.perf_counter() + 120
            while len(arrivals) < 2 * events and time.perf_counter() < deadline:
                await asyncio.sleep(0.1)
            stop.set()
            await pumping
            latencies = [
                (arrived - published[wid.rsplit("_", 1)[1]]) * 1000
                for wid, arrived in arrivals.items()
            ]
            print(
                f"webhooks: {events} events x 2 subscriptions at {rate:.0f}/s: "
                f"{len(arrivals)} delivered, event->receiver p50 {_pct(latencies, 50):.1f} ms, "
                f"p99 {_pct(latencies, 99):.1f} ms, max {max(latencies):.1f} ms"
            )
            target = Target("wh_base", f"{base}/hook", (new_secret(),))
            direct: list[float] = []
            for n in range(min(events, 500)):
                t0 = time.perf_counter()
                now = datetime.now(UTC)
                await client.post(
                    target.url, content=b"{}",
                    headers={"webhook-id": f"base_{n}", "webhook-signature": sign(
                        target, message_id=f"base_{n}", at=now, body="{}")},
                )  # fmt: skip
                direct.append((time.perf_counter() - t0) * 1000)
            print(
                f"baseline: one signed POST to the same receiver, no stream or outbox: "
                f"p50 {statistics.median(direct):.1f} ms, p99 {_pct(direct, 99):.1f} ms"
            )
    finally:
        await audit.close()
        await redis.delete(key)
        await redis.aclose()
        await _drop(name)


async def first_paint(times: int) -> None:
    """Open /dashboard in headless Chromium ``times`` times; first-contentful-paint."""
    chromium = shutil.which("chromium")
    if chromium is None or not Path("/usr/bin/chromedriver").is_file():
        print("first paint: skipped (no system chromium / chromium-driver)")
        return

    key = "bench-admin-key-000001"
    sim = await start_simulator(tuple(f"payer{n:02d}" for n in range(16)))

    class _NoAudit:
        async def record(self, record: object) -> None: ...
        async def ping(self) -> bool:
            return True

        async def close(self) -> None: ...

    core = Core(
        registry=sim.registry(), cache=MemoryCache(), audit=_NoAudit(),  # type: ignore[arg-type]
        salt=b"bench-salt-0123456789abcdef", submitter=Submitter("BENCH", "1999999984", "X"),
    )  # fmt: skip
    settings = Settings(
        environment="test", encryption_key="dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy1vayE=",
        cache_salt="bench-cache-salt-16+",
        api_keys=(ApiKey(name="ops", scopes=frozenset({"admin"}), sha256=hash_api_key(key)),),
    )  # fmt: skip
    app = create_app(settings, core=core, events=MemoryEventStream())
    profile = tempfile.mkdtemp(prefix="eligate-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)  # fmt: skip
    try:
        async with _serve(app) as base:

            def measure() -> list[float]:
                driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
                try:
                    driver.get(f"{base}/dashboard/login")
                    driver.add_cookie({"name": "eligate_key", "value": key})
                    paints = []
                    for _ in range(times):
                        driver.get(f"{base}/dashboard")
                        WebDriverWait(driver, 10, poll_frequency=0.02).until(
                            lambda d: d.execute_script(
                                "return performance.getEntriesByName("
                                "'first-contentful-paint').length > 0;"
                            )
                        )
                        paint = driver.execute_script(
                            "return performance.getEntriesByName('first-contentful-paint')[0]"
                            ".startTime;"
                        )
                        paints.append(float(paint))
                    return paints
                finally:
                    driver.quit()

            paints = await asyncio.to_thread(measure)
        print(
            f"dashboard first contentful paint, 16 payers, {times} loads: "
            f"median {statistics.median(paints):.0f} ms, worst {max(paints):.0f} ms"
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
        await sim.stop()


def main() -> None:
    """Parse arguments and run both measurements."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--paints", type=int, default=int(os.environ.get("BENCH_PAINTS", "10")))
    args = parser.parse_args()
    asyncio.run(delivery(args.events, args.rate))
    asyncio.run(first_paint(args.paints))


if __name__ == "__main__":
    main()
