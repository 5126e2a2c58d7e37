"""Big synthetic 271 files, written when a test or benchmark runs (never committed).

The shapes that made the pipeline super-linear, at any size:

- ``batch``: one interchange, one group, the transaction set repeated per
  patient (the shape of a clearinghouse batch file);
- ``many_isa``: the same patients, each in an interchange of its own;
- ``dangling_hl``: one transaction set whose patient HLs name parents that do
  not exist (each one a ``hl_parent_missing`` warning);
- ``chained_hl``: one transaction set whose subscriber HLs each hang under the
  one before (an HL ancestor chain as long as the file).

Members are synthetic: ``SYN`` IDs, made-up names and dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

Shape = Literal["batch", "many_isa", "dangling_hl", "chained_hl"]

SHAPES: tuple[Shape, ...] = ("batch", "many_isa", "dangling_hl", "chained_hl")

_LAST = ("TESTPATIENT", "SAMPLEPERSON", "EXAMPLEMEMBER", "DEMOCASE")
_FIRST = ("ALEX", "JORDAN", "CASEY", "RILEY", "MORGAN")

_ISA = (
    "ISA*00*          *00*          *ZZ*SYNCLEARING    *ZZ*SYNCLINIC      "
    "*240315*0930*^*00501*{control:09d}*0*P*:~"
)
_GS = "GS*HB*SYNCLEARING*SYNCLINIC*20240315*0930*{control}*X*005010X279A1~"

# The body of one patient's transaction set (between ST and SE): a commercial PPO
# answer with deductibles, out-of-pocket, co-pays, co-insurance, MSG text and a PCP.
_BODY = (
    "BHT*0022*11*SYNREQ{number:07d}*20240315*0930~",
    "HL*1**20*1~",
    "NM1*PR*2*SYNTHETIC HEALTH PLAN*****PI*SYN01~",
    "PER*IC*PROVIDER SERVICES*TE*8005550100~",
    "HL*2*1*21*1~",
    "NM1*1P*2*SAMPLE FAMILY CLINIC*****XX*1999999984~",
    "HL*3*2*22*0~",
    "TRN*2*SYNTRACE{number:07d}*9SYNTHETIC~",
    "NM1*IL*1*{last}*{first}****MI*SYN{number:07d}~",
    "REF*6P*GRP77001*SYNTHETIC EMPLOYER GROUP~",
    "N3*100 EXAMPLE STREET~",
    "N4*SPRINGFIELD*IL*62701~",
    "DMG*D8*{birth}*F~",
    "DTP*346*D8*20240101~",
    "EB*1*IND*30*PR*GOLD PPO~",
    "EB*C*IND*30***23*2500*****Y~",
    "EB*C*IND*30***29*847.23*****Y~",
    "MSG*Ded $2500 remaining $847.23 INN only~",
    "EB*C*FAM*30***23*5000*****Y~",
    "EB*C*FAM*30***29*2899.50*****Y~",
    "EB*G*IND*30***23*6000*****Y~",
    "EB*G*IND*30***29*4210.55*****Y~",
    "EB*G*FAM*30***23*12000*****Y~",
    "EB*B*IND*98***27*30****N*Y~",
    "MSG*PRIMARY CARE OFFICE VISIT~",
    "EB*A*IND*30*****.2****Y~",
    "EB*B*IND*62***27*250****Y*Y*HC:74177~",
    "EB*L~",
    "LS*2120~",
    "NM1*P3*1*SAMPLEDOC*PAT****XX*1999999992~",
    "LE*2120~",
)

SEGMENTS_PER_PATIENT = len(_BODY) + 2
"""Segments of one patient's transaction set, ST and SE included."""


def _patient_body(number: int) -> str:
    birth = f"19{50 + number % 50:02d}{1 + number % 12:02d}{1 + number % 28:02d}"
    return "".join(_BODY).format(
        number=number,
        last=_LAST[number % len(_LAST)],
        first=_FIRST[number % len(_FIRST)],
        birth=birth,
    )


def _transaction(number: int) -> str:
    control = f"{number % 10_000:04d}"
    return (
        f"ST*271*{control}*005010X279A1~{_patient_body(number)}SE*{SEGMENTS_PER_PATIENT}*{control}~"
    )


def _chunks(patients: int, shape: Shape) -> Iterator[str]:
    if shape == "many_isa":
        for number in range(patients):
            yield _ISA.format(control=number + 1) + _GS.format(control=number + 1)
            yield _transaction(number)
            yield f"GE*1*{number + 1}~IEA*1*{number + 1:09d}~"
        return
    yield _ISA.format(control=1) + _GS.format(control=1)
    if shape == "batch":
        for number in range(patients):
            yield _transaction(number)
        yield f"GE*{patients}*1~IEA*1*000000001~"
        return
    body = [
        "BHT*0022*11*SYNREQ0000001*20240315*0930~",
        "HL*1**20*1~NM1*PR*2*SYNTHETIC HEALTH PLAN*****PI*SYN01~",
        "HL*2*1*21*1~NM1*1P*2*SAMPLE FAMILY CLINIC*****XX*1999999984~",
    ]
    for number in range(patients):
        own = number + 3
        parent = own - 1 if shape == "chained_hl" and number else 2
        if shape == "dangling_hl":
            parent = 900_000_000 + number
        body.append(f"HL*{own}*{parent}*22*0~")
    count = sum(part.count("~") for part in body) + 2
    yield "ST*271*0001*005010X279A1~" + "".join(body) + f"SE*{count}*0001~"
    yield "GE*1*1~IEA*1*000000001~"


def big_271(patients: int, shape: Shape = "batch") -> bytes:
    """A 271 file of ``patients`` synthetic patients in the given shape."""
    return "".join(_chunks(patients, shape)).encode("ascii")


def segment_count(data: bytes) -> int:
    """Segments in a file the generator wrote (its terminator is always ``~``)."""
    return data.count(b"~")
