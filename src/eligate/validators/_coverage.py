"""The answer a front desk acts on: covered, not covered, or could not verify.

"The payer answered" is not "the patient is covered": an unknown member (AAA 75)
and a lapsed plan are both answers. Only a result the gate accepted can say
covered or not covered; anything else could not be verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from eligate.normalizer import EligibilityResult

Coverage = Literal["covered", "not_covered", "could_not_verify"]
"""``covered``: an accepted result with active coverage (``partial_coverage`` says
whether only some service types are); ``not_covered``: every result accepted and
inactive; ``could_not_verify``: no answer, a payer error (member not found...), an
undetermined status, or a result the gate did not accept."""


def coverage_answer(results: Sequence[EligibilityResult]) -> Coverage:
    """What ``results`` (the gated answer for one inquiry) say about coverage."""
    if not results:
        return "could_not_verify"
    for result in results:
        if result.validation is None or result.validation.verdict != "accepted":
            return "could_not_verify"
    statuses = {result.coverage_status for result in results}
    if statuses <= {"active", "inactive"}:
        return "covered" if "active" in statuses else "not_covered"
    return "could_not_verify"
