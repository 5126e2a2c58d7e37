"""``eligate simulate-payers``: one JSON line with the endpoints, admin endpoint, clean stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx


def test_simulate_payers_serves_until_stopped(tmp_path: Path) -> None:
    """The payers answer, the admin endpoint works, SIGTERM stops it with status 0."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eligate",
            "simulate-payers",
            "--payer",
            "alpha",
            "--payer",
            "bravo",
            "--behavior",
            'bravo={"down": "503"}',
            "--registry-dir",
            str(tmp_path),
            "--duration",
            "30",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = json.loads(process.stdout.readline())
        assert set(line["endpoints"]) == {"alpha", "bravo"}
        assert sorted(p.name for p in tmp_path.iterdir()) == ["alpha.yaml", "bravo.yaml"]
        down = httpx.post(line["endpoints"]["bravo"], content=b"x", timeout=5)
        assert down.status_code == 503
        changed = httpx.put(f"{line['admin']}/behavior/bravo", json={}, timeout=5)
        assert changed.status_code == 200
        not_core = httpx.post(line["endpoints"]["bravo"], content=b"x", timeout=5)
        assert not_core.status_code == 400
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err


def test_bad_behaviour_is_one_line_and_exit_2() -> None:
    """A behaviour out of range is refused with a stable code, no traceback."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eligate",
            "simulate-payers",
            "--behavior",
            'synblue={"error_rate": 3}',
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert lines == [
        "eligate: error[bad_behavior]: --behavior synblue: error_rate: "
        "Input should be less than or equal to 1"
    ]


def test_an_unwritable_registry_dir_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """A registry directory that cannot be written is refused before any payer starts."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    done = subprocess.run(
        [sys.executable, "-m", "eligate", "simulate-payers", "--registry-dir", str(blocker / "x")],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.decode().strip().splitlines()
    assert line.startswith("eligate: error[bad_registry_dir]: --registry-dir ")
