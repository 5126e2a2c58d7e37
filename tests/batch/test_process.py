"""The item state machine on a real core (loopback payers, SQLite), with the clock in hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eligate.batch import BatchPolicy, Processor, submit
from eligate.simulator import Behavior
from tests.batch.conftest import Harness, NoPacing, appointments_csv, row_of


async def _submit(h: Harness, rows: list[dict[str, str]]) -> str:
    submitted = await submit(
        appointments_csv(rows), name="night.csv", store=h.store, payers=set(h.core.registry),
        policy=h.policy, kicker=h.queue,
    )  # fmt: skip
    return submitted.batch_id


async def _states(h: Harness, batch_id: str) -> dict[str, int]:
    counts = await h.store.counts(batch_id)
    total: dict[str, int] = {}
    for states in counts.values():
        for state, number in states.items():
            total[state] = total.get(state, 0) + number
    return total


async def test_items_end_verified_or_not_verified_with_transitions(harness: Harness) -> None:
    """Active member: verified; lapsed (last digit 9): not_verified; transitions in order."""
    h = harness
    batch_id = await _submit(h, [row_of(), row_of(appointment_id="A2", member_id="SYN100009")])
    await h.processor.process(batch_id, h.queue.queued())
    assert await _states(h, batch_id) == {"verified": 1, "not_verified": 1}
    assert await h.store.transitions(f"{batch_id}-000001") == [
        ("queued", "sent", None),
        ("sent", "verified", None),
    ]
    page, _ = await h.store.page(batch_id, state="not_verified", offset=0, limit=10)
    assert page[0].status == "inactive"
    assert page[0].origin == "payer"
    assert page[0].attempts == 1


async def test_unknown_member_is_not_verified_with_the_aaa_reason(harness: Harness) -> None:
    """AAA 75 (member not found) is an answer: not_verified, reason aaa_75, no retry."""
    h = harness
    batch_id = await _submit(h, [row_of(member_id="XQ4000013")])
    await h.processor.process(batch_id, h.queue.queued())
    page, _ = await h.store.page(batch_id, state=None, offset=0, limit=10)
    assert (page[0].state, page[0].reason, page[0].attempts) == ("not_verified", "aaa_75", 1)


async def test_cache_first_serves_a_second_run_without_a_270(harness: Harness) -> None:
    """The same question in another file is a cache hit (batch TTL): no 270 reaches the payer."""
    h = harness
    first = await _submit(h, [row_of()])
    await h.processor.process(first, h.queue.queued())
    before = h.sends()
    second = await _submit(h, [row_of(appointment_id="OTHER-FILE")])
    await h.processor.process(second, h.queue.queued()[1:])
    assert await _states(h, second) == {"cache_hit": 1}
    assert h.sends() == before


async def test_transient_failure_waits_then_retries_on_the_watchdog(harness: Harness) -> None:
    """A 500 goes to retry_wait with its reason and time; the tick requeues it when due."""
    h = harness
    await h.simulator.set_behavior("alpha", Behavior(error_rate=1.0))
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert (row.state, row.reason, row.attempts) == ("retry_wait", "http_5xx", 1)
    assert row.next_attempt_at == h.now() + timedelta(seconds=30)
    await h.watchdog.tick(batch_id, 0)
    assert item not in h.queue.queued()[1:]  # not due yet
    await h.simulator.set_behavior("alpha", Behavior())
    h.now.advance(31)
    await h.watchdog.tick(batch_id, 1)
    assert h.queue.queued()[-1] == item
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert (row.state, row.attempts) == ("verified", 2)
    report_rows = await h.store.figures_rows(batch_id)
    assert report_rows[0][3] is True  # retried


async def test_retries_stop_at_the_policy_and_the_item_gives_up(harness: Harness) -> None:
    """After the last attempt a transient failure ends gave_up with its reason."""
    h = harness
    await h.simulator.set_behavior("alpha", Behavior(error_rate=1.0))
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"
    for _ in range(h.policy.max_attempts):
        await h.processor.process(batch_id, [item])
        h.now.advance(1000)
    (row,) = await h.store.items([item])
    assert (row.state, row.reason, row.attempts) == ("gave_up", "http_5xx", 3)


async def test_open_breaker_holds_items_without_spending_attempts(harness: Harness) -> None:
    """A sick payer's items wait (breaker_open) and keep all their attempts."""
    h = harness
    lane = h.core.lane("alpha")
    for _ in range(lane.config.breaker.failure_threshold):
        permit = lane.breaker.acquire()
        assert permit is not None
        lane.breaker.failed(permit)
        lane.breaker.release(permit)
    assert lane.breaker.state == "open"
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert (row.state, row.reason, row.attempts) == ("retry_wait", "breaker_open", 0)
    assert h.sends("alpha") == 0


async def test_aaa_42_with_resubmission_allowed_is_retried(harness: Harness) -> None:
    """AAA 42 with AAA04 R: retry_wait (aaa_42); answered normally on the next attempt."""
    h = harness
    await h.simulator.set_behavior("alpha", Behavior(aaa="42"))
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert (row.state, row.reason) == ("retry_wait", "aaa_42")


