"""Numba twins of the EIM family's leaf kernels.

``eim.greedy_step`` (refimpl.eim.greedy.greedy_step): the rank-one Schur-complement update of the
EIM residual fused with the column norms of the updated residual, in one pass over R (paper A
Eq. (1b) in its Newton form). The update is done in place on the driver's residual copy. The arithmetic of every
entry is the reference's, ``R[a, c] - q[a] * r[c]`` without contraction (no fastmath), so the sup
norms, and hence the first-maximal-index choices, are bitwise identical to the NumPy reference.

``eim.p2p`` (refimpl.eim.eifmm): direct near-field summation over leaf-cell neighbour lists.
"""

from __future__ import annotations

import numba
import numpy as np

from refimpl.backends import register_twin


@numba.njit(cache=True)
def _sq_modulus(x):
    # |x|^2 as Re^2 + Im^2 (IEEE operations only, as the reference's _modulus_key)
    return x.real * x.real + x.imag * x.imag


@numba.njit(cache=True)
def _basis_and_row(R, i, j, q, r):
    n_x, n_y = R.shape
    piv = R[i, j]
    for a in range(n_x):
        q[a] = R[a, j] / piv
    q[i] = 1.0
    for c in range(n_y):
        r[c] = R[i, c]


@numba.njit(cache=True)
def _update_sup_real(R, q, r, col):
    # one pass: R <- R - q r^T and col[c] = max_a |R[a, c]| (branch-free inner loop)
    n_x, n_y = R.shape
    col[:] = 0.0
    for a in range(n_x):
        qa = q[a]
        for c in range(n_y):
            x = R[a, c] - qa * r[c]
            R[a, c] = x
            col[c] = max(col[c], abs(x))


@numba.njit(cache=True)
def _update_l2_real(R, q, r, w, col):
    n_x, n_y = R.shape
    col[:] = 0.0
    for a in range(n_x):
        qa = q[a]
        wa = w[a]
        for c in range(n_y):
            x = R[a, c] - qa * r[c]
            R[a, c] = x
            col[c] += wa * (x * x)
    for c in range(n_y):
        col[c] = np.sqrt(col[c])


@numba.njit(cache=True)
def _update_complex(R, q, r, w, col, sup):
    n_x, n_y = R.shape
    col[:] = 0.0
    for a in range(n_x):
        qa = q[a]
        wa = w[a]
        for c in range(n_y):
            x = R[a, c] - qa * r[c]
            R[a, c] = x
            v2 = _sq_modulus(x)
            if sup:
                col[c] = max(col[c], v2)
            else:
                col[c] += wa * v2
    for c in range(n_y):
        col[c] = np.sqrt(col[c])


@register_twin("eim.greedy_step", "numba")
def greedy_step_numba(R, i, j, norm_code, w):
    """Numba twin of :func:`refimpl.eim.greedy.greedy_step` (in-place update, fused norms)."""
    R = np.ascontiguousarray(R)
    n_x, n_y = R.shape
    q = np.empty(n_x, dtype=R.dtype)
    r = np.empty(n_y, dtype=R.dtype)
    col = np.empty(n_y, dtype=np.float64)
    _basis_and_row(R, int(i), int(j), q, r)
    weights = np.ones(n_x) if norm_code != 2 else np.ascontiguousarray(w, dtype=np.float64)
    if np.iscomplexobj(R):
        _update_complex(R, q, r, weights, col, norm_code == 0)
    elif norm_code == 0:
        _update_sup_real(R, q, r, col)
    else:
        _update_l2_real(R, q, r, weights, col)
    return R, q, r, col


@numba.njit(cache=True)
def _p2p_loop(tx, t_start, sx, s_start, sq, n, code, param, out):
    for c in range(n * n * n):
        a = t_start[c]
        b = t_start[c + 1]
        if a == b:
            continue
        i = c // (n * n)
        j = (c // n) % n
        k = c % n
        for di in range(-1, 2):
            ii = i + di
            if ii < 0 or ii >= n:
                continue
            for dj in range(-1, 2):
                jj = j + dj
                if jj < 0 or jj >= n:
                    continue
                for dk in range(-1, 2):
                    kk = k + dk
                    if kk < 0 or kk >= n:
                        continue
                    s = (ii * n + jj) * n + kk
                    for t in range(a, b):
                        acc = 0.0
                        for m in range(s_start[s], s_start[s + 1]):
                            dx = tx[t, 0] - sx[m, 0]
                            dy = tx[t, 1] - sx[m, 1]
                            dz = tx[t, 2] - sx[m, 2]
                            r2 = dx * dx + dy * dy + dz * dz
                            if code == 1:
                                acc += sq[m] * np.exp(-r2 / (param * param))
                            elif r2 > 0.0:
                                r = np.sqrt(r2)
                                if code == 0:
                                    acc += sq[m] / r
                                else:
                                    acc += sq[m] * np.exp(-param * r) / r
                        out[t] += acc


@register_twin("eim.p2p", "numba")
def p2p_numba(tx, t_start, sx, s_start, sq, n, code, param):
    """Numba twin of :func:`refimpl.eim.eifmm.p2p` (same neighbour traversal, compiled loops)."""
    out = np.zeros(tx.shape[0])
    _p2p_loop(np.ascontiguousarray(tx, dtype=np.float64), np.asarray(t_start, dtype=np.int64),
              np.ascontiguousarray(sx, dtype=np.float64), np.asarray(s_start, dtype=np.int64),
              np.ascontiguousarray(sq, dtype=np.float64), int(n), int(code), float(param), out)
    return out
