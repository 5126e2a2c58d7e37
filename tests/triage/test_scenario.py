"""The scenario generator: seeded, realistic mixes, and labels that History reads back."""

from __future__ import annotations

from collections import Counter

from eligate.triage import KINDS, Night, generate_nights, night_labels, night_run, parse_record
from eligate.x12 import read_enrollment


def test_same_seed_same_nights() -> None:
    """A seed gives the same records, 834 and truth; another seed gives others."""
    first = generate_nights(seed=3, nights=1, scale=0.1)[0]
    again = generate_nights(seed=3, nights=1, scale=0.1)[0]
    other = generate_nights(seed=4, nights=1, scale=0.1)[0]
    assert first.outcomes == again.outcomes
    assert first.enrollment == again.enrollment
    assert first.truth == again.truth
    assert first.outcomes != other.outcomes


def test_every_kind_appears_and_the_834_reads(nights: list[Night]) -> None:
    """Over a few nights every kind is generated; each 834 is a readable enrollment."""
    kinds = Counter(t.kind for night in nights for t in night.truth.values())
    more = generate_nights(seed=23, nights=4, scale=0.25)
    kinds.update(t.kind for night in more for t in night.truth.values())
    assert set(kinds) == set(KINDS)
    for night in nights:
        (transaction,) = read_enrollment(night.enrollment)
        assert transaction.members


def test_rechecks_label_what_the_truth_says(nights: list[Night]) -> None:
    """History.label on each exception agrees with the generator's truth."""
    night = nights[1]
    labels = night_labels(night)
    run, _ = night_run(night)
    for outcome in run.outcomes:
        truth = night.truth.get(outcome.record.item_id)
        if truth is None:
            continue
        label = labels.label(outcome.record)
        assert label is not None
        assert label.still_problem == truth.still_problem
        if truth.hours_to_resolution is not None:
            assert label.hours_to_resolution is not None
            assert abs(label.hours_to_resolution - truth.hours_to_resolution) < 1e-3


def test_records_match_the_export_contract(nights: list[Night]) -> None:
    """Every generated record is a valid outcome record with the export's columns."""
    columns = {"appointment_id", "appointment_at", "payer_id", "member_id", "item_id",
               "batch_id", "state", "status", "reason", "origin", "attempts", "checked_at",
               "x12_271"}  # fmt: skip
    for number, data in enumerate(nights[0].outcomes, start=1):
        assert columns <= set(data)
        parse_record(data, line=number)
