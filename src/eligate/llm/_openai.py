"""The real model client: instructor over the openai client, bounded in time, tokens and load.

The only module that imports openai and instructor; :func:`eligate.llm.connect`
imports it when the first client is built. Bounds:

- one deadline per call: waiting for a slot, every attempt and every re-ask share
  it; each HTTP attempt's timeouts are the time left, set by a transport wrapper,
  never a fixed per-attempt value that multiplies;
- at most ``max_reasks`` re-asks (instructor's loop) and one retry of a 429/5xx,
  only when its Retry-After fits in the time left (stamina, with a backoff hook
  that waits the Retry-After; its instrumentation hooks count the retry);
- a token budget (instructor stops re-asking once usage reaches it);
- a semaphore for calls in flight, and a circuit breaker so a dead endpoint is
  refused at once instead of slowing every request.

Every failure becomes :class:`ModelUnavailableError` with a stable ``detail``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx2
import instructor
import openai
import stamina
from instructor.v2.core.errors import (
    IncompleteOutputException,
    InstructorRetryException,
    TokenBudgetError,
)
from pydantic import BaseModel, ValidationError

from eligate.guards import CircuitBreaker
from eligate.llm._client import Answer, check_allowed
from eligate.llm._config import LLMConfig
from eligate.llm.errors import ModelUnavailableError

T = TypeVar("T", bound=BaseModel)

logging.getLogger("instructor").addHandler(logging.NullHandler())
"""instructor logs every failed attempt at ERROR; eligate reports one event of its own."""

_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
_TRANSIENT = frozenset({429, 500, 502, 503, 504})
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "eligate_llm_deadline", default=None
)


class DeadlineTransport(httpx2.BaseTransport):
    """Sets every request's timeouts to the time left before the call's deadline."""

    def __init__(
        self, inner: httpx2.BaseTransport, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._inner = inner
        self._clock = clock

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` with timeouts no longer than the time left, or fail at once."""
        deadline = _DEADLINE.get()
        if deadline is not None:
            left = deadline - self._clock()
            if left <= 0:
                raise httpx2.ConnectTimeout("call deadline passed", request=request)
            request.extensions["timeout"] = {
                "connect": left,
                "read": left,
                "write": left,
                "pool": left,
            }
        response = self._inner.handle_request(request)
        if deadline is None or not isinstance(response.stream, httpx2.SyncByteStream):
            return response
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_DeadlineStream(response.stream, deadline, self._clock),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()


