"""Settings: built from ELIGATE_* at start-up, refusing unsafe values in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eligate.service import SettingsError, hash_api_key, load_settings
from tests.service.conftest import TEST_ENCRYPTION_KEY


def _production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELIGATE_ENVIRONMENT", "production")
    monkeypatch.setenv("ELIGATE_ENCRYPTION_KEY", TEST_ENCRYPTION_KEY)
    monkeypatch.setenv("ELIGATE_CACHE_SALT", "production-cache-salt")
    monkeypatch.setenv("ELIGATE_API_KEYS", f"clinic:eligibility:{hash_api_key('k')}")
    monkeypatch.setenv("ELIGATE_PROVIDER_NPI", "1999999992")


def test_defaults_are_the_embedded_development_setup() -> None:
    """With no variables: development, SQLite under the data dir, in-process cache, auth off."""
    settings = load_settings()
    assert settings.environment == "development"
    assert settings.database_url == "sqlite+aiosqlite:///.eligate/eligate.db"
    assert settings.redis_url is None
    assert settings.payers_dir is None
    assert not settings.auth_enabled


def test_the_database_follows_the_data_dir_unless_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedded SQLite file lives under ELIGATE_DATA_DIR; a URL given wins."""
    monkeypatch.setenv("ELIGATE_DATA_DIR", "/var/lib/eligate")
    assert load_settings().database_url == "sqlite+aiosqlite:////var/lib/eligate/eligate.db"
    monkeypatch.setenv("ELIGATE_DATABASE_URL", "postgresql+asyncpg://127.0.0.1/eligate")
    assert load_settings().database_url == "postgresql+asyncpg://127.0.0.1/eligate"


