"""Onboarding: a payer's companion guide PDF in, a draft payer file and its tests out.

Rules first, model second: deterministic extractors read what has a shape; an
optional model (through :mod:`eligate.llm`) proposes only what the rules left;
the gate (grounding, schema and domain checks) decides every field. Imports only
:mod:`eligate.payers`, :mod:`eligate.llm` and :mod:`eligate.x12` (and prompts).
"""

from eligate.onboarding._cases import example_member_id, generate_cases, write_cases
from eligate.onboarding._changes import Change, changes
from eligate.onboarding._checks import FieldReview, Verdict, domain, grounding, review
from eligate.onboarding._document import GuideDocument, GuideTable, Passage, TableRow, read_guide
from eligate.onboarding._draft import Draft, build_draft
from eligate.onboarding._evaluate import GuideTruth, evaluate, load_truths, render, scripted_model
from eligate.onboarding._findings import FIELDS, REVIEW_ONLY, Citation, Finding
from eligate.onboarding._model import GuideProposal, GuideProposals, ModelRun, propose
from eligate.onboarding._onboard import Onboarding, onboard, onboard_document, write_outputs
from eligate.onboarding._rules import EXTRACTORS, extract
from eligate.onboarding.errors import GuideReadError, OnboardingError, OnboardingUsageError

__all__ = [
    "EXTRACTORS",
    "FIELDS",
    "REVIEW_ONLY",
    "Change",
    "Citation",
    "Draft",
    "FieldReview",
    "Finding",
    "GuideDocument",
    "GuideProposal",
    "GuideProposals",
    "GuideReadError",
    "GuideTable",
    "GuideTruth",
    "ModelRun",
    "Onboarding",
    "OnboardingError",
    "OnboardingUsageError",
    "Passage",
    "TableRow",
    "Verdict",
    "build_draft",
    "changes",
    "domain",
    "evaluate",
    "example_member_id",
    "extract",
    "generate_cases",
    "grounding",
    "load_truths",
    "onboard",
    "onboard_document",
    "propose",
    "read_guide",
    "render",
    "review",
    "scripted_model",
    "write_cases",
    "write_outputs",
]
