"""How a cached answer is kept: compact JSON bytes, the same in process and in Redis.

Both caches store bytes rather than model trees, so thousands of cached answers
are a few thousand flat objects the garbage collector need not walk. The stored
document is the results and front-desk summaries exactly as the API writes them,
behind a small header that gives their lengths, so a hit is served by slicing
the bytes, without decoding a model:

``{"v":3,"answered_at":"...","coverage":"covered","results_length":N,"results":[...],"summaries":[...]}``
"""

from __future__ import annotations

import json
from datetime import datetime

from eligate.eligibility._ports import CachedAnswer

FORMAT = 3
"""Bumped when the stored JSON changes shape; other versions read as a miss."""

_RESULTS = b',"results":'
_SUMMARIES = b',"summaries":'


def encode_answer(answer: CachedAnswer) -> bytes:
    """``answer`` as the compact JSON document both caches store."""
    results = answer.results_json
    head = json.dumps(
        {
            "v": FORMAT,
            "answered_at": answer.answered_at.isoformat(),
            "coverage": answer.coverage,
            "results_length": len(results),
        },
        separators=(",", ":"),
    ).encode()
    return b"".join((head[:-1], _RESULTS, results, _SUMMARIES, answer.summaries_json, b"}"))


def decode_answer(raw: bytes | str) -> CachedAnswer | None:
    """The answer in ``raw`` (its results still JSON); ``None`` for another format version.

    Raises:
        ValueError: ``raw`` is not a stored answer at all.
    """
    body = raw.encode() if isinstance(raw, str) else raw
    cut = body.find(_RESULTS)
    header: object = None
    if cut >= 0:
        try:
            header = json.loads(body[:cut] + b"}")
        except ValueError:
            header = None
    if not isinstance(header, dict) or header.get("v") != FORMAT:
        older = json.loads(body)  # an answer of an older format, or not an answer at all
        if (
            isinstance(older, dict)
            and older.get("v") != FORMAT
            and isinstance(older.get("results"), list)
        ):
            return None
        raise ValueError("not a stored answer")
    start = cut + len(_RESULTS)
    end = start + int(header["results_length"])
    summaries = body[end + len(_SUMMARIES) : -1]
    if (
        body[end : end + len(_SUMMARIES)] != _SUMMARIES
        or not body.endswith(b"]}")
        or body[start : start + 1] != b"["
        or body[end - 1 : end] != b"]"
        or summaries[:1] != b"["
    ):
        raise ValueError("not a stored answer: the parts do not fit their lengths")
    return CachedAnswer(
        answered_at=datetime.fromisoformat(header["answered_at"]),
        results_json=body[start:end],
        summaries_json=summaries,
        coverage=header.get("coverage"),
    )
