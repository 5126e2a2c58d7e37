"""Seeded scenario generator: nights of batch outcomes, the employer's 834, and later rechecks.

The ranking models learn from what happens after the 6 AM list: a recheck that
comes back verified before the appointment means the exception cleared by
itself. This module writes nights that behave like that, per payer: realistic
mixes of exceptions, enrollment lags that clear after hours or days, member-ID
migrations, outages that end, terminations that never clear. Each night gives
the ``outcomes.jsonl`` records (with raw 271s, as the batch export has them),
the 834 text, the earlier checks a real store would hold, the recheck records
that label each exception, and the truth the generator used (for evaluation).
Pure: a seed in, values out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np

from eligate.triage._kinds import Kind

LOCAL = timezone(timedelta(hours=-5))
"""The clinic's offset: appointments and checks are written with it."""

_LAST = tuple(
    f"{stem}{suffix}"
    for stem in ("TESTPATIENT", "SAMPLE", "EXAMPLE", "SYNTHETIC", "DEMO", "FICTION", "PLACEHOLDER")
    for suffix in ("", "SON", "ER", "WOOD", "FIELD")
)
_FIRST = ("ALEX", "CASEY", "JORDAN", "MORGAN", "RILEY", "DANA", "ROBIN", "TAYLOR", "QUINN", "SAM",
          "AVERY", "BLAKE", "CAMERON", "DREW", "ELLIS", "FRANKIE", "GRAY", "HAYDEN")  # fmt: skip


@dataclass(frozen=True, slots=True)
class PayerProfile:
    """How one simulated payer behaves: volume, exception mix, lags, outages, ID formats."""

    payer_id: str
    name: str
    volume: int
    """Appointments per night."""
    id_prefix: str
    """Prefix of member IDs the payer issues now."""
    old_id_prefix: str | None
    """Prefix before an ID migration (lists still send it), or ``None``."""
    mix: dict[str, float]
    """Scenario -> share of the night's items (the rest verify)."""
    lag_median_hours: float
    """Median hours for a fresh enrollment to reach the payer."""
    outage_chance: float
    """Chance that a night has an outage at this payer."""
    outage_mean_hours: float
    """Mean length of an outage."""


_BASE_MIX = {
    "enrollment_lag": 0.025,
    "coverage_conflict": 0.007,
    "coverage_terminated": 0.02,
    "member_id_format_changed": 0.004,
    "demographic_mismatch": 0.012,
    "member_not_found": 0.008,
    "provider_not_eligible": 0.004,
    "prior_auth_required": 0.012,
    "other_payer_primary": 0.006,
    "needs_review": 0.006,
}

PAYERS: tuple[PayerProfile, ...] = (
    PayerProfile("synaetna", "SYNTHETIC AETNA", 300, "SYA", None, _BASE_MIX, 14.0, 0.06, 1.5),
    PayerProfile(
        "synblue",
        "SYNTHETIC BLUE",
        250,
        "XBL",
        "SYN",
        _BASE_MIX | {"member_id_format_changed": 0.04, "enrollment_lag": 0.035},
        60.0,
        0.04,
        2.0,
    ),
    PayerProfile(
        "syncigna",
        "SYNTHETIC CIGNA",
        120,
        "SYC",
        None,
        _BASE_MIX | {"demographic_mismatch": 0.02},
        30.0,
        0.15,
        3.0,
    ),
    PayerProfile(
        "synunited",
        "SYNTHETIC UNITED",
        200,
        "SYU",
        None,
        _BASE_MIX | {"coverage_terminated": 0.04, "other_payer_primary": 0.015},
        24.0,
        0.06,
        2.0,
    ),
)


@dataclass(frozen=True, slots=True)
class Truth:
    """What the generator made an item be, and what happened to it."""

    kind: Kind
    still_problem: bool
    """A person must act: no recheck before the appointment came back verified."""
    hours_to_resolution: float | None
    """Hours from the check to the verified recheck, when it cleared by itself."""


