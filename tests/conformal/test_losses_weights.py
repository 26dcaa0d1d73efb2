"""Loss-table builders and weights: brute force per entry, closed forms, backends, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.backends import use_backend
from refimpl.conformal import (
    coverage_gap_bound,
    exponential_weights,
    fnr_loss_table,
    insensitive_abs_loss_table,
    loss_table,
    maxent_weights,
    miscoverage_loss_table,
    normalized_weights,
)
from refimpl.testing import assert_backend_agrees


def _fnr_bruteforce(f, Y, lam):
    n, K = f.shape
    out = np.zeros((n, len(lam)))
    for i in range(n):
        pos = {k for k in range(K) if Y[i, k]}
        for j, la in enumerate(lam):
            chosen = {k for k in range(K) if f[i, k] >= 1 - la}
            out[i, j] = 0.0 if not pos else 1 - len(pos & chosen) / len(pos)
    return out


def test_fnr_matches_set_definition():
    rng = np.random.default_rng(0)
    f = np.round(rng.uniform(size=(40, 6)), 2)
    Y = rng.uniform(size=(40, 6)) < 0.3
    Y[0] = False  # an empty label set has loss 0
    lam = np.linspace(0, 1, 21)
    L = fnr_loss_table(f, Y, lam)
    np.testing.assert_allclose(L, _fnr_bruteforce(f, Y, lam), rtol=0, atol=1e-15)
    assert np.all(L[:, -1] == 0) and np.all(L[0] == 0) and L.max() <= 1.0
    assert np.all(np.diff(L, axis=1) <= 0)


def test_miscoverage_and_insensitive_tables():
    s = np.array([0.2, 0.7, 1.0])
    lam = np.array([0.0, 0.5, 1.0])
    np.testing.assert_array_equal(miscoverage_loss_table(s, lam), [[1, 0, 0], [1, 1, 0], [1, 1, 0]])
    y, f = np.array([1.0, 0.0, 3.0]), np.array([0.5, 0.0, 0.0])
    np.testing.assert_allclose(insensitive_abs_loss_table(y, f, lam), [[0.5, 0, 0], [0, 0, 0], [3, 2.5, 2]])
    np.testing.assert_allclose(insensitive_abs_loss_table(y, f, lam, clip=1.0), [[0.5, 0, 0], [0, 0, 0], [1, 1, 1]])


def test_generic_builder_stacks_columns():
    r = np.array([0.1, 0.4, 0.9])
    L = loss_table(lambda lam: np.maximum(r - lam, 0.0), [0.0, 0.3])
    np.testing.assert_allclose(L, np.stack([r, np.maximum(r - 0.3, 0)], axis=1))
    with pytest.raises(ValueError, match="one length n"):
        loss_table(lambda lam: np.zeros(2 if lam < 0.5 else 3), [0.0, 1.0])


@settings(max_examples=15)
@given(data=st.data())
def test_loss_tables_backend_agreement(backend, data):
    n = data.draw(st.integers(1, 12))
    K = data.draw(st.integers(1, 5))
    f = np.array(data.draw(st.lists(st.integers(0, 16), min_size=n * K, max_size=n * K)), float).reshape(n, K) / 16
    Y = np.array(data.draw(st.lists(st.booleans(), min_size=n * K, max_size=n * K))).reshape(n, K)
    lam = np.linspace(0, 1, 9)
    y = f[:, 0] * 2
    with use_backend("numpy"):
        o_fnr, o_mis, o_abs = fnr_loss_table(f, Y, lam), miscoverage_loss_table(y, lam), insensitive_abs_loss_table(
            y, f[:, -1], lam)
    fb = backend.asarray(f)
    # exact operations on dyadic data (comparisons, one division, subtraction): rtol 1e-15
    assert_backend_agrees(fnr_loss_table(fb, backend.asarray(Y.astype(float)), backend.asarray(lam)), o_fnr,
                          rtol=1e-15, like=fb)
    assert_backend_agrees(miscoverage_loss_table(backend.asarray(y), backend.asarray(lam)), o_mis, rtol=0, like=fb)
    assert_backend_agrees(insensitive_abs_loss_table(backend.asarray(y), backend.asarray(f[:, -1]),
                                                     backend.asarray(lam)), o_abs, rtol=1e-15, like=fb)


def test_loss_builders_bad_input():
    with pytest.raises(ValueError, match=r"labels must have shape \(2, 2\)"):
        fnr_loss_table(np.zeros((2, 2)), np.zeros((2, 3)), [0.0, 1.0])
    with pytest.raises(ValueError, match="scores must contain only finite"):
        fnr_loss_table([[np.nan]], [[1]], [0.0])
    with pytest.raises(ValueError, match=r"y_pred must have shape \(2,\)"):
        insensitive_abs_loss_table([1.0, 2.0], [1.0], [0.0])


def test_exponential_weights_closed_form():
    w = exponential_weights(5, 0.9)
    np.testing.assert_allclose(w, 0.9 ** np.array([5, 4, 3, 2, 1]), rtol=1e-15)
    assert w.sum() == pytest.approx(0.9 * (1 - 0.9**5) / 0.1)
    np.testing.assert_array_equal(exponential_weights(3, 1.0), np.ones(3))
    with pytest.raises(ValueError, match=r"rho must lie in \(0, 1\]"):
        exponential_weights(3, 1.5)
    with pytest.raises(ValueError, match="n must be an integer"):
        exponential_weights(0, 0.5)


def test_maxent_weights_gibbs_form_and_lipschitz_case():
    d = np.array([0.0, 0.5, 2.0])
    np.testing.assert_allclose(maxent_weights(d, 2.0, A=0.0, B=1.5), np.exp(-2.0 * 1.5 * d))
    # Lipschitz drift d_i = eps (n+1-i) gives the exponential weights with rho = exp(-kappa eps)
    n, eps, kappa = 50, 0.01, 1.0
    d_lip = eps * np.arange(n, 0, -1)
    np.testing.assert_allclose(maxent_weights(d_lip, kappa), exponential_weights(n, np.exp(-kappa * eps)), rtol=1e-13)
    # the normalised Gibbs weights minimise (B-A) Σ w~ d - H(w~)/kappa on the simplex: check against perturbations
    wt, wtest = normalized_weights(maxent_weights(d, kappa))
    p = np.append(wt, wtest)
    dd = np.append(d, 0.0)

    def objective(q):
        return float(q @ dd + np.sum(q * np.log(q)) / kappa)

    rng = np.random.default_rng(0)
    for _ in range(50):
        q = np.abs(p + 1e-3 * rng.standard_normal(4))
        q /= q.sum()
        assert objective(q) >= objective(p) - 1e-12
    with pytest.raises(ValueError, match="d must be non-negative"):
        maxent_weights([-0.1], 1.0)
    with pytest.raises(ValueError, match="kappa must be a finite positive"):
        maxent_weights([0.1], 0.0)


def test_normalized_weights_and_coverage_gap():
    wt, wtest = normalized_weights([0.5, 1.0, 0.5])
    np.testing.assert_allclose(wt, [0.5 / 3, 1 / 3, 0.5 / 3])
    assert wtest == pytest.approx(1 / 3)
    assert coverage_gap_bound([0.5, 1.0, 0.5], [0.2, 0.0, 0.4], 0.1, A=0.0, B=2.0) == pytest.approx(
        0.1 + 2.0 * (0.5 * 0.2 + 0.5 * 0.4) / 3)
    assert coverage_gap_bound(np.ones(4), np.zeros(4), 0.1) == 0.1  # exchangeable: the CRC bound
    with pytest.raises(ValueError, match=r"weights must lie in \[0, 1\]"):
        normalized_weights([2.0])
    with pytest.raises(ValueError, match=r"alpha must lie in \[0, 1\]"):
        coverage_gap_bound([1.0], [0.0], 1.5)


@settings(max_examples=10)
@given(d=st.lists(st.integers(0, 40), min_size=1, max_size=20), kappa=st.sampled_from([0.5, 1.0, 3.0]))
def test_weights_backend_agreement(backend, d, kappa):
    d = np.array(d, dtype=float) / 8
    with use_backend("numpy"):
        o = maxent_weights(d, kappa)
        o_gap = coverage_gap_bound(o, d, 0.1)
    db = backend.asarray(d)
    got = maxent_weights(db, kappa)
    # one exp per entry: libm differences of a few ulp
    assert_backend_agrees(got, o, rtol=1e-14, like=db)
    assert coverage_gap_bound(got, db, 0.1) == pytest.approx(o_gap, rel=1e-13)
