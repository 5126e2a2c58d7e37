"""Earlier runs: which IDs worked before, which new ID a member was verified with, and labels.

History is a list of outcome records from earlier exports (and rechecks). It
answers the rules' questions (did this ID work before? was this person verified
under another ID?) and gives each exception its label: whether a later check of
the same appointment came back verified before the appointment, and when.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from eligate.triage._records import OutcomeRecord


@dataclass(frozen=True, slots=True)
class Label:
    """What later checks showed about one exception."""

    still_problem: bool
    """No later check before the appointment came back verified."""
    hours_to_resolution: float | None
    """Hours from the exception's check to the first verified recheck, when there was one."""


def _verified(record: OutcomeRecord) -> bool:
    return record.state in ("verified", "cache_hit") and record.status == "verified"


class History:
    """Look-ups over earlier outcome records (never the run being triaged)."""

    def __init__(self, records: Sequence[OutcomeRecord] = ()) -> None:
        self._records = tuple(records)
        self._verified_ids: dict[tuple[str, str], OutcomeRecord] = {}
        self._verified_people: dict[tuple[str, str, str, date], list[OutcomeRecord]] = defaultdict(
            list
        )
        self._failures: dict[tuple[str, str], int] = defaultdict(int)
        self._by_appointment: dict[str, list[OutcomeRecord]] = defaultdict(list)
        for record in sorted(records, key=_when):
            self._by_appointment[record.appointment_id].append(record)
            member = (record.member_id or "").upper()
            if _verified(record):
                self._verified_ids[(record.payer_id, member)] = record
                last, first, born = record.patient_key
                if born is not None:
                    self._verified_people[(record.payer_id, last, first, born)].append(record)
            elif record.state in ("not_verified", "gave_up"):
                self._failures[(record.payer_id, member)] += 1

    def __len__(self) -> int:
        return len(self._records)

    def worked_before(
        self, payer_id: str, member_id: str | None, before: datetime
    ) -> OutcomeRecord | None:
        """The last verified check of this payer and member ID before ``before``."""
        found = self._verified_ids.get((payer_id, (member_id or "").upper()))
        return found if found is not None and _when(found) < before else None

    def verified_under_other_id(self, record: OutcomeRecord) -> OutcomeRecord | None:
        """The newest verified check of the same person at the same payer under another ID."""
        last, first, born = record.patient_key
        if born is None:
            return None
        wanted = (record.member_id or "").upper()
        others = [
            r
            for r in self._verified_people.get((record.payer_id, last, first, born), [])
            if (r.member_id or "").upper() != wanted
        ]
        return others[-1] if others else None

    def earlier_failures(self, payer_id: str, member_id: str | None) -> int:
        """Not-verified or given-up checks of this payer and member ID in the history."""
        return self._failures.get((payer_id, (member_id or "").upper()), 0)

    def label(self, record: OutcomeRecord) -> Label | None:
        """The label of an exception from the later checks of its appointment; ``None`` if none."""
        if record.checked_at is None:
            return None
        later = [
            r
            for r in self._by_appointment.get(record.appointment_id, [])
            if r.checked_at is not None and r.checked_at > record.checked_at
        ]
        if not later:
            return None
        for recheck in later:
            when = _when(recheck)
            if when > record.appointment_at:
                break
            if _verified(recheck):
                hours = (when - record.checked_at).total_seconds() / 3600
                return Label(still_problem=False, hours_to_resolution=hours)
        return Label(still_problem=True, hours_to_resolution=None)


def _when(record: OutcomeRecord) -> datetime:
    return record.checked_at or record.appointment_at
