"""Numba twins of the newton leaf kernels (references in refimpl/newton/*.py)."""

from __future__ import annotations

import numba
import numpy as np

from refimpl.backends import register_twin

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