@dataclass(frozen=True, slots=True)
class Night:
    """One generated run: what triage reads at 6 AM, and what happened afterwards."""

    as_of: datetime
    outcomes: list[dict[str, Any]]
    """``outcomes.jsonl`` records (raw 271s, no results: triage normalizes them)."""
    enrollment: str
    """The employer's 834 (one transaction with every member it mentions)."""
    history: list[dict[str, Any]]
    """Earlier checks a store would hold (verified checks of some members)."""
    rechecks: list[dict[str, Any]]
    """Later checks of the exceptions: the labels."""
    truth: dict[str, Truth] = field(default_factory=dict)
    """Item id -> the truth, for exceptions only."""


def generate_nights(
    *,
    seed: int,
    nights: int,
    start: date = date(2026, 9, 1),
    scale: float = 1.0,
    payers: tuple[PayerProfile, ...] = PAYERS,
) -> list[Night]:
    """``nights`` consecutive nights from ``start``; ``scale`` multiplies every payer's volume."""
    rng = np.random.default_rng(seed)
    return [
        _Night(rng, start + timedelta(days=offset), scale, payers, f"s{seed}n{offset}").build()
        for offset in range(nights)
    ]


class _Night:
    """Builds one night; private to :func:`generate_nights`."""

    def __init__(
        self,
        rng: np.random.Generator,
        day: date,
        scale: float,
        payers: tuple[PayerProfile, ...],
        tag: str,
    ) -> None:
        self.rng = rng
        self.day = day
        self.scale = scale
        self.payers = payers
        self.tag = tag
        self.as_of = datetime.combine(day, time(6, 0), LOCAL)
        self.outcomes: list[dict[str, Any]] = []
        self.members_834: list[list[str]] = []
        self.history: list[dict[str, Any]] = []
        self.rechecks: list[dict[str, Any]] = []
        self.truth: dict[str, Truth] = {}
        self.count = 0
        self.serials: set[int] = set()

    def build(self) -> Night:
        for payer in self.payers:
            self._payer(payer)
        return Night(
            as_of=self.as_of,
            outcomes=self.outcomes,
            enrollment=_render_834(self.members_834, self.day, self.tag),
            history=self.history,
            rechecks=self.rechecks,
            truth=self.truth,
        )

    def _payer(self, payer: PayerProfile) -> None:
        rng = self.rng
        volume = max(5, int(rng.poisson(payer.volume * self.scale)))
        outage: tuple[float, float] | None = None
        if rng.random() < payer.outage_chance:
            begin = float(rng.uniform(-1.0, 3.0))  # hours after 02:00 local
            length = float(rng.exponential(payer.outage_mean_hours)) + 0.25
            if rng.random() < 0.3:  # some outages run into the clinic day
                length *= 4
            outage = (begin, begin + length)
        scenarios = list(payer.mix)
        shares = np.array([payer.mix[s] for s in scenarios])
        for _ in range(volume):
            checked_h = float(rng.uniform(0.0, 3.5))  # 02:00 .. 05:30 local
            appointment_h = float(rng.uniform(5.0, 16.0))  # 07:00 .. 18:00 local
            if outage is not None and outage[0] <= checked_h <= outage[1]:
                self._item(payer, "payer_unavailable", checked_h, appointment_h, outage)
                continue
            draw = rng.random()
            cumulative = np.cumsum(shares)
            index = int(np.searchsorted(cumulative, draw))
            scenario = scenarios[index] if index < len(scenarios) else "verified"
            self._item(payer, scenario, checked_h, appointment_h, outage)

    def _serial(self) -> int:
        """A six-digit member number not used tonight (IDs never collide within a night)."""
        while True:
            serial = int(self.rng.integers(100000, 999999))
            if serial not in self.serials:
                self.serials.add(serial)
                return serial

    def _at(self, hours_after_two: float) -> datetime:
        return datetime.combine(self.day, time(2, 0), LOCAL) + timedelta(hours=hours_after_two)

    def _item(
        self,
        payer: PayerProfile,
        scenario: str,
        checked_h: float,
        appointment_h: float,
        outage: tuple[float, float] | None,
    ) -> None:
        rng = self.rng
        self.count += 1
        item_id = f"{self.tag}-{payer.payer_id}-{self.count}"
        person = _Person(
            last=str(rng.choice(_LAST)),
            first=str(rng.choice(_FIRST)),
            born=date(1940, 1, 1) + timedelta(days=int(rng.integers(0, 30000))),
            member_id=f"{payer.id_prefix}{self._serial()}",
        )
        record: dict[str, Any] = {
            "appointment_id": f"A-{item_id}",
            "appointment_at": self._at(appointment_h).isoformat(),
            "payer_id": payer.payer_id,
            "member_id": person.member_id,
            "last_name": person.last,
            "first_name": person.first,
            "birth_date": person.born.isoformat(),
            "service_type_codes": "30",
            "provider_npi": "1999999984",
            "item_id": item_id,
            "batch_id": f"batch-{self.tag}",
            "state": "verified",
            "status": "verified",
            "reason": None,
            "origin": "payer",
            "attempts": 1,
            "checked_at": self._at(checked_h).isoformat(),
            "x12_271": None,
        }
        reply = _Reply(payer, person)
        kind: Kind | None = None
        hours: float | None = None  # to self-resolution; None = never
        if scenario == "verified":
            reply.active()
            if rng.random() < 0.2:
                self._enrol(
                    person, "030", "XN", self.day - timedelta(days=int(rng.integers(60, 900)))
                )
            if rng.random() < 0.1:
                self._earlier(record, person.member_id, days_before=int(rng.integers(20, 200)))
        elif scenario == "enrollment_lag":
            kind = "enrollment_lag"
            days = int(rng.integers(0, 12))
            self._enrol(person, "021", "28", self.day - timedelta(days=days))
            style = rng.random()
            if style < 0.5:
                reply.aaa("75", "2100C")
            elif style < 0.8:
                reply.inactive()
            else:
                reply.inactive(code="7")
            median = payer.lag_median_hours * math.exp(-days / 6)
            hours = float(rng.lognormal(math.log(max(median, 0.5)), 0.8))
        elif scenario == "coverage_conflict":
            kind = "coverage_conflict"
            self._enrol(person, "030", "XN", self.day - timedelta(days=int(rng.integers(200, 900))))
            if rng.random() < 0.7:
                reply.inactive()
            else:
                reply.aaa("75", "2100C")
            hours = float(rng.uniform(1, 12)) if rng.random() < 0.2 else None
        elif scenario == "coverage_terminated":
            kind = "coverage_terminated"
            ended = self.day - timedelta(days=int(rng.integers(1, 60)))
            if rng.random() < 0.5:
                self._enrol(person, "024", "07", ended - timedelta(days=400), end=ended)
            reply.inactive(ended=ended)
            hours = float(rng.uniform(1, 10)) if rng.random() < 0.05 else None
        elif scenario == "member_id_format_changed":
            kind = "member_id_format_changed"
            new_id = person.member_id
            old_prefix = payer.old_id_prefix or "OLD"
            old_id = f"{old_prefix}{new_id[len(payer.id_prefix) :]}"
            record["member_id"] = old_id
            reply = _Reply(payer, person.with_id(old_id))
            reply.aaa("72", "2100C")
            evidence = rng.random()
            if evidence < 0.6:
                self._enrol(person, "001", "AI", self.day - timedelta(days=400), client=new_id)
            elif evidence < 0.8:
                self._earlier(record, new_id, days_before=int(rng.integers(2, 30)))
            else:
                self._earlier(record, old_id, days_before=int(rng.integers(30, 300)))
        elif scenario == "demographic_mismatch":
            kind = "demographic_mismatch"
            reply.aaa(str(rng.choice(["71", "73", "58", "65"])), "2100C")
        elif scenario == "member_not_found":
            kind = "member_not_found"
            reply.aaa("75", "2100C")
            hours = float(rng.uniform(1, 14)) if rng.random() < 0.15 else None
        elif scenario == "provider_not_eligible":
            kind = "provider_not_eligible"
            reply.aaa(str(rng.choice(["51", "43", "50", "41", "79"])), "2100B")
        elif scenario == "prior_auth_required":
            kind = "prior_auth_required"
            record["service_type_codes"] = "73"
            reply.active(extra=["EB*1*IND*73********Y"])
        elif scenario == "other_payer_primary":
            kind = "other_payer_primary"
            reply.active(
                extra=["EB*R*IND*30", "LS*2120", "NM1*PRP*2*SYNTHETIC OTHER PLAN", "LE*2120"]
            )
        elif scenario == "needs_review":
            kind = "needs_review"
            reply.active(extra=["EB*C*IND*30***23*500", "MSG*DEDUCTIBLE REMAINING $200 INN"])
        elif scenario == "payer_unavailable":
            kind = "payer_unavailable"
            ends = outage[1] if outage is not None else checked_h  # drawn inside an outage
            hours = max(0.1, ends - checked_h + float(rng.exponential(0.3)))
            if rng.random() < 0.15:
                reply.aaa("42", "2100A")
            else:
                reply = _Reply(payer, person, silent=True)
                record |= {
                    "state": "gave_up",
                    "status": "unable_to_verify",
                    "reason": str(rng.choice(["timeout", "breaker_open", "http_5xx"])),
                    "attempts": int(rng.integers(1, 4)),
                }
        if kind is not None and record["state"] == "verified":
            answered = kind in ("prior_auth_required", "other_payer_primary", "needs_review")
            record |= {"state": "verified" if answered else "not_verified"}
            record["status"] = "verified" if answered else "unable_to_verify"
        record["x12_271"] = reply.render(self._at(checked_h))
        self.outcomes.append(record)
        if kind is not None:
            self._label(record, kind, hours, checked_h, appointment_h)

    def _label(
        self, record: dict[str, Any], kind: Kind, hours: float | None, checked_h: float,
        appointment_h: float,
    ) -> None:  # fmt: skip
        """Record the truth and the rechecks that show it, as a store would hold them."""
        cleared = hours is not None and checked_h + hours < appointment_h
        self.truth[record["item_id"]] = Truth(
            kind=kind,
            still_problem=not cleared,
            hours_to_resolution=hours if cleared else None,
        )
        kept = ("appointment_id", "appointment_at", "payer_id", "member_id", "last_name",
                "first_name", "birth_date")  # fmt: skip
        base = {k: record[k] for k in kept}
        base |= {"item_id": f"{record['item_id']}-r", "batch_id": f"recheck-{self.tag}"}
        if cleared and hours is not None:
            self.rechecks.append(
                base | {"state": "verified", "status": "verified", "attempts": 1,
                        "checked_at": self._at(checked_h + hours).isoformat()}
            )  # fmt: skip
        else:
            self.rechecks.append(
                base | {"state": "not_verified", "status": "unable_to_verify", "attempts": 1,
                        "checked_at": self._at(appointment_h - 0.5).isoformat()}
            )  # fmt: skip

    def _enrol(
        self,
        person: _Person,
        maintenance: str,
        reason: str,
        begin: date,
        *,
        end: date | None = None,
        client: str | None = None,
    ) -> None:
        segments = [
            f"INS*Y*18*{maintenance}*{reason}*A***{'TE' if maintenance == '024' else 'FT'}",
            f"REF*0F*{client or person.member_id}",
            "REF*1L*GRP77001",
        ]
        if client is not None:
            segments.append(f"REF*23*{client}")
        segments += [
            f"NM1*IL*1*{person.last}*{person.first}****34*999{self.rng.integers(100000, 999999)}",
            f"DMG*D8*{person.born:%Y%m%d}*U",
            f"HD*{maintenance}**HLT*GOLD PPO*EMP",
            f"DTP*348*D8*{begin:%Y%m%d}",
        ]
        if end is not None:
            segments.append(f"DTP*349*D8*{end:%Y%m%d}")
        self.members_834.append(segments)

    def _earlier(self, record: dict[str, Any], member_id: str, *, days_before: int) -> None:
        checked = self.as_of - timedelta(days=days_before)
        self.history.append(
            {
                k: record[k]
                for k in ("payer_id", "last_name", "first_name", "birth_date", "service_type_codes")
            }
            | {
                "appointment_id": f"H-{record['item_id']}-{days_before}",
                "appointment_at": (checked + timedelta(hours=6)).isoformat(),
                "member_id": member_id,
                "item_id": f"H-{record['item_id']}-{days_before}",
                "batch_id": "earlier",
                "state": "verified",
                "status": "verified",
                "origin": "payer",
                "attempts": 1,
                "checked_at": checked.isoformat(),
            }
        )


