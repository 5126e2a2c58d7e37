"""``/v1/batches``: submit a night run, follow it, page its items, download its outcomes."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse, Response

from eligate.batch import (
    AppointmentFileError,
    BatchReport,
    BatchRuntime,
    ItemPublic,
    ItemState,
    UnknownBatchError,
    export,
    report,
    submit,
)
from eligate.service._models import ErrorPublic
from eligate.service.deps import CoreDep, EligibilityCaller, StateDep
from eligate.service.errors import ApiError

router = APIRouter(prefix="/v1/batches", tags=["batches"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic} for status in (400, 401, 403, 404, 413, 429, 503)
}
_TYPES = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/vnd.apache.parquet": "parquet",
}
_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv", "parquet": "application/octet-stream"}


class RefusedRowPublic(BaseModel):
    """A row refused at submission (no member data)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    row: int
    """The row number in the file."""
    code: str
    """Why (a stable code)."""
    column: str | None
    """The column at fault, when one is."""


class BatchCreated(BaseModel):
    """The answer to a submission."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    batch_id: str
    """The run's id."""
    status_url: str
    """Where to follow it."""
    created: bool
    """``False``: the same file was submitted before; this is that run."""
    total: int
    """Items, refused rows included."""
    queued: int
    """Items put on the queue."""
    refused: list[RefusedRowPublic]
    """Rows refused one by one."""


class ItemsPage(BaseModel):
    """One page of a run's items."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    items: list[ItemPublic]
    """The items, in row order."""
    total: int
    """Items matching the filter."""
    offset: int
    """Where this page starts."""
    limit: int
    """Page size."""
    next_offset: int | None
    """The next page's offset, or ``None`` on the last page."""


def _runtime(state: Any) -> BatchRuntime:
    runtime: BatchRuntime | None = getattr(state, "batches", None)
    if runtime is None:
        raise ApiError(
            status_code=503, code="batch_unavailable", message="this service runs no batch queue"
        )
    return runtime


def _unknown(batch_id: str) -> ApiError:
    return ApiError(status_code=404, code="unknown_batch", message="no batch run with that id")


@router.post(
    "",
    status_code=202,
    response_model=BatchCreated,
    responses=_ERRORS,
    summary="Submit an appointment list",
)
async def create_batch(
    request: Request,
    caller: EligibilityCaller,
    state: StateDep,
    core: CoreDep,
    fmt: Annotated[
        Literal["csv", "jsonl", "parquet"] | None,
        Query(alias="format", description="The file's format when Content-Type does not say."),
    ] = None,
) -> JSONResponse:
    """Store the run and queue its items; 202 with the status URL (``Location``)."""
    runtime = _runtime(state)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    chosen = fmt or _TYPES.get(media)
    if chosen is None:
        raise ApiError(
            status_code=400,
            code="unsupported_format",
            message="send text/csv, application/x-ndjson or Parquet (or ?format=csv|jsonl|parquet)",
        )
    data = await request.body()
    try:
        submitted = await submit(
            data,
            name=f"upload.{chosen}",
            store=runtime.store,
            payers={payer.payer_id for payer in core.payers()},
            policy=runtime.policy,
            kicker=runtime.kicker,
            announcer=runtime.watchdog.announcer,
        )
    except AppointmentFileError as error:
        raise ApiError(status_code=400, code=error.code, message=str(error)) from None
    url = str(request.url_for("batch_status", batch_id=submitted.batch_id).path)
    body = BatchCreated(
        batch_id=submitted.batch_id,
        status_url=url,
        created=submitted.created,
        total=submitted.total,
        queued=submitted.queued,
        refused=[
            RefusedRowPublic(row=r.row, code=r.code, column=r.column) for r in submitted.refused
        ],
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=202, headers={"Location": url})


@router.get(
    "/{batch_id}",
    name="batch_status",
    response_model=BatchReport,
    responses=_ERRORS,
    summary="A run's status and KPIs",
)
async def batch_status(batch_id: str, caller: EligibilityCaller, state: StateDep) -> BatchReport:
    """Counts per state and KPIs, per payer and overall."""
    runtime = _runtime(state)
    try:
        return await report(runtime.store, batch_id)
    except UnknownBatchError:
        raise _unknown(batch_id) from None


@router.get(
    "/{batch_id}/items", response_model=ItemsPage, responses=_ERRORS, summary="A run's items"
)
async def batch_items(
    batch_id: str,
    *,
    caller: EligibilityCaller,
    state: StateDep,
    item_state: Annotated[ItemState | None, Query(alias="state")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ItemsPage:
    """One page of items, optionally in one state (``?state=gave_up``)."""
    runtime = _runtime(state)
    try:
        await runtime.store.run(batch_id)
    except UnknownBatchError:
        raise _unknown(batch_id) from None
    items, total = await runtime.store.page(batch_id, state=item_state, offset=offset, limit=limit)
    following = offset + len(items)
    return ItemsPage(
        items=items,
        total=total,
        offset=offset,
        limit=limit,
        next_offset=following if following < total else None,
    )


@router.get("/{batch_id}/export", responses=_ERRORS, summary="Download a run's outcomes")
async def batch_export(
    batch_id: str,
    caller: EligibilityCaller,
    state: StateDep,
    fmt: Annotated[Literal["jsonl", "csv", "parquet"], Query(alias="format")] = "jsonl",
) -> Response:
    """``outcomes.jsonl`` (or .csv, .parquet) as an attachment."""
    runtime = _runtime(state)
    sink = io.BytesIO()
    try:
        await export(runtime.store, batch_id, fmt=fmt, out=sink)
    except UnknownBatchError:
        raise _unknown(batch_id) from None
    return Response(
        sink.getvalue(),
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="outcomes.{fmt}"'},
    )
