"""Schemathesis against the app's own OpenAPI document: no 5xx, answers as documented.

Kept short for CI (a few examples per operation). ``positive_data_acceptance`` is
left out: some rules are not expressible in JSON Schema (the NPI's Luhn check
digit, a 271 that must be X12), so schema-valid requests are rightly refused with
a documented 422.

``/v1/batches`` and ``/v1/webhooks`` are left out here: this app runs no batch
queue and no webhooks, so by design they answer 503 ``batch_unavailable`` /
``webhooks_unavailable`` to everything. Their contract is tested on the real
composition (``tests/service/test_batch_routes.py``, ``tests/webhooks/``).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from eligate.service import create_app
from tests.service.conftest import ADMIN_KEY, make_settings
from tests.service.fakes import FakeCore


@schemathesis.serializer("application/x12", "application/edi-x12")
def _x12(_context: Any, value: Any) -> bytes:
    """Raw X12 is sent as the text generated for it."""
    return value if isinstance(value, bytes) else str(value).encode()


APP = create_app(make_settings(rate_limit_burst=1_000_000), core=FakeCore())
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(
    path_regex=r"^/v1/(batches|webhooks)"
)


@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_its_document_says(case: Any) -> None:
    """Every operation, generated and mutated requests: documented statuses, bodies, no 5xx."""
    case.call_and_validate(
        headers={"X-API-Key": ADMIN_KEY}, excluded_checks=[positive_data_acceptance]
    )
