"""``eligate batch submit|status|export``, ``eligate worker`` and ``eligate scheduler``.

``submit`` prints the batch id as the last line of standard output; progress per
payer goes to standard error (a bar on a terminal, plain lines otherwise). With
``ELIGATE_REDIS_URL`` items go to the Redis stream for ``eligate worker``
processes; without it the embedded in-memory queue runs them in this process,
so ``submit`` then always follows the run to its end. Heavy modules (taskiq,
SQLAlchemy, the core) are imported inside the commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from eligate.batch import BatchRuntime, Submitted
    from eligate.service import ComposedCore, Settings

EXIT_BAD_INPUT = 2

batch_app = typer.Typer(
    name="batch",
    help="The night run: verify an appointment list before the doors open.",
    no_args_is_help=True,
)


def _fail(code: str, message: str) -> NoReturn:
    typer.echo(f"eligate: error[{code}]: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _settings(*, quiet: bool = True) -> Settings:
    """The settings, and JSON logs on stderr (``quiet``: warnings and worse, unless debugging)."""
    from eligate.service import (
        ServiceError,
        configure_logging,
        load_settings,
    )

    try:
        settings = load_settings()
    except ServiceError as error:
        _fail(error.code, error.message)
    level = settings.log_level
    if quiet and level == "info":
        level = "warning"
    configure_logging(level=level)
    return settings


async def _open(
    settings: Settings, *, deliver_webhooks: bool = False
) -> tuple[ComposedCore, BatchRuntime]:
    from eligate.service import build_batch, build_core, build_webhooks

    composed = await build_core(
        settings,
        store_timeout=settings.batch_store_timeout_seconds,
        pool_size=settings.batch_db_pool_size,
    )
    try:
        # A worker also runs the webhooks' delivery pump (kicked by ``eligate serve``).
        webhooks = build_webhooks(settings, composed) if deliver_webhooks else None
        runtime = await build_batch(settings, composed, webhooks=webhooks, kick_pump=False)
    except BaseException:
        await composed.close()
        raise
    return composed, runtime


async def _close(composed: ComposedCore, runtime: BatchRuntime) -> None:
    try:
        await runtime.close()
    finally:
        await composed.close()


class _Progress:
    """Per-payer progress on stderr: one redrawn line on a terminal, plain lines otherwise."""

    def __init__(self, batch_id: str, *, tty: bool) -> None:
        self._batch_id = batch_id
        self._tty = tty
        self._last = ""

    def __call__(self, counts: dict[str, dict[str, int]]) -> None:
        from eligate.batch import FINAL_STATES

        parts = []
        for payer in sorted(counts):
            states = counts[payer]
            total = sum(states.values())
            final = sum(n for s, n in states.items() if s in FINAL_STATES)
            if self._tty:
                filled = int(10 * final / total) if total else 10
                parts.append(f"{payer} [{'#' * filled}{'.' * (10 - filled)}] {final}/{total}")
            else:
                parts.append(f"{payer} {final}/{total}")
        line = "  ".join(parts)
        if line == self._last:
            return
        self._last = line
        if self._tty:
            sys.stderr.write("\r" + line)
        else:
            sys.stderr.write(f"batch {self._batch_id}: {line}\n")
        sys.stderr.flush()

    def end(self) -> None:
        if self._tty and self._last:
            sys.stderr.write("\n")


async def _submit(settings: Settings, path: Path, *, wait: bool) -> Submitted:
    from eligate.batch import follow, report, submit

    try:
        data = path.read_bytes()
    except OSError as error:
        _fail("unreadable_file", f"{path.name}: {error.strerror}")
    composed, runtime = await _open(settings)
    try:
        embedded = not settings.redis_url
        submitted = await submit(
            data,
            name=path.name,
            store=runtime.store,
            payers=set(composed.core.registry),
            policy=runtime.policy,
            kicker=runtime.kicker,
            resume=embedded,
            announcer=composed.core.announcer,
        )
        for refusal in submitted.refused:
            typer.echo(f"eligate: refused {refusal.line()}", err=True)
        if not submitted.created:
            typer.echo(f"eligate: {path.name} was submitted before: run {submitted.batch_id}",
                       err=True)  # fmt: skip
        if wait or (embedded and submitted.queued):
            progress = _Progress(submitted.batch_id, tty=sys.stderr.isatty())
            await follow(runtime.store, submitted.batch_id, on_progress=progress)
            progress.end()
            figures = (await report(runtime.store, submitted.batch_id)).overall
            typer.echo(
                f"eligate: batch {submitted.batch_id}: {figures.total} items, "
                f"{figures.verified} verified, {figures.not_verified} not verified, "
                f"{figures.cache_hits} from cache, {figures.gave_up} gave up, "
                f"{figures.refused} refused",
                err=True,
            )
        return submitted
    finally:
        await _close(composed, runtime)


@batch_app.command("submit")
def submit_command(
    file: Annotated[Path, typer.Argument(help="Appointment list: .csv, .parquet or .jsonl.")],
    wait: Annotated[bool, typer.Option("--wait", help="Follow the run to its end.")] = False,
) -> None:
    """Submit an appointment list; print its batch id (the last line of standard output)."""
    from eligate.batch import BatchError
    from eligate.eligibility import EligibilityError

    settings = _settings()
    try:
        submitted = asyncio.run(_submit(settings, file, wait=wait))
    except BatchError as error:
        _fail(getattr(error, "code", "batch_error"), str(error))
    except EligibilityError as error:
        _fail(getattr(error, "code", "eligibility_error"), str(error))
    sys.stdout.write(submitted.batch_id + "\n")


async def _with_store(settings: Settings, action: str, batch_id: str, **kw: object) -> object:
    from eligate.batch import BatchStore, export, report
    from eligate.eligibility import KeyRing, SqlAuditStore

    keys = KeyRing.parse(settings.encryption_keys())
    audit = SqlAuditStore.from_url(settings.database_url, keys=keys)
    try:
        await audit.migrate()
        store = BatchStore(audit.engine, keys=keys)
        if action == "status":
            return await report(store, batch_id)
        out = kw["out"]
        return await export(store, batch_id, fmt=str(kw["fmt"]), out=out)  # type: ignore[arg-type]
    finally:
        await audit.close()


@batch_app.command("status")
def status_command(batch_id: Annotated[str, typer.Argument(help="The run's id.")]) -> None:
    """Print the run's counts and KPIs per payer as JSON."""
    from eligate.batch import BatchError, BatchReport

    settings = _settings()
    try:
        found = asyncio.run(_with_store(settings, "status", batch_id))
    except BatchError as error:
        _fail(getattr(error, "code", "batch_error"), str(error))
    assert isinstance(found, BatchReport)  # noqa: S101 - the status action returns a report
    sys.stdout.write(found.model_dump_json(indent=2) + "\n")


