"""Onboarding: a payer's companion guide PDF in, a draft payer file and its tests out.

Rules first, model second: deterministic extractors read what has a shape; an
optional model (through :mod:`eligate.llm`) proposes only what the rules left;
the gate (grounding, schema and domain checks) decides every field. Imports only
:mod:`eligate.payers`, :mod:`eligate.llm` and :mod:`eligate.x12`.
"""

from eligate.onboarding._checks import FieldReview, Verdict, domain, grounding, review
from eligate.onboarding._document import GuideDocument, GuideTable, Passage, TableRow, read_guide
from eligate.onboarding._findings import FIELDS, REVIEW_ONLY, Citation, Finding
from eligate.onboarding._rules import EXTRACTORS, extract
from eligate.onboarding.errors import GuideReadError, OnboardingError, OnboardingUsageError

__all__ = [
    "EXTRACTORS",
    "FIELDS",
    "REVIEW_ONLY",
    "Citation",
    "FieldReview",
    "Finding",
    "GuideDocument",
    "GuideReadError",
    "GuideTable",
    "OnboardingError",
    "OnboardingUsageError",
    "Passage",
    "TableRow",
    "Verdict",
    "domain",
    "extract",
    "grounding",
    "read_guide",
    "review",
]
