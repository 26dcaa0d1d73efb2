"""Tests of the affine-scaling trust region for bound-constrained systems and of the box test systems."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.newton import (
    TrustRegionStatus,
    brown_almost_linear,
    chandrasekhar_h,
    chemical_equilibrium,
    powell_badly_scaled,
    scaled_trust_region,
)
from refimpl.newton.trust_region import scaling_vector
from refimpl.testing import assert_backend_agrees

SCALINGS = ["cl", "huu", "kk", "convex"]
STEPS = ["dogleg", "newton_or_cauchy"]


def _suite():
    return [chandrasekhar_h(100, 0.9), chandrasekhar_h(100, 0.99), chandrasekhar_h(100, 0.9999),
            powell_badly_scaled(), brown_almost_linear(10), chemical_equilibrium()]


SUITE = _suite()
IDS = ["h0.9", "h0.99", "h0.9999", "powell", "brown", "chem"]


def _solve(prob, **kw):
    return scaled_trust_region(prob.F, prob.J, prob.x0, prob.lb, prob.ub, **kw)


@pytest.mark.parametrize("prob", SUITE, ids=IDS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("scaling", SCALINGS)
def test_every_scaling_converges_strictly_inside(prob, scaling, step):
    seen = []
    res = _solve(prob, scaling=scaling, step=step, callback=lambda s: seen.append(np.array(s.x)))
    assert res.status is TrustRegionStatus.CONVERGED, res.message
    assert res.fnorm <= 1e-8 and res.n_iter <= 300
    for xk in [prob.x0] + seen:  # every iterate strictly inside the box
        assert np.all(xk > prob.lb) and np.all(xk < prob.ub)
    assert np.all(res.margins > 0) and len(res.margins) == res.n_iter + 1 == len(res.fnorms)
    assert np.all(np.diff(res.fnorms) < 0)  # accepted steps decrease ||F|| (rho >= 0.25 > 0)
    assert len(res.steps) == len(res.radii) == len(res.rho) == res.n_iter
    assert set(res.steps) <= {"newton", "cauchy", "dogleg"} and np.all(res.rho >= 0.25)
    assert res.n_fev == res.n_iter + 1 + res.n_reject and res.n_grad == res.n_iter == res.n_factor
    if prob.x_star is not None:
        np.testing.assert_allclose(res.x, prob.x_star, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("prob", SUITE, ids=IDS)
def test_roots_equal_scipy_trf(prob):
    least_squares = pytest.importorskip("scipy.optimize").least_squares
    res = _solve(prob, ftol=1e-13)
    ref = least_squares(prob.F, prob.x0, jac=prob.J, bounds=(prob.lb, prob.ub), method="trf", xtol=1e-15,
                        ftol=1e-15, gtol=1e-15, max_nfev=2000)
    assert res.status is TrustRegionStatus.CONVERGED and np.linalg.norm(ref.fun) <= 1e-12
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("scaling", SCALINGS)
def test_local_quadratic_convergence(scaling):
    """Near an interior root the Newton step is taken and ||F_{k+1}|| <= C ||F_k||^2 (C ~ 1 here)."""
    prob = chandrasekhar_h(60, 0.99)
    root = _solve(prob, ftol=1e-14).x
    rng = np.random.default_rng(0)
    x0 = root * (1 + 0.05 * rng.standard_normal(60))
    res = scaled_trust_region(prob.F, prob.J, x0, prob.lb, prob.ub, scaling=scaling, ftol=1e-13)
    assert res.status is TrustRegionStatus.CONVERGED and res.steps[-2:] == ("newton",) * 2
    f = res.fnorms
    ratios = f[1:] / f[:-1] ** 2
    assert len(ratios) >= 2 and np.all(ratios[-2:] <= 10.0), ratios


def _fd_jacobian(F, x, h=1e-6):
    cols = []
    for j in range(len(x)):
        e = np.zeros_like(x)
        e[j] = h * max(1.0, abs(x[j]))
        cols.append((F(x + e) - F(x - e)) / (2 * e[j]))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("prob", [chandrasekhar_h(8, 0.99), powell_badly_scaled(), brown_almost_linear(5),
                                  chemical_equilibrium()], ids=["h", "powell", "brown", "chem"])
def test_jacobians_vs_finite_differences(prob):
    rng = np.random.default_rng(1)
    for x in (prob.x0, prob.x0 * (1 + 0.3 * rng.random(prob.n))):
        J = prob.J(x)
        fd = _fd_jacobian(prob.F, x)
        np.testing.assert_allclose(J, fd, rtol=1e-6, atol=1e-6 * max(1.0, np.abs(J).max()))


def test_brown_jacobian_with_zero_entry():
    prob = brown_almost_linear(4)
    x = np.array([0.0, 0.5, 0.7, 0.2])
    np.testing.assert_allclose(prob.J(x)[-1], [0.5 * 0.7 * 0.2, 0.0, 0.0, 0.0], atol=1e-16)


def test_box_system_roots():
    for prob in (powell_badly_scaled(), brown_almost_linear(10), chemical_equilibrium()):
        assert np.linalg.norm(prob.F(prob.x_star)) <= 1e-12
        assert np.all(prob.x_star > prob.lb) and np.all(prob.x_star < prob.ub)
        assert np.all(prob.x0 > prob.lb) and np.all(prob.x0 < prob.ub)
    for n in (2, 10, 20):  # Brown's other root (alpha, ..., alpha, alpha^(1-n)) is outside [0, 1.1]^n
        c = np.zeros(n + 1)
        c[0], c[1], c[-1] = n, -(n + 1), 1
        alpha = [a.real for a in np.roots(c) if abs(a.imag) < 1e-12 and 0 < a.real < 1 - 1e-6]
        assert alpha and alpha[0] ** (1 - n) > 1.1


def test_convex_weights_reduce_to_components():
    prob = powell_badly_scaled()
    for comp, w in (("cl", (1, 0, 0)), ("huu", {"huu": 1.0}), ("kk", [0.0, 0.0, 1.0])):
        a = _solve(prob, scaling=comp)
        b = _solve(prob, scaling="convex", weights=w)
        np.testing.assert_array_equal(a.x, b.x)
        assert a.steps == b.steps and b.weights == tuple(float(t) for t in (w if not isinstance(w, dict) else (0, 1, 0)))


def test_scaling_formulas():
    x = np.array([0.5, 0.2, 0.9, 3.0, 0.5])
    lb = np.array([0.0, 0.0, 0.0, -np.inf, -np.inf])
    ub = np.array([1.0, 1.0, 1.0, np.inf, 2.0])
    g = np.array([1.0, -2.0, 0.0, 1.0, 0.5])
    cl = scaling_vector(x, g, lb, ub, (1, 0, 0), huu_p=2.0, kk_gamma=1.0)
    np.testing.assert_allclose(cl, [0.5, 0.8, 0.1, 1.0, 1.0])
    kk = scaling_vector(x, g, lb, ub, (0, 0, 1), huu_p=2.0, kk_gamma=1.0)
    np.testing.assert_allclose(kk, [min(0.5, 0.5 + 1.0), min(0.2 + 2.0, 0.8), 0.1, 1.0, 1.5 + 0.5])
    huu = scaling_vector(x, g, lb, ub, (0, 1, 0), huu_p=2.0, kk_gamma=1.0)
    # |g| < min^p or min < |g|^p: 1<0.25 no, 0.5<1 yes -> cl; 2<0.04 no, 0.2<4 yes -> cl; 0<0.01 -> cl
    np.testing.assert_allclose(huu, [0.5, 0.8, 0.1, 1.0, 1.0])
    mix = scaling_vector(x, g, lb, ub, (0.2, 0.3, 0.5), huu_p=2.0, kk_gamma=1.0)
    np.testing.assert_allclose(mix, 0.2 * cl + 0.3 * huu + 0.5 * kk)


def test_infinite_and_mixed_bounds():
    # F(x) = (x0^2 - 2, x1 - 3 + 0.1 x0): root (sqrt 2, 3 - 0.1 sqrt 2)
    F = lambda x: np.array([x[0] ** 2 - 2.0, x[1] - 3.0 + 0.1 * x[0]])  # noqa: E731
    J = lambda x: np.array([[2 * x[0], 0.0], [0.1, 1.0]])  # noqa: E731
    root = np.array([math.sqrt(2), 3 - 0.1 * math.sqrt(2)])
    for lb, ub in ((-np.inf, np.inf), (None, None), ([0.0, -np.inf], [np.inf, 10.0]), (0.1, 5.0)):
        for scaling in SCALINGS:
            res = scaled_trust_region(F, J, np.array([1.0, 1.0]), lb, ub, scaling=scaling)
            assert res.status is TrustRegionStatus.CONVERGED, (lb, ub, scaling)
            np.testing.assert_allclose(res.x, root, rtol=1e-8)


def test_root_on_the_boundary_is_approached_from_inside():
    # F(x) = x - 1 + y on [1, 2]^... : the root x = (1, ...) lies on the lower bound
    F = lambda x: x - 1.0  # noqa: E731
    J = lambda x: np.eye(len(x))  # noqa: E731
    for scaling in SCALINGS:
        res = scaled_trust_region(F, J, np.full(3, 1.5), 1.0, 2.0, scaling=scaling, ftol=1e-10, max_iter=300)
        assert res.status is TrustRegionStatus.CONVERGED and np.all(res.margins > 0)
        assert np.all(res.x > 1.0)


def test_statuses():
    prob = chandrasekhar_h(20, 0.99)
    res = _solve(prob, max_iter=2)
    assert res.status is TrustRegionStatus.MAX_ITER and res.n_iter == 2 and not res.success
    res = _solve(prob, callback=lambda s: True)
    assert res.status is TrustRegionStatus.CALLBACK and res.n_iter == 1 and res.success
    res = _solve(prob, max_iter=0)
    assert res.status is TrustRegionStatus.MAX_ITER and res.n_iter == 0 and res.n_fev == 1
    res = scaled_trust_region(lambda x: x * np.nan, prob.J, prob.x0, prob.lb, prob.ub)
    assert res.status is TrustRegionStatus.NONFINITE and res.n_iter == 0
    res = scaled_trust_region(prob.F, lambda x: prob.J(x) * np.inf, prob.x0, prob.lb, prob.ub)
    assert res.status is TrustRegionStatus.NONFINITE
    # no root: F(x) = (x^2 + 1): the merit has its minimum at x = 0 with ||F|| = 1
    res = scaled_trust_region(lambda x: x**2 + 1.0, lambda x: np.diag(2 * x), np.array([0.7]), -1.0, 2.0,
                              max_iter=300, gtol=1e-10)
    assert res.status in (TrustRegionStatus.STATIONARY, TrustRegionStatus.SMALL_RADIUS) and not res.success
    assert abs(res.x[0]) < 1e-4
    res = scaled_trust_region(lambda x: x**2 + 1.0, lambda x: np.diag(2 * x), np.array([0.7]), -1.0, 2.0,
                              max_iter=300)
    assert res.status in (TrustRegionStatus.STATIONARY, TrustRegionStatus.SMALL_RADIUS)


def test_nonfinite_trial_points_are_rejected_not_fatal():
    # F = atan(x - 2): the first Newton step from 0.5 overshoots to 3.69, where F is made infinite
    seen = []

    def F(x):
        if np.any(x > 3.5):
            seen.append(x)
            return np.full(1, np.inf)
        return np.arctan(x - 2.0)

    res = scaled_trust_region(F, lambda x: np.diag(1 / (1 + (x - 2) ** 2)), np.array([0.5]), 0.0, np.inf,
                              delta0=100.0, trust_region="spherical")
    assert res.status is TrustRegionStatus.CONVERGED and res.n_reject >= 1 and seen
    np.testing.assert_allclose(res.x, [2.0], atol=1e-8)


def test_singular_jacobian_falls_back_to_cauchy():
    # s = x0 + x1: F = (s - 2, s^2 - 4) has a Jacobian of rank 1 everywhere; roots s = 2
    def F(x):
        s = x[0] + x[1]
        return np.array([s - 2.0, s * s - 4.0])

    def J(x):
        s = x[0] + x[1]
        return np.array([[1.0, 1.0], [2 * s, 2 * s]])

    res = scaled_trust_region(F, J, np.array([0.2, 0.3]), 0.0, 5.0, ftol=1e-8, max_iter=300)
    assert res.status is TrustRegionStatus.CONVERGED
    assert res.n_singular >= 1 and abs(res.x.sum() - 2) < 1e-8
    assert all(k == "cauchy" for k in res.steps[: res.n_singular]) or res.n_singular <= res.n_iter


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**20), scaling=st.sampled_from(SCALINGS), step=st.sampled_from(STEPS),
       region=st.sampled_from(["elliptical", "spherical"]))
def test_random_systems_stay_strictly_inside(seed, scaling, step, region):
    """Random mildly nonlinear systems F(x) = A(x - r) + 0.3 sin(x - r) on random boxes (root inside or not):
    every iterate is strictly inside, ||F|| decreases, and a root inside the box is found."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 6))
    A = rng.standard_normal((n, n)) + 2.0 * np.eye(n)
    r = rng.uniform(-2, 2, n)
    lb = np.where(rng.random(n) < 0.2, -np.inf, rng.uniform(-3, 0, n))
    ub = np.where(rng.random(n) < 0.2, np.inf, lb + rng.uniform(0.5, 4, n))
    ub = np.where(np.isinf(lb) & np.isinf(ub), np.inf, np.where(np.isinf(lb), rng.uniform(-1, 3, n), ub))
    with np.errstate(invalid="ignore"):  # inf - inf in the unused branch
        x0 = np.where(np.isfinite(lb) & np.isfinite(ub), lb + rng.uniform(0.05, 0.95, n) * (ub - lb),
                      np.where(np.isfinite(lb), lb + 1.0, np.where(np.isfinite(ub), ub - 1.0, 0.0)))
    F = lambda x: A @ (x - r) + 0.3 * np.sin(x - r)  # noqa: E731
    J = lambda x: A + 0.3 * np.diag(np.cos(x - r))  # noqa: E731
    xs = [x0]
    res = scaled_trust_region(F, J, x0, lb, ub, scaling=scaling, step=step, trust_region=region, max_iter=100,
                              gtol=1e-14, callback=lambda s: xs.append(np.array(s.x)))
    for x in xs:
        assert np.all(x > lb) and np.all(x < ub)
    assert np.all(res.margins > 0) and np.all(np.diff(res.fnorms) < 0)
    inside = np.all(r > lb + 1e-3) and np.all(r < ub - 1e-3)
    if inside and np.linalg.cond(A) < 50 and abs(np.linalg.det(A)) > 0.5:
        assert res.status is TrustRegionStatus.CONVERGED, (res.message, res.n_iter)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**16), scaling=st.sampled_from(SCALINGS), step=st.sampled_from(STEPS))
