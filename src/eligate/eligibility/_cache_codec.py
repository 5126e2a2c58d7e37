"""How a cached answer is kept: compact JSON bytes, the same in process and in Redis.

Both caches store bytes rather than model trees, so thousands of cached answers
are a few thousand flat objects the garbage collector need not walk.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from eligate.eligibility._ports import CachedAnswer
from eligate.normalizer import EligibilityResult

FORMAT = 1
"""Bumped when the stored JSON changes shape; other versions read as a miss."""


class _Stored(BaseModel):
    """The JSON document kept under a cache key."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    v: int
    """Format version (``FORMAT``)."""
    answered_at: datetime
    """When the payer produced the answer."""
    results: tuple[EligibilityResult, ...]
    """The full normalized, gated results."""


def encode_answer(answer: CachedAnswer) -> bytes:
    """``answer`` as the compact JSON document both caches store."""
    document = _Stored(v=FORMAT, answered_at=answer.answered_at, results=answer.results)
    return document.model_dump_json().encode()


def decode_answer(raw: bytes | str) -> CachedAnswer | None:
    """The answer in ``raw``; ``None`` for another format version.

    Raises:
        pydantic.ValidationError: ``raw`` is not a stored answer at all.
    """
    stored = _Stored.model_validate_json(raw)
    if stored.v != FORMAT:
        return None
    return CachedAnswer(results=stored.results, answered_at=stored.answered_at)
