"""Numba twins of the newton family's leaf kernels (references in refimpl/newton/*.py).

``newton.sketch_steps`` (refimpl.newton.adasketch.sketch_steps): the sketch-and-project inner loop
of AdaSketch-Newton (Hong, Na, Mahoney & Kolar 2023), Gaussian vector sketch or randomized
Kaczmarz, with the residual recomputed as K z − b after every step and the stopping test
‖r‖ ≤ thr before each step, as in the reference. Same arithmetic per step; the dot products and
matrix-vector products are summed in loop order instead of BLAS order, so the iterates agree
with the reference to rounding (the tests state the tolerance), not bit for bit.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from refimpl.backends import register_twin


@numba.njit(cache=True)
def _residual(K, z, b, r):
    N = K.shape[0]
    ss = 0.0
    for i in range(N):
        acc = 0.0
        for j in range(N):
            acc += K[i, j] * z[j]
        ri = acc - b[i]
        r[i] = ri
        ss += ri * ri
    return math.sqrt(ss)


@numba.njit(cache=True)
def _sketch_loop(K, b, z, r, S, idx, row_norms2, thr, gaussian):
    N = K.shape[0]
    n_steps = S.shape[0] if gaussian else idx.shape[0]
    w = np.empty(N)
    rn = 0.0
    for i in range(N):
        rn += r[i] * r[i]
    rn = math.sqrt(rn)
    for step in range(n_steps):
        if rn <= thr:
            return step, True
        if gaussian:
            # w = K^T s, coefficient (s.r) / (w.w)
            for j in range(N):
                w[j] = 0.0
            for i in range(N):
                si = S[step, i]
                for j in range(N):
                    w[j] += K[i, j] * si
            den = 0.0
            sr = 0.0
            for j in range(N):
                den += w[j] * w[j]
                sr += S[step, j] * r[j]
            if den > 0.0:
                coef = sr / den
                for j in range(N):
                    z[j] -= coef * w[j]
        else:
            i = idx[step]
            den = row_norms2[i]
            if den > 0.0:
                coef = r[i] / den
                for j in range(N):
                    z[j] -= coef * K[i, j]
        rn = _residual(K, z, b, r)
    return n_steps, rn <= thr


@register_twin("newton.sketch_steps", "numba")
def sketch_steps(K, b, z, r, S, idx, row_norms2, thr, gaussian):
    """Numba twin of :func:`refimpl.newton.adasketch.sketch_steps` (same arguments and returns)."""
    dtype = np.asarray(z).dtype
    K = np.ascontiguousarray(K, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    z = np.array(z, dtype=np.float64, copy=True)
    r = np.array(r, dtype=np.float64, copy=True)
    S = np.ascontiguousarray(S, dtype=np.float64).reshape(-1, K.shape[0]) if gaussian else np.zeros((0, K.shape[0]))
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    row_norms2 = np.ascontiguousarray(row_norms2, dtype=np.float64)
    steps, ok = _sketch_loop(K, b, z, r, S, idx, row_norms2, float(thr), bool(gaussian))
    return z.astype(dtype, copy=False), r.astype(dtype, copy=False), int(steps), bool(ok)



# ---- risk parity (nrp) ----
# ``newton.rp_ccd_sweep``: one cyclical coordinate-descent sweep of risk parity (Choi & Chen 2022's
# improved CCD in correlation form, or the original CCD of Griveau-Billion et al. 2013), reference
# ``refimpl.newton.risk_parity.ccd_sweep``. Same float64 operations in the same order as the
# reference (no fastmath, hence no FMA contraction): the improved sweep is bit-for-bit the
# reference's; the original sweep recomputes the volatility sqrt(xᵀSx) with a sequential dot
# product where the reference uses ``vecdot`` (BLAS order), so it agrees to round-off (the tests
# use rtol 1e-12).


@numba.njit(cache=True)
def _rp_ccd_sweep(S, x, Sx, b, s, original):
    n = x.shape[0]
    vol = 0.0
    if original:
        acc = 0.0
        for j in range(n):
            acc += x[j] * Sx[j]
        vol = np.sqrt(acc)
    for i in range(n):
        d = S[i, i]
        a = (Sx[i] - d * x[i]) / 2.0
        if original:
            new = (s[i] * np.sqrt(a * a + d * vol * b[i]) - a) / d
        else:
            new = s[i] * np.sqrt(a * a + b[i]) - a
        delta = new - x[i]
        for j in range(n):
            Sx[j] = Sx[j] + S[i, j] * delta
        x[i] = new
        if original:
            acc = 0.0
            for j in range(n):
                acc += x[j] * Sx[j]
            vol = np.sqrt(acc)
    return x, Sx


@register_twin("newton.rp_ccd_sweep", "numba")
def rp_ccd_sweep_numba(S, x, Sx, b, s, original):
    dt = np.asarray(x).dtype
    S = np.ascontiguousarray(S, dtype=np.float64)
    x = np.array(x, dtype=np.float64)  # copies: the sweep works in place
    Sx = np.array(Sx, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    s = np.ascontiguousarray(s, dtype=np.float64)
    x, Sx = _rp_ccd_sweep(S, x, Sx, b, s, bool(original))
    return x.astype(dt, copy=False), Sx.astype(dt, copy=False)
