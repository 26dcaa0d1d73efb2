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


# --------------------------------------------------------------------------------------------
# linear product sketches (JL, CountSketch) and coordinated regression
# --------------------------------------------------------------------------------------------


def test_linear_sketch_keyed_and_unbiased():
    from refimpl.sampling import linear_sketch, sketched_product

    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((300, 3)), rng.standard_normal((300, 2))
    exact = A.T @ B
    for kind in ("jl", "countsketch"):
        Ws = np.array([sketched_product(linear_sketch(A, 8, seed=s, kind=kind), linear_sketch(B, 8, seed=s, kind=kind))
                       for s in range(200)])
        se = Ws.std(0, ddof=1) / np.sqrt(200)
        assert np.max(np.abs(Ws.mean(0) - exact) / se) <= 4.5
        rms = np.sqrt(np.mean(np.linalg.norm(Ws - exact, axis=(1, 2)) ** 2)) / (np.linalg.norm(A) * np.linalg.norm(B))
        assert rms <= np.sqrt(2 / 8)
        # S depends on (seed, key) only: permuting the rows with their keys gives the same SA
        perm = rng.permutation(300)
        np.testing.assert_allclose(linear_sketch(A[perm], 8, seed=3, kind=kind, keys=perm).rows,
                                   linear_sketch(A, 8, seed=3, kind=kind).rows, rtol=1e-12, atol=1e-12)
    cs = linear_sketch(np.eye(5), 4, seed=1, kind="countsketch").rows
    assert np.all(np.abs(cs).sum(0) == 1.0)  # one ±1 per column of S
    jl = linear_sketch(np.eye(5), 4, seed=1, kind="jl").rows
    np.testing.assert_allclose(np.abs(jl), 0.5)


def test_coordinated_regression_exact_when_everything_is_kept():
    from refimpl.sampling import CoordinatedRegressionStatus, coordinated_regression

    rng = np.random.default_rng(1)
    keys_X = rng.permutation(60)[:50]  # two tables, 40 keys in common
    keys_y = np.concatenate([keys_X[:40], 100 + np.arange(10)])
    X = rng.standard_normal((50, 3))
    beta = np.array([1.0, -2.0, 0.5])
    y = np.concatenate([X[:40] @ beta + 0.1 * rng.standard_normal(40), rng.standard_normal(10)])
    r = coordinated_regression(priority_sketch(X, 50, seed=2, keys=keys_X),
                               priority_sketch(y[:, None], 50, seed=2, keys=keys_y))
    ref = np.linalg.lstsq(X[:40], y[:40], rcond=None)[0]
    assert r.status is CoordinatedRegressionStatus.COMPLETED and r.n_joined == 40
    np.testing.assert_allclose(r.x, ref, rtol=1e-10)
    # sketches of 25 rows: unbiased Gram and cross products over the join
    Gs, cs = [], []
    for s in range(300):
        rr = coordinated_regression(priority_sketch(X, 25, seed=s, keys=keys_X),
                                    priority_sketch(y[:, None], 25, seed=s, keys=keys_y))
        Gs.append(rr.gram)
        cs.append(rr.cross)
    Gs, cs = np.array(Gs), np.array(cs)
    assert np.max(np.abs(cs.mean(0) - X[:40].T @ y[:40]) / (cs.std(0, ddof=1) / np.sqrt(300))) <= 4.5
    assert np.max(np.abs(Gs.mean(0) - X[:40].T @ X[:40]) / (Gs.std(0, ddof=1) / np.sqrt(300) + 1e-12)) <= 4.5


def test_linear_and_regression_bad_input():
    from refimpl.sampling import coordinated_regression, linear_sketch, sketched_product

    A = np.eye(4)
    with pytest.raises(ValueError, match="kind"):
        linear_sketch(A, 2, seed=0, kind="srht")
    with pytest.raises(ValueError, match="t must be"):
        linear_sketch(A, 0, seed=0)
    with pytest.raises(ValueError, match="keys must be unique"):
        linear_sketch(A, 2, seed=0, keys=[1, 1, 2, 3])
    with pytest.raises(ValueError, match="same seed, kind and size"):
        sketched_product(linear_sketch(A, 2, seed=0), linear_sketch(A, 3, seed=0))
    with pytest.raises(TypeError, match="sketch_B"):
        sketched_product(linear_sketch(A, 2, seed=0), priority_sketch(A, 2, seed=0))
    y = priority_sketch(np.ones((4, 1)), 4, seed=1)
    with pytest.raises(ValueError, match="same seed"):
        coordinated_regression(priority_sketch(A, 4, seed=0), y)
    with pytest.raises(ValueError, match="one-column"):
        coordinated_regression(priority_sketch(A, 4, seed=1), priority_sketch(A, 4, seed=1))
    with pytest.raises(TypeError, match="sketch_X"):
        coordinated_regression("x", y)
    with pytest.raises(ValueError, match="lam"):
        coordinated_regression(priority_sketch(A, 4, seed=1), y, lam=-1.0)
    r = coordinated_regression(priority_sketch(np.ones((4, 2)), 4, seed=1), y)
    assert not r.success  # identical columns: singular Gram matrix
