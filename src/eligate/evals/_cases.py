"""Gold cases: a raw 271, the facts a correct answer must contain, and tags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

BenefitFact = tuple[str, str | None, str, str | None, str | None, str | None, str | None]
"""(EB01, EB02, EB03 joined by ``^``, EB06, amount, percent, EB12) over X12 codes."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class ExpectedResult(_Frozen):
    """The labelled facts of one patient result; ``None`` means not labelled."""

    member_id: str | None
    """NM109 of the patient (``None`` is a fact too: a dependent without ID)."""
    coverage_status: str
    """``active``, ``inactive``, ``undetermined`` or ``error``."""
    error_codes: list[str] = []
    """AAA03 codes that apply, in order."""
    actions: list[str] | None = None
    """The stable ``action`` of each AAA, in order, where the case labels them."""
    partial_coverage: bool | None = None
    """Whether coverage is active only for some service types, where labelled."""
    benefit_codes: list[str] | None = None
    """EB01 of every benefit in order, where a source gives only that much (external)."""
    benefit_amounts: list[str | None] | None = None
    """EB07 of every benefit in order (``None`` where absent), where labelled."""
    benefit_count: int | None = None
    """How many benefits (EBs) the patient has, where a source states only that."""
    benefit_at: dict[int, dict[str, str | bool | None]] | None = None
    """Spot facts of single benefits by position, as another system asserts them:
    ``code``, ``coverage_level_code``, ``service_type_codes`` (joined by ``^``),
    ``insurance_type_code``, ``plan_coverage``, ``time_qualifier_code``, ``amount``,
    ``percent``, ``in_network`` (EB12 is ``Y``) and ``messages`` (joined by `` | ``)."""
    benefits: list[BenefitFact] | None = None
    """Every benefit as a tuple of codes and amounts, where the case labels them."""
    summary: list[tuple[str, str | None, str | None, str | None, str | None, str | None]] | None = (
        None
    )
    """(kind, EB02, EB12, limit, remaining, met) of every accumulator, where labelled."""


class GoldCase(_Frozen):
    """One labelled input."""

    id: str
    """Stable identifier."""
    input: str
    """``corpus:PATH`` (under ../shared/corpus/x12/real) or ``project:PATH`` (repo-relative)."""
    transaction: str | None = None
    """ST02 of the one transaction set of a batch file this case is about (the
    results of the other sets are not part of it); ``None``: the whole file."""
    note: str = ""
    """How the labels were derived from the segments, in a sentence."""
    kind: Literal["labelled", "adversarial"] = "labelled"
    """Adversarial cases plant values the answer must not contain."""
    tags: dict[str, str] = {}
    """``payer_kind``, ``quirk``... used to break the figures down."""
    expected: list[ExpectedResult]
    """One entry per patient result, in order."""
    must_not_accept: bool = False
    """Adversarial cases whose results the gate must not accept."""


def load_gold(folder: Path) -> list[GoldCase]:
    """Every case of every ``*.jsonl`` file in ``folder``, in file and line order."""
    cases: list[GoldCase] = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    cases.append(GoldCase.model_validate(json.loads(line)))
                except ValueError as error:
                    raise ValueError(f"{path.name}:{number}: not a gold case: {error}") from None
    return cases
