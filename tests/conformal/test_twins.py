"""NumPy twins of the conformal leaf kernels against their array-API references (the oracle).

Stated agreement (backends/numpy/conformal.py): the twins make the same comparisons as the
references but add in another order. With dyadic weights and losses every sum is exact, so the
results must be identical (bit for bit); with general weights the selected λ̂ / q̂ must still be
identical on random data (a tie of a bound with alpha to within rounding has probability ~0), and
the sums S agree to 1e-12 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from refimpl.backends import get_kernel, use_backend
from refimpl.conformal import conformal_quantile, crc_lambda_hat
from refimpl.conformal.crc import crc_risk_sums
from refimpl.conformal.quantile import weighted_quantile_scan

import refimpl.backends.numpy.conformal as numpy_twins  # noqa: E402  (registers the twins)

CRC_REF = crc_risk_sums.reference
WQ_REF = weighted_quantile_scan.reference


def test_default_backend_dispatches_to_the_numpy_twins():
    assert get_kernel("conformal.crc_risk_sums", "numpy") is numpy_twins.crc_risk_sums_numpy
    assert get_kernel("conformal.weighted_quantile", "numpy") is numpy_twins.weighted_quantile_numpy


def _table(rng, n, m, dyadic=True):
    L = rng.integers(0, 9, size=(n, m)) / 8.0 if dyadic else rng.uniform(size=(n, m))
    return -np.sort(-L, axis=1)


@pytest.fixture(params=[1 << 10, 1 << 17])
def small_blocks(request, monkeypatch):
    # small blocks exercise the block loop (and rows straddling block edges) on small tables
    monkeypatch.setattr(numpy_twins, "_BLOCK_ELEMENTS", request.param)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("monotonize", [False, True])
def test_crc_sums_twin_matches_reference(seed, monotonize, small_blocks):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 400)), int(rng.integers(2, 40))
    dyadic = seed % 2 == 0
    L = _table(rng, n, m, dyadic)
    if monotonize:
        L = L + rng.integers(0, 2, size=L.shape) / 8.0 * (rng.uniform(size=L.shape) < 0.1)  # some increases
        L = np.minimum(L, 1.0)
    w = rng.integers(0, 17, n) / 16.0 if dyadic else rng.uniform(size=n)
    S_twin, d_twin = numpy_twins.crc_risk_sums_numpy(L, w, 0.0, 1.0, monotonize)
    S_ref, d_ref = CRC_REF(L, w, 0.0, 1.0, monotonize)
    assert d_twin == d_ref == (0, 0, 0, 0)
    if dyadic:
        np.testing.assert_array_equal(S_twin, S_ref)
    else:
        np.testing.assert_allclose(S_twin, S_ref, rtol=1e-12, atol=1e-12 * n)


@pytest.mark.parametrize(
    "edit, defects",
    [
        (lambda L: L.__setitem__((3, 5), np.nan), (1, 0, 0, 0)),
        (lambda L: L.__setitem__((7, 0), np.inf), (1, 1, 0, 0)),
        (lambda L: L.__setitem__((0, 0), 1.5), (0, 1, 0, 0)),
        (lambda L: L.__setitem__((9, -1), -0.25), (0, 0, 1, 0)),
        (lambda L: L.__setitem__((11, 4), 1.0), (0, 0, 0, 1)),  # an increase inside a row
    ],
)
@pytest.mark.parametrize("monotonize", [False, True])
def test_crc_sums_twin_reports_the_reference_defects(edit, defects, monotonize, small_blocks):
    rng = np.random.default_rng(0)
    L = _table(rng, 40, 12)
    L[:, 0] = np.minimum(L[:, 0], 0.875)  # room for an increase at (11, 4)
    edit(L)
    w = np.ones(40)
    got = numpy_twins.crc_risk_sums_numpy(L, w, 0.0, 1.0, monotonize)
    want = CRC_REF(L, w, 0.0, 1.0, monotonize)
    assert got[1] == want[1]
    if monotonize and defects[3]:  # monotonisation accepts the increase
        np.testing.assert_array_equal(got[0], want[0])
    else:
        assert got[0] is None and any(got[1])


def test_crc_sums_twin_handles_fortran_order_and_one_column():
    rng = np.random.default_rng(1)
    L = np.asfortranarray(_table(rng, 50, 7))
    w = np.ones(50)
    np.testing.assert_array_equal(numpy_twins.crc_risk_sums_numpy(L, w, 0.0, 1.0, False)[0],
                                  CRC_REF(L, w, 0.0, 1.0, False)[0])
    col = _table(rng, 50, 1)
    np.testing.assert_array_equal(numpy_twins.crc_risk_sums_numpy(col, w, 0.0, 1.0, False)[0], w @ col)


@pytest.mark.parametrize("seed", range(40))
def test_weighted_quantile_twin_matches_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.choice([1, 7, 300, 20_000, 70_000]))  # both the small-n scan and the bracket path
    ties = seed % 2 == 0
    s = rng.integers(0, 60, n) / 4.0 if ties else rng.standard_normal(n)
    w = rng.integers(0, 17, n) / 16.0 if seed % 3 else rng.uniform(size=n)
    alpha = float(rng.choice([1e-4, 0.01, 0.05, 0.1, 0.5, 0.9, rng.uniform(0.001, 0.999)]))
    assert numpy_twins.weighted_quantile_numpy(s, w, alpha) == WQ_REF(s, w, alpha)


@pytest.mark.parametrize("rho", [0.99, 0.9999])
def test_weighted_quantile_twin_with_concentrated_weights(rho):
    # exponential weights put the mass on the newest points, which the strided sample barely sees:
    # the bracket may miss, and the fallback must still give the reference's answer
    rng = np.random.default_rng(5)
    n = 50_000
    s = rng.standard_normal(n)
    w = rho ** np.arange(n, 0, -1, dtype=float)
    for alpha in (0.02, 0.1, 0.3):
        assert numpy_twins.weighted_quantile_numpy(s, w, alpha) == WQ_REF(s, w, alpha)


def test_weighted_quantile_twin_infinite_and_float32():
    rng = np.random.default_rng(3)
    s = rng.standard_normal(30_000)
    assert numpy_twins.weighted_quantile_numpy(s, np.full(30_000, 1e-6), 0.1) == math.inf  # N_w too small
    s32, w32 = s.astype(np.float32), rng.uniform(size=30_000).astype(np.float32)
    assert numpy_twins.weighted_quantile_numpy(s32, w32, 0.1) == WQ_REF(s32, w32, 0.1)


def test_public_functions_agree_across_numpy_and_reference_on_large_inputs():
    rng = np.random.default_rng(7)
    n, m = 3000, 64
    lam = np.linspace(0.0, 1.0, m)
    L = np.clip(np.abs(rng.standard_normal(n))[:, None] * 0.3 - lam[None, :], 0.0, 1.0)
    w = rng.uniform(size=n)
    with use_backend("numpy"):
        res = crc_lambda_hat(L, lam, 0.05, weights=w)
        q = conformal_quantile(rng.standard_normal(100_000), 0.1, rng.uniform(size=100_000))
    with use_backend("array_api_strict"):  # the reference path
        ref = crc_lambda_hat(L, lam, 0.05, weights=w)
    assert res.lambda_hat == ref.lambda_hat and res.index == ref.index
    assert math.isfinite(q)
