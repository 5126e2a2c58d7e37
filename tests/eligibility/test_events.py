"""The core announces on the event stream: checks completed and the breaker's moves."""

from __future__ import annotations

from redis.asyncio import Redis

from eligate.events import Announcer, RedisEventStream
from eligate.payers import BreakerPolicy, RetryPolicy, Timeouts
from eligate.simulator import Behavior, Simulator
from tests.eligibility.conftest import CoreFactory
from tests.eligibility.fakes import make_request


async def test_checks_and_breaker_moves_reach_the_redis_stream(
    simulator: Simulator, make_core: CoreFactory, redis_client: Redis, redis_prefix: str
) -> None:
    """A sick payer's checks and its breaker opening are announced, thin, in order."""
    stream = RedisEventStream(redis_client, key=f"{redis_prefix}events")
    announcer = Announcer(stream)
    registry = simulator.registry(
        timeout=Timeouts(connect=0.2, read=0.3, total=0.5),
        breaker=BreakerPolicy(failure_threshold=2, window_seconds=30, open_seconds=30),
        retry=RetryPolicy(attempts=1, backoff_base=0.01, failures=("http_5xx",)),
    )
    core = make_core(registry, announcer=announcer)
    await simulator.set_behavior("alpha", Behavior(error_rate=1.0))
    start = await stream.latest_id()
    for i in range(3):
        await core.check(make_request("alpha", member_id=f"SYN4000{i:02d}"))
    await core.check(make_request("bravo", member_id="SYN400099"))
    await announcer.drain()
    events = (await stream.read(after=start)).events
    types = [(e.type, e.payer_id) for e in events]
    assert types.count(("eligibility.check_completed", "alpha")) == 3
    assert ("payer.breaker_opened", "alpha") in types
    assert types[-1] == ("eligibility.check_completed", "bravo")
    opened = next(e for e in events if e.type == "payer.breaker_opened")
    assert opened.data["failures"] == 2
    for event in events:
        assert "SYN4000" not in event.model_dump_json()  # no member ids, ever
    completed = [e for e in events if e.type == "eligibility.check_completed"]
    assert {e.data["status"] for e in completed} == {"unable_to_verify", "verified"}
