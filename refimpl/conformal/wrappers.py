"""Thin estimator wrappers with MAPIE's verbs (fit / conformalize / predict) and ``confidence_level``.

They hold no algorithm of their own: scores come from :mod:`refimpl.conformal.regions`, thresholds
from :func:`refimpl.conformal.conformal_quantile` and :func:`refimpl.conformal.crc_lambda_hat`.
Any fitted predictor with ``predict`` (regression) or ``predict_proba`` (classification) works;
``prefit=False`` makes :meth:`fit` call the estimator's own ``fit``.

Conventions (MAPIE >= 1.0): the level is given as ``confidence_level = 1 - alpha`` (a float or a
list of floats); :meth:`predict_interval` returns ``(y_pred, y_pis)`` with ``y_pis`` of shape
(n, 2, n_levels), :meth:`predict_set` ``(y_pred, sets)`` with sets of shape (n, K, n_levels).
``1 - confidence_level`` is formed with :func:`refimpl.conformal.alpha_from_confidence`, so a
level of 0.8 means alpha = 0.2 exactly.

Non-exchangeable data: pass raw ``weights`` in [0, 1] to ``conformalize`` (e.g.
:func:`refimpl.conformal.exponential_weights`) for the nexCP / non-X CRC variants.

Backends: the thresholds are computed on the active backend by the pure functions; the wrappers
themselves follow MAPIE's conventions and hold NumPy arrays (estimator outputs go through
``numpy.asarray``, intervals and sets are NumPy arrays), so they are declared ``"host"`` on the
non-NumPy backends.

Provenance
----------
[V] No algorithm of their own; conventions checked against MAPIE 1.x (claim C-7 compares the
intervals). [R] Nothing reconstructed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl.backends import capabilities

from .crc import CRCResult, crc_lambda_hat
from .losses import fnr_loss_table
from .quantile import alpha_from_confidence, conformal_quantile
from .regions import (
    absolute_residual_scores,
    lac_prediction_sets,
    lac_scores,
    norm_residual_scores,
    normalized_residual_scores,
)

_HOST = ("the wrapper follows MAPIE's NumPy conventions (estimator outputs through numpy.asarray, "
         "NumPy intervals and sets); the thresholds are computed on the active backend")

__all__ = [
    "MultiLabelRiskController",
    "MultiOutputConformalRegressor",
    "SplitConformalClassifier",
    "SplitConformalRegressor",
]


def _level(value: Any, name: str) -> float:
    """A confidence level in (0, 1); a percentage gets a hint (0.9 for 90 %)."""
    try:
        return v.check_in_range(value, name, 0.0, 1.0)
    except ValueError as exc:
        if float(value) > 1.0:
            raise ValueError(f"{exc} ({name} is a fraction: 0.9 for 90 %)") from None
        raise


def _levels(confidence_level: float | Sequence[float]) -> tuple[float, ...]:
    if confidence_level is None or isinstance(confidence_level, str):
        raise TypeError(f"confidence_level must be a float or a list of floats in (0, 1); got {confidence_level!r}")
    levels = (confidence_level,) if np.isscalar(confidence_level) else tuple(confidence_level)
    if not levels:
        raise ValueError("confidence_level must be a float or a non-empty list of floats in (0, 1)")
    return tuple(_level(c, "confidence_level") for c in levels)


def _require(obj: Any, method: str, role: str) -> None:
    if not callable(getattr(obj, method, None)):
        raise TypeError(f"{role} must have a {method}() method; got {type(obj).__name__}")


class _Base:
    def __init__(self, estimator: Any, confidence_level: float | Sequence[float] = 0.9, prefit: bool = True) -> None:
        self.estimator = estimator
        self.confidence_level = confidence_level
        self.prefit = prefit
        self._levels = _levels(confidence_level)
        self.quantiles_: tuple[float, ...] | None = None

    def fit(self, X: Any, y: Any, **fit_params: Any) -> Any:
        """Fit the estimator on the training split (only with ``prefit=False``, as in MAPIE)."""
        if self.prefit:
            raise ValueError("the estimator is declared prefit=True; fit() would refit it. Call conformalize() "
                             "directly, or construct the wrapper with prefit=False")
        _require(self.estimator, "fit", "estimator")
        self.estimator.fit(X, y, **fit_params)
        return self

    def _check_conformalized(self) -> None:
        if self.quantiles_ is None:
            raise ValueError(f"{type(self).__name__} is not conformalized yet: call conformalize() first")

    def _quantiles(self, scores: Any, weights: Any) -> tuple[float, ...]:
        return tuple(conformal_quantile(scores, alpha_from_confidence(c), weights) for c in self._levels)


@capabilities(host_only=_HOST)
class SplitConformalRegressor(_Base):
    """Split-CP intervals for a fitted regressor (absolute or normalised residual score).

    Parameters
    ----------
    estimator : object with ``predict``
        The point predictor f.
    confidence_level : float or list of float, default 0.9
        1 - alpha.
    conformity_score : {"absolute", "normalized"}, default "absolute"
        abs(y - f(x)), or abs(y - f(x)) / sigma(x) with ``sigma_estimator.predict`` giving sigma(x) > 0.
    prefit : bool, default True
    sigma_estimator : object with ``predict``, optional
        Required for the normalised score.

    Examples
    --------
    >>> import numpy as np
    >>> class Zero:
    ...     def predict(self, X):
    ...         return np.zeros(len(X))
    >>> reg = SplitConformalRegressor(Zero(), confidence_level=0.8).conformalize(np.zeros((4, 1)), [1., -2., 3., 4.])
    >>> reg.predict_interval(np.zeros((1, 1)))[1][:, :, 0]
    array([[-4.,  4.]])
    """

    def __init__(self, estimator: Any, confidence_level: float | Sequence[float] = 0.9,
                 conformity_score: str = "absolute", prefit: bool = True, sigma_estimator: Any = None) -> None:
        super().__init__(estimator, confidence_level, prefit)
        self.conformity_score = v.check_choice(conformity_score, "conformity_score", ("absolute", "normalized"))
        if conformity_score == "normalized":
            _require(sigma_estimator, "predict", "sigma_estimator (needed for conformity_score='normalized')")
        self.sigma_estimator = sigma_estimator

    def conformalize(self, X_conformalize: Any, y_conformalize: Any, weights: Any = None) -> SplitConformalRegressor:
        """Compute the calibration scores and one threshold q̂ per confidence level."""
        _require(self.estimator, "predict", "estimator")
        y_pred = self.estimator.predict(X_conformalize)
        if self.conformity_score == "absolute":
            scores = absolute_residual_scores(y_conformalize, y_pred)
        else:
            scores = normalized_residual_scores(y_conformalize, y_pred, self.sigma_estimator.predict(X_conformalize))
        self.quantiles_ = self._quantiles(scores, weights)
        return self

    def predict(self, X: Any) -> Any:
        """Point predictions f(x)."""
        return self.estimator.predict(X)

    def predict_interval(self, X: Any) -> tuple[Any, Any]:
        """(y_pred, y_pis) with y_pis[:, 0, l] / y_pis[:, 1, l] the lower / upper bounds at level l."""
        self._check_conformalized()
        y_pred = np.asarray(self.estimator.predict(X), dtype=float)
        scale = (np.asarray(self.sigma_estimator.predict(X), dtype=float) if self.conformity_score == "normalized"
                 else np.ones_like(y_pred))
        half = np.stack([np.full_like(y_pred, np.inf) if np.isinf(q) else q * scale for q in self.quantiles_], axis=-1)
        return y_pred, np.stack([y_pred[:, None] - half, y_pred[:, None] + half], axis=1)


@capabilities(host_only=_HOST)
class SplitConformalClassifier(_Base):
    """Split-CP classification sets with the LAC score 1 - p_y(x).

    ``y`` are class labels; with an estimator exposing ``classes_`` they are mapped to column
    indices of ``predict_proba``, otherwise they must already be indices 0..K-1.
    """

    def conformalize(self, X_conformalize: Any, y_conformalize: Any, weights: Any = None) -> SplitConformalClassifier:
        """Compute LAC scores of the true classes and one threshold per confidence level."""
        _require(self.estimator, "predict_proba", "estimator")
        P = np.asarray(self.estimator.predict_proba(X_conformalize), dtype=float)
        y = np.asarray(y_conformalize)
        classes = getattr(self.estimator, "classes_", None)
        if classes is not None:
            classes = np.asarray(classes)
            idx = np.searchsorted(classes, y)
            if np.any(idx >= len(classes)) or np.any(classes[np.minimum(idx, len(classes) - 1)] != y):
                raise ValueError("y_conformalize contains labels that are not in estimator.classes_")
            y = idx
        self.quantiles_ = self._quantiles(lac_scores(P, y), weights)
        return self

    def predict(self, X: Any) -> Any:
        """The most probable class (through ``estimator.predict``)."""
        return self.estimator.predict(X)

    def predict_set(self, X: Any) -> tuple[Any, Any]:
        """(y_pred, sets) with sets[i, k, l] True iff class k is in the set of x_i at level l."""
        self._check_conformalized()
        P = np.asarray(self.estimator.predict_proba(X), dtype=float)
        sets = np.stack([lac_prediction_sets(P, q) for q in self.quantiles_], axis=-1)
        return self.estimator.predict(X), sets


@capabilities(host_only=_HOST)
class MultiOutputConformalRegressor(_Base):
    """Multi-output split CP with a norm score: the region {y : ‖y - f(x)‖ <= τ} (Tasar 2025).

    Parameters
    ----------
    estimator : object with ``predict`` returning (n, d)
    confidence_level : float or list of float
    norm : {2, "inf"}
        l2 ball or l-infinity hypercube.
    """

    def __init__(self, estimator: Any, confidence_level: float | Sequence[float] = 0.9, norm: int | str = 2,
                 prefit: bool = True) -> None:
        super().__init__(estimator, confidence_level, prefit)
        self.norm = v.check_choice(norm, "norm", (2, "inf"))

    def conformalize(self, X_conformalize: Any, Y_conformalize: Any, weights: Any = None) -> MultiOutputConformalRegressor:
        """Compute the norm scores and one radius τ per confidence level."""
        _require(self.estimator, "predict", "estimator")
        scores = norm_residual_scores(Y_conformalize, self.estimator.predict(X_conformalize), self.norm)
        self.quantiles_ = self._quantiles(scores, weights)
        return self

    def predict(self, X: Any) -> Any:
        """Point predictions f(x), shape (n, d)."""
        return self.estimator.predict(X)

    def predict_region(self, X: Any) -> tuple[Any, np.ndarray]:
        """(Y_pred, radii): the region at level l is the ``norm`` ball of radius radii[l] around Y_pred[i]."""
        self._check_conformalized()
        return self.estimator.predict(X), np.asarray(self.quantiles_)


@capabilities(host_only=_HOST)
class MultiLabelRiskController:
    """Conformal risk control of the multilabel false-negative rate (CRC; non-X CRC with weights).

    Sets C_λ(x) = {k : p_k(x) >= 1 - λ}; λ̂ from :func:`refimpl.conformal.crc_lambda_hat` on the
    FNR loss table, so E[FNR] <= 1 - target_level (Angelopoulos et al. 2024, §3.2).

    Parameters
    ----------
    estimator : object with ``predict_proba``
        Returning (n, K) positive-class probabilities, or a list of K (n, 2) arrays
        (scikit-learn's ``MultiOutputClassifier``).
    target_level : float, default 0.9
        The recall to guarantee in expectation; alpha = 1 - target_level.
    lambdas : array-like, optional
        Increasing grid on [0, 1]; default ``linspace(0, 1, 101)``.
    """

    def __init__(self, estimator: Any, target_level: float = 0.9, lambdas: Any = None) -> None:
        self.estimator = estimator
        self.target_level = _level(target_level, "target_level")
        if lambdas is None:
            self.lambdas = np.linspace(0.0, 1.0, 101)
        else:  # checked here (numeric, 1-D, finite); the grid order is checked by fnr_loss_table
            self.lambdas = np.asarray(v.check_array(lambdas, "lambdas", ndim=1, real=True), dtype=float)
        self.result_: CRCResult | None = None

    def _proba(self, X: Any) -> np.ndarray:
        _require(self.estimator, "predict_proba", "estimator")
        P = self.estimator.predict_proba(X)
        if isinstance(P, list):  # MultiOutputClassifier: one (n, 2) array per label
            return np.stack([np.asarray(p)[:, -1] for p in P], axis=1)
        return np.asarray(P, dtype=float)

    def conformalize(self, X_conformalize: Any, Y_conformalize: Any, weights: Any = None) -> MultiLabelRiskController:
        """Compute the FNR loss table on the calibration data and λ̂ (non-X CRC when ``weights`` given)."""
        L = fnr_loss_table(self._proba(X_conformalize), Y_conformalize, self.lambdas)
        self.result_ = crc_lambda_hat(L, self.lambdas, alpha_from_confidence(self.target_level), weights=weights)
        return self

    @property
    def lambda_hat(self) -> float:
        """The calibrated λ̂."""
        if self.result_ is None:
            raise ValueError("MultiLabelRiskController is not conformalized yet: call conformalize() first")
        return self.result_.lambda_hat

    def predict(self, X: Any) -> np.ndarray:
        """Boolean sets (n, K): label k is predicted iff p_k(x) >= 1 - λ̂."""
        return self._proba(X) >= 1.0 - self.lambda_hat
