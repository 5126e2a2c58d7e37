"""What the employer's 834s say about a patient: the newest enrollment record, found by ID or name.

Records are matched by any member ID the 834 gives (REF*23, REF*0F, NM109),
then by last name, first name and birth date. The newest file wins (BGN03, then
order given), so a cancellation after an addition reads as a cancellation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from eligate.x12 import Member834, Transaction834


@dataclass(frozen=True, slots=True)
class EnrollmentFact:
    """One member's newest 834 record, flattened for the rules and the features."""

    member: Member834
    file_reference: str
    """BGN02 of the file it came from."""
    matched_by: str
    """``id`` or ``name_and_birth_date``."""

    @property
    def begin(self) -> date | None:
        """When coverage starts: the health line's DTP*348, else DTP*356, else DTP*303."""
        for coverage in self.member.coverages:
            if coverage.insurance_line_code in ("HLT", "") and coverage.begin is not None:
                return coverage.begin
        begins = [c.begin for c in self.member.coverages if c.begin is not None]
        return (
            begins[0] if begins else self.member.eligibility_begin
        ) or self.member.maintenance_effective

    @property
    def end(self) -> date | None:
        """When coverage ends: DTP*349 of a coverage line, else DTP*357."""
        ends = [c.end for c in self.member.coverages if c.end is not None]
        return min(ends) if ends else self.member.eligibility_end

    @property
    def cancelled(self) -> bool:
        """The record cancels or terminates the member's coverage."""
        return self.member.cancelled

    @property
    def member_id(self) -> str:
        """The ID the payer most likely knows the member by: REF*23, else REF*0F."""
        return self.member.client_number or self.member.subscriber_id

    def ref(self) -> str:
        """Where the record is: file reference and the INS segment position."""
        return f"834 {self.file_reference} INS@{self.member.ins.index}"

    def active_on(self, day: date) -> bool:
        """Not cancelled, started on or before ``day``, not ended before it."""
        if self.cancelled:
            return False
        begin, end = self.begin, self.end
        return (begin is None or begin <= day) and (end is None or end >= day)


class EnrollmentIndex:
    """Look-ups over the members of one or more 834 transactions."""

    def __init__(self, transactions: Sequence[Transaction834] = ()) -> None:
        ordered = sorted(
            enumerate(transactions), key=lambda pair: (pair[1].created or date.min, pair[0])
        )
        self._by_id: dict[str, tuple[Member834, str]] = {}
        self._by_name: dict[tuple[str, str, date], tuple[Member834, str]] = {}
        for _, transaction in ordered:
            for member in transaction.members:
                entry = (member, transaction.reference)
                for identifier in member.identifiers:
                    if member.id_qualifier == "34" and identifier == member.id:
                        continue  # an SSN is not a member ID
                    self._by_id[identifier.upper()] = entry
                if member.birth_date is not None and member.last_name:
                    key = (member.last_name.upper(), member.first_name.upper(), member.birth_date)
                    self._by_name[key] = entry

    def __len__(self) -> int:
        return len({id(entry[0]) for entry in (*self._by_id.values(), *self._by_name.values())})

    def find(
        self, member_id: str | None, name: tuple[str, str, date | None]
    ) -> EnrollmentFact | None:
        """The newest record for this member: by name and birth date first when the ID differs.

        A name-and-birth-date match that disagrees with the ID given is what shows
        an ID migration, so it is returned with ``matched_by="name_and_birth_date"``.
        An ID match whose birth date differs from the patient's is no match.
        """
        last, first, born = name
        by_name = self._by_name.get((last, first, born)) if born is not None else None
        by_id = self._by_id.get(member_id.upper()) if member_id else None
        if by_id is not None and born is not None and by_id[0].birth_date not in (None, born):
            by_id = None  # the same ID on someone born another day is someone else
        if by_id is not None and (by_name is None or by_name[0] is by_id[0]):
            return EnrollmentFact(member=by_id[0], file_reference=by_id[1], matched_by="id")
        if by_name is not None:
            return EnrollmentFact(
                member=by_name[0], file_reference=by_name[1], matched_by="name_and_birth_date"
            )
        if by_id is not None:
            return EnrollmentFact(member=by_id[0], file_reference=by_id[1], matched_by="id")
        return None
