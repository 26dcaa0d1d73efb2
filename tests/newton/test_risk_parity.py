"""Tests of risk parity (Choi & Chen 2022; Griveau-Billion et al. 2013; Spinu 2013)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.newton import RiskParityStatus, risk_parity
from refimpl.newton.risk_parity import COV5
from refimpl.testing import assert_backend_agrees

METHODS = ["ccd_improved", "ccd", "newton"]


def _random_cov(rng, n, cond=1e3):
    """A covariance with eigenvalues log-spaced in [1, cond] (condition number ``cond``) and volatilities in [0.1, 0.5]."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    S = (Q * np.logspace(0, np.log10(cond), n)) @ Q.T
    S = 0.5 * (S + S.T)
    d = np.sqrt(np.diag(S))
    C = S / np.outer(d, d)
    sig = rng.uniform(0.1, 0.5, n)
    return C * np.outer(sig, sig)


def _rc(S, w):
    Sw = S @ w
    return w * Sw / (w @ Sw)


@pytest.mark.parametrize("method", METHODS)
def test_equal_risk_contributions(method):
    S = _random_cov(np.random.default_rng(0), 12)
    res = risk_parity(S, method=method, tol=1e-10)
    assert res.status is RiskParityStatus.CONVERGED, res.message
    w = np.asarray(res.weights)
    assert abs(w.sum() - 1) <= 1e-14 and np.all(w > 0)
    np.testing.assert_allclose(_rc(S, w), 1 / 12, atol=1e-9)
    np.testing.assert_allclose(res.risk_contributions, _rc(S, w), rtol=1e-12)
    assert res.residual <= 1e-9 and res.residuals[-1] < 1e-10 and np.all(res.residuals[:-1] >= 1e-10)
    assert res.n_iter == (res.n_fev if method == "newton" else len(res.residuals))


@pytest.mark.parametrize("method", METHODS)
def test_two_assets_closed_form(method):
    # equal risk with 2 assets: w_i ∝ 1/σ_i whatever the correlation
    for rho in (-0.8, 0.0, 0.6):
        s1, s2 = 0.2, 0.35
        S = np.array([[s1 * s1, rho * s1 * s2], [rho * s1 * s2, s2 * s2]])
        res = risk_parity(S, method=method, tol=1e-12)
        want = np.array([1 / s1, 1 / s2]) / (1 / s1 + 1 / s2)
        np.testing.assert_allclose(res.weights, want, rtol=1e-10)


@pytest.mark.parametrize("method", METHODS)
def test_diagonal_covariance_closed_form(method):
    # uncorrelated assets: w_i σ_i² w_i = b_i wᵀΣw  =>  w_i ∝ √b_i / σ_i
    sig = np.array([0.1, 0.2, 0.15, 0.4])
    b = np.array([0.1, 0.2, 0.3, 0.4])
    res = risk_parity(np.diag(sig**2), b, method=method, tol=1e-12)
    want = np.sqrt(b) / sig
    np.testing.assert_allclose(res.weights, want / want.sum(), rtol=1e-10)
    np.testing.assert_allclose(res.risk_contributions, b, atol=1e-11)


