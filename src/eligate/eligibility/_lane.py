"""One payer's isolated lane: breaker, bulkhead, pacing, retries and a deadline.

A lane owns everything a call to its payer can exhaust (connections, concurrency
slots, pacing tokens, breaker state), so a payer's trouble stays in its lane.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import stamina
import structlog

from eligate.codes import FailureKind, RefusalKind
from eligate.eligibility._transport import PayerTransport
from eligate.eligibility.errors import PayerCallError, PayerRefusedError
from eligate.events import Announcer, EventType
from eligate.guards import (
    BreakerState,
    Bulkhead,
    CircuitBreaker,
    Clock,
    Permit,
    RollingWindow,
    TokenBucket,
)
from eligate.payers import PayerConfig

_log = structlog.get_logger("eligate.eligibility")
_BREAKER_EVENTS: dict[BreakerState, EventType] = {
    "open": "payer.breaker_opened",
    "half_open": "payer.breaker_half_opened",
    "closed": "payer.breaker_closed",
}
"""The stream's stable types for the breaker's moves (the logs keep their own names)."""

T = TypeVar("T")

_READERS = 2
"""Threads that parse one payer's answers: two overlap a burst; more would let one
payer's garbage take more of the interpreter from the event loop and the others."""

BREAKER_FAILURES: frozenset[FailureKind] = frozenset(
    {"timeout", "connect", "http_5xx", "http_429", "bad_payload"}
)
"""Failures that count towards opening the breaker; a 4xx is our request's fault."""


