"""The canonical eligibility result, the rules that map a raw 271 onto it, and proposers.

The rules (:func:`normalize`) do no I/O. A :class:`Proposer` may then propose
benefits for what they left unmapped: :class:`RulesProposer` (nothing more) or
:class:`LLMProposer` (any model behind :class:`eligate.llm.ModelClient`).
:mod:`eligate.validators` judges every proposal.
"""

from eligate.normalizer._llm import LLMProposer
from eligate.normalizer._llm_summary import LLMSummaryWriter, SummaryWriter
from eligate.normalizer._models import (
    Accumulator,
    Address,
    Benefit,
    Contact,
    ContactNumber,
    CoverageStatus,
    DateValue,
    EligibilityResult,
    Entity,
    Envelope,
    EnvelopeWarning,
    IndustryCode,
    ProcedureCode,
    ProposalRun,
    Provenance,
    Reason,
    Reference,
    RequestError,
    ServiceDelivery,
    Source,
    Summary,
    Trace,
    UnknownCode,
    Unmapped,
    Validation,
    Verdict,
)
from eligate.normalizer._normalize import normalize
from eligate.normalizer._plain import FrontDeskSummary, template_summary
from eligate.normalizer._proposer import (
    PROPOSABLE_REASONS,
    Proposal,
    ProposalBatch,
    ProposalItem,
    Proposer,
    RulesProposer,
    proposal_items,
)
from eligate.normalizer._status import ACTION_BY_REASON, FALLBACK_ACTION, coverage_status
from eligate.normalizer.errors import NormalizerError, ProposerError

__all__ = [
    "ACTION_BY_REASON",
    "FALLBACK_ACTION",
    "PROPOSABLE_REASONS",
    "Accumulator",
    "Address",
    "Benefit",
    "Contact",
    "ContactNumber",
    "CoverageStatus",
    "DateValue",
    "EligibilityResult",
    "Entity",
    "Envelope",
    "EnvelopeWarning",
    "FrontDeskSummary",
    "IndustryCode",
    "LLMProposer",
    "LLMSummaryWriter",
    "NormalizerError",
    "ProcedureCode",
    "Proposal",
    "ProposalBatch",
    "ProposalItem",
    "ProposalRun",
    "Proposer",
    "ProposerError",
    "Provenance",
    "Reason",
    "Reference",
    "RequestError",
    "RulesProposer",
    "ServiceDelivery",
    "Source",
    "Summary",
    "SummaryWriter",
    "Trace",
    "UnknownCode",
    "Unmapped",
    "Validation",
    "Verdict",
    "coverage_status",
    "normalize",
    "proposal_items",
    "template_summary",
]
