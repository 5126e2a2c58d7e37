"""``POST /v1/eligibility``: one inquiry, answered by the core from payer, cache or fallback."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from eligate.service._json_route import JsonBodyRoute
from eligate.service._logging import get_logger
from eligate.service._models import EligibilityPublic, ErrorPublic, InquiryCreate
from eligate.service._once import respond_once
from eligate.service.deps import CorrelationIdDep, EligibilityCaller, StateDep
from eligate.service.errors import INQUIRY_ERRORS, ApiError

router = APIRouter(prefix="/v1", tags=["eligibility"], route_class=JsonBodyRoute)

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic} for status in (401, 403, 404, 409, 413, 415, 422, 429, 503)
}


def unknown_payer(payer_id: str) -> ApiError:
    """The 404 for a payer id not in the registry (payer ids are not member data)."""
    return ApiError(
        status_code=404,
        code="unknown_payer",
        message=f"no payer {payer_id!r} in the registry; GET /v1/payers lists them",
    )


@router.post(
    "/eligibility",
    response_model=EligibilityPublic,
    responses=_ERRORS,
    summary="Check one member's eligibility",
)
async def create_inquiry(
    inquiry: InquiryCreate,
    request: Request,
    caller: EligibilityCaller,
    state: StateDep,
    correlation_id: CorrelationIdDep,
) -> Response:
    """Ask the payer (or serve the cache or a fallback) and say which one answered.

    ``status`` is ``unable_to_verify`` with a ``reason`` when neither the payer nor
    the fallback policy could answer; that is a 200: the check ran.
    """

    async def produce() -> Response:
        core = state.core
        if inquiry.payer_id not in {payer.payer_id for payer in core.payers()}:
            raise unknown_payer(inquiry.payer_id)
        asked = inquiry.to_request(correlation_id=correlation_id, today=date.today())
        try:
            outcome = await core.check(asked)
        except INQUIRY_ERRORS as error:
            raise ApiError(status_code=422, code="invalid_inquiry", message=str(error)) from None
        except LookupError:
            raise unknown_payer(inquiry.payer_id) from None
        state.metrics.outcomes.labels(
            payer=outcome.payer_id, origin=outcome.origin, status=outcome.status
        ).inc()
        get_logger().info(
            "service.eligibility_answered",
            payer_id=outcome.payer_id,
            origin=outcome.origin,
            status=outcome.status,
            reason=outcome.reason,
            results=len(outcome.results),
            core_ms=round(outcome.elapsed_ms, 3),
        )
        public = EligibilityPublic.from_outcome(outcome)
        return Response(public.model_dump_json(), media_type="application/json")

    return await respond_once(request, caller=caller, state=state, produce=produce)
