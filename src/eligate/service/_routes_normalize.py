"""``POST /v1/normalize``: a raw 271 in, normalized results with the gate's verdicts out."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from eligate.normalizer import EligibilityResult, normalize
from eligate.service._fhir import fhir_response, wants_fhir
from eligate.service._models import ErrorPublic, NormalizeCreate, NormalizePublic
from eligate.service._once import respond_once
from eligate.service.deps import NormalizeCaller, StateDep
from eligate.service.errors import ApiError
from eligate.validators import gate, propose_and_gate_async
from eligate.x12 import X12InputError

router = APIRouter(prefix="/v1", tags=["normalize"])

X12_MEDIA_TYPES = frozenset({"text/plain", "application/x12", "application/edi-x12"})
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic} for status in (401, 403, 409, 413, 415, 422, 429)
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/x12": {"schema": {"type": "string"}},
            "application/edi-x12": {"schema": {"type": "string"}},
            "application/json": {"schema": NormalizeCreate.model_json_schema()},
        },
    }
}


def _normalize_and_gate(raw: bytes) -> list[EligibilityResult]:
    return gate(normalize(raw), raw)


async def _raw_271(request: Request) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if media_type in X12_MEDIA_TYPES:
        return body
    if media_type == "application/json":
        try:
            wrapped = NormalizeCreate.model_validate_json(body)
        except ValidationError as error:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_input=False)]
            ) from None
        return wrapped.x12.encode()
    raise ApiError(
        status_code=415,
        code="unsupported_media_type",
        message="send the 271 as text/plain, application/x12, application/edi-x12 "
        'or JSON {"x12": "..."}',
    )


@router.post(
    "/normalize",
    response_model=NormalizePublic,
    responses=_ERRORS,
    openapi_extra=_BODY,
    summary="Normalize a raw 271 and run the gate",
)
async def normalize_271(request: Request, caller: NormalizeCaller, state: StateDep) -> Response:
    """One result per patient in the 271, each with the gate's verdict.

    With ``Accept: application/fhir+json`` the answer is one FHIR R4 Bundle
    (``application/fhir+json; fhirVersion=4.0``). Bad X12 is a 422 whose code
    says why: ``empty_input``, ``not_x12``, ``truncated``, ``not_271``.
    """

    async def produce() -> Response:
        raw = await _raw_271(request)
        try:
            if state.proposer is None:
                results = await run_in_threadpool(_normalize_and_gate, raw)
            else:
                results = await propose_and_gate_async(
                    raw, proposer=state.proposer, settle=state.settle
                )
        except X12InputError as error:
            raise ApiError(status_code=422, code=error.code, message=str(error)) from None
        if wants_fhir(request):
            return await fhir_response(results)
        verdicts = Counter(r.validation.verdict for r in results if r.validation is not None)
        public = NormalizePublic(results=results, verdicts=dict(verdicts))
        return Response(public.model_dump_json(), media_type="application/json")

    return await respond_once(request, caller=caller, state=state, produce=produce)
