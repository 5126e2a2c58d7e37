"""Parse + normalize throughput over the real-world corpus (or the bundled samples).

Prints 271s per second and segments per second on one core, and where the time
goes (tokenize, envelopes, loop tree, mapping to the canonical models).

Run with ``make bench``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from eligate.normalizer import normalize
from eligate.validators import gate
from eligate.x12 import X12InputError, read_271, read_document, tokenize

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "x12" / "real"
MIN_SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))


def _inputs() -> tuple[str, list[bytes]]:
    folder = CORPUS if CORPUS.is_dir() else ROOT / "samples"
    usable: list[bytes] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SOURCES.md"):
        data = path.read_bytes()
        try:
            normalize(data)
        except X12InputError:
            continue
        usable.append(data)
    return str(folder), usable


def _timed(label: str, work: list[bytes], call: Callable[[bytes], object]) -> float:
    """Seconds per pass over ``work``, best of repeated passes for at least MIN_SECONDS."""
    best = float("inf")
    started = time.perf_counter()
    passes = 0
    while time.perf_counter() - started < MIN_SECONDS or passes < 3:
        t0 = time.perf_counter()
        for data in work:
            call(data)
        best = min(best, time.perf_counter() - t0)
        passes += 1
    print(f"  {label:<28} {best * 1000:8.2f} ms per pass ({passes} passes)")
    return best


def _loops(data: bytes) -> None:
    for transaction in read_document(data).transactions:
        if transaction.transaction_type == "271":
            read_271(transaction)


def main() -> int:
    """Run the benchmark and print the figures."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    folder, work = _inputs()
    segments = sum(read_document(data).segment_count for data in work)
    transactions = sum(
        1 for data in work for t in read_document(data).transactions if t.transaction_type == "271"
    )
    print(f"inputs: {len(work)} files from {folder}")
    print(f"        {transactions} 271 transaction sets, {segments} segments per pass")
    print("stage timings (cumulative: each includes the stages above it):")
    t_tok = _timed("tokenize", work, tokenize)
    t_env = _timed("+ envelopes", work, read_document)
    t_loop = _timed("+ 271 loop tree", work, _loops)
    t_all = _timed("+ normalize (full)", work, normalize)
    print("where the time goes:")
    for label, part in (
        ("tokenize", t_tok),
        ("envelopes", t_env - t_tok),
        ("loop tree", t_loop - t_env),
        ("mapping to models", t_all - t_loop),
    ):
        print(f"  {label:<28} {100 * part / t_all:5.1f} %")
    print(
        f"parse + normalize: {transactions / t_all:,.0f} 271s/s, {segments / t_all:,.0f} segments/s"
    )
    normalized = {id(data): normalize(data) for data in work}
    results = sum(len(found) for found in normalized.values())
    t_gate = _timed("gate (validate results)", work, lambda data: gate(normalized[id(data)], data))
    print(f"gate: {results / t_gate:,.0f} results validated/s ({results} results per pass)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
