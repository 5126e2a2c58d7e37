"""``Accept: application/fhir+json``: the same answers as a FHIR R4 Bundle.

eligate.fhir (and fhir.resources' models) are imported only when a caller asks
for FHIR, so a service that never does keeps its start-up light.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from eligate.normalizer import EligibilityResult

FHIR_MEDIA_TYPE = "application/fhir+json"
"""What a caller puts in ``Accept`` to get FHIR."""
TAG_SYSTEM = "https://eligate.dev/fhir/CodeSystem/"
"""Where the Bundle's ``meta.tag`` codes (origin, status) live."""


def wants_fhir(request: Request) -> bool:
    """Whether ``Accept`` names FHIR JSON (parameters such as ``fhirVersion`` ignored)."""
    accept = request.headers.get("accept", "")
    return any(part.split(";")[0].strip().lower() == FHIR_MEDIA_TYPE for part in accept.split(","))


async def fhir_response(
    results: Sequence[EligibilityResult],
    *,
    tags: Sequence[tuple[str, str]] = (),
    unable_reason: str | None = None,
) -> Response:
    """The Bundle of ``results`` (or, with ``unable_reason``, an OperationOutcome) as FHIR JSON."""
    from eligate.fhir import CONTENT_TYPE, render_bundle, unable_to_verify_bundle  # noqa: PLC0415

    if unable_reason is not None:
        from eligate.fhir import bundle_json  # noqa: PLC0415

        text = bundle_json(unable_to_verify_bundle(unable_reason, tags=tags))
    else:
        text = await run_in_threadpool(render_bundle, list(results), tags=tags)
    return Response(text, media_type=CONTENT_TYPE)