@dataclass(frozen=True, slots=True)
class _Person:
    last: str
    first: str
    born: date
    member_id: str

    def with_id(self, member_id: str) -> _Person:
        return _Person(self.last, self.first, self.born, member_id)


class _Reply:
    """A synthetic 271 for one person, written segment by segment."""

    def __init__(self, payer: PayerProfile, person: _Person, *, silent: bool = False) -> None:
        self.payer = payer
        self.person = person
        self.silent = silent
        self.source_aaa: list[str] = []
        self.receiver_aaa: list[str] = []
        self.details: list[str] = []
        self.benefits: list[str] = []

    def active(self, *, extra: list[str] | None = None) -> None:
        self.benefits = ["EB*1*IND*30**GOLD PPO", *(extra or [])]

    def inactive(self, *, code: str = "6", ended: date | None = None) -> None:
        if ended is not None:
            self.details = [f"DTP*346*D8*{ended - timedelta(days=400):%Y%m%d}",
                            f"DTP*347*D8*{ended:%Y%m%d}"]  # fmt: skip
        self.benefits = [f"EB*{code}*IND*30"]

    def aaa(self, code: str, loop: str) -> None:
        segment = f"AAA*N**{code}*{'R' if code == '42' else 'C'}"
        {"2100A": self.source_aaa, "2100B": self.receiver_aaa}.get(loop, self.details).append(
            segment
        )

    def render(self, when: datetime) -> str | None:
        if self.silent:
            return None
        p = self.person
        body = [
            f"BHT*0022*11*REQ{p.member_id}*{when:%Y%m%d}*{when:%H%M}",
            "HL*1**20*1",
            f"NM1*PR*2*{self.payer.name}*****PI*{self.payer.payer_id.upper()}",
            *self.source_aaa,
            "HL*2*1*21*1",
            "NM1*1P*2*SAMPLE FAMILY CLINIC*****XX*1999999984",
            *self.receiver_aaa,
            "HL*3*2*22*0",
            f"TRN*2*TR{p.member_id}*9SYNCLINIC",
            f"NM1*IL*1*{p.last}*{p.first}****MI*{p.member_id}",
            f"DMG*D8*{p.born:%Y%m%d}*U",
            *self.details,
            *self.benefits,
        ]
        return _envelope("271", "HB", "005010X279A1", body, when)


def _render_834(members: list[list[str]], day: date, tag: str) -> str:
    body = [
        f"BGN*00*ENR{tag.upper()}*{day:%Y%m%d}*0100****2",
        "N1*P5*SYNTHETIC EMPLOYER GROUP*FI*999999999",
        "N1*IN*SYNTHETIC PLANS*FI*999999998",
    ]
    for member in members:
        body.extend(member)
    when = datetime.combine(day, time(1, 0), LOCAL)
    return _envelope("834", "BE", "005010X220A1", body, when) or ""


def _envelope(kind: str, group: str, version: str, body: list[str], when: datetime) -> str:
    isa = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{'SYNSENDER':<15}*ZZ*{'SYNCLINIC':<15}*"
        f"{when:%y%m%d}*{when:%H%M}*^*00501*000000001*0*P*:"
    )
    lines = [
        isa,
        f"GS*{group}*SYNSENDER*SYNCLINIC*{when:%Y%m%d}*{when:%H%M}*1*X*{version}",
        f"ST*{kind}*0001*{version}",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(lines) + "~\n"
