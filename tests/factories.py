"""Small builders for synthetic 271s used across tests (synthetic members only)."""

from __future__ import annotations

HEADER = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501"
    "*000000001*0*P*:"
)
SOURCE_AND_RECEIVER = (
    "BHT*0022*11*REF1*20240101*1200",
    "HL*1**20*1",
    "NM1*PR*2*SYNTHETIC PLAN*****PI*SYN01",
    "HL*2*1*21*1",
    "NM1*1P*2*SAMPLE CLINIC*****XX*1999999984",
)
SUBSCRIBER = ("HL*3*2*22*0", "NM1*IL*1*TESTPATIENT*ALEX****MI*SYN000123")


def make_271(*body: str, head: tuple[str, ...] = SOURCE_AND_RECEIVER + SUBSCRIBER) -> bytes:
    """A complete, correctly counted 271 interchange around ``head`` + ``body`` segments."""
    segments = ["ST*271*0001*005010X279A1", *head, *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    lines = [
        HEADER,
        "GS*HB*SENDER*RECEIVER*20240101*1200*1*X*005010X279A1",
        *segments,
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return ("~\n".join(lines) + "~\n").encode()
