"""The payer simulator: realistic 271s, behaviours switched at run time, admin endpoint."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import httpx

from eligate.eligibility import PayerCallError
from eligate.eligibility._transport import PayerTransport
from eligate.normalizer import normalize
from eligate.payers import load_registry, write_registry
from eligate.simulator import Behavior, Simulator, member_known, read_270
from eligate.validators import gate
from eligate.x12 import Envelope270, Inquiry270, InquiryPerson, build_270


def _270(member_id: str = "SYN000123", dependent: InquiryPerson | None = None) -> bytes:
    inquiry = Inquiry270(
        payer_id="SYN01",
        payer_name="SYNTHETIC PLAN",
        provider_npi="1999999984",
        provider_name="SAMPLE CLINIC",
        subscriber=InquiryPerson(
            member_id=member_id,
            last_name="TESTPATIENT",
            first_name="ALEX",
            birth_date=date(1980, 1, 1),
            gender_code="F",
        ),
        dependent=dependent,
        service_type_codes=["30", "62"],
        date_of_service=date(2026, 11, 23),
        trace_number="SIMTRACE1",
    )
    envelope = Envelope270(
        sender_id="ELIGATE",
        receiver_id="SIMALPHA",
        interchange_control_number=1,
        group_control_number=1,
        created_at=datetime(2026, 11, 23, 6, 47),
    )
    return build_270(inquiry, envelope=envelope).encode()


async def _ask(simulator: Simulator, payer_id: str, x12: bytes) -> bytes:
    config = simulator.registry()[payer_id]
    transport = PayerTransport(config, sender_id="ELIGATE", environ={})
    try:
        return await transport.send(x12, payload_id="p-1")
    finally:
        await transport.aclose()


def test_the_270_is_read_back() -> None:
    """Trace, service types, date and the member come out of the 270 as sent."""
    asked = read_270(_270())
    assert (asked.trace, asked.service_types, asked.date_of_service) == (
        "SIMTRACE1",
        ("30", "62"),
        "20261123",
    )
    assert asked.subscriber.member_id == "SYN000123"
    assert member_known("SYN000123")
    assert not member_known("SYN12")


async def test_an_active_member_gets_a_full_accepted_answer(simulator: Simulator) -> None:
    """Active plan, deductible and OOP with remaining, copays, coinsurance, CT with prior auth."""
    raw = await _ask(simulator, "alpha", _270())
    [result] = gate(normalize(raw), raw)
    assert result.coverage_status == "active"
    assert result.validation is not None
    assert result.validation.verdict == "accepted"
    assert result.envelope.traces[0].number == "SIMTRACE1"
    codes = {b.code for b in result.benefits}
    assert {"1", "C", "G", "B", "A"} <= codes
    assert result.summary.deductible[0].remaining is not None
    assert result.summary.out_of_pocket[0].remaining is not None
    ct = [b for b in result.benefits if b.procedure is not None]
    assert ct[0].procedure is not None
    assert (ct[0].procedure.code, ct[0].auth_required) == ("74177", True)


async def test_inactive_unknown_and_dependent_members(simulator: Simulator) -> None:
    """A lapsed member is inactive, an unknown one gets AAA 75, a dependent gets a 2000D loop."""
    lapsed = normalize(await _ask(simulator, "alpha", _270("SYN000129")))
    assert lapsed[0].coverage_status == "inactive"
    unknown = normalize(await _ask(simulator, "alpha", _270("SYNX")))
    assert [(e.code, e.action) for e in unknown[0].errors] == [("75", "verify_member")]
    child = InquiryPerson(last_name="TESTPATIENT", first_name="SAM", birth_date=date(2015, 5, 1))
    dependent = normalize(await _ask(simulator, "alpha", _270(dependent=child)))
    assert [(r.patient_role, r.first_name) for r in dependent] == [("dependent", "SAM")]


async def test_behaviours_flaky_unavailable_refused_and_aaa(simulator: Simulator) -> None:
    """500s, 503s, connection refused and AAA 42 on demand; the other payers stay healthy."""
    cases: list[tuple[Behavior, str | None]] = [
        (Behavior(error_rate=1.0), "http_5xx"),
        (Behavior(down="503"), "http_5xx"),
        (Behavior(down="refuse"), "connect"),
    ]
    for behavior, kind in cases:
        await simulator.set_behavior("alpha", behavior)
        try:
            await _ask(simulator, "alpha", _270())
        except PayerCallError as error:
            assert error.kind == kind
        else:
            raise AssertionError(f"{behavior} answered")
        assert normalize(await _ask(simulator, "bravo", _270()))[0].coverage_status == "active"
    await simulator.set_behavior("alpha", Behavior(aaa="42"))
    [result] = normalize(await _ask(simulator, "alpha", _270()))
    assert [e.action for e in result.errors] == ["retry_later"]
    await simulator.set_behavior("alpha", Behavior())
    assert normalize(await _ask(simulator, "alpha", _270()))[0].coverage_status == "active"


async def test_the_admin_endpoint_reads_and_changes_behaviour(simulator: Simulator) -> None:
    """PUT /behavior/{id} changes a payer; bad JSON is a 400 naming the field."""
    async with httpx.AsyncClient(base_url=simulator.admin_url) as admin:
        changed = await admin.put("/behavior/alpha", json={"latency_ms": 1, "error_rate": 0.5})
        assert changed.status_code == 200
        assert simulator.payers["alpha"].behavior.error_rate == 0.5
        listed = (await admin.get("/behavior")).json()
        assert listed["alpha"]["error_rate"] == 0.5
        assert listed["bravo"]["error_rate"] == 0.0
        bad = await admin.put("/behavior/alpha", json={"error_rate": 2})
        assert (bad.status_code, bad.json()["field"]) == (400, "error_rate")
        unknown = await admin.put("/behavior/zulu", json={})
        assert unknown.status_code == 404
        endpoints = (await admin.get("/payers")).json()["endpoints"]
        assert endpoints == simulator.endpoints


async def test_a_registry_points_at_the_simulator(simulator: Simulator, tmp_path: Path) -> None:
    """The simulator's registry round-trips through YAML files."""
    write_registry(simulator.registry(), tmp_path)
    loaded = load_registry(tmp_path)
    assert dict(loaded) == dict(simulator.registry())
    assert json.loads(json.dumps(simulator.base_urls))["alpha"].startswith("http://127.0.0.1:")


