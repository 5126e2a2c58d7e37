"""The gate: deterministic validators that accept, flag or reject every proposed result.

Pure: no HTTP, database or model client. Checks JSON Schema, code sets,
grounding in the raw 271, and cross-field rules; envelope warnings are carried
into the verdict. :func:`propose_and_gate` composes the rules, a proposer passed
in (which may call a model) and the gate; :func:`front_desk_summary` checks a
model's wording of a result against the result.
"""

from eligate.validators._coverage import Coverage, coverage_answer
from eligate.validators._gate import (
    gate,
    index_segments,
    iter_normalize_and_gate,
    normalize_and_gate,
    validate_result,
    verdict_of,
)
from eligate.validators._plain import front_desk_summary, summary_problems
from eligate.validators._propose import (
    apply_proposals,
    propose_and_gate,
    propose_and_gate_async,
)
from eligate.validators._rules import expected_status
from eligate.validators._schema import SCHEMA_FILE, export_schema, schema_reasons

__all__ = [
    "SCHEMA_FILE",
    "Coverage",
    "apply_proposals",
    "coverage_answer",
    "expected_status",
    "export_schema",
    "front_desk_summary",
    "gate",
    "index_segments",
    "iter_normalize_and_gate",
    "normalize_and_gate",
    "propose_and_gate",
    "propose_and_gate_async",
    "schema_reasons",
    "summary_problems",
    "validate_result",
    "verdict_of",
]
