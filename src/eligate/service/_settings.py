"""The service's settings: one object, built at start-up from ``ELIGATE_*`` variables.

Nothing here runs at import. :func:`load_settings` builds a :class:`Settings` and
turns every refusal into one :class:`SettingsError` line that names the variable,
never its value (keys are secrets). Unsafe combinations are refused: no encryption
key or the built-in cache salt outside ``development``, and a production service
without API keys. In development without a key, a random one is made on first start
in the data directory (no key is written in the source).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from eligate.eligibility import KeyRing
from eligate.llm import LLMConfig, LLMConfigError
from eligate.payers import PayerRegistry
from eligate.service.errors import SettingsError

Environment = Literal["development", "test", "production"]
"""Where the service runs; only ``development`` accepts the built-in secrets."""

Scope = Literal["normalize", "eligibility", "admin"]
"""What an API key may do; ``admin`` grants every scope."""

SCOPES: tuple[Scope, ...] = ("normalize", "eligibility", "admin")

LOCAL_KEY_FILE = "encryption.key"
"""The key made on first start in development, in the data directory (mode 0600)."""

DEVELOPMENT_CACHE_SALT = "eligate-development-cache-salt"
SAMPLE_PROVIDER_NPI = "1999999984"
"""A synthetic NPI (valid check digit, not issued) for development and tests."""
"""The built-in salt for the cache's keyed hashes on a developer's machine."""

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KEY_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class ApiKey(BaseModel):
    """One client's API key, kept only as its SHA-256 hash, with what it may do."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str = Field(pattern=_KEY_NAME.pattern)
    """The client's name: rate limits, logs and metrics use it, never the key."""
    scopes: frozenset[Scope] = Field(min_length=1)
    """What the key may do."""
    sha256: str = Field(pattern=_HEX64.pattern)
    """Lower-case hex SHA-256 of the key as the client sends it."""

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    def allows(self, scope: Scope) -> bool:
        """Whether this key may act in ``scope``."""
        return scope in self.scopes or "admin" in self.scopes


def hash_api_key(key: str) -> str:
    """The hash ``ELIGATE_API_KEYS`` holds for ``key`` (hex SHA-256 of its UTF-8 bytes)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _parse_api_keys(value: object) -> object:
    """JSON (a list of objects) or ``name:scope1,scope2:sha256hex`` entries split by ; or space."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return ()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON at position {error.pos}") from None
    entries: list[dict[str, Any]] = []
    for position, entry in enumerate(re.split(r"[;\s]+", text), start=1):
        if not entry:
            continue
        parts = entry.split(":")
        if len(parts) != 3:
            raise ValueError(f"entry {position} is not name:scope1,scope2:sha256hex")
        name, scopes, digest = parts
        entries.append({"name": name, "scopes": scopes.split(","), "sha256": digest})
    return entries


