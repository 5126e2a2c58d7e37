"""Scale: eligate beside other X12 readers on the same big files, and the service under load.

Files are written at run time into a temporary folder (never committed): a
clearinghouse batch 271 of 1; 1,000; 10,000 and 100,000 synthetic patients,
the dangling-HL and many-ISA shapes at 1,000 and 10,000, and the real-world
corpus. Each reader runs in a process of its own, so its peak memory is its own:

- ``eligate CLI``: ``eligate normalize --jsonl FILE > /dev/null`` (start-up,
  rules, gate, JSON out);
- ``eligate in-process``: ``iter_normalize_and_gate`` over the file (no output);
- ``naive``: split at ``~`` and ``*``, one dict per segment (the floor of the
  language for reading X12 at all);
- ``pyx12``: pyx12's tokenizer (``X12Reader``), in a venv of its own;
- ``LinuxForHealth x12``: ``X12ModelReader`` models to JSON, in a venv of its own
  with ``pydantic<2`` (created here when absent; skipped with the reason when it
  cannot be installed).

Prints CPU seconds (user + system of that process; the machine is shared, so CPU
is steadier than wall time), segments per CPU second, peak RSS and the ratio to
eligate's CLI; then the linearity ratios (time for 10,000 / ten times the time
for 1,000, per shape). The service part (cache hits and normalize under wrk at
fixed rates beside a bare route) is in ``bench/_scale_service.py``.

Run with ``make bench-scale``. ``BENCH_SCALE_SIZES`` (default
``1,1000,10000,100000``) picks the batch sizes; ``BENCH_SCALE_EXTERNAL=0`` skips
pyx12 and LinuxForHealth; ``BENCH_SCALE_SHAPES=0`` the other shapes and the
corpus; ``BENCH_SCALE_SERVICE=0`` the service part. ``make bench`` runs the
10,000-patient batch through eligate alone after its corpus figures.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _scale_service import run_service_bench  # noqa: E402 - bench/ is the script's folder
from tests.big271 import Shape, big_271, segment_count  # noqa: E402

from eligate.x12 import X12InputError, read_document  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "x12" / "real"
VENVS = ROOT / ".venv-bench"
SIZES = [int(n) for n in os.environ.get("BENCH_SCALE_SIZES", "1,1000,10000,100000").split(",")]
EXTERNAL = os.environ.get("BENCH_SCALE_EXTERNAL", "1") != "0"
SERVICE = os.environ.get("BENCH_SCALE_SERVICE", "1") != "0"
SHAPE_SIZES = (1000, 10000) if os.environ.get("BENCH_SCALE_SHAPES", "1") != "0" else ()

# Each worker reads the files named on its command line, does its work and prints
# as JSON the CPU seconds the work took (after imports and reading) and its peak
# RSS (VmHWM: a child's ru_maxrss would count the pages of the parent it forked from).
_PEAK = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1]) / 1024"
_NAIVE = """
import json, sys, time
datas = [open(name, "rb").read() for name in sys.argv[1:]]
started = time.process_time()
count = 0
for data in datas:
    text = data.decode("latin-1")
    element, terminator = text[3], text[105] if text.startswith("ISA") else "~"
    for raw in text.split(terminator):
        raw = raw.strip()
        if raw:
            parts = raw.split(element)
            segment = {"tag": parts[0], "elements": parts[1:]}
            count += 1
print(json.dumps({"cpu": time.process_time() - started, "segments": count, "peak": PEAK}))
"""

_PYX12 = """
import io, json, sys, time
from pyx12.x12file import X12Reader
datas = [open(name, "rb").read().decode("latin-1") for name in sys.argv[1:]]
started = time.process_time()
count = failed = 0
for text in datas:
    try:
        for segment in X12Reader(io.StringIO(text)):
            count += 1
    except Exception:
        failed += 1
