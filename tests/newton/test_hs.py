"""Tests of the equality-constrained test problems: derivatives, published solutions, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from refimpl.newton import ConstrainedProblem, constrained_logistic_problem, hs_problem, poisson_control_problem
from refimpl.newton.hs_problems import HS_NAMES


def _fd(fun, x, h=1e-6):
    """Central differences of fun (any output shape) along every coordinate, stacked on the last axis."""
    cols = []
    for i in range(x.shape[0]):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * h))
    return np.stack(cols, axis=-1)


def _points(p):
    rng = np.random.default_rng(len(p.name))
    return [p.x0, p.x0 + 0.3 * rng.standard_normal(p.n)]


@pytest.mark.parametrize("name", HS_NAMES)
def test_derivatives_match_finite_differences(name):
    p = hs_problem(name)
    for x in _points(p):
        np.testing.assert_allclose(p.grad(x), _fd(p.f, x), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(p.hess(x), _fd(p.grad, x), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(p.jac(x), _fd(p.c, x), rtol=1e-6, atol=1e-6)
        Hc = np.asarray(p.hess_c(x))
        assert Hc.shape == (p.m, p.n, p.n)
        np.testing.assert_allclose(Hc, _fd(p.jac, x), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(p.hess(x), np.asarray(p.hess(x)).T)


@pytest.mark.parametrize("name", HS_NAMES)
def test_published_solutions_are_kkt_points(name):
    p = hs_problem(name)
    xs = p.x_star
    assert xs is not None and p.f_star is not None
    # the published values have 7 significant digits (HS77, HS78, HS79) or are exact
    np.testing.assert_allclose(p.c(xs), 0.0, atol=1e-5)
    assert abs(float(p.f(xs)) - p.f_star) <= 2e-6 * max(1.0, abs(p.f_star))
    G = np.asarray(p.jac(xs))
    lam = np.linalg.lstsq(G.T, -np.asarray(p.grad(xs)), rcond=None)[0]
    assert np.linalg.norm(p.grad(xs) + G.T @ lam) <= 5e-5
    assert p.x0.shape == (p.n,) and p.lam0.shape == (p.m,)


def test_linear_flags_match_the_hessians():
    for name in HS_NAMES:
        p = hs_problem(name)
        if p.linear_constraints:
            assert np.all(np.asarray(p.hess_c(p.x0)) == 0.0)
    assert {n for n in HS_NAMES if hs_problem(n).linear_constraints and hs_problem(n).quadratic_objective} == {
        "HS28", "HS48", "HS51", "HS52", "BOOTH"}


def test_name_forms():
    assert hs_problem("hs28").name == "HS28" and hs_problem("HS028").name == "HS28" and hs_problem(" booth ").name == "BOOTH"


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="name must be one of HS6, HS7.*BOOTH; got 'HS99'"):
        hs_problem("HS99")
    with pytest.raises(TypeError, match="name must be a string"):
        hs_problem(28)


def test_poisson_control_instance():
    p = poisson_control_problem(3)
    assert (p.n, p.m) == (18, 9)
    np.testing.assert_allclose(p.c(p.x_star), 0.0, atol=1e-12)
    np.testing.assert_allclose(p.jac(p.x0), _fd(p.c, p.x0), atol=1e-6)
    np.testing.assert_allclose(p.grad(p.x0), _fd(p.f, p.x0), atol=1e-6)
    # the 5-point Laplacian of the authors' code: -4/h^2 on the diagonal, h = 2/(N + 1)
    assert np.allclose(np.diag(np.asarray(p.jac(p.x0))[:, :9]), -4 / 0.5**2)
    # stationarity at the solution with the least-squares multiplier
    G = np.asarray(p.jac(p.x_star))
    lam = np.linalg.lstsq(G.T, -p.grad(p.x_star), rcond=None)[0]
    assert np.linalg.norm(p.grad(p.x_star) + G.T @ lam) <= 1e-10
    with pytest.raises(ValueError, match="N must be"):
        poisson_control_problem(0)
    with pytest.raises(ValueError, match="alpha must be"):
        poisson_control_problem(3, alpha=-1.0)


def test_constrained_logistic_instance():
    p = constrained_logistic_problem(60, 14, rng=1)
    assert (p.n, p.m) == (14, 11)
    x = p.x0 * 0.3
    for fun, der in ((p.f, p.grad), (p.grad, p.hess), (p.c, p.jac), (p.jac, p.hess_c)):
        np.testing.assert_allclose(der(x), _fd(fun, x), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="d must be"):
        constrained_logistic_problem(50, 5)


def test_constrained_problem_from_callables():
    p = ConstrainedProblem(lambda x: x @ x, lambda x: 2 * x, lambda x: 2 * np.eye(2), lambda x: np.array([x[0] + x[1] - 1]),
                           lambda x: np.array([[1.0, 1.0]]), lambda x: np.zeros((1, 2, 2)), x0=[0.0, 0.0], m=1)
    assert (p.n, p.m) == (2, 1) and np.all(p.lam0 == 0)
    with pytest.raises(TypeError, match="lam0 or m must be given"):
        ConstrainedProblem(p.f, p.grad, p.hess, p.c, p.jac, p.hess_c, x0=[0.0, 0.0])
    with pytest.raises(TypeError, match="hess_c must be callable"):
        ConstrainedProblem(p.f, p.grad, p.hess, p.c, p.jac, None, x0=[0.0, 0.0], m=1)
