"""Errors of the model client.

The tree::

    LLMError                        base of what eligate.llm raises
    ├── LLMConfigError              you called it wrong: an unusable model setting
    ├── ModelRequestsBlockedError   you called it wrong: model requests are switched off
    │                               (the test suite's guard) and the endpoint is not loopback
    └── ModelUnavailableError       the remote failed: timeout, HTTP error, breaker
                                    open, output that never validated, budget spent

:class:`ModelUnavailableError` never reaches a caller of a proposer: the LLM
proposer turns it into a ``model_unavailable`` run and the rules' result stands.

Every class derives from :class:`~eligate.codes.EligateError` and one family
(usage, input data, payer, store, model); see :mod:`eligate.codes.errors`.
"""

from __future__ import annotations

from eligate.codes.errors import EligateError, ModelFaultError, UsageError


class LLMError(EligateError):
    """Base class for errors raised by :mod:`eligate.llm`."""

    code = "llm_error"


class LLMConfigError(LLMError, UsageError):
    """A model setting is unusable; names the setting, never a secret's value."""

    code = "llm_config_invalid"

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"{setting}: {message}")
        self.setting = setting


class ModelRequestsBlockedError(LLMError, UsageError):
    """A real model client was built while model requests are switched off.

    Raised when the client is built, so a test that would reach a real model
    fails loudly instead of degrading to ``model_unavailable``.
    """

    code = "model_requests_blocked"

    def __init__(self, base_url: str) -> None:
        super().__init__(
            f"model requests are switched off (allow_model_requests(False)); "
            f"refusing endpoint {base_url}"
        )
        self.base_url = base_url


class ModelUnavailableError(LLMError, ModelFaultError):
    """The model gave no usable answer; ``detail`` is a stable short reason.

    Details: ``breaker_open``, ``busy``, ``timeout``, ``connection``, ``http_<status>``,
    ``malformed_output``, ``budget_spent``, ``refused``.
    """

    code = "model_unavailable"

    def __init__(self, detail: str, *, tokens: int = 0) -> None:
        super().__init__(f"model unavailable: {detail}")
        self.detail = detail
        self.tokens = tokens
