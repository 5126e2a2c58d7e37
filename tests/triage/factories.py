"""Outcome records and 271s written for one rule at a time (synthetic members only)."""

from __future__ import annotations

from typing import Any

_HEADER = [
    "BHT*0022*11*REQ1*20261130*0300",
    "HL*1**20*1",
    "NM1*PR*2*SYNTHETIC BLUE*****PI*SYB01",
    "HL*2*1*21*1",
    "NM1*1P*2*SAMPLE FAMILY CLINIC*****XX*1999999984",
    "HL*3*2*22*0",
    "TRN*2*TRACE1*9SYNCLINIC",
]


def reply(
    *details: str,
    member: str = "SYN000123",
    source: tuple[str, ...] = (),
    receiver: tuple[str, ...] = (),
) -> str:
    """A 271 for TESTPATIENT ALEX with ``details`` after NM1*IL and DMG (AAA, DTP, EB...)."""
    body = [
        *_HEADER[:3],
        *source,
        *_HEADER[3:5],
        *receiver,
        *_HEADER[5:],
        f"NM1*IL*1*TESTPATIENT*ALEX****MI*{member}",
        "DMG*D8*19800101*F",
        *details,
    ]
    segments = [
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{'SYNBLUE':<15}*ZZ*{'SYNCLINIC':<15}*261130*0300*^*00501*"
        "000000001*0*P*:",
        "GS*HB*SYNBLUE*SYNCLINIC*20261130*0300*1*X*005010X279A1",
        "ST*271*0001*005010X279A1",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "".join(s + "~\n" for s in segments)


def record(x12: str | None = None, **fields: Any) -> dict[str, Any]:
    """An outcome record for TESTPATIENT ALEX at synblue, checked at 03:00, seen at 14:00."""
    base: dict[str, Any] = {
        "appointment_id": "APT1",
        "appointment_at": "2026-11-30T14:00:00-05:00",
        "payer_id": "synblue",
        "member_id": "SYN000123",
        "last_name": "TESTPATIENT",
        "first_name": "ALEX",
        "birth_date": "1980-01-01",
        "service_type_codes": "30",
        "item_id": "item1",
        "batch_id": "b1",
        "state": "not_verified",
        "status": "unable_to_verify",
        "attempts": 1,
        "checked_at": "2026-11-30T03:00:00-05:00",
        "x12_271": x12,
    }
    return base | fields


def enrollment_834(*members: list[str]) -> str:
    """An 834 with the given member loops (INS..DTP segments, ``*`` separators)."""
    body = ["BGN*00*TESTENR*20261130*0100****2", "N1*P5*SYNTHETIC EMPLOYER*FI*999999999"]
    for member in members:
        body.extend(member)
    segments = [
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{'SYNEMPLOYER':<15}*ZZ*{'SYNBLUE':<15}*261130*0100*^*00501*"
        "000000002*0*P*:",
        "GS*BE*SYNEMPLOYER*SYNBLUE*20261130*0100*2*X*005010X220A1",
        "ST*834*0001*005010X220A1",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*2",
        "IEA*1*000000002",
    ]
    return "".join(s + "~\n" for s in segments)


def member(
    maintenance: str = "030",
    begin: str = "20240101",
    *,
    member_id: str = "SYN000123",
    client: str | None = None,
    end: str | None = None,
) -> list[str]:
    """One 834 member loop for TESTPATIENT ALEX (born 1980-01-01)."""
    loop = [f"INS*Y*18*{maintenance}*XN*A***FT", f"REF*0F*{member_id}", "REF*1L*GRP77001"]
    if client:
        loop.append(f"REF*23*{client}")
    loop += [
        "NM1*IL*1*TESTPATIENT*ALEX****34*999000123",
        "DMG*D8*19800101*F",
        f"HD*{maintenance}**HLT*GOLD PPO*EMP",
        f"DTP*348*D8*{begin}",
    ]
    if end:
        loop.append(f"DTP*349*D8*{end}")
    return loop
