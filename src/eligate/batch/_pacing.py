"""Pacing towards each payer across every worker: a token per 270, from the payer file's rate.

:class:`SharedPacer` draws from one Redis bucket per payer
(:class:`~eligate.eligibility.RedisTokenBucket`), so four workers together send
at the payer's ``pacing`` rate, not four times it. :class:`LocalPacer` is the
embedded default's: one process, so the payer lane's own bucket type serves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from eligate.codes.errors import StoreFaultError
from eligate.eligibility import RedisTokenBucket
from eligate.guards import TokenBucket
from eligate.payers import Pacing

Sleep = Callable[[float], Awaitable[None]]
"""``asyncio.sleep`` or a test's fake."""


class PacingUnavailableError(StoreFaultError):
    """The shared bucket could not be reached: hold the item rather than risk the payer's rate."""

    code = "pacing_unavailable"


class Pacer(Protocol):
    """Waits until a 270 to ``payer_id`` may go."""

    async def wait_turn(self, payer_id: str, pacing: Pacing) -> None:
        """Return once a token for ``payer_id`` is taken."""
        ...


class SharedPacer:
    """One Redis token bucket per payer, shared by every worker process."""

    def __init__(self, bucket: RedisTokenBucket, *, sleep: Sleep = asyncio.sleep) -> None:
        self._bucket = bucket
        self._sleep = sleep

    async def wait_turn(self, payer_id: str, pacing: Pacing) -> None:
        """See :meth:`Pacer.wait_turn`.

        Raises:
            PacingUnavailableError: Redis did not answer.
        """
        while True:
            try:
                take = await self._bucket.take(
                    payer_id, rate=pacing.rate_per_second, burst=pacing.burst
                )
            except (OSError, ConnectionError, TimeoutError) as error:
                raise PacingUnavailableError(type(error).__name__) from None
            except Exception as error:  # redis-py's errors do not all derive from OSError
                raise PacingUnavailableError(type(error).__name__) from None
            if take.allowed:
                return
            await self._sleep(take.wait_seconds)

    async def close(self) -> None:
        """Close the Redis client."""
        await self._bucket.close()


class LocalPacer:
    """Buckets in this process (the embedded default runs one worker)."""

    def __init__(
        self, *, sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    async def wait_turn(self, payer_id: str, pacing: Pacing) -> None:
        """See :meth:`Pacer.wait_turn`."""
        bucket = self._buckets.get(payer_id)
        if bucket is None:
            bucket = TokenBucket(rate=pacing.rate_per_second, burst=pacing.burst, clock=self._clock)
            self._buckets[payer_id] = bucket
        wait = bucket.reserve(budget=float("inf"))
        if wait:
            await self._sleep(wait)

    async def close(self) -> None:
        """Nothing to release."""
