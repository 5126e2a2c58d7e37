"""The 271 writer: an interchange around a body, read back by the 271 reader."""

from __future__ import annotations

from datetime import datetime

import pytest

from eligate.x12 import X12UsageError, build_271, read_271, read_document

BODY = (
    "BHT*0022*11*REF1*20260115*0930",
    "HL*1**20*1",
    "NM1*PR*2*SYNTHETIC PLAN*****PI*SYN01",
    "HL*2*1*21*1",
    "NM1*1P*2*SAMPLE CLINIC*****XX*1999999984",
    "HL*3*2*22*0",
    "NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123",
    "EB*1*IND*30",
)
WHEN = datetime(2026, 1, 15, 9, 30)


def test_the_interchange_reads_back_with_counts_and_control_numbers() -> None:
    """ISA/GS/ST..SE/GE/IEA wrap the body; SE counts the segments; no warnings."""
    data = build_271(
        BODY, sender_id="SYNPAYER", receiver_id="CLINIC", control_number=42, created_at=WHEN
    )
    document = read_document(data)
    (transaction,) = document.transactions
    assert transaction.transaction_type == "271"
    assert b"SE*10*0001~" in data
    assert b"IEA*1*000000042~" in data
    assert b"GS*HB*SYNPAYER*CLINIC*20260115*0930*42*X*005010X279A1~" in data
    assert not document.warnings
    tree = read_271(transaction)
    assert [party.hl.get(3) for party in tree.parties] == ["20", "21", "22"]
    subscriber = tree.parties[-1]
    assert subscriber.name is not None
    assert subscriber.name.get(9) == "SYN000123"
    assert len(subscriber.benefits) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"control_number": 0}, "control_number"),
        ({"sender_id": "X" * 16}, "sender_id"),
        ({"body": ()}, "body"),
        ({"body": ("BHT*0022~",)}, "body"),
        ({"usage": "X"}, "usage"),
    ],
)
def test_impossible_arguments_are_usage_errors(changes: dict[str, object], message: str) -> None:
    """Out-of-range ids, control numbers, bodies and usage raise X12UsageError."""
    arguments: dict[str, object] = {
        "body": BODY,
        "sender_id": "SYNPAYER",
        "receiver_id": "CLINIC",
        "control_number": 1,
        "created_at": WHEN,
        "usage": "P",
    } | changes
    with pytest.raises(X12UsageError, match=message):
        build_271(**arguments)  # type: ignore[arg-type]
