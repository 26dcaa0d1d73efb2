"""Tests of the filtered stochastic Newton method (Burkhart 2023)."""

from __future__ import annotations

import numpy as np
import pytest

from refimpl.newton import (
    FilteredNewtonStatus,
    Rosenbrock,
    filtered_stochastic_newton,
    lazy_hessians_logistic,
    linear_gaussian_regression,
)
from refimpl.testing import assert_backend_agrees


def dense_filter(prob, theta0, batches, alpha, beta, armijo=0.95, filtered=True):
    """Independent dense implementation of the authors' recursion (inverses everywhere, as their script)."""
    d = len(theta0)
    I = np.eye(d)
    S = np.linalg.solve(I - alpha**2 * I, beta * I)
    th = theta0.copy()
    path = [th.copy()]
    mu = Sig = None
    for idx in batches:
        b = prob.subsample(idx)
        f, Q = np.asarray(b.grad(th)), np.asarray(b.hess(th))
        if not filtered:
            dvec = -np.linalg.solve(Q + 1e-12 * I, f)
        else:
            if mu is None:
                mu, Sig = f, Q
            else:
                mu_p, P = alpha * mu, alpha**2 * Sig + beta * I
                if not np.all(np.linalg.eigvals(np.linalg.inv(Q) - np.linalg.inv(S)) > 1e-6):
                    Q = np.linalg.inv(np.linalg.inv(Q) + np.linalg.inv(S))
                Ci = np.linalg.inv(P) + np.linalg.inv(Q) - np.linalg.inv(S)
                mu = np.linalg.solve(Ci, np.linalg.solve(P, mu_p) + np.linalg.solve(Q, f))
                Sig = np.linalg.inv(Ci)
            dvec = -np.linalg.solve(Sig + 1e-12 * I, mu)
        f0 = float(b.fun(th))
        for k in range(5):
            s = 2.0**-k
            if float(b.fun(th + s * dvec)) - f0 <= armijo * s * dvec @ f:
                break
        th = th + s * dvec
        path.append(th.copy())
    return np.array(path)


@pytest.mark.parametrize("filtered", [True, False])
def test_matches_dense_recursion(filtered):
    prob = linear_gaussian_regression(seed=3)
    res = filtered_stochastic_newton(prob, prob.theta0, filtered=filtered, rng=np.random.RandomState(7))
    ref = dense_filter(prob, prob.theta0, res.batches, 0.9, 0.2, filtered=filtered)
    np.testing.assert_allclose(res.path, ref, rtol=1e-10, atol=1e-12)
    assert res.status is FilteredNewtonStatus.MAX_ITER and res.success and res.n_iter == 30
    if filtered:
        assert res.n_robustified > 0  # S^-1 ~ 0.95 is comparable to Q^-1 here: the robustification fires


def test_first_step_is_stochastic_newton_and_alpha_zero_equivalence():
    prob = linear_gaussian_regression(seed=1)
    st = np.random.RandomState(2).get_state()
    outs = []
    for filt, a, b in ((False, 0.9, 0.2), (True, 0.9, 0.2), (True, 0.0, 1e8)):
        rs = np.random.RandomState()
        rs.set_state(st)
        outs.append(filtered_stochastic_newton(prob, prob.theta0, filtered=filt, alpha=a, beta=b, rng=rs))
    base, filt, zero = outs
    assert np.array_equal(base.batches, filt.batches)  # same draws from the same generator state
    np.testing.assert_allclose(filt.path[1], base.path[1], rtol=1e-14)  # mu_1 = f_1, Sigma_1 = Q_1
    np.testing.assert_allclose(zero.path, base.path, rtol=1e-9, atol=1e-12)  # A -> 0: M_t = 0
    assert np.all(zero.spectral_radius == 0) and np.all(base.spectral_radius == 0)  # no momentum: M_t = 0


def test_reproduces_authors_first_restart_numbers():
    """Seed 0 of the authors' script: Nelder-Mead optimum (2.8296, 1.2761), mean distance at step 0 = 3.538."""
    prob = linear_gaussian_regression(seed=0)
    np.testing.assert_allclose(prob.minimizer(), [2.8296, 1.2761], atol=1e-4)
    assert np.linalg.norm(prob.theta0 - prob.minimizer()) == pytest.approx(3.538, abs=5e-4)


def test_logistic_batches_and_callback():
    prob = lazy_hessians_logistic(200, 3, lam=1e-2, rng=0)
    res = filtered_stochastic_newton(prob, np.zeros(3), batch_size=20, n_steps=10, rng=0,
                                     callback=lambda s: s.iteration >= 4)
    assert res.status is FilteredNewtonStatus.CALLBACK and res.n_iter == 4 and res.path.shape == (5, 3)


def test_breakdown_on_singular_batch_hessian():
    prob = lazy_hessians_logistic(50, 10, lam=0.0, rng=0)
    res = filtered_stochastic_newton(prob, np.zeros(10), batch_size=2, rng=0)
    assert res.status is FilteredNewtonStatus.BREAKDOWN and not res.success and res.n_iter < 30


def test_backend_agreement(backend):
    prob = linear_gaussian_regression(seed=4)
    ref = filtered_stochastic_newton(prob, prob.theta0, n_steps=10, rng=5)
    x0 = backend.asarray(prob.theta0)
    got = filtered_stochastic_newton(prob, x0, n_steps=10, rng=5)
    assert_backend_agrees(got.x, ref.x, rtol=1e-9, atol=1e-12, like=x0)
    np.testing.assert_allclose(got.path, ref.path, rtol=1e-9, atol=1e-12)


LG = linear_gaussian_regression()
BAD = [
    (dict(problem=Rosenbrock(2)), TypeError, "problem must be a problem object with n rows"),
    (dict(x0=np.ones(3)), ValueError, r"x0 must have shape \(2,\)"),
    (dict(alpha=1.0), ValueError, r"alpha must lie in \(-1, 1\)"),
    (dict(beta=0.0), ValueError, "beta must be a finite positive"),
    (dict(batch_size=0), ValueError, "batch_size must be an integer >= 1"),
    (dict(n_steps=-1), ValueError, "n_steps must be an integer >= 0"),
    (dict(armijo=1.5), ValueError, r"armijo must lie in \(0, 1\]"),
    (dict(ls_steps=0), ValueError, "ls_steps must be an integer >= 1"),
    (dict(filtered="yes"), TypeError, "filtered must be True or False"),
    (dict(rng="seed"), TypeError, "rng"),
]


@pytest.mark.parametrize("kwargs, exc, match", BAD)
def test_bad_input(kwargs, exc, match):
    args = dict(problem=LG, x0=LG.theta0)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        filtered_stochastic_newton(**args)
