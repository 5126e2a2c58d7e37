"""The evaluation harness: gold cases, evaluators and a runner, apart from the unit tests."""

from eligate.evals._cases import BenefitFact, ExpectedResult, GoldCase, load_gold
from eligate.evals._evaluators import (
    EVALUATORS,
    Cost,
    FieldScores,
    Gate,
    Metric,
    Outcome,
    benefit_fact,
    compare,
)
from eligate.evals._runner import (
    DEFAULT_CORPUS,
    PROJECT_ROOT,
    Report,
    gated,
    render,
    render_cases,
    resolve_input,
    rules_proposer,
    run,
)

__all__ = [
    "DEFAULT_CORPUS",
    "EVALUATORS",
    "PROJECT_ROOT",
    "BenefitFact",
    "Cost",
    "ExpectedResult",
    "FieldScores",
    "Gate",
    "GoldCase",
    "Metric",
    "Outcome",
    "Report",
    "benefit_fact",
    "compare",
    "gated",
    "load_gold",
    "render",
    "render_cases",
    "resolve_input",
    "rules_proposer",
    "run",
]
