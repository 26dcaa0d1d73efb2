"""The super-universal (gradient-regularised) Newton schedule of ``damped_newton`` (Doikov, Mishchenko & Nesterov 2024)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.newton import NewtonStatus, Rosenbrock, damped_newton, peer_logistic, polytope_instance
from refimpl.testing import assert_backend_agrees


@pytest.fixture(scope="module")
def logistic():
    return peer_logistic(400, 15, lam=1e-3)


def _independent(prob, x0, H0, a, gtol, max_iter=200):
    """The method written out with dense NumPy solves (no Cholesky reuse, no shared code)."""
    x = np.array(x0, dtype=float)
    H = H0
    xs, lams = [x.copy()], []
    for _ in range(max_iter):
        g = np.asarray(prob.grad(x))
        if np.linalg.norm(g) <= gtol:
            break
        Hess = np.asarray(prob.hess(x))
        for _ in range(60):
            lam = H * np.linalg.norm(g) ** a
            h = -np.linalg.solve(Hess + lam * np.eye(len(x)), g)
            gp = np.asarray(prob.grad(x + h))
            if -(gp @ h) >= (gp @ gp) / (4 * lam):
                H = max(H / 4, 1e-5)
                break
            H *= 4
        x = x + h
        xs.append(x.copy())
        lams.append(lam)
    return np.array(xs), np.array(lams)


@pytest.mark.parametrize("power", [1.0, 2.0 / 3.0])
def test_matches_independent_implementation(logistic, power):
    xs = []
    res = damped_newton(logistic, x0=np.zeros(15), schedule="super_universal", M=1.0, power=power, gtol=1e-10,
                        callback=lambda s: xs.append(np.array(s.x)))
    assert res.status is NewtonStatus.CONVERGED and res.grad_norm <= 1e-10
    ref_x, ref_lam = _independent(logistic, np.zeros(15), 1.0, power, 1e-10)
    assert len(xs) == res.n_iter == len(ref_x) - 1
    np.testing.assert_allclose(np.array(xs), ref_x[1:], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.reg, ref_lam, rtol=1e-6)  # λ ∝ ‖g‖: the last ones at ‖g‖ ~ 1e-9
    np.testing.assert_allclose(res.step_sizes, np.linalg.norm(np.diff(ref_x, axis=0), axis=1), rtol=1e-6, atol=1e-13)
    # one Hessian per iteration, one factorisation per trial (strongly convex: no shifts)
    assert res.n_hess == res.n_iter and res.n_factor == res.n_iter + res.n_backtracks and res.n_shifts == 0


def test_acceptance_test_holds_at_every_step(logistic):
    xs = [np.zeros(15)]
    res = damped_newton(logistic, x0=np.zeros(15), schedule="super_universal", M=100.0, gtol=1e-10,
                        callback=lambda s: xs.append(np.array(s.x)))
    assert res.status is NewtonStatus.CONVERGED
    for k in range(res.n_iter):
        h = xs[k + 1] - xs[k]
        gp = np.asarray(logistic.grad(xs[k + 1]))
        assert -(gp @ h) >= (gp @ gp) / (4 * res.reg[k]) * (1 - 1e-12)
    # lambda_k = H_k ||g_k||^a with H_k on the grid M * 4^j (factors 4 and 1/4 only, floor 1e-5)
    H = res.reg / res.grad_norms[:-1]
    j = np.log(np.maximum(H, 1e-300) / 100.0) / math.log(4.0)
    assert np.allclose(j[H > 1e-5 * 4], np.round(j[H > 1e-5 * 4]), atol=1e-9)


def test_polytope_and_rosenbrock():
    prob = polytope_instance()
    res = damped_newton(prob, x0=prob.x0, schedule="super_universal", gtol=1e-8, max_iter=500)
    assert res.status is NewtonStatus.CONVERGED
    rb = Rosenbrock(10)
    res = damped_newton(rb, x0=rb.x0, schedule="super_universal", gtol=1e-8, max_iter=1000)
    # non-convex (outside the theory): a stationary point, here the chained Rosenbrock's local minimum f ≈ 3.99
    assert res.status is NewtonStatus.CONVERGED and np.all(np.diff(res.fun_values) <= 1e-12 * res.fun_values[:-1])


def test_statuses():
    f = lambda x: float(x @ x)  # noqa: E731
    res = damped_newton(f, lambda x: 2 * x, lambda x: 2 * np.eye(2), np.ones(2), schedule="super_universal",
                        callback=lambda s: True)
    assert res.status is NewtonStatus.CALLBACK and res.n_iter == 1
    # a gradient that is NaN at every trial point: each trial is rejected, the trials run out
    grad = lambda x: 2 * x if np.all(x == 1.0) else np.full(2, np.nan)  # noqa: E731
    res = damped_newton(f, grad, lambda x: 2 * np.eye(2), np.ones(2), schedule="super_universal", ls_max_iter=5)
    assert res.status is NewtonStatus.LINE_SEARCH_FAILED and res.n_backtracks == 5


@pytest.mark.parametrize("power", [0.0, 1.5, -1.0])
def test_bad_power(power):
    with pytest.raises(ValueError, match=r"power must lie in \(0, 1\]"):
        damped_newton(lambda x: float(x @ x), lambda x: 2 * x, lambda x: 2 * np.eye(2), np.ones(2),
                      schedule="super_universal", power=power)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**16), power=st.sampled_from([1.0, 2.0 / 3.0]))
def test_backend_agreement(backend, seed, power):
    """Every backend vs NumPy float64, 6 steps (rtol 1e-9: the Cholesky solves agree to round-off)."""
    rng = np.random.default_rng(seed)
    prob = peer_logistic(80, 6, lam=1e-2)
    x0 = 0.3 * rng.standard_normal(6)
    ref = damped_newton(prob, x0=x0, schedule="super_universal", power=power, gtol=0.0, max_iter=6)
    xb = backend.asarray(x0)
    got = damped_newton(prob, x0=xb, schedule="super_universal", power=power, gtol=0.0, max_iter=6)
    assert_backend_agrees(got.x, ref.x, rtol=1e-9, atol=1e-12, like=xb)
    np.testing.assert_allclose(got.reg, ref.reg, rtol=1e-8)
