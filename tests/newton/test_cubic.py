"""Tests of the cubic subproblem solver: optimality conditions, random trial points, brute force, hard case."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from refimpl.newton import cubic_step
from refimpl.testing import assert_backend_agrees


def model(g, A, M, h):
    return g @ h + 0.5 * h @ A @ h + M / 6 * np.linalg.norm(h) ** 3


def random_problem(d, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    a = rng.standard_normal(d) * 3 + shift
    return rng.standard_normal(d), (Q * a) @ Q.T


def check_optimal(g, A, M, h, tol=1e-10):
    r = np.linalg.norm(h)
    # relative to the size of the terms (round-off level: eps * (|g| + |A||h| + M r^2 / 2))
    scale = np.linalg.norm(g) + np.linalg.norm(A, 2) * r + 0.5 * M * r * r
    assert np.linalg.norm(g + A @ h + 0.5 * M * r * h) <= tol * scale
    assert np.linalg.eigvalsh(A + 0.5 * M * r * np.eye(len(g))).min() >= -tol * max(1.0, np.abs(A).max())


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("M", [1e-3, 1.0, 1e3])
def test_optimality_conditions_and_random_trial_points(seed, M):
    g, A = random_problem(50, seed)
    h = cubic_step(g, A, M)
    check_optimal(g, A, M, h)
    rng = np.random.default_rng(100 + seed)
    r = max(np.linalg.norm(h), 1e-3)
    trials = np.concatenate([h + r * 10.0 ** rng.uniform(-6, 1, (500, 1)) * rng.standard_normal((500, 50)),
                             r * 10.0 ** rng.uniform(-3, 1, (500, 1)) * rng.standard_normal((500, 50))])
    m0 = model(g, A, M, h)
    vals = np.einsum("i,ki->k", g, trials) + 0.5 * np.einsum("ki,ij,kj->k", trials, A, trials) \
        + M / 6 * np.linalg.norm(trials, axis=1) ** 3
    assert np.all(m0 <= vals + 1e-12 * abs(m0))


@pytest.mark.parametrize("seed", range(20))
def test_brute_force_2d_indefinite(seed):
    rng = np.random.default_rng(seed)
    g, A = random_problem(2, seed, shift=-1.0)
    M = 10.0 ** rng.uniform(-1, 1)
    h = cubic_step(g, A, M)
    # brute force: dense grid then polish from the best grid points with BFGS
    R = 4 * (np.abs(A).max() / M + np.sqrt(np.linalg.norm(g) / M)) + 1
    t = np.linspace(-R, R, 401)
    X, Y = np.meshgrid(t, t)
    P = np.stack([X.ravel(), Y.ravel()], 1)
    vals = P @ g + 0.5 * np.einsum("ki,ij,kj->k", P, A, P) + M / 6 * np.linalg.norm(P, axis=1) ** 3
    best = min((minimize(lambda z: model(g, A, M, z), P[i], jac=lambda z: g + A @ z + 0.5 * M * np.linalg.norm(z) * z,
                         method="BFGS", options={"gtol": 1e-13}).fun
                for i in np.argsort(vals)[:5]))
    assert model(g, A, M, h) <= best + 1e-10


def test_hard_case():
    A = np.diag([-1.0, 2.0, 3.0])
    g = np.array([0.0, 1.0, 1.0])
    M = 1.0
    h = cubic_step(g, A, M)
    check_optimal(g, A, M, h)
    assert np.linalg.norm(h) == pytest.approx(2.0, rel=1e-12)  # r_min = -2 a_min / M
    np.testing.assert_allclose(h[1:], [-1 / 3, -1 / 4], rtol=1e-12)
    # the other sign of the eigenvector is the other global minimiser: same model value
    h2 = h * np.array([-1.0, 1.0, 1.0])
    assert model(g, A, M, h) == pytest.approx(model(g, A, M, h2), rel=1e-14)
    # rotated version: the hard case in a non-diagonal basis
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
    hr = cubic_step(Q @ g, Q @ A @ Q.T, M)
    check_optimal(Q @ g, Q @ A @ Q.T, M, hr, tol=1e-9)
    assert model(Q @ g, Q @ A @ Q.T, M, hr) == pytest.approx(model(g, A, M, h), rel=1e-10)


def test_near_hard_case_is_continuous():
    A = np.diag([-1.0, 2.0, 3.0])
    M = 1.0
    h0 = cubic_step(np.array([0.0, 1.0, 1.0]), A, M)
    for eps in (1e-4, 1e-6, 1e-8):
        g = np.array([eps, 1.0, 1.0])
        h = cubic_step(g, A, M)
        check_optimal(g, A, M, h, tol=1e-9)
        assert np.linalg.norm(np.abs(h) - np.abs(h0)) <= 10 * np.sqrt(eps)


def test_zero_gradient_and_convex_cases():
    assert np.all(cubic_step(np.zeros(3), np.eye(3), 1.0) == 0)
    h = cubic_step(np.zeros(2), np.diag([-2.0, 1.0]), 2.0)  # saddle: move along the negative curvature
    assert np.linalg.norm(h) == pytest.approx(2.0) and abs(h[1]) < 1e-15
    # large M: the step tends to -g / ||g|| * sqrt(2||g||/M)
    g = np.array([3.0, 4.0])
    h = cubic_step(g, np.zeros((2, 2)), 1e6)
    np.testing.assert_allclose(h, -g / 5 * np.sqrt(2 * 5 / 1e6), rtol=1e-12)
    # lists accepted
    check_optimal(np.array([1.0, 2.0]), np.array([[2.0, 0.5], [0.5, 1.0]]), 1.0,
                  cubic_step([1.0, 2.0], [[2.0, 0.5], [0.5, 1.0]], 1.0))


def test_extreme_M():
    g, A = random_problem(5, 1)
    h = cubic_step(g, A, 1e300)
    np.testing.assert_allclose(h, -g / np.linalg.norm(g) * np.sqrt(2 * np.linalg.norm(g) / 1e300), rtol=1e-6)
    with pytest.raises(FloatingPointError, match="M = 1e-300 is too small"):
        cubic_step(np.ones(2), np.diag([-1.0, 1.0]), 1e-300)
    with pytest.raises(FloatingPointError, match="M = 1e-300 is too small"):
        cubic_step(np.array([0.0, 1.0]), np.diag([-1.0, 1.0]), 1e-300)  # hard case
    with pytest.raises(FloatingPointError, match="M = 1e-300 is too small"):
        cubic_step(np.ones(2), np.zeros((2, 2)), 1e-300)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**16), d=st.integers(1, 12), logM=st.floats(-2, 2))
def test_backend_agreement(backend, seed, d, logM):
    """Every backend vs NumPy float64 (rtol 1e-8: eigenvectors of clustered eigenvalues are ill-conditioned, the step is not)."""
    g, A = random_problem(d, seed)
    M = 10.0**logM
    expected = cubic_step(g, A, M)
    gb, Ab = backend.asarray(g), backend.asarray(A)
    got = cubic_step(gb, Ab, M)
    assert_backend_agrees(got, expected, rtol=1e-8, atol=1e-9 * np.linalg.norm(expected), like=gb)


BAD = [
    (dict(g=np.ones(3), A=np.ones((3, 2)), M=1.0), ValueError, "A must be a square"),
    (dict(g=np.ones(3), A=np.ones((2, 2)), M=1.0), ValueError, r"A must have shape \(3, 3\)"),
    (dict(g=np.ones(2), A=np.array([[1.0, 2.0], [0.0, 1.0]]), M=1.0), ValueError, "A must be symmetric"),
    (dict(g=np.ones(2), A=np.eye(2), M=0.0), ValueError, "M must be a finite positive"),
    (dict(g=np.ones(2), A=np.eye(2), M=-1.0), ValueError, "M must be a finite positive"),
    (dict(g=np.ones(2), A=np.eye(2), M=np.inf), ValueError, "M must be a finite positive"),
    (dict(g=np.ones(2), A=np.eye(2), M="1"), TypeError, "M must be a real number"),
    (dict(g=np.array([1.0, np.nan]), A=np.eye(2), M=1.0), ValueError, "g must contain only finite"),
    (dict(g=np.ones((2, 1)), A=np.eye(2), M=1.0), ValueError, "g must be a 1-D"),
    (dict(g=np.ones(2), A=np.full((2, 2), np.inf), M=1.0), ValueError, "A must contain only finite"),
    (dict(g=np.ones(2) * 1j, A=np.eye(2), M=1.0), TypeError, "g must be real"),
]


@pytest.mark.parametrize("kwargs, exc, match", BAD)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cubic_step(**kwargs)
