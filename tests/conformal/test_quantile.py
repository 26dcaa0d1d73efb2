"""conformal_quantile / order_statistic_rank: brute force, float pitfalls, ties, +inf, backends, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.backends import available_backends, use_backend
from refimpl.conformal import conformal_quantile, order_statistic_rank
from refimpl.testing import assert_backend_agrees

from ._oracles import rank_bruteforce, weighted_quantile_bruteforce


@pytest.mark.parametrize("n", [1, 2, 5, 9, 19, 20, 99, 100, 999])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95])
def test_rank_matches_exact_rational_ceiling(n, alpha):
    assert order_statistic_rank(n, alpha) == rank_bruteforce(n, alpha)


def test_rank_avoids_the_naive_float_off_by_one():
    # (n+1)(1-alpha) is an integer here, but float arithmetic misses it
    assert math.ceil(10 * (1 - 0.7)) == 4  # the naive formula's wrong answer
    assert order_statistic_rank(9, 0.7) == 3
    assert math.floor((1 - 0.9) * 20) == 1  # crepes-style truncation gives one order statistic too many
    assert order_statistic_rank(19, 0.1) == 18


@given(n=st.integers(1, 400), alpha_e4=st.integers(1, 9999))
def test_rank_property(n, alpha_e4):
    # alpha with up to four decimals: the rank must be the exact rational ceiling for the decimal
    assert order_statistic_rank(n, alpha_e4 / 10000) == rank_bruteforce(n, alpha_e4 / 10000)


def test_rank_reads_rounded_rationals_as_equal():
    # 1/3 is not a short decimal, but c/(n+1) = 1/3 rounds to the same double: counted as equal
    assert order_statistic_rank(2, 1 / 3) == 2
    assert order_statistic_rank(5, 1 / 3) == 4


def test_unweighted_is_kth_smallest_and_inf_when_unattainable():
    rng = np.random.default_rng(0)
    s = rng.standard_normal(19)
    assert conformal_quantile(s, 0.1) == np.sort(s)[17]  # k = 18
    assert conformal_quantile(s, 0.04) == math.inf  # k = ceil(20 * 0.96) = 20 > 19
    assert conformal_quantile(s, 0.05) == np.sort(s)[18]  # k = 19


def test_ties_use_the_order_statistic():
    s = np.array([1.0, 2.0, 2.0, 2.0, 3.0])
    assert conformal_quantile(s, 0.5) == 2.0  # k = 3
    assert conformal_quantile(s, 1 / 6 + 1e-9) == 3.0  # k = 5


@pytest.mark.parametrize("seed", range(40))
def test_weighted_matches_bruteforce_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 25))
    s = rng.integers(0, 5, n).astype(float)  # many ties
    w = rng.integers(0, 9, n) / 8.0
    alpha = float(rng.choice([0.05, 0.1, 0.2, 0.3, 0.5, rng.uniform(0.01, 0.99)]))
    assert conformal_quantile(s, alpha, w) == weighted_quantile_bruteforce(s, w, alpha)


def test_weighted_tied_weights_are_summed():
    # mass 0.25 on each of three tied 1's: the CDF jumps by 0.75 at 1, not by 0.25
    s = np.array([1.0, 1.0, 1.0, 5.0])
    w = np.array([0.25, 0.25, 0.25, 0.25])  # N_w = 1, Z = 2, calibration mass 1/2 at most
    assert conformal_quantile(s, 0.5, w) == 5.0  # need 1/2 >= 1/2: all calibration mass
    assert conformal_quantile(s, 0.65, w) == 1.0  # need 0.35: the tie group carries 0.375


def test_weighted_inf_when_calibration_mass_below_level():
    w = np.full(9, 0.5)  # Σ w~_i = 4.5 / 5.5 = 0.818 < 0.9
    assert conformal_quantile(np.arange(9.0), 0.1, w) == math.inf
    assert conformal_quantile(np.arange(9.0), 0.2, w) == 8.0


def test_unit_weights_equal_split_cp():
    rng = np.random.default_rng(3)
    for n in (1, 4, 19, 50):
        s = np.round(rng.standard_normal(n), 1)
        for alpha in (0.05, 0.1, 0.2, 0.5, 0.7):
            assert conformal_quantile(s, alpha, np.ones(n)) == conformal_quantile(s, alpha)


def test_zero_weights_give_inf():
    assert conformal_quantile([1.0, 2.0], 0.5, [0.0, 0.0]) == math.inf


@pytest.mark.skipif(available_backends().get("numba") is not None, reason="numba backend unavailable")
@pytest.mark.parametrize("order", ["random", "sorted", "reversed"])
def test_numba_twin_large_input_matches_reference(order):
    # large n exercises the twin's sampled bracket and its fallback; dyadic weights make sums exact
    rng = np.random.default_rng(7)
    s = np.round(rng.standard_normal(50_000), 3)
    s = {"random": s, "sorted": np.sort(s), "reversed": np.sort(s)[::-1].copy()}[order]
    w = rng.integers(0, 65, 50_000) / 64.0
    # all mass on 40 points the twin's strided sample (stride 50_000 // 4096 = 12) never sees:
    # its bracket estimate is wrong and the full-quickselect fallback must run
    spiky = np.zeros(50_000)
    spiky[12 * 97 * np.arange(40) + rng.integers(1, 12, 40)] = 1.0
    for weights in (w, spiky):
        for alpha in (1e-4, 0.001, 0.1, 0.5, 0.9, 0.999):
            with use_backend("numpy"):
                ref = conformal_quantile(s, alpha, weights)
            with use_backend("numba"):
                assert conformal_quantile(s, alpha, weights) == ref


scores_st = st.lists(st.integers(-4, 4), min_size=1, max_size=30)


@settings(max_examples=25)
@given(data=st.data())
def test_backend_agreement(backend, data):
    ints = data.draw(scores_st)
    n = len(ints)
    s = np.array(ints, dtype=np.float64) / 2.0
    w = np.array(data.draw(st.lists(st.integers(0, 8), min_size=n, max_size=n)), dtype=np.float64) / 8.0
    alpha = data.draw(st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.5, 0.7, 0.9]))
    with use_backend("numpy"):
        oracle_u = conformal_quantile(s, alpha)
        oracle_w = conformal_quantile(s, alpha, w)
    # dyadic scores and weights: every sum is exact, so all backends must agree exactly (rtol 0)
    assert_backend_agrees(conformal_quantile(backend.asarray(s), alpha), oracle_u, rtol=0)
    assert_backend_agrees(conformal_quantile(backend.asarray(s), alpha, backend.asarray(w)), oracle_w, rtol=0)
    assert oracle_w == weighted_quantile_bruteforce(s, w, alpha)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(scores=[], alpha=0.1), "at least 1 entries"),
        (dict(scores=[[1.0, 2.0]], alpha=0.1), "1-D"),
        (dict(scores=[1.0, np.nan], alpha=0.1), "finite"),
        (dict(scores=[1.0, np.inf], alpha=0.1), "finite"),
        (dict(scores=[1.0, 2.0], alpha=0.0), r"alpha must lie in \(0, 1\)"),
        (dict(scores=[1.0, 2.0], alpha=1.0), r"alpha must lie in \(0, 1\)"),
        (dict(scores=[1.0, 2.0], alpha=1.5), r"alpha must lie in \(0, 1\)"),
        (dict(scores=[1.0, 2.0], alpha=float("nan")), "alpha"),
        (dict(scores=[1.0, 2.0], alpha=0.1, weights=[1.0]), r"weights must have shape \(2,\)"),
        (dict(scores=[1.0, 2.0], alpha=0.1, weights=[1.0, 1.5]), r"weights must lie in \[0, 1\]"),
        (dict(scores=[1.0, 2.0], alpha=0.1, weights=[1.0, -0.1]), r"weights must lie in \[0, 1\]"),
        (dict(scores=[1.0, 2.0], alpha=0.1, weights=[1.0, np.nan]), "weights must contain only finite"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        conformal_quantile(**kwargs)


def test_bad_input_types():
    with pytest.raises(TypeError, match="alpha must be a real number"):
        conformal_quantile([1.0], "0.1")
    with pytest.raises(TypeError, match="scores must be"):
        conformal_quantile(["a", "b"], 0.1)
