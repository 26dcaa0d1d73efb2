"""Tests of refimpl.sampling.dpp: projection DPP (exact subset law, marginals, DPPy peer), volume sampling."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.backends import to_numpy
from refimpl.sampling import projection_dpp_sample, reweighted_lstsq, volume_sample


def ortho(N, m, seed=0):
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((N, m)))[0]


def test_subset_law_is_det_squared():
    V = ortho(6, 2)
    R = 6000
    counts = {}
    for s in range(R):
        S = tuple(projection_dpp_sample(V, rng=s).tolist())
        assert len(S) == 2 and S[0] < S[1]
        counts[S] = counts.get(S, 0) + 1
    for S in itertools.combinations(range(6), 2):
        p = np.linalg.det(V[list(S)]) ** 2
        assert abs(counts.get(S, 0) / R - p) <= 4 * np.sqrt(p * (1 - p) / R) + 1e-12


def test_marginals_are_leverage_scores():
    V = ortho(40, 5, seed=1)
    R = 3000
    counts = np.zeros(40)
    for s in range(R):
        S = projection_dpp_sample(V, rng=s)
        assert len(np.unique(S)) == 5
        counts[S] += 1
    lev = (V**2).sum(1)
    assert np.max(np.abs(counts / R - lev) / np.sqrt(lev * (1 - lev) / R)) <= 4.5


def test_dppy_peer_inclusion_frequencies():
    dppy = pytest.importorskip("dppy.finite_dpps", reason="DPPy not installed: pip install dppy")
    V = ortho(30, 4, seed=2)
    dpp = dppy.FiniteDPP("correlation", projection=True, K_eig_dec=(np.ones(4), V))
    rs = np.random.RandomState(0)
    R = 2000
    ours, theirs = np.zeros(30), np.zeros(30)
    for s in range(R):
        ours[projection_dpp_sample(V, rng=s)] += 1
        theirs[dpp.sample_exact(mode="GS", random_state=rs)] += 1
    lev = (V**2).sum(1)
    sd = np.sqrt(lev * (1 - lev) / R)
    assert np.max(np.abs(ours / R - lev) / sd) <= 4.5 and np.max(np.abs(theirs / R - lev) / sd) <= 4.5


def test_volume_sampling_weighted_lstsq_is_unbiased():
    # Nouy & Michel: weighted LS on a volume-rescaled sample is unbiased for the L2_mu projection
    N, m = 200, 3
    x = np.linspace(-1, 1, N)
    V = np.linalg.qr(np.polynomial.legendre.legvander(x, m - 1))[0]
    f = 1.0 / (1.0 + 25 * x**2)
    phi = np.sqrt(N) * V  # L2_mu-orthonormal for the uniform mu on the candidates
    c_star = phi.T @ f / N
    w = m / (N * (V**2).sum(1))  # dmu / drho_m
    R = 3000
    coefs = np.empty((R, m))
    for s in range(R):
        S = volume_sample(V, m + 1, rng=s)
        coefs[s] = reweighted_lstsq(phi[S], f[S], 1.0 / w[S])
    se = coefs.std(0) / np.sqrt(R)
    assert np.all(np.abs(coefs.mean(0) - c_star) <= 4 * se)


@settings(max_examples=8)
@given(seed=st.integers(0, 2**31 - 1), m=st.integers(1, 5))
def test_backend_agreement(backend, seed, m):
    V = ortho(30, m, seed % 1000)
    with use_backend("numpy"):
        ref = projection_dpp_sample(V, rng=seed)
        ref_vol = volume_sample(V, m + 3, rng=seed)
    Vb = backend.asarray(V)
    # same host uniforms: the same points (a residual cumsum could differ in the last bit, which
    # changes a draw only if a uniform lands within ~1e-16 of a cell boundary)
    np.testing.assert_array_equal(np.asarray(to_numpy(projection_dpp_sample(Vb, rng=seed))), ref)
    np.testing.assert_array_equal(np.asarray(to_numpy(volume_sample(Vb, m + 3, rng=seed))), ref_vol)


@pytest.mark.parametrize(
    "func, args, kwargs, exc, match",
    [
        (projection_dpp_sample, (np.ones((5, 2)),), {}, ValueError, "orthonormal"),
        (projection_dpp_sample, (np.array([[1.0, np.nan]]),), {}, ValueError, "finite"),
        (projection_dpp_sample, (np.ones(5),), {}, ValueError, "2-D"),
        (volume_sample, (np.eye(4)[:, :2], 1), {}, ValueError, "n must be an integer >= 2"),
        (volume_sample, (np.eye(4)[:, :2], 2.5), {}, TypeError, "n must be an integer"),
        (volume_sample, (np.eye(4)[:, :2], 3), {"rng": "x"}, TypeError, "rng"),
    ],
)
def test_bad_input(func, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)


@pytest.mark.parametrize("func, args", [(projection_dpp_sample, ()), (volume_sample, (5,))])
def test_overflowing_gram_is_rejected_on_every_backend(backend, func, args):
    """The orthonormality test runs on a float64 host copy: V·1e300 (VᵀV overflows) is rejected on
    every backend (torch's GEMM gave NaN, which slipped through `err > tol`)."""
    V = backend.asarray(ortho(12, 3) * 1e300)
    with pytest.raises(ValueError, match="orthonormal"):
        func(V, *args, rng=0)
