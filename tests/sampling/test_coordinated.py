"""Tests of refimpl.sampling.coordinated: shared hash, priority/threshold sketches, AᵀB estimator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.sampling import coordinated_hash, priority_sketch, sketched_product, threshold_sketch
from refimpl.testing import assert_backend_agrees


def pair(n=400, d=3, m=2, seed=0):
    rng = np.random.default_rng(seed)
    scale = np.abs(rng.standard_t(2, n)) + 0.1  # heavy-tailed row norms, correlated between A and B
    A = rng.standard_normal((n, d)) * scale[:, None]
    B = rng.standard_normal((n, m)) * scale[:, None] + A[:, :m]
    return A, B


def test_hash_depends_on_seed_and_key_only():
    keys = np.array([10, -3, 7, 2**40])
    h = coordinated_hash(keys, seed=5)
    assert np.all((h > 0) & (h < 1))
    np.testing.assert_array_equal(coordinated_hash(keys[::-1], seed=5), h[::-1])  # not the position
    assert not np.array_equal(coordinated_hash(keys, seed=6), h)
    u = coordinated_hash(np.arange(100000), seed=1)  # uniform: KS-type check on the histogram
    assert np.abs(np.histogram(u, 10, (0, 1))[0] / 1e4 - 1).max() < 0.05


@pytest.mark.parametrize("builder", [priority_sketch, threshold_sketch])
def test_unbiased_and_rms_bound(builder):
    A, B = pair()
    exact = A.T @ B
    k = 60
    Ws = np.array([sketched_product(builder(A, k, seed=s), builder(B, k, seed=s)) for s in range(1500)])
    se = Ws.std(0) / np.sqrt(len(Ws))
    assert np.all(np.abs(Ws.mean(0) - exact) <= 4 * se + 1e-12)
    rel = np.linalg.norm(Ws - exact, axis=(1, 2)) / (np.linalg.norm(A) * np.linalg.norm(B))
    assert np.sqrt(np.mean(rel**2)) <= np.sqrt(2 / (k - 1))


def test_sizes_and_exact_cases():
    A, B = pair(200)
    S = priority_sketch(A, 30, seed=2)
    assert S.keys.shape == (30,) and S.rows.shape == (30, 3) and np.all(np.diff(S.keys) > 0)
    assert np.all(S.p <= 1) and np.isfinite(S.tau)
    np.testing.assert_array_equal(S.rows, A[S.keys])
    T = threshold_sketch(A, 30, seed=2)
    assert T.p.sum() <= 30 + 1e-9
    # k = n keeps every non-zero row with p = 1: exact product
    W = sketched_product(priority_sketch(A, 200, seed=0), priority_sketch(B, 200, seed=0))
    np.testing.assert_allclose(W, A.T @ B, rtol=1e-12)
    # zero rows are never kept
    A0 = A.copy()
    A0[:50] = 0
    assert priority_sketch(A0, 180, seed=0).keys.min() >= 50


def test_join_by_keys_not_positions():
    A, B = pair(300)
    keys = np.random.default_rng(1).permutation(10**6)[:300]
    perm = np.random.default_rng(2).permutation(300)
    SA = priority_sketch(A, 40, seed=9, keys=keys)
    SB = priority_sketch(B[perm], 40, seed=9, keys=keys[perm])  # B's table lists the rows in another order
    SB_aligned = priority_sketch(B, 40, seed=9, keys=keys)
    np.testing.assert_allclose(sketched_product(SA, SB), sketched_product(SA, SB_aligned), rtol=1e-12)
    # tables with partly different keys: only shared keys contribute
    SC = priority_sketch(B[:150], 40, seed=9, keys=keys[:150])
    W = sketched_product(SA, SC)
    assert W.shape == (3, 2) and np.isfinite(W).all()


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), kind=st.sampled_from(["priority", "threshold"]))
def test_backend_agreement(backend, seed, kind):
    builder = priority_sketch if kind == "priority" else threshold_sketch
    A, B = pair(120, seed=seed % 97)
    with use_backend("numpy"):
        SA, SB = builder(A, 25, seed=seed), builder(B, 25, seed=seed)
        ref = sketched_product(SA, SB)
    Ab, Bb = backend.asarray(A), backend.asarray(B)
    TA, TB = builder(Ab, 25, seed=seed), builder(Bb, 25, seed=seed)
    np.testing.assert_array_equal(TA.keys, SA.keys)  # the same rows kept on every backend
    np.testing.assert_array_equal(TB.keys, SB.keys)
    # W: the same sum of <= 25 rank-one terms; round-off of the row norms only
    assert_backend_agrees(sketched_product(TA, TB), ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max(), like=Ab)


@pytest.mark.parametrize(
    "func, args, kwargs, exc, match",
    [
        (priority_sketch, (np.ones((5, 2)), 6), {"seed": 0}, ValueError, "k larger than n"),
        (priority_sketch, (np.ones((5, 2)), 0), {"seed": 0}, ValueError, "k must be"),
        (priority_sketch, (np.ones((5, 2)), 2), {"seed": -1}, ValueError, "seed"),
        (priority_sketch, (np.ones((5, 2)), 2), {"seed": 1.5}, TypeError, "seed"),
        (priority_sketch, (np.ones((5, 2)), 2), {"seed": 0, "keys": np.arange(4)}, ValueError, "one key per row"),
        (priority_sketch, (np.ones((5, 2)), 2), {"seed": 0, "keys": [0, 1, 1, 2, 3]}, ValueError, "unique"),
        (priority_sketch, (np.ones((5, 2)), 2), {"seed": 0, "keys": np.linspace(0, 1, 5)}, ValueError, "integer"),
        (priority_sketch, (np.array([[np.nan, 1.0]]), 1), {"seed": 0}, ValueError, "finite"),
        (threshold_sketch, (np.zeros((5, 2)), 2), {"seed": 0}, ValueError, "identically zero"),
        (threshold_sketch, (np.ones(5), 2), {"seed": 0}, ValueError, "2-D"),
        (coordinated_hash, ([1, 2],), {"seed": "a"}, TypeError, "seed"),
        (coordinated_hash, ([1.5, 2],), {"seed": 0}, ValueError, "integer"),
    ],
)
def test_bad_input(func, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)


def test_bad_product_arguments():
    A, B = pair(50)
    SA = priority_sketch(A, 10, seed=1)
    with pytest.raises(ValueError, match="same seed"):
        sketched_product(SA, priority_sketch(B, 10, seed=2))
    with pytest.raises(TypeError, match="sketch_B must be a CoordinatedSketch"):
        sketched_product(SA, B)
    with pytest.raises(TypeError, match="sketch_A must be a CoordinatedSketch"):
        sketched_product(None, SA)


@pytest.mark.parametrize("builder", [priority_sketch, threshold_sketch])
def test_extreme_scales(builder):
    """Row norms in scaled form: A·1e150 keeps the sketch of A (rows scaled, same p, τ scaled by 1e-300);
    A·1e300 and A·1e-300 put τ outside the float range, a clear error (was NaN p / non-finite τ)."""
    A = np.random.default_rng(3).standard_normal((8, 3))
    ref = builder(A, 4, seed=7)
    big = builder(A * 1e150, 4, seed=7)
    np.testing.assert_array_equal(big.keys, ref.keys)
    np.testing.assert_allclose(big.p, ref.p, rtol=1e-14)
    assert np.isclose(big.tau, ref.tau * 1e-300, rtol=1e-12)
    for c in (1e300, 1e-300):
        with pytest.raises(ValueError, match="A is too .* to sketch"):
            builder(A * c, 4, seed=7)
