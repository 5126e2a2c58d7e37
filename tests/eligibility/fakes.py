"""In-memory stand-ins for the cache and the audit store; the real adapters live elsewhere."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from eligate.eligibility import (
    AuditRecord,
    CachedAnswer,
    CacheKey,
    EligibilityRequest,
    VerifyReport,
)
from eligate.x12 import InquiryPerson


class FakeCache:
    """A ResultCache in a dict; time comes from ``now`` so tests can age entries."""

    def __init__(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.now = now
        self.entries: dict[CacheKey, tuple[CachedAnswer, datetime]] = {}
        self.puts: list[tuple[CacheKey, timedelta]] = []
        self.closed = False
        self.fail = False
        self.stall: float = 0.0
        """Seconds every call hangs before answering (a stalled server)."""

    async def get(self, key: CacheKey) -> CachedAnswer | None:
        """The entry if its TTL has not run out."""
        await asyncio.sleep(self.stall)
        if self.fail:
            raise ConnectionError("cache down")
        entry = self.entries.get(key)
        if entry is None or entry[1] <= self.now():
            return None
        return entry[0]

    async def put(self, key: CacheKey, answer: CachedAnswer, *, ttl: timedelta) -> None:
        """Keep ``answer`` until now + ``ttl``."""
        await asyncio.sleep(self.stall)
        if self.fail:
            raise ConnectionError("cache down")
        self.puts.append((key, ttl))
        if ttl > timedelta(0):
            self.entries[key] = (answer, self.now() + ttl)

    async def get_stale(self, key: CacheKey) -> CachedAnswer | None:
        """The entry even past its TTL."""
        if self.fail:
            raise ConnectionError("cache down")
        entry = self.entries.get(key)
        return entry[0] if entry else None

    async def ping(self) -> bool:
        """Down when told to fail."""
        return not self.fail

    async def close(self) -> None:
        """Mark closed; a second close is a bug in whoever owns the cache."""
        assert not self.closed, "cache closed twice"
        self.closed = True


class FakeAudit:
    """An AuditStore that keeps records in a list."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []
        self.closed = False
        self.down = False
        self.stall: float = 0.0
        """Seconds every write hangs before it is kept."""

    async def record(self, record: AuditRecord) -> None:
        """Append."""
        await asyncio.sleep(self.stall)
        self.records.append(record)

    async def verify(self) -> VerifyReport:
        """Always intact."""
        return VerifyReport(ok=True, events=len(self.records), first_bad_event=None)

    async def ping(self) -> bool:
        """Down when told to be."""
        return not self.down

    async def close(self) -> None:
        """Mark closed; a second close is a bug in whoever owns the store."""
        assert not self.closed, "audit store closed twice"
        self.closed = True


def make_request(
    payer_id: str,
    *,
    member_id: str = "SYN000123",
    correlation_id: str = "corr-1",
    dependent: InquiryPerson | None = None,
    context: str = "realtime",
    stable_member: bool = False,
) -> EligibilityRequest:
    """A synthetic request for ``payer_id``."""
    return EligibilityRequest.model_validate(
        {
            "payer_id": payer_id,
            "subscriber": InquiryPerson(
                member_id=member_id,
                last_name="TESTPATIENT",
                first_name="ALEX",
                birth_date=date(1980, 1, 1),
                gender_code="F",
            ),
            "dependent": dependent,
            "date_of_service": date(2026, 11, 23),
            "context": context,
            "stable_member": stable_member,
            "correlation_id": correlation_id,
        }
    )
