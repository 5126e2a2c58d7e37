"""PostgreSQL and Redis servers a test owns: started on spare ports, killed and frozen at will.

The shared servers (5432, 6379) are never stopped; fault tests start their own
here. ``stop``/``start`` kill and restart the process on the same port and data;
``freeze``/``thaw`` send SIGSTOP/SIGCONT, so connections hang as they do when a
host stalls. The session fixtures always stop the processes they started.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_WAIT_S = 30.0
_PGREP = shutil.which("pgrep") or "/usr/bin/pgrep"


def spare_port() -> int:
    """A TCP port nobody listens on now (bound once to port 0, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _wait_until(check: Any, what: str) -> None:
    deadline = time.monotonic() + _WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up in {_WAIT_S:.0f} s")
        time.sleep(0.05)


def _as_postgres() -> dict[str, Any]:
    """PostgreSQL refuses to run as root: when we are root, run it as the postgres user."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("postgres")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


class OwnProcess:
    """A server process this test session started; stop, start, freeze and thaw it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        """The server's command line."""
        raise NotImplementedError

    def options(self) -> dict[str, Any]:
        """Extra Popen options (user)."""
        return {}

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **self.options()
        )
        _wait_until(lambda: _listening(self.port), " ".join(self.command()[:1]))

    def stop(self) -> None:
        """Kill the server (SIGKILL: an outage, not a shutdown) and reap it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGCONT)
            self.process.kill()
        self.process.wait(timeout=_WAIT_S)
        self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT after :meth:`freeze`."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)


class OwnPostgres(OwnProcess):
    """A PostgreSQL cluster in a temporary folder, trust auth on loopback."""

    def __init__(self, folder: Path) -> None:
        super().__init__(spare_port())
        self.folder = folder
        self.data = folder / "data"
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not binaries:
            pytest.fail("no PostgreSQL binaries under /usr/lib/postgresql/*/bin (CI installs them)")
        self.bin = Path(binaries[-1])
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
             "--no-sync"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **_as_postgres(),
        )  # fmt: skip
        # PostgreSQL forks a process per connection: SIGSTOP must reach them all, so the
        # postmaster is frozen with its children (see freeze).

    def command(self) -> list[str]:
        """``postgres`` on the spare port, sockets in the temp folder.

        No fsync: a killed process leaves its writes in the OS cache, which is enough here.
        """
        return [
            str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
            "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            "-c", "full_page_writes=off",
        ]  # fmt: skip

    def options(self) -> dict[str, Any]:
        """Run as postgres when we are root."""
        return _as_postgres()

    def freeze(self) -> None:
        """SIGSTOP the postmaster and every backend: open connections hang too."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        """SIGCONT every process of the cluster."""
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def _pids(self) -> list[int]:
        assert self.process is not None
        found = subprocess.run(
            [_PGREP, "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [self.process.pid, *(int(pid) for pid in found.stdout.split())]

    def url(self, database: str = "postgres") -> str:
        """The asyncpg URL of ``database`` on this server."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"


class OwnRedis(OwnProcess):
    """A redis-server with no persistence on a spare port."""

    def command(self) -> list[str]:
        """``redis-server`` on loopback, no RDB/AOF."""
        return [
            shutil.which("redis-server") or "redis-server", "--port", str(self.port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        ]  # fmt: skip

    def url(self) -> str:
        """The Redis URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture(scope="session")
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL this session owns (killable); stopped and removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="eligate-pg-"))
    try:
        server = OwnPostgres(folder)
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def own_postgres_up(own_postgres: OwnPostgres) -> Iterator[OwnPostgres]:
    """The owned PostgreSQL, running and thawed before and after the test."""
    if own_postgres.process is None:
        own_postgres.start()
    yield own_postgres
    if own_postgres.process is None:
        own_postgres.start()
    else:
        own_postgres.thaw()


@pytest.fixture(scope="session")
def own_redis() -> Iterator[OwnRedis]:
    """A Redis this session owns (killable); stopped at the end."""
    server = OwnRedis(spare_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_redis_up(own_redis: OwnRedis) -> Iterator[OwnRedis]:
    """The owned Redis, running and thawed before and after the test."""
    if own_redis.process is None:
        own_redis.start()
    yield own_redis
    if own_redis.process is None:
        own_redis.start()
    else:
        own_redis.thaw()


def schema_name() -> str:
    """A fresh PostgreSQL schema name for one test."""
    return f"t_{uuid.uuid4().hex[:12]}"
