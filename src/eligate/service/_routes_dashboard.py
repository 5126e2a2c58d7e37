"""``/dashboard``: the operations page, server-rendered (Jinja) and kept live by htmx over SSE.

Same auth as the API: the admin key, which the browser keeps in an HttpOnly,
SameSite=Strict cookie set by ``/dashboard/login`` (an EventSource cannot send
headers). Panels are partials that htmx fetches again when an event about them
arrives on ``/v1/events`` (and every 10 s, in case a connection drops).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from eligate.events import utcnow
from eligate.service import _dashboard_data as data
from eligate.service._auth import DASHBOARD_COOKIE, authenticate
from eligate.service._settings import hash_api_key
from eligate.service.deps import AdminCaller, CoreDep, StateDep
from eligate.service.errors import ApiError
from eligate.webhooks import WebhookUsageError

router = APIRouter(prefix="/dashboard", tags=["dashboard"], include_in_schema=False)

_HERE = Path(__file__).parent
templates = Jinja2Templates(directory=_HERE / "templates")
STATIC = _HERE / "static"

_LOOK_BACK = 5000
"""Events the panels look back over (plots: the last hour of checks)."""


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request) -> Response:
    """The key form."""
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, state: StateDep) -> Response:
    """Check the key (admin scope) and keep it in the dashboard's cookie."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    key = (form.get("key") or [""])[0].strip()
    found = state.keys_by_hash.get(hash_api_key(key)) if key else None
    if state.settings.auth_enabled and (found is None or "admin" not in found.scopes):
        return templates.TemplateResponse(
            request, "login.html", {"error": "not an admin key"}, status_code=401
        )
    response = RedirectResponse("/dashboard", status_code=303)
    response.set_cookie(
        DASHBOARD_COOKIE,
        key,
        httponly=True,
        samesite="strict",
        secure=state.settings.environment == "production",
        path="/",
    )
    return response


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request, state: StateDep) -> Response:
    """The page; panels load themselves."""
    try:
        principal = authenticate(state, request)
    except ApiError:
        return RedirectResponse("/dashboard/login", status_code=303)
    if "admin" not in principal.scopes:
        return RedirectResponse("/dashboard/login", status_code=303)
    return templates.TemplateResponse(request, "dashboard.html", {})


@router.get("/partials/payers", response_class=HTMLResponse)
async def payers_panel(
    request: Request, caller: AdminCaller, core: CoreDep, state: StateDep
) -> Response:
    """A tile per payer."""
    events = await state.events.recent(_LOOK_BACK)
    healths = [core.health(p.payer_id) for p in core.payers()]
    return templates.TemplateResponse(
        request, "_payers.html", {"tiles": data.tiles(healths, events)}
    )


@router.get("/partials/plots", response_class=HTMLResponse)
async def plots_panel(request: Request, caller: AdminCaller, state: StateDep) -> Response:
    """Latency per payer over the last hour (SVG)."""
    events = await state.events.recent(_LOOK_BACK)
    return templates.TemplateResponse(
        request, "_plots.html", {"plots": data.latency_plots(events, now=utcnow())}
    )


@router.get("/partials/batches", response_class=HTMLResponse)
async def batches_panel(request: Request, caller: AdminCaller, state: StateDep) -> Response:
    """The newest runs with progress by payer and state."""
    events = await state.events.recent(_LOOK_BACK)
    return templates.TemplateResponse(request, "_batches.html", {"runs": data.batches(events)})


@router.get("/partials/exceptions", response_class=HTMLResponse)
async def exceptions_panel(
    request: Request,
    caller: AdminCaller,
    state: StateDep,
    payer_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Failed items and triaged exceptions, filtered."""
    events = await state.events.recent(_LOOK_BACK)
    found = data.exceptions(events, payer_id=payer_id or None, kind=kind or None)
    return templates.TemplateResponse(request, "_exceptions.html", {"rows": found[:100]})


async def _webhooks(request: Request, state: StateDep) -> Response:
    if state.webhooks is None:
        return templates.TemplateResponse(
            request, "_webhooks.html", {"enabled": False, "subs": [], "dead": []}
        )
    store = state.webhooks.store
    return templates.TemplateResponse(
        request,
        "_webhooks.html",
        {
            "enabled": True,
            "subs": await store.subscriptions(),
            "dead": await store.deliveries(state="dead", limit=50),
        },
    )


@router.get("/partials/webhooks", response_class=HTMLResponse)
async def webhooks_panel(request: Request, caller: AdminCaller, state: StateDep) -> Response:
    """Endpoints and the dead-letter queue."""
    return await _webhooks(request, state)


@router.post("/webhooks/replay/{delivery_id}", response_class=HTMLResponse)
async def replay(
    request: Request, delivery_id: int, caller: AdminCaller, state: StateDep
) -> Response:
    """The replay button: put a dead delivery back in line; the panel again."""
    if state.webhooks is not None:
        try:
            await state.webhooks.store.replay(delivery_id)
        except WebhookUsageError as error:
            raise ApiError(status_code=404, code=error.code, message=str(error)) from None
    return await _webhooks(request, state)
