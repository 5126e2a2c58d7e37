"""The night run's composition: settings in, a batch runtime over the composed core out."""

from __future__ import annotations

from datetime import timedelta

from eligate.batch import BatchPolicy, BatchRuntime, QueueConfig, build_runtime, worker_name
from eligate.service._compose import ComposedCore
from eligate.service._compose_webhooks import WebhookRuntime, attach_pump
from eligate.service._settings import Settings


def local_zone_name(settings: Settings) -> str | None:
    """The configured zone, or ``None`` for the machine's own."""
    return settings.batch_timezone


def batch_policy(settings: Settings) -> BatchPolicy:
    """The run policy the settings describe."""
    return BatchPolicy(
        deadline=settings.batch_deadline,
        timezone=settings.batch_timezone,
        before_appointment=timedelta(minutes=settings.batch_before_appointment_minutes),
        retry_delays=settings.batch_retry_delays,
        lease_seconds=settings.batch_lease_seconds,
        chunk_size=settings.batch_chunk_size,
        tick_seconds=settings.batch_tick_seconds,
        concurrency=settings.batch_concurrency,
        resend_unknown=settings.batch_resend_unknown,
        worker_name=worker_name(),
    )


def queue_config(settings: Settings) -> QueueConfig:
    """The queue the settings describe: a Redis stream with ``redis_url``, else in memory."""
    return QueueConfig(
        redis_url=settings.redis_url,
        stream=settings.batch_stream,
        claim_idle_seconds=settings.batch_claim_idle_seconds,
        max_async_tasks=settings.batch_worker_tasks,
        chunk_size=settings.batch_chunk_size,
    )


async def build_batch(
    settings: Settings,
    composed: ComposedCore,
    *,
    webhooks: WebhookRuntime | None = None,
    kick_pump: bool = True,
) -> BatchRuntime:
    """A started batch runtime over ``composed`` (its core, audit database and key ring).

    With ``webhooks``, the same broker carries their delivery pump (kicked here unless
    ``kick_pump`` is False: a worker runs the pump ``eligate serve`` kicked).
    """
    if composed.keys is None:
        raise ValueError("the composed core has no key ring")
    runtime = build_runtime(
        core=composed.core,
        audit=composed.chain,
        keys=composed.keys,
        policy=batch_policy(settings),
        queue=queue_config(settings),
    )
    pump = attach_pump(runtime.broker, webhooks) if webhooks is not None else None
    await runtime.start()
    if pump is not None and kick_pump:
        await pump.kiq()
    return runtime
