"""Synthetic 271s for the payer simulator: read the 270 asked, answer for that member.

Members are synthetic by construction: ``SYN`` + six digits is a known member
(the last digit ``9`` has lapsed coverage), anything else is not found (AAA 75).
Amounts vary with the member ID so that answers differ, deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from eligate.codes import InputDataError
from eligate.x12 import Segment, X12Error, build_271, read_document

_KNOWN = "SYN"


@dataclass(frozen=True, slots=True)
class AskedPerson:
    """The subscriber or dependent named in a 270 (synthetic data only)."""

    last_name: str
    first_name: str
    member_id: str
    birth: str
    gender: str


@dataclass(frozen=True, slots=True)
class Asked270:
    """What a 270 asked, as far as the simulator needs it."""

    sender_id: str
    receiver_id: str
    reference: str
    payer_name: str
    payer_pi: str
    provider_name: str
    provider_npi: str
    subscriber: AskedPerson
    dependent: AskedPerson | None
    trace: str
    trace_originator: str
    service_types: tuple[str, ...]
    date_of_service: str


class Bad270Error(InputDataError, ValueError):
    """The request is not a 270 the simulator can answer."""

    code = "bad_270"


def read_270(data: bytes) -> Asked270:
    """Pick the parties, trace, service types and date out of a 270.

    Raises:
        Bad270Error: no 270 transaction set, or no subscriber in it.
    """
    try:
        document = read_document(data)
    except X12Error as error:
        raise Bad270Error(str(error)) from None
    transactions = [t for t in document.transactions if t.transaction_type == "270"]
    if not transactions:
        raise Bad270Error("no 270 transaction set")
    transaction = transactions[0]
    isa = transaction.interchange_header
    values: dict[str, str] = {
        "sender": isa.get(6).strip() if isa else "SENDER",
        "receiver": isa.get(8).strip() if isa else "RECEIVER",
    }
    people: dict[str, AskedPerson] = {}
    current = ""
    pending: dict[str, str] = {}
    eq: list[str] = []
    for segment in transaction.body:
        _take(segment, values, pending, eq)
        if segment.tag == "HL":
            if current and pending:
                people[current] = _person(pending)
            current = {"22": "subscriber", "23": "dependent"}.get(segment.get(3), "")
            pending = {}
    if current and pending:
        people[current] = _person(pending)
    subscriber = people.get("subscriber")
    if subscriber is None:
        raise Bad270Error("no subscriber loop")
    return Asked270(
        sender_id=values["sender"],
        receiver_id=values["receiver"],
        reference=values.get("bht", "SIM"),
        payer_name=values.get("payer_name", "SYNTHETIC PAYER"),
        payer_pi=values.get("payer_pi", "SYN00"),
        provider_name=values.get("provider_name", "SAMPLE CLINIC"),
        provider_npi=values.get("provider_npi", "1999999984"),
        subscriber=subscriber,
        dependent=people.get("dependent"),
        trace=values.get("trace", "SIMTRACE"),
        trace_originator=values.get("trace_originator", "9SIMULATOR"),
        service_types=tuple(eq) or ("30",),
        date_of_service=values.get("dos", ""),
    )


def _take(segment: Segment, values: dict[str, str], person: dict[str, str], eq: list[str]) -> None:
    tag = segment.tag
    if tag == "BHT":
        values["bht"] = segment.get(3)
    elif tag == "NM1" and segment.get(1) == "PR":
        values["payer_name"], values["payer_pi"] = segment.get(3), segment.get(9)
    elif tag == "NM1" and segment.get(1) == "1P":
        values["provider_name"], values["provider_npi"] = segment.get(3), segment.get(9)
    elif tag == "NM1" and segment.get(1) in {"IL", "03"}:
        person.update(last=segment.get(3), first=segment.get(4), member_id=segment.get(9))
    elif tag == "DMG":
        person.update(birth=segment.get(2), gender=segment.get(3))
    elif tag == "TRN":
        values["trace"], values["trace_originator"] = segment.get(2), segment.get(3)
    elif tag == "DTP" and segment.get(1) == "291":
        values["dos"] = segment.get(3)[:8]
    elif tag == "EQ":
        eq.append(segment.get(1).split(segment.delimiters.component)[0])


def _person(found: dict[str, str]) -> AskedPerson:
    return AskedPerson(
        last_name=found.get("last", ""),
        first_name=found.get("first", ""),
        member_id=found.get("member_id", ""),
        birth=found.get("birth", ""),
        gender=found.get("gender", ""),
    )


def question_of(asked: Asked270) -> str:
    """What the 270 asked, as one line: member, patient, date of service and service types.

    Two 270s with one question line are the same question (a duplicate within a run).
    Synthetic members only: the simulator never sees real ones.
    """
    dependent = asked.dependent
    patient = "" if dependent is None else f"{dependent.last_name}/{dependent.first_name}"
    types = ",".join(sorted(asked.service_types))
    return f"{asked.subscriber.member_id}|{patient}|{asked.date_of_service}|{types}"


def member_known(member_id: str) -> bool:
    """Whether the simulator has this member: ``SYN`` followed by six digits."""
    return len(member_id) == 9 and member_id.startswith(_KNOWN) and member_id[3:].isdigit()


def synthetic_271(asked: Asked270, *, control: int, now: datetime, aaa: str | None = None) -> bytes:
    """A 271 answering ``asked`` (written by :func:`eligate.x12.build_271`).

    Args:
        asked: the 270's content.
        control: interchange and group control number of the answer.
        now: when the answer is made.
        aaa: an AAA03 reason to answer with at the payer level instead (``42``...).
    """
    body = [
        f"BHT*0022*11*{asked.reference}*{now.strftime('%Y%m%d')}*{now.strftime('%H%M')}",
        "HL*1**20*1",
        f"NM1*PR*2*{asked.payer_name}*****PI*{asked.payer_pi}",
    ]
    if aaa is not None:
        body.append(f"AAA*Y**{aaa}*R")
    else:
        body += [
            "PER*IC*PROVIDER SERVICES*TE*8005550100",
            "HL*2*1*21*1",
            f"NM1*1P*2*{asked.provider_name}*****XX*{asked.provider_npi}",
            *_subscriber_loops(asked),
        ]
    return build_271(
        body,
        sender_id=asked.receiver_id,
        receiver_id=asked.sender_id,
        control_number=control,
        created_at=now,
    )


def _subscriber_loops(asked: Asked270) -> list[str]:
    subscriber, dependent = asked.subscriber, asked.dependent
    trace = f"TRN*2*{asked.trace}*{asked.trace_originator}"
    name = f"NM1*IL*1*{subscriber.last_name}*{subscriber.first_name}****MI*{subscriber.member_id}"
    if not member_known(subscriber.member_id):
        return ["HL*3*2*22*0", trace, name, "AAA*Y**75*C"]
    if dependent is None:
        return ["HL*3*2*22*0", trace, name, *_demographics(subscriber), *_benefits(asked)]
    return [
        "HL*3*2*22*1",
        name,
        "HL*4*3*23*0",
        trace,
        f"NM1*03*1*{dependent.last_name}*{dependent.first_name}",
        *_demographics(dependent),
        "INS*N*19",
        *_benefits(asked),
    ]


def _demographics(person: AskedPerson) -> list[str]:
    if not person.birth:
        return []
    gender = f"*{person.gender}" if person.gender else ""
    return [f"DMG*D8*{person.birth}{gender}"]


def _benefits(asked: Asked270) -> list[str]:
    member = asked.subscriber.member_id
    seed = int(member[3:])
    year = (asked.date_of_service or date.today().strftime("%Y%m%d"))[:4]
    plan_start = f"DTP*346*D8*{year}0101"
    if member.endswith("9"):
        return [
            "REF*6P*GRP77001*SYNTHETIC EMPLOYER GROUP",
            f"DTP*347*D8*{int(year) - 1}1231",
            "EB*6*IND*30",
            "MSG*COVERAGE TERMINATED",
        ]
    deductible, oop = 2500, 6000
    met = (seed * 37) % deductible
    oop_met = min(oop, met + (seed * 11) % 1500)
    return [
        "REF*6P*GRP77001*SYNTHETIC EMPLOYER GROUP",
        plan_start,
        "EB*1*IND*30*PR*GOLD PPO",
        f"EB*C*IND*30***23*{deductible}*****Y",
        f"EB*C*IND*30***29*{deductible - met}*****Y",
        f"EB*C*IND*30***24*{met}*****Y",
        f"EB*G*IND*30***23*{oop}*****Y",
        f"EB*G*IND*30***29*{oop - oop_met}*****Y",
        f"EB*G*IND*30***24*{oop_met}*****Y",
        "EB*B*IND*98***27*30****N*Y",
        "MSG*PRIMARY CARE OFFICE VISIT",
        "EB*B*IND*98***27*60****N*Y",
        "MSG*SPECIALIST OFFICE VISIT",
        "EB*A*IND*30*****.2****Y",
        "EB*A*IND*30*****.4****N",
        "EB*B*IND*62***27*250****Y*Y*HC:74177",
        "MSG*CT ABDOMEN AND PELVIS WITH CONTRAST REQUIRES PRIOR AUTHORIZATION",
    ]
