"""Delivery on the queue engine of the night run (taskiq): one self-renewing pump task.

The pump task fans new events out to the outbox, makes every due attempt, then
sleeps ``every`` seconds and queues itself again. On the Redis stream broker a
worker that dies mid-pump leaves its message to be claimed by another, and
deliveries are claimed with a lease, so two pumps never send the same one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

PUMP_TASK = "eligate.webhooks.pump"

_log = structlog.get_logger("eligate.webhooks")

Sleep = Callable[[float], Awaitable[None]]


def register_pump(
    broker: AsyncBroker,
    pump: Callable[[], Awaitable[int]],
    *,
    every: float = 1.0,
    sleep: Sleep = asyncio.sleep,
) -> AsyncKicker[[], None]:
    """Register the pump task on ``broker``; the kicker that starts it (kick it once)."""
    kicker: AsyncKicker[[], None] = AsyncKicker(task_name=PUMP_TASK, broker=broker, labels={})

    async def run() -> None:
        try:
            await pump()
        except Exception as error:  # one bad pass must not stop deliveries for good
            _log.error("webhook.pump_failed", error=type(error).__name__)
        await sleep(every)
        await kicker.kiq()

    broker.register_task(run, task_name=PUMP_TASK)
    return kicker
