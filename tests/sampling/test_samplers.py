"""Tests of refimpl.sampling.samplers: capping, Bernoulli, i.i.d., tree pivotal sampling (exact oracle)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.backends import to_numpy
from refimpl.sampling import (
    bernoulli_sample,
    inclusion_probabilities,
    pivotal_sample,
    pivotal_tree,
    sample_with_replacement,
)
from refimpl.sampling.samplers import pivotal_sweep


def capped_oracle(s, k):
    """Independent capping: water-filling p_i = min(1, c s_i) with c found by bisection."""
    s = np.asarray(s, float)
    lo, hi = 0.0, 1e12
    for _ in range(400):
        c = 0.5 * (lo + hi)
        lo, hi = (c, hi) if np.minimum(1, c * s).sum() < k else (lo, c)
    return np.minimum(1.0, hi * s)


def test_inclusion_probabilities_capping():
    rng = np.random.default_rng(0)
    s = rng.pareto(1.0, 200) + 1e-3  # heavy tail: several entries reach 1
    for k in (5, 40, 150, 200):
        p = inclusion_probabilities(s, k)
        assert p.sum() == pytest.approx(k, abs=1e-9)
        assert p.max() <= 1.0 and p.min() > 0
        np.testing.assert_allclose(p, capped_oracle(s, k), atol=1e-9)
    assert np.all(inclusion_probabilities(s, 200) == 1.0)
    p = inclusion_probabilities([0.0, 1.0, 2.0, 1.0], 2)
    assert p[0] == 0.0 and p.sum() == pytest.approx(2.0)


def tree_marginals_exact(leaf_p):
    """Enumerate every branch of the tournament (2 outcomes per match): exact P(i in S) and sizes."""
    L = len(leaf_p)
    out = np.zeros(L)
    sizes = {}

    def play(nodes, prob, selected):
        if len(nodes) == 1:
            (i, r), = nodes
            sel = selected | ({i} if (i >= 0 and r > 0.5) else set())
            for j in sel:
                out[j] += prob
            sizes[len(sel)] = sizes.get(len(sel), 0) + prob
            return
        # play the first pending match of this level; recurse on the rest
        def level(pairs, acc, prob, selected):
            if not pairs:
                play(acc, prob, selected)
                return
            (il, a), (ir, b) = pairs[0]
            s = a + b
            if s <= 1.0:
                pl = a / s if s > 0 else 0.0
                for q, node in ((pl, (il, s)), (1 - pl, (ir, s))):
                    if q > 0:
                        level(pairs[1:], acc + [node], prob * q, selected)
            else:
                q = (1 - a) / (2 - s)  # right selected
                if q > 0:
                    level(pairs[1:], acc + [(il, s - 1)], prob * q, selected | {ir})
                if 1 - q > 0:
                    level(pairs[1:], acc + [(ir, s - 1)], prob * (1 - q), selected | {il})
        level([(nodes[2 * j], nodes[2 * j + 1]) for j in range(len(nodes) // 2)], [], prob, selected)

    play([(i if leaf_p[i] > 0 else -1, leaf_p[i]) for i in range(L)], 1.0, set())
    return out, sizes


@pytest.mark.parametrize("seed", range(4))
def test_tree_marginals_exact_by_enumeration(seed):
    # Algorithm 1's matches preserve every marginal exactly, and every outcome has size k
    rng = np.random.default_rng(seed)
    m = [5, 7, 8, 6][seed]
    p = inclusion_probabilities(rng.uniform(0.1, 1.0, m), [2, 3, 4, 2][seed])
    leaf_p = np.concatenate([p, np.zeros(2 ** math.ceil(math.log2(m)) - m)])
    marg, sizes = tree_marginals_exact(leaf_p)
    np.testing.assert_allclose(marg[:m], p, atol=1e-12)
    k = round(p.sum())
    assert set(sizes) == {k} and sizes[k] == pytest.approx(1.0)


@pytest.mark.parametrize("spatial", [False, True])
def test_pivotal_monte_carlo_marginals(spatial):
    rng = np.random.default_rng(11)
    p = inclusion_probabilities(rng.uniform(0.05, 1.0, 37), 9)
    coords = rng.uniform(-1, 1, (37, 2)) if spatial else None
    R = 4000
    counts = np.zeros(37)
    gen = np.random.default_rng(3)
    for _ in range(R):
        s = pivotal_sample(p, coords=coords, rng=gen)
        assert len(s) == 9 and np.all(np.diff(s) > 0)
        counts[s] += 1
    sd = np.sqrt(p * (1 - p) / R)
    assert np.max(np.abs(counts / R - p) / sd) <= 4.5


def test_pivotal_deterministic_units_and_degenerate_cases():
    p = np.array([1.0, 0.0, 0.5, 0.5, 1.0, 0.0])
    for seed in range(20):
        s = pivotal_sample(p, rng=seed).tolist()
        assert len(s) == 3 and 0 in s and 4 in s and 1 not in s and 5 not in s
    assert pivotal_sample([1.0, 1.0, 0.0], rng=0).tolist() == [0, 1]
    assert pivotal_sample([1.0], rng=0).tolist() == [0]
    # Σp an integer only up to round-off (0.1 * 10 != 1 in binary): still exactly one unit
    assert len(pivotal_sample(np.full(10, 0.1), rng=0)) == 1
    assert len(pivotal_sample(np.full(1000, 0.003), rng=0)) == 3


def test_spatial_tree_layout():
    # authors' layout: floor half left at loc, the rest at loc + 2^(ceil(log2 n_s) - 1)
    assert pivotal_tree([[0.0], [3.0], [1.0], [2.0], [4.0]], split="coordinate").tolist() == [0, 2, -1, -1, 3, -1, 1, 4]
    # a 2-D grid with the 45-degree first split: sibling leaves are grid neighbours
    g = np.linspace(-1, 1, 8)
    X = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    leaves = pivotal_tree(X)
    assert sorted(leaves.tolist()) == list(range(64))
    pairs = leaves.reshape(-1, 2)
    dist = np.linalg.norm(X[pairs[:, 0]] - X[pairs[:, 1]], axis=1)
    assert dist.max() <= np.sqrt(2) * (g[1] - g[0]) + 1e-12
    # coordinate splits alternate axes
    leaves = pivotal_tree(X, split="coordinate")
    left = X[leaves[:32]]
    assert left[:, 0].max() < X[leaves[32:]][:, 0].min()


def test_prebuilt_tree_is_reused_unchanged():
    rng = np.random.default_rng(12)
    X = rng.uniform(-1, 1, (40, 2))
    p = inclusion_probabilities(rng.uniform(0.05, 1, 40), 10)
    p[3] = 0.0  # a unit with p = 0 and the capped ones become padding leaves of the shared tree
    p = p * (10 / p.sum())
    p = np.minimum(p, 1.0)
    p[np.argmax(p)] += 10 - p.sum()
    tree = pivotal_tree(X)
    before = tree.copy()
    R, counts = 3000, np.zeros(40)
    for seed in range(R):
        s = pivotal_sample(p, tree=tree, rng=seed)
        assert len(s) == round(p.sum())
        counts[s] += 1
    np.testing.assert_array_equal(tree, before)
    sd = np.sqrt(p * (1 - p) / R) + 1e-12
    assert np.max(np.abs(counts / R - p) / sd) <= 4.5


def test_pivotal_spreads_spatially():
    # the spatial tree avoids samples that cluster: on a 1-D line with p = k/n, pivotal with a
    # spatial tree puts exactly one unit in each block of n/k consecutive points
    x = np.linspace(0, 1, 64)
    p = np.full(64, 8 / 64)
    for seed in range(10):
        s = pivotal_sample(p, coords=x, split="coordinate", rng=seed)
        assert np.array_equal(np.bincount(s // 8, minlength=8), np.ones(8))


def test_bernoulli_and_with_replacement():
    rng = np.random.default_rng(4)
    p = rng.uniform(0, 1, 50)
    sizes = [len(bernoulli_sample(p, rng=s)) for s in range(2000)]
    assert abs(np.mean(sizes) - p.sum()) <= 4 * np.sqrt((p * (1 - p)).sum() / 2000)
    np.testing.assert_array_equal(bernoulli_sample(p, rng=1), bernoulli_sample(p, rng=1))
    q = np.array([1.0, 3.0, 0.0, 4.0])
    draws = sample_with_replacement(q, 40000, rng=2)
    assert draws.shape == (40000,) and 2 not in draws
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 40000, q / q.sum(), atol=0.01)


def _sweep_cases(n_cases=30, max_m=300, seed=5):
    """Leaf arrays with padding at random slots, ties a + b == 1 in every third case."""
    rng = np.random.default_rng(seed)
    for trial in range(n_cases):
        m = int(rng.integers(1, max_m))
        L = 1 << math.ceil(math.log2(m)) if m > 1 else 1
        p = inclusion_probabilities(rng.uniform(0.01, 1, m), max(1, m // 3))
        p = np.where(p >= 1, 0.5, p)
        if trial % 3 == 0:
            p = np.round(p * 4) / 4  # exact ties a + b == 1
        idx = np.full(L, -1, dtype=np.int64)
        slots = np.sort(rng.choice(L, m, replace=False))
        idx[slots] = np.arange(m)
        leaf_p = np.where(idx >= 0, p[np.maximum(idx, 0)], 0.0)
        yield idx, leaf_p, rng.random(L - 1)


def plain_algorithm_1(leaf_idx, leaf_p, u):
    """Independent oracle: the tournament written on Python lists (selected units, any order)."""
    idx, r, chosen, off = list(leaf_idx), list(leaf_p), [], 0
    while len(idx) > 1:
        ni, nr = [], []
        for j in range(len(idx) // 2):
            il, ir, a, b, uu = idx[2 * j], idx[2 * j + 1], r[2 * j], r[2 * j + 1], u[off + j]
            s = a + b
            if s <= 1.0:
                ni.append(il if uu * s < a else ir)
                nr.append(s)
            else:
                right = uu * (2.0 - s) < 1.0 - a
                chosen.append(ir if right else il)
                ni.append(il if right else ir)
                nr.append(s - 1.0)
        off += len(idx) // 2
        idx, r = ni, nr
    if r[0] > 0.5 and idx[0] >= 0:
        chosen.append(idx[0])
    return sorted(chosen)


def test_reference_sweep_is_algorithm_1():
    # the sequential reference (the oracle) against the list-based textbook loop and against the
    # exact enumeration of the tournament's marginals for one small tree
    for idx, leaf_p, u in _sweep_cases(15, 120, seed=11):
        out = pivotal_sweep.reference(idx, leaf_p, u)
        assert out.shape == idx.shape and out.dtype == np.int64
        assert sorted(out[out >= 0].tolist()) == plain_algorithm_1(idx, leaf_p, u)
    np.testing.assert_array_equal(pivotal_sweep.reference(np.array([3]), np.array([1.0]), np.zeros(0)), [3])


def test_sweep_twins_match_reference_bitwise():
    """NumPy twin (level-vectorised), Numba twin (compiled loop) and the array-API level twin on the
    other available backends all return the sequential reference's output, entry for entry."""
    from refimpl.backends import available_backends, get_kernel, load_backend

    twins = {"numpy": get_kernel("sampling.pivotal_sweep", "numpy")}
    assert twins["numpy"] is not pivotal_sweep.reference
    avail = available_backends()
    if avail.get("numba") is None:
        twins["numba"] = get_kernel("sampling.pivotal_sweep", "numba")
    others = [b for b in ("torch", "array_api_strict", "cupy") if avail.get(b) is None]
    for idx, leaf_p, u in _sweep_cases():
        ref = pivotal_sweep.reference(idx, leaf_p, u)
        for name, twin in twins.items():
            np.testing.assert_array_equal(twin(idx, leaf_p, u), ref, err_msg=name)
        for name in others:
            be = load_backend(name)
            twin = get_kernel("sampling.pivotal_sweep", name)
            assert twin is not pivotal_sweep.reference  # GPU / strict arrays: the level twin, not O(n) steps
            out = twin(be.asarray(idx), be.asarray(leaf_p), be.asarray(u))
            np.testing.assert_array_equal(to_numpy(out), ref, err_msg=name)
    if avail.get("torch") is None:  # the reference itself runs on another namespace too
        be = load_backend("torch")
        idx, leaf_p, u = next(_sweep_cases(1, 60, seed=3))
        np.testing.assert_array_equal(to_numpy(pivotal_sweep.reference(be.asarray(idx), be.asarray(leaf_p),
                                                                       be.asarray(u))),
                                      pivotal_sweep.reference(idx, leaf_p, u))


