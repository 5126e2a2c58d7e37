"""One item's way through the state machine, on whichever worker holds its queue message.

``queued`` (or ``retry_wait``) -> cache first (the 4-hour batch TTL): ``cache_hit``.
On a miss the pacing token is taken and the item claimed (``sent``, a lease, one
more attempt) *before* the 270 leaves; then ``verified`` / ``not_verified`` when
the payer answered, ``retry_wait`` for a transient failure (timeouts, 5xx, AAA
42/80 whose AAA04 allows resubmission) while attempts and time remain, else
``gave_up``. A sick payer (breaker open, bulkhead full) makes its items wait
without spending an attempt; they are queued again behind everything else.

A worker that dies leaves ``sent`` items with a lease that runs out. The next
worker to see one looks for the answer in the audit trail (the core records it
under the attempt's correlation id) and then the cache; with neither, the 270
may have reached the payer, so it is not sent again (``gave_up``,
``outcome_unknown``) unless the policy says ``resend_unknown``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from eligate.batch._models import Appointment, BatchPolicy
from eligate.batch._pacing import Pacer, PacingUnavailableError
from eligate.batch._queue import Enqueue
from eligate.batch._store import BatchStore, Finish, ItemRow
from eligate.eligibility import (
    Core,
    EligibilityOutcome,
    EligibilityRequest,
    InquiryError,
    StoredTransaction,
    asks_retry_later,
)
from eligate.normalizer import EligibilityResult, normalize
from eligate.validators import gate
from eligate.x12 import InquiryPerson

_log = structlog.get_logger("eligate.batch")

TRANSIENT = frozenset(
    {"timeout", "connect", "http_5xx", "http_429", "deadline_exceeded", "payer_retry_later"}
)
"""Failures worth another 270 later; each costs an attempt."""
HELD = frozenset({"breaker_open", "bulkhead_full", "paced"})
"""The payer was not asked (its guard refused): wait, go last, spend no attempt."""
RETRY_AAA = frozenset({"42", "80"})
"""AAA03 reasons that mean "try again later" (payer system down, no response from the source)."""
RESUBMIT_FOLLOW_UPS = frozenset({"R", "P"})
"""AAA04 codes that allow sending the same question again (resubmission allowed / please
resubmit original); ``C`` (correct first), ``N``, ``W``, ``X`` and ``Y`` do not."""


class AuditLookup(Protocol):
    """Where a recovering worker finds an answer a dead worker received."""

    async def transactions(self, correlation_id: str) -> list[StoredTransaction]:
        """The transactions recorded under ``correlation_id``."""
        ...


class _NotMineError(Exception):
    """Another worker claimed the item first."""


class _WouldResendError(Exception):
    """The recovering worker must not send this item's 270 again."""


