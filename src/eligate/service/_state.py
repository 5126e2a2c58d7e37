"""What one app holds: its settings and the dependencies it was given, on ``app.state``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eligate.eligibility import EligibilityCore
from eligate.events import EventStream, MemoryEventStream
from eligate.normalizer import Proposer
from eligate.service._idempotency import IdempotencyStore
from eligate.service._metrics import Metrics
from eligate.service._ratelimit import RateLimiter
from eligate.service._settings import ApiKey, Settings
from eligate.webhooks import DeliveryPolicy, WebhookStore

if TYPE_CHECKING:
    from eligate.batch import BatchRuntime

ReadyCheck = Callable[[], Awaitable[bool]]
"""Whether the core can answer now (``/readyz``)."""


@dataclass(frozen=True, slots=True)
class WebhookState:
    """The webhooks' store and the policy new subscriptions are checked against."""

    store: WebhookStore
    policy: DeliveryPolicy


@dataclass(frozen=True, slots=True)
class EventConfig:
    """How ``/v1/events`` paces itself."""

    heartbeat_seconds: float = 15.0
    """A comment line this often keeps idle connections open through proxies."""
    poll_seconds: float = 5.0
    """The longest one read waits for a new event (a Redis ``XREAD BLOCK``)."""


@dataclass(frozen=True, slots=True)
class ServiceState:
    """The app's dependencies; routes reach them through ``deps``."""

    settings: Settings
    core: EligibilityCore
    idempotency: IdempotencyStore
    limiter: RateLimiter
    metrics: Metrics
    keys_by_hash: Mapping[str, ApiKey]
    ready: ReadyCheck
    proposer: Proposer | None = None
    """The model proposer for what the rules leave unmapped; ``None``: rules only."""
    settle: bool = False
    """Whether fully accepted proposals leave ``unmapped`` (see ``LLMConfig.settle``)."""
    batches: BatchRuntime | None = None
    """The night run's queue and store; ``None``: ``/v1/batches`` answers 503."""
    events: EventStream = field(default_factory=MemoryEventStream)
    """The event stream ``/v1/events`` serves (the one the core announces on)."""
    event_config: EventConfig = field(default_factory=EventConfig)
    """Heartbeat and poll intervals of ``/v1/events``."""
    webhooks: WebhookState | None = None
    """Subscriptions and deliveries; ``None``: ``/v1/webhooks`` answers 503."""
