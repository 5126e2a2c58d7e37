"""``eligate audit``: exit 0 intact, 1 tampered (first bad seq), 2 unusable input."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

from eligate.cli import app
from eligate.eligibility import AuditRecord, KeyRing, SqlAuditStore


@dataclass(frozen=True)
class Done:
    """What a command run left: exit status, standard output and standard error."""

    returncode: int
    stdout: str
    stderr: str


def _run(*args: str, env: dict[str, str] | None = None) -> Done:
    """Run ``eligate audit ...`` in-process (a subprocess costs a second per call here)."""
    result = CliRunner().invoke(app, ["audit", *args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Done(result.exit_code, result.stdout, result.stderr)


def test_entry_point_exit_statuses(tmp_path: Path) -> None:
    """Through the real ``python -m eligate``: 0 after migrate, 2 with one line on bad input."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    for args, status in ((("migrate", "--database-url", url), 0),
                         (("verify", "--database-url", "mysql://x/y"), 2)):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "eligate", "audit", *args],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == status, done.stderr
    assert done.stderr.startswith("eligate: error[bad_database_url]: mysql://x/y: ")
    assert len(done.stderr.splitlines()) == 1


@dataclass(frozen=True)
class Target:
    """A database for the CLI: its URL and the extra options that select it."""

    name: str
    url: str
    options: tuple[str, ...]
    schema: str | None

    def args(self) -> tuple[str, ...]:
        """The command-line options naming this database."""
        return ("--database-url", self.url, *self.options)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    """A SQLite file, or a fresh schema in the session's PostgreSQL database."""
    if request.param == "sqlite":
        return Target("sqlite", f"sqlite:///{tmp_path / 'audit.db'}", (), None)
    url = request.getfixturevalue("postgres_database")
    schema = f"cli_{uuid.uuid4().hex[:12]}"
    return Target("postgresql", url, ("--schema", schema), schema)


CLI_KEYS = "k1:" + "A" * 43


async def _record(target: Target, count: int) -> None:
    store = SqlAuditStore.from_url(target.url, keys=KeyRing.parse(CLI_KEYS), schema=target.schema)
    try:
        for n in range(count):
            await store.record(
                AuditRecord(
                    correlation_id=f"cli-{n}", payer_id="synpayer", status="verified",
                    source="batch", response_ms=10.0, created_at=datetime.now(UTC),
                    request_270=b"NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123~",
                    response_271=None,
                )
            )  # fmt: skip
    finally:
        await store.close()


async def _tamper(target: Target) -> None:
    args = {"server_settings": {"search_path": target.schema}} if target.schema else {}
    engine = create_async_engine(target.url.replace("sqlite://", "sqlite+aiosqlite://"),
                                 connect_args=args)  # fmt: skip
    try:
        async with engine.begin() as connection:
            if target.name == "postgresql":
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
            else:
                await connection.execute(text("DROP TRIGGER audit_events_no_update"))
            await connection.execute(
                text("UPDATE audit_events SET created_at = created_at WHERE seq = 2")
            )
            await connection.execute(text("UPDATE audit_events SET prev_hash = hash WHERE seq = 2"))
    finally:
        await engine.dispose()


def test_migrate_verify_tamper_verify(target: Target) -> None:
    """Migrate, record, verify (0); tamper with seq 2 over SQL, verify (1, names seq 2)."""
    done = _run("migrate", *target.args())
    assert done.returncode == 0, done.stderr
    asyncio.run(_record(target, 3))
    done = _run("verify", "--keys", CLI_KEYS, *target.args())
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("audit chain intact: 3 events, head 3:")
    head = done.stdout.split()[-1]
    assert _run("verify", "--keys", CLI_KEYS, *target.args(), "--anchor", head).returncode == 0
    asyncio.run(_tamper(target))
    done = _run("verify", "--keys", CLI_KEYS, *target.args())
    assert done.returncode == 1, done.stderr
    assert "BROKEN at seq 2 (prev_hash_mismatch); 1 events verified before it" in done.stdout
    assert done.stderr == ""


def _one_line_error(done: Done, code: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"eligate: error[{code}]: ")
    assert "Traceback" not in done.stderr
    return lines[0]


def test_unreachable_database_is_exit_2() -> None:
    """A database nobody listens for: exit 2, database_unreachable, no password shown."""
    done = _run("verify", "--database-url", "postgresql://postgres:hunter2@127.0.0.1:1/audit")
    line = _one_line_error(done, "database_unreachable")
    assert "hunter2" not in line
    assert "127.0.0.1:1/audit" in line


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("mysql://root@127.0.0.1/audit", "bad_database_url"),
        ("::not a url::", "bad_database_url"),
        ("sqlite:////nonexistent/folder/audit.db", "database_not_found"),
    ],
)
def test_unusable_url_is_exit_2(url: str, code: str) -> None:
    """Bad or missing databases are one line with a stable code."""
    _one_line_error(_run("verify", "--database-url", url), code)


def test_bad_anchor_is_exit_2(tmp_path: Path) -> None:
    """An anchor that is not SEQ:HASH is unusable input, refused before the database is read."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    _one_line_error(_run("verify", "--database-url", url, "--anchor", "7:nothex"), "bad_anchor")


def test_anchor_past_the_end_is_exit_1(tmp_path: Path) -> None:
    """A log shorter than an anchor kept elsewhere was cut off: exit 1."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    assert _run("migrate", "--database-url", url).returncode == 0
    done = _run("verify", "--database-url", url, "--anchor", "4:" + "a" * 64)
    assert done.returncode == 1
    assert "BROKEN at seq 1 (truncated)" in done.stdout


