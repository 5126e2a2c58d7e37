"""A payer's answer is parsed on its own thread, in bounded time; garbage trips its breaker."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import httpx
import pytest

import eligate.eligibility._core as core_module
from eligate.eligibility import Core
from eligate.normalizer import EligibilityResult, normalize
from eligate.payers import BreakerPolicy, Timeouts
from eligate.simulator import simulator_registry
from tests.eligibility.conftest import SALT, SUBMITTER
from tests.eligibility.fakes import FakeAudit, FakeCache, make_request
from tests.factories import make_271

SLOW_MARK = b"SLOWPARSE"
"""An answer carrying this (in a MSG) is held in the parser until the test releases it."""
GOOD_271 = make_271("EB*1*IND*30*PR*GOLD PPO")
SLOW_271 = make_271("EB*1*IND*30*PR*GOLD PPO", "MSG*SLOWPARSE")
NOT_271 = make_271("EB*1*IND*30*PR*GOLD PPO").replace(b"ST*271*", b"ST*270*")
"""X12 to the transport, refused by the parser: a 270 where a 271 belongs."""


def _answering(body: bytes) -> httpx.MockTransport:
    return httpx.MockTransport(lambda _: httpx.Response(200, content=body))


@pytest.fixture
async def held(
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[threading.Event, threading.Event]]:
    """(entered, release): the patched parser sets ``entered`` and waits for ``release``."""
    entered, release = threading.Event(), threading.Event()

    def slow(raw: bytes | str) -> list[EligibilityResult]:
        if SLOW_MARK in (raw if isinstance(raw, bytes) else raw.encode()):
            entered.set()
            release.wait(timeout=5)  # on the event loop (the bug) this stalls everyone
        return normalize(raw)

    monkeypatch.setattr(core_module, "normalize", slow)
    try:
        yield entered, release
    finally:
        release.set()


def _core(transports: dict[str, httpx.AsyncBaseTransport], **overrides: object) -> Core:
    registry = simulator_registry({p: f"http://{p}.test/270" for p in transports}, **overrides)
    return Core(
        registry=registry, cache=FakeCache(), audit=FakeAudit(), salt=SALT,
        submitter=SUBMITTER, transports=transports,
    )  # fmt: skip


async def test_a_slow_answer_to_parse_does_not_stall_another_payer(
    held: tuple[threading.Event, threading.Event],
) -> None:
    """While alpha's answer is stuck in its parser, bravo's check completes first."""
    entered, release = held
    core = _core({"alpha": _answering(SLOW_271), "bravo": _answering(GOOD_271)})
    finished: list[str] = []

    async def check(payer: str) -> None:
        outcome = await core.check(make_request(payer))
        finished.append(f"{payer}:{outcome.status}")

    try:
        slow = asyncio.ensure_future(check("alpha"))
        while not entered.is_set() and not slow.done():
            await asyncio.sleep(0.01)
        await check("bravo")
        release.set()
        await slow
    finally:
        await core.close()
    assert [f.split(":")[0] for f in finished] == ["bravo", "alpha"]


async def test_an_answer_that_takes_too_long_to_parse_is_bad_payload(
    held: tuple[threading.Event, threading.Event],
) -> None:
    """Past ``timeout.parse`` the check falls back with ``bad_payload``; the caller is not held."""
    _, release = held
    core = _core(
        {"alpha": _answering(SLOW_271)},
        timeout=Timeouts(connect=1.0, read=4.0, total=5.0, parse=0.05),
    )
    try:
        outcome = await core.check(make_request("alpha"))
        release.set()
    finally:
        await core.close()
    assert (outcome.status, outcome.reason) == ("unable_to_verify", "bad_payload")


async def test_unparsable_answers_open_the_payers_breaker() -> None:
    """Garbage answered in a loop counts as failures: the breaker opens, then refuses at once."""
    core = _core(
        {"alpha": _answering(NOT_271), "bravo": _answering(GOOD_271)},
        breaker=BreakerPolicy(failure_threshold=3, window_seconds=30, open_seconds=30),
    )
    try:
        reasons = [(await core.check(make_request("alpha"))).reason for _ in range(5)]
        healthy = await core.check(make_request("bravo"))
    finally:
        await core.close()
    assert reasons[:3] == ["bad_payload"] * 3
    assert reasons[3:] == ["breaker_open"] * 2
    assert core.health("alpha").breaker == "open"
    assert healthy.status == "verified"
    assert core.health("bravo").breaker == "closed"
