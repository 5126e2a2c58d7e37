"""The payer registry: YAML files validated on load, one-line errors naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligate.eligibility import Core
from eligate.payers import BearerAuth, RegistryError, UnknownPayerError, load_payer, load_registry
from tests.eligibility.conftest import SALT, SUBMITTER
from tests.eligibility.fakes import FakeAudit, FakeCache

GOOD = """\
id: synaetna
name: Synthetic Aetna
endpoint: https://payer.example/core/270
auth:
  method: bearer
  token_env: ELIGATE_TEST_SYNAETNA_TOKEN
timeout: {connect: 1.5, read: 6, total: 8}
breaker: {failure_threshold: 4, window_seconds: 20, open_seconds: 10}
pool_size: 12
retry:
  attempts: 3
  backoff_base: 0.2
  backoff_max: 2
  failures: [connect, timeout, http_5xx, http_429]
pacing: {rate_per_second: 25, burst: 5}
fallback: {max_stale_hours: 12}
x12: {receiver_id: SYNAETNA, payer_id: "60054", payer_name: SYNTHETIC AETNA}
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_every_field(tmp_path: Path) -> None:
    """Every documented field is read into the typed config."""
    _write(tmp_path, "synaetna.yaml", GOOD)
    registry = load_registry(tmp_path)
    config = registry["synaetna"]
    assert list(registry) == ["synaetna"]
    assert isinstance(config.auth, BearerAuth)
    assert config.auth.token_env == "ELIGATE_TEST_SYNAETNA_TOKEN"  # noqa: S105 a variable name
    assert (config.timeout.connect, config.timeout.read, config.timeout.total) == (1.5, 6, 8)
    assert config.breaker.failure_threshold == 4
    assert config.pool_size == 12
    assert config.retry.failures == ("connect", "timeout", "http_5xx", "http_429")
    assert config.retried("timeout")
    assert not config.retried("http_4xx")
    assert config.pacing.rate_per_second == 25
    assert config.fallback.max_stale_hours == 12
    assert config.x12.payer_id == "60054"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("pool_size: 12", "pool_size: 0"), "pool_size"),
        (
            ("  failures: [connect, timeout, http_5xx, http_429]", "  failures: [everything]"),
            "retry.failures.0",
        ),
        (("  attempts: 3\n", ""), None),
        (
            ("timeout: {connect: 1.5, read: 6, total: 8}", "timeout: {connect: 3, total: 2}"),
            "timeout",
        ),
        (("  token_env: ELIGATE_TEST_SYNAETNA_TOKEN", "  token: s3cr3t"), "auth.bearer"),
        (("endpoint: https://payer.example/core/270", "endpoint: not a url"), "endpoint"),
        (("endpoint: https://payer.example/core/270", "endpoint: https://u:s3cr3t@p.example/"), ""),
    ],
)
def test_a_bad_file_is_one_line_naming_file_and_field(
    tmp_path: Path, change: tuple[str, str], field: str | None
) -> None:
    """A wrong value is refused with one line that names the file and the field."""
    path = _write(tmp_path, "synaetna.yaml", GOOD.replace(*change))
    if field is None:  # attempts has a default: removing it is fine
        assert load_payer(path).retry.attempts == 2
        return
    with pytest.raises(RegistryError) as caught:
        load_registry(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {field}")
    assert "s3cr3t" not in message


def test_retry_failures_must_be_stated(tmp_path: Path) -> None:
    """There is no default for which failures are retried."""
    text = GOOD.replace("  failures: [connect, timeout, http_5xx, http_429]\n", "")
    path = _write(tmp_path, "p.yaml", text)
    with pytest.raises(RegistryError, match=r"p\.yaml: retry\.failures: Field required"):
        load_payer(path)


def test_not_yaml_and_not_a_mapping_are_refused(tmp_path: Path) -> None:
    """Broken YAML and a YAML list are each one line naming the file."""
    broken = _write(tmp_path, "broken.yaml", "id: [unclosed\n")
    with pytest.raises(RegistryError, match=r"broken\.yaml: not valid YAML at line"):
        load_payer(broken)
    listed = _write(tmp_path, "list.yaml", "- a\n- b\n")
    with pytest.raises(RegistryError, match=r"list\.yaml: must be a mapping"):
        load_payer(listed)


def test_two_files_with_one_id_are_refused(tmp_path: Path) -> None:
    """Payer ids are unique across files."""
    _write(tmp_path, "a.yaml", GOOD)
    _write(tmp_path, "b.yml", GOOD)
    with pytest.raises(RegistryError, match=r"b\.yml: id: payer id 'synaetna' is already"):
        load_registry(tmp_path)


def test_an_empty_or_missing_directory_is_refused(tmp_path: Path) -> None:
    """No payer file, or no directory, is an error rather than an empty registry."""
    with pytest.raises(RegistryError, match="holds no payer file"):
        load_registry(tmp_path)
    with pytest.raises(RegistryError, match="not a directory"):
        load_registry(tmp_path / "missing")


def test_unknown_payer_is_a_usage_error(tmp_path: Path) -> None:
    """Looking up an id not in the registry raises UnknownPayerError."""
    _write(tmp_path, "synaetna.yaml", GOOD)
    registry = load_registry(tmp_path)
    with pytest.raises(UnknownPayerError, match="unknown payer 'nobody'"):
        registry["nobody"]


async def test_a_missing_secret_is_named_by_variable_not_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building the core without the payer's secret names the variable, never a value."""
    _write(tmp_path, "synaetna.yaml", GOOD)
    registry = load_registry(tmp_path)
    monkeypatch.delenv("ELIGATE_TEST_SYNAETNA_TOKEN", raising=False)
    with pytest.raises(RegistryError, match="ELIGATE_TEST_SYNAETNA_TOKEN"):
        Core(
            registry=registry,
            cache=FakeCache(),
            audit=FakeAudit(),
            salt=SALT,
            submitter=SUBMITTER,
        )


def test_the_sample_payer_files_load() -> None:
    """The example payer files shipped in samples/payers validate."""
    from tests.conftest import SAMPLES

    registry = load_registry(SAMPLES / "payers")
    assert list(registry) == ["synaetna", "synblue"]
    assert registry["synblue"].retry.failures == ("connect", "http_5xx")
