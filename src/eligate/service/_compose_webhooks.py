"""The webhooks' composition: their store on the audit database, a deliverer, the pump task."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from taskiq import AsyncBroker
from taskiq.kicker import AsyncKicker

from eligate.events import Announcer, MemoryEventStream
from eligate.service._compose import ComposedCore
from eligate.service._settings import Settings
from eligate.service._state import WebhookState
from eligate.webhooks import Deliverer, DeliveryPolicy, WebhookStore, register_pump


@dataclass(frozen=True, slots=True)
class WebhookRuntime:
    """What ``serve`` and ``worker`` hold: the store, the deliverer and its HTTP client."""

    state: WebhookState
    deliverer: Deliverer
    client: httpx.AsyncClient

    async def close(self) -> None:
        """Close the outbound HTTP client."""
        await self.client.aclose()


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    """Https only in production; loopback targets only in development and tests."""
    return DeliveryPolicy(
        https_only=settings.environment == "production",
        allow_loopback=settings.environment != "production",
    )


def build_webhooks(settings: Settings, composed: ComposedCore) -> WebhookRuntime:
    """The webhooks over the composed core's audit database, key ring and event stream."""
    if composed.keys is None:
        raise ValueError("the composed core has no key ring")
    policy = delivery_policy(settings)
    store = WebhookStore(composed.chain.engine, keys=composed.keys)
    client = httpx.AsyncClient(
        follow_redirects=False,  # a redirect could lead to an address the checks refused
        timeout=httpx.Timeout(policy.timeout_seconds),
        limits=httpx.Limits(max_connections=50),
    )
    stream = composed.events if composed.events is not None else MemoryEventStream()
    deliverer = Deliverer(
        store=store,
        stream=stream,
        client=client,
        policy=policy,
        announcer=Announcer(stream),
        audit=composed.chain,
    )
    return WebhookRuntime(WebhookState(store=store, policy=policy), deliverer, client)


def attach_pump(
    broker: AsyncBroker, webhooks: WebhookRuntime, *, every: float = 1.0
) -> AsyncKicker[[], None]:
    """Register the delivery pump on the night run's broker (before it starts)."""
    return register_pump(broker, webhooks.deliverer.pump, every=every)
