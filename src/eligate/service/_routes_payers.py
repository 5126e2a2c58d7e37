"""``GET /v1/payers`` and ``GET /v1/payers/{payer_id}/health``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from eligate.eligibility import PayerHealth
from eligate.service._models import ErrorPublic, PayersPublic
from eligate.service._routes_eligibility import unknown_payer
from eligate.service.deps import CoreDep, EligibilityCaller

router = APIRouter(prefix="/v1/payers", tags=["payers"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic} for status in (401, 403, 404, 429)
}


@router.get("", response_model=PayersPublic, responses=_ERRORS, summary="List the payers")
async def list_payers(caller: EligibilityCaller, core: CoreDep) -> PayersPublic:
    """The payers in the registry, with their breaker state."""
    return PayersPublic(payers=core.payers())


@router.get(
    "/{payer_id}/health",
    response_model=PayerHealth,
    responses=_ERRORS,
    summary="One payer's health",
)
async def payer_health(payer_id: str, caller: EligibilityCaller, core: CoreDep) -> PayerHealth:
    """Breaker state, calls in flight, latency percentiles, error and cache-hit rates."""
    if payer_id not in {payer.payer_id for payer in core.payers()}:
        raise unknown_payer(payer_id)
    try:
        return core.health(payer_id)
    except LookupError:
        raise unknown_payer(payer_id) from None
