"""``eligate simulate-payers``: run loopback payers for demos, tests and benchmarks.

Prints one JSON line (each payer's endpoint and the admin URL) on stdout once the
payers listen, then serves until interrupted (or for ``--duration`` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from eligate.simulator import Behavior

_EXIT_BAD_INPUT = 2
_DEFAULT_PAYERS = ("synaetna", "synblue", "syncigna", "synunited")


def _fail(code: str, message: str) -> typer.Exit:
    typer.echo(f"eligate: error[{code}]: {message}", err=True)
    return typer.Exit(_EXIT_BAD_INPUT)


def _behaviors(specs: list[str], payers: tuple[str, ...]) -> dict[str, Behavior]:
    from pydantic import ValidationError

    from eligate.simulator import Behavior

    behaviors: dict[str, Behavior] = {}
    for spec in specs:
        payer_id, sep, text = spec.partition("=")
        if not sep or payer_id not in payers:
            raise _fail("bad_behavior", f"--behavior {payer_id!r}: expected ID=JSON for a payer")
        try:
            behaviors[payer_id] = Behavior.model_validate_json(text)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "json"
            raise _fail("bad_behavior", f"--behavior {payer_id}: {where}: {first['msg']}") from None
    return behaviors


async def _run(
    *,
    payers: tuple[str, ...],
    behaviors: dict[str, Behavior],
    admin_port: int,
    seed: int,
    registry_dir: Path | None,
    duration: float,
) -> None:
    from eligate.payers import write_registry
    from eligate.simulator import start_simulator

    simulator = await start_simulator(payers, behaviors=behaviors, admin_port=admin_port, seed=seed)
    try:
        if registry_dir is not None:
            write_registry(simulator.registry(), registry_dir)
        line = {"endpoints": simulator.endpoints, "admin": simulator.admin_url}
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=duration or None)
    finally:
        await simulator.stop()


def register(app: typer.Typer) -> None:
    """Add ``simulate-payers`` to ``app``."""

    @app.command("simulate-payers")
    def simulate_payers(  # noqa: PLR0917 - typer passes options by name
        payer: Annotated[
            list[str] | None,
            typer.Option("--payer", help="Payer id to simulate (repeat); four by default."),
        ] = None,
        behavior: Annotated[
            list[str] | None,
            typer.Option(
                "--behavior",
                help="Initial behaviour, ID=JSON, e.g. synblue='{\"error_rate\": 0.3}'.",
            ),
        ] = None,
        admin_port: Annotated[
            int, typer.Option(help="Port of the admin endpoint (0: any free port).")
        ] = 0,
        seed: Annotated[int, typer.Option(help="Seed of the payers' random choices.")] = 7,
        registry_dir: Annotated[
            Path | None,
            typer.Option(help="Write a payer registry (one YAML per payer) pointing here."),
        ] = None,
        duration: Annotated[
            float, typer.Option(help="Stop after this many seconds (0: run until interrupted).")
        ] = 0.0,
    ) -> None:
        """Run loopback payers that answer 270s with synthetic 271s (slow/flaky/down on demand)."""
        payers = tuple(payer or _DEFAULT_PAYERS)
        if len(set(payers)) != len(payers):
            raise _fail("bad_payer", "--payer: each payer id once")
        for payer_id in payers:
            if (
                not payer_id.replace("-", "").replace("_", "").isalnum()
                or payer_id != payer_id.lower()
            ):
                raise _fail(
                    "bad_payer", f"--payer {payer_id!r}: lower-case letters, digits, - or _"
                )
        if not 0 <= admin_port <= 65535:
            raise _fail("bad_port", "--admin-port must be between 0 and 65535")
        if duration < 0:
            raise _fail("bad_duration", "--duration must not be negative")
        chosen = _behaviors(behavior or [], payers)
        if registry_dir is not None:
            try:
                registry_dir.mkdir(parents=True, exist_ok=True)
                (registry_dir / ".write-test").touch()
                (registry_dir / ".write-test").unlink()
            except OSError as error:
                raise _fail(
                    "bad_registry_dir", f"--registry-dir {registry_dir}: {error.strerror or error}"
                ) from None
        try:
            asyncio.run(
                _run(
                    payers=payers,
                    behaviors=chosen,
                    admin_port=admin_port,
                    seed=seed,
                    registry_dir=registry_dir,
                    duration=duration,
                )
            )
        except OSError as error:
            raise _fail("cannot_listen", f"{error.strerror or error}") from None
