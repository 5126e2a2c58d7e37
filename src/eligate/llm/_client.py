"""The model seam: a small :class:`ModelClient` protocol, an in-memory double, a switch.

:class:`FunctionModelClient` answers with a function of the messages (in the
spirit of pydantic-ai's ``FunctionModel``): it validates what the function returns
against the response model and re-asks on invalid output, as the real client
does, so most model tests need no HTTP server and no clock. The real client
(:func:`connect`) lives in ``_openai.py`` and is imported only when one is built.

:func:`allow_model_requests` is the test suite's guard (pydantic-ai's
``ALLOW_MODEL_REQUESTS``): switched off, building a real client for anything but
a loopback endpoint raises :class:`~eligate.llm.ModelRequestsBlockedError`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from eligate.llm.errors import ModelRequestsBlockedError, ModelUnavailableError

if TYPE_CHECKING:
    from eligate.llm._config import LLMConfig

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    """A validated answer and the tokens all attempts together cost."""

    value: T
    tokens: int


class ModelClient(Protocol):
    """One model endpoint: validated answers within a deadline, a budget and a breaker."""

    @property
    def model(self) -> str:
        """The model name recorded on every result."""
        ...

    def ask(
        self,
        *,
        messages: list[dict[str, str]],
        response_model: type[T],
        context: dict[str, Any],
    ) -> Answer[T]:
        """A validated ``response_model``.

        Raises:
            ModelUnavailableError: no validated answer; ``detail`` says why.
        """
        ...

    def close(self) -> None:
        """Release connections."""
        ...


@dataclass(slots=True)
class _Switch:
    allowed: bool = True


_SWITCH = _Switch()
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def allow_model_requests(allowed: bool) -> None:
    """Switch real model requests on or off for this process (tests switch them off)."""
    _SWITCH.allowed = allowed


def model_requests_allowed() -> bool:
    """Whether a real client may be built for any endpoint (else loopback only)."""
    return _SWITCH.allowed


def _loopback(base_url: str) -> bool:
    host = urlsplit(base_url).hostname or ""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_allowed(base_url: str) -> None:
    """Refuse a real endpoint while model requests are switched off.

    Raises:
        ModelRequestsBlockedError: switched off and ``base_url`` is not loopback.
    """
    if not _SWITCH.allowed and not _loopback(base_url):
        raise ModelRequestsBlockedError(base_url)


def connect(config: LLMConfig) -> ModelClient:
    """The real client for ``config``'s OpenAI-compatible endpoint (loads openai now).

    Raises:
        ModelRequestsBlockedError: model requests are switched off (see
            :func:`allow_model_requests`) and the endpoint is not loopback.
    """
    from eligate.llm._openai import OpenAIModelClient  # noqa: PLC0415 - openai loads on use

    return OpenAIModelClient(config)


@dataclass(frozen=True, slots=True)
class ModelCall:
    """One request a :class:`FunctionModelClient` received: what its function sees."""

    messages: tuple[Mapping[str, str], ...]
    response_model: type[BaseModel]
    context: Mapping[str, Any]
    attempt: int
    """0 for the first ask, 1.. for re-asks after invalid output."""


ModelFunction = Callable[[ModelCall], object]
"""Returns a model instance, a dict or JSON text; may raise ``ModelUnavailableError``."""


@dataclass(slots=True)
class FunctionModelClient:
    """An in-memory model: ``function`` answers each call; output is validated like a real one.

    Invalid output is re-asked up to ``max_reasks`` times with the validation error
    appended to the messages; then ``malformed_output``. Every call is kept in
    :attr:`calls` for tests to assert on.
    """

    function: ModelFunction
    model: str = "function"
    max_reasks: int = 1
    tokens_per_call: int = 0
    calls: list[ModelCall] = field(default_factory=list)
    closed: bool = False

    def ask(
        self,
        *,
        messages: list[dict[str, str]],
        response_model: type[T],
        context: dict[str, Any],
    ) -> Answer[T]:
        """The function's answer, validated as ``response_model`` with ``context``.

        Raises:
            ModelUnavailableError: the function raised it, or no attempt validated.
        """
        sent: list[Mapping[str, str]] = list(messages)
        tokens = 0
        for attempt in range(self.max_reasks + 1):
            call = ModelCall(tuple(sent), response_model, dict(context), attempt)
            self.calls.append(call)
            output = self.function(call)
            tokens += self.tokens_per_call
            try:
                return Answer(value=_validate(output, response_model, context), tokens=tokens)
            except ValidationError as error:
                sent += [
                    {"role": "assistant", "content": _text(output)},
                    {"role": "user", "content": f"Correct these errors:\n{error}"},
                ]
        raise ModelUnavailableError("malformed_output", tokens=tokens)

    def close(self) -> None:
        """Mark the client closed."""
        self.closed = True


def _validate(output: object, response_model: type[T], context: dict[str, Any]) -> T:
    if isinstance(output, BaseModel):
        output = output.model_dump()
    if isinstance(output, str | bytes):
        return response_model.model_validate_json(output, context=context)
    return response_model.model_validate(output, context=context)


def _text(output: object) -> str:
    if isinstance(output, BaseModel):
        return output.model_dump_json()
    return output.decode() if isinstance(output, bytes) else str(output)
