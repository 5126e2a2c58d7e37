"""The public surface of each package is pinned: changing it is a deliberate act."""

from __future__ import annotations

import eligate.normalizer
import eligate.x12


def test_x12_exports() -> None:
    """x12's ``__all__`` is sorted and every name resolves."""
    names = eligate.x12.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in names:
        assert getattr(eligate.x12, name) is not None
    assert {"tokenize", "read_document", "read_271", "code_set", "Segment"} <= set(names)


def test_normalizer_exports() -> None:
    """Normalizer's ``__all__`` names the canonical models and ``normalize``."""
    names = set(eligate.normalizer.__all__)
    assert {"EligibilityResult", "Benefit", "normalize", "Provenance", "Summary"} <= names
    for name in names:
        assert getattr(eligate.normalizer, name) is not None


def test_eligibility_exports() -> None:
    """Eligibility's ``__all__`` is sorted, resolves, and names the seams, core and adapters."""
    import eligate.eligibility

    names = eligate.eligibility.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in names:
        assert getattr(eligate.eligibility, name) is not None
    assert {
        "ResultCache",
        "AuditStore",
        "MemoryCache",
        "RedisCache",
        "SqlAuditStore",
        "KeyRing",
        "AuditKey",
        "AuditVerifyReport",
        "StoredTransaction",
        "upgrade",
        "DecryptionError",
        "StoreUnavailableError",
        "Core",
        "EligibilityCore",
        "PayerRegistry",
        "load_registry",
        "start_simulator",
        "simulator_registry",
        "Behavior",
        "UnknownPayerError",
    } <= set(names)


def test_service_exports() -> None:
    """Service's ``__all__`` is sorted, resolves lazily, and names the composition root."""
    import eligate.service

    names = eligate.service.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in names:
        assert getattr(eligate.service, name) is not None
    assert {
        "ApiKey",
        "CoreFactory",
        "IdempotencyStore",
        "InMemoryIdempotencyStore",
        "RedisIdempotencyStore",
        "Settings",
        "build_core",
        "create_app",
        "load_settings",
    } <= set(names)


def test_proposer_surface() -> None:
    """The proposer seam, the LLM proposer and the composition with the gate are public."""
    import eligate.evals
    import eligate.prompts
    import eligate.validators

    names = set(eligate.normalizer.__all__)
    assert {
        "Proposer", "RulesProposer", "LLMProposer", "LLMConfig", "LLMConfigError",
        "ModelUnavailableError", "ProposalRun", "ProposalBatch", "Proposal", "ProposalItem",
        "PROPOSABLE_REASONS", "proposal_items", "FrontDeskSummary", "LLMSummaryWriter",
        "SummaryWriter", "template_summary",
    } <= names  # fmt: skip
    assert {
        "propose_and_gate", "propose_and_gate_async", "apply_proposals", "front_desk_summary",
        "summary_problems",
    } <= set(eligate.validators.__all__)  # fmt: skip
    assert {"gated", "render_cases"} <= set(eligate.evals.__all__)
    assert eligate.prompts.__all__ == ["Prompt", "load_prompt"]
    for module in (eligate.normalizer, eligate.validators, eligate.evals, eligate.prompts):
        exported = module.__all__
        assert exported == sorted(exported, key=lambda n: (not n.isupper(), n[0].islower(), n))
        for name in exported:
            assert getattr(module, name) is not None


def test_triage_exports() -> None:
    """Triage's ``__all__`` is sorted, resolves, and names the contract, models and drift."""
    import eligate.triage

    names = eligate.triage.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n[0].islower(), n))
    for name in names:
        assert getattr(eligate.triage, name) is not None
    assert {
        "TriageItem", "Evidence", "Kind", "Action", "OutcomeRecord", "rank", "triage_records",
        "StillProblemClassifier", "ResolutionTimeRegressor", "dump_models", "load_models",
        "generate_nights", "DriftAlert", "drift_alerts", "evaluate",
    } <= set(names)  # fmt: skip
    assert {"Member834", "Transaction834", "read_834", "read_enrollment"} <= set(
        eligate.x12.__all__
    )
