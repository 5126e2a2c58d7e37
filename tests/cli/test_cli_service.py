"""``eligate check`` and ``eligate serve``: exit statuses and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from eligate.cli._service import register
from eligate.eligibility import EligibilityCore
from eligate.service import Settings
from tests.service.fakes import FakeCore, Step

ARGS = [
    "check", "--payer", "SYNPAYER1", "--member", "SYN000123", "--last-name", "TESTPATIENT",
    "--first-name", "ALEX", "--dob", "1980-02-29",
]  # fmt: skip


def _app(core: FakeCore) -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)

    async def factory(settings: Settings) -> EligibilityCore:
        return core

    register(app, core_factory=factory)
    return app


def test_check_prints_a_verified_outcome_and_exits_0() -> None:
    """A verified answer is JSON on stdout, exit 0; the core is closed afterwards."""
    core = FakeCore()
    done = CliRunner().invoke(
        _app(core), [*ARGS, "--service-type", "30", "--service-type", "98", "--date", "2026-11-23"]
    )
    assert done.exit_code == 0, done.output
    outcome = json.loads(done.stdout)
    assert (outcome["status"], outcome["origin"]) == ("verified", "payer")
    assert core.requests[0].service_type_codes == ("30", "98")
    assert core.requests[0].date_of_service.isoformat() == "2026-11-23"
    assert core.closed


def test_check_asks_about_a_dependent() -> None:
    """The dependent options put the patient in the dependent loop; a partial one is refused."""
    core = FakeCore()
    dependent = ["--dependent-last-name", "SAMPLE", "--dependent-first-name", "JO"]
    done = CliRunner().invoke(_app(core), [*ARGS, *dependent, "--dependent-dob", "2015-06-01"])
    assert done.exit_code == 0, done.output
    asked = core.requests[0].dependent
    assert asked is not None
    assert (asked.last_name, asked.birth_date is not None) == ("SAMPLE", True)
    partial = CliRunner().invoke(_app(FakeCore()), [*ARGS, *dependent])
    assert partial.exit_code == 2
    assert "error[invalid_request]: dependent.birth_date:" in partial.stderr


def test_check_exits_1_when_unable_to_verify() -> None:
    """Unable to verify still prints the outcome (with its reason) and exits 1."""
    core = FakeCore()
    core.script("SYNPAYER1", Step(status="unable", origin="fallback", reason="breaker_open"))
    done = CliRunner().invoke(_app(core), ARGS)
    assert done.exit_code == 1
    assert json.loads(done.stdout)["reason"] == "breaker_open"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (["--dob", "1980-02-30"], "error[invalid_request]: subscriber.birth_date:"),
        (["--last-name", "A*B"], "error[invalid_request]: subscriber.last_name:"),
        (["--payer", "NOPE"], "error[unknown_payer]: no payer 'NOPE' in the registry"),
        (["--context", "later"], "error[invalid_request]: context:"),
    ],
)
def test_check_refuses_bad_input_with_exit_2(change: list[str], code: str) -> None:
    """Bad input is one line on stderr with a stable code and exit 2, without member data."""
    done = CliRunner().invoke(_app(FakeCore()), [*ARGS, *change])
    assert done.exit_code == 2
    assert done.stdout == ""
    assert code in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "TESTPATIENT" not in done.stderr
    assert "1980" not in done.stderr


def test_check_refuses_an_inquiry_the_core_cannot_send() -> None:
    """The core's 270 refusal is bad input: one line, exit 2."""
    from eligate.x12 import X12UsageError

    core = FakeCore()
    core.script("SYNPAYER1", Step(error=X12UsageError("provider_npi is not a valid NPI")))
    done = CliRunner().invoke(_app(core), ARGS)
    assert done.exit_code == 2
    assert done.stderr == "eligate: error[invalid_inquiry]: provider_npi is not a valid NPI\n"


def test_check_refuses_unsafe_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production refusal of the development key is one line and exit 2."""
    monkeypatch.setenv("ELIGATE_ENVIRONMENT", "production")
    done = CliRunner().invoke(_app(FakeCore()), ARGS)
    assert done.exit_code == 2
    assert done.stderr.startswith("eligate: error[invalid_settings]: ELIGATE_ENCRYPTION_KEY")


def test_the_real_check_runs_on_embedded_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``eligate check`` on embedded defaults asks the simulator and records the audit trail."""
    from eligate.cli import app

    monkeypatch.setenv("ELIGATE_DATA_DIR", str(tmp_path))
    done = CliRunner().invoke(app, [*ARGS[:1], "--payer", "synaetna", *ARGS[3:]])
    assert done.exit_code in {0, 1}, done.output
    assert json.loads(done.stdout)["origin"] == "payer"
    assert (tmp_path / "eligate.db").is_file()


def test_an_unreachable_database_is_one_line() -> None:
    """``check`` and ``serve`` refuse an audit database that does not answer, in one line."""
    from eligate.cli import app

    url = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"
    for args in (ARGS, ["serve", "--port", "0"]):
        done = CliRunner().invoke(app, args, env={"ELIGATE_DATABASE_URL": url})
        assert done.exit_code == 2, done.output
        assert done.stderr.startswith("eligate: error[database_unreachable]: ")
        assert len(done.stderr.strip().splitlines()) == 1


def test_idempotency_follows_the_redis_url() -> None:
    """Redis when ELIGATE_REDIS_URL is set, in-process otherwise."""
    import asyncio

    from eligate.service import (
        InMemoryIdempotencyStore,
        RedisIdempotencyStore,
        build_idempotency,
        load_settings,
    )

    assert isinstance(build_idempotency(load_settings()), InMemoryIdempotencyStore)
    shared = build_idempotency(load_settings(redis_url="redis://127.0.0.1:6379/0"))
    assert isinstance(shared, RedisIdempotencyStore)
    asyncio.run(shared.close())


def test_api_key_prints_a_key_and_its_settings_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The printed entry, put in ELIGATE_API_KEYS, admits the printed key with its scopes."""
    from eligate.service import hash_api_key, load_settings

    done = CliRunner().invoke(
        _app(FakeCore()), ["api-key", "--name", "clinic", "--scope", "eligibility"]
    )
    assert done.exit_code == 0, done.output
    key_line, entry_line = done.stdout.splitlines()
    key = key_line.removeprefix("key: ")
    monkeypatch.setenv("ELIGATE_API_KEYS", entry_line.removeprefix("ELIGATE_API_KEYS entry: "))
    (entry,) = load_settings().api_keys
    assert (entry.name, entry.sha256) == ("clinic", hash_api_key(key))
    assert entry.scopes == {"eligibility"}
    bad = CliRunner().invoke(_app(FakeCore()), ["api-key", "--name", "c", "--scope", "root"])
    assert bad.exit_code == 2
    assert "error[invalid_api_key_spec]" in bad.stderr
