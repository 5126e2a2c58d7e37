"""The learned order: scikit-learn estimators that follow the estimator contract.

:class:`StillProblemClassifier` gives the calibrated probability that an
exception is still a problem at appointment time (so a person must act);
:class:`ResolutionTimeRegressor` gives a high quantile of the hours until an
exception that may clear by itself does, which sets ``recheck_at``. Both keep
no logic in ``__init__``, return ``self`` from ``fit``, end learned attributes
in ``_``, and pass ``sklearn.utils.estimator_checks.check_estimator``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data


class StillProblemClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Gradient-boosted trees, calibrated by cross-validation (isotonic or sigmoid).

    Args:
        n_estimators: boosting rounds of each tree ensemble.
        learning_rate: shrinkage of each round.
        max_depth: depth of each tree.
        method: calibration, ``isotonic`` (enough data) or ``sigmoid`` (little).
        cv: calibration folds; fewer when a class has fewer samples.
        random_state: seed of the trees' subsampling.
    """

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        max_depth: int = 3,
        method: Literal["isotonic", "sigmoid"] = "isotonic",
        cv: int = 3,
        random_state: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.method = method
        self.cv = cv
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> StillProblemClassifier:  # noqa: N803 - scikit-learn's name
        """Fit the trees and their calibration on features ``X`` and labels ``y``."""
        X, y = validate_data(self, X, y)  # noqa: N806
        check_classification_targets(y)
        self.classes_, counts = np.unique(y, return_counts=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"StillProblemClassifier needs 2 classes; got 1 class: {self.classes_}"
            )
        trees = GradientBoostingClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            random_state=self.random_state,
        )
        folds = min(self.cv, int(counts.min()))
        if folds >= 2:
            self.model_ = CalibratedClassifierCV(trees, method=self.method, cv=folds).fit(X, y)
        else:  # a class too rare to hold out: the trees' own probabilities
            self.model_ = trees.fit(X, y)
        return self

    def predict_proba(self, X: Any) -> NDArray[np.float64]:  # noqa: N803
        """Probability of each class in ``classes_`` order."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)  # noqa: N806
        return np.asarray(self.model_.predict_proba(X), dtype=np.float64)

    def predict(self, X: Any) -> NDArray[Any]:  # noqa: N803
        """The most probable class."""
        check_is_fitted(self)
        return np.asarray(self.classes_[np.argmax(self.predict_proba(X), axis=1)])


class ResolutionTimeRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Gradient-boosted trees fitted to one quantile of the time to self-resolution.

    Args:
        quantile: which quantile to predict; 0.8 means 8 in 10 clear by the answer.
        n_estimators: boosting rounds.
        learning_rate: shrinkage of each round.
        max_depth: depth of each tree.
        random_state: seed of the trees' subsampling.
    """

    def __init__(
        self,
        *,
        quantile: float = 0.8,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        max_depth: int = 3,
        random_state: int | None = None,
    ) -> None:
        self.quantile = quantile
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        """A high quantile is not the conditional mean: its R² is poor by design."""
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags

    def fit(self, X: Any, y: Any) -> ResolutionTimeRegressor:  # noqa: N803
        """Fit the trees on features ``X`` and hours ``y``."""
        X, y = validate_data(self, X, y, y_numeric=True)  # noqa: N806
        if not 0 < self.quantile < 1:
            raise ValueError(f"quantile must be in (0, 1), got {self.quantile}")
        self.model_ = GradientBoostingRegressor(
            loss="quantile",
            alpha=self.quantile,
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            max_depth=self.max_depth,
            random_state=self.random_state,
        ).fit(X, y)
        return self

    def predict(self, X: Any) -> NDArray[np.float64]:  # noqa: N803
        """The predicted quantile of hours to self-resolution."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)  # noqa: N806
        return np.asarray(self.model_.predict(X), dtype=np.float64)
