"""The payer file schema and the registry: one YAML file per payer, validated on load.

Secrets never sit in a payer file: an auth block names the environment variables
that hold them, and the transport reads those when it builds the payer's client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError, model_validator

from eligate.codes import FailureKind
from eligate.payers._guide import Guide
from eligate.payers.errors import RegistryError, UnknownPayerError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


_EnvName = Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]


class NoAuth(_Frozen):
    """The payer needs no credentials (the simulator, a mutual-TLS tunnel)."""

    method: Literal["none"] = "none"
    """Discriminator."""


class BasicAuth(_Frozen):
    """HTTP basic authentication; both halves come from the environment."""

    method: Literal["basic"]
    """Discriminator."""
    username_env: _EnvName
    """Environment variable holding the user name."""
    password_env: _EnvName
    """Environment variable holding the password."""


class BearerAuth(_Frozen):
    """``Authorization: Bearer <token>``; the token comes from the environment."""

    method: Literal["bearer"]
    """Discriminator."""
    token_env: _EnvName
    """Environment variable holding the token."""


class HeaderKeyAuth(_Frozen):
    """An API key sent in a header of the payer's choosing."""

    method: Literal["header"]
    """Discriminator."""
    header: str = Field(min_length=1, pattern=r"^[A-Za-z0-9-]+$")
    """The header name, e.g. ``X-API-Key``."""
    key_env: _EnvName
    """Environment variable holding the key."""


Auth = Annotated[NoAuth | BasicAuth | BearerAuth | HeaderKeyAuth, Field(discriminator="method")]


class Timeouts(_Frozen):
    """How long to wait for the payer, in seconds."""

    connect: float = Field(default=2.0, gt=0, le=60)
    """To open a connection."""
    read: float = Field(default=8.0, gt=0, le=120)
    """Between bytes of the response."""
    total: float = Field(default=10.0, gt=0, le=300)
    """The whole request, retries and pacing included: the most a caller ever waits."""
    parse: float = Field(default=2.0, gt=0, le=60)
    """Parsing and gating the payer's answer (off the event loop); longer is ``bad_payload``."""

    @model_validator(mode="after")
    def _total_covers_connect(self) -> Timeouts:
        if self.total < self.connect:
            raise ValueError("total must be at least connect")
        return self


class BreakerPolicy(_Frozen):
    """When to stop calling a failing payer, and for how long."""

    failure_threshold: int = Field(default=5, ge=1, le=1000)
    """Failures within ``window_seconds`` that open the breaker."""
    window_seconds: float = Field(default=30.0, gt=0, le=3600)
    """The rolling window failures are counted in."""
    open_seconds: float = Field(default=20.0, gt=0, le=3600)
    """How long the breaker stays open before one probe call is let through."""


class RetryPolicy(_Frozen):
    """Retries of transient failures, with exponential backoff and jitter."""

    attempts: int = Field(default=2, ge=1, le=10)
    """Calls in all, the first included; 1 means no retry."""
    backoff_base: float = Field(default=0.1, ge=0, le=30)
    """Wait before the first retry, in seconds; doubles after each."""
    backoff_max: float = Field(default=1.0, ge=0, le=60)
    """The longest wait between two attempts, in seconds."""
    failures: tuple[Literal["connect", "timeout", "http_5xx", "http_429"], ...]
    """Which failures are retried; required, there is no default "everything".

    (Not named ``on``: YAML 1.1 reads that key as the boolean true.)
    """


class Pacing(_Frozen):
    """How fast the core may send to the payer (a token bucket)."""

    rate_per_second: float = Field(default=50.0, gt=0, le=10_000)
    """Sustained requests per second."""
    burst: int = Field(default=10, ge=1, le=10_000)
    """Requests that may go at once after a quiet spell."""


class FallbackPolicy(_Frozen):
    """What callers get when the payer cannot answer."""

    max_stale_hours: float = Field(default=24.0, ge=0, le=24 * 30)
    """Serve a cached answer younger than this; otherwise answer ``unable_to_verify``."""


class X12Ids(_Frozen):
    """Envelope values the payer expects in its 270s."""

    receiver_id: str = Field(min_length=2, max_length=15)
    """ISA08 / GS03 and the CORE ReceiverID."""
    payer_id: str = Field(min_length=2, max_length=80)
    """NM109 of 2100A (PI)."""
    payer_name: str = Field(min_length=1, max_length=60)
    """NM103 of 2100A."""


