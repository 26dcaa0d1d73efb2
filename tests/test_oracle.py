"""Tests of the shared smooth-problem and oracle module (refimpl._oracle)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _oracle as O
from refimpl.backends import get_backend, to_numpy
from refimpl.testing import assert_backend_agrees


def _problems():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((30, 6))
    y = np.where(rng.standard_normal(30) > 0, 1.0, -1.0)
    return {
        "logistic": O.LogisticRegression(A, y, lam=0.1),
        "logistic-sum": O.LogisticRegression(A, y, lam=0.0, mean=False),
        "lsq": O.LeastSquares(A, rng.standard_normal(30), lam=0.3),
        "lsq-mean": O.LeastSquares(A, rng.standard_normal(30), mean=True),
        "rosenbrock": O.Rosenbrock(6),
        "polytope-p3": O.PolytopeFeasibility(A, 0.3 * rng.standard_normal(30), p=3),
        "polytope-p2.5": O.PolytopeFeasibility(A, 0.3 * rng.standard_normal(30), p=2.5),
        "quartic": O.SeparableQuartic(rng.standard_normal(6), mu=0.5),
    }


PROBLEMS = _problems()


def _fd_grad(f, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (float(f(x + e)) - float(f(x - e))) / (2 * h)
    return g


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_gradient_hessian_hessvec_match_finite_differences(name):
    p = PROBLEMS[name]
    rng = np.random.default_rng(1)
    for _ in range(3):
        x = 0.5 * rng.standard_normal(p.d)
        g = np.asarray(p.grad(x))
        np.testing.assert_allclose(g, _fd_grad(p.fun, x), rtol=1e-6, atol=1e-6 * (1 + np.abs(g).max()))
        H = np.asarray(p.hess(x))
        H_fd = np.stack([_fd_grad(lambda z, i=i: p.grad(z)[i], x) for i in range(p.d)])
        np.testing.assert_allclose(H, H_fd, rtol=1e-5, atol=1e-5 * (1 + np.abs(H).max()))
        np.testing.assert_allclose(H, H.T, atol=1e-12 * (1 + np.abs(H).max()))
        vec = rng.standard_normal(p.d)
        np.testing.assert_allclose(np.asarray(p.hessvec(x, vec)), H @ vec, rtol=1e-12, atol=1e-12 * (1 + np.abs(H).max()))
        f, g2 = p.fun_grad(x)
        assert float(f) == pytest.approx(float(p.fun(x)), rel=1e-14)
        np.testing.assert_allclose(np.asarray(g2), g, rtol=1e-14, atol=1e-15)


def test_closed_forms():
    rng = np.random.default_rng(2)
    # logistic: dense formula
    A = rng.standard_normal((40, 5))
    y = np.where(rng.standard_normal(40) > 0, 1.0, -1.0)
    w = rng.standard_normal(5)
    p = O.LogisticRegression(A, y, lam=0.2)
    z = A @ w
    assert float(p.fun(w)) == pytest.approx(np.mean(np.log1p(np.exp(-y * z))) + 0.1 * w @ w, rel=1e-13)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(np.asarray(p.hess(w)), A.T @ ((s * (1 - s))[:, None] * A) / 40 + 0.2 * np.eye(5), rtol=1e-12)
    # overflow-free at huge margins
    big = O.LogisticRegression(np.array([[1e4], [-1e4]]), np.array([1.0, 1.0]))
    assert np.isfinite(float(big.fun(np.array([1.0])))) and np.isfinite(np.asarray(big.grad(np.array([1.0])))).all()
    # least squares minimiser has zero gradient
    lsq = O.LeastSquares(A, rng.standard_normal(40), lam=0.5)
    assert np.abs(np.asarray(lsq.grad(lsq.minimizer()))).max() < 1e-12
    # Rosenbrock: minimiser at ones
    r = O.Rosenbrock(7)
    assert float(r.fun(np.ones(7))) == 0 and np.abs(np.asarray(r.grad(np.ones(7)))).max() == 0
    # quartic: Cardano minimiser
    q = O.SeparableQuartic(rng.standard_normal(8) * 3, mu=0.7)
    assert np.abs(np.asarray(q.grad(q.minimizer()))).max() < 1e-12
    # polytope: zero inside the polytope
    pf = O.PolytopeFeasibility(A, np.abs(A).sum(axis=1) + 1.0)
    assert float(pf.fun(np.zeros(5))) == 0.0 and float(pf.fun(np.ones(5) * 0.5)) == 0.0


def test_instances():
    p = O.lazy_hessians_logistic(200, 10, rng=3)
    assert (p.n, p.d, p.lam) == (200, 10, 1e-4) and set(np.unique(p.y)) == {-1.0, 1.0}
    q = O.peer_logistic(300, 20)
    assert (q.n, q.d) == (300, 20)
    pf = O.polytope_instance()
    assert pf.A.shape == (200, 100) and np.all(pf.x0 == 1) and pf.p == 3
    lg = O.linear_gaussian_regression()
    assert lg.A.shape == (100, 2) and lg.mean and lg.theta_true.shape == (2,)
    batch = lg.subsample([0, 0, 3])
    assert batch.n == 3 and np.all(batch.A[0] == lg.A[0])


def _oracle(fun, grad=None, hess=None, d=3, **kw):
    be = get_backend()
    return O.resolve_objective(fun, grad, hess, d=d, backend=be, dtype=be.xp.float64, **kw)


def test_oracle_counts_and_problem_objects():
    p = PROBLEMS["logistic"]
    orc = _oracle(p, d=p.d)
    x = np.zeros(p.d)
    orc.value(x), orc.gradient(x), orc.hessian(x), orc.hessvec(x, np.ones(p.d)), orc.value_and_gradient(x)
    orc.record_factor()
    assert orc.counts() == {"n_fev": 2, "n_grad": 2, "n_hess": 1, "n_hessvec": 1, "n_factor": 1}
    # callables without hessvec: the Hessian is formed and counted
    orc = _oracle(p.fun, p.grad, p.hess, d=p.d)
    orc.hessvec(x, np.ones(p.d))
    assert orc.n_hess == 1 and orc.n_hessvec == 0 and not orc.has_hessvec


def test_oracle_outputs_converted_and_symmetrised(backend):
    xp = backend.xp
    orc = O.resolve_objective(lambda x: 1.0, lambda x: [1.0, 2.0], lambda x: np.array([[2.0, 1.0], [1.0 + 1e-12, 3.0]]),
                              d=2, backend=backend, dtype=xp.float64)
    x = backend.asarray(np.zeros(2))
    g, H = orc.gradient(x), orc.hessian(x)
    assert type(g) is type(x) and type(H) is type(x)
    np.testing.assert_array_equal(to_numpy(H), to_numpy(H).T)


BAD_ORACLES = [
    (dict(fun=lambda x: np.ones(2), grad=lambda x: x, hess=lambda x: np.eye(3)), "value", ValueError, "fun must return a scalar"),
    (dict(fun=lambda x: "a", grad=lambda x: x, hess=lambda x: np.eye(3)), "value", TypeError, "fun must return a real scalar"),
    (dict(fun=lambda x: 0.0, grad=lambda x: np.ones(2), hess=lambda x: np.eye(3)), "gradient", ValueError, r"grad must return an array of shape \(3,\)"),
    (dict(fun=lambda x: 0.0, grad=lambda x: x, hess=lambda x: np.ones((3, 2))), "hessian", ValueError, "hess must return a square"),
    (dict(fun=lambda x: 0.0, grad=lambda x: x, hess=lambda x: np.triu(np.ones((3, 3)))), "hessian", ValueError, "hess must return a symmetric"),
    (dict(fun=lambda x: 0.0, grad=lambda x: x, hess=lambda x: np.eye(2)), "hessian", ValueError, r"hess must return an array of shape \(3, 3\)"),
]


@pytest.mark.parametrize("kwargs, method, exc, match", BAD_ORACLES)
def test_bad_oracle_output(kwargs, method, exc, match):
    orc = _oracle(kwargs["fun"], kwargs["grad"], kwargs["hess"])
    with pytest.raises(exc, match=match):
        getattr(orc, method)(np.zeros(3))


@pytest.mark.parametrize("method, which", [("value", "fun"), ("gradient", "grad"), ("hessian", "hess")])
def test_nonfinite_oracle_values_raise_the_marker(method, which):
    orc = _oracle(lambda x: np.nan, lambda x: np.full(3, np.inf), lambda x: np.full((3, 3), np.nan))
    with pytest.raises(O.NonFiniteOracleValue) as info:
        getattr(orc, method)(np.zeros(3))
    assert info.value.which == which


BAD_RESOLVE = [
    (dict(fun=3, grad=None, hess=None), TypeError, "fun must be a callable"),
    (dict(fun=lambda x: 0.0, grad=None, hess=None), TypeError, "grad must be given"),
    (dict(fun=lambda x: 0.0, grad=lambda x: x, hess=None), TypeError, "hess must be given"),
    (dict(fun=lambda x: 0.0, grad=lambda x: x, hess=5), TypeError, "hess must be callable"),
    (dict(fun=O.Rosenbrock(3), grad=lambda x: x, hess=None), TypeError, "either a problem object"),
]


@pytest.mark.parametrize("kwargs, exc, match", BAD_RESOLVE)
def test_bad_resolve(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        _oracle(**kwargs)


BAD_PROBLEMS = [
    (lambda: O.LogisticRegression(np.ones((3, 2)), [1, 0, 1]), ValueError, "y must hold labels -1 or"),
    (lambda: O.LogisticRegression(np.ones((3, 2)), [1, 1]), ValueError, r"y must have shape \(3,\)"),
    (lambda: O.LogisticRegression(np.ones(3), [1, 1, 1]), ValueError, "A must be a 2-D"),
    (lambda: O.LogisticRegression(np.ones((3, 2)), [1, 1, 1], lam=-1), ValueError, "lam must be"),
    (lambda: O.LeastSquares([[1.0, np.nan]], [1.0]), ValueError, "A must contain only finite"),
    (lambda: O.PolytopeFeasibility(np.ones((3, 2)), np.ones(3), p=1.5), ValueError, r"p must lie in \[2"),
    (lambda: O.Rosenbrock(1), ValueError, "d must be an integer >= 2"),
    (lambda: O.SeparableQuartic([1.0, 2.0], mu=-1), ValueError, "mu must be"),
]


@pytest.mark.parametrize("make, exc, match", BAD_PROBLEMS)
def test_bad_problem_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@settings(max_examples=8)
@given(seed=st.integers(0, 2**16), name=st.sampled_from(sorted(PROBLEMS)))
def test_backend_agreement(backend, seed, name):
    """Each problem's oracles on every backend vs NumPy float64 (rtol 1e-12: a few flops per entry)."""
    p = PROBLEMS[name]
    rng = np.random.default_rng(seed)
    x, vec = 0.5 * rng.standard_normal(p.d), rng.standard_normal(p.d)
    xb, vb = backend.asarray(x), backend.asarray(vec)
    assert_backend_agrees(float(p.fun(xb)), float(p.fun(x)), rtol=1e-12)
    assert_backend_agrees(p.grad(xb), np.asarray(p.grad(x)), rtol=1e-11, atol=1e-12)
    assert_backend_agrees(p.hess(xb), np.asarray(p.hess(x)), rtol=1e-11, atol=1e-12)
    assert_backend_agrees(p.hessvec(xb, vb), np.asarray(p.hessvec(x, vec)), rtol=1e-11, atol=1e-11)
