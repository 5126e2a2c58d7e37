"""Triage of batch exceptions: kinds by rules, a learned order, recheck times, payer drift.

Pure (pandas and scikit-learn, no I/O). Reads plain outcome records through its
own model (:class:`OutcomeRecord`, the columns the batch export promises) and
the employer's 834s; never imports the batch or the core. Rules decide the kind
and the action from evidence; the estimators only order the list and set
recheck times; nothing here changes a coverage status.
"""

from eligate.triage._api import csv_rows, drift_for_records, triage_records
from eligate.triage._drift import (
    METRICS,
    DriftAlert,
    DriftPoint,
    DriftTrial,
    Metric,
    daily_counts,
    drift_alerts,
    evaluate_drift,
    simulate_series,
    watch,
    zscore_flags,
)
from eligate.triage._enrollment import EnrollmentFact, EnrollmentIndex
from eligate.triage._estimators import ResolutionTimeRegressor, StillProblemClassifier
from eligate.triage._evaluate import Expected, NightCase, Report, evaluate, render_report
from eligate.triage._features import FEATURES
from eligate.triage._history import History, Label
from eligate.triage._kinds import (
    KINDS,
    SELF_RESOLVING,
    Action,
    Context,
    Evidence,
    Finding,
    Kind,
    classify,
)
from eligate.triage._output import (
    COLUMNS,
    Priority,
    TriageItem,
    explain,
    explanation_problems,
    reworded,
)
from eligate.triage._rank import (
    RULE_SCORES,
    Candidate,
    TriageModels,
    find_exceptions,
    priority,
    rank,
)
from eligate.triage._records import (
    ItemState,
    Outcome,
    OutcomeRecord,
    outcome_of,
    parse_record,
    read_outcomes,
)
from eligate.triage._scenario import PAYERS, Night, PayerProfile, Truth, generate_nights
from eligate.triage._train import (
    Examples,
    Run,
    concat_examples,
    dump_models,
    effective_label,
    examples,
    fit_models,
    fit_on_nights,
    load_models,
    model_card,
    night_case,
    night_labels,
    night_run,
    with_metrics,
)
from eligate.triage.errors import (
    HistoryError,
    ModelFileError,
    OutcomeLineError,
    TriageError,
    TriageInputError,
)

__all__ = [
    "COLUMNS",
    "FEATURES",
    "KINDS",
    "METRICS",
    "PAYERS",
    "RULE_SCORES",
    "SELF_RESOLVING",
    "Action",
    "Candidate",
    "Context",
    "DriftAlert",
    "DriftPoint",
    "DriftTrial",
    "EnrollmentFact",
    "EnrollmentIndex",
    "Evidence",
    "Examples",
    "Expected",
    "Finding",
    "History",
    "HistoryError",
    "ItemState",
    "Kind",
    "Label",
    "Metric",
    "ModelFileError",
    "Night",
    "NightCase",
    "Outcome",
    "OutcomeLineError",
    "OutcomeRecord",
    "PayerProfile",
    "Priority",
    "Report",
    "ResolutionTimeRegressor",
    "Run",
    "StillProblemClassifier",
    "TriageError",
    "TriageInputError",
    "TriageItem",
    "TriageModels",
    "Truth",
    "classify",
    "concat_examples",
    "csv_rows",
    "daily_counts",
    "drift_alerts",
    "drift_for_records",
    "dump_models",
    "effective_label",
    "evaluate",
    "evaluate_drift",
    "examples",
    "explain",
    "explanation_problems",
    "find_exceptions",
    "fit_models",
    "fit_on_nights",
    "generate_nights",
    "load_models",
    "model_card",
    "night_case",
    "night_labels",
    "night_run",
    "outcome_of",
    "parse_record",
    "priority",
    "rank",
    "read_outcomes",
    "render_report",
    "reworded",
    "simulate_series",
    "triage_records",
    "watch",
    "with_metrics",
    "zscore_flags",
]
