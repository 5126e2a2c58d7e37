"""``/healthz`` (process up), ``/readyz`` (core can answer) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from eligate.service._logging import get_logger
from eligate.service._models import StatusPublic
from eligate.service.deps import AdminCaller, StateDep

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=StatusPublic, summary="Liveness")
async def healthz() -> StatusPublic:
    """``ok`` whenever the process answers."""
    return StatusPublic(status="ok")


@router.get(
    "/readyz",
    response_model=StatusPublic,
    responses={503: {"model": StatusPublic}},
    summary="Readiness",
)
async def readyz(state: StateDep) -> Response:
    """``ready`` when the core can answer; 503 ``not_ready`` otherwise."""
    try:
        ready = await state.ready()
    except Exception as error:
        get_logger().warning("service.readiness_check_failed", error_type=type(error).__name__)
        ready = False
    body = StatusPublic(status="ready" if ready else "not_ready")
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(caller: AdminCaller, state: StateDep) -> Response:
    """Request counts and latency by route and status; eligibility outcomes by payer and origin."""
    content, media_type = state.metrics.render()
    return Response(content, media_type=media_type)