async def test_an_item_past_its_deadline_gives_up_without_a_270(harness: Harness) -> None:
    """Deadline: one hour before the appointment (or the run's), whichever comes first."""
    h = harness
    batch_id = await _submit(h, [row_of(appointment_at="2027-06-14T02:30:00+00:00")])
    await h.processor.process(batch_id, h.queue.queued())
    page, _ = await h.store.page(batch_id, state=None, offset=0, limit=1)
    assert (page[0].state, page[0].reason) == ("gave_up", "deadline")
    assert h.sends() == 0


async def test_two_workers_on_one_item_send_one_270(harness: Harness) -> None:
    """Both processors see the item queued; the claim lets exactly one send."""
    h = harness
    other = Processor(
        core=h.core, store=h.store, audit=h.audit, pacer=NoPacing(), requeue=h.queue,
        policy=BatchPolicy(timezone="UTC", worker_name="test:2"),
    )  # fmt: skip
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"
    import asyncio

    await asyncio.gather(h.processor.process(batch_id, [item]), other.process(batch_id, [item]))
    assert h.processor.sent + other.sent == 1
    assert h.sends("alpha") == 1
    assert await _states(h, batch_id) in ({"verified": 1}, {"cache_hit": 1})


async def test_an_orphaned_send_is_finished_from_the_audit_trail(harness: Harness) -> None:
    """A worker died after the payer answered: the next one reads the answer, sends nothing."""
    h = harness
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"
    await h.processor.process(batch_id, [item])
    (done,) = await h.store.items([item])
    # Rewind the row to how a dead worker left it: sent, lease run out.
    async with h.audit.engine.begin() as connection:
        from sqlalchemy import text

        await connection.execute(
            text("UPDATE batch_items SET state='sent', lease_until=:t WHERE item_id=:i"),
            {"t": h.now() - timedelta(seconds=1), "i": item},
        )
    sends = h.sends()
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert row.state == "verified"
    assert row.attempts == done.attempts
    assert h.sends() == sends


async def test_an_orphaned_send_with_no_record_is_not_sent_twice(harness: Harness) -> None:
    """No answer recorded and none cached: the item gives up (outcome_unknown), no second 270."""
    h = harness
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"
    (row,) = await h.store.items([item])
    assert await h.store.claim(row, owner="dead:1", lease=timedelta(seconds=10),
                               correlation_id=f"{item}.1")  # fmt: skip
    h.now.advance(11)
    await h.watchdog.tick(batch_id, 0)
    assert h.queue.queued()[-1] == item  # the watchdog requeues the orphan
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert (row.state, row.reason) == ("gave_up", "outcome_unknown")
    assert h.sends() == 0


async def test_duplicate_rows_share_one_270_and_one_outcome(harness: Harness) -> None:
    """Two rows asking one question: one is sent, both end verified."""
    h = harness
    batch_id = await _submit(h, [row_of(), row_of(appointment_id="APT-LATER")])
    assert h.queue.queued() == [f"{batch_id}-000001"]
    await h.processor.process(batch_id, h.queue.queued())
    assert await _states(h, batch_id) == {"verified": 2}
    assert h.sends() == 1


async def test_resubmitting_the_same_file_is_answered_from_the_first_run(harness: Harness) -> None:
    """Same bytes: the same batch id, nothing queued again."""
    h = harness
    rows = [row_of()]
    first = await _submit(h, rows)
    queued = len(h.queue.queued())
    again = await submit(
        appointments_csv(rows), name="night.csv", store=h.store, payers=set(h.core.registry),
        policy=h.policy, kicker=h.queue,
    )  # fmt: skip
    assert again.batch_id == first
    assert not again.created
    assert again.queued == 0
    assert len(h.queue.queued()) == queued


async def test_every_transaction_is_in_the_audit_trail_with_source_batch(harness: Harness) -> None:
    """The 270/271 of each sent item is recorded under the attempt's correlation id."""
    h = harness
    batch_id = await _submit(h, [row_of()])
    await h.processor.process(batch_id, h.queue.queued())
    (recorded,) = await h.audit.transactions(f"{batch_id}-000001.1")
    assert recorded.record.source == "batch"
    assert recorded.record.response_271 is not None


async def test_an_unexpected_error_parks_the_item_instead_of_losing_it(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queue acknowledges the message anyway; the item waits (worker_error) for the tick."""
    h = harness
    batch_id = await _submit(h, [row_of()])
    item = f"{batch_id}-000001"

    async def broken(row: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(h.processor, "_appointment", broken)
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert (row.state, row.reason, row.attempts) == ("retry_wait", "worker_error", 0)
    monkeypatch.undo()
    h.now.advance(h.policy.lease_seconds + 1)
    await h.watchdog.tick(batch_id, 0)
    assert h.queue.queued()[-1] == item
    await h.processor.process(batch_id, [item])
    (row,) = await h.store.items([item])
    assert row.state == "verified"
