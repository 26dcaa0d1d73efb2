"""Regression tests for the bad-input defects the fuzz harness (tests/bad_input) found in the newton family."""

from __future__ import annotations

import math

import numpy as np
import pytest

import refimpl.newton as nt


def _f(x):
    return 0.25 * np.sum((x - 1.0) ** 4) + 0.5 * np.sum(x * x)


def _g(x):
    return (x - 1.0) ** 3 + x


def _h(x):
    return np.diag(3.0 * (x - 1.0) ** 2 + 1.0)


_X0 = np.array([0.5, -1.0, 2.0])
_A = np.array([[2.0, 1.0, 0.0], [1.0, -1.0, 0.5], [0.0, 0.5, 1.0]])


def _cplx(f):
    return lambda x: f(x) * (1 + 1j)


@pytest.mark.parametrize("method", [nt.lazy_newton, nt.damped_newton])
@pytest.mark.parametrize("which", ["fun", "grad", "hess"])
def test_complex_oracle_output_is_a_type_error_naming_the_oracle(method, which):
    oracles = {"fun": _f, "grad": _g, "hess": _h}
    oracles[which] = _cplx(oracles[which])
    with pytest.raises(TypeError, match=f"{which} must return a real"):
        method(oracles["fun"], oracles["grad"], oracles["hess"], _X0, max_iter=20)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("which", ["fun", "grad", "hess"])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_nonfinite_oracle_output_stops_with_nonfinite(which, bad):
    oracles = {"fun": _f, "grad": _g, "hess": _h}
    f = oracles[which]
    oracles[which] = lambda x: f(x) * bad
    for method in (nt.lazy_newton, nt.damped_newton):
        res = method(oracles["fun"], oracles["grad"], oracles["hess"], _X0, max_iter=20)
        assert res.status.name == "NONFINITE" and not res.status.success


@pytest.mark.parametrize("kwargs", [dict(M=1e-300), dict(gtol=0.0), dict(gtol=1e-300)])
def test_lazy_newton_extreme_regularisation_or_tolerance_does_not_crash(kwargs):
    # was: ZeroDivisionError inside the secular-equation solver (r = 2 (mu - a_min) / M underflowed to 0)
    res = nt.lazy_newton(_f, _g, _h, _X0, m=2, max_iter=50, **kwargs)
    assert np.all(np.isfinite(res.x))
    assert res.status.name in ("CONVERGED", "MAX_ITER", "NONFINITE")


@pytest.mark.parametrize("g_scale, A_scale, M", [(1.0, 1.0, 1e308), (1e300, 1.0, 2.0), (1.0, 1e300, 2.0),
                                                 (1e-300, 1.0, 2.0), (1.0, 1.0, 1e-300)])
def test_cubic_step_extreme_scales_are_finite_or_a_clear_overflow(g_scale, A_scale, M):
    # was: NaN steps (M = 1e308) and a builtin FloatingPointError with "step length up to nan" (g = 1e300)
    g = np.array([1.0, -0.5, 0.25]) * g_scale
    A = _A * A_scale
    try:
        h = nt.cubic_step(g, A, M)
    except nt.CubicStepOverflow as exc:
        assert isinstance(exc, FloatingPointError) and f"M = {M!r}" in str(exc) and "nan" not in str(exc)
        return
    assert np.all(np.isfinite(h))
    r = np.linalg.norm(h)
    if r > 0 and np.isfinite(M * r):  # the optimality condition (A + M r / 2 I) h = -g, relative
        res = A @ h + 0.5 * M * r * h + g
        assert np.linalg.norm(res) <= 1e-8 * max(np.linalg.norm(g), np.linalg.norm(A @ h), 0.5 * M * r * r)


def test_cubic_step_scaled_solver_matches_the_optimality_condition():
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = 5
        B = rng.standard_normal((d, d))
        A = B + B.T
        g = rng.standard_normal(d)
        M = 10 ** rng.uniform(-3, 3)
        h = nt.cubic_step(g, A, M)
        r = np.linalg.norm(h)
        np.testing.assert_allclose(A @ h + 0.5 * M * r * h, -g, atol=1e-9 * max(1.0, np.abs(A).max() * r))
        assert np.linalg.eigvalsh(A + 0.5 * M * r * np.eye(d)).min() >= -1e-9 * np.abs(A).max()


def test_damped_newton_flops_is_none_not_nan():
    res = nt.damped_newton(_f, _g, _h, _X0)
    assert res.status.name == "CONVERGED" and res.flops is None
    assert isinstance(nt.lazy_newton(_f, _g, _h, _X0).flops, float)


def test_filtered_newton_n_steps_has_a_size_guard():
    prob = nt.linear_gaussian_regression(20, 2)
    with pytest.raises(ValueError, match="n_steps must be at most"):
        nt.filtered_stochastic_newton(prob, prob.theta0, n_steps=10**6, rng=0)


@pytest.mark.parametrize("cls, args", [(nt.LeastSquares, (np.eye(3), np.ones(3))),
                                       (nt.LogisticRegression, (np.eye(3), np.ones(3)))])
def test_mean_must_be_a_bool(cls, args):
    with pytest.raises(TypeError, match="mean must be True or False"):
        cls(*args, mean="yes")


@pytest.mark.parametrize("seed, exc", [("abc", TypeError), (-1, ValueError), (2.5, TypeError), (2**32, ValueError)])
def test_linear_gaussian_regression_seed_is_checked(seed, exc):
    with pytest.raises(exc, match="seed"):
        nt.linear_gaussian_regression(20, 2, seed=seed)


@pytest.mark.parametrize("bad, exc", [(3, TypeError), (object(), TypeError), ((1.0,), ValueError)])
def test_lazy_newton_oracle_flops_must_be_a_pair(bad, exc):
    with pytest.raises(exc, match="oracle_flops must be a pair"):
        nt.lazy_newton(_f, _g, _h, _X0, oracle_flops=bad)


def test_unfiltered_newton_reports_zero_momentum_not_nan():
    prob = nt.linear_gaussian_regression(20, 2)
    res = nt.filtered_stochastic_newton(prob, prob.theta0, n_steps=3, filtered=False, rng=0)
    assert res.status.success and np.all(res.spectral_radius == 0.0)


def test_filtered_newton_checks_what_subsample_returns():
    class NoBatch:
        n, d = 5, 2

        def subsample(self, rows):
            return None

    with pytest.raises(TypeError, match=r"problem.subsample\(rows\) must return a problem object"):
        nt.filtered_stochastic_newton(NoBatch(), np.zeros(2), rng=0)

    class Batch:
        def fun(self, x):
            return float(x @ x)

        def grad(self, x):
            return 2.0 * x

        def hess(self, x):
            return np.eye(3)  # wrong: (3, 3) for a (2,) x

    class WrongShape(NoBatch):
        def subsample(self, rows):
            return Batch()

    with pytest.raises(ValueError, match="batch grad and hess must return shapes"):
        nt.filtered_stochastic_newton(WrongShape(), np.zeros(2), rng=0)
