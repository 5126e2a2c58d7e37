"""Learning from history: labels from rechecks, fitting, skops bundles, the model card."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from fractions import Fraction

import numpy as np
import pytest
import skops.io as sio

from eligate.triage import (
    FEATURES,
    History,
    HistoryError,
    ModelFileError,
    Night,
    TriageModels,
    dump_models,
    evaluate,
    examples,
    fit_models,
    load_models,
    model_card,
    night_case,
    night_labels,
    night_run,
    with_metrics,
)


def test_labels_come_from_rechecks(nights: list[Night]) -> None:
    """Each exception's label is what its recheck showed, as the generator recorded it."""
    night = nights[0]
    run, earlier = night_run(night)
    data = examples([run], night_labels(night), earlier)
    assert len(data.still_problem) == len(night.truth)
    truth_still = sum(t.still_problem for t in night.truth.values())
    assert int(data.still_problem.sum()) == truth_still
    cleared = ~np.isnan(data.hours)
    assert int(cleared.sum()) == sum(
        t.hours_to_resolution is not None for t in night.truth.values()
    )


def test_bundle_round_trip(models: TriageModels, nights: list[Night]) -> None:
    """A dumped bundle loads back (no pickle) and predicts exactly the same."""
    loaded = load_models(dump_models(models))
    run, earlier = night_run(nights[3])
    data = examples([run], night_labels(nights[3]), earlier)
    np.testing.assert_array_equal(
        loaded.classifier.predict_proba(data.features),
        models.classifier.predict_proba(data.features),
    )
    assert loaded.regressor is not None
    assert models.regressor is not None
    np.testing.assert_array_equal(
        loaded.regressor.predict(data.features), models.regressor.predict(data.features)
    )
    assert loaded.features == FEATURES
    assert loaded.card["trained_at"] == "2026-11-30T12:00:00+00:00"


def test_untrusted_and_foreign_bundles_are_refused(models: TriageModels) -> None:
    """Not a zip, a type outside the allow-list, other features: ModelFileError, code bad_model."""
    with pytest.raises(ModelFileError) as not_zip:
        load_models(b"not a bundle")
    assert not_zip.value.code == "bad_model"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("models.skops", sio.dumps({"x": Fraction(1, 3)}))
        archive.writestr("card.json", "{}")
    with pytest.raises(ModelFileError, match="untrusted"):
        load_models(buffer.getvalue())
    other = io.BytesIO()
    payload = sio.dumps({"classifier": models.classifier, "regressor": None, "features": ["a"]})
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("models.skops", payload)
        archive.writestr("card.json", "{}")
    with pytest.raises(ModelFileError, match="other features"):
        load_models(other.getvalue())


def test_too_little_history_is_refused(nights: list[Night]) -> None:
    """Fewer than 30 labelled exceptions cannot fit: HistoryError with a stable code."""
    run, earlier = night_run(nights[0])
    data = examples([run], History(), earlier)  # no rechecks: no labels
    with pytest.raises(HistoryError) as caught:
        fit_models(data, trained_at=datetime.now(UTC), source="none")
    assert caught.value.code == "not_enough_history"


def test_model_card_names_data_metrics_and_date(models: TriageModels, nights: list[Night]) -> None:
    """The card says when, on what, and how well (held-out figures)."""
    report = evaluate("held-out", [night_case(nights[3], models)])
    card = model_card(with_metrics(models, {"brier": report.brier}))
    assert "Trained: 2026-11-30T12:00:00+00:00" in card
    assert '"source": "test nights"' in card
    assert '"brier"' in card
    assert "skops" not in card or "pickle" not in card


def test_learned_order_beats_appointment_time(models: TriageModels, nights: list[Night]) -> None:
    """On a night it never saw, the learned order finds people who must act at least as well."""
    report = evaluate("held-out", [night_case(nights[3], models)])
    assert report.kind_accuracy == 1.0
    assert report.precision_at_20["learned"] >= report.precision_at_20["appointment_time"]
    assert report.brier["learned"] < 0.25
