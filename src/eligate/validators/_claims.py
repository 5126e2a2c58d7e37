"""Claims of a model's proposal that cites free text, checked against that text.

Grounding (``_grounding``) proves every number of a proposal is in the MSG it
cites; it cannot tell a remaining amount from a limit, or a deductible from a
planted instruction. These rules can, deterministically:

- text that reads like an instruction to a model is never a source;
- a MSG line refines the EB it follows: the same EB01, and service types,
  coverage level, insurance type and network within that EB's (a network the
  text itself names, ``INN`` / ``OUT OF NETWORK``, is allowed);
- an amount must be written as money (``$2500``, ``847.23``), a percent with ``%``;
- the words before a number decide its role: after ``remaining`` only EB06 ``29``,
  after ``met``/``used``/``YTD`` only ``24``, and ``29``/``24`` need those words;
- ``auth_required`` needs the text to speak of authorization.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from eligate.normalizer import Benefit, Reason
from eligate.validators._grounding import number
from eligate.x12 import Segment

INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instruction|prompt|rule|above|previous|prior)"
    r"|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bset\s+(?:the\s+)?\w+(?:\s+\w+)?\s+to\b"
    r"|\bassistant\s*:|\bas\s+an\s+ai\b",
    re.IGNORECASE,
)
"""Text that addresses a model rather than a reader: never a source of values."""
_REMAINING = re.compile(r"\b(?:remain\w*|rem|left|balance)\b", re.IGNORECASE)
_MET = re.compile(r"\b(?:met|used|ytd|satisfied|accumulated|applied)\b", re.IGNORECASE)
_AUTH = re.compile(r"\b(?:auth\w*|precert\w*|pre-cert\w*|prior\s+approval)\b", re.IGNORECASE)
_IN_NETWORK = re.compile(r"\b(?:inn|in[-\s]network|in[-\s]net|par|participating)\b", re.I)
_OUT_NETWORK = re.compile(
    r"\b(?:oon|out[-\s]of[-\s]network|out[-\s]of[-\s]net|non[-\s]?par\w*|oon)\b", re.I
)
_NUMBER = re.compile(r"(?<![\w.])(\$\s*)?(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?(%)?")


def _reject(code: str, field: str, message: str) -> Reason:
    return Reason(severity="reject", code=code, field=field, message=message)


def _occurrences(text: str) -> Iterator[tuple[Decimal, bool, bool, str]]:
    """(value, written as money, written as percent, words since the previous number)."""
    previous_end = 0
    for match in _NUMBER.finditer(text):
        dollar, whole, fraction, percent = match.groups()
        if whole is None and fraction is None:
            continue
        value = number(f"{whole or ''}{fraction or ''}")
        if value is None:
            continue
        money = bool(dollar) or (fraction is not None and len(fraction) == 3)
        yield value, money, bool(percent), text[previous_end : match.start()]
        previous_end = match.end()


def check_claims(
    benefit: Benefit, index: int, segment: Segment, owner: Benefit | None
) -> Iterator[Reason]:
    """Reasons to reject a model proposal ``benefit`` that cites the MSG ``segment``."""
    if segment.tag != "MSG":
        return
    where = f"benefits[{index}]"
    text = segment.get(1)
    if INSTRUCTION.search(text):
        yield _reject(
            "untrusted_instruction",
            f"{where}.provenance",
            "the cited text reads like an instruction to a model; it is not a source",
        )
        return
    yield from _against_owner(benefit, owner, text, where)
    occurrences = list(_occurrences(text))
    amount = number(benefit.amount)
    if amount is not None:
        places = [o for o in occurrences if o[0] == amount and o[1]]
        if not places:
            yield _reject(
                "claim_not_in_source",
                f"{where}.amount",
                f"{benefit.amount} is not written as money in the cited text",
            )
        elif not any(_role_fits(benefit.time_qualifier_code, words) for *_, words in places):
            yield _reject(
                "claim_not_in_source",
                f"{where}.time_qualifier_code",
                f"the words before {benefit.amount} do not say EB06 "
                f"{benefit.time_qualifier_code!r}",
            )
    percent = number(benefit.percent)
    if percent is not None and not any(o[2] and o[0] / 100 == percent for o in occurrences):
        yield _reject(
            "claim_not_in_source",
            f"{where}.percent",
            f"{benefit.percent} is not written as a percent in the cited text",
        )
    if benefit.auth_required is not None and not _AUTH.search(text):
        yield _reject(
            "claim_not_in_source",
            f"{where}.auth_required",
            "the cited text says nothing about authorization",
        )


def _role_fits(time_qualifier: str | None, words: str) -> bool:
    says_remaining = bool(_REMAINING.search(words))
    says_met = bool(_MET.search(words))
    if time_qualifier == "29":
        return says_remaining
    if time_qualifier == "24":
        return says_met
    return not (says_remaining or says_met)


def _against_owner(
    benefit: Benefit, owner: Benefit | None, text: str, where: str
) -> Iterator[Reason]:
    if owner is None:
        yield _reject(
            "claim_not_in_source", f"{where}.code", "the cited MSG follows no EB to refine"
        )
        return
    if benefit.code != owner.code:
        yield _reject(
            "claim_not_in_source",
            f"{where}.code",
            f"EB01 {benefit.code!r} differs from the EB the MSG follows ({owner.code!r})",
        )
    if not set(benefit.service_type_codes) <= set(owner.service_type_codes):
        yield _reject(
            "claim_not_in_source",
            f"{where}.service_type_codes",
            "service types beyond those of the EB the MSG follows",
        )
    for field in ("coverage_level_code", "insurance_type_code"):
        value = getattr(benefit, field)
        if value is not None and value != getattr(owner, field):
            yield _reject(
                "claim_not_in_source",
                f"{where}.{field}",
                f"{field} differs from the EB the MSG follows",
            )
    network = benefit.in_plan_network_code
    named = {"Y"} if _IN_NETWORK.search(text) else set()
    if _OUT_NETWORK.search(text):
        named.add("N")
    if network is not None and network != owner.in_plan_network_code and network not in named:
        yield _reject(
            "claim_not_in_source",
            f"{where}.in_plan_network_code",
            "network differs from the EB the MSG follows and the text does not name it",
        )
