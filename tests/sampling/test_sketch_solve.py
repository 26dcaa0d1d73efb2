"""Tests of refimpl.sampling.sketch_solve: sketch-and-solve least squares and the l_inf ratio."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.sampling import linf_error_ratio, sketch_and_solve
from refimpl.sampling.sketch_solve import _fwht
from refimpl.testing import assert_backend_agrees

SKETCHES = ["gaussian", "srht", "countsketch", "leverage"]


def test_fwht_is_orthonormal_hadamard():
    import array_api_compat.numpy as xp

    X = np.random.default_rng(0).standard_normal((16, 3))
    np.testing.assert_allclose(_fwht(X, xp), scipy.linalg.hadamard(16) @ X / 4.0, atol=1e-13)


@pytest.mark.parametrize("sketch", SKETCHES)
def test_consistent_system_is_solved_exactly(sketch):
    rng = np.random.default_rng(1)
    A = rng.standard_normal((300, 5))  # n = 300 is not a power of 2: SRHT pads
    x = rng.standard_normal(5)
    np.testing.assert_allclose(sketch_and_solve(A, A @ x, 40, sketch=sketch, rng=2), x, rtol=1e-9)


@pytest.mark.parametrize("sketch", SKETCHES)
def test_linf_ratio_order_one_on_gaussian_data(sketch):
    # Song et al.: with m = 8d rows the ratio is O(1) for every sketch on a random Gaussian A
    rng = np.random.default_rng(3)
    A = rng.standard_normal((2048, 16))
    b = A @ rng.standard_normal(16) + rng.standard_normal(2048)
    r = [linf_error_ratio(A, b, sketch_and_solve(A, b, 128, sketch=sketch, rng=s)) for s in range(10)]
    assert 0.2 <= np.median(r) <= 2.0
    x_star = np.linalg.lstsq(A, b, rcond=None)[0]
    assert linf_error_ratio(A, b, x_star) <= 1e-10


@settings(max_examples=8)
@given(seed=st.integers(0, 2**31 - 1), sketch=st.sampled_from(SKETCHES))
def test_backend_agreement(backend, seed, sketch):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((200, 4))
    b = rng.standard_normal(200)
    with use_backend("numpy"):
        ref = sketch_and_solve(A, b, 30, sketch=sketch, rng=seed)
    Ab = backend.asarray(A)
    # the same host draws give the same S; cond(SA) <~ 10 for a 30 x 4 Gaussian-like sketch
    assert_backend_agrees(sketch_and_solve(Ab, backend.asarray(b), 30, sketch=sketch, rng=seed), ref,
                          rtol=1e-9, atol=1e-11, like=Ab)
    assert linf_error_ratio(Ab, backend.asarray(b), backend.asarray(ref)) == pytest.approx(
        linf_error_ratio(A, b, ref), rel=1e-8)


@pytest.mark.parametrize(
    "func, args, kwargs, exc, match",
    [
        (sketch_and_solve, (np.eye(4), np.ones(4), 5), {}, ValueError, "d <= m <= n"),
        (sketch_and_solve, (np.ones((8, 4)), np.ones(8), 3), {}, ValueError, "d <= m <= n"),
        (sketch_and_solve, (np.eye(4), np.ones(3), 4), {}, ValueError, "b must have shape"),
        (sketch_and_solve, (np.eye(4), np.ones(4), 4), {"sketch": "osnap"}, ValueError, "sketch"),
        (sketch_and_solve, (np.eye(4), np.ones(4), 4.5), {}, TypeError, "m must be an integer"),
        (sketch_and_solve, (np.eye(4), np.array([1.0, np.nan, 0, 0]), 4), {}, ValueError, "finite"),
        (sketch_and_solve, (np.ones((8, 2)), np.ones(8), 4), {"sketch": "leverage"}, ValueError, "rank-deficient"),
        (linf_error_ratio, (np.ones((8, 2)), np.ones(8), np.ones(2)), {}, ValueError, "full column rank"),
        (linf_error_ratio, (np.eye(4), np.ones(4), np.ones(3)), {}, ValueError, "x must have shape"),
    ],
)
def test_bad_input(func, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)


def test_linf_error_ratio_tiny_b():
    """The residual norm is computed in scaled form: b·1e-300 gives a finite ratio (was inf)."""
    rng = np.random.default_rng(2)
    A, b, x = rng.standard_normal((8, 2)), rng.standard_normal(8), np.array([0.3, -0.2])
    out = linf_error_ratio(A, b * 1e-300, x * 1e-300)
    assert np.isfinite(out)
    np.testing.assert_allclose(out, linf_error_ratio(A, b, x), rtol=1e-10)
    assert np.isfinite(linf_error_ratio(A, b * 1e-300, x))