async def test_the_simulator_is_an_async_context_manager() -> None:
    """``async with await start_simulator(...)`` stops the payers on exit."""
    from eligate.simulator import start_simulator

    async with await start_simulator(("solo",)) as simulator:
        endpoint = simulator.endpoints["solo"]
        raw = await _ask(simulator, "solo", _270())
        assert normalize(raw)[0].coverage_status == "active"
    async with httpx.AsyncClient() as client:
        try:
            await client.post(endpoint, content=b"x", timeout=2)
        except httpx.ConnectError:
            pass
        else:
            raise AssertionError("the payer still listens after the block")


async def test_a_request_that_is_not_a_270_is_a_400(simulator: Simulator) -> None:
    """Garbage, a wrong payload type or a non-X12 payload get 400, and the payer keeps serving."""
    from eligate.x12 import REQUEST_PAYLOAD_TYPE, encode_multipart

    url = simulator.endpoints["alpha"]
    cases = [
        {"PayloadType": REQUEST_PAYLOAD_TYPE.encode(), "Payload": b"hello"},
        {"PayloadType": b"X12_276_Request_005010X212", "Payload": _270()},
        {"PayloadType": REQUEST_PAYLOAD_TYPE.encode(), "Payload": b"ST*271*0001~SE*2*0001~"},
    ]
    async with httpx.AsyncClient() as client:
        for fields in cases:
            body, content_type = encode_multipart(fields)
            answer = await client.post(url, content=body, headers={"Content-Type": content_type})
            assert answer.status_code == 400
    assert normalize(await _ask(simulator, "alpha", _270()))[0].coverage_status == "active"


async def test_busiest_counts_the_most_arrivals_in_any_window(simulator: Simulator) -> None:
    """Arrivals at given times: the fullest half-open one-second window, not the average."""
    payer = next(iter(simulator.payers.values()))
    payer.arrivals = [0.0, 0.4, 0.9, 1.0, 1.95, 2.5, 5.0]
    assert payer.busiest() == 3  # [0.0, 0.4, 0.9]; 1.0 starts the next window
    assert payer.busiest(window=0.6) == 2
    payer.arrivals = None
    assert payer.busiest() == 0
