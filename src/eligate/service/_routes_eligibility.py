"""``POST /v1/eligibility``: one inquiry, answered by the core from payer, cache or fallback."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from eligate.eligibility import CachedAnswer, EligibilityOutcome
from eligate.eligibility.errors import GuideRefusedError
from eligate.service._fhir import TAG_SYSTEM, fhir_response, wants_fhir
from eligate.service._json_route import JsonBodyRoute
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
    the fallback policy could answer; that is a 200: the check ran. With
    ``Accept: application/fhir+json`` the answer is one FHIR R4 Bundle (origin and
    status in ``meta.tag``; an OperationOutcome when unable to verify).
    """

    async def produce() -> Response:
        core = state.core
        asked = inquiry.to_request(correlation_id=correlation_id, today=date.today())
        try:
            reply = await core.check_cached(asked)  # a payer not in the registry: LookupError
            if reply is None:
                if inquiry.payer_id not in {payer.payer_id for payer in core.payers()}:
                    raise unknown_payer(inquiry.payer_id)
                outcome = await core.check(asked)
            else:
                outcome = reply.outcome
        except INQUIRY_ERRORS as error:
            # A payer's guide refusal keeps its own code; its message names the fix_* action.
            code = "guide_refused" if isinstance(error, GuideRefusedError) else "invalid_inquiry"
            raise ApiError(status_code=422, code=code, message=str(error)) from None
        except LookupError:
            raise unknown_payer(inquiry.payer_id) from None
        state.metrics.outcomes.labels(
            payer=outcome.payer_id, origin=outcome.origin, status=outcome.status
        ).inc()
        # Said once, on the access line the middleware writes when the request ends.
        request.scope.setdefault("state", {})["log"] = {
            "payer_id": outcome.payer_id,
            "origin": outcome.origin,
            "outcome": outcome.status,
            "reason": outcome.reason,
            "core_ms": round(outcome.elapsed_ms, 3),
        }
        if wants_fhir(request):
            results = reply.answer.results if reply is not None else outcome.results
            tags = [
                (f"{TAG_SYSTEM}origin", outcome.origin),
                (f"{TAG_SYSTEM}status", outcome.status),
            ]
            unable = outcome.reason or outcome.status if outcome.status != "verified" else None
            return await fhir_response(results, tags=tags, unable_reason=unable)
        if reply is not None:
            return Response(_cached_body(outcome, reply.answer), media_type="application/json")
        public = EligibilityPublic.from_outcome(outcome)
        return Response(public.model_dump_json(), media_type="application/json")

    return await respond_once(request, caller=caller, state=state, produce=produce)


_EMPTY_TAIL = b'"results":[],"summaries":[]}'


def _cached_body(outcome: EligibilityOutcome, answer: CachedAnswer) -> bytes:
    """The JSON :class:`EligibilityPublic` writes, with the cached results spliced in as stored."""
    public = EligibilityPublic.from_outcome(outcome, coverage=answer.coverage)
    head = public.model_dump_json().encode()
    if not head.endswith(_EMPTY_TAIL):  # the model's last fields are results, summaries
        raise RuntimeError("EligibilityPublic no longer ends with results and summaries")
    return b"".join(
        (
            head[: -len(_EMPTY_TAIL)],
            b'"results":',
            answer.results_json,
            b',"summaries":',
            answer.summaries_json,
            b"}",
        )
    )
