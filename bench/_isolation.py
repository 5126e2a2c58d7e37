"""What the two isolation benchmarks share: payers, simulator control, options, figures.

``bench_isolation.py`` drives the core in-process; ``bench_service_isolation.py``
drives ``eligate serve`` over HTTP. Both run the same scenario against
``eligate simulate-payers`` in its own process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from eligate.guards import percentile

PAYERS = ("synaetna", "synblue", "syncigna", "synunited")
SICK = PAYERS[0]
HEALTHY = PAYERS[1:]


def latency_figures(ms: list[float], failures: Counter[str]) -> dict[str, Any]:
    """Checks, p50/p95/p99 and the failures by reason of one phase."""
    ordered = sorted(ms)
    return {
        "checks": len(ms),
        "p50_ms": percentile(ordered, 50) or 0.0,
        "p95_ms": percentile(ordered, 95) or 0.0,
        "p99_ms": percentile(ordered, 99) or 0.0,
        "errors": sum(failures.values()),
        "errors_by_reason": dict(failures),
    }


def start_simulator() -> tuple[subprocess.Popen[bytes], dict[str, str], str]:
    """``eligate simulate-payers`` for the four payers: the process, endpoints, admin URL."""
    command = [sys.executable, "-m", "eligate", "simulate-payers", "--duration", "600"]
    for payer in PAYERS:
        command += ["--payer", payer]
    process = subprocess.Popen(command, stdout=subprocess.PIPE)  # noqa: S603 - our own CLI
    assert process.stdout is not None
    line = json.loads(process.stdout.readline())
    return process, line["endpoints"], line["admin"]


async def behave(admin: str, payer: str, behavior: dict[str, object]) -> None:
    """Tell the simulator how ``payer`` behaves from now on."""
    async with httpx.AsyncClient() as client:
        response = await client.put(f"{admin}/behavior/{payer}", json=behavior, timeout=5)
        response.raise_for_status()


def scenario_arguments(description: str, *, rate: float, rate_help: str) -> argparse.ArgumentParser:
    """The options both benchmarks take; each adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rate", type=float, default=rate, help=rate_help)
    parser.add_argument("--seconds", type=float, default=20.0, help="load per condition, s")
    parser.add_argument("--rounds", type=int, default=4, help="baseline/sick runs interleaved")
    parser.add_argument("--sick-latency", type=float, default=11.0, help="seconds (scale down)")
    parser.add_argument("--budget", type=float, default=2.0, help="payers' total timeout, s")
    parser.add_argument(
        "--open-seconds", type=float, default=2.0, help="breaker open time (short: see probes)"
    )
    parser.add_argument("--latency-ms", type=float, default=40.0, help="healthy payer latency")
    parser.add_argument("--jitter-ms", type=float, default=40.0, help="healthy payer jitter")
    parser.add_argument("--cache-seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=16, help="cache phase concurrency")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    return parser


def run(
    main: Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]],
    show: Callable[[dict[str, Any]], None],
    arguments: argparse.Namespace,
) -> None:
    """Run a benchmark, print its figures and the run time, write them as JSON if asked."""
    started = time.perf_counter()
    result = asyncio.run(main(arguments))
    show(result)
    print(f"\ntotal run time {time.perf_counter() - started:.1f} s")
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2)
