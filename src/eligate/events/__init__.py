"""The event stream: facts the core, the batch and triage announce, for SSE and webhooks.

One small interface (:class:`EventStream`) with an in-process implementation for
the embedded default and a Redis stream for production; :class:`Announcer` is
what producers call (it never fails their work).
"""

from eligate.events._models import (
    EVENT_TYPES,
    Event,
    EventPage,
    EventType,
    Scalar,
    check_type,
    parse_id,
)
from eligate.events._redis import RedisEventStream
from eligate.events._stream import Announcer, EventStream, MemoryEventStream, utcnow
from eligate.events.errors import EventError, EventStreamUnavailableError, EventUsageError

__all__ = [
    "EVENT_TYPES",
    "Announcer",
    "Event",
    "EventError",
    "EventPage",
    "EventStream",
    "EventStreamUnavailableError",
    "EventType",
    "EventUsageError",
    "MemoryEventStream",
    "RedisEventStream",
    "Scalar",
    "check_type",
    "parse_id",
    "utcnow",
]
