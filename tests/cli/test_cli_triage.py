"""``eligate triage``, ``triage train``, ``drift`` and ``eval triage``: outputs and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis
from typer.testing import CliRunner

from eligate.cli import app
from eligate.triage import COLUMNS, Night, generate_nights
from tests.servers import REDIS_URL


@dataclass(frozen=True)
class Done:
    """What a command run left: exit status, standard output and standard error."""

    returncode: int
    stdout: str
    stderr: str


def _run(*args: str) -> Done:
    """Run ``eligate ...`` in-process."""
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Done(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def night_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Night]:
    """Two small generated nights written as exports, rechecks and 834s."""
    folder = tmp_path_factory.mktemp("nights")
    nights = generate_nights(seed=25, nights=3, scale=0.25)
    for number, night in enumerate(nights):
        (folder / f"outcomes{number}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in night.outcomes)
        )
        (folder / f"rechecks{number}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in night.rechecks)
        )
        (folder / f"enrollment{number}.834").write_text(night.enrollment)
    return folder, nights[2]


def test_triage_json_and_csv(night_files: tuple[Path, Night]) -> None:
    """The list is a JSON array in rank order, or CSV with the same columns; rules alone noted."""
    folder, night = night_files
    args = ["triage", str(folder / "outcomes2.jsonl"), "--enrollment",
            str(folder / "enrollment2.834"), "--as-of", night.as_of.isoformat(),
            "--models", ""]  # fmt: skip
    done = _run(*args[:-2])
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)
    assert [i["rank"] for i in items] == list(range(1, len(items) + 1))
    assert {i["item_id"] for i in items} == set(night.truth)
    assert list(items[0]) == list(COLUMNS)
    assert "ordering by rules alone" in done.stderr
    as_csv = _run(*args[:-2], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["item_id"] for r in rows] == [i["item_id"] for i in items]


def test_train_then_rank_with_the_models(night_files: tuple[Path, Night], tmp_path: Path) -> None:
    """``triage train`` writes a bundle and a card from history; ``triage`` ranks with it."""
    folder, night = night_files
    out = tmp_path / "models.zip"
    history = tmp_path / "history"
    history.mkdir()
    for name in ("outcomes0.jsonl", "rechecks0.jsonl", "outcomes1.jsonl", "rechecks1.jsonl"):
        (history / name).write_text((folder / name).read_text())
    done = _run("triage", "train", "--history", str(history), "--enrollment",
                str(folder / "enrollment0.834"), "--enrollment", str(folder / "enrollment1.834"),
                "--n-estimators", "10", "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    card = (tmp_path / "MODEL_CARD.md").read_text()
    assert "## Data" in card
    assert "run(s) of history" in card
    when = night.as_of.isoformat()
    enrolled = str(folder / "enrollment2.834")
    ranked = _run("triage", str(folder / "outcomes2.jsonl"), "--as-of", when,
                  "--enrollment", enrolled, "--models", str(out))  # fmt: skip
    assert ranked.returncode == 0, ranked.stderr
    assert "rules alone" not in ranked.stderr
    scores = {i["score"] for i in json.loads(ranked.stdout)}
    assert len(scores) > 3  # learned scores, not the eleven fixed priors


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["triage", "{f}", "--as-of", "2026-11-30T06:00:00"], "bad_as_of"),
        (["triage", "{f}", "--as-of", "2026-11-30T06:00Z", "--format", "xml"], "bad_format"),
        (["triage", "{f}", "--as-of", "2026-11-30T06:00Z", "--enrollment", "{f}"], "not_x12"),
        (["triage", "missing.jsonl", "--as-of", "2026-11-30T06:00Z"], "file_not_found"),
        (["triage", "{bad}", "--as-of", "2026-11-30T06:00Z"], "bad_outcome"),
        (["triage", "{f}", "--as-of", "2026-11-30T06:00Z", "--models", "{f}"], "bad_model"),
        (["triage", "train"], "no_history"),
        (["drift", "{bad}"], "bad_outcome"),
        (["drift", "{f}", "--on", "yesterday"], "bad_day"),
        (["eval", "nonsense"], "unknown_eval"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    night_files: tuple[Path, Night], tmp_path: Path, args: list[str], code: str
) -> None:
    """Every unusable input: exit 2, one line on stderr with the stable code, no member data."""
    folder, _ = night_files
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"appointment_id": "A1", "member_id": "SYN424242"}\n')
    filled = [a.format(f=folder / "outcomes0.jsonl", bad=bad) for a in args]
    done = _run(*filled)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"eligate: error[{code}]: ")
    assert "SYN424242" not in done.stderr


def test_drift_prints_alerts_as_json(night_files: tuple[Path, Night]) -> None:
    """Three days of history are too few to judge: an empty JSON array, exit 0."""
    folder, _ = night_files
    done = _run("drift", str(folder / "outcomes0.jsonl"), str(folder / "outcomes1.jsonl"))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_normalize_does_not_import_triage() -> None:
    """``eligate normalize`` stays light: pandas, scikit-learn and triage are not imported."""
    code = (
        "import sys, eligate.cli as c; "
        "print(sorted(m for m in ('pandas', 'sklearn', 'eligate.triage') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    assert done.stdout.strip() == "[]"


def test_eval_triage_prints_every_figure(tmp_path: Path) -> None:
    """``eval triage`` (tiny): held-out nights, the hand-labelled set, drift, and a JSON report."""
    report = tmp_path / "triage.json"
    done = _run("eval", "triage", "--train-nights", "3", "--test-nights", "1", "--scale", "0.25",
                "--seed", "25", "--drift-runs", "1", "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "== held-out generated nights:" in done.stdout
    assert "== hand-labelled set: 63 exceptions over 1 night(s)" in done.stdout
    assert "zscore_2.4" in done.stdout
    figures = json.loads(report.read_text())
    assert figures["hand"]["kind_accuracy"] == 1.0
    assert set(figures["hand"]["precision_at_20"]) == {"learned", "appointment_time", "rules_alone"}
    assert len(figures["drift"]) == 2


def test_drift_alerts_appear_above_the_list(tmp_path: Path) -> None:
    """With 40 days of history and a jump in inactive answers tonight, stderr carries the alert."""
    from datetime import date, timedelta

    from tests.triage.factories import record, reply

    history = tmp_path / "history"
    history.mkdir()
    start = date(2026, 9, 1)
    for offset in range(40):
        day = start + timedelta(days=offset)
        inactive = 8 if offset == 39 else 1
        lines = [
            json.dumps(record(reply(*(("EB*6*IND*30",) if index < inactive else ("EB*1*IND*30",))),
                              item_id=f"{offset}-{index}", appointment_id=f"{offset}-{index}",
                              checked_at=f"{day}T03:00:00-05:00",
                              appointment_at=f"{day}T10:00:00-05:00"))
            for index in range(20)
        ]  # fmt: skip
        target = tmp_path / "tonight.jsonl" if offset == 39 else history / f"{day}.jsonl"
        target.write_text("\n".join(lines) + "\n")
    done = _run("triage", str(tmp_path / "tonight.jsonl"), "--history", str(history),
                "--as-of", f"{start + timedelta(days=39)}T06:00:00-05:00")  # fmt: skip
    assert done.returncode == 0, done.stderr
    drift = [line for line in done.stderr.splitlines() if line.startswith("eligate: drift: ")]
    assert len(drift) == 1
    assert "Payer synblue inactive rate 40.0%" in drift[0]
    assert len(json.loads(done.stdout)) == 8


async def test_drift_alerts_are_announced_on_the_event_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_client: Redis, redis_prefix: str
) -> None:
    """``eligate drift`` with Redis configured publishes payer.drift_detected per alert."""
    from datetime import date, timedelta

    from eligate.events import RedisEventStream
    from tests.triage.factories import record, reply

    start = date(2026, 9, 1)
    for offset in range(40):
        day = start + timedelta(days=offset)
        inactive = 8 if offset == 39 else 1
        lines = [
            json.dumps(record(reply(*(("EB*6*IND*30",) if index < inactive else ("EB*1*IND*30",))),
                              item_id=f"{offset}-{index}", appointment_id=f"{offset}-{index}",
                              checked_at=f"{day}T03:00:00-05:00",
                              appointment_at=f"{day}T10:00:00-05:00"))
            for index in range(20)
        ]  # fmt: skip
        (tmp_path / f"{day}.jsonl").write_text("\n".join(lines) + "\n")
    key = f"{redis_prefix}events"
    monkeypatch.setenv("ELIGATE_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("ELIGATE_EVENTS_STREAM", key)
    done = await asyncio.to_thread(_run, "drift", str(tmp_path))
    assert done.returncode == 0, done.stderr
    alerts = json.loads(done.stdout)
    assert alerts
    events = (await RedisEventStream(redis_client, key=key).read(after="0-0")).events
    assert [(e.type, e.payer_id) for e in events] == [
        ("payer.drift_detected", a["payer_id"]) for a in alerts
    ]
    assert "SYN" not in events[0].model_dump_json()
