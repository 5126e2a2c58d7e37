"""The 271 writer: an interchange around one 271 transaction set, next to ``build_270``.

The caller writes the transaction's body (``BHT`` onwards, without ``ST``/``SE``);
this writes ``ISA``/``GS``/``ST`` before it and ``SE``/``GE``/``IEA`` after it with
the right counts and control numbers, ``~`` + newline between segments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from eligate.x12.errors import X12UsageError


def build_271(
    body: Sequence[str],
    *,
    sender_id: str,
    receiver_id: str,
    control_number: int,
    created_at: datetime,
    usage: str = "P",
) -> bytes:
    """A 5010 271 interchange carrying ``body``.

    Args:
        body: the transaction's segments from ``BHT`` on, ``*``-separated, unterminated.
        sender_id: ISA06 / GS02, the payer answering.
        receiver_id: ISA08 / GS03, who asked.
        control_number: ISA13 / GS06 (1..999999999).
        created_at: ISA09/10 and GS04/05.
        usage: ISA15, ``P`` (production) or ``T`` (test).

    Raises:
        X12UsageError: an id longer than 15 characters, a control number out of range,
            an empty body or a body segment holding ``~``.
    """
    if not 1 <= control_number <= 999_999_999:
        raise X12UsageError(f"control_number {control_number} is outside 1..999999999")
    for name, value in (("sender_id", sender_id), ("receiver_id", receiver_id)):
        if not 1 <= len(value) <= 15:
            raise X12UsageError(f"{name} must be 1 to 15 characters")
    if not body or any("~" in segment for segment in body):
        raise X12UsageError("body must be non-empty segments without the terminator '~'")
    if usage not in ("P", "T"):
        raise X12UsageError("usage must be P or T")
    ymd, hm = created_at.strftime("%Y%m%d"), created_at.strftime("%H%M")
    segments = ["ST*271*0001*005010X279A1", *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    number = f"{control_number:09d}"
    isa = (
        f"ISA*00*          *00*          *ZZ*{sender_id:<15}*ZZ*{receiver_id:<15}"
        f"*{created_at.strftime('%y%m%d')}*{hm}*^*00501*{number}*0*{usage}*:"
    )
    lines = [
        isa,
        f"GS*HB*{sender_id}*{receiver_id}*{ymd}*{hm}*{control_number}*X*005010X279A1",
        *segments,
        f"GE*1*{control_number}",
        f"IEA*1*{number}",
    ]
    return ("~\n".join(lines) + "~\n").encode()
