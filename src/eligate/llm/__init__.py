"""The model client: one seam for every model call (proposer, summaries, onboarding).

:class:`ModelClient` is the protocol; :func:`connect` builds the real client for
an OpenAI-compatible endpoint (openai and instructor load only then), bounded by
one deadline, a token budget, a concurrency limit and an :class:`eligate.guards.CircuitBreaker`;
:class:`FunctionModelClient` is the in-memory double. :func:`allow_model_requests`
switches real endpoints off (the test suite does, so no test reaches a model by
accident).
"""

from eligate.llm._client import (
    Answer,
    FunctionModelClient,
    ModelCall,
    ModelClient,
    ModelFunction,
    allow_model_requests,
    connect,
    model_requests_allowed,
)
from eligate.llm._config import LLMConfig, Mode
from eligate.llm.errors import (
    LLMConfigError,
    LLMError,
    ModelRequestsBlockedError,
    ModelUnavailableError,
)

__all__ = [
    "Answer",
    "FunctionModelClient",
    "LLMConfig",
    "LLMConfigError",
    "LLMError",
    "Mode",
    "ModelCall",
    "ModelClient",
    "ModelFunction",
    "ModelRequestsBlockedError",
    "ModelUnavailableError",
    "allow_model_requests",
    "connect",
    "model_requests_allowed",
]
