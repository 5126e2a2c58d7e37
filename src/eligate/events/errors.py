"""Errors of the event stream.

Tree::

    EligateError (eligate.codes)
    └── EventError
        ├── EventUsageError        called wrong (an unknown type, a bad id)
        └── EventStreamUnavailableError the stream's store (Redis) did not answer
"""

from __future__ import annotations

from eligate.codes import EligateError, StoreFaultError, UsageError

__all__ = ["EventError", "EventStreamUnavailableError", "EventUsageError"]


class EventError(EligateError):
    """Root of the event stream's errors."""

    code = "event_error"


class EventUsageError(EventError, UsageError):
    """The stream was called wrong: an unknown event type, a malformed event id."""

    code = "event_usage"


class EventStreamUnavailableError(EventError, StoreFaultError):
    """Redis did not answer; the caller's fact stands, only its announcement is late."""

    code = "event_stream_unavailable"