def idempotency_key(appointment: Appointment, *, batch_id: str) -> str:
    """The item's key: payer, member, patient, date of service, service types and run."""
    patient = ""
    if appointment.is_dependent:
        birth = appointment.dependent_birth_date
        patient = "|".join(
            (
                (appointment.dependent_last_name or "").upper(),
                (appointment.dependent_first_name or "").upper(),
                birth.isoformat() if birth else "",
            )
        )
    parts = (
        appointment.payer_id,
        (appointment.subscriber_member_id or appointment.member_id).upper(),
        appointment.member_id.upper(),
        patient,
        appointment.appointment_at.date().isoformat(),
        " ".join(sorted(set(appointment.service_type_codes))),
        batch_id,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def inquiry_of(appointment: Appointment, *, correlation_id: str) -> EligibilityRequest:
    """The core's request for an appointment (batch context: the batch TTL)."""
    if appointment.is_dependent:
        subscriber = InquiryPerson(
            member_id=appointment.subscriber_member_id or appointment.member_id,
            last_name=appointment.last_name,
            first_name=appointment.first_name,
        )
        dependent: InquiryPerson | None = InquiryPerson(
            last_name=appointment.dependent_last_name or "",
            first_name=appointment.dependent_first_name,
            birth_date=appointment.dependent_birth_date,
        )
    else:
        subscriber = InquiryPerson(
            member_id=appointment.member_id,
            last_name=appointment.last_name,
            first_name=appointment.first_name,
            birth_date=appointment.birth_date,
        )
        dependent = None
    return EligibilityRequest(
        payer_id=appointment.payer_id,
        subscriber=subscriber,
        dependent=dependent,
        provider_npi=appointment.provider_npi,
        service_type_codes=appointment.service_type_codes,
        date_of_service=appointment.appointment_at.date(),
        context="batch",
        correlation_id=correlation_id,
    )


def _answer(results: Sequence[EligibilityResult]) -> tuple[str, str | None, str, bool]:
    """State, reason, coverage status and gate acceptance of a payer's answer."""
    accepted = all(r.validation is not None and r.validation.verdict == "accepted" for r in results)
    if any(r.coverage_status == "active" for r in results):
        return "verified", None, "active", accepted
    status = results[0].coverage_status if results else "error"
    codes = [e.code for r in results for e in r.errors if e.code]
    reason = f"aaa_{codes[0]}" if codes else status
    return "not_verified", reason, status, accepted


def _retry_later(results: Sequence[EligibilityResult]) -> tuple[bool, str]:
    """Whether the answer is AAA 42/80 that AAA04 lets us resubmit; the reason code."""
    errors = [e for r in results for e in r.errors]
    codes = [e.code for e in errors if e.code in RETRY_AAA]
    if not codes:
        return False, "payer_retry_later"
    follow_ups = {e.follow_up_action_code for e in errors if e.code in RETRY_AAA}
    allowed = all(code in RESUBMIT_FOLLOW_UPS or code is None for code in follow_ups)
    return allowed, f"aaa_{codes[0]}"


def _outcome_document(outcome: EligibilityOutcome) -> dict[str, Any]:
    raw = outcome.x12_271
    return {
        "results": [result.model_dump(mode="json") for result in outcome.results],
        "x12_271": None if raw is None else raw.decode("utf-8", errors="replace"),
    }


class Processor:
    """Takes items through their states; one per worker process."""

    def __init__(
        self,
        *,
        core: Core,
        store: BatchStore,
        audit: AuditLookup,
        pacer: Pacer,
        requeue: Enqueue,
        policy: BatchPolicy,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self._core = core
        self._store = store
        self._audit = audit
        self._pacer = pacer
        self._requeue = requeue
        self.policy = policy
        self._now = now or store.now
        self._in_flight = asyncio.Semaphore(policy.concurrency)
        self._slots = {
            payer_id: asyncio.Semaphore(config.pool_size)
            for payer_id, config in core.registry.items()
        }
        self.sent = 0
        """270s this processor let go (its claims that reached the core's lane)."""

    async def process(self, batch_id: str, item_ids: Sequence[str]) -> None:
        """Take each item one step or more towards a final state (concurrently)."""
        try:
            rows = await self._store.items(item_ids)
        except Exception as error:  # the message is acknowledged anyway: queue the items again
            _log.error("batch.chunk_failed", batch_id=batch_id, error=type(error).__name__)
            await self._requeue.kick_items(batch_id, item_ids)
            return
        await asyncio.gather(*(self._guarded(row) for row in rows if row.batch_id == batch_id))

    async def _guarded(self, row: ItemRow) -> None:
        try:
            async with self._in_flight:
                await self._one(row)
        except Exception as error:  # one item's trouble must not sink its chunk-mates
            _log.error(
                "batch.item_failed",
                item_id=row.item_id,
                payer_id=row.payer_id,
                error=type(error).__name__,
            )
            await self._not_lost(row)

    async def _not_lost(self, row: ItemRow) -> None:
        """After an unexpected error the message is acknowledged all the same: keep the item.

        A waiting item is parked in ``retry_wait`` (``worker_error``) for the watchdog; a
        ``sent`` one is left to its lease. If even that fails, its message is queued again.
        """
        if row.state not in ("queued", "retry_wait"):
            return
        try:
            next_at = self._now() + timedelta(seconds=self.policy.lease_seconds)
            if await self._store.wait(
                row, owner=self.policy.worker_name, reason="worker_error", next_at=next_at,
                refund=False,
            ):  # fmt: skip
                return
        except Exception as error:  # the store itself failed: fall back on the queue
            _log.error("batch.item_park_failed", item_id=row.item_id, error=type(error).__name__)
        try:
            await self._requeue.kick_items(row.batch_id, [row.item_id])
        except Exception as error:  # the queue is down too: the operator resubmits (resume)
            _log.error("batch.item_requeue_failed", item_id=row.item_id, error=type(error).__name__)

    async def _one(self, row: ItemRow) -> None:
        if row.final or row.duplicate_of is not None:
            return
        now = self._now()
        if row.state == "retry_wait" and row.next_attempt_at and row.next_attempt_at > now:
            return  # the run's watchdog queues it again when its time comes
        if row.state == "sent":
            if row.lease_until is not None and row.lease_until > now:
                return  # a live worker holds it
            await self._recover(row)
            return
        if row.due_at is not None and now >= row.due_at:
            await self._give_up(row, "deadline")
            return
        await self._ask(row)

    async def _ask(self, row: ItemRow) -> None:
        appointment = await self._appointment(row)
        payer_id = appointment.payer_id
        lane = self._core.lane(payer_id)
        if lane.breaker.state == "open":
            await self._hold(row, "breaker_open", lane.config.breaker.open_seconds, refund=False)
            return
        attempt = row.attempts + 1
        correlation_id = f"{row.item_id}.{attempt}"
        request = inquiry_of(appointment, correlation_id=correlation_id)
        claimed: list[ItemRow] = []

        async def pace() -> None:
            await self._pacer.wait_turn(payer_id, lane.config.pacing)

        async def before_send() -> None:
            lease = timedelta(seconds=self.policy.lease_seconds)
            owner = self.policy.worker_name
            if not await self._store.claim(
                row, owner=owner, lease=lease, correlation_id=correlation_id
            ):
                raise _NotMineError
            claimed.append(
                dataclasses.replace(
                    row, state="sent", attempts=attempt, lease_owner=owner,
                    correlation_id=correlation_id, started_at=row.started_at or self._now(),
                )
            )  # fmt: skip
            self.sent += 1

        async with self._slots[payer_id]:
            try:
                outcome = await self._core.check(request, before_send=before_send, pace=pace)
            except _NotMineError:
                return
            except PacingUnavailableError:
                held = claimed[0] if claimed else row
                await self._hold(held, "pacing_unavailable", 5.0, refund=bool(claimed))
                return
            except InquiryError:
                await self._give_up(row, "invalid_inquiry")
                return
        current = claimed[0] if claimed else row
        await self._settle(current, outcome)

    async def _settle(self, row: ItemRow, outcome: EligibilityOutcome) -> None:
        if outcome.origin == "cache":
            state, reason, status, accepted = _answer(outcome.results)
            await self._finish(
                row,
                state="cache_hit",
                status=status,
                reason=reason,
                origin="cache",
                accepted=accepted,
                outcome=outcome,
            )
            return
        if outcome.status == "unable_to_verify" or outcome.origin == "fallback":
            reason = outcome.reason or "unable_to_verify"
            if reason in HELD:
                seconds = self._core.lane(outcome.payer_id).config.breaker.open_seconds
                await self._hold(row, reason, seconds, refund=True)
                return
            if reason in TRANSIENT and await self._retry(row, reason):
                return
            if outcome.origin == "fallback" and outcome.results:
                state, _, status, accepted = _answer(outcome.results)
                await self._finish(
                    row,
                    state=state,
                    status=status,
                    reason=reason,
                    origin="fallback",
                    accepted=accepted,
                    outcome=outcome,
                )
                return
            await self._give_up(row, reason)
            return
        if asks_retry_later(outcome.results):
            allowed, reason = _retry_later(outcome.results)
            if allowed and await self._retry(row, reason):
                return
        state, reason_code, status, accepted = _answer(outcome.results)
        await self._finish(
            row,
            state=state,
            status=status,
            reason=reason_code,
            origin="payer",
            accepted=accepted,
            outcome=outcome,
        )

    async def _retry(self, row: ItemRow, reason: str) -> bool:
        """Schedule another attempt if one is left and it fits before the item's deadline."""
        if row.attempts >= self.policy.max_attempts:
            return False
        delay = self.policy.retry_delays[max(0, row.attempts - 1)]
        next_at = self._now() + timedelta(seconds=delay)
        if row.due_at is not None and next_at >= row.due_at:
            return False
        return await self._store.wait(
            row, owner=self.policy.worker_name, reason=reason, next_at=next_at, refund=False
        )

    async def _hold(self, row: ItemRow, reason: str, seconds: float, *, refund: bool) -> None:
        next_at = self._now() + timedelta(seconds=seconds)
        if row.due_at is not None and next_at >= row.due_at:
            await self._give_up(row, reason)
            return
        await self._store.wait(
            row, owner=self.policy.worker_name, reason=reason, next_at=next_at, refund=refund
        )

    async def _give_up(self, row: ItemRow, reason: str) -> None:
        await self._store.finish(
            row,
            owner=self.policy.worker_name,
            finish=Finish("gave_up", None, reason, None, None, None),
        )
        announcer = self._core.announcer
        if announcer is not None:
            await announcer.announce(
                "batch.item_failed",
                payer_id=row.payer_id,
                batch_id=row.batch_id,
                item_id=row.item_id,
                reason=reason,
                link=f"/v1/batches/{row.batch_id}/items?state=gave_up",
            )

    async def _finish(
        self,
        row: ItemRow,
        *,
        state: str,
        status: str | None,
        reason: str | None,
        origin: str,
        accepted: bool | None,
        outcome: EligibilityOutcome,
    ) -> None:
        await self._store.finish(
            row,
            owner=self.policy.worker_name,
            finish=Finish(
                state,  # type: ignore[arg-type]  # one of the final states, by _answer
                status,
                reason,
                origin,
                accepted,
                _outcome_document(outcome),
            ),
        )

    async def _recover(self, row: ItemRow) -> None:
        """A ``sent`` item whose worker's lease ran out: finish it without a second 270."""
        _log.warning("batch.item_orphaned", item_id=row.item_id, payer_id=row.payer_id)
        recorded = await self._audit.transactions(row.correlation_id or "")
        answered = [tx for tx in recorded if tx.record.response_271 is not None]
        if answered:
            raw = answered[-1].record.response_271 or b""
            results = gate(normalize(raw), raw)
            outcome = EligibilityOutcome(
                correlation_id=row.correlation_id or row.item_id,
                payer_id=row.payer_id or "",
                status="verified",
                origin="payer",
                results=results,
                answered_at=answered[-1].record.created_at,
                elapsed_ms=0.0,
                x12_271=raw,
            )
            await self._settle(row, outcome)
            return
        if recorded:  # the core recorded a failure: the payer answered nothing usable
            reason = recorded[-1].record.detail or "unable_to_verify"
            if reason in HELD:
                seconds = self._core.lane(row.payer_id or "").config.breaker.open_seconds
                await self._hold(row, reason, seconds, refund=True)
                return
            if reason in TRANSIENT and await self._retry(row, reason):
                return
            await self._give_up(row, reason)
            return
        appointment = await self._appointment(row)
        request = inquiry_of(appointment, correlation_id=f"{row.item_id}.recover")

        async def refuse() -> None:
            raise _WouldResendError

        try:
            outcome = await self._core.check(request, before_send=refuse)
        except _WouldResendError:
            if self.policy.resend_unknown:
                await self._ask(row)
            else:
                await self._give_up(row, "outcome_unknown")
            return
        await self._settle(row, outcome)

    async def _appointment(self, row: ItemRow) -> Appointment:
        values = (
            self._store.values(row)
            if row.input_sealed is not None
            else await self._store.appointment_values(row.item_id)
        )
        return Appointment.model_validate(values)
