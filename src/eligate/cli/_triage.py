"""``eligate triage``, ``eligate triage train``, ``eligate drift`` and the triage evaluation.

:mod:`eligate.triage` (pandas, scikit-learn) is imported inside each command, so
``eligate normalize`` stays light. Files are read here; triage itself does no
I/O. Bad input is one line on stderr with a stable code and exit status 2.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sys
from collections import defaultdict
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from eligate.cli._input import InputFileError, fail, read_input

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eligate.triage import (
        DriftAlert,
        NightCase,
        Outcome,
        OutcomeRecord,
        Report,
        TriageModels,
    )

DEFAULT_MODELS = Path(".eligate") / "triage" / "models.zip"
"""Where ``eligate triage train`` writes the models and ``eligate triage`` looks for them."""
HAND_SET = Path(__file__).resolve().parent.parent / "evals" / "gold" / "triage"
"""The hand-labelled exception set: ``cases.jsonl``, ``enrollment.834``, ``manifest.json``."""


class _RankByDefault(TyperGroup):
    """``eligate triage FILE ...`` runs ``eligate triage rank FILE ...``; ``train`` stays."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["rank", *args]
        return super().parse_args(ctx, args)


triage_app = typer.Typer(
    cls=_RankByDefault,
    help="The 6 AM list: ranked batch exceptions (`eligate triage OUTCOMES ...`), and training.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _read(name: str) -> bytes:
    try:
        return read_input(name)
    except InputFileError as problem:
        fail(problem)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(InputFileError("bad_as_of", "--as-of", "expected an ISO 8601 time with offset"))
    if moment.utcoffset() is None:
        fail(InputFileError("bad_as_of", "--as-of", "needs a UTC offset (e.g. -05:00 or Z)"))
    return moment


def _outcomes(name: str) -> list[Outcome]:
    from eligate.triage import TriageInputError, read_outcomes

    data = _read(name)
    try:
        return read_outcomes(data.splitlines())
    except TriageInputError as error:
        fail(InputFileError(error.code, name, error.message))


def _records(name: str) -> list[OutcomeRecord]:
    return [outcome.record for outcome in _outcomes(name)]


def _enrollment(names: list[str]) -> Any:
    from eligate.triage import EnrollmentIndex
    from eligate.x12 import X12InputError, read_enrollment

    transactions = []
    for name in names:
        try:
            transactions.extend(read_enrollment(_read(name)))
        except X12InputError as error:
            fail(InputFileError(error.code, name, str(error)))
    return EnrollmentIndex(transactions)


def _load_models(path: Path | None) -> TriageModels | None:
    from eligate.triage import ModelFileError, load_models

    chosen = path or (DEFAULT_MODELS if DEFAULT_MODELS.is_file() else None)
    if chosen is None:
        typer.echo(
            "eligate: note: no triage models (run `eligate triage train`); ordering by rules alone",
            err=True,
        )
        return None
    try:
        return load_models(_read(str(chosen)))
    except ModelFileError as error:
        fail(InputFileError(error.code, str(chosen), error.message))


def _files(names: list[str]) -> list[str]:
    """Each name, or the ``*.jsonl`` files of a directory, in name order."""
    found: list[str] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found.extend(str(p) for p in sorted(path.glob("*.jsonl")))
        else:
            found.append(name)
    return found


@triage_app.command("rank")
def rank_command(  # noqa: PLR0917 - typer passes options by name
    outcomes: Annotated[str, typer.Argument(help="outcomes.jsonl of the run ('-' = stdin).")],
    as_of: Annotated[str, typer.Option("--as-of", help="ISO 8601 time the list is for.")],
    enrollment: Annotated[
        list[str] | None, typer.Option("--enrollment", help="The employer's 834 (repeatable).")
    ] = None,
    history: Annotated[
        list[str] | None,
        typer.Option("--history", help="Earlier exports: files or folders of *.jsonl."),
    ] = None,
    models: Annotated[
        Path | None, typer.Option(help=f"Model bundle (default {DEFAULT_MODELS} if present).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or csv.")] = "json",
) -> None:
    """Print the ranked exceptions of a batch export (verified patients do not appear).

    With ``--history``, the payers' drift alerts for the run's day go to stderr
    first, one ``eligate: drift: ...`` line each, above the list they explain.
    """
    from eligate.triage import COLUMNS, History, csv_rows, daily_counts, drift_alerts, rank

    if output_format not in ("json", "csv"):
        fail(InputFileError("bad_format", "--format", "the formats are json and csv"))
    moment = _moment(as_of)
    run = _outcomes(outcomes)
    index = _enrollment(enrollment or [])
    before = [o for name in _files(history or []) for o in _outcomes(name)]
    earlier = History([o.record for o in before])
    if before:
        checked = [o.record.checked_at for o in run if o.record.checked_at is not None]
        day = max(checked).date() if checked else moment.date()
        for alert in drift_alerts(daily_counts([*before, *run]), on=day):
            typer.echo(f"eligate: drift: {alert.message}", err=True)
    items = rank(run, as_of=moment, enrollment=index, history=earlier, models=_load_models(models))
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(csv_rows(items))
        sys.stdout.write(buffer.getvalue())
        return
    sys.stdout.write(json.dumps([i.model_dump(mode="json") for i in items], indent=2) + "\n")


@triage_app.command("train")
def train_command(  # noqa: PLR0917 - typer passes options by name
    history: Annotated[
        list[str] | None,
        typer.Option(
            "--history", help="Earlier exports and rechecks: files or folders of *.jsonl."
        ),
    ] = None,
    enrollment: Annotated[
        list[str] | None, typer.Option("--enrollment", help="The 834s of those runs.")
    ] = None,
    generated: Annotated[
        int, typer.Option(help="Add this many generated nights (the scenario generator).")
    ] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the generated nights.")] = 7,
    n_estimators: Annotated[int, typer.Option(help="Boosting rounds of each model.")] = 100,
    out: Annotated[Path, typer.Option(help="Where to write the model bundle.")] = DEFAULT_MODELS,
) -> None:
    """Refit the ranking models from history (each recheck's outcome is a label); write a card."""
    from eligate.triage import (
        History,
        HistoryError,
        concat_examples,
        dump_models,
        evaluate,
        fit_models,
        generate_nights,
        model_card,
        night_case,
        night_labels,
        night_run,
        with_metrics,
    )
    from eligate.triage import examples as labelled

    if not history and generated <= 0:
        fail(InputFileError("no_history", "--history", "give --history files or --generated N"))
    records = [r for name in _files(history or []) for r in _records(name)]
    index = _enrollment(enrollment or [])
    runs, held_out = _history_runs(records, index)
    parts = []
    labels = History(records)
    for run in runs:
        before = History([r for r in records if r.checked_at and r.checked_at < run.as_of])
        parts.append(labelled([run], labels, before))
    nights = generate_nights(seed=seed, nights=generated) if generated > 0 else []
    for night in nights:
        run, earlier = night_run(night)
        parts.append(labelled([run], night_labels(night), earlier))
    data = concat_examples(parts) if parts else None
    source = ", ".join(
        part
        for part in (
            f"{len(runs)} run(s) of history ({len(records)} records)" if records else "",
            f"{generated} generated night(s), seed {seed}" if generated else "",
        )
        if part
    )
    try:
        if data is None:
            raise HistoryError("no labelled exceptions")
        models = fit_models(
            data, trained_at=datetime.now(UTC), source=source, n_estimators=n_estimators
        )
    except HistoryError as error:
        fail(InputFileError(error.code, "--history", error.message))
    cases = [_history_case(run, labels, models, records) for run in held_out]
    if generated > 0:
        check = generate_nights(seed=seed + 1000, nights=max(2, generated // 5))
        cases += [night_case(night, models) for night in check]
    if cases:
        report = evaluate("held-out", cases)
        models = with_metrics(models, _figures(report))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(dump_models(models))
    card = out.with_name("MODEL_CARD.md")
    card.write_text(model_card(models))
    typer.echo(f"wrote {out} and {card} ({source})")


def _history_runs(records: list[OutcomeRecord], index: Any) -> tuple[list[Any], list[Any]]:
    """Group records by batch into runs; the newest fifth (at least one of five) is held out."""
    from eligate.triage import Run, outcome_of

    by_batch: dict[str, list[OutcomeRecord]] = defaultdict(list)
    for record in records:
        by_batch[record.batch_id].append(record)
    runs = []
    for batch in by_batch.values():
        moments = [r.checked_at for r in batch if r.checked_at is not None]
        if moments:
            runs.append(Run([outcome_of(r) for r in batch], index, max(moments)))
    runs.sort(key=lambda run: run.as_of)
    cut = len(runs) - len(runs) // 5 if len(runs) >= 5 else len(runs)
    return runs[:cut], runs[cut:]


def _history_case(
    run: Any, labels: Any, models: TriageModels, records: list[OutcomeRecord]
) -> NightCase:
    from eligate.triage import Expected, History, NightCase, effective_label, rank

    before = History([r for r in records if r.checked_at and r.checked_at < run.as_of])
    arguments: dict[str, Any] = {"as_of": run.as_of, "enrollment": run.enrollment}
    learned = rank(run.outcomes, history=before, models=models, **arguments)
    expected: dict[str, Expected] = {}
    by_id = {o.record.item_id: o.record for o in run.outcomes}
    for item in learned:
        record = by_id[item.item_id]
        label = labels.label(record)
        if label is None:
            continue
        label = effective_label(item.kind, label)
        cleared = (
            record.checked_at + timedelta(hours=label.hours_to_resolution)
            if record.checked_at and label.hours_to_resolution is not None
            else None
        )
        expected[item.item_id] = Expected(item.kind, label.still_problem, cleared)
    return NightCase(
        learned=[i for i in learned if i.item_id in expected],
        rules=rank(run.outcomes, history=before, models=None, **arguments),
        expected=expected,
    )


def _figures(report: Report) -> dict[str, object]:
    return {
        "exceptions": report.items,
        "nights": report.nights,
        "kind_accuracy": report.kind_accuracy,
        "precision_at_20": report.precision_at_20,
        "brier": report.brier,
        "recheck_coverage": report.recheck_coverage,
        "brier_by_kind": report.brier_by_kind,
    }


def drift_command(
    outcomes: Annotated[
        list[str], typer.Argument(help="Exports of earlier days and today: files or folders.")
    ],
    on: Annotated[
        str | None, typer.Option("--on", help="Day to judge (default: the last).")
    ] = None,
) -> None:
    """Per payer, alerts for inactive, AAA and timeout rates that moved beyond their history."""
    from eligate.triage import daily_counts, drift_alerts

    day: date | None = None
    if on is not None:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            fail(InputFileError("bad_day", "--on", "expected a date like 2026-11-30"))
    everything = [o for name in _files(outcomes) for o in _outcomes(name)]
    alerts = drift_alerts(daily_counts(everything), on=day)
    sys.stdout.write(json.dumps([a.model_dump(mode="json") for a in alerts], indent=2) + "\n")
    _announce_drift(alerts)


def _announce_drift(alerts: Sequence[DriftAlert]) -> None:
    """``payer.drift_detected`` per alert on the shared event stream (with ELIGATE_REDIS_URL).

    Triage itself does no I/O; the command announces what it found. Without Redis
    there is no stream that outlives this process, so nothing is announced.
    """
    if not alerts:
        return
    from eligate.events import Announcer
    from eligate.service import ServiceError, build_events, load_settings

    try:
        settings = load_settings()
    except ServiceError:
        return
    if not settings.redis_url:
        return

    async def send() -> None:
        stream = build_events(settings)
        announcer = Announcer(stream)
        try:
            for alert in alerts:
                await announcer.announce(
                    "payer.drift_detected",
                    payer_id=alert.payer_id,
                    metric=alert.metric,
                    day=alert.day.isoformat(),
                    today=alert.today,
                    baseline=alert.baseline,
                    signal=alert.signal,
                )
        finally:
            await stream.close()

    asyncio.run(send())


def eval_triage(
    *,
    train_nights: int = 20,
    test_nights: int = 8,
    seed: int = 7,
    drift_runs: int = 50,
    scale: float = 1.0,
    models_path: Path | None = None,
    report_path: Path | None = None,
) -> None:
    """``eligate eval triage``: held-out generated nights, the hand-labelled set, drift."""
    from eligate.triage import (
        evaluate,
        evaluate_drift,
        fit_on_nights,
        generate_nights,
        night_case,
        render_report,
    )

    if models_path is not None:
        models = _load_models(models_path)
    else:
        train = generate_nights(seed=seed, nights=train_nights, scale=scale)
        models = fit_on_nights(train, trained_at=datetime.now(UTC), source=f"seed {seed}")
    test = generate_nights(
        seed=seed + 1000, nights=test_nights, start=date(2026, 11, 2), scale=scale
    )
    held_out = evaluate("held-out generated nights", [night_case(n, models) for n in test])
    hand = evaluate("hand-labelled set", [_hand_case(models)])
    typer.echo(render_report(held_out))
    typer.echo("")
    typer.echo(render_report(hand))
    trials = evaluate_drift(seed=seed, runs=drift_runs)
    typer.echo("")
    typer.echo(f"== drift: inactive rate doubles; {drift_runs} simulated payers per volume")
    for trial in trials:
        for method in trial.false_alarms_per_90_days:
            median = trial.median_days_to_detect[method]
            typer.echo(
                f"volume {trial.volume:5d}/day  {method:12}  false alarms per 90 days "
                f"{trial.false_alarms_per_90_days[method]:.2f}  median days to detect "
                f"{'n/a' if median is None else f'{median:.1f}'}  caught within 30 days "
                f"{trial.detected_within_30_days[method]:.2f}"
            )
    if report_path is not None:
        report_path.write_text(
            json.dumps(
                {
                    "held_out": _as_dict(held_out),
                    "hand": _as_dict(hand),
                    "drift": [_as_dict(t) for t in trials],
                },
                indent=2,
                default=str,
            )
            + "\n"
        )


def eval_main(args: list[str], *, report: Path | None) -> None:
    """Parse the options of ``eligate eval triage`` from ``args`` and run it."""
    runner = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @runner.command()
    def triage_eval(  # noqa: PLR0917 - typer passes options by name
        train_nights: Annotated[int, typer.Option(help="Generated nights to train on.")] = 20,
        test_nights: Annotated[int, typer.Option(help="Held-out generated nights.")] = 8,
        seed: Annotated[int, typer.Option(help="Training seed (held-out: seed + 1000).")] = 7,
        drift_runs: Annotated[int, typer.Option(help="Simulated payers per volume.")] = 50,
        scale: Annotated[float, typer.Option(help="Multiplies every payer's volume.")] = 1.0,
        models: Annotated[
            Path | None, typer.Option(help="Evaluate this bundle instead of training one.")
        ] = None,
    ) -> None:
        """Held-out generated nights, the hand-labelled set, and payer drift."""
        eval_triage(
            train_nights=train_nights,
            test_nights=test_nights,
            seed=seed,
            drift_runs=drift_runs,
            scale=scale,
            models_path=models,
            report_path=report,
        )

    runner(args=args, prog_name="eligate eval triage")


def _as_dict(value: object) -> dict[str, object]:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else {}


def _hand_case(models: TriageModels | None) -> NightCase:
    from eligate.triage import Expected, History, NightCase, outcome_of, parse_record, rank

    manifest = json.loads((HAND_SET / "manifest.json").read_text())
    index = _enrollment([str(HAND_SET / name) for name in manifest["enrollment"]])
    cases = [
        json.loads(line) for line in (HAND_SET / "cases.jsonl").read_text().splitlines() if line
    ]
    outcomes = [outcome_of(parse_record(c["record"], line=n)) for n, c in enumerate(cases, 1)]
    earlier = History(
        [parse_record(r, line=n) for n, r in enumerate(manifest.get("history", []), 1)]
    )
    as_of = datetime.fromisoformat(manifest["as_of"])
    expected: dict[str, Expected] = {}
    for case, outcome in zip(cases, outcomes, strict=True):
        label = case.get("expected")
        if label is None:
            continue
        hours = label.get("cleared_after_hours")
        checked = outcome.record.checked_at
        cleared = checked + timedelta(hours=hours) if checked and hours is not None else None
        expected[outcome.record.item_id] = Expected(label["kind"], label["needs_person"], cleared)
    arguments: dict[str, Any] = {"as_of": as_of, "enrollment": index, "history": earlier}
    return NightCase(
        learned=rank(outcomes, models=models, **arguments),
        rules=rank(outcomes, models=None, **arguments),
        expected=expected,
    )


def register(app: typer.Typer) -> None:
    """Add ``eligate triage`` (and ``triage train``) and ``eligate drift`` to ``app``."""
    app.add_typer(triage_app, name="triage")
    app.command("drift")(drift_command)