print(json.dumps({"cpu": time.process_time() - started, "segments": count, "peak": PEAK}))
"""

_X12 = """
import json, sys, time
from x12.io import X12ModelReader
datas = [open(name, "rb").read().decode("latin-1") for name in sys.argv[1:]]
started = time.process_time()
models = failed = 0
for text in datas:
    try:
        with X12ModelReader(text) as reader:
            for model in reader.models():
                model.json(exclude_unset=True)
                models += 1
    except Exception:
        failed += 1
print(json.dumps({"cpu": time.process_time() - started, "models": models, "peak": PEAK}))
"""

_INPROCESS = """
import json, sys, time
from eligate.validators import iter_normalize_and_gate
from eligate.x12 import X12InputError
datas = [open(name, "rb").read() for name in sys.argv[1:]]
started = time.process_time()
results = 0
for data in datas:
    try:
        for result in iter_normalize_and_gate(data):
            results += 1
    except X12InputError:
        pass
print(json.dumps({"cpu": time.process_time() - started, "results": results, "peak": PEAK}))
"""

# The whole command line, in this process (start-up included), its output thrown away.
_CLI = """
import json, os, sys
sink = os.open(os.devnull, os.O_WRONLY)
saved = os.dup(1)
os.dup2(sink, 1)
sys.argv = ["eligate", "normalize", "--jsonl", *sys.argv[1:]]
try:
    from eligate.cli import main
    main()
except SystemExit:
    pass
finally:
    sys.stdout.flush()
    os.dup2(saved, 1)
    print(json.dumps({"peak": PEAK}))
"""


@dataclass(frozen=True, slots=True)
class Run:
    """One reader on one input: CPU seconds of its work, wall seconds, peak RSS."""

    cpu: float
    wall: float
    peak_mb: float


@dataclass(frozen=True, slots=True)
class Tool:
    """A reader: how to start it on a list of files, and whether its figure is the work only."""

    name: str
    command: list[str] | None
    reason: str = ""
    whole_process: bool = False
    """The CPU figure is the whole process (start-up included), not the worker's own."""