def test_unmigrated_database_is_exit_2(tmp_path: Path) -> None:
    """A SQLite file without the audit tables says to migrate first."""
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    line = _one_line_error(_run("verify", "--database-url", f"sqlite:///{path}"), "schema_missing")
    assert "eligate audit migrate" in line


def test_database_url_from_the_environment(tmp_path: Path) -> None:
    """ELIGATE_DATABASE_URL stands in for --database-url."""
    env = {"ELIGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'env.db'}"}
    assert _run("migrate", env=env).returncode == 0
    done = _run("verify", env=env)
    assert done.returncode == 0, done.stderr
    assert "intact: 0 events" in done.stdout


def test_new_key_prints_a_usable_key() -> None:
    """``new-key`` prints an ``id:base64`` entry a KeyRing accepts; a bad id is exit 2."""
    done = _run("new-key", "--key-id", "2026-11")
    assert done.returncode == 0, done.stderr
    assert KeyRing.parse(done.stdout.strip()).active_key_id == "2026-11"
    _one_line_error(_run("new-key", "--key-id", "bad id!"), "bad_encryption_key")


def test_verify_reports_spooled_transactions_missing_from_the_chain(tmp_path: Path) -> None:
    """A transaction waiting in the service's spool is reported missing (exit 1), then not."""
    from eligate.eligibility import SPOOL_FILE, AuditSpool

    url = f"sqlite:///{tmp_path / 'audit.db'}"
    assert _run("migrate", "--database-url", url).returncode == 0
    keys = KeyRing.parse("k1:" + "A" * 43)
    record = AuditRecord(
        correlation_id="corr-1", payer_id="synpayer", status="verified", source="realtime",
        response_ms=1.0, created_at=datetime(2026, 12, 1, tzinfo=UTC),
        request_270=None, response_271=None, record_id="spooled-1",
    )  # fmt: skip
    AuditSpool(tmp_path / SPOOL_FILE, keys=keys).append(record)
    done = _run("verify", "--database-url", url, "--data-dir", str(tmp_path), "--keys", CLI_KEYS)
    assert done.returncode == 1
    assert "MISSING 1 transactions known to the service" in done.stdout
    assert "spooled-1" in done.stdout

    async def write() -> None:
        store = SqlAuditStore.from_url(url, keys=keys)
        await store.record(record)
        await store.close()

    asyncio.run(write())  # replayed: in the chain now, though still listed in the spool
    done = _run("verify", "--database-url", url, "--data-dir", str(tmp_path), "--keys", CLI_KEYS)
    assert done.returncode == 0, done.stdout
    assert "MISSING" not in done.stdout


def test_verify_checks_the_signed_anchors_the_service_wrote(tmp_path: Path) -> None:
    """The service anchors its head; a cut-off tail is caught, and so is an edited anchor file."""
    from eligate.eligibility import ANCHOR_FILE, SPOOL_FILE, AuditSpool, DurableAuditStore

    url = f"sqlite:///{tmp_path / 'audit.db'}"
    keys = KeyRing.parse(CLI_KEYS)
    anchors = tmp_path / ANCHOR_FILE

    async def serve_and_stop() -> None:
        chain = SqlAuditStore.from_url(url, keys=keys)
        await chain.migrate()
        durable = DurableAuditStore(
            chain, AuditSpool(tmp_path / SPOOL_FILE, keys=keys), anchors=anchors, keys=keys
        )
        durable.start()
        for n in range(4):
            await durable.record(
                AuditRecord(
                    correlation_id=f"a-{n}", payer_id="synpayer", status="verified",
                    source="realtime", response_ms=1.0, created_at=datetime.now(UTC),
                    request_270=None, response_271=None,
                )
            )  # fmt: skip
        await durable.close()  # writes the last head

    asyncio.run(serve_and_stop())
    verify = ("verify", "--database-url", url, "--data-dir", str(tmp_path), "--keys", CLI_KEYS)
    assert _run(*verify, "--anchors", str(anchors)).returncode == 0
    lines = anchors.read_text().splitlines()
    assert '"seq":4' in lines[-1]

    forged = lines[-1].replace('"seq":4', '"seq":3')
    anchors.write_text("\n".join([*lines[:-1], forged]) + "\n")
    done = _run(*verify, "--anchors", str(anchors))
    assert done.returncode == 1
    assert "anchors FORGED" in done.stdout
    anchors.write_text("\n".join(lines) + "\n")

    async def cut_tail() -> None:
        engine = create_async_engine(url.replace("sqlite://", "sqlite+aiosqlite://"))
        try:
            async with engine.begin() as connection:
                await connection.execute(text("DROP TRIGGER audit_events_no_delete"))
                await connection.execute(text("DELETE FROM audit_transactions WHERE event_seq = 4"))
                await connection.execute(text("DELETE FROM audit_events WHERE seq = 4"))
        finally:
            await engine.dispose()

    asyncio.run(cut_tail())
    assert _run(*verify).returncode == 0  # the chain alone cannot see its tail is gone
    done = _run(*verify, "--anchors", str(anchors))
    assert done.returncode == 1
    assert "truncated" in done.stdout
