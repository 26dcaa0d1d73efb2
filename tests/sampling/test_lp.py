"""Tests of refimpl.sampling.lp: root-leverage and mixture scores, sensitivity sampling, ℓp regression."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl._iterative import Status
from refimpl.backends import to_numpy
from refimpl.sampling import (
    inclusion_probabilities,
    leverage_scores,
    lp_mixture_scores,
    lp_regression,
    lp_sensitivities,
    root_leverage_scores,
    sensitivity_sample,
)


def l1_brute_force(A, b, w=None):
    """ℓ1 regression optimum by enumerating the d-row interpolating fits (an LP optimum is a vertex)."""
    n, d = A.shape
    w = np.ones(n) if w is None else w
    best = np.inf, None
    for S in itertools.combinations(range(n), d):
        M = A[list(S)]
        if abs(np.linalg.det(M)) < 1e-12:
            continue
        x = np.linalg.solve(M, b[list(S)])
        c = float(np.sum(w * np.abs(A @ x - b)))
        if c < best[0]:
            best = c, x
    return best


def test_root_leverage_scores_closed_form():
    A = np.random.default_rng(0).standard_normal((30, 3))
    tau = leverage_scores(A)
    np.testing.assert_allclose(root_leverage_scores(A, 1.0), np.sqrt(tau), rtol=1e-12)
    np.testing.assert_allclose(root_leverage_scores(A, 2.0), tau, rtol=1e-12)
    np.testing.assert_allclose(root_leverage_scores(A, 1.5), tau**0.75, rtol=1e-12)
    # Hölder: Σ τ^{p/2} <= n^{1-p/2} d^{p/2}
    assert root_leverage_scores(A, 1.0).sum() <= np.sqrt(30 * 3) + 1e-12


def test_mixture_scores_is_the_even_mixture():
    A = np.random.default_rng(1).standard_normal((25, 3)) * np.exp(np.random.default_rng(2).standard_normal(25))[:, None]
    sig = lp_sensitivities(A, 3.0)
    s = lp_mixture_scores(A, 3.0)
    np.testing.assert_allclose(s, 0.5 * sig / sig.sum() + 0.5 * leverage_scores(A) / 3, rtol=1e-7)
    np.testing.assert_allclose(lp_mixture_scores(A, 3.0, sensitivities=sig), s, rtol=1e-12)
    assert s.sum() == pytest.approx(1.0)


def test_lp_sensitivities_dual_lp_matches_primal_bound():
    """σ^(1) from the dual LP: every direction x satisfies |a_iᵀx| <= σ_i ‖Ax‖₁, with equality attained."""
    A = np.random.default_rng(3).standard_normal((12, 2))
    sig = lp_sensitivities(A, 1.0)
    # in 2-D the optimum of the primal min ‖Ax‖₁ s.t. a_iᵀx = 1 is at a vertex x ⊥ a_j for some j
    for i in range(12):
        best = np.inf
        for j in range(12):
            x = np.array([-A[j, 1], A[j, 0]])
            if abs(A[i] @ x) > 1e-12:
                x = x / (A[i] @ x)
                best = min(best, np.abs(A @ x).sum())
        assert sig[i] == pytest.approx(1.0 / best, rel=1e-9)


def test_sensitivity_sample_marginals_and_weights():
    s = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 0.0])
    S = sensitivity_sample(s, 3, p=1.5, rng=0)
    np.testing.assert_allclose(S.prob, inclusion_probabilities(s, 3))
    np.testing.assert_allclose(S.row_scale, S.prob[S.sample] ** (-1 / 1.5))
    assert S.status is Status.COMPLETED and S.p == 1.5
    counts = np.zeros(6)
    R = 1000
    for t in range(R):
        counts[sensitivity_sample(s, 3, p=1.0, rng=t).sample] += 1
    p = S.prob
    sd = np.sqrt(p * (1 - p) / R) + 1e-12
    assert np.all(np.abs(counts / R - p) <= 4 * sd + 1e-12)


def test_sensitivity_sample_unbiased_lp_norm():
    """E Σ_{i∈S} |scale_i a_iᵀx|^p = ‖Ax‖_p^p (the π^{-1/p} reweighting)."""
    rng = np.random.default_rng(4)
    A = rng.standard_normal((40, 2))
    x = np.array([0.3, -1.0])
    s = root_leverage_scores(A, 1.0)
    for p in (1.0, 3.0):
        est = []
        for t in range(800):
            S = sensitivity_sample(s, 10, p=p, rng=t)
            est.append(np.sum(np.abs(S.row_scale * (A[S.sample] @ x)) ** p))
        exact = np.sum(np.abs(A @ x) ** p)
        assert abs(np.mean(est) - exact) <= 4 * np.std(est) / np.sqrt(800)


@pytest.mark.parametrize("weighted", [False, True])
def test_l1_regression_against_brute_force(weighted):
    rng = np.random.default_rng(5)
    A = rng.standard_normal((9, 2))
    b = A @ np.array([1.0, -1.0]) + rng.laplace(size=9)
    w = rng.uniform(0.5, 2.0, 9) if weighted else None
    r = lp_regression(A, b, 1.0, weights=w)
    cost, _ = l1_brute_force(A, b, w)
    assert r.status is Status.CONVERGED
    assert r.cost == pytest.approx(cost, rel=1e-9)


@pytest.mark.parametrize("p", [1.5, 2.0, 3.0, 6.0])
def test_lp_regression_optimality(p):
    rng = np.random.default_rng(6)
    A = rng.standard_normal((50, 3))
    b = A @ np.ones(3) + rng.standard_normal(50)
    r = lp_regression(A, b, p)
    assert r.success and r.n_fev >= 1  # p = 2 starts at the optimum (n_iter 0)
    res = A @ r.x - b
    g = A.T @ (np.abs(res) ** (p - 1) * np.sign(res))
    assert np.linalg.norm(g) <= 1e-6 * np.abs(res).max() ** (p - 1) * np.abs(A).sum()
    if p == 2.0:
        np.testing.assert_allclose(r.x, np.linalg.lstsq(A, b, rcond=None)[0], rtol=1e-7)
    for dx in np.eye(3) * 1e-4:  # a local (= global, convex) minimum
        assert r.cost <= np.sum(np.abs(A @ (r.x + dx) - b) ** p) + 1e-12
        assert r.cost <= np.sum(np.abs(A @ (r.x - dx) - b) ** p) + 1e-12


def test_lp_regression_scale_and_callback():
    A = np.ones((5, 1))
    b = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    assert lp_regression(A * 1e200, b * 1e200, 1.0).x[0] == pytest.approx(2.0)
    assert lp_regression(A * 1e-200, b * 1e-200, 1.5).x[0] == pytest.approx(lp_regression(A, b, 1.5).x[0], rel=1e-6)
    seen = []
    r = lp_regression(A, b, 3.0, callback=lambda s: seen.append(s.iteration) or s.iteration >= 2)
    assert r.status is Status.CALLBACK and seen[-1] == 2
    r = lp_regression(A, b, 3.0, max_iter=1)
    assert r.status is Status.MAX_ITER and not r.success
    assert lp_regression(A, b * 1e300, 2.0).status is Status.NONFINITE


def test_sensitivity_sample_then_lp_regression():
    """Sketch-and-solve on the rescaled sample with every row kept (k = n) is the full solution."""
    rng = np.random.default_rng(7)
    A = rng.standard_normal((30, 2))
    b = A @ np.array([2.0, 1.0]) + rng.laplace(size=30)
    S = sensitivity_sample(np.ones(30), 30, p=1.0, rng=0)
    assert S.sample.shape == (30,) and np.all(S.row_scale == 1.0)
    x = lp_regression(A[S.sample] * S.row_scale[:, None], b[S.sample] * S.row_scale, 1.0).x
    np.testing.assert_allclose(x, lp_regression(A, b, 1.0).x, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 40), p=st.sampled_from([1.0, 1.5, 2.0]))
def test_backend_agreement(backend, seed, n, p):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n + 2, 2))  # full column rank with probability 1
    s = rng.pareto(1.0, n) + 1e-3
    k = int(rng.integers(1, n + 1))
    with use_backend("numpy"):
        ref = sensitivity_sample(s, k, p=p, rng=seed)
        ref_root = root_leverage_scores(A, p)
    out = sensitivity_sample(backend.asarray(s), k, p=p, rng=seed)
    np.testing.assert_array_equal(np.asarray(to_numpy(out.sample)), ref.sample)
    np.testing.assert_allclose(np.asarray(to_numpy(out.row_scale)), ref.row_scale, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(to_numpy(root_leverage_scores(backend.asarray(A), p))), ref_root,
                               rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "func, args, kwargs, exc, match",
    [
        (root_leverage_scores, (np.eye(3), 2.5), {}, ValueError, "p must lie"),
        (root_leverage_scores, (np.eye(3), 0.5), {}, ValueError, "p must lie"),
        (root_leverage_scores, (np.ones((4, 2)), 1.0), {}, ValueError, "rank-deficient"),
        (root_leverage_scores, (np.ones((1, 2)), 1.0), {}, ValueError, "at least as many rows"),
        (lp_mixture_scores, (np.ones((4, 2)), 3.0), {}, ValueError, "rank-deficient"),
        (lp_mixture_scores, (np.eye(3), 3.0), {"sensitivities": np.ones(2)}, ValueError, "sensitivities"),
        (lp_mixture_scores, (np.eye(3), 3.0), {"sensitivities": -np.ones(3)}, ValueError, "non-negative"),
        (sensitivity_sample, ([1.0, 2.0], 3), {"p": 1.0}, ValueError, "k larger than n"),
        (sensitivity_sample, ([1.0, 2.0], 0), {"p": 1.0}, ValueError, "k must be"),
        (sensitivity_sample, ([1.0, np.nan], 1), {"p": 1.0}, ValueError, "finite"),
        (sensitivity_sample, ([1.0, 2.0], 1), {"p": 0.5}, ValueError, "p must lie"),
        (sensitivity_sample, ([1.0, 2.0], 1), {"p": 1.0, "rng": "x"}, TypeError, "rng"),
        (lp_regression, (np.eye(3), np.ones(2), 1.0), {}, ValueError, "b must have shape"),
        (lp_regression, (np.eye(3), np.ones(3), 0.9), {}, ValueError, "p must lie"),
        (lp_regression, (np.ones((3, 2)), np.ones(3), 1.0), {}, ValueError, "rank-deficient"),
        (lp_regression, (np.eye(3), np.ones(3), 1.0), {"weights": -np.ones(3)}, ValueError, "non-negative"),
        (lp_regression, (np.eye(3), np.ones(3), 1.0), {"weights": np.ones(2)}, ValueError, "weights"),
        (lp_regression, (np.eye(3), [1.0, np.inf, 0.0], 1.0), {}, ValueError, "finite"),
        (lp_regression, (np.eye(3), np.ones(3), 2.0), {"callback": 3}, TypeError, "callback"),
        (lp_regression, (np.eye(3), np.ones(3), 2.0), {"gtol": 0.0}, ValueError, "gtol"),
    ],
)
def test_bad_input(func, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)
