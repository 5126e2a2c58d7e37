"""The estimators follow scikit-learn's contract, and learn what they should."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_estimator

from eligate.triage import ResolutionTimeRegressor, StillProblemClassifier


@pytest.mark.parametrize(
    "estimator",
    [
        StillProblemClassifier(n_estimators=2, max_depth=1, method="sigmoid", cv=2, random_state=0),
        ResolutionTimeRegressor(n_estimators=5, random_state=0),
    ],
    ids=["classifier", "regressor"],
)
def test_check_estimator_passes(estimator: object) -> None:
    """``sklearn.utils.estimator_checks.check_estimator`` passes every check."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the checks warn on purpose (e.g. about tiny data)
        results = check_estimator(estimator, on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert results
    assert failed == []


def test_classifier_is_calibrated_on_a_known_rate() -> None:
    """Where half the samples are positive at random, the mean probability is near a half."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(600, 3))
    labels = (features[:, 0] > 0).astype(int)
    labels[rng.random(600) < 0.2] ^= 1  # 20% label noise: probabilities must not be 0/1
    model = StillProblemClassifier(n_estimators=20, random_state=0).fit(features, labels)
    proba = model.predict_proba(features)[:, 1]
    assert abs(proba.mean() - labels.mean()) < 0.05
    assert proba[features[:, 0] > 1].mean() > 0.6
    assert proba[features[:, 0] < -1].mean() < 0.4


def test_regressor_covers_its_quantile() -> None:
    """The 0.8 quantile model leaves about eight in ten true times below its prediction."""
    rng = np.random.default_rng(1)
    features = rng.uniform(0, 10, size=(800, 1))
    hours = rng.exponential(features[:, 0] + 1)
    model = ResolutionTimeRegressor(n_estimators=30, random_state=0).fit(features, hours)
    coverage = float(np.mean(hours <= model.predict(features)))
    assert 0.7 < coverage < 0.9


def test_one_class_is_refused() -> None:
    """A history with one label cannot fit a classifier: the error says so."""
    with pytest.raises(ValueError, match="1 class"):
        StillProblemClassifier(n_estimators=2).fit(np.zeros((10, 2)), np.ones(10))
