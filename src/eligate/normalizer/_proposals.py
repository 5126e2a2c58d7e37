"""What a model must answer, and how an answer becomes benefits with provenance.

The answer models check form only (item ids, decimal strings): what an answer
*means* is for the gate to judge. Inputs are hidden in validation errors, so a
re-ask or a log line never echoes what the model was shown.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from eligate.normalizer._models import Benefit, Provenance
from eligate.normalizer._proposer import Proposal
from eligate.x12 import Segment, code_set

_DECIMAL = re.compile(r"-?(?:\d+(?:\.\d+)?|\.\d+)")
Code = Annotated[str, Field(min_length=1, max_length=3)]


class _Answer(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="ignore", use_attribute_docstrings=True, hide_input_in_errors=True
    )


class ModelBenefit(_Answer):
    """One benefit the model read from one item, in X12 codes."""

    item: int
    """The ``id`` of the item it was read from."""
    code: Code
    """EB01, e.g. ``C`` deductible, ``B`` co-payment, ``A`` co-insurance."""
    coverage_level_code: Code | None = None
    """EB02, e.g. ``IND`` or ``FAM``."""
    service_type_codes: list[Code] = Field(default_factory=list, max_length=10)
    """EB03 service type codes, e.g. ``["30"]``."""
    insurance_type_code: Code | None = None
    """EB04."""
    time_qualifier_code: Code | None = None
    """EB06, e.g. ``23`` calendar year, ``29`` remaining."""
    amount: str | None = None
    """Monetary amount as a plain decimal string, e.g. ``"847.23"``."""
    percent: str | None = None
    """Percent as a decimal fraction, e.g. ``"0.2"`` for 20%."""
    quantity_qualifier_code: Code | None = None
    """EB09, e.g. ``VS`` visits."""
    quantity: str | None = None
    """EB10 as a plain decimal string."""
    auth_required: bool | None = None
    """Whether prior authorization is required, where the text says so."""
    in_plan_network_code: Code | None = None
    """EB12: ``Y`` in network, ``N`` out of network, ``W`` both."""

    @field_validator("amount", "percent", "quantity")
    @classmethod
    def _decimal(cls, value: str | None) -> str | None:
        if value is not None and not _DECIMAL.fullmatch(value):
            raise ValueError("must be a plain decimal number such as 847.23, without $ or %")
        return value

    @field_validator("item")
    @classmethod
    def _known_item(cls, value: int, info: ValidationInfo) -> int:
        context = info.context or {}
        items = context.get("items")
        if items is not None and value not in items:
            raise ValueError("is not the id of an item you were given")
        return value


class ModelAnswer(_Answer):
    """Benefits read from the items; an item with nothing to read is simply not cited."""

    benefits: list[ModelBenefit] = Field(default_factory=list, max_length=60)
    """Every benefit the items state, one per amount, percent or quantity."""


def to_proposal(answer: ModelBenefit, segment: Segment) -> Proposal:
    """The benefit ``answer`` proposes, citing ``segment`` (the item it was read from)."""
    services = list(answer.service_type_codes)
    benefit = Benefit(
        code=answer.code,
        name=code_set("eb01").name(answer.code),
        coverage_level_code=answer.coverage_level_code,
        coverage_level=_name("eb02", answer.coverage_level_code),
        service_type_codes=services,
        service_types=[code_set("eb03").name(code) for code in services],
        insurance_type_code=answer.insurance_type_code,
        insurance_type=_name("eb04", answer.insurance_type_code),
        plan_coverage=None,
        time_qualifier_code=answer.time_qualifier_code,
        time_qualifier=_name("eb06", answer.time_qualifier_code),
        amount=answer.amount,
        percent=answer.percent,
        quantity_qualifier_code=answer.quantity_qualifier_code,
        quantity_qualifier=_name("eb09", answer.quantity_qualifier_code),
        quantity=answer.quantity,
        auth_required=answer.auth_required,
        in_plan_network_code=answer.in_plan_network_code,
        in_network=_name("eb12", answer.in_plan_network_code),
        procedure=None,
        messages=[segment.get(1)] if segment.tag == "MSG" else [],
        dates=[],
        related_entities=[],
        source="llm",
        provenance=Provenance(segments=[segment.index], raw=[segment.raw]),
    )
    return Proposal(segment_index=segment.index, benefit=benefit)


def _name(key: str, code: str | None) -> str | None:
    return code_set(key).name(code) if code else None
