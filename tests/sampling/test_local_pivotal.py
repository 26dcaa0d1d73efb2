"""Tests of refimpl.sampling.local_pivotal_sample (local pivotal method, LPM2): exact marginals by
enumeration, fixed size, spatial spreading, the bit-for-bit Numba twin, backend agreement, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.backends import to_numpy
from refimpl.sampling import bernoulli_sample, inclusion_probabilities, local_pivotal_sample
from refimpl.sampling.samplers import local_pivotal_sweep


def lpm_exact_marginals(X, p):
    """Enumerate every branch of LPM2 (random first unit, two outcomes per match): exact P(i in S)."""
    m = len(p)
    out = np.zeros(m)

    def play(r, active, prob):
        act = [q for q in range(m) if active[q]]
        if len(act) <= 1:
            sel = [q for q in range(m) if r[q] >= 1.0 or (active[q] and r[q] > 0.5)]
            for q in sel:
                out[q] += prob
            return
        for i in act:
            others = [q for q in act if q != i]
            d2 = [((X[q] - X[i]) ** 2).sum() for q in others]
            j = others[int(np.argmin(d2))]
            a, b = r[i], r[j]
            s = a + b
            branches = ([(i, s, j, 0.0, a / s), (j, s, i, 0.0, b / s)] if s <= 1 else
                        [(j, 1.0, i, s - 1, (1 - a) / (2 - s)), (i, 1.0, j, s - 1, (1 - b) / (2 - s))])
            for win, wr, lose, lr, q in branches:
                r2, a2 = r.copy(), active.copy()
                r2[win], r2[lose] = wr, lr
                for u, val in ((win, wr), (lose, lr)):
                    if val >= 1.0 or val <= 0.0:
                        a2[u] = False
                play(r2, a2, prob * q / len(act))

    play(np.asarray(p, float).copy(), np.ones(m, bool), 1.0)
    return out


def test_exact_marginals_by_enumeration():
    rng = np.random.default_rng(0)
    for m in (3, 4, 5):
        p = inclusion_probabilities(rng.uniform(0.1, 1, m), 2)
        p = np.where(p >= 1, 0.7, p)
        p = p * (round(p.sum()) / p.sum())
        X = rng.uniform(size=(m, 2))
        np.testing.assert_allclose(lpm_exact_marginals(X, p), p, atol=1e-12)


def test_fixed_size_and_monte_carlo_marginals():
    rng = np.random.default_rng(1)
    p = inclusion_probabilities(rng.uniform(0.05, 1, 16), 5)
    X = rng.uniform(-1, 1, (16, 2))
    R = 600
    counts = np.zeros(16)
    for t in range(R):
        s = local_pivotal_sample(p, X, rng=t)
        assert s.shape == (5,) and np.all(np.diff(s) > 0)
        counts[s] += 1
    frac = (p > 0) & (p < 1)
    sd = np.sqrt(p * (1 - p) / R)
    assert np.max(np.abs(counts / R - p)[frac] / sd[frac]) <= 4.5
    assert np.all(counts[p == 1.0] == R)


def test_spreads_the_sample():
    """Two well separated clusters with Σp = 1 each: exactly one unit from each (Bernoulli often not)."""
    X = np.concatenate([np.zeros((4, 1)), 10 + np.zeros((4, 1))]) + np.arange(8)[:, None] * 1e-3
    p = np.full(8, 0.25)
    for t in range(50):
        s = local_pivotal_sample(p, X, rng=t)
        assert int((s < 4).sum()) == 1
    assert any(int((bernoulli_sample(p, rng=t) < 4).sum()) != 1 for t in range(50))


def test_numba_twin_bitwise():
    pytest.importorskip("numba")
    from refimpl.backends import get_kernel

    twin = get_kernel("sampling.local_pivotal_sweep", "numba")
    for t in range(40):
        g = np.random.default_rng(t)
        m, D = int(g.integers(1, 120)), int(g.integers(1, 4))
        X = g.uniform(size=(m, D))
        if t % 3 == 0:
            X = np.round(X * 3) / 3  # distance ties: smallest index wins in both
        r = g.uniform(0.01, 0.99, m)
        if t % 4 == 0:
            r = np.round(r * 4) / 4 + 0.0  # a + b == 1 exactly
            r = np.clip(r, 0.25, 0.75)
        u = g.random(2 * max(m - 1, 0) + 1)
        np.testing.assert_array_equal(twin(X, r, u), local_pivotal_sweep.reference(X, r, u))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 50), D=st.integers(1, 3))
def test_backend_agreement(backend, seed, n, D):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, n + 1))
    p = inclusion_probabilities(rng.pareto(1.0, n) + 1e-3, k)
    X = rng.uniform(-1, 1, (n, D))
    with use_backend("numpy"):
        ref = local_pivotal_sample(p, X, rng=seed)
    out = local_pivotal_sample(backend.asarray(p), X, rng=seed)
    assert type(out).__module__.split(".")[0] == type(backend.asarray(p)).__module__.split(".")[0]
    np.testing.assert_array_equal(np.asarray(to_numpy(out)), ref)


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        (([0.5, 0.6], [0.0, 1.0]), {}, ValueError, "sum to a positive integer"),
        (([0.5, 1.5], [0.0, 1.0]), {}, ValueError, r"in \[0, 1\]"),
        (([0.5, np.nan], [0.0, 1.0]), {}, ValueError, "finite"),
        (([0.5, 0.5], np.ones((3, 2))), {}, ValueError, "coords must have one row"),
        (([0.5, 0.5], [0.0, np.inf]), {}, ValueError, "finite"),
        (([0.5, 0.5], [0.0, 1.0]), {"rng": "x"}, TypeError, "rng"),
        (([0.5, 0.5], np.ones((2, 2, 2))), {}, ValueError, "coords"),
    ],
)
def test_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        local_pivotal_sample(*args, **kwargs)
