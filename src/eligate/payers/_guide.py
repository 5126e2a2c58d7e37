"""The optional ``guide`` section of a payer file: what the payer's companion guide says.

Agreed with the onboarding work (issue 14), which fills it from a guide PDF; the
core and the simulator honour it. Every field is optional: an empty section says
nothing more than no section.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from eligate.codes import AaaAction
from eligate.x12 import code_set

GuideField = Literal["member_id", "birth_date", "last_name", "first_name", "gender"]
"""A search field a payer may require in a 270."""

_RejectReason = Annotated[str, Field(pattern=r"^[0-9A-Z]{2}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class GuideAaaRule(_Frozen):
    """What to do when the payer answers a given AAA reject reason."""

    action: AaaAction
    """A stable action code, as in an AAA error's ``action`` (``fix_member_id``...)."""
    resend: bool
    """Whether the same 270 may be sent again."""
    wait_seconds: int | None = Field(default=None, ge=0)
    """How long to wait before a resend."""


class Guide(_Frozen):
    """A payer's companion guide, as far as the core and the simulator use it."""

    version: str | None = None
    """The guide's version, e.g. ``"3.2"``."""
    effective_date: date | None = None
    """When this guide version took effect."""
    test_endpoint: HttpUrl | None = None
    """The https URL of the payer's test system."""
    envelope: Literal["mime", "soap", "rest"] = "mime"
    """How 270s travel: CORE MIME multipart, CORE SOAP, or a REST API."""
    service_types: tuple[str, ...] = ()
    """Supported EQ01 service type codes; ``()`` when the guide does not say."""
    member_id_pattern: str | None = None
    """A regex the whole member ID must match."""
    member_id_strip_suffix: str | None = None
    """A regex of a card suffix to drop before sending (``-[0-9]{2}$``)."""
    required_fields: tuple[GuideField, ...] = ()
    """Search fields every 270 must carry."""
    dependents_as_subscriber: bool = False
    """Dependents with their own member ID are sent as the subscriber."""
    max_eq_per_request: int | None = Field(default=None, ge=1)
    """The most EQ segments one 270 may carry."""
    aaa: dict[_RejectReason, GuideAaaRule] = {}
    """Resend rules keyed by AAA03 reject reason code (``"72"``, ``"42"``...)."""
    contact: str | None = None
    """Who to ask about the payer's EDI."""

    @field_validator("test_endpoint")
    @classmethod
    def _https(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and value.scheme != "https":
            raise ValueError("test_endpoint must be an https URL")
        return value

    @field_validator("member_id_pattern", "member_id_strip_suffix")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
        return value

    @field_validator("service_types")
    @classmethod
    def _known_service_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = code_set("eb03")
        unknown = [code for code in value if code not in known]
        if unknown:
            raise ValueError(f"unknown service type code(s): {', '.join(unknown)}")
        return value
