"""Subscriptions and deliveries as the API shows them, and the retry policy."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from eligate.events import EventType

DeliveryState = Literal["pending", "delivered", "dead"]

RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
"""The wait before each attempt (the first at once): ten attempts over about three days."""


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    import base64  # noqa: PLC0415 - used here only

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How deliveries are retried, capped and kept."""

    schedule: tuple[timedelta, ...] = RETRY_SCHEDULE
    """Wait before attempt n; after the last, the delivery is dead-lettered."""
    jitter: float = 0.1
    """Each wait is stretched or shrunk by up to this fraction (receivers are not stampeded)."""
    max_retry_after: timedelta = timedelta(hours=24)
    """A receiver's ``Retry-After`` is honoured up to this."""
    timeout_seconds: float = 10.0
    """The most one attempt takes, connect to last byte read."""
    max_response_bytes: int = 64 * 1024
    """The most of a receiver's answer read; the rest is dropped."""
    dead_kept: timedelta = timedelta(days=30)
    """How long the dead-letter queue keeps a delivery."""
    lease: timedelta = timedelta(seconds=60)
    """A claimed delivery is another worker's to try again after this."""
    https_only: bool = True
    """Refuse plain http targets (production)."""
    allow_loopback: bool = False
    """Let targets resolve to loopback (tests and the embedded demo only)."""


class WebhookCreate(BaseModel):
    """``POST /v1/webhooks``: where to send which events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(min_length=8, max_length=2048)
    """The receiver (https in production)."""
    event_types: list[EventType] = Field(min_length=1, max_length=32)
    """The types delivered."""
    payer_id: str | None = Field(default=None, max_length=64)
    """Only events about this payer (and those about no payer), when given."""
    secret: str | None = Field(default=None, min_length=24, max_length=200, pattern=r"^whsec_")
    """The signing secret (``whsec_...``); generated and shown once when omitted."""


class WebhookRotate(BaseModel):
    """``POST /v1/webhooks/{id}/rotate``: a new secret; the old one signs too for a while."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    secret: str | None = Field(default=None, min_length=24, max_length=200, pattern=r"^whsec_")
    """The new secret; generated when omitted."""
    overlap_hours: float = Field(default=24.0, ge=0, le=24 * 7)
    """How long deliveries carry both signatures."""


class WebhookPublic(BaseModel):
    """A subscription as listed (the secret only in the answer that created or rotated it)."""

    model_config = ConfigDict(frozen=True)

    subscription_id: str
    url: str
    event_types: list[EventType]
    payer_id: str | None
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str | None
    secret: str | None = None
    """Shown once, when created or rotated."""


class DeliveryPublic(BaseModel):
    """One delivery (an event for one subscription) and how its attempts went."""

    model_config = ConfigDict(frozen=True)

    delivery_id: int
    webhook_id: str
    """The ``webhook-id`` header: the same on every attempt (receivers dedupe on it)."""
    subscription_id: str
    event_id: str
    event_type: str
    state: DeliveryState
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None


def webhook_id(subscription_id: str, event_id: str) -> str:
    """The stable message id of an event's delivery to a subscription."""
    return f"msg_{subscription_id}_{event_id}"
