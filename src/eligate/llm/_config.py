"""How to reach a model: one frozen settings value, built once at start-up.

No client is imported here, so the rules-only path never loads openai.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from eligate.llm.errors import LLMConfigError

Mode = Literal["tools", "json", "md_json"]

_ENV = {
    "base_url": "ELIGATE_LLM_BASE_URL",
    "model": "ELIGATE_LLM_MODEL",
    "api_key": "ELIGATE_LLM_API_KEY",
    "mode": "ELIGATE_LLM_MODE",
    "max_reasks": "ELIGATE_LLM_MAX_REASKS",
    "token_budget": "ELIGATE_LLM_TOKEN_BUDGET",
    "deadline_seconds": "ELIGATE_LLM_DEADLINE_SECONDS",
    "max_concurrency": "ELIGATE_LLM_MAX_CONCURRENCY",
    "breaker_threshold": "ELIGATE_LLM_BREAKER_THRESHOLD",
    "breaker_cooldown_seconds": "ELIGATE_LLM_BREAKER_COOLDOWN_SECONDS",
    "max_items": "ELIGATE_LLM_MAX_ITEMS",
    "settle": "ELIGATE_LLM_SETTLE",
}


class LLMConfig(BaseModel):
    """An OpenAI-compatible endpoint and the bounds every call to it respects."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", use_attribute_docstrings=True, hide_input_in_errors=True
    )

    base_url: str = Field(min_length=1)
    """The endpoint's ``/v1`` URL (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp server)."""
    model: str = Field(min_length=1)
    """The model name sent with every request and recorded on every result."""
    api_key: SecretStr = SecretStr("unused")
    """Bearer key; local servers accept any value."""
    mode: Mode = "tools"
    """``tools`` (tool calls), ``json`` (JSON response format) or ``md_json`` (JSON in a
    fenced block, for servers without either)."""
    max_reasks: int = Field(default=1, ge=0, le=2)
    """Re-asks after output that does not validate; at most 2."""
    token_budget: int = Field(default=6000, gt=0)
    """Tokens one 271 may spend, all attempts together; no re-ask once it is spent."""
    deadline_seconds: float = Field(default=8.0, gt=0, le=120)
    """One deadline for the whole call: waiting for a slot, every attempt and re-ask."""
    max_concurrency: int = Field(default=4, ge=1, le=256)
    """Calls in flight at once per process; more wait (within the deadline) or give up."""
    breaker_threshold: int = Field(default=3, ge=1)
    """Consecutive failures that open the breaker."""
    breaker_cooldown_seconds: float = Field(default=30.0, gt=0)
    """How long the breaker stays open before one probe call may try again."""
    max_items: int = Field(default=20, ge=1, le=200)
    """Unmapped items sent per 271; the rest stay unmapped for a human."""
    settle: bool = False
    """Whether an item all of whose proposals the gate accepted leaves ``unmapped`` (the
    result may then be accepted); by default it stays for a human to confirm."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> LLMConfig | None:
        """The config from ``ELIGATE_LLM_*`` variables; ``None`` (rules only) without a URL/model.

        Names match in any case, as the service's settings read them
        (pydantic-settings is case-insensitive); the upper-case name wins a tie.

        Raises:
            LLMConfigError: a variable is set to an unusable value.
        """
        named = {name.upper(): value for name, value in environ.items()} | dict(environ)
        values = {field: named[name] for field, name in _ENV.items() if named.get(name)}
        if "base_url" not in values or "model" not in values:
            return None
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "?"
            raise LLMConfigError(_ENV.get(field, field), first["msg"]) from None
