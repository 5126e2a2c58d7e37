"""Properties: CORE multipart round-trips any bytes; a breaker never lets two probes out."""

from __future__ import annotations

from hypothesis import given, settings

from eligate.guards import CircuitBreaker, Permit
from eligate.x12 import decode_multipart, encode_multipart
from tests.guards.test_guards import FakeClock
from tests.strategies import BREAKER_STEPS, core_fields


@given(core_fields())
def test_multipart_round_trips_any_field_values(fields: dict[str, bytes]) -> None:
    """Whatever bytes a field holds (CRLF, dashes, binary), it is read back unchanged."""
    body, content_type = encode_multipart(fields)
    assert decode_multipart(body, content_type) == fields


@settings(max_examples=300)
@given(BREAKER_STEPS)
def test_a_breaker_never_has_two_probes_out(steps: list[str]) -> None:
    """Whatever happens, at most one probe is out, and none while the breaker is closed."""
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, window_seconds=10, open_seconds=3, clock=clock)
    out: list[Permit] = []
    for step in steps:
        if step == "acquire":
            permit = breaker.acquire()
            if permit is not None:
                out.append(permit)
        elif step == "tick":
            clock.now += 1.5
        elif out:
            permit = out.pop(0)
            {"succeed": breaker.succeeded, "fail": breaker.failed, "release": breaker.release}[
                step
            ](permit)
        probes = [p for p in out if p.probe]
        assert len(probes) <= 1
        if probes:
            assert breaker.state == "half_open"
        if breaker.state == "open":
            assert breaker.acquire() is None
