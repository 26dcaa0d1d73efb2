"""Online non-X CRC against the batch formula; split-CP regions against their definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.backends import use_backend
from refimpl.conformal import (
    OnlineCRC,
    absolute_residual_scores,
    conformal_quantile,
    crc_lambda_hat,
    exponential_weights,
    lac_prediction_sets,
    lac_scores,
    norm_ball_contains,
    norm_residual_scores,
    normalized_residual_scores,
    online_crc_path,
    split_conformal_interval,
)
from refimpl.testing import assert_backend_agrees


def _stream(rng, T, m):
    L = rng.integers(0, 9, size=(T, m)) / 8.0
    return -np.sort(-L, axis=1)


@pytest.mark.parametrize("rho", [0.5, 0.9, 0.99, 1.0])
def test_online_equals_batch_formula(rho):
    rng = np.random.default_rng(1)
    T, m = 150, 17
    L = _stream(rng, T, m)
    lam = np.linspace(0, 1, m)
    alpha = 0.3
    state = OnlineCRC(lam, alpha, rho)
    path, feasible = online_crc_path(L, lam, alpha, rho)
    for t in range(T):
        state.observe(L[t])
        batch = crc_lambda_hat(L[: t + 1], lam, alpha, weights=exponential_weights(t + 1, rho))
        online = state.result()
        np.testing.assert_allclose(online.bound, batch.bound, rtol=1e-12)
        assert online.N_w == pytest.approx(batch.N_w, rel=1e-12)
        # lambda_hat agrees unless a bound ties alpha to within rounding (none does for these dyadic data)
        assert (online.lambda_hat, online.feasible) == (batch.lambda_hat, batch.feasible)
        assert (path[t], feasible[t]) == (batch.lambda_hat, batch.feasible)


def test_online_skip_matches_time_gap_weights():
    # calibration points at times 0, 2, 5; test point at time 7: weights rho^(7 - t)
    rho, lam = 0.8, np.linspace(0, 1, 5)
    rows = np.array([[1, 1, 0.5, 0, 0], [1, 0.5, 0.5, 0.5, 0], [0.5, 0.5, 0, 0, 0]])
    state = OnlineCRC(lam, 0.5, rho)
    state.observe(rows[0])  # time 0 (weight rho relative to time 1)
    state.skip(1)
    state.observe(rows[1])  # time 2
    state.skip(2)
    state.observe(rows[2])  # time 5
    state.skip(1)  # the test point arrives at time 7
    w = rho ** (7 - np.array([0.0, 2.0, 5.0]))
    batch = crc_lambda_hat(rows, lam, 0.5, weights=w)
    np.testing.assert_allclose(state.result().bound, batch.bound, rtol=1e-14)
    assert state.N_w == pytest.approx(w.sum(), rel=1e-14)


def test_online_per_step_cost_is_independent_of_history():
    # O(m) state: after many observations the state is still one (m,) vector and a scalar
    state = OnlineCRC(np.linspace(0, 1, 7), 0.2, 0.99)
    for _ in range(1000):
        state.observe(np.zeros(7))
    assert state.S.shape == (7,) and state.n == 1000
    assert state.N_w == pytest.approx(0.99 * (1 - 0.99**1000) / 0.01)


def test_online_bad_input():
    state = OnlineCRC([0.0, 1.0], 0.2, 0.9)
    with pytest.raises(ValueError, match="no calibration point observed yet"):
        state.result()
    with pytest.raises(ValueError, match=r"lambdas and losses disagree: lambdas has 2 grid points but losses has 3 columns"):
        state.observe([1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="losses must be <= B"):
        state.observe([2.0, 0.0])
    with pytest.raises(ValueError, match="non-increasing in lambda"):
        state.observe([0.0, 1.0])
    with pytest.raises(ValueError, match=r"rho must lie in \(0, 1\]"):
        OnlineCRC([0.0, 1.0], 0.2, 0.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        online_crc_path(np.zeros((2, 2)), [1.0, 0.0], 0.2, 0.9)
    with pytest.raises(ValueError, match="losses must be finite"):
        online_crc_path([[np.nan, 0.0]], [0.0, 1.0], 0.2, 0.9)


@settings(max_examples=15)
@given(data=st.data())
def test_online_path_backend_agreement(backend, data):
    T = data.draw(st.integers(1, 40))
    m = data.draw(st.integers(1, 8))
    L = -np.sort(-np.array(data.draw(st.lists(st.integers(0, 4), min_size=T * m, max_size=T * m)),
                           float).reshape(T, m) / 4, axis=1)
    lam = np.arange(m, dtype=float)
    rho = data.draw(st.sampled_from([0.5, 0.75, 1.0]))  # dyadic: the recursion is exact
    with use_backend("numpy"):
        o_lam, o_ok = online_crc_path(L, lam, 0.25, rho)
    Lb = backend.asarray(L)
    got_lam, got_ok = online_crc_path(Lb, backend.asarray(lam), 0.25, rho)
    assert_backend_agrees(got_lam, o_lam, rtol=0, like=Lb)
    assert_backend_agrees(got_ok, o_ok, rtol=0, like=Lb)


def test_intervals_and_scores():
    y = np.array([1.0, 2.0, 4.0, 0.0])
    f = np.array([1.5, 1.0, 3.0, 0.5])
    np.testing.assert_allclose(absolute_residual_scores(y, f), [0.5, 1.0, 1.0, 0.5])
    np.testing.assert_allclose(normalized_residual_scores(y, f, [0.5, 1.0, 2.0, 0.25]), [1.0, 1.0, 0.5, 2.0])
    lo, hi = split_conformal_interval(f, 0.5, sigma=[1.0, 2.0, 1.0, 1.0])
    np.testing.assert_allclose(lo, [1.0, 0.0, 2.5, 0.0])
    np.testing.assert_allclose(hi, [2.0, 2.0, 3.5, 1.0])
    lo, hi = split_conformal_interval(f, math.inf)
    assert np.all(np.isinf(lo)) and np.all(np.isinf(hi)) and np.all(lo < 0)
    with pytest.raises(ValueError, match="sigma must be strictly positive"):
        normalized_residual_scores(y, f, [1.0, 0.0, 1.0, 1.0])


def test_interval_is_the_set_of_y_with_score_below_q():
    rng = np.random.default_rng(2)
    y_cal, f_cal = rng.standard_normal(99), np.zeros(99)
    q = conformal_quantile(absolute_residual_scores(y_cal, f_cal), 0.1)
    assert q == np.sort(np.abs(y_cal))[89]  # k = ceil(100 * 0.9) = 90
    f_test = rng.standard_normal(500)
    y_test = f_test + rng.standard_normal(500)
    lo, hi = split_conformal_interval(f_test, q)
    np.testing.assert_array_equal((lo <= y_test) & (y_test <= hi), np.abs(y_test - f_test) <= q)


def test_lac_sets_and_norm_regions():
    P = np.array([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]])
    np.testing.assert_allclose(lac_scores(P, [0, 2]), [0.3, 0.75])
    np.testing.assert_array_equal(lac_prediction_sets(P, 0.65), [[True, False, False], [True, True, False]])
    with pytest.raises(ValueError, match=r"y must hold integers in \[0, 2\]"):
        lac_scores(P, [0, 3])
    Y = np.array([[3.0, 4.0], [1.0, -1.0]])
    F = np.zeros((2, 2))
    np.testing.assert_allclose(norm_residual_scores(Y, F), [5.0, np.sqrt(2)])
    np.testing.assert_allclose(norm_residual_scores(Y, F, "inf"), [4.0, 1.0])
    np.testing.assert_array_equal(norm_ball_contains(Y, F, 4.5), [False, True])
    np.testing.assert_array_equal(norm_ball_contains(Y, F, 4.0, "inf"), [True, True])
    with pytest.raises(ValueError, match="ord must be one of"):
        norm_residual_scores(Y, F, 1)
    with pytest.raises(ValueError, match=r"Y_pred must have shape \(2, 2\)"):
        norm_residual_scores(Y, np.zeros((2, 3)))


@settings(max_examples=10)
@given(data=st.data())
def test_regions_backend_agreement(backend, data):
    n = data.draw(st.integers(1, 10))
    d = data.draw(st.integers(1, 4))
    Y = np.array(data.draw(st.lists(st.integers(-8, 8), min_size=n * d, max_size=n * d)), float).reshape(n, d) / 4
    F = np.roll(Y, 1)
    with use_backend("numpy"):
        o2, oinf = norm_residual_scores(Y, F), norm_residual_scores(Y, F, "inf")
        oin = norm_ball_contains(Y, F, 1.0)
        olo, ohi = split_conformal_interval(F[:, 0], 0.75, sigma=np.abs(Y[:, 0]) + 1)
    Yb, Fb = backend.asarray(Y), backend.asarray(F)
    # the l2 norm is a sum of squares and a sqrt: a few ulp between libraries
    assert_backend_agrees(norm_residual_scores(Yb, Fb), o2, rtol=1e-15, like=Yb)
    assert_backend_agrees(norm_residual_scores(Yb, Fb, "inf"), oinf, rtol=0, like=Yb)
    assert_backend_agrees(norm_ball_contains(Yb, Fb, 1.0), oin, rtol=0, like=Yb)
    lo, hi = split_conformal_interval(Fb[:, 0], 0.75, sigma=backend.asarray(np.abs(Y[:, 0]) + 1))
    assert_backend_agrees(lo, olo, rtol=0, like=Yb)
    assert_backend_agrees(hi, ohi, rtol=0, like=Yb)


@settings(max_examples=10)
@given(data=st.data())
def test_scores_sets_and_online_state_backend_agreement(backend, data):
    n = data.draw(st.integers(1, 10))
    K = data.draw(st.integers(2, 4))
    raw = np.array(data.draw(st.lists(st.integers(1, 8), min_size=n * K, max_size=n * K)), float).reshape(n, K)
    P = raw / raw.sum(axis=1, keepdims=True)
    y = np.array(data.draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n)))
    f = raw[:, 0] / 4
    sigma = raw[:, 1] / 8
    with use_backend("numpy"):
        o_lac, o_sets = lac_scores(P, y), lac_prediction_sets(P, 0.5)
        o_abs, o_norm = absolute_residual_scores(raw[:, 1], f), normalized_residual_scores(raw[:, 1], f, sigma)
        o_state = OnlineCRC(np.linspace(0, 1, K), 0.4, 0.5)
        for row in -np.sort(-P, axis=1):
            o_state.observe(row)
        o_res = o_state.result()
    Pb = backend.asarray(P)
    # one subtraction / division per entry on identical inputs: exact up to the last ulp
    assert_backend_agrees(lac_scores(Pb, backend.asarray(y.astype(float))), o_lac, rtol=1e-15, like=Pb)
    assert_backend_agrees(lac_prediction_sets(Pb, 0.5), o_sets, rtol=0, like=Pb)
    assert_backend_agrees(absolute_residual_scores(backend.asarray(raw[:, 1]), backend.asarray(f)), o_abs, rtol=0,
                          like=Pb)
    assert_backend_agrees(normalized_residual_scores(backend.asarray(raw[:, 1]), backend.asarray(f),
                                                     backend.asarray(sigma)), o_norm, rtol=1e-15, like=Pb)
    state = OnlineCRC(backend.asarray(np.linspace(0, 1, K)), 0.4, 0.5)
    for row in -np.sort(-P, axis=1):
        state.observe(backend.asarray(row))
    res = state.result()
    # rho = 1/2 and dyadic losses would be exact; P has thirds etc., so allow a few ulp in the bound
    assert_backend_agrees(res.bound, o_res.bound, rtol=1e-14, like=Pb)
    assert (res.lambda_hat, res.feasible) == (o_res.lambda_hat, o_res.feasible)