def test_methods_agree_with_budgets_and_signs():
    rng = np.random.default_rng(5)
    S = _random_cov(rng, 8, cond=50)
    b = rng.uniform(0.5, 2, 8)
    b /= b.sum()
    for signs in (None, [1, -1, 1, 1, -1, 1, 1, 1]):
        ws = [np.asarray(risk_parity(S, b, method=m, signs=signs, tol=1e-11).weights) for m in METHODS]
        np.testing.assert_allclose(ws[1], ws[0], rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(ws[2], ws[0], rtol=1e-8, atol=1e-10)
        if signs is not None:
            assert np.array_equal(np.sign(ws[0]), signs)
        np.testing.assert_allclose(_rc(S, ws[0]), b, atol=1e-9)


def test_five_asset_example():
    """Choi & Chen Tables 2-4: weights, 6 improved vs 11 original sweeps at tol 1e-6, long/short patterns."""
    imp = risk_parity(COV5, method="ccd_improved", tol=1e-6)
    orig = risk_parity(COV5, method="ccd", tol=1e-6)
    want = [0.125, 0.047, 0.083, 0.613, 0.132]
    for r in (imp, orig, risk_parity(COV5, method="newton")):
        np.testing.assert_allclose(r.weights, want, atol=1e-3)
    assert (imp.n_iter, orig.n_iter) == (6, 11)
    assert abs(imp.residuals[-1] - 2.27e-7) < 0.01e-7 and abs(orig.residuals[-1] - 7.89e-7) < 0.01e-7
    table4 = {(-1, 1, 1, 1, 1): [-0.223, 0.074, 0.125, 0.820, 0.204],
              (1, -1, 1, 1, 1): [0.157, -0.128, 0.124, 0.538, 0.309],
              (1, 1, -1, 1, 1): [0.154, 0.073, -0.285, 0.717, 0.341]}
    for signs, w in table4.items():
        for m in METHODS:
            r = risk_parity(COV5, method=m, signs=signs)
            assert r.status is RiskParityStatus.CONVERGED
            np.testing.assert_allclose(r.weights, w, atol=1e-3)
    # the authors' docstring examples (PyFE/PyFENG RiskParity): a budget vector and a two-short pattern
    r = risk_parity(COV5, [0.1, 0.1, 0.2, 0.3, 0.3])
    np.testing.assert_allclose(r.weights, [0.077, 0.025, 0.074, 0.648, 0.176], atol=1e-3)
    r = risk_parity(COV5, signs=[-1, -1, 1, 1, 1])
    np.testing.assert_allclose(r.weights, [-0.216, -0.162, 0.182, 0.726, 0.47], atol=1e-3)


def test_singular_correlation_ccd_converges():
    rng = np.random.default_rng(2)
    n, k = 20, 4  # rank 16
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    ev = np.r_[rng.uniform(0.2, 1.0, n - k), np.zeros(k)]
    S = (Q * ev) @ Q.T
    S = 0.5 * (S + S.T)
    for m in ("ccd_improved", "ccd"):
        r = risk_parity(S, method=m, tol=1e-8)
        assert r.status is RiskParityStatus.CONVERGED, (m, r.message)
        np.testing.assert_allclose(_rc(S, np.asarray(r.weights)), 1 / n, atol=1e-7)


def test_newton_wrong_sign_pattern_is_a_status():
    # a near-singular correlation where the full Newton step from the improved start overshoots
    found = None
    rng = np.random.default_rng(11)
    for _ in range(300):
        n = 6
        B = rng.standard_normal((n, 2))
        S = B @ B.T + 1e-3 * np.eye(n)
        b = rng.dirichlet(np.full(n, 0.3))
        b = np.maximum(b, 1e-4)
        b /= b.sum()
        r = risk_parity(S, b, method="newton", tol=1e-10, max_iter=200)
        if r.status is RiskParityStatus.WRONG_SIGN_PATTERN:
            found = (S, b, r)
            break
    assert found is not None, "no wrong-sign Newton run found in 300 draws"
    S, b, r = found
    assert not r.status.success and np.any(r.signs != 1)
    # the weights are a genuine root of another orthant: its risk contributions are the budgets
    np.testing.assert_allclose(r.risk_contributions, b, atol=1e-7)
    good = risk_parity(S, b, method="ccd_improved", tol=1e-10, max_iter=100000)
    assert good.status is RiskParityStatus.CONVERGED and np.all(good.signs == 1)


def test_statuses_and_callback():
    r = risk_parity(COV5, method="ccd", max_iter=3)
    assert r.status is RiskParityStatus.MAX_ITER and r.n_iter == 3 and not r.status.success
    seen = []
    r = risk_parity(COV5, callback=lambda s: seen.append((s.iteration, s.residual)) or s.iteration == 2)
    assert r.status is RiskParityStatus.CALLBACK and [k for k, _ in seen] == [1, 2]
    assert seen[1][1] == r.residuals[1]
    seen.clear()
    r = risk_parity(COV5, method="newton", callback=lambda s: seen.append(s.iteration))
    assert r.status is RiskParityStatus.CONVERGED and seen == list(range(1, r.n_fev - 0))[: len(seen)]
    assert r.n_factor == r.n_fev - 1
    one = risk_parity(np.array([[0.04]]))
    assert one.status is RiskParityStatus.CONVERGED and float(np.asarray(one.weights)[0]) == 1.0


def test_numba_twin_matches_reference():
    pytest.importorskip("numba")
    from refimpl.backends import get_kernel
    from refimpl.newton.risk_parity import ccd_sweep

    rng = np.random.default_rng(4)
    S = _random_cov(rng, 30)
    x = rng.uniform(0.5, 2, 30)
    b = rng.dirichlet(np.ones(30))
    s = np.where(rng.random(30) < 0.2, -1.0, 1.0)
    twin = get_kernel("newton.rp_ccd_sweep", "numba")
    for original in (False, True):
        ref = ccd_sweep.reference(S, x, S @ x, b, s, original)
        got = twin(S, x, S @ x, b, s, original)
        if original:  # the volatility's dot product: sequential in the twin, vecdot in the reference
            for g, r in zip(got, ref):
                np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-15)
        else:  # same operations in the same order, no contraction: bit for bit
            for g, r in zip(got, ref):
                np.testing.assert_array_equal(g, r)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), method=st.sampled_from(METHODS), short=st.booleans())
