"""The gate: every result, from the rules or a model, gets a verdict before anyone sees it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from eligate.normalizer import EligibilityResult, Reason, Validation, Verdict, iter_normalize
from eligate.validators._grounding import SegmentIndex, check_benefit, check_patient
from eligate.validators._rules import check_benefit_fields, check_codes, check_result
from eligate.x12 import Segment, TransactionSet, tokenize

REVIEW_WARNINGS = frozenset({"se_count_mismatch", "missing_le", "missing_ls", "hl_parent_missing"})
"""Envelope warnings that may mean data is missing: a human should look."""


def index_segments(raw: bytes | str) -> dict[int, Segment]:
    """The raw input's segments by position, as provenance cites them."""
    return SegmentIndex((segment.index, segment) for segment in tokenize(raw).segments)


def normalize_and_gate(data: bytes | str) -> list[EligibilityResult]:
    """``gate(normalize(data), data)``, reading the input once.

    Raises:
        X12InputError: the input is empty, not X12, truncated, or holds no 271.
    """
    return list(iter_normalize_and_gate(data))


def iter_normalize_and_gate(data: bytes | str) -> Iterator[EligibilityResult]:
    """What :func:`normalize_and_gate` returns, one result at a time, as the input is read.

    The rules cite only segments of the transaction set a result comes from, so
    each set's results are judged against that set's segments (and its envelope):
    the same verdicts as against the whole input, without holding it.

    Raises:
        X12InputError: as :func:`normalize_and_gate`, when the reader gets there.
    """
    for part in iter_normalize(data):
        segments = _transaction_segments(part.transaction)
        for result in part.results:
            yield result.model_copy(update={"validation": validate_result(result, segments)})


def _transaction_segments(transaction: TransactionSet) -> SegmentIndex:
    index = SegmentIndex((segment.index, segment) for segment in transaction.body)
    for segment in (
        transaction.header,
        transaction.trailer,
        transaction.group_header,
        transaction.interchange_header,
    ):
        if segment is not None:
            index[segment.index] = segment
    return index


def validate_result(result: EligibilityResult, segments: Mapping[int, Segment]) -> Validation:
    """The verdict on one result against the segments of the raw 271 it came from."""
    reasons: list[Reason] = []
    for index, benefit in enumerate(result.benefits):
        reasons.extend(check_benefit(benefit, index, segments))
        reasons.extend(check_codes(benefit, index))
        reasons.extend(check_benefit_fields(benefit, index))
    reasons.extend(check_patient(result, segments))
    reasons.extend(check_result(result))
    for index, item in enumerate(result.unmapped):
        reasons.append(
            Reason(
                severity="review",
                code="unmapped",
                field=f"unmapped[{index}]",
                message=f"{item.reason}: {item.message}",
            )
        )
    for warning in result.envelope.warnings:
        reasons.append(
            Reason(
                severity="review" if warning.code in REVIEW_WARNINGS else "info",
                code=f"envelope_{warning.code}",
                field="envelope.warnings",
                message=warning.message,
            )
        )
    return Validation(verdict=verdict_of(reasons), reasons=reasons)


def verdict_of(reasons: Sequence[Reason]) -> Verdict:
    """``rejected`` on any reject reason, ``needs_review`` on any review reason."""
    severities = {reason.severity for reason in reasons}
    if "reject" in severities:
        return "rejected"
    if "review" in severities:
        return "needs_review"
    return "accepted"


def gate(results: Sequence[EligibilityResult], raw: bytes | str) -> list[EligibilityResult]:
    """Copies of ``results`` with their ``validation`` set against ``raw``."""
    segments = index_segments(raw)
    return [
        result.model_copy(update={"validation": validate_result(result, segments)})
        for result in results
    ]
