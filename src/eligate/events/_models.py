"""What an event is: a monotonic id, a stable dotted type, a thin payload."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from eligate.events.errors import EventUsageError

EventType = Literal[
    "batch.completed",
    "batch.item_failed",
    "batch.progress",
    "batch.started",
    "eligibility.check_completed",
    "payer.breaker_closed",
    "payer.breaker_half_opened",
    "payer.breaker_opened",
    "payer.drift_detected",
    "triage.exception_raised",
    "webhook.delivery_failed",
    "webhook.endpoint_disabled",
]
"""The stable dotted types; a subscriber filters on these, so they never change meaning."""

EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)

Scalar = str | int | float | bool | None
"""Payload values: ids, codes, counts, links. Never member data."""


class Event(BaseModel):
    """One announced fact, as subscribers, the SSE stream and webhooks see it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Monotonic within the stream (``<ms>-<seq>``, Redis stream style); the SSE ``id``."""
    type: EventType
    """Stable dotted type, e.g. ``payer.breaker_opened``."""
    payer_id: str | None = None
    """The payer the fact is about, when there is one (the stream's payer filter)."""
    time: datetime
    """When the fact was announced (UTC)."""
    data: dict[str, Scalar]
    """Thin payload: ids, codes, counts and links only."""


@dataclass(frozen=True, slots=True)
class EventPage:
    """Events after a given id, and whether some between were already trimmed away."""

    events: tuple[Event, ...]
    gap: bool
    """True when events after the asked id fell out of the retained window (resync)."""


def parse_id(event_id: str) -> tuple[int, int]:
    """``"<ms>-<seq>"`` as a sortable pair.

    Raises:
        EventUsageError: not an event id.
    """
    ms, sep, seq = event_id.partition("-")
    if not (ms.isdigit() and (not sep or seq.isdigit())):
        raise EventUsageError(f"not an event id: {event_id[:40]!r}")
    return int(ms), int(seq or 0)


def check_type(name: str) -> EventType:
    """``name`` as an :data:`EventType`.

    Raises:
        EventUsageError: not one of the stable types.
    """
    for known in EVENT_TYPES:
        if known == name:
            return known
    raise EventUsageError(f"unknown event type: {name[:60]!r}")


def thin(data: Mapping[str, Scalar]) -> dict[str, Scalar]:
    """A copy of ``data`` refusing anything but scalars (no nested member records).

    Raises:
        EventUsageError: a value is not a scalar.
    """
    for key, value in data.items():
        if value is not None and not isinstance(value, str | int | float | bool):
            raise EventUsageError(f"event field {key!r} is not a scalar")
    return dict(data)