def test_backend_agreement(backend, seed, method, short):
    """Every backend vs NumPy float64 (covariances of condition number ≤ 1e2, N = 7; rtol 1e-9)."""
    rng = np.random.default_rng(seed)
    S = _random_cov(rng, 7, cond=1e2)
    b = rng.uniform(0.5, 2.0, 7)
    b /= b.sum()
    signs = np.where(rng.random(7) < 0.3, -1.0, 1.0) if short else None
    ref = risk_parity(S, b, method=method, signs=signs, tol=1e-10, max_iter=5000)
    Sb = backend.asarray(S)
    got = risk_parity(Sb, b, method=method, signs=signs, tol=1e-10, max_iter=5000)
    assert got.status is ref.status
    assert_backend_agrees(got.weights, ref.weights, rtol=1e-9, atol=1e-12, like=Sb)
    assert abs(got.n_iter - ref.n_iter) <= 1


_NS = COV5.copy()
_NS[0, 1] += 1e-3
_IND = COV5.copy()
_IND[0, 1] = _IND[1, 0] = 0.05  # |ρ| > 1
BAD = [
    (dict(cov=np.ones((5, 4))), ValueError, "cov must be a square"),
    (dict(cov=np.ones(5)), ValueError, "cov must be a 2-D"),
    (dict(cov=_NS), ValueError, "cov must be symmetric"),
    (dict(cov=_IND), ValueError, "cov must be positive semidefinite"),
    (dict(cov=np.diag([1.0, 0.0, 1.0, 1.0, 1.0])), ValueError, "cov must have a positive diagonal"),
    (dict(cov=np.full((5, 5), np.nan)), ValueError, "cov must contain only finite"),
    (dict(cov=COV5 + 1j), TypeError, "cov must be real"),
    (dict(budgets=np.full(5, 0.1)), ValueError, "budgets must sum to 1"),
    (dict(budgets=np.array([0.5, 0.5, 0.2, -0.1, -0.1])), ValueError, "budgets must be positive"),
    (dict(budgets=np.full(4, 0.25)), ValueError, r"budgets must have shape \(5,\)"),
    (dict(budgets=np.array([0.2, 0.2, 0.2, 0.2, np.inf])), ValueError, "budgets must contain only finite"),
    (dict(signs=[1, 1, 0, 1, 1]), ValueError, r"signs must hold only \+1"),
    (dict(signs=[1, 1]), ValueError, r"signs must have shape \(5,\)"),
    (dict(method="spinu"), ValueError, "method must be one of"),
    (dict(tol=0.0), ValueError, "tol must be"),
    (dict(max_iter=0), ValueError, "max_iter must be an integer >= 1"),
    (dict(callback=3), TypeError, "callback"),
]


@pytest.mark.parametrize("kwargs, exc, match", BAD)
def test_bad_input(kwargs, exc, match):
    args = dict(cov=COV5)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        risk_parity(**args)


def test_negative_net_exposure_flips_the_pattern_not_the_status():
    # all-short is the long-only root times -1: normalising to sum 1 gives the long-only weights
    for m in METHODS:
        long_ = risk_parity(COV5, method=m, tol=1e-10)
        short = risk_parity(COV5, method=m, signs=-np.ones(5), tol=1e-10)
        assert short.status is RiskParityStatus.CONVERGED and np.all(short.signs == 1)
        np.testing.assert_allclose(short.weights, long_.weights, rtol=1e-8)
    one = risk_parity(np.array([[0.04]]), signs=[-1.0])
    assert one.status is RiskParityStatus.CONVERGED and float(np.asarray(one.weights)[0]) == 1.0
