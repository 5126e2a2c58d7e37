"""The eligibility core: cache first, then the payer's isolated lane, then fallback.

Every check is recorded in the audit store. A payer's fault never raises out of
:meth:`Core.check`: it becomes a stale answer marked ``fallback`` or an
``unable_to_verify`` outcome, both with a stable reason.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import structlog

from eligate.eligibility._guide import aaa_rule, apply_guide, with_guide_actions
from eligate.eligibility._inquiry import (
    CachedReply,
    EligibilityOutcome,
    EligibilityRequest,
    Origin,
    PayerHealth,
    PayerSummary,
)
from eligate.eligibility._lane import PayerLane
from eligate.eligibility._policy import asks_retry_later, cache_key, ttl_for
from eligate.eligibility._ports import (
    AuditRecord,
    AuditSource,
    AuditStatus,
    AuditStore,
    CachedAnswer,
    CacheKey,
    ResultCache,
)
from eligate.eligibility._transport import PayerTransport
from eligate.eligibility.errors import EligibilityUsageError, InquiryError, PayerError
from eligate.events import Announcer
from eligate.guards import Clock
from eligate.normalizer import EligibilityResult, normalize
from eligate.payers import PayerConfig, PayerRegistry, UnknownPayerError
from eligate.validators import gate
from eligate.x12 import (
    Envelope270,
    Inquiry270,
    NotA271Error,
    X12Error,
    X12UsageError,
    build_270,
)

_log = structlog.get_logger("eligate.eligibility")
_MAX_CONTROL = 999_999_999


@dataclass(frozen=True, slots=True)
class Submitter:
    """Who the core is in the 270s it sends (ISA06/GS02) and its default provider."""

    sender_id: str
    """ISA06, GS02 and the CORE SenderID."""
    provider_npi: str
    """2100B NPI when a request names none."""
    provider_name: str
    """2100B organization name when a request names no provider."""


def _audit_source(request: EligibilityRequest) -> AuditSource:
    """How the audit trail files a check that reached (or tried to reach) the payer."""
    return "batch" if request.context == "batch" else "realtime"


def _parse_and_gate(raw_271: bytes) -> list[EligibilityResult]:
    """The payer's answer normalized and gated (runs on the payer's own thread)."""
    results = gate(normalize(raw_271), raw_271)
    if not results:
        raise NotA271Error("the 271 answers for no patient")
    return results


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Core:
    """Implements :class:`~eligate.eligibility.EligibilityCore` over a payer registry."""

    def __init__(
        self,
        *,
        registry: PayerRegistry,
        cache: ResultCache,
        audit: AuditStore,
        salt: bytes,
        submitter: Submitter,
        environ: Mapping[str, str] | None = None,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
        clock: Clock = time.monotonic,
        now: Callable[[], datetime] = _utcnow,
        store_timeout: float = 1.0,
        announcer: Announcer | None = None,
    ) -> None:
        """Build one lane (HTTP client, breaker, bulkhead, bucket) per payer.

        Args:
            registry: the payers.
            cache: where full results are kept; the core owns it and closes it.
            audit: where every transaction is recorded; the core owns it and closes it.
            salt: key of the cache-key hash (keeps PHI out of cache keys).
            submitter: the sender and default provider of the 270s.
            environ: the payer secrets the payer files name (``Settings.payer_secrets``);
                none by default, so a payer that needs credentials is refused.
            transports: per-payer httpx transports (tests); real HTTP otherwise.
            clock: monotonic seconds, for the guards.
            now: wall-clock time, for answers' ages.
            store_timeout: the most a check waits on one cache or audit call, in seconds;
                a stalled cache is treated as a miss and a stalled audit write is logged.
            announcer: where ``eligibility.check_completed`` and the breakers' moves are
                announced (the event stream); none when None.

        Raises:
            RegistryError: a payer's credentials are not in the environment.
            EligibilityUsageError: the salt is shorter than 16 bytes.
        """
        if len(salt) < 16:
            raise EligibilityUsageError("salt must be at least 16 bytes")
        self.registry = registry
        self._cache = cache
        self._audit = audit
        self._salt = salt
        self._submitter = submitter
        self._clock = clock
        self._now = now
        self._store_timeout = store_timeout
        self.announcer = announcer
        self._control = itertools.count(1)
        self._lanes: dict[str, PayerLane] = {}
        self._recording: set[asyncio.Task[None]] = set()
        # One CA store for every payer's client: loading it costs ~50 ms a client.
        tls = httpx.create_ssl_context() if registry else None
        for payer_id, config in registry.items():
            transport = PayerTransport(
                config,
                sender_id=submitter.sender_id,
                environ=environ,
                transport=(transports or {}).get(payer_id),
                ssl_context=tls,
            )
            self._lanes[payer_id] = PayerLane(
                config, transport=transport, clock=clock, announcer=announcer
            )

    def lane(self, payer_id: str) -> PayerLane:
        """The payer's lane (guards and transport); for health and the benchmark."""
        try:
            return self._lanes[payer_id]
        except KeyError:
            raise UnknownPayerError(payer_id) from None

    async def check(
        self,
        request: EligibilityRequest,
        *,
        before_send: Callable[[], Awaitable[None]] | None = None,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> EligibilityOutcome:
        """Answer one inquiry from the cache, the payer, or the fallback policy.

        A payer file's ``guide`` section is applied first (see :func:`apply_guide`):
        a request the payer would reject is refused before anything is sent. When
        the payer answers only an AAA reason the guide says may be resent at once,
        the same 270 is sent once more; a reason to resend later sets the outcome's
        ``retry_after_seconds``.

        ``before_send`` is awaited after a cache miss, just before the 270 goes to
        the payer's lane: the batch claims the item there (an exception it raises
        leaves :meth:`check` unsent). ``pace`` is awaited before each attempt in
        the lane, retries included: the batch's shared per-payer token.

        Raises:
            UnknownPayerError: the payer is not in the registry.
            InquiryError: the request cannot be written as a 270.
            GuideRefusedError: the payer's guide says it would reject the request.
        """
        lane = self.lane(request.payer_id)
        guide = lane.config.guide
        request = apply_guide(request, guide)
        started = self._clock()
        key = cache_key(request)
        cached = await self._cache_get(key, stale=False, request=request)
        lane.window.check(cache_hit=cached is not None)
        if cached is not None:
            outcome = self._outcome(request=request, started=started, origin="cache", answer=cached)
            await self._record(request=request, outcome=outcome, status="verified", source="cache")
            return outcome
        x12_270 = self._build_270(request, lane.config)
        source = _audit_source(request)
        if before_send is not None:
            await before_send()
        sends = 0
        while True:
            sends += 1
            try:
                raw_271 = await lane.call(x12_270, correlation_id=request.correlation_id, pace=pace)
            except PayerError as failure:
                return await self._fallback(
                    request=request,
                    key=key,
                    started=started,
                    reason=failure.reason,
                    x12_270=x12_270,
                )
            read = await self._read(request, lane, raw_271)
            if read is None:
                return await self._fallback(
                    request=request,
                    key=key,
                    started=started,
                    reason="bad_payload",
                    x12_270=x12_270,
                    raw_271=raw_271,
                )
            results = with_guide_actions(read, guide)
            rule = aaa_rule(results, guide)
            if rule is None or not rule[1].resend or rule[1].wait_seconds or sends > 1:
                break
            _log.info(
                "eligibility.guide_resend",
                payer_id=request.payer_id,
                reason_code=rule[0],
                correlation_id=request.correlation_id,
            )
        retry_after = rule[1].wait_seconds if rule is not None and rule[1].resend else None
        if asks_retry_later(results):
            served = await self._stale_outcome(
                request=request,
                key=key,
                started=started,
                reason="payer_retry_later",
                x12_270=x12_270,
                raw_271=raw_271,
            )
            if served is not None:
                return served
        answered = CachedAnswer(results=tuple(results), answered_at=self._now())
        ttl = ttl_for(request, results)
        if ttl > timedelta(0):
            await self._cache_put(key, answered, ttl, request)
        outcome = self._outcome(request=request, started=started, origin="payer", answer=answered)
        if retry_after is not None:
            outcome = outcome.model_copy(update={"retry_after_seconds": retry_after})
        outcome = outcome.model_copy(update={"x12_271": raw_271})
        status: AuditStatus = (
            "rejected" if all(r.coverage_status == "error" for r in results) else "verified"
        )
        await self._record(
            request=request,
            outcome=outcome,
            status=status,
            source=source,
            x12_270=x12_270,
            raw_271=raw_271,
        )
        return outcome

    async def check_cached(self, request: EligibilityRequest) -> CachedReply | None:
        """A fresh cached answer, kept as JSON, or ``None`` (then :meth:`check` answers).

        What :meth:`check` does on a cache hit, less what a reply over HTTP does
        not need: the results are not decoded (the service sends their stored
        JSON), nothing is logged (the service's access line says it), and the
        audit record is handed to the store's group commit without waiting for
        it (:meth:`close` waits for every one still on its way).

        Raises:
            UnknownPayerError: the payer is not in the registry.
        """
        lane = self.lane(request.payer_id)
        started = self._clock()
        cached = await self._cache_get(cache_key(request), stale=False, request=request)
        if cached is None:
            return None
        lane.window.check(cache_hit=True)
        outcome = EligibilityOutcome(
            correlation_id=request.correlation_id,
            payer_id=request.payer_id,
            status="verified",
            origin="cache",
            results=[],
            answered_at=cached.answered_at,
            elapsed_ms=(self._clock() - started) * 1000,
        )
        task = asyncio.get_running_loop().create_task(
            self._record(request=request, outcome=outcome, status="verified", source="cache")
        )
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)
        return CachedReply(outcome=outcome, answer=cached)

    async def settle(self) -> None:
        """Wait until every audit record :meth:`check_cached` handed on is committed."""
        while self._recording:
            await asyncio.gather(*self._recording)

    def payers(self) -> list[PayerSummary]:
        """The payers in the registry, in id order."""
        return [
            PayerSummary(
                payer_id=payer_id,
                name=config.name,
                endpoint=str(config.endpoint),
                breaker=self._lanes[payer_id].breaker.state,
            )
            for payer_id, config in self.registry.items()
        ]

    def health(self, payer_id: str) -> PayerHealth:
        """The payer's breaker, in-flight calls and window figures.

        Raises:
            UnknownPayerError: the payer is not in the registry.
        """
        lane = self.lane(payer_id)
        window = lane.window.summary()
        return PayerHealth(
            payer_id=payer_id,
            breaker=lane.breaker.state,
            in_flight=lane.bulkhead.in_flight,
            calls=window.calls,
            error_rate=window.errors / window.calls if window.calls else 0.0,
            p50_ms=window.p50_ms,
            p95_ms=window.p95_ms,
            p99_ms=window.p99_ms,
            cache_hit_rate=window.cache_hits / window.checks if window.checks else 0.0,
        )

    async def ready(self) -> bool:
        """Whether payers are registered and the store and cache answer (``/readyz``).

        Each store gets the store timeout; never raises.
        """
        if not self._lanes:
            return False
        for ping in (self._audit.ping, self._cache.ping):
            try:
                if not await asyncio.wait_for(ping(), self._store_timeout):
                    return False
            except TimeoutError:
                return False
        return True

    async def close(self) -> None:
        """Wait for audit records on their way; close every payer's client, the cache, the store."""
        await self.settle()
        for lane in self._lanes.values():
            await lane.aclose()
        await self._cache.close()
        await self._audit.close()

    def _build_270(self, request: EligibilityRequest, config: PayerConfig) -> bytes:
        submitter = self._submitter
        number = next(self._control) % _MAX_CONTROL + 1
        try:
            inquiry = Inquiry270(
                payer_id=config.x12.payer_id,
                payer_name=config.x12.payer_name,
                provider_npi=request.provider_npi or submitter.provider_npi,
                provider_name=request.provider_name or submitter.provider_name,
                subscriber=request.subscriber,
                dependent=request.dependent,
                service_type_codes=list(request.service_type_codes),
                date_of_service=request.date_of_service,
                trace_number=uuid.uuid4().hex,
            )
            envelope = Envelope270(
                sender_id=submitter.sender_id,
                receiver_id=config.x12.receiver_id,
                interchange_control_number=number,
                group_control_number=number,
                created_at=self._now().replace(tzinfo=None),
            )
            return build_270(inquiry, envelope=envelope).encode("ascii")
        except X12UsageError as error:
            raise InquiryError(str(error), payer_id=request.payer_id) from None

    async def _fallback(
        self,
        *,
        request: EligibilityRequest,
        key: CacheKey,
        started: float,
        reason: str,
        x12_270: bytes,
        raw_271: bytes | None = None,
    ) -> EligibilityOutcome:
        served = await self._stale_outcome(
            request=request,
            key=key,
            started=started,
            reason=reason,
            x12_270=x12_270,
            raw_271=raw_271,
        )
        if served is not None:
            return served
        outcome = EligibilityOutcome(
            correlation_id=request.correlation_id,
            payer_id=request.payer_id,
            status="unable_to_verify",
            origin="fallback",
            results=[],
            answered_at=self._now(),
            elapsed_ms=(self._clock() - started) * 1000,
            reason=reason,
        )
        _log.warning(
            "eligibility.unable_to_verify",
            payer_id=request.payer_id,
            reason=reason,
            correlation_id=request.correlation_id,
        )
        await self._record(
            request=request,
            outcome=outcome,
            status="unable_to_verify",
            source=_audit_source(request),
            detail=reason,
            x12_270=x12_270,
            raw_271=raw_271,
        )
        return outcome

    async def _stale_outcome(
        self,
        *,
        request: EligibilityRequest,
        key: CacheKey,
        started: float,
        reason: str,
        x12_270: bytes,
        raw_271: bytes | None,
    ) -> EligibilityOutcome | None:
        """The stale answer served (logged, audited) for ``reason``; ``None`` if none is usable."""
        stale = await self._usable_stale(key, self._lanes[request.payer_id].config, request)
        if stale is None:
            return None
        outcome = self._outcome(
            request=request, started=started, origin="fallback", answer=stale, reason=reason
        )
        _log.warning(
            "eligibility.fallback_served",
            payer_id=request.payer_id,
            reason=reason,
            age_s=round((self._now() - stale.answered_at).total_seconds()),
            correlation_id=request.correlation_id,
        )
        await self._record(
            request=request,
            outcome=outcome,
            status="verified",
            source="fallback",
            detail=reason,
            x12_270=x12_270,
            raw_271=raw_271,
        )
        return outcome

    async def _usable_stale(
        self, key: CacheKey, config: PayerConfig, request: EligibilityRequest
    ) -> CachedAnswer | None:
        stale = await self._cache_get(key, stale=True, request=request)
        limit = timedelta(hours=config.fallback.max_stale_hours)
        if stale is None or self._now() - stale.answered_at >= limit:
            return None
        return stale

    async def _read(
        self, request: EligibilityRequest, lane: PayerLane, raw_271: bytes
    ) -> list[EligibilityResult] | None:
        """The gated results of a payer's 271, or ``None`` (logged) when it is unusable.

        Parsed on the payer's own threads within its parse budget (:meth:`PayerLane.read`),
        so one payer's costly answer stalls no other payer.
        """
        try:
            results = await lane.read(raw_271, _parse_and_gate)
        except Exception as error:  # the payer's bytes must not crash the caller's check
            _log.warning(
                "eligibility.payer_call_failed",
                payer_id=request.payer_id,
                kind="bad_payload",
                code=type(error).__name__,
                unexpected=not isinstance(error, X12Error),
                correlation_id=request.correlation_id,
            )
            return None
        return results

    def _outcome(
        self,
        *,
        request: EligibilityRequest,
        started: float,
        origin: Origin,
        answer: CachedAnswer,
        reason: str | None = None,
    ) -> EligibilityOutcome:
        outcome = EligibilityOutcome(
            correlation_id=request.correlation_id,
            payer_id=request.payer_id,
            status="verified",
            origin=origin,
            results=list(answer.results),
            answered_at=answer.answered_at,
            elapsed_ms=(self._clock() - started) * 1000,
            reason=reason,
        )
        _log.info(
            "eligibility.check_completed",
            payer_id=request.payer_id,
            origin=origin,
            reason=reason,
            elapsed_ms=round(outcome.elapsed_ms, 1),
            correlation_id=request.correlation_id,
        )
        return outcome

    async def _cache_get(
        self, key: CacheKey, *, stale: bool, request: EligibilityRequest
    ) -> CachedAnswer | None:
        try:
            async with asyncio.timeout(self._store_timeout):
                return await (self._cache.get_stale(key) if stale else self._cache.get(key))
        except Exception as error:  # a cache outage must not fail a check
            _log.error(
                "eligibility.cache_failed",
                payer_id=request.payer_id,
                operation="get_stale" if stale else "get",
                error=type(error).__name__,
                correlation_id=request.correlation_id,
            )
            return None

    async def _cache_put(
        self, key: CacheKey, answer: CachedAnswer, ttl: timedelta, request: EligibilityRequest
    ) -> None:
        try:
            async with asyncio.timeout(self._store_timeout):
                await self._cache.put(key, answer, ttl=ttl)
        except Exception as error:  # a cache outage must not fail a check
            _log.error(
                "eligibility.cache_failed",
                payer_id=request.payer_id,
                operation="put",
                error=type(error).__name__,
                correlation_id=request.correlation_id,
            )

    async def _record(
        self,
        *,
        request: EligibilityRequest,
        outcome: EligibilityOutcome,
        status: AuditStatus,
        source: AuditSource,
        detail: str | None = None,
        x12_270: bytes | None = None,
        raw_271: bytes | None = None,
    ) -> None:
        record = AuditRecord(
            correlation_id=request.correlation_id,
            payer_id=request.payer_id,
            status=status,
            source=source,
            response_ms=outcome.elapsed_ms,
            created_at=self._now(),
            request_270=x12_270,
            response_271=raw_271,
            detail=detail,
        )
        try:
            async with asyncio.timeout(self._store_timeout):
                await self._audit.record(record)
        except Exception as error:  # the person at the desk still gets the answer
            _log.error(
                "eligibility.audit_failed",
                payer_id=request.payer_id,
                error=type(error).__name__,
                correlation_id=request.correlation_id,
            )
        if self.announcer is not None:
            await self.announcer.announce(
                "eligibility.check_completed",
                payer_id=request.payer_id,
                correlation_id=request.correlation_id,
                status=outcome.status,
                origin=outcome.origin,
                reason=outcome.reason,
                elapsed_ms=round(outcome.elapsed_ms, 3),
            )