class PayerLane:
    """Calls one payer through its own guards; raises only :class:`PayerError`."""

    def __init__(
        self,
        config: PayerConfig,
        *,
        transport: PayerTransport,
        clock: Clock = time.monotonic,
        window_seconds: float = 60.0,
        announcer: Announcer | None = None,
    ) -> None:
        self.config = config
        self._announcer = announcer
        self.transport = transport
        self._clock = clock
        policy = config.breaker
        self.breaker = CircuitBreaker(
            failure_threshold=policy.failure_threshold,
            window_seconds=policy.window_seconds,
            open_seconds=policy.open_seconds,
            clock=clock,
            on_transition=self._breaker_moved,
        )
        self.bulkhead = Bulkhead(limit=config.pool_size)
        self.bucket = TokenBucket(
            rate=config.pacing.rate_per_second, burst=config.pacing.burst, clock=clock
        )
        self.window = RollingWindow(seconds=window_seconds, clock=clock)
        self.attempts_made = 0
        """Every attempt sent (or started) towards the payer since the lane was built."""
        # The payer's own threads parse its answers: a payer whose answers are slow to
        # parse queues behind itself, never on the event loop or another payer's threads.
        self._reader = ThreadPoolExecutor(
            max_workers=_READERS, thread_name_prefix=f"eligate-{config.id}"
        )

    async def call(
        self,
        x12_270: bytes,
        *,
        correlation_id: str,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> bytes:
        """Send ``x12_270``; the payer's 271, within the payer's total budget.

        ``pace`` is awaited before every attempt, retries included, after the lane's
        own bucket: the batch's token from the bucket all workers share.

        Raises:
            PayerRefusedError: breaker open, bulkhead full, paced beyond the budget, or
                the deadline ran out.
            PayerCallError: the last attempt failed (or the failure is not retried).
        """
        if self.breaker.state == "open":
            raise self._refused("breaker_open", "breaker is open", correlation_id)
        if not self.bulkhead.try_enter():
            raise self._refused("bulkhead_full", "too many calls in flight", correlation_id)
        started = self._clock()
        deadline = started + self.config.timeout.total
        reached = False
        ok = False
        try:
            async with asyncio.timeout(self.config.timeout.total) as budget:
                retry = self.config.retry
                number = 0
                async for attempt in stamina.retry_context(
                    on=self._retryable,
                    attempts=retry.attempts,
                    timeout=None,
                    wait_initial=retry.backoff_base,
                    wait_max=retry.backoff_max,
                    wait_jitter=retry.backoff_base,
                ):
                    with attempt:
                        number += 1
                        permit = self.breaker.acquire()
                        if permit is None:
                            raise self._refused("breaker_open", "breaker is open", correlation_id)
                        reached = True
                        raw = await self._attempt(
                            x12_270,
                            permit=permit,
                            deadline=deadline,
                            budget=budget,
                            correlation_id=correlation_id,
                            number=number,
                            pace=pace,
                        )
            ok = True
            return raw
        except asyncio.CancelledError:
            reached = False  # the caller went away: not an outcome of the payer's
            raise
        except TimeoutError:
            raise self._refused(
                "deadline_exceeded",
                f"no answer within {self.config.timeout.total:g}s",
                correlation_id,
            ) from None
        finally:
            self.bulkhead.leave()
            if reached:
                self.window.call(ms=(self._clock() - started) * 1000, ok=ok)

    async def read(self, raw: bytes, parse: Callable[[bytes], T]) -> T:
        """``parse(raw)`` on the payer's own thread, within ``timeout.parse``.

        An answer that does not parse, or not in time, counts as a failure of the
        payer for its breaker (garbage in a loop opens it, as errors do) and is
        re-raised: a :class:`TimeoutError` when the time ran out. A parse still
        running when the time runs out finishes on its thread; answers queued
        behind it time out in turn, so one payer never holds more than its threads.
        """
        future = self._reader.submit(parse, raw)
        try:
            async with asyncio.timeout(self.config.timeout.parse):
                return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception:
            future.cancel()  # not started yet: it never will
            self.payload_failed()
            raise

    def payload_failed(self) -> None:
        """Count an answer that could not be used against the payer's breaker."""
        permit = self.breaker.acquire()
        if permit is not None:
            self.breaker.failed(permit)

    async def _attempt(
        self,
        x12_270: bytes,
        *,
        permit: Permit,
        deadline: float,
        budget: asyncio.Timeout,
        correlation_id: str,
        number: int,
        pace: Callable[[], Awaitable[None]] | None,
    ) -> bytes:
        """One attempt under ``permit``; settles the permit whatever happens."""
        try:
            wait = self.bucket.reserve(budget=deadline - self._clock())
            if wait is None:
                self.breaker.release(permit)
                raise self._refused("paced", "pacing budget exceeded", correlation_id)
            if wait > 0:
                await asyncio.sleep(wait)
            if pace is not None:
                await pace()
            self.attempts_made += 1
            try:
                raw = await self.transport.send(x12_270)
            except PayerCallError as error:
                if error.kind in BREAKER_FAILURES:
                    self.breaker.failed(permit)
                else:
                    self.breaker.succeeded(permit)
                _log.warning(
                    "eligibility.payer_call_failed",
                    payer_id=self.config.id,
                    kind=error.kind,
                    status_code=error.status_code,
                    attempt=number,
                    correlation_id=correlation_id,
                )
                raise
            except asyncio.CancelledError:
                if not budget.expired():
                    raise  # the caller went away: no verdict on the payer (finally releases)
                # The deadline cut the call short: the payer was too slow.
                self.breaker.failed(permit)
                _log.warning(
                    "eligibility.payer_call_failed",
                    payer_id=self.config.id,
                    kind="timeout",
                    status_code=None,
                    attempt=number,
                    correlation_id=correlation_id,
                )
                raise
            self.breaker.succeeded(permit)
            return raw
        finally:
            self.breaker.release(permit)

    def _retryable(self, error: Exception) -> bool:
        return isinstance(error, PayerCallError) and error.kind in self.config.retry.failures

    def _refused(self, kind: RefusalKind, message: str, correlation_id: str) -> PayerRefusedError:
        _log.info(
            "eligibility.payer_call_refused",
            payer_id=self.config.id,
            reason=kind,
            correlation_id=correlation_id,
        )
        return PayerRefusedError(message, payer_id=self.config.id, kind=kind)

    def _breaker_moved(self, old: BreakerState, new: BreakerState, failures: int) -> None:
        name = {
            "open": "eligibility.breaker_opened",
            "half_open": "eligibility.breaker_half_opened",
            "closed": "eligibility.breaker_closed",
        }[new]
        _log.warning(
            name,
            payer_id=self.config.id,
            previous=old,
            failures=failures,
            attempts_made=self.attempts_made,
        )
        if self._announcer is not None:
            self._announcer.announce_soon(
                _BREAKER_EVENTS[new], payer_id=self.config.id, previous=old, failures=failures
            )

    async def aclose(self) -> None:
        """Close the payer's HTTP client and its parsing thread (without waiting for it)."""
        await self.transport.aclose()
        self._reader.shutdown(wait=False, cancel_futures=True)
