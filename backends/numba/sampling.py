"""Numba twins of the sampling leaf kernels (references in refimpl/sampling/*.py).

* ``sampling.pivotal_sweep``: the bottom-up tournament of Algorithm 1 (Shimizu et al.) as one
  scalar loop over the internal nodes, level by level, in place on a copy of the leaf arrays.
  Same comparisons on the same float64 values as the vectorised reference (``u·(a+b) < a``,
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
