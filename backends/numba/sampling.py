"""Numba twins of the sampling leaf kernels (references in refimpl/sampling/*.py).

* ``sampling.local_pivotal_sweep``: the local pivotal method (LPM2) as a scalar loop with an O(m)
  nearest-neighbour scan per match; same distance sums (column order), ties and comparisons as the
  reference, so the selection is bit-for-bit the reference's.
* ``sampling.pivotal_sweep``: the bottom-up tournament of Algorithm 1 (Shimizu et al.): the
  reference's scalar loop over the internal nodes, level by level, compiled, in place on a copy of
  the leaf arrays. Same comparisons on the same float64 values as the reference (``u·(a+b) < a``,
  ``u·(2-a-b) < 1-a``, ``a+b-1``; no ``fastmath``), so the selected units are bit-for-bit the
  reference's, in the same output layout.
"""

from __future__ import annotations

import numba
import numpy as np

from refimpl.backends import register_twin


@numba.njit(cache=True)
def _sweep(idx, r, u):
    L = idx.shape[0]
    chosen = np.full(L, -1, dtype=np.int64)
    width = L
    off = 0
    while width > 1:
        m = width // 2
        for j in range(m):
            il, ir = idx[2 * j], idx[2 * j + 1]
            a, b = r[2 * j], r[2 * j + 1]
            uu = u[off + j]
            s = a + b
            if s <= 1.0:  # merge: one unit takes a + b
                idx[j] = il if uu * s < a else ir
                r[j] = s
            else:  # one unit selected, the other keeps a + b - 1
                if uu * (2.0 - s) < (1.0 - a):
                    chosen[off + j] = ir
                    idx[j] = il
                else:
                    chosen[off + j] = il
                    idx[j] = ir
                r[j] = s - 1.0
        off += m
        width = m
    if r[0] > 0.5 and idx[0] >= 0:  # root: residual 1 - δ counts as 1
        chosen[L - 1] = idx[0]
    return chosen


@register_twin("sampling.pivotal_sweep", "numba")
def pivotal_sweep_numba(leaf_idx, leaf_p, u):
    idx = np.array(leaf_idx, dtype=np.int64)  # copies: the sweep works in place
    r = np.array(leaf_p, dtype=np.float64)
    return _sweep(idx, r, np.ascontiguousarray(u, dtype=np.float64))


@numba.njit(cache=True)
def _local_sweep(X, r, u):
    m, D = X.shape
    active = np.ones(m, dtype=np.bool_)
    selected = np.zeros(m, dtype=np.bool_)
    count = m
    t = 0
    while count >= 2:
        target = min(int(u[2 * t] * count), count - 1)
        i = -1
        seen = 0
        for q in range(m):  # the target-th active unit in index order
            if active[q]:
                if seen == target:
                    i = q
                    break
                seen += 1
        best = np.inf
        j = -1
        for q in range(m):
            if active[q] and q != i:
                d2 = (X[q, 0] - X[i, 0]) ** 2
                for c in range(1, D):
                    d2 = d2 + (X[q, c] - X[i, c]) ** 2
                if d2 < best or j < 0:
                    best = d2
                    j = q
        a = r[i]
        b = r[j]
        uu = u[2 * t + 1]
        s = a + b
        if s <= 1.0:
            if uu * s < a:
                win, lose = i, j
            else:
                win, lose = j, i
            wr, lr = s, 0.0
        else:
            if uu * (2.0 - s) < 1.0 - a:
                win, lose = j, i
            else:
                win, lose = i, j
            wr, lr = 1.0, s - 1.0
        r[win] = wr
        r[lose] = lr
        for q, val in ((win, wr), (lose, lr)):
            if val >= 1.0:
                selected[q] = True
            if val >= 1.0 or val <= 0.0:
                active[q] = False
                count -= 1
        t += 1
    if count == 1:
        for q in range(m):
            if active[q]:
                if r[q] > 0.5:
                    selected[q] = True
                break
    return selected


@register_twin("sampling.local_pivotal_sweep", "numba")
def local_pivotal_sweep_numba(X, r, u):
    return _local_sweep(np.ascontiguousarray(X, dtype=np.float64), np.array(r, dtype=np.float64),
                        np.ascontiguousarray(u, dtype=np.float64))
