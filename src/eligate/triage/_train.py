"""Learning the order from history: labelled examples, fitting, saving without pickle, the card.

Each exception of an earlier run is an example; its label is what a later
check of the same appointment showed (:meth:`History.label`). Kinds a recheck
cannot settle (authorization, coordination of benefits, a result to review)
are labelled "needs a person" whatever the recheck says. Models are saved with
skops (no pickle); loading refuses any type outside scikit-learn, numpy and
this package.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio

from eligate.triage._enrollment import EnrollmentIndex
from eligate.triage._estimators import ResolutionTimeRegressor, StillProblemClassifier
from eligate.triage._evaluate import Expected, NightCase
from eligate.triage._features import FEATURES, feature_frame
from eligate.triage._history import History, Label
from eligate.triage._kinds import SELF_RESOLVING, Kind
from eligate.triage._rank import Candidate, TriageModels, find_exceptions, rank
from eligate.triage._records import Outcome, outcome_of, parse_record
from eligate.triage._scenario import Night
from eligate.triage.errors import HistoryError, ModelFileError
from eligate.x12 import read_enrollment

_NEVER_CLEARED_BY_RECHECK: frozenset[Kind] = frozenset(
    {"prior_auth_required", "other_payer_primary", "needs_review"}
)
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "eligate.triage.", "builtins.", "scipy.")
MIN_EXAMPLES = 30
"""Fewer labelled exceptions than this cannot fit a calibrated classifier."""


@dataclass(frozen=True, slots=True)
class Run:
    """One earlier run as training sees it: its outcomes, the 834s then, and its 6 AM time."""

    outcomes: Sequence[Outcome]
    enrollment: EnrollmentIndex
    as_of: datetime


@dataclass(frozen=True, slots=True)
class Examples:
    """Labelled exceptions: features, labels, hours to resolution, kinds."""

    features: pd.DataFrame
    still_problem: np.ndarray[Any, np.dtype[np.int64]]
    hours: np.ndarray[Any, np.dtype[np.float64]]
    """Hours to self-resolution (NaN where it did not clear)."""
    kinds: list[Kind]


def effective_label(kind: Kind, label: Label) -> Label:
    """The label a kind may learn: a verified recheck does not settle auth, COB or a review."""
    if kind in _NEVER_CLEARED_BY_RECHECK:
        return Label(still_problem=True, hours_to_resolution=None)
    return label


def examples(runs: Sequence[Run], labels: History, history: History | None = None) -> Examples:
    """The labelled exceptions of ``runs``; exceptions no later check speaks about are left out."""
    rows: list[dict[str, float]] = []
    still: list[int] = []
    hours: list[float] = []
    kinds: list[Kind] = []
    for run in runs:
        candidates = find_exceptions(
            run.outcomes, enrollment=run.enrollment, history=history or History(), as_of=run.as_of
        )
        for candidate in candidates:
            label = labels.label(candidate.outcome.record)
            if label is None:
                continue
            label = effective_label(candidate.finding.kind, label)
            rows.append(candidate.features)
            still.append(int(label.still_problem))
            hours.append(np.nan if label.hours_to_resolution is None else label.hours_to_resolution)
            kinds.append(candidate.finding.kind)
    return Examples(
        features=feature_frame(rows),
        still_problem=np.asarray(still, dtype=np.int64),
        hours=np.asarray(hours, dtype=np.float64),
        kinds=kinds,
    )


def fit_models(
    data: Examples,
    *,
    trained_at: datetime,
    source: str,
    n_estimators: int = 100,
    random_state: int = 0,
) -> TriageModels:
    """Fit the classifier on every example and the time model on those that cleared.

    Raises:
        HistoryError: fewer than :data:`MIN_EXAMPLES` examples, or only one label.
    """
    count = len(data.still_problem)
    if count < MIN_EXAMPLES or len(set(data.still_problem.tolist())) < 2:
        raise HistoryError(
            f"{count} labelled exceptions with {len(set(data.still_problem.tolist()))} "
            f"distinct label(s); need at least {MIN_EXAMPLES} and both labels"
        )
    classifier = StillProblemClassifier(n_estimators=n_estimators, random_state=random_state).fit(
        data.features, data.still_problem
    )
    cleared = ~np.isnan(data.hours) & np.array([k in SELF_RESOLVING for k in data.kinds])
    regressor: ResolutionTimeRegressor | None = None
    if int(cleared.sum()) >= MIN_EXAMPLES // 3:
        regressor = ResolutionTimeRegressor(
            n_estimators=n_estimators, random_state=random_state
        ).fit(data.features[cleared], data.hours[cleared])
    by_kind = Counter(data.kinds)
    card: dict[str, object] = {
        "trained_at": trained_at.isoformat(),
        "data": {
            "source": source,
            "examples": count,
            "still_a_problem": int(data.still_problem.sum()),
            "cleared_by_themselves": int(cleared.sum()),
            "by_kind": dict(sorted(by_kind.items())),
            "cleared_by_kind": dict(
                sorted(Counter(k for k, c in zip(data.kinds, cleared, strict=True) if c).items())
            ),
        },
        "models": {
            "classifier": repr(classifier),
            "regressor": repr(regressor) if regressor is not None else None,
        },
        "features": list(FEATURES),
        "metrics": {},
    }
    return TriageModels(classifier, regressor, FEATURES, card)


def with_metrics(models: TriageModels, metrics: dict[str, object]) -> TriageModels:
    """The same models with measured figures in the card."""
    return TriageModels(
        models.classifier, models.regressor, models.features, models.card | {"metrics": metrics}
    )


def dump_models(models: TriageModels) -> bytes:
    """The models as one zip: ``models.skops`` (skops, no pickle) and ``card.json``."""
    payload = sio.dumps(
        {
            "classifier": models.classifier,
            "regressor": models.regressor,
            "features": list(models.features),
        }
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("models.skops", payload)
        archive.writestr("card.json", json.dumps(models.card, indent=2, default=str))
    return buffer.getvalue()


def load_models(data: bytes) -> TriageModels:
    """Read what :func:`dump_models` wrote, trusting only scikit-learn, numpy and triage types.

    Raises:
        ModelFileError: the bytes are not a model bundle, hold an untrusted type,
            or were fitted on other features.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            payload = archive.read("models.skops")
            card = json.loads(archive.read("card.json"))
        untrusted = sio.get_untrusted_types(data=payload)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise ModelFileError(f"not a triage model bundle: {error}") from None
    refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
    if refused:
        raise ModelFileError(f"untrusted types in the model file: {', '.join(refused[:3])}")
    loaded = sio.loads(payload, trusted=untrusted)
    features = tuple(loaded["features"])
    if features != FEATURES:
        raise ModelFileError("the models were fitted on other features; retrain them")
    classifier = loaded["classifier"]
    regressor = loaded["regressor"]
    if not isinstance(classifier, StillProblemClassifier) or not (
        regressor is None or isinstance(regressor, ResolutionTimeRegressor)
    ):
        raise ModelFileError("the model file holds other estimators than triage's")
    return TriageModels(classifier, regressor, features, card)