class Settings(BaseSettings):
    """Everything the service needs to start, from ``ELIGATE_*`` environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="ELIGATE_",
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        hide_input_in_errors=True,
    )

    environment: Environment = "development"
    """``development`` (built-in secrets allowed; no keys = auth off), ``test``, ``production``."""
    host: str = "127.0.0.1"
    """Interface ``eligate serve`` binds."""
    port: int = Field(default=8000, ge=0, le=65535)
    """Port ``eligate serve`` binds (0 picks a free one)."""
    data_dir: Path = Path(".eligate")
    """Where embedded defaults keep their files (the SQLite audit store)."""
    database_url: str = ""
    """SQLAlchemy async URL of the audit store; a SQLite file under ``data_dir`` when unset."""
    audit_anchor_file: Path | None = None
    """Where the service appends signed anchors of the audit chain (outside the database);
    ``data_dir/audit-anchors.jsonl`` when unset. Keep it on other storage than the database."""
    redis_url: str | None = None
    """Redis for the result cache and idempotency keys; in-process when unset."""
    encryption_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "encryption_key", "ELIGATE_ENCRYPTION_KEY", "ELIGATE_AUDIT_KEYS"
        ),
    )
    """Keys that encrypt raw 270/271 at rest: ``[id:]base64`` 32-byte keys, comma-separated,
    the first seals (also read from ELIGATE_AUDIT_KEYS). Required outside development; in
    development, unset means a random key made on first start in ``data_dir`` (mode 0600)."""
    cache_salt: SecretStr = SecretStr(DEVELOPMENT_CACHE_SALT)
    """Salt of the keyed hashes naming cache entries; built-in one refused outside development."""
    payers_dir: Path | None = None
    """Folder of payer YAML files; the built-in payer simulator when unset."""
    submitter_id: str = Field(default="ELIGATE", min_length=2, max_length=15)
    """ISA06/GS02 and the CORE SenderID of the 270s the core sends."""
    provider_npi: str = Field(default=SAMPLE_PROVIDER_NPI, pattern=r"^\d{10}$")
    """2100B NPI for inquiries that name no provider; the sample one is refused in production."""
    provider_name: str = Field(default="SAMPLE CLINIC", min_length=1, max_length=60)
    """2100B organization name that goes with ``provider_npi``."""
    api_keys: Annotated[tuple[ApiKey, ...], NoDecode] = ()
    """Clients allowed in: JSON list, or ``name:scope1,scope2:sha256hex`` entries."""
    rate_limit_per_minute: int = Field(default=600, ge=1)
    """Requests each client may make per minute on ``/v1`` (token bucket refill rate)."""
    rate_limit_burst: int = Field(default=60, ge=1)
    """Requests a client may make at once before the per-minute rate applies."""
    max_request_bytes: int = Field(default=1_048_576, ge=1)
    """Largest request body accepted; larger ones get 413 before parsing."""
    idempotency_ttl_seconds: int = Field(default=86_400, ge=1)
    """How long an ``Idempotency-Key`` and its response are kept."""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """Lowest level of log events written."""
    batch_deadline: time = time(5, 30)
    """Local time by which every item of a night run is final (``HH:MM``)."""
    batch_timezone: str | None = None
    """IANA zone of ``batch_deadline`` and ``scheduler_at``; the machine's own when unset."""
    batch_before_appointment_minutes: int = Field(default=60, ge=0, le=24 * 60)
    """...or this long before the item's appointment, whichever comes first."""
    batch_retry_delays: Annotated[tuple[float, ...], NoDecode] = (30.0, 120.0, 600.0)
    """Seconds before each retry of a transient payer failure, comma-separated."""
    batch_lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    """How long a worker holds an item it asks about; longer than a payer's total timeout."""
    batch_claim_idle_seconds: float = Field(default=60.0, gt=0, le=86_400)
    """A queue message pending this long with a (dead) worker is claimed by another."""
    batch_chunk_size: int = Field(default=25, ge=1, le=1000)
    """Items per queue message."""
    batch_tick_seconds: float = Field(default=5.0, gt=0, le=600)
    """How often a run's watchdog queues due retries and orphaned items again."""
    batch_worker_tasks: int = Field(default=16, ge=1, le=1000)
    """Queue messages one worker works on at once."""
    batch_concurrency: int = Field(default=64, ge=1, le=10_000)
    """Items one worker process works on at once."""
    batch_db_pool_size: int = Field(default=20, ge=1, le=500)
    """Database connections of one batch worker (the audit and batch stores share them)."""
    batch_store_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    """How long a worker waits on the audit store per write (a batch answer is not dropped)."""
    batch_resend_unknown: bool = False
    """Ask again for an item whose worker died after sending (risks a duplicate 270)."""
    batch_stream: str = Field(default="eligate:batch", min_length=1, max_length=200)
    """Redis stream key of the batch queue."""
    events_stream: str = Field(default="eligate:events", min_length=1, max_length=200)
    """Redis stream key of the event stream (``/v1/events``, webhooks)."""
    events_retain: int = Field(default=10_000, ge=10, le=10_000_000)
    """Events kept for replay from ``Last-Event-ID``; a client further behind gets ``resync``."""
    scheduler_dir: Path | None = None
    """Folder ``eligate scheduler`` takes the newest appointment file from."""
    scheduler_at: time = time(2, 0)
    """Local time ``eligate scheduler`` submits the night run."""
    llm_base_url: str | None = None
    """OpenAI-compatible ``/v1`` URL of the proposer model; rules only when unset."""
    llm_model: str | None = None
    """Model name at ``llm_base_url``; rules only when unset."""
    llm_api_key: SecretStr | None = None
    """Key for ``llm_base_url`` (local servers accept any)."""
    llm_mode: str | None = None
    """``tools``, ``json`` or ``md_json`` (servers without tool calls)."""
    llm_max_reasks: str | None = None
    """Re-asks after output that does not validate (0-2)."""
    llm_token_budget: str | None = None
    """Tokens one 271 may spend, all attempts together."""
    llm_deadline_seconds: str | None = None
    """One deadline for a whole model call, re-asks included."""
    llm_max_concurrency: str | None = None
    """Model calls in flight at once per process."""
    llm_breaker_threshold: str | None = None
    """Consecutive model failures that open its breaker."""
    llm_breaker_cooldown_seconds: str | None = None
    """How long the model's breaker stays open before one probe."""
    llm_max_items: str | None = None
    """Unmapped items sent to the model per 271."""
    llm_settle: str | None = None
    """Whether fully accepted proposals leave ``unmapped`` (default: a human confirms)."""

    @model_validator(mode="before")
    @classmethod
    def _embedded_database(cls, data: object) -> object:
        """No ``database_url``: the embedded SQLite file under ``data_dir``."""
        if isinstance(data, dict) and not data.get("database_url"):
            data_dir = Path(str(data.get("data_dir") or ".eligate"))
            return {**data, "database_url": f"sqlite+aiosqlite:///{data_dir / 'eligate.db'}"}
        return data

    @field_validator("batch_retry_delays", mode="before")
    @classmethod
    def _delays(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                delays = tuple(float(part) for part in parts)
            except ValueError:
                raise ValueError("comma-separated seconds, e.g. 30,120,600") from None
            if any(delay < 0 for delay in delays):
                raise ValueError("a retry delay cannot be negative")
            return delays
        return value

    @field_validator("batch_timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone (e.g. America/New_York)") from None
        return value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _api_keys(cls, value: object) -> object:
        return _parse_api_keys(value)

    @field_validator("encryption_key")
    @classmethod
    def _key_ring(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        entries = [e.strip() for e in value.get_secret_value().split(",")]
        for position, entry in enumerate(entries, start=1):
            encoded = entry.rpartition(":")[2].strip()
            try:
                secret = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError):
                secret = b""
            if len(secret) != 32:
                raise ValueError(f"key {position} is not [id:]base64 of 32 bytes")
        return value

    @field_validator("cache_salt")
    @classmethod
    def _salt(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().encode()) < 16:
            raise ValueError("the cache salt must be at least 16 bytes")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        names = [key.name for key in self.api_keys]
        if len(set(names)) != len(names):
            raise ValueError("ELIGATE_API_KEYS names two keys alike; each client needs its own")
        try:
            self.llm_config()
        except LLMConfigError as error:
            raise ValueError(str(error)) from None
        if self.environment == "development":
            return self
        if self.encryption_key is None:
            raise ValueError(
                f"ELIGATE_ENCRYPTION_KEY is unset; {self.environment} needs a key of its own "
                f"(eligate audit new-key --key-id ID)"
            )
        if self.cache_salt.get_secret_value() == DEVELOPMENT_CACHE_SALT:
            raise ValueError(
                f"ELIGATE_CACHE_SALT is the built-in development salt; "
                f"set a salt of your own for {self.environment}"
            )
        if self.environment == "production" and self.provider_npi == SAMPLE_PROVIDER_NPI:
            raise ValueError("ELIGATE_PROVIDER_NPI is the sample NPI; set the clinic's own")
        if self.environment == "production" and not self.api_keys:
            raise ValueError("ELIGATE_API_KEYS is empty; production needs at least one API key")
        return self

    def payer_secrets(self, registry: PayerRegistry) -> dict[str, str]:
        """The credentials the payer files name by environment variable, read now.

        The one place outside pydantic-settings that reads the environment: the
        variable names come from the payer files, so they cannot be fields.
        """
        names = {
            name
            for config in registry.values()
            for name in (
                getattr(config.auth, "username_env", None),
                getattr(config.auth, "password_env", None),
                getattr(config.auth, "token_env", None),
                getattr(config.auth, "key_env", None),
            )
            if name
        }
        return {name: os.environ[name] for name in sorted(names) if name in os.environ}

    def llm_config(self) -> LLMConfig | None:
        """The proposer model's config (``None``: rules only), validated by :class:`LLMConfig`.

        Raises:
            LLMConfigError: an ``ELIGATE_LLM_*`` value is unusable.
        """
        values = {
            f"ELIGATE_{name.upper()}": value
            for name in type(self).model_fields
            if name.startswith("llm_") and (value := getattr(self, name)) is not None
        }
        if self.llm_api_key is not None:
            values["ELIGATE_LLM_API_KEY"] = self.llm_api_key.get_secret_value()
        return LLMConfig.from_env(values)

    def encryption_keys(self) -> str:
        """The key ring entries: ``encryption_key``, or in development the data dir's own key.

        The local key is made on first use (``os.urandom``, mode 0600, never overwritten:
        rows sealed with it stay readable). No key is written in the source.
        """
        if self.encryption_key is not None:
            return self.encryption_key.get_secret_value()
        return _local_key(self.data_dir / LOCAL_KEY_FILE)

    def primary_key(self) -> bytes:
        """The first key of the key ring (the one that seals), decoded."""
        first = self.encryption_keys().split(",")[0]
        encoded = first.rpartition(":")[2].strip()
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))

    @property
    def auth_enabled(self) -> bool:
        """API keys are checked unless in development with none configured."""
        return bool(self.api_keys) or self.environment != "development"


def _local_key(path: Path) -> str:
    """The key entry kept at ``path``; a new random one written there when none is."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = KeyRing.generate("local")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    try:
        os.write(descriptor, entry.encode() + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return entry


def load_settings(**overrides: Any) -> Settings:
    """Build :class:`Settings` from the environment (and ``overrides``), or refuse in one line.

    Raises:
        SettingsError: a value is invalid or unsafe; the message names the
            variable and the rule, never the value.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        if where and not message.startswith("ELIGATE_"):
            variable = "ELIGATE_" + where.split(".")[0].upper()
            message = f"{variable}: {message}"
        problems.append(message)
    return "; ".join(problems)
