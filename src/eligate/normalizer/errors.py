"""Errors raised by the normalizer.

The tree::

    NormalizerError                 base of what the normalizer itself raises
    ├── LLMConfigError              you called it wrong: an unusable model setting
    └── ProposerError               a proposer failed to produce anything usable
        └── ModelUnavailableError   the remote failed: timeout, HTTP error, breaker
                                    open, output that never validated, budget spent

Input that is not a usable 271 is reported by :mod:`eligate.x12` as
:class:`~eligate.x12.X12InputError` and passes through unchanged.
:class:`ModelUnavailableError` never reaches a caller of a proposer: the LLM
proposer turns it into a ``model_unavailable`` run and the rules' result stands.
"""

from __future__ import annotations


class NormalizerError(Exception):
    """Base class for errors raised by :mod:`eligate.normalizer`."""

    code = "normalizer_error"


class LLMConfigError(NormalizerError):
    """A model setting is unusable; names the setting, never a secret's value."""

    code = "llm_config_invalid"

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


class ProposerError(NormalizerError):
    """A proposer could not produce a result (its backend failed or timed out)."""

    code = "proposer_failed"


class ModelUnavailableError(ProposerError):
    """The model gave no usable answer; ``detail`` is a stable short reason.

    Details: ``breaker_open``, ``busy``, ``timeout``, ``connection``, ``http_<status>``,
    ``malformed_output``, ``budget_spent``, ``refused``.
    """

    code = "model_unavailable"

    def __init__(self, detail: str, *, tokens: int = 0) -> None:
        super().__init__(f"model unavailable: {detail}")
        self.detail = detail
        self.tokens = tokens