def test_backend_agreement(backend, seed, scaling, step):
    """Every backend vs NumPy float64, 4 accepted steps of the H-equation (n = 12, c in [0.5, 0.99]).

    The Jacobian is well conditioned (cond < 1e3 for c <= 0.99 at n = 12): LU solves agree to
    ~1e-13 between LAPACK builds, and the step-kind decisions are identical; rtol 1e-9."""
    rng = np.random.default_rng(seed)
    c = float(rng.uniform(0.5, 0.99))
    prob = chandrasekhar_h(12, c)
    x0 = rng.uniform(0.5, 2.0, 12)
    ref = scaled_trust_region(prob.F, prob.J, x0, prob.lb, prob.ub, scaling=scaling, step=step, max_iter=4, ftol=0.0)
    xb = backend.asarray(x0)
    got = scaled_trust_region(prob.F, prob.J, xb, prob.lb, prob.ub, scaling=scaling, step=step, max_iter=4, ftol=0.0)
    assert_backend_agrees(got.x, ref.x, rtol=1e-9, atol=1e-12, like=xb)
    assert got.steps == ref.steps
    np.testing.assert_allclose(got.fnorms, ref.fnorms, rtol=1e-8, atol=1e-14)


_F = lambda x: x - 0.5  # noqa: E731
_J = lambda x: np.eye(len(x))  # noqa: E731
BAD = [
    (dict(x0=np.array([1.5, 0.5])), ValueError, r"x0 must lie strictly inside the box.*outside"),
    (dict(x0=np.array([0.0, 0.5])), ValueError, r"x0 must lie strictly inside the box.*on the boundary"),
    (dict(x0=np.array([0.5, 1.0])), ValueError, r"on the boundary"),
    (dict(lb=np.array([0.0, 1.0])), ValueError, r"lb must be strictly below ub.*lb\[1\] = 1 >= ub\[1\] = 1"),
    (dict(lb=np.array([0.0, 2.0])), ValueError, r"lb must be strictly below ub"),
    (dict(lb=np.array([0.0, np.nan])), ValueError, "lb must not contain NaN"),
    (dict(lb=np.array([np.inf, 0.0])), ValueError, r"lb must not contain \+inf"),
    (dict(ub=np.array([-np.inf, 1.0])), ValueError, r"ub must not contain -inf"),
    (dict(lb=np.zeros(3)), ValueError, r"lb must be a scalar or have shape \(2,\)"),
    (dict(ub=np.ones((2, 2))), ValueError, "ub must be a 0-D or 1-D array"),
    (dict(x0=np.array([np.nan, 0.5])), ValueError, "x0 must contain only finite values"),
    (dict(x0=np.ones((2, 1)) * 0.5), ValueError, "x0 must be a 1-D array"),
    (dict(x0=np.array([0.5 + 1j, 0.5])), TypeError, "x0 must be real-valued"),
    (dict(scaling="coleman"), ValueError, "scaling must be one of"),
    (dict(step="exact"), ValueError, "step must be one of"),
    (dict(trust_region="box"), ValueError, "trust_region must be one of"),
    (dict(weights=(1, 0, 0)), ValueError, "weights apply only to scaling='convex'"),
    (dict(scaling="convex", weights=(0.5, 0.6, 0.0)), ValueError, "weights must sum to 1"),
    (dict(scaling="convex", weights=(1.5, -0.5, 0.0)), ValueError, "weights must be non-negative"),
    (dict(scaling="convex", weights=(0.5, 0.5)), ValueError, "weights must have 3 entries"),
    (dict(scaling="convex", weights={"cl": 0.5, "foo": 0.5}), ValueError, "weights keys must be among"),
    (dict(scaling="convex", weights="cl"), TypeError, "weights must be 3 non-negative"),
    (dict(ftol=-1.0), ValueError, "ftol must be a finite non-negative"),
    (dict(max_iter=-1), ValueError, "max_iter must be an integer >= 0"),
    (dict(max_iter=2.5), TypeError, "max_iter must be an integer"),
    (dict(delta0=0.0), ValueError, "delta0 must be a finite positive"),
    (dict(theta=1.0), ValueError, r"theta must lie in \(0, 1\)"),
    (dict(sigma=0.0), ValueError, r"sigma must lie in \(0, 1\)"),
    (dict(accept=0.8, very_good=0.5), ValueError, "very_good must be >= accept"),
    (dict(shrink=1.0), ValueError, r"shrink must lie in \(0, 1\)"),
    (dict(expand=0.5), ValueError, r"expand must lie in \[1, inf\)"),
    (dict(huu_p=1.0), ValueError, r"huu_p must lie in \(1, inf\)"),
    (dict(kk_gamma=0.0), ValueError, "kk_gamma must be a finite positive"),
    (dict(F="f"), TypeError, "F must be callable"),
    (dict(J=None), TypeError, "J must be callable"),
    (dict(callback=3), TypeError, "callback must be None or a callable"),
    (dict(F=lambda x: np.ones(3)), ValueError, r"F must return an array of shape \(2,\)"),
    (dict(J=lambda x: np.ones((2, 3))), ValueError, r"J must return an array of shape \(2, 2\)"),
    (dict(F=lambda x: None), TypeError, "F must return a real array"),
    (dict(F=lambda x: x * 1j), TypeError, "F must return a real array of shape .* complex"),
]


