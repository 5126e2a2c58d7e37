"""A run announces itself on the real Redis event stream: started, failed, progress, done."""

from __future__ import annotations

from redis.asyncio import Redis

from eligate.batch import submit
from eligate.events import Announcer, RedisEventStream
from eligate.simulator import Behavior
from tests.batch.conftest import Harness, appointments_csv, row_of


async def test_a_run_announces_started_item_failed_progress_and_completed(
    harness: Harness, redis_client: Redis, redis_prefix: str
) -> None:
    """One verified item and one that gives up: the events say so, thin, in order."""
    h = harness
    stream = RedisEventStream(redis_client, key=f"{redis_prefix}events")
    announcer = Announcer(stream)
    h.core.announcer = announcer
    h.watchdog.announcer = announcer
    await h.simulator.set_behavior("bravo", Behavior(error_rate=1.0))
    rows = [row_of(), row_of(appointment_id="A2", payer_id="bravo", member_id="SYN100011")]
    submitted = await submit(
        appointments_csv(rows), name="night.csv", store=h.store, payers=set(h.core.registry),
        policy=h.policy, kicker=h.queue, announcer=announcer,
    )  # fmt: skip
    batch_id = submitted.batch_id
    for _ in range(h.policy.max_attempts):
        await h.processor.process(batch_id, [f"{batch_id}-000001", f"{batch_id}-000002"])
        h.now.advance(1000)
    await h.watchdog.tick(batch_id, 0)
    events = (await stream.read(after="0-0", limit=1000)).events
    batch_events = [e for e in events if e.type.startswith("batch.")]
    kinds = [e.type for e in batch_events]
    assert kinds[0] == "batch.started"
    assert batch_events[0].data["total"] == 2
    assert kinds.count("batch.item_failed") == 1
    failed = next(e for e in batch_events if e.type == "batch.item_failed")
    assert (failed.payer_id, failed.data["item_id"]) == ("bravo", f"{batch_id}-000002")
    progress = {e.payer_id: e.data for e in batch_events if e.type == "batch.progress"}
    assert progress["alpha"]["verified"] == 1
    assert progress["bravo"]["gave_up"] == 1
    assert kinds[-1] == "batch.completed"
    assert batch_events[-1].data["verified"] == 1
    checks = [e for e in events if e.type == "eligibility.check_completed"]
    assert checks
    for event in events:
        assert "SYN1000" not in event.model_dump_json()
