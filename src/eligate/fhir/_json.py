"""Deterministic ids and the canonical JSON text of a Bundle.

The same results always give the same bytes: ids are digests of content (never
random, never the clock), keys are sorted, separators are fixed, and decimals
keep the digits the payer sent (``2500.00`` stays ``2500.00``, not ``2500.0``).
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

JsonObject = dict[str, Any]
"""A FHIR resource or element as plain JSON data."""

_DECIMAL_MARK = "\x00eligate-decimal:"
_DECIMAL_TOKEN = re.compile(r'"\\u0000eligate-decimal:(-?[0-9]+(?:\.[0-9]+)?)"')


def digest(*parts: str) -> str:
    """The SHA-256 hex digest of ``parts`` joined by NUL (a separator no part contains)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def content_id(*parts: str) -> str:
    """A FHIR id (UUID layout, so ``urn:uuid:`` full URLs work) derived from content only."""
    hexed = digest(*parts)[:32]
    return f"{hexed[:8]}-{hexed[8:12]}-{hexed[12:16]}-{hexed[16:20]}-{hexed[20:]}"


def decimal_value(text: str) -> str:
    """Mark a decimal string so :func:`canonical_json` writes it as a JSON number verbatim."""
    return _DECIMAL_MARK + format(Decimal(text), "f")


def canonical_json(document: JsonObject) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 text, decimals as sent."""
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_decimal
    )
    return _DECIMAL_TOKEN.sub(r"\1", text)


def _decimal(value: object) -> str:
    """Decimals read back from JSON (``parse_float=Decimal``) are written as sent."""
    if isinstance(value, Decimal):
        return decimal_value(str(value))
    raise TypeError(f"not JSON data: {type(value).__name__}")


def plain(document: JsonObject) -> JsonObject:
    """The document as JSON data with decimals as :class:`~decimal.Decimal` (for models)."""
    loaded: JsonObject = json.loads(canonical_json(document), parse_float=Decimal)
    return loaded