class PayerConfig(_Frozen):
    """One payer, as its YAML file describes it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    """Registry id used in requests, logs and metrics."""
    name: str = Field(min_length=1, max_length=120)
    """Human-readable payer name."""
    endpoint: HttpUrl
    """Where 270s are POSTed (CAQH CORE real-time endpoint)."""
    auth: Auth = NoAuth()
    """How the core authenticates; secrets by environment variable name."""
    timeout: Timeouts = Timeouts()
    """Connect, read and total budgets."""
    breaker: BreakerPolicy = BreakerPolicy()
    """Circuit breaker settings."""
    pool_size: int = Field(default=10, ge=1, le=1000)
    """Connections to the payer, and calls in flight at once (the bulkhead)."""
    max_response_bytes: int = Field(default=1_000_000, ge=10_000, le=50_000_000)
    """A bigger answer is refused as ``bad_payload`` unread: parsing it would stall everyone."""
    retry: RetryPolicy
    """Retry policy; required because which failures to retry must be stated."""
    pacing: Pacing = Pacing()
    """Rate limit towards the payer."""
    fallback: FallbackPolicy = FallbackPolicy()
    """What to answer when the payer cannot."""
    x12: X12Ids
    """Envelope ids."""
    guide: Guide | None = None
    """What the payer's companion guide says; ``None`` when no guide was read."""

    @model_validator(mode="after")
    def _no_secret_in_endpoint(self) -> PayerConfig:
        if self.endpoint.username or self.endpoint.password:
            raise ValueError("endpoint must not carry credentials; use auth with an env variable")
        return self

    def retried(self, kind: FailureKind) -> bool:
        """Whether a failure of ``kind`` is retried under this payer's policy."""
        return kind in self.retry.failures


@dataclass(frozen=True, slots=True)
class PayerRegistry(Mapping[str, PayerConfig]):
    """Payers by id, in id order."""

    payers: Mapping[str, PayerConfig] = field(default_factory=dict)

    def __getitem__(self, payer_id: str) -> PayerConfig:
        try:
            return self.payers[payer_id]
        except KeyError:
            raise UnknownPayerError(payer_id) from None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.payers))

    def __len__(self) -> int:
        return len(self.payers)

    @classmethod
    def of(cls, *configs: PayerConfig) -> PayerRegistry:
        """A registry of ``configs``; refuses two payers with one id."""
        payers: dict[str, PayerConfig] = {}
        for config in configs:
            if config.id in payers:
                raise RegistryError(f"payer id {config.id!r} is defined twice", field="id")
            payers[config.id] = config
        return cls(payers)


def load_payer(path: Path) -> PayerConfig:
    """Read and validate one payer file.

    Raises:
        RegistryError: the file cannot be read, is not YAML, or a field is wrong; the
            message is one line naming the file and the field.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RegistryError(f"cannot read: {error.strerror}", path=path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise RegistryError(f"not valid YAML{at}", path=path) from None
    if not isinstance(data, dict):
        raise RegistryError("must be a mapping of payer fields", path=path)
    try:
        return PayerConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"].replace("\n", " ")
        raise RegistryError(message, path=path, field=where) from None


def load_registry(directory: Path | str) -> PayerRegistry:
    """Every ``*.yaml`` / ``*.yml`` payer file in ``directory``, validated.

    Raises:
        RegistryError: the directory holds no payer file, a file is bad, or two
            files use one id.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise RegistryError("not a directory", path=folder)
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not paths:
        raise RegistryError("holds no payer file (*.yaml)", path=folder)
    configs = [load_payer(path) for path in paths]
    seen: dict[str, Path] = {}
    for path, config in zip(paths, configs, strict=True):
        if config.id in seen:
            raise RegistryError(
                f"payer id {config.id!r} is already defined in {seen[config.id].name}",
                path=path,
                field="id",
            )
        seen[config.id] = path
    return PayerRegistry.of(*configs)


def dump_payer(config: PayerConfig) -> str:
    """``config`` as the YAML text of a payer file (``load_payer`` reads it back)."""
    data = config.model_dump(mode="json")
    if data["guide"] is None:
        del data["guide"]
    return yaml.safe_dump(data, sort_keys=False)


def write_registry(registry: PayerRegistry, directory: Path | str) -> list[Path]:
    """Write one ``<id>.yaml`` per payer into ``directory`` (created if missing)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for payer_id, config in registry.items():
        path = folder / f"{payer_id}.yaml"
        path.write_text(dump_payer(config), encoding="utf-8")
        paths.append(path)
    return paths
