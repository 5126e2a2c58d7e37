"""Bad input never reaches the 500 path: random bodies get a 4xx with a stable code."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from eligate.service import create_app
from tests.factories import make_271
from tests.service.conftest import ADMIN_KEY, make_settings
from tests.service.fakes import FakeCore
from tests.service.test_eligibility_routes import inquiry
from tests.strategies import interchanges, render, renderings

HEADERS = {"X-API-Key": ADMIN_KEY}
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["payer_id", "subscriber", "dependent", "provider_npi", "provider_name",
          "service_type_codes", "date_of_service", "context", "stable_member"]  # fmt: skip
PERSON = ["member_id", "last_name", "first_name", "middle_name", "birth_date", "gender_code"]
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _client() -> TestClient:
    return TestClient(create_app(make_settings(rate_limit_burst=10_000), core=FakeCore()))


def _refused_cleanly(status: int, body: dict[str, Any]) -> None:
    assert status < 500, body
    if status >= 400:
        assert body["error"]["code"]
        assert "Traceback" not in json.dumps(body)


def test_random_bytes_to_normalize() -> None:
    """Arbitrary bytes, X12-looking or not, are answered or refused with a 4xx code."""
    prefixes = st.sampled_from([b"", b"ISA*", b"ST*271*0001~", make_271()[:120]])
    with _client() as http:

        @FUZZ
        @given(prefix=prefixes, tail=st.binary(max_size=300))
        def post(prefix: bytes, tail: bytes) -> None:
            response = http.post(
                "/v1/normalize",
                content=prefix + tail,
                headers={**HEADERS, "Content-Type": "application/x12"},
            )
            _refused_cleanly(response.status_code, response.json())

        post()


def test_rendered_interchanges_to_normalize() -> None:
    """Random 271s with random delimiters normalize (or are refused) without a 500."""
    with _client() as http:

        @FUZZ
        @given(segments=interchanges(), how=renderings(), cut=st.integers(0, 400))
        def post(segments: list[tuple[Any, ...]], how: Any, cut: int) -> None:
            raw = render(segments, how)
            for body in (raw, raw[: len(raw) - cut]):
                response = http.post(
                    "/v1/normalize", content=body, headers={**HEADERS, "Content-Type": "text/plain"}
                )
                _refused_cleanly(response.status_code, response.json())

        post()


def test_random_json_to_eligibility() -> None:
    """Any JSON in any field of an inquiry is answered or refused with a 4xx code."""
    with _client() as http:

        @FUZZ
        @given(
            field=st.sampled_from(FIELDS + [f"subscriber.{p}" for p in PERSON]),
            value=JSON_VALUES,
            whole=st.booleans(),
        )
        def post(field: str, value: Any, whole: bool) -> None:
            body: Any = value
            if not whole:
                body = inquiry()
                if field.startswith("subscriber."):
                    body["subscriber"] = {**body["subscriber"], field.split(".")[1]: value}
                else:
                    body[field] = value
            response = http.post("/v1/eligibility", json=body, headers=HEADERS)
            _refused_cleanly(response.status_code, response.json())

        post()
