"""``/docs``: Swagger UI with its assets served from the ``swagger-ui-bundle-v2`` package.

FastAPI's default page loads Swagger UI from a CDN, which leaves a blank page on a
machine without internet (most clinics' servers). The same page here points at
``/docs/assets/``, served from the installed package. Not mounted in production
(see :func:`~eligate.service.create_app`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/docs/assets"


def mount_docs(app: FastAPI, *, openapi_url: str) -> None:
    """Add ``GET /docs`` and its static assets to ``app``."""
    app.mount(ASSETS, StaticFiles(directory=Path(str(swagger_ui_path))), name="docs-assets")

    async def docs(_request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )

    app.add_route("/docs", docs, include_in_schema=False)