def test_variables_are_read_with_the_eligate_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    """ELIGATE_* variables set the fields; secrets stay hidden in repr."""
    _production(monkeypatch)
    monkeypatch.setenv("ELIGATE_PORT", "9090")
    monkeypatch.setenv("ELIGATE_REDIS_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("ELIGATE_LLM_API_KEY", "sk-synthetic")
    monkeypatch.setenv("ELIGATE_LLM_MODE", "json")
    settings = load_settings()
    assert settings.port == 9090
    assert settings.redis_url == "redis://127.0.0.1:6379/1"
    assert settings.llm_mode == "json"
    assert settings.llm_config() is None  # no URL and model: rules only
    assert settings.auth_enabled
    assert "sk-synthetic" not in repr(settings)
    assert TEST_ENCRYPTION_KEY not in repr(settings)


@pytest.mark.parametrize("environment", ["test", "production"])
def test_the_development_encryption_key_is_refused_outside_development(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    """Outside development the built-in key is refused with a one-line message naming it."""
    _production(monkeypatch)
    monkeypatch.setenv("ELIGATE_ENVIRONMENT", environment)
    monkeypatch.delenv("ELIGATE_ENCRYPTION_KEY")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert refused.value.code == "invalid_settings"
    assert "ELIGATE_ENCRYPTION_KEY is the built-in development key" in refused.value.message
    assert "\n" not in refused.value.message


def test_the_development_cache_salt_is_refused_outside_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The built-in cache salt is refused in production."""
    _production(monkeypatch)
    monkeypatch.delenv("ELIGATE_CACHE_SALT")
    with pytest.raises(SettingsError, match="ELIGATE_CACHE_SALT is the built-in"):
        load_settings()


def test_production_needs_an_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A production service with no API keys would serve nobody or everybody: refused."""
    _production(monkeypatch)
    monkeypatch.delenv("ELIGATE_API_KEYS")
    with pytest.raises(SettingsError, match="ELIGATE_API_KEYS is empty"):
        load_settings()


def test_api_keys_in_the_compact_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """``name:scope1,scope2:sha256hex`` entries split by ``;`` or spaces."""
    digest = hash_api_key("secret")
    monkeypatch.setenv(
        "ELIGATE_API_KEYS", f"adapter:normalize:{digest}; ops:normalize,admin:{digest.upper()}"
    )
    keys = load_settings().api_keys
    assert [(k.name, sorted(k.scopes)) for k in keys] == [
        ("adapter", ["normalize"]),
        ("ops", ["admin", "normalize"]),
    ]
    assert keys[1].sha256 == digest
    assert keys[1].allows("eligibility")
    assert not keys[0].allows("eligibility")


def test_api_keys_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """A JSON list of objects works too."""
    entry = {"name": "clinic", "scopes": ["eligibility"], "sha256": hash_api_key("x")}
    monkeypatch.setenv("ELIGATE_API_KEYS", json.dumps([entry]))
    assert load_settings().api_keys[0].name == "clinic"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("clinic:eligibility", "entry 1 is not name:scope1,scope2:sha256hex"),
        ("clinic:everything:" + "a" * 64, "ELIGATE_API_KEYS"),
        ("clinic:eligibility:abc", "ELIGATE_API_KEYS"),
        ("[{", "not valid JSON"),
    ],
)
def test_bad_api_keys_are_refused_without_echoing_them(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    """A malformed key list is one line naming the variable, never the value."""
    monkeypatch.setenv("ELIGATE_API_KEYS", value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert expected in refused.value.message
    assert "a" * 64 not in refused.value.message
    assert "abc" not in refused.value.message


def test_two_keys_with_one_name_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rate limits and logs go by key name, so names must differ."""
    digest = hash_api_key("x")
    monkeypatch.setenv("ELIGATE_API_KEYS", f"a:admin:{digest} a:normalize:{digest}")
    with pytest.raises(SettingsError, match="names two keys alike"):
        load_settings()


def test_numbers_out_of_range_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port or a limit out of range names the variable."""
    monkeypatch.setenv("ELIGATE_PORT", "70000")
    monkeypatch.setenv("ELIGATE_MAX_REQUEST_BYTES", "0")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "ELIGATE_PORT" in refused.value.message
    assert "ELIGATE_MAX_REQUEST_BYTES" in refused.value.message
    assert "70000" not in refused.value.message


def test_settings_are_frozen() -> None:
    """Settings are passed down, never changed on the way."""
    settings = load_settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]


def test_the_audit_key_ring_is_checked_and_has_two_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """``[id:]base64`` 32-byte keys, comma-separated, from either variable; bad ones named."""
    monkeypatch.setenv("ELIGATE_AUDIT_KEYS", f"k-new:{TEST_ENCRYPTION_KEY}, {TEST_ENCRYPTION_KEY}")
    settings = load_settings()
    assert settings.encryption_key.get_secret_value().startswith("k-new:")
    assert settings.primary_key() == b"test-encryption-key-32-bytes-ok!"
    monkeypatch.delenv("ELIGATE_AUDIT_KEYS")
    monkeypatch.setenv("ELIGATE_ENCRYPTION_KEY", "k1:c2hvcnQ=")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "ELIGATE_ENCRYPTION_KEY: key 1 is not [id:]base64 of 32 bytes" in refused.value.message
    assert "c2hvcnQ" not in refused.value.message


def test_a_short_cache_salt_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core needs at least 16 bytes of salt for its keyed hashes."""
    monkeypatch.setenv("ELIGATE_CACHE_SALT", "short")
    with pytest.raises(SettingsError, match="ELIGATE_CACHE_SALT: the cache salt must be at least"):
        load_settings()


def test_production_refuses_the_sample_provider_npi(monkeypatch: pytest.MonkeyPatch) -> None:
    """270s in production must name the clinic's own NPI, not the synthetic sample."""
    _production(monkeypatch)
    monkeypatch.delenv("ELIGATE_PROVIDER_NPI")
    with pytest.raises(SettingsError, match="ELIGATE_PROVIDER_NPI is the sample NPI"):
        load_settings()


def test_the_model_config_comes_from_the_one_settings_object(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ELIGATE_LLM_* variables build the proposer's config; its key stays secret."""
    monkeypatch.setenv("ELIGATE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ELIGATE_LLM_MODEL", "synthetic-model")
    monkeypatch.setenv("ELIGATE_LLM_API_KEY", "sk-synthetic")
    monkeypatch.setenv("ELIGATE_LLM_MODE", "md_json")
    monkeypatch.setenv("ELIGATE_LLM_DEADLINE_SECONDS", "3.5")
    config = load_settings().llm_config()
    assert config is not None
    assert (config.model, config.mode, config.deadline_seconds) == (
        "synthetic-model",
        "md_json",
        3.5,
    )
    assert config.api_key.get_secret_value() == "sk-synthetic"


def test_an_unusable_model_setting_is_refused_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model setting the proposer cannot use is a one-line start-up error naming it."""
    monkeypatch.setenv("ELIGATE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ELIGATE_LLM_MODEL", "synthetic-model")
    monkeypatch.setenv("ELIGATE_LLM_MAX_REASKS", "7")
    with pytest.raises(SettingsError, match="ELIGATE_LLM_MAX_REASKS"):
        load_settings()


def test_the_cli_reads_the_model_settings_as_the_service_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CLI's proposer and the service's settings build one config from one Settings."""
    from eligate.cli._llm import proposer_from_settings

    monkeypatch.setenv("eligate_llm_base_url", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ELIGATE_LLM_MODEL", "synthetic-model")
    monkeypatch.setenv("eligate_llm_max_items", "5")
    proposer = proposer_from_settings()
    assert proposer is not None
    try:
        assert proposer.config == load_settings().llm_config()
        assert proposer.config.max_items == 5
    finally:
        proposer.close()


async def test_payer_secrets_are_read_through_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Only the variables the payer files name are read, and the core takes them from there."""
    from eligate.eligibility import Core, MemoryCache
    from eligate.payers import load_registry
    from tests.eligibility.conftest import SALT, SUBMITTER
    from tests.eligibility.fakes import FakeAudit
    from tests.payers.test_registry import GOOD

    (tmp_path / "synaetna.yaml").write_text(GOOD, encoding="utf-8")
    registry = load_registry(tmp_path)
    monkeypatch.setenv("ELIGATE_TEST_SYNAETNA_TOKEN", "synthetic-token")
    monkeypatch.setenv("UNRELATED_SECRET", "not-read")
    secrets = load_settings().payer_secrets(registry)
    assert secrets == {"ELIGATE_TEST_SYNAETNA_TOKEN": "synthetic-token"}
    core = Core(registry=registry, cache=MemoryCache(), audit=FakeAudit(), salt=SALT,
                submitter=SUBMITTER, environ=secrets)  # fmt: skip
    try:
        assert [payer.payer_id for payer in core.payers()] == ["synaetna"]
    finally:
        await core.close()