@batch_app.command("export")
def export_command(
    batch_id: Annotated[str, typer.Argument(help="The run's id.")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet.")] = "jsonl",
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default: stdout).")] = None,
) -> None:
    """Write the run's outcomes (``outcomes.jsonl`` columns), one line per item."""
    from eligate.batch import EXPORT_FORMATS, BatchError

    if fmt not in EXPORT_FORMATS:
        _fail("bad_format", f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    settings = _settings()
    try:
        if out is None:
            asyncio.run(_with_store(settings, "export", batch_id, fmt=fmt, out=sys.stdout.buffer))
            sys.stdout.buffer.flush()
        else:
            with out.open("wb") as sink:
                asyncio.run(_with_store(settings, "export", batch_id, fmt=fmt, out=sink))
    except BatchError as error:
        if out is not None:
            out.unlink(missing_ok=True)
        _fail(getattr(error, "code", "batch_error"), str(error))


async def _work(settings: Settings) -> None:
    composed, runtime = await _open(settings, deliver_webhooks=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await runtime.work(stop)
    finally:
        await _close(composed, runtime)


def worker_command() -> None:
    """Run a queue worker: take batch items from the Redis stream until stopped."""
    settings = _settings(quiet=False)
    if not settings.redis_url:
        _fail(
            "no_queue",
            "eligate worker needs ELIGATE_REDIS_URL (the embedded queue runs inside "
            "`eligate batch submit`)",
        )
    asyncio.run(_work(settings))


async def _schedule(settings: Settings, *, nights: int | None) -> None:
    from datetime import UTC, datetime

    from eligate.batch import Scheduler
    from eligate.service import batch_policy

    folder = settings.scheduler_dir
    assert folder is not None  # noqa: S101 - checked by the command

    async def submit_file(path: Path) -> str:
        submitted = await _submit(settings, path, wait=False)
        sys.stdout.write(submitted.batch_id + "\n")
        sys.stdout.flush()
        return submitted.batch_id

    scheduler = Scheduler(
        folder=folder,
        at=settings.scheduler_at,
        zone=batch_policy(settings).zone(),
        submit=submit_file,
        now=lambda: datetime.now(UTC),
    )
    await scheduler.run(nights=nights)


def scheduler_command(
    nights: Annotated[
        int | None, typer.Option(help="Stop after this many nights (default: run forever).")
    ] = None,
) -> None:
    """Every night at ELIGATE_SCHEDULER_AT, submit the newest file in ELIGATE_SCHEDULER_DIR."""
    settings = _settings(quiet=False)
    folder = settings.scheduler_dir
    if folder is None or not folder.is_dir():
        _fail("no_scheduler_dir", "set ELIGATE_SCHEDULER_DIR to the folder of appointment files")
    asyncio.run(_schedule(settings, nights=nights))


def register(app: typer.Typer) -> None:
    """Add ``batch``, ``worker`` and ``scheduler`` to the ``eligate`` app."""
    app.add_typer(batch_app, name="batch")
    app.command("worker")(worker_command)
    app.command("scheduler")(scheduler_command)
