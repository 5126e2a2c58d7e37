"""``GET /v1/events``: the event stream as server-sent events.

A client names where it stopped (the ``Last-Event-ID`` header its EventSource
sends on reconnect, or ``?last_event_id=``) and gets every retained event after
it, then the live ones; with no id it starts from now. A client further behind
than the retained window first gets a ``resync`` event: reload state, then
carry on. Comments every ``heartbeat`` seconds keep proxies from closing an idle
stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from eligate.events import Event, EventStream, EventType, EventUsageError, check_type, parse_id
from eligate.service._models import ErrorPublic
from eligate.service.deps import EligibilityCaller, StateDep
from eligate.service.errors import ApiError

router = APIRouter(prefix="/v1/events", tags=["events"])

_PAGE = 200


def _types(raw: list[str]) -> frozenset[EventType] | None:
    names = [name.strip() for value in raw for name in value.split(",") if name.strip()]
    if not names:
        return None
    try:
        return frozenset(check_type(name) for name in names)
    except EventUsageError as error:
        raise ApiError(status_code=400, code=error.code, message=str(error)) from None


def sse_of(event: Event) -> ServerSentEvent:
    """One event as SSE: ``id`` the stream id, ``event`` its type, ``data`` the JSON."""
    return ServerSentEvent(
        id=event.id, event=event.type, data=event.model_dump_json(exclude={"id", "type"})
    )


async def follow(
    stream: EventStream,
    *,
    after: str | None,
    types: frozenset[EventType] | None,
    payer_id: str | None,
    wait: float,
) -> AsyncIterator[ServerSentEvent]:
    """Events after ``after`` (from now when None) matching the filters, forever."""
    cursor = after if after is not None else await stream.latest_id()
    told_resync = False
    while True:
        page = await stream.read(after=cursor, limit=_PAGE, wait=wait)
        if page.gap and not told_resync:
            told_resync = True
            yield ServerSentEvent(
                event="resync",
                data=json.dumps({"after": cursor, "reason": "behind_retained_window"}),
            )
        for event in page.events:
            cursor = event.id
            if types is not None and event.type not in types:
                continue
            if payer_id is not None and event.payer_id != payer_id:
                continue
            yield sse_of(event)


@router.get(
    "",
    summary="The event stream (server-sent events)",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."},
        **{status: {"model": ErrorPublic} for status in (400, 401, 403, 422, 429)},
    },
)
async def events(  # noqa: PLR0917 - FastAPI reads each query and header as a parameter
    caller: EligibilityCaller,
    state: StateDep,
    type: Annotated[list[str], Query(description="event types, repeated or comma-separated")] = [],  # noqa: A002, B006 - the query's public name; FastAPI copies defaults
    payer_id: Annotated[str | None, Query(max_length=64)] = None,
    last_event_id_query: Annotated[str | None, Query(alias="last_event_id", max_length=64)] = None,
    last_event_id: Annotated[str | None, Header(max_length=64)] = None,
) -> EventSourceResponse:
    """Events as ``text/event-stream``; reconnect with ``Last-Event-ID`` to lose nothing."""
    chosen = _types(type)
    after = last_event_id or last_event_id_query
    if after is not None:
        try:
            parse_id(after)
        except EventUsageError as error:
            raise ApiError(status_code=400, code=error.code, message=str(error)) from None
    config = state.event_config
    return EventSourceResponse(
        follow(
            state.events, after=after, types=chosen, payer_id=payer_id, wait=config.poll_seconds
        ),
        ping=config.heartbeat_seconds,
    )
