"""Tests of refimpl.sampling.regression: reweighted least squares and the active-regression driver."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.backends import to_numpy
from refimpl.sampling import RegressionStatus, active_regression, reweighted_lstsq
from refimpl.testing import assert_backend_agrees


def legendre_problem(n=2000, deg=12, seed=0):
    x = np.sort(np.random.default_rng(seed).uniform(-1, 1, n))
    A = np.polynomial.legendre.legvander(x, deg)
    return x, A, 1.0 / (1.0 + 25 * x**2)


def test_reweighted_lstsq_matches_scaled_oracle():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((30, 4))
    b = rng.standard_normal(30)
    p = rng.uniform(0.1, 1.0, 30)
    W = 1 / np.sqrt(p)
    ref = np.linalg.lstsq(A * W[:, None], b * W, rcond=None)[0]
    np.testing.assert_allclose(reweighted_lstsq(A, b, p), ref, rtol=1e-12)


def test_active_regression_accuracy_and_query_count():
    x, A, b = legendre_problem()
    opt = np.linalg.lstsq(A, b, rcond=None)[0]
    err_opt = np.sum((A @ opt - b) ** 2)
    calls = []

    def query(idx):
        calls.append(np.asarray(idx))
        return b[idx]

    ratios = {}
    for sampler in ("pivotal", "bernoulli", "iid"):
        errs = []
        for seed in range(15):
            res = active_regression(A, query, 60, sampler=sampler, coords=x if sampler == "pivotal" else None,
                                    rng=seed)
            assert res.status is RegressionStatus.COMPLETED and res.rank == 13
            assert res.n_queries == len(np.unique(res.sample)) == len(calls[-1])
            if sampler == "pivotal":
                assert len(res.sample) == 60
            errs.append(np.sum((A @ res.x - b) ** 2) / err_opt)
        ratios[sampler] = np.median(errs)
    assert ratios["pivotal"] <= 2.0 and all(r >= 1 for r in ratios.values())
    assert ratios["pivotal"] <= ratios["bernoulli"]
    # labels as an array: the same fit as the callback
    r1 = active_regression(A, b, 60, coords=x, rng=3)
    r2 = active_regression(A, lambda i: b[i], 60, coords=x, rng=3)
    np.testing.assert_array_equal(r1.x, r2.x)


def test_rank_deficient_sample_is_a_status():
    x = np.linspace(-1, 1, 50)
    A = np.vander(x, 4)
    scores = np.zeros(50)
    scores[:2] = 1.0  # only two distinct rows can be sampled: rank 2 < 4
    res = active_regression(A, A[:, 0], 2, scores=scores, rng=0)
    assert res.status is RegressionStatus.RANK_DEFICIENT and not res.success and res.rank == 2


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), sampler=st.sampled_from(["pivotal", "bernoulli", "iid"]))
def test_backend_agreement(backend, seed, sampler):
    # identical samples need identical marginals: integer scores without capping give p = k s / Σ s
    # bit-identical on every backend (leverage scores computed on two backends differ in round-off,
    # which can move a unit across the cap p = 1 and change the tree)
    x, A, b = legendre_problem(300, 5, seed % 1000)
    scores = np.random.default_rng(seed).integers(1, 5, 300).astype(float)
    with use_backend("numpy"):
        ref = active_regression(A, b, 30, sampler=sampler, scores=scores, rng=seed)
    Ab = backend.asarray(A)
    res = active_regression(Ab, backend.asarray(b), 30, sampler=sampler, scores=backend.asarray(scores), rng=seed)
    np.testing.assert_array_equal(np.asarray(to_numpy(res.sample)), ref.sample)  # identical samples
    # the fit: cond(A_S W) <~ 1e3 for degree 5 on [-1, 1] with >= 30 leverage-sampled rows
    assert_backend_agrees(res.x, ref.x, rtol=1e-8, atol=1e-10, like=Ab)
    assert res.n_queries == ref.n_queries


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((np.eye(3), np.ones(3), 4), {}, ValueError, "k larger than n"),
        ((np.eye(3), np.ones(3), 0), {}, ValueError, "k must be"),
        ((np.eye(3), np.ones(2), 2), {}, ValueError, "labels must have shape"),
        ((np.eye(3), np.array([1.0, np.nan, 0.0]), 2), {}, ValueError, "finite"),
        ((np.eye(3), "abc", 2), {}, TypeError, "numeric"),
        ((np.eye(3), lambda i: np.ones(len(i) + 1), 2), {}, ValueError, r"labels\(indices\) must have shape"),
        ((np.eye(3), np.ones(3), 2), {"sampler": "dpp"}, ValueError, "sampler"),
        ((np.eye(3), np.ones(3), 2), {"sampler": "iid", "coords": np.ones(3)}, ValueError, "coords"),
        ((np.eye(3), np.ones(3), 2), {"coords": np.ones(4)}, ValueError, "coords must have one row"),
        ((np.eye(3), np.ones(3), 2), {"scores": np.ones(2)}, ValueError, "scores must have shape"),
        ((np.ones((4, 2)), np.ones(4), 2), {}, ValueError, "rank-deficient"),
        ((np.array([[np.inf, 1.0], [0.0, 1.0]]), np.ones(2), 1), {}, ValueError, "finite"),
        # the tree options are checked without coords too (they used to pass unchecked)
        ((np.eye(3), np.ones(3), 2), {"split": "bogus"}, ValueError, "split"),
        ((np.eye(3), np.ones(3), 2), {"split": ""}, ValueError, "split"),
        ((np.eye(3), np.ones(3), 2), {"split": None}, ValueError, "split"),
        ((np.eye(3), np.ones(3), 2), {"first_rotation": np.nan}, ValueError, "first_rotation"),
        ((np.eye(3), np.ones(3), 2), {"first_rotation": np.inf}, ValueError, "first_rotation"),
        ((np.eye(3), np.ones(3), 2), {"first_rotation": "45"}, TypeError, "first_rotation"),
        ((np.eye(3), np.ones(3), 2), {"first_rotation": None}, TypeError, "first_rotation"),
        ((np.eye(3), np.ones(3), 2), {"first_rotation": [45.0]}, TypeError, "first_rotation"),
    ],
)
def test_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        active_regression(*args, **kwargs)


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.eye(2), np.ones(3), np.ones(2)), "b_S must have shape"),
        ((np.eye(2), np.ones(2), np.ones(3)), "p_S must have shape"),
        ((np.eye(2), np.ones(2), np.array([0.5, 0.0])), "positive"),
        ((np.eye(2), np.ones(2), np.array([0.5, np.nan])), "finite"),
    ],
)
def test_bad_reweighted(args, match):
    with pytest.raises(ValueError, match=match):
        reweighted_lstsq(*args)
