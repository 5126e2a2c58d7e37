"""``/v1/webhooks``: subscriptions, their deliveries and the dead-letter queue (admin scope)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from eligate.service._models import ErrorPublic
from eligate.service._state import ServiceState
from eligate.service.deps import AdminCaller, StateDep
from eligate.service.errors import ApiError
from eligate.webhooks import (
    DeliveryPublic,
    DeliveryState,
    UnsafeTargetError,
    WebhookCreate,
    WebhookPublic,
    WebhookRotate,
    WebhookStore,
    WebhookUsageError,
    check_target,
    new_secret,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorPublic} for status in (400, 401, 403, 404, 503)
}


def _store(state: ServiceState) -> WebhookStore:
    if state.webhooks is None:
        raise ApiError(
            status_code=503, code="webhooks_unavailable", message="webhooks are not configured"
        )
    return state.webhooks.store


def _missing(error: WebhookUsageError) -> ApiError:
    return ApiError(status_code=404, code=error.code, message=str(error))


@router.post("", status_code=201, response_model=WebhookPublic, responses=_ERRORS)
async def create_webhook(
    body: WebhookCreate, caller: AdminCaller, state: StateDep
) -> WebhookPublic:
    """Subscribe a URL to event types; the secret is in this answer only."""
    store = _store(state)
    policy = state.webhooks.policy  # type: ignore[union-attr]  # _store checked it
    try:
        await check_target(
            body.url, https_only=policy.https_only, allow_loopback=policy.allow_loopback
        )
    except UnsafeTargetError as error:
        raise ApiError(status_code=400, code=error.code, message=str(error)) from None
    return await store.create(
        url=body.url,
        event_types=body.event_types,
        payer_id=body.payer_id,
        secret=body.secret or new_secret(),
    )


@router.get("", response_model=list[WebhookPublic], responses=_ERRORS)
async def list_webhooks(caller: AdminCaller, state: StateDep) -> list[WebhookPublic]:
    """Every subscription (secrets never listed)."""
    return await _store(state).subscriptions()


@router.delete("/{subscription_id}", status_code=204, responses=_ERRORS)
async def delete_webhook(subscription_id: str, caller: AdminCaller, state: StateDep) -> Response:
    """Remove a subscription and its deliveries."""
    try:
        await _store(state).delete(subscription_id)
    except WebhookUsageError as error:
        raise _missing(error) from None
    return Response(status_code=204)


@router.post("/{subscription_id}/rotate", response_model=WebhookPublic, responses=_ERRORS)
async def rotate_secret(
    subscription_id: str, body: WebhookRotate, caller: AdminCaller, state: StateDep
) -> WebhookPublic:
    """A new secret; deliveries carry both signatures until the overlap ends."""
    try:
        return await _store(state).rotate(
            subscription_id,
            secret=body.secret or new_secret(),
            overlap=timedelta(hours=body.overlap_hours),
        )
    except WebhookUsageError as error:
        raise _missing(error) from None


@router.get("/deliveries", response_model=list[DeliveryPublic], responses=_ERRORS)
async def list_deliveries(
    caller: AdminCaller,
    state: StateDep,
    delivery_state: Annotated[DeliveryState | None, Query(alias="state")] = None,
    subscription_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryPublic]:
    """Deliveries, newest first; ``?state=dead`` is the dead-letter queue."""
    return await _store(state).deliveries(
        state=delivery_state, subscription_id=subscription_id, limit=limit
    )


@router.post("/deliveries/{delivery_id}/replay", response_model=DeliveryPublic, responses=_ERRORS)
async def replay_delivery(delivery_id: int, caller: AdminCaller, state: StateDep) -> DeliveryPublic:
    """Put a dead-lettered delivery back in line, due now."""
    try:
        return await _store(state).replay(delivery_id)
    except WebhookUsageError as error:
        raise _missing(error) from None
