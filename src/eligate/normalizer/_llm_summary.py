"""A model that rewords the template summary for the front desk (checked by the gate).

The model sees only the template's sentences, which are built from validated
fields and name no member; what it writes is refused unless every number and
claim in it is in the validated result (:mod:`eligate.validators`).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from eligate.llm import LLMConfig, ModelClient, connect
from eligate.prompts import load_prompt


class SummaryWriter(Protocol):
    """Rewords facts; raises :class:`~eligate.llm.ModelUnavailableError` on failure."""

    @property
    def prompt_version(self) -> str:
        """The prompt file label."""
        ...

    @property
    def model(self) -> str:
        """The model name."""
        ...

    def write(self, facts: str) -> str:
        """Plain sentences saying ``facts``."""
        ...


class _Text(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    text: str = Field(min_length=1, max_length=1200)
    """The summary."""


class LLMSummaryWriter:
    """The front-desk wording through one model endpoint (bounded like the proposer)."""

    def __init__(self, config: LLMConfig, *, client: ModelClient | None = None) -> None:
        if client is None:
            client = connect(config)
        self.config = config
        self.client = client
        self.prompt = load_prompt("front_desk_summary", "v1")

    @property
    def prompt_version(self) -> str:
        """``front_desk_summary.v1``."""
        return self.prompt.label

    @property
    def model(self) -> str:
        """The configured model name."""
        return self.config.model

    def write(self, facts: str) -> str:
        """The model's wording of ``facts``.

        Raises:
            ModelUnavailableError: no validated answer within the bounds.
        """
        messages = [
            {"role": "system", "content": self.prompt.text},
            {"role": "user", "content": f"FACTS:\n{facts}"},
        ]
        answer = self.client.ask(messages=messages, response_model=_Text, context={})
        return answer.value.text