def _spawn(tool: Tool, files: list[Path]) -> Run | str:
    """Run ``tool`` over ``files`` in a child process: its own figures, or why it failed."""
    assert tool.command is not None
    started = time.perf_counter()
    command = [*tool.command[:-1], tool.command[-1].replace("PEAK", _PEAK)]
    child = subprocess.Popen(  # noqa: S603 - our own interpreters and scripts
        [*command, *map(str, files)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = b"", b""
    if child.stdout is not None and child.stderr is not None:
        out, err = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 2):
        return f"exit {code}: {err.decode(errors='replace').strip()[-200:]}"
    figures = json.loads(out.decode().strip().splitlines()[-1])
    peak = float(figures["peak"])
    if tool.whole_process:
        return Run(cpu=usage.ru_utime + usage.ru_stime, wall=wall, peak_mb=peak)
    return Run(cpu=float(figures["cpu"]), wall=wall, peak_mb=peak)


def _venv(name: str, packages: list[str]) -> tuple[Path | None, str]:
    """A venv of its own for an external reader, created when absent."""
    folder = VENVS / name
    python = folder / "bin" / "python"
    stamp = folder / ".installed"
    if stamp.exists():
        return python, ""
    shutil.rmtree(folder, ignore_errors=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "--quiet", *packages],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        detail = getattr(error, "stderr", b"") or b""
        return None, f"pip install {' '.join(packages)} failed: {detail.decode()[-200:]}"
    stamp.touch()
    return python, ""


def _tools() -> list[Tool]:
    tools = [
        Tool("eligate CLI", [sys.executable, "-c", _CLI], whole_process=True),
        Tool("eligate in-process", [sys.executable, "-c", _INPROCESS]),
        Tool("naive split+dict", [sys.executable, "-c", _NAIVE]),
    ]
    if not EXTERNAL:
        reason = "BENCH_SCALE_EXTERNAL=0"
        return [*tools, Tool("pyx12", None, reason), Tool("LinuxForHealth x12", None, reason)]
    python, reason = _venv("pyx12", ["pyx12"])
    tools.append(Tool("pyx12 tokenizer", [str(python), "-c", _PYX12] if python else None, reason))
    python, reason = _venv("x12", ["x12", "pydantic<2"])
    tools.append(Tool("LinuxForHealth x12", [str(python), "-c", _X12] if python else None, reason))
    return tools


def _inputs(folder: Path) -> list[tuple[str, list[Path], int]]:
    """(label, files, segments) of every input, the big files written into ``folder``."""
    inputs: list[tuple[str, list[Path], int]] = []

    def write(label: str, patients: int, shape: Shape) -> None:
        data = big_271(patients, shape)
        path = folder / f"{shape}-{patients}.271"
        path.write_bytes(data)
        inputs.append((label, [path], segment_count(data)))
        del data

    for patients in SIZES:
        write(f"batch {patients:,}", patients, "batch")
    for shape in ("dangling_hl", "many_isa"):
        for patients in SHAPE_SIZES:
            write(f"{shape} {patients:,}", patients, shape)
    if CORPUS.is_dir() and SHAPE_SIZES:
        files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")
        segments = 0
        usable: list[Path] = []
        for path in files:
            try:
                segments += read_document(path.read_bytes()).segment_count
            except X12InputError:
                continue
            usable.append(path)
        inputs.append((f"corpus ({len(usable)} files)", usable, segments))
    return inputs


def _row(label: str, segments: int, figures: dict[str, Run | str], names: list[str]) -> None:
    base = figures.get("eligate CLI")
    cells = []
    for name in names:
        run = figures.get(name)
        if isinstance(run, Run):
            rate = segments / run.cpu if run.cpu > 0 else float("inf")
            ratio = f" x{base.cpu / run.cpu:.2f}" if isinstance(base, Run) and run.cpu > 0 else ""
            cells.append(f"{rate:>9,.0f} seg/s {run.peak_mb:>6.0f} MB{ratio}")
        else:
            cells.append(f"{'-':>9}  ({run})" if run else "-")
    print(f"{label:<22} {segments:>10,}  " + " | ".join(cells))


def main() -> int:
    """Write the files, run every reader on each, print the tables."""
    tools = _tools()
    runnable = [t for t in tools if t.command is not None]
    for tool in tools:
        if tool.command is None:
            print(f"skipped {tool.name}: {tool.reason}")
    names = [t.name for t in runnable]
    print("cells: segments per CPU second of that reader, its peak RSS, and xN = eligate CLI's")
    print("CPU time / this reader's (above 1: faster than the CLI). Columns:", ", ".join(names))
    results: dict[str, dict[str, Run | str]] = {}
    with tempfile.TemporaryDirectory(prefix="eligate-scale-") as tmp:
        for label, files, segments in _inputs(Path(tmp)):
            figures: dict[str, Run | str] = {}
            for tool in runnable:
                figures[tool.name] = _spawn(tool, files)
            results[label] = figures
            _row(label, segments, figures, names)
            sys.stdout.flush()
            for path in files:
                if path.parent == Path(tmp):
                    path.unlink()
    print("linearity: CPU for 10,000 / (10 x CPU for 1,000); target <= 1.3")
    for shape in ("batch", "dangling_hl", "many_isa"):
        small, big = results.get(f"{shape} 1,000", {}), results.get(f"{shape} 10,000", {})
        for name in ("eligate in-process", "eligate CLI"):
            one, ten = small.get(name), big.get(name)
            if isinstance(one, Run) and isinstance(ten, Run):
                print(f"  {shape:<12} {name:<20} {ten.cpu / (10 * one.cpu):.2f}")
    if SERVICE:
        run_service_bench()
    return 0


if __name__ == "__main__":
    sys.exit(main())
