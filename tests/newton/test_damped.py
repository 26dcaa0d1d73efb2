"""Tests of damped Newton (Hanzely, Abdukhakimov & Takáč, arXiv:2405.18926) and its baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from refimpl.newton import (
    NewtonStatus,
    Rosenbrock,
    damped_newton,
    peer_logistic,
    polytope_instance,
    stepsize_from_regularization,
)
from refimpl.testing import assert_backend_agrees

SCHEDULES = ["rn", "grls", "gn", "un", "aicn", "armijo", "constant"]


@pytest.fixture(scope="module")
def logistic():
    return peer_logistic(400, 15, lam=1e-3)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_duality_identity(beta):
    rng = np.random.default_rng(int(beta * 10))
    d = 20
    B = rng.standard_normal((d, d))
    H = B @ B.T / d + 0.1 * np.eye(d)
    g = rng.standard_normal(d)
    n = np.linalg.solve(H, g)
    dec = math.sqrt(g @ n)
    alphas = []
    for sigma in (0.1, 1.0, 10.0):
        a = stepsize_from_regularization(sigma, dec, beta)
        alphas.append(a)
        assert 0 < a <= 1 and abs(1 - a - sigma * dec**beta * a ** (1 + beta)) <= 1e-15

        def model(h):
            nh = math.sqrt(max(h @ H @ h, 0.0))
            return g @ h + 0.5 * nh**2 + sigma / (2 + beta) * nh ** (2 + beta)

        def model_grad(h):
            nh = math.sqrt(max(h @ H @ h, 0.0))
            return g + (1 + sigma * nh**beta) * (H @ h)

        h = minimize(model, -0.5 * n, jac=model_grad, method="BFGS", options={"gtol": 1e-13, "maxiter": 1000}).x
        np.testing.assert_allclose(h, -a * n, rtol=1e-6, atol=1e-9 * np.linalg.norm(n))
    assert alphas[0] > alphas[1] > alphas[2]  # decreasing in sigma
    assert stepsize_from_regularization(0.0, dec, beta) == 1.0


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_every_schedule_converges_on_logistic(logistic, schedule):
    res = damped_newton(logistic, x0=np.zeros(15), schedule=schedule, alpha=0.5, gtol=1e-10, max_iter=500)
    assert res.status is NewtonStatus.CONVERGED, res.message
    assert res.grad_norms[-1] <= 1e-10 and np.all((res.step_sizes > 0) & (res.step_sizes <= 1))
    # one Hessian and one factorisation per iteration (strongly convex: the fallback never fires)
    assert res.n_hess == res.n_iter == res.n_factor and res.n_shifts == 0
    np.testing.assert_allclose(res.reg, 1 / res.step_sizes - 1)
    assert len(res.grad_norms) == res.n_iter + 1


def test_schedule_formulas(logistic):
    decs = []
    res = damped_newton(logistic, x0=np.zeros(15), schedule="rn", q=3, M=0.5, gtol=1e-10,
                        callback=lambda s: decs.append(s.decrement))
    np.testing.assert_allclose(res.step_sizes, 1 / (1 + np.sqrt(9 * 0.5) * np.sqrt(decs)), rtol=1e-14)
    res = damped_newton(logistic, x0=np.zeros(15), schedule="rn", q=2, M=0.1, gtol=1e-10)
    np.testing.assert_allclose(res.step_sizes, 1 / (1 + 0.9), rtol=1e-14)
    decs.clear()
    res = damped_newton(logistic, x0=np.zeros(15), schedule="rn", q=4, M=0.5, gtol=1e-10,
                        callback=lambda s: decs.append(s.decrement))
    np.testing.assert_allclose(res.step_sizes, 1 / (1 + 4.5 ** (1 / 3) * np.array(decs) ** (2 / 3)), rtol=1e-14)
    decs.clear()
    res = damped_newton(logistic, x0=np.zeros(15), schedule="aicn", M=2.0, gtol=1e-10,
                        callback=lambda s: decs.append(s.decrement))
    np.testing.assert_allclose(res.step_sizes, 2 / (1 + np.sqrt(1 + 4 * np.array(decs))), rtol=1e-14)


def test_grls_close_to_gn_and_line_searches_reduce_f(logistic):
    grls = damped_newton(logistic, x0=np.zeros(15), schedule="grls", gtol=1e-10)
    gn = damped_newton(logistic, x0=np.zeros(15), schedule="gn", gtol=1e-10)
    k = min(grls.n_iter, gn.n_iter)
    assert np.mean(np.abs(grls.step_sizes[:k] - gn.step_sizes[:k])) <= 0.05
    for r in (grls, gn):
        assert np.all(np.diff(r.fun_values) <= 1e-15 * np.abs(r.fun_values[:-1]))


def test_polytope_un_monotone_with_bounded_backtracks():
    prob = polytope_instance()
    res = damped_newton(prob, x0=prob.x0, schedule="un", gtol=1e-8, max_iter=500)
    assert res.status is NewtonStatus.CONVERGED
    assert np.all(np.diff(res.fun_values) <= 1e-13 * np.abs(res.fun_values[:-1]) + 1e-300)
    assert res.n_backtracks <= 2 * res.n_iter + 10
    assert res.n_shifts > 0 and np.all(res.shifts[res.shifts > 0] > 0)  # rank-deficient Hessians near the polytope


def test_rosenbrock_nonconvex_fallback_recorded():
    prob = Rosenbrock(40)
    res = damped_newton(prob, x0=prob.x0, schedule="grls", gtol=1e-8, max_iter=500)
    assert res.status is NewtonStatus.CONVERGED and res.n_shifts >= 1
    assert res.n_factor > res.n_iter  # the failed Cholesky attempts are counted
    assert np.linalg.eigvalsh(prob.hess(res.x)).min() > 0


def test_statuses():
    f = lambda x: float(np.sum((x - 1) ** 2))  # noqa: E731
    # a wrong-sign gradient gives an ascent direction: Armijo fails
    res = damped_newton(f, lambda x: -2 * (x - 1), lambda x: 2 * np.eye(2), np.zeros(2), schedule="armijo", ls_max_iter=20)
    assert res.status is NewtonStatus.LINE_SEARCH_FAILED and not res.success
    res = damped_newton(f, lambda x: 2 * (x - 1), lambda x: 2 * np.eye(2), np.zeros(2), schedule="constant", alpha=0.5,
                        max_iter=3)
    assert res.status is NewtonStatus.MAX_ITER and res.n_iter == 3
    np.testing.assert_allclose(res.x, 1 - 0.5**3)
    res = damped_newton(lambda x: float("inf") if x[0] > 0.6 else f(x), lambda x: 2 * (x - 1), lambda x: 2 * np.eye(2),
                        np.zeros(2), schedule="constant", alpha=0.5)
    assert res.status is NewtonStatus.NONFINITE and res.n_iter == 1
    res = damped_newton(f, lambda x: 2 * (x - 1), lambda x: 2 * np.eye(2), np.zeros(2), schedule="gn",
                        callback=lambda s: True)
    assert res.status is NewtonStatus.CALLBACK and res.n_iter == 1


@settings(max_examples=7)
@given(seed=st.integers(0, 2**16), schedule=st.sampled_from(SCHEDULES))
def test_backend_agreement(backend, seed, schedule):
    """Every backend vs NumPy float64, 6 steps (rtol 1e-9: Cholesky and the line searches agree to round-off)."""
    rng = np.random.default_rng(seed)
    prob = peer_logistic(80, 6, lam=1e-2)
    x0 = 0.3 * rng.standard_normal(6)
    ref = damped_newton(prob, x0=x0, schedule=schedule, gtol=0.0, max_iter=6)
    xb = backend.asarray(x0)
    got = damped_newton(prob, x0=xb, schedule=schedule, gtol=0.0, max_iter=6)
    assert_backend_agrees(got.x, ref.x, rtol=1e-9, atol=1e-12, like=xb)
    np.testing.assert_allclose(got.step_sizes, ref.step_sizes, rtol=1e-6)


_F, _G, _H = (lambda x: float(x @ x)), (lambda x: 2 * x), (lambda x: 2 * np.eye(len(x)))
BAD = [
    (dict(q=1.5), ValueError, r"q must lie in \[2, 4\]"),
    (dict(q=4.5), ValueError, r"q must lie in \[2, 4\]"),
    (dict(schedule="newton"), ValueError, "schedule must be one of"),
    (dict(M=0.0), ValueError, "M must be a finite positive"),
    (dict(alpha=0.0), ValueError, r"alpha must lie in \(0, 1\]"),
    (dict(alpha=1.5), ValueError, r"alpha must lie in \(0, 1\]"),
    (dict(c=1.0), ValueError, r"c must lie in \(0, 1\)"),
    (dict(rho=1.0), ValueError, r"rho must lie in \(1, inf\)"),
    (dict(theta0=-1.0), ValueError, "theta0 must be a finite positive"),
    (dict(ls_max_iter=0), ValueError, "ls_max_iter must be an integer >= 1"),
    (dict(x0=np.ones((1, 2))), ValueError, "x0 must be a 1-D"),
    (dict(x0=None), TypeError, "x0 must be given"),
    (dict(hess=lambda x: np.ones((2, 3))), ValueError, "hess must return a square"),
    (dict(hess=lambda x: np.array([[1.0, 1.0], [0.0, 1.0]])), ValueError, "hess must return a symmetric"),
    (dict(grad=lambda x: np.ones(3)), ValueError, r"grad must return an array of shape \(2,\)"),
]


@pytest.mark.parametrize("kwargs, exc, match", BAD)
def test_bad_input(kwargs, exc, match):
    args = dict(fun=_F, grad=_G, hess=_H, x0=np.ones(2))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        damped_newton(**args)


def test_bad_stepsize_from_regularization():
    with pytest.raises(ValueError, match="sigma must be"):
        stepsize_from_regularization(-1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="decrement must be"):
        stepsize_from_regularization(1.0, np.nan, 1.0)
    with pytest.raises(ValueError, match="beta must be"):
        stepsize_from_regularization(1.0, 1.0, -0.5)