@pytest.mark.parametrize("kwargs, exc, match", BAD)
def test_bad_input(kwargs, exc, match):
    args = dict(F=_F, J=_J, x0=np.array([0.25, 0.75]), lb=np.zeros(2), ub=np.ones(2))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        scaled_trust_region(**args)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: chandrasekhar_h(0, 0.9), ValueError, "n must be an integer >= 1"),
    (lambda: chandrasekhar_h(10, 1.0), ValueError, r"c must lie in \(0, 1\)"),
    (lambda: chandrasekhar_h(10**6, 0.9), ValueError, "n must be at most 20000"),
    (lambda: brown_almost_linear(1), ValueError, "n must be an integer >= 2"),
    (lambda: brown_almost_linear(21), ValueError, "n must be at most 20"),
    (lambda: chandrasekhar_h(5, 0.9).F(np.ones(4)), ValueError, "x must be a 1-D array of length 5"),
])
def test_box_system_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("make", [lambda: chandrasekhar_h(7, 0.9), powell_badly_scaled, lambda: brown_almost_linear(4),
                                  chemical_equilibrium], ids=["h", "powell", "brown", "chem"])
def test_box_systems_on_every_backend(backend, make):
    """F and J are written with the array API: every backend gives the NumPy values (rtol 1e-13: a few flops each)."""
    prob = make()
    x = prob.x0 * 1.1
    xb = backend.asarray(x)
    assert_backend_agrees(prob.F(xb), prob.F(x), rtol=1e-13, atol=1e-15, like=xb)
    assert_backend_agrees(prob.J(xb), prob.J(x), rtol=1e-13, atol=1e-15, like=xb)


def test_float32_input_stays_float32():
    prob = chandrasekhar_h(30, 0.99)
    res = scaled_trust_region(prob.F, prob.J, prob.x0.astype(np.float32), prob.lb, prob.ub, ftol=1e-5)
    assert res.status is TrustRegionStatus.CONVERGED and res.x.dtype == np.float32
    ref = _solve(prob, ftol=1e-12)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-5)