# --------------------------------------------------------------------------------------------
# backend agreement: identical samples from the same host uniforms
# --------------------------------------------------------------------------------------------


@st.composite
def probability_problems(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    n = draw(st.integers(1, 80))
    k = draw(st.integers(1, n))
    rng = np.random.default_rng(seed)
    s = rng.pareto(draw(st.sampled_from([0.5, 2.0, 10.0])), n) + 1e-6
    return inclusion_probabilities(s, k), rng.uniform(-1, 1, (n, 2)), seed


@settings(max_examples=20)
@given(problem=probability_problems(), split=st.sampled_from(["pca", "coordinate"]))
def test_backend_agreement_identical_samples(backend, problem, split):
    p, X, seed = problem
    pb = backend.asarray(p)
    with use_backend("numpy"):
        refs = [pivotal_sample(p, rng=seed), pivotal_sample(p, coords=X, split=split, rng=seed),
                bernoulli_sample(p, rng=seed), sample_with_replacement(p, 7, rng=seed),
                inclusion_probabilities(p + 0.1, 1)]
    outs = [pivotal_sample(pb, rng=seed), pivotal_sample(pb, coords=X, split=split, rng=seed),
            bernoulli_sample(pb, rng=seed), sample_with_replacement(pb, 7, rng=seed),
            inclusion_probabilities(backend.asarray(p + 0.1), 1)]
    for out, ref in zip(outs[:4], refs[:4]):
        assert type(out).__module__.split(".")[0] == type(pb).__module__.split(".")[0]
        np.testing.assert_array_equal(np.asarray(to_numpy(out)), ref)
    np.testing.assert_allclose(np.asarray(to_numpy(outs[4])), refs[4], rtol=1e-13)


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "func, args, kwargs, exc, match",
    [
        (inclusion_probabilities, ([1.0, 2.0], 3), {}, ValueError, "k larger than n"),
        (inclusion_probabilities, ([1.0, 0.0, 2.0], 3), {}, ValueError, "positive scores"),
        (inclusion_probabilities, ([1.0, 2.0], 0), {}, ValueError, "k must be"),
        (inclusion_probabilities, ([1.0, 2.0], -1), {}, ValueError, "k must be"),
        (inclusion_probabilities, ([1.0, 2.0], 1.5), {}, TypeError, "k must be an integer"),
        (inclusion_probabilities, ([1.0, -2.0], 1), {}, ValueError, "non-negative"),
        (inclusion_probabilities, ([0.0, 0.0], 1), {}, ValueError, "all be zero"),
        (inclusion_probabilities, ([1.0, np.nan], 1), {}, ValueError, "finite"),
        (inclusion_probabilities, ([[1.0, 2.0]], 1), {}, ValueError, "1-D"),
        (bernoulli_sample, ([0.5, 1.5],), {}, ValueError, r"in \[0, 1\]"),
        (bernoulli_sample, ([0.5, -0.1],), {}, ValueError, r"in \[0, 1\]"),
        (bernoulli_sample, ([0.5, np.inf],), {}, ValueError, "finite"),
        (bernoulli_sample, ([0.5],), {"rng": np.random.RandomState(0)}, TypeError, "rng"),
        (sample_with_replacement, ([1.0, 2.0], 0), {}, ValueError, "k must be"),
        (sample_with_replacement, ([1.0, 2.0], 10**10), {}, ValueError, "at most"),
        (sample_with_replacement, ([-1.0, 2.0], 1), {}, ValueError, "non-negative"),
        (pivotal_sample, ([0.5, 0.6],), {}, ValueError, "sum to a positive integer"),
        (pivotal_sample, ([0.0, 0.0],), {}, ValueError, "sum to a positive integer"),
        (pivotal_sample, ([0.5, 1.5],), {}, ValueError, r"in \[0, 1\]"),
        (pivotal_sample, ([0.5, np.nan],), {}, ValueError, "finite"),
        (pivotal_sample, ([0.5, 0.5],), {"coords": np.ones((3, 2))}, ValueError, "coords must have one row"),
        (pivotal_sample, ([0.5, 0.5],), {"coords": [[0.0], [np.nan]]}, ValueError, "finite"),
        (pivotal_sample, ([0.5, 0.5],), {"coords": np.ones((2, 2)), "split": "kd"}, ValueError, "split"),
        (pivotal_sample, ([0.5, 0.5],), {"split": "kd"}, ValueError, "split"),  # checked without coords too
        (pivotal_sample, ([0.5, 0.5],), {"first_rotation": np.nan}, ValueError, "first_rotation"),
        (pivotal_sample, ([0.5, 0.5],), {"rng": "x"}, TypeError, "rng"),
        (pivotal_sample, ([0.5, 0.5],), {"tree": [0, 1, -1]}, ValueError, "power of two"),
        (pivotal_sample, ([0.5, 0.5],), {"tree": [0, 0]}, ValueError, "exactly once"),
        (pivotal_sample, ([0.5, 0.5],), {"tree": [0, 2]}, ValueError, "integers in"),
        (pivotal_sample, ([0.5, 0.5],), {"tree": [0, 1], "coords": [0.0, 1.0]}, ValueError, "not both"),
        (pivotal_tree, (np.ones((2, 2, 2)),), {}, ValueError, "coords"),
        (pivotal_tree, (np.ones((4, 2)),), {"first_rotation": np.nan}, ValueError, "first_rotation"),
    ],
)
def test_bad_input(func, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)