class _DeadlineStream(httpx2.SyncByteStream):
    """A response body that stops at the deadline, however slowly the bytes trickle in.

    Read timeouts bound each wait for a chunk; this bounds the whole body.
    """

    def __init__(
        self, inner: httpx2.SyncByteStream, deadline: float, clock: Callable[[], float]
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._clock = clock

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if self._clock() > self._deadline:
                raise httpx2.ReadTimeout("call deadline passed while reading the answer")
            yield chunk

    def close(self) -> None:
        self._inner.close()


class OpenAIModelClient:
    """One OpenAI-compatible endpoint: a shared client, breaker and concurrency limit.

    Raises :class:`~eligate.llm.ModelRequestsBlockedError` when built while model
    requests are switched off and the endpoint is not on loopback.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        transport: httpx2.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_allowed(config.base_url)
        self.config = config
        self._clock = clock
        self.breaker = CircuitBreaker(
            failure_threshold=config.breaker_threshold,
            window_seconds=math.inf,
            open_seconds=config.breaker_cooldown_seconds,
            success_resets=True,
            clock=clock,
        )
        self._slots = threading.BoundedSemaphore(config.max_concurrency)
        http = httpx2.Client(
            transport=DeadlineTransport(transport or httpx2.HTTPTransport(), clock=clock),
            timeout=config.deadline_seconds,
        )
        self._openai = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key.get_secret_value(),
            max_retries=0,
            timeout=config.deadline_seconds,
            http_client=http,
        )
        self._instructor = instructor.from_openai(self._openai, mode=_MODES[config.mode])

    @property
    def model(self) -> str:
        """The configured model name."""
        return self.config.model

    def close(self) -> None:
        """Close the HTTP connections."""
        self._openai.close()

    def ask(
        self,
        *,
        messages: list[dict[str, str]],
        response_model: type[T],
        context: dict[str, Any],
    ) -> Answer[T]:
        """A validated ``response_model`` within the deadline, budget and breaker.

        Raises:
            ModelUnavailableError: no validated answer; ``detail`` says why.
        """
        deadline = self._clock() + self.config.deadline_seconds
        if self.breaker.state == "open":
            raise ModelUnavailableError("breaker_open")
        if not self._slots.acquire(timeout=max(deadline - self._clock(), 0.0)):
            raise ModelUnavailableError("busy")
        try:
            permit = self.breaker.acquire()
            if permit is None:
                raise ModelUnavailableError("breaker_open")
            token = _DEADLINE.set(deadline)
            try:
                answer = self._attempts(messages, response_model, context, deadline)
            except ModelUnavailableError as error:
                if error.detail in _ENDPOINT_FAILURES or error.detail.startswith("http_5"):
                    self.breaker.failed(permit)
                else:
                    self.breaker.succeeded(permit)
                raise
            else:
                self.breaker.succeeded(permit)
            finally:
                _DEADLINE.reset(token)
                self.breaker.release(permit)  # no verdict (e.g. cancelled): free the probe
            return answer
        finally:
            self._slots.release()

    def _attempts(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        context: dict[str, Any],
        deadline: float,
    ) -> Answer[T]:
        spent = 0

        def backoff(error: Exception) -> bool | float:
            """Stamina's backoff hook: wait what the endpoint's Retry-After asked, once."""
            return error.wait if isinstance(error, _Transient) else False

        try:
            for attempt in stamina.retry_context(
                on=backoff, attempts=2, timeout=None, wait_initial=0.0, wait_jitter=0.0
            ):
                with attempt:
                    budget = self.config.token_budget - spent
                    if budget <= 0:
                        raise ModelUnavailableError("budget_spent", tokens=spent)
                    try:
                        value = self._instructor.chat.completions.create(
                            model=self.config.model,
                            messages=messages,  # type: ignore[arg-type]
                            response_model=response_model,
                            max_retries=self.config.max_reasks,
                            context=context,
                            token_budget=budget,
                            temperature=0,
                            max_tokens=min(budget, 4096),
                        )
                    except Exception as error:  # every failure is classified below
                        failure = _classify(error, spent)
                        spent = failure.tokens
                        wait = _retry_after(error)
                        if (
                            attempt.num == 1
                            and wait is not None
                            and failure.detail.startswith("http_")
                            and int(failure.detail[5:]) in _TRANSIENT
                            and wait < deadline - self._clock()
                        ):
                            raise _Transient(failure, wait) from None
                        raise failure from None
                    return Answer(value=value, tokens=spent + _usage(value))
        except _Transient as last:  # pragma: no cover - only the first attempt is transient
            raise last.failure from None
        raise AssertionError("unreachable")  # pragma: no cover


_ENDPOINT_FAILURES = frozenset({"timeout", "connection", "http_429"})


class _Transient(Exception):  # noqa: N818 - a signal to stamina, never seen outside
    """A 429/5xx whose Retry-After fits in the time left: stamina retries it once."""

    def __init__(self, failure: ModelUnavailableError, wait: float) -> None:
        super().__init__(failure.detail)
        self.failure = failure
        self.wait = wait


def _usage(value: BaseModel) -> int:
    total = getattr(value, "_total_usage", None)
    if total is None:
        raw = getattr(value, "_raw_response", None)
        total = getattr(raw, "usage", None)
    tokens = getattr(total, "total_tokens", None)
    return tokens if isinstance(tokens, int) else 0


def _cause(error: BaseException) -> BaseException:
    """The openai error under instructor's wrapper, where there is one."""
    seen = error
    while isinstance(seen, InstructorRetryException) and seen.__cause__ is not None:
        seen = seen.__cause__
    return seen


def _classify(error: BaseException, spent: int) -> ModelUnavailableError:
    usage = getattr(error, "total_usage", None)
    tokens = spent + (getattr(usage, "total_tokens", 0) or 0)
    cause = _cause(error)
    detail: str
    if isinstance(error, TokenBudgetError):
        detail = "budget_spent"
    elif isinstance(cause, openai.APITimeoutError | httpx2.TimeoutException):
        detail = "timeout"
    elif isinstance(cause, openai.APIStatusError):
        detail = f"http_{cause.status_code}"
    elif isinstance(cause, openai.APIConnectionError | httpx2.TransportError):
        detail = "connection"
    elif isinstance(
        cause,
        ValidationError
        | json.JSONDecodeError
        | IncompleteOutputException
        | InstructorRetryException
        | ValueError
        | TypeError
        | KeyError
        | IndexError
        | AttributeError,
    ):
        detail = "malformed_output"
    else:
        detail = f"error_{type(cause).__name__}"
    return ModelUnavailableError(detail, tokens=tokens)


def _retry_after(error: BaseException) -> float | None:
    """Seconds a 429/5xx asks us to wait (0 when it does not say), else ``None``."""
    cause = _cause(error)
    if not isinstance(cause, openai.APIStatusError):
        return None
    header = cause.response.headers.get("retry-after")
    if header is None:
        return 0.0
    try:
        return max(float(header), 0.0)
    except ValueError:
        return None
