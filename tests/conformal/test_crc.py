"""crc_lambda_hat: brute force, exact identities, infeasibility, monotonisation, backends, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.backends import use_backend
from refimpl.conformal import (
    CRCStatus,
    conformal_quantile,
    crc_lambda_hat,
    exponential_weights,
    miscoverage_loss_table,
    monotonize_losses,
)
from refimpl.testing import assert_backend_agrees

from ._oracles import crc_bruteforce, weighted_quantile_bruteforce


def _random_table(rng, n, m, levels=8):
    """Dyadic losses in [0, 1], non-increasing along the grid (sorted rows)."""
    L = rng.integers(0, levels + 1, size=(n, m)) / levels
    return -np.sort(-L, axis=1)


@pytest.mark.parametrize("seed", range(30))
def test_matches_bruteforce(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 40)), int(rng.integers(1, 15))
    L = _random_table(rng, n, m)
    lam = np.sort(rng.choice(np.arange(100.0), size=m, replace=False))
    alpha = float(rng.choice([0.1, 0.2, 0.3, 0.5, rng.uniform(0.05, 0.95)]))
    weights = None if seed % 2 else rng.integers(0, 5, n) / 4.0
    if weights is not None and weights.sum() == 0:
        weights[0] = 1.0
    res = crc_lambda_hat(L, lam, alpha, weights=weights)
    lam_bf, feasible_bf = crc_bruteforce(L, lam, alpha, weights=weights)
    assert (res.lambda_hat, res.feasible) == (lam_bf, feasible_bf)
    w = np.ones(n) if weights is None else weights
    np.testing.assert_allclose(res.bound, ((w @ L) + 1.0) / (w.sum() + 1.0), rtol=1e-14)
    np.testing.assert_allclose(res.risk, (w @ L) / w.sum(), rtol=1e-14)
    assert res.N_w == pytest.approx(w.sum()) and res.n == n


@pytest.mark.parametrize("seed", range(25))
def test_identity_miscoverage_crc_is_split_cp_order_statistic(seed):
    # grid = sorted distinct scores plus +inf: lambda_hat must equal the ceil((n+1)(1-alpha))-th score
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    s = rng.integers(0, 12, n) / 4.0  # ties
    grid = np.concatenate([np.unique(s), [np.inf]])
    L = miscoverage_loss_table(s, grid)
    for alpha in (0.05, 0.1, 0.2, 1 / 3, 0.5, 0.7, float(rng.uniform(0.01, 0.99))):
        res = crc_lambda_hat(L, grid, alpha)
        q = conformal_quantile(s, alpha)
        assert res.lambda_hat == q
        # at the +inf grid point the loss is 0 and the bound 1/(n+1): infeasible iff even k = n+1 fails,
        # and then lambda_max = +inf is returned, which is again the split-CP answer
        assert res.feasible == (1 / (n + 1) <= alpha)
        # the order statistic, independently: k-th smallest
        k = math.ceil(round((n + 1) * (1 - alpha), 9))
        assert q == (np.sort(s)[k - 1] if k <= n else math.inf)


@pytest.mark.parametrize("seed", range(25))
def test_identity_miscoverage_nonx_crc_is_weighted_quantile(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 40))
    s = rng.integers(0, 10, n) / 2.0
    w = rng.integers(0, 17, n) / 16.0
    if w.sum() == 0:
        w[-1] = 0.5
    grid = np.concatenate([np.unique(s), [np.inf]])
    L = miscoverage_loss_table(s, grid)
    for alpha in (0.05, 0.1, 0.2, 0.5, float(rng.uniform(0.01, 0.99))):
        res = crc_lambda_hat(L, grid, alpha, weights=w)
        q = conformal_quantile(s, alpha, w)
        assert res.lambda_hat == q == weighted_quantile_bruteforce(s, w, alpha)


def test_identity_unit_weights_equal_crc():
    rng = np.random.default_rng(5)
    L = _random_table(rng, 37, 20)
    lam = np.linspace(0, 1, 20)
    for alpha in (0.1, 0.25, 0.4):
        a = crc_lambda_hat(L, lam, alpha)
        b = crc_lambda_hat(L, lam, alpha, weights=np.ones(37))
        assert (a.lambda_hat, a.feasible) == (b.lambda_hat, b.feasible) == crc_bruteforce(L, lam, alpha)
        np.testing.assert_array_equal(a.bound, b.bound)


def test_infeasible_returns_lambda_max_and_flags():
    L = np.zeros((3, 4))  # bound = 1/(3+1) = 0.25 everywhere
    lam = np.array([0.0, 1.0, 2.0, 3.0])
    res = crc_lambda_hat(L, lam, alpha=0.2)
    assert res.lambda_hat == 3.0 and not res.feasible and res.index == 3
    assert res.status is CRCStatus.INFEASIBLE and not res.success and "lambda_max" in res.message
    ok = crc_lambda_hat(L, lam, alpha=0.25)
    assert ok.lambda_hat == 0.0 and ok.feasible and ok.success


def test_nonx_feasibility_needs_effective_size():
    # exponential weights cap N_w near rho/(1-rho): alpha < 1/(N_w+1) is infeasible however long the history
    w = exponential_weights(5000, 0.9)  # N_w ~ 9
    L = np.zeros((5000, 2))
    assert not crc_lambda_hat(L, [0.0, 1.0], alpha=0.09, weights=w).feasible
    assert crc_lambda_hat(L, [0.0, 1.0], alpha=0.11, weights=w).feasible


def test_B_enters_the_bound():
    L = np.array([[2.0, 0.0]] * 9)
    r = crc_lambda_hat(L, [0.0, 1.0], alpha=0.3, B=2.0)
    np.testing.assert_allclose(r.bound, [(18 + 2) / 10, 2 / 10])
    assert r.lambda_hat == 1.0


def test_monotonize_is_suffix_max():
    rng = np.random.default_rng(11)
    L = rng.integers(0, 5, size=(20, 13)) / 4.0
    expected = np.maximum.accumulate(L[:, ::-1], axis=1)[:, ::-1]
    np.testing.assert_array_equal(monotonize_losses(L), expected)
    lam = np.arange(13.0)
    res = crc_lambda_hat(L, lam, 0.3, monotonize=True)
    assert res.monotonized
    assert (res.lambda_hat, res.feasible) == crc_bruteforce(expected, lam, 0.3)
    with pytest.raises(ValueError, match="non-increasing in lambda"):
        crc_lambda_hat(L, lam, 0.3)


@pytest.mark.parametrize(
    "losses, lambdas, alpha, kwargs, match",
    [
        (np.zeros((0, 3)), [0.0, 1.0, 2.0], 0.1, {}, "empty calibration set"),
        (np.zeros((2, 3)), [0.0, 1.0], 0.1, {}, r"lambdas and losses disagree: lambdas has 2 grid points but losses has 3 columns"),
        (np.zeros(3), [0.0, 1.0, 2.0], 0.1, {}, "2-D"),
        ([[0.5, np.nan]], [0.0, 1.0], 0.1, {}, "losses must be finite; got 1 NaN"),
        ([[np.inf, 0.0]], [0.0, 1.0], 0.1, {}, "losses must be finite"),
        ([[1.0, np.nan, 0.0]], [0.0, 1.0, 2.0], 0.1, {}, "losses must be finite; got 1 NaN"),
        ([[0.5, 0.7, 0.0]], [0.0, 1.0, 2.0], 0.1, dict(B=0.6), "losses must be <= B"),
        ([[0.5, -0.2, 0.3]], [0.0, 1.0, 2.0], 0.1, dict(monotonize=True), "losses must be >= A"),
        ([[1.5, 0.0]], [0.0, 1.0], 0.1, {}, "losses must be <= B"),
        ([[0.5, -0.1]], [0.0, 1.0], 0.1, {}, "losses must be >= A"),
        ([[0.0, 0.5]], [0.0, 1.0], 0.1, {}, "non-increasing in lambda"),
        ([[0.5, 0.0]], [1.0, 0.0], 0.1, {}, "strictly increasing"),
        ([[0.5, 0.0]], [0.0, 0.0], 0.1, {}, "strictly increasing"),
        ([[0.5, 0.0]], [0.0, np.nan], 0.1, {}, "NaN"),
        ([[0.5, 0.0]], [0.0, 1.0], 1.5, {}, r"alpha must lie in \[0, 1\]"),
        ([[0.5, 0.0]], [0.0, 1.0], -0.1, {}, r"alpha must lie in \[0, 1\]"),
        ([[0.5, 0.0]], [0.0, 1.0], 0.05, dict(A=0.1), r"alpha must lie in \[0.1, 1\]"),
        ([[0.5, 0.0]], [0.0, 1.0], 0.1, dict(B=0.0), "A < B"),
        ([[0.5, 0.0]], [0.0, 1.0], 0.1, dict(weights=[1.2]), r"weights must lie in \[0, 1\]"),
        ([[0.5, 0.0]], [0.0, 1.0], 0.1, dict(weights=[-1.0]), r"weights must lie in \[0, 1\]"),
        ([[0.5, 0.0]], [0.0, 1.0], 0.1, dict(weights=[np.nan]), "weights must contain only finite"),
        ([[0.5, 0.0]], [0.0, 1.0], 0.1, dict(weights=[1.0, 1.0]), r"weights must have shape \(1,\)"),
        ([[0.5, 0.0]], [0.0, 1.0], 0.1, dict(weights=[0.0]), "must not all be zero"),
    ],
)
def test_bad_input(backend, losses, lambdas, alpha, kwargs, match):
    with pytest.raises(ValueError, match=match):
        crc_lambda_hat(losses, lambdas, alpha, **kwargs)


@st.composite
def crc_problems(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(1, 12))
    rows = draw(st.lists(st.lists(st.integers(0, 8), min_size=m, max_size=m), min_size=n, max_size=n))
    L = -np.sort(-np.array(rows, dtype=np.float64), axis=1) / 8.0  # dyadic, non-increasing
    w = np.array(draw(st.lists(st.integers(1, 8), min_size=n, max_size=n)), dtype=np.float64) / 8.0
    alpha = draw(st.sampled_from([0.1, 0.2, 0.25, 0.5, 0.75]))
    return L, np.arange(m, dtype=np.float64) / 4.0, alpha, w


@settings(max_examples=25)
@given(problem=crc_problems(), weighted=st.booleans(), monotone_input=st.booleans())
def test_backend_agreement(backend, problem, weighted, monotone_input):
    L, lam, alpha, w = problem
    if not monotone_input:
        L = L[:, ::-1].copy()  # increasing rows: exercise monotonize on every backend
    kwargs = dict(weights=w if weighted else None, monotonize=not monotone_input)
    with use_backend("numpy"):
        oracle = crc_lambda_hat(L, lam, alpha, **kwargs)
    wb = backend.asarray(w) if weighted else None
    got = crc_lambda_hat(backend.asarray(L), backend.asarray(lam), alpha, weights=wb, monotonize=not monotone_input)
    # dyadic losses and weights: all sums are exact, so lambda_hat must agree exactly; the bound
    # curve is one division of exact sums (rtol 0 would hold too; 1e-15 leaves room for FMA)
    assert (got.lambda_hat, got.feasible, got.index) == (oracle.lambda_hat, oracle.feasible, oracle.index)
    assert_backend_agrees(got.bound, oracle.bound, rtol=1e-15, like=backend.asarray(L))
    assert_backend_agrees(got.risk, oracle.risk, rtol=1e-15, like=backend.asarray(L))
    assert got.N_w == oracle.N_w
