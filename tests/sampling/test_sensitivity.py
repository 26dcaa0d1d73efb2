"""Tests of refimpl.sampling.sensitivity: lp sensitivities against closed forms and leverage scores."""

from __future__ import annotations

import numpy as np
import pytest

from refimpl.sampling import leverage_scores, lp_sensitivities


def lognormal(n=60, d=4, seed=9):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * np.exp(rng.standard_normal(n))[:, None]


def test_p2_equals_leverage_scores():
    A = lognormal(40, 3)
    np.testing.assert_allclose(lp_sensitivities(A, 2.0), leverage_scores(A), rtol=1e-6)


@pytest.mark.parametrize("p", [1.0, 1.5, 3.0])
def test_identity_rows_have_sensitivity_one(p):
    A = np.vstack([np.eye(3), np.zeros((4, 3))])
    np.testing.assert_allclose(lp_sensitivities(A, p), [1, 1, 1, 0, 0, 0, 0], atol=1e-7)


def test_total_sensitivity_ranges():
    A = lognormal()
    s1 = lp_sensitivities(A, 1.0).sum()
    s4 = lp_sensitivities(A, 4.0).sum()
    assert 1.0 <= s1 < 4.0  # p < 2: the total can be below d
    assert 4.0 - 1e-6 <= s4 <= 16.0  # p > 2: d <= S <= d^(p/2)
    # the supremum is attained: sigma_i * ||Ax||_p^p >= |a_i^T x|^p for random x
    x = np.random.default_rng(0).standard_normal((4, 200))
    sig = lp_sensitivities(A, 1.0)
    ratio = np.abs(A @ x) / np.abs(A @ x).sum(0)
    assert np.all(ratio <= sig[:, None] + 1e-9)


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((np.eye(3), 0.5), ValueError, "p must lie"),
        ((np.eye(3), np.nan), ValueError, "p"),
        ((np.ones((4, 2)), 1.0), ValueError, "rank-deficient"),
        ((np.array([[1.0, np.inf]]), 1.0), ValueError, "finite"),
        ((np.eye(3), "1"), TypeError, "p must be a real number"),
    ],
)
def test_bad_input(args, exc, match):
    with pytest.raises(exc, match=match):
        lp_sensitivities(*args)


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_scale_invariant_at_extreme_scales(scale):
    """σ(cA) = σ(A): A is rescaled first (was non-finite output at 1e±300)."""
    A = np.random.default_rng(5).standard_normal((10, 2))
    for p in (1.0, 1.5):
        np.testing.assert_allclose(lp_sensitivities(A * scale, p), lp_sensitivities(A, p), rtol=1e-6, atol=1e-9)
