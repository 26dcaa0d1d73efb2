"""MAPIE-style wrappers: intervals, sets, regions and risk control against direct computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from refimpl.conformal.wrappers import (
    MultiLabelRiskController,
    MultiOutputConformalRegressor,
    SplitConformalClassifier,
    SplitConformalRegressor,
)


class Linear:
    def __init__(self, beta):
        self.beta = np.asarray(beta)

    def predict(self, X):
        return np.asarray(X) @ self.beta


class Sigma:
    def predict(self, X):
        return 1.0 + np.abs(np.asarray(X)[:, 0])


class Proba:
    classes_ = np.array([10, 20, 30])

    def predict_proba(self, X):
        z = np.asarray(X)[:, :3]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def test_regressor_absolute_and_normalized():
    rng = np.random.default_rng(0)
    X, Xt = rng.standard_normal((19, 3)), rng.standard_normal((5, 3))
    beta = np.array([1.0, -1.0, 0.5])
    y = X @ beta + rng.standard_normal(19)
    reg = SplitConformalRegressor(Linear(beta), confidence_level=[0.8, 0.9]).conformalize(X, y)
    y_pred, y_pis = reg.predict_interval(Xt)
    r = np.sort(np.abs(y - X @ beta))
    assert y_pis.shape == (5, 2, 2)
    # k = 16 for level 0.8 and 18 for 0.9 at n = 19 (exact: 1 - 0.8 is read as 0.2)
    np.testing.assert_allclose(y_pis[:, 1, 0] - y_pred, r[15], rtol=1e-14)
    np.testing.assert_allclose(y_pred - y_pis[:, 0, 1], r[17], rtol=1e-14)
    norm = SplitConformalRegressor(Linear(beta), 0.9, conformity_score="normalized", sigma_estimator=Sigma())
    y_pred, y_pis = norm.conformalize(X, y).predict_interval(Xt)
    q = np.sort(np.abs(y - X @ beta) / (1 + np.abs(X[:, 0])))[17]
    np.testing.assert_allclose(y_pis[:, 1, 0] - y_pred, q * (1 + np.abs(Xt[:, 0])), rtol=1e-13)
    small = SplitConformalRegressor(Linear(beta), 0.95).conformalize(X[:5], y[:5])
    assert np.all(np.isinf(small.predict_interval(Xt)[1]))


def test_regressor_weighted_uses_nexcp_quantile():
    X = np.zeros((4, 1))
    y = np.array([1.0, 2.0, 3.0, 4.0])
    w = [0.25, 0.25, 0.25, 1.0]
    # tail masses above 1,2,3,4: 1.5, 1.25, 1, 0; bounds (T+1)/2.75 = 0.91, 0.82, 0.73, 0.36
    assert SplitConformalRegressor(Linear([0.0]), 0.5).conformalize(X, y, weights=w).quantiles_ == (4.0,)
    assert SplitConformalRegressor(Linear([0.0]), 0.25).conformalize(X, y, weights=w).quantiles_ == (3.0,)


def test_classifier_lac_sets():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 3)) * 2
    clf = Proba()
    y = clf.classes_[rng.integers(0, 3, 50)]
    model = SplitConformalClassifier(clf, confidence_level=0.9).conformalize(X, y)
    P = clf.predict_proba(X)
    s = 1 - P[np.arange(50), np.searchsorted(clf.classes_, y)]
    q = np.sort(s)[math.ceil(51 * 0.9) - 1]
    assert model.quantiles_ == (q,)
    _, sets = model.predict_set(X[:7])
    np.testing.assert_array_equal(sets[:, :, 0], 1 - P[:7] <= q)
    with pytest.raises(ValueError, match="not in estimator.classes_"):
        model.conformalize(X[:3], [10, 20, 99])


def test_multioutput_region_and_risk_controller():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((99, 2))
    B = np.array([[1.0, 0.0, 2.0], [0.5, 1.0, 0.0]])
    Y = X @ B + rng.standard_normal((99, 3))

    class Multi:
        def predict(self, X):
            return np.asarray(X) @ B

    mo = MultiOutputConformalRegressor(Multi(), 0.9, norm="inf").conformalize(X, Y)
    _, radii = mo.predict_region(X[:2])
    assert radii[0] == np.sort(np.abs(Y - X @ B).max(axis=1))[89]
    P = 1 / (1 + np.exp(-rng.standard_normal((200, 4))))
    Ylab = rng.uniform(size=P.shape) < P

    class Probs:
        def predict_proba(self, X):
            return [np.stack([1 - p, p], axis=1) for p in P[np.asarray(X)[:, 0].astype(int)].T]

    idx = np.arange(200)[:, None].astype(float)
    rc = MultiLabelRiskController(Probs(), target_level=0.8, lambdas=np.linspace(0, 1, 41)).conformalize(idx, Ylab)
    # independent: the CRC bound (n R + 1)/(n + 1) <= 0.2 at the first grid point
    fnr = np.array([[1 - (Ylab[i] & (P[i] >= 1 - la)).sum() / max(Ylab[i].sum(), 1) if Ylab[i].any() else 0.0
                     for la in np.linspace(0, 1, 41)] for i in range(200)])
    first = np.argmax((fnr.sum(axis=0) + 1) / 201 <= 0.2)
    assert rc.lambda_hat == np.linspace(0, 1, 41)[first]
    np.testing.assert_array_equal(rc.predict(idx[:5]), P[:5] >= 1 - rc.lambda_hat)


def test_wrapper_errors():
    with pytest.raises(ValueError, match=r"confidence_level must lie in \(0, 1\)"):
        SplitConformalRegressor(Linear([1.0]), confidence_level=1.2)
    with pytest.raises(TypeError, match="sigma_estimator"):
        SplitConformalRegressor(Linear([1.0]), conformity_score="normalized")
    with pytest.raises(ValueError, match="conformity_score must be one of"):
        SplitConformalRegressor(Linear([1.0]), conformity_score="gamma")
    reg = SplitConformalRegressor(Linear([1.0]))
    with pytest.raises(ValueError, match="not conformalized yet"):
        reg.predict_interval(np.zeros((1, 1)))
    with pytest.raises(ValueError, match="prefit=True"):
        reg.fit(np.zeros((2, 1)), np.zeros(2))
    with pytest.raises(TypeError, match="predict_proba"):
        SplitConformalClassifier(Linear([1.0])).conformalize(np.zeros((2, 1)), [0, 1])
    with pytest.raises(ValueError, match="not conformalized yet"):
        MultiLabelRiskController(Proba()).lambda_hat


def test_regressor_wrapper_matches_mapie():
    mapie_regression = pytest.importorskip("mapie.regression", reason="mapie not installed: pip install 'refimpl[peers]'")
    sklearn_base = pytest.importorskip("sklearn.base")

    class Fixed(sklearn_base.RegressorMixin, sklearn_base.BaseEstimator):
        def __init__(self, beta=None):
            self.beta = beta

        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.asarray(X) @ self.beta

        def __sklearn_is_fitted__(self):
            return True

    rng = np.random.default_rng(4)
    beta = rng.standard_normal(3)
    X, Xt = rng.standard_normal((99, 3)), rng.standard_normal((20, 3))
    y = X @ beta + rng.standard_normal(99)
    levels = [0.8, 0.9, 0.95]
    fixed = Fixed(beta)
    fixed.n_features_in_ = 3  # what MAPIE's fitted-check looks for
    ours = SplitConformalRegressor(fixed, confidence_level=levels).conformalize(X, y).predict_interval(Xt)
    peer = mapie_regression.SplitConformalRegressor(fixed, confidence_level=levels, prefit=True)
    peer.conformalize(X, y)
    theirs = peer.predict_interval(Xt)
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-15)
