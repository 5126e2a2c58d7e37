"""A scriptable eligibility core for service tests: answers, fallbacks, refusals and slowness."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from eligate.eligibility import (
    CachedReply,
    EligibilityOutcome,
    EligibilityRequest,
    Origin,
    PayerHealth,
    PayerSummary,
)
from eligate.normalizer import EligibilityResult, normalize
from eligate.validators import gate
from tests.factories import make_271

ANSWERED_AT = datetime(2026, 11, 23, 6, 47, tzinfo=UTC)
PAYERS = ("SYNPAYER1", "SYNPAYER2")


def synthetic_results() -> list[EligibilityResult]:
    """The gated results of a small synthetic 271 (member TESTPATIENT ALEX, SYN000123)."""
    raw = make_271("EB*1*IND*30*PR*GOLD PPO", "EB*C*IND*30***23*2500*****Y")
    return gate(normalize(raw), raw)


@dataclass
class Step:
    """One scripted answer: an outcome shape, an error to raise, or a gate to wait on first."""

    origin: Origin = "payer"
    status: str = "verified"
    reason: str | None = None
    error: Exception | None = None
    release: asyncio.Event | None = None


@dataclass
class FakeCore:
    """Implements ``EligibilityCore``; answers from the payer unless told otherwise."""

    payer_ids: tuple[str, ...] = PAYERS
    requests: list[EligibilityRequest] = field(default_factory=list)
    closed: bool = False
    is_ready: bool = True
    _steps: dict[str, deque[Step]] = field(default_factory=dict)
    _results: list[EligibilityResult] = field(default_factory=synthetic_results)

    def script(self, payer_id: str, step: Step) -> None:
        """Answer the next check for ``payer_id`` as ``step`` says."""
        self._steps.setdefault(payer_id, deque()).append(step)

    def answer_with(self, results: list[EligibilityResult]) -> None:
        """Answer every later check (that the payer answers) with ``results``."""
        self._results = list(results)

    def slow(self, payer_id: str) -> asyncio.Event:
        """Hold the next check for ``payer_id`` until the returned event is set."""
        release = asyncio.Event()
        self.script(payer_id, Step(release=release))
        return release

    async def check(self, request: EligibilityRequest) -> EligibilityOutcome:
        """Record ``request`` and answer as scripted."""
        self.requests.append(request)
        queue = self._steps.get(request.payer_id)
        step = queue.popleft() if queue else Step()
        if step.release is not None:
            await step.release.wait()
        if step.error is not None:
            raise step.error
        verified = step.status == "verified"
        return EligibilityOutcome(
            correlation_id=request.correlation_id,
            payer_id=request.payer_id,
            status="verified" if verified else "unable_to_verify",
            origin=step.origin,
            results=list(self._results) if verified else [],
            answered_at=ANSWERED_AT,
            elapsed_ms=1.5,
            reason=step.reason,
        )

    async def check_cached(self, request: EligibilityRequest) -> CachedReply | None:
        """No cache here: every answer comes from :meth:`check`."""
        del request
        return None

    def payers(self) -> list[PayerSummary]:
        """The scripted registry."""
        return [
            PayerSummary(
                payer_id=payer_id,
                name=f"Synthetic payer {payer_id}",
                endpoint=f"http://127.0.0.1:9/{payer_id}",
                breaker="closed",
            )
            for payer_id in self.payer_ids
        ]

    def health(self, payer_id: str) -> PayerHealth:
        """A healthy payer; ``LookupError`` for one not in the registry."""
        if payer_id not in self.payer_ids:
            raise LookupError(payer_id)
        return PayerHealth(
            payer_id=payer_id,
            breaker="closed",
            in_flight=0,
            calls=10,
            error_rate=0.1,
            p50_ms=12.0,
            p95_ms=40.0,
            p99_ms=80.0,
            cache_hit_rate=0.5,
        )

    async def ready(self) -> bool:
        """Whether ``/readyz`` should say ready."""
        return self.is_ready

    async def close(self) -> None:
        """Remember that the app closed the core."""
        self.closed = True
