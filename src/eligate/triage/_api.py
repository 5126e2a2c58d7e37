"""One call for callers above triage (the CLI, the service's exceptions route, the metrics).

They hold plain records (an export's lines, or a store's rows shaped like them)
and the 834 bytes; these functions do the rest and return contract models.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from eligate.triage._drift import DriftAlert, daily_counts, drift_alerts
from eligate.triage._enrollment import EnrollmentIndex
from eligate.triage._history import History
from eligate.triage._output import COLUMNS, TriageItem
from eligate.triage._rank import TriageModels, rank
from eligate.triage._records import outcome_of, parse_record
from eligate.x12 import read_enrollment


def triage_records(
    records: Iterable[Mapping[str, Any]],
    *,
    as_of: datetime,
    enrollment: Sequence[bytes | str] = (),
    history: Iterable[Mapping[str, Any]] = (),
    models: TriageModels | None = None,
) -> list[TriageItem]:
    """The ranked exceptions of a run's records (verified ones do not appear).

    Raises:
        OutcomeLineError: a record misses a column or has one of the wrong type
            (numbered from 1 in the order given).
        X12InputError: an enrollment file is not a usable 834.
    """
    outcomes = [outcome_of(parse_record(r, line=n)) for n, r in enumerate(records, start=1)]
    index = EnrollmentIndex([t for data in enrollment for t in read_enrollment(data)])
    earlier = History([parse_record(r, line=n) for n, r in enumerate(history, start=1)])
    return rank(outcomes, as_of=as_of, enrollment=index, history=earlier, models=models)


def drift_for_records(records: Iterable[Mapping[str, Any]]) -> list[DriftAlert]:
    """Drift alerts for the last day of a payer history given as outcome records."""
    outcomes = [outcome_of(parse_record(r, line=n)) for n, r in enumerate(records, start=1)]
    return drift_alerts(daily_counts(outcomes))


def csv_rows(items: Sequence[TriageItem]) -> list[dict[str, str]]:
    """The items as CSV rows: the contract's columns, evidence as a JSON array in one cell."""
    rows: list[dict[str, str]] = []
    for item in items:
        data = item.model_dump(mode="json")
        row = {
            column: json.dumps(data[column]) if column == "evidence" else _cell(data[column])
            for column in COLUMNS
        }
        rows.append(row)
    return rows


def _cell(value: object) -> str:
    return "" if value is None else str(value)