def model_card(models: TriageModels) -> str:
    """The model card as Markdown: what the models are, the data, the metrics, the date."""
    card = models.card
    data = card.get("data", {})
    metrics = card.get("metrics", {})
    described = card.get("models")
    names = described if isinstance(described, dict) else {}
    lines = [
        "# eligate triage models",
        "",
        f"Trained: {card.get('trained_at')}",
        "",
        "## Models",
        "",
        "- Still a problem at appointment time (calibrated probability that a person must "
        f"act): `{names.get('classifier')}`",
        f"- Hours to self-resolution (0.8 quantile, sets `recheck_at`): `{names.get('regressor')}`",
        "",
        "Kinds come from rules; the models only order the list and set recheck times. "
        "They never change a coverage status.",
        "",
        "## Data",
        "",
        "```json",
        json.dumps(data, indent=2),
        "```",
        "",
        "## Metrics",
        "",
        "```json",
        json.dumps(metrics, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def candidates_with_labels(
    run: Run, labels: History, history: History | None = None
) -> list[tuple[Candidate, Label | None]]:
    """The exceptions of one run with the label each later check gives (``None`` if none)."""
    found = find_exceptions(
        run.outcomes, enrollment=run.enrollment, history=history or History(), as_of=run.as_of
    )
    pairs: list[tuple[Candidate, Label | None]] = []
    for candidate in found:
        label = labels.label(candidate.outcome.record)
        pairs.append((candidate, effective_label(candidate.finding.kind, label) if label else None))
    return pairs


def night_run(night: Night) -> tuple[Run, History]:
    """A generated night as training and evaluation read it: the run, and its earlier checks."""
    outcomes = [outcome_of(parse_record(r, line=n)) for n, r in enumerate(night.outcomes, 1)]
    index = EnrollmentIndex(read_enrollment(night.enrollment))
    earlier = History([parse_record(r, line=n) for n, r in enumerate(night.history, 1)])
    return Run(outcomes, index, night.as_of), earlier


def night_labels(night: Night) -> History:
    """The night's outcomes and rechecks: what :meth:`History.label` reads labels from."""
    records = [*night.outcomes, *night.rechecks]
    return History([parse_record(r, line=n) for n, r in enumerate(records, 1)])


def fit_on_nights(
    nights: Sequence[Night],
    *,
    trained_at: datetime,
    source: str,
    n_estimators: int = 100,
    random_state: int = 0,
) -> TriageModels:
    """Fit the models on generated nights, labelled by their rechecks.

    Raises:
        HistoryError: the nights hold too few labelled exceptions.
    """
    runs: list[Run] = []
    merged: list[Examples] = []
    for night in nights:
        run, earlier = night_run(night)
        runs.append(run)
        merged.append(examples([run], night_labels(night), earlier))
    return fit_models(
        concat_examples(merged),
        trained_at=trained_at,
        source=source,
        n_estimators=n_estimators,
        random_state=random_state,
    )


def night_case(night: Night, models: TriageModels | None) -> NightCase:
    """One generated night ranked with ``models`` and by the rules alone, beside its truth."""
    run, earlier = night_run(night)
    arguments: dict[str, Any] = {
        "as_of": run.as_of,
        "enrollment": run.enrollment,
        "history": earlier,
    }
    by_id = {o.record.item_id: o.record for o in run.outcomes}
    expected: dict[str, Expected] = {}
    for item_id, truth in night.truth.items():
        checked = by_id[item_id].checked_at
        cleared = (
            checked + timedelta(hours=truth.hours_to_resolution)
            if checked is not None and truth.hours_to_resolution is not None
            else None
        )
        expected[item_id] = Expected(truth.kind, truth.still_problem, cleared)
    return NightCase(
        learned=rank(run.outcomes, models=models, **arguments),
        rules=rank(run.outcomes, models=None, **arguments),
        expected=expected,
    )


def concat_examples(parts: Sequence[Examples]) -> Examples:
    """One set of examples from several (runs labelled apart)."""
    return Examples(
        features=pd.concat([p.features for p in parts], ignore_index=True),
        still_problem=np.concatenate([p.still_problem for p in parts]),
        hours=np.concatenate([p.hours for p in parts]),
        kinds=[k for p in parts for k in p.kinds],
    )
