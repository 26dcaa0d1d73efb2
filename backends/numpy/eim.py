"""NumPy twin of the EIM family's leaf kernel ``eim.greedy_step``.

The array-API reference (:func:`refimpl.eim.greedy.greedy_step`) makes about six full passes
over the residual per step and allocates two temporaries of its size (the rank-one product
``q r^T`` and ``|R|``). This twin runs the reference's operations on blocks of rows that stay in
cache: per block, the outer product into a reusable buffer, the subtraction in place and the
column reduction of the updated block (for the real sup norm ``max(max x, -min x)``, which needs
no modulus pass). The residual is read and written once per step; nothing of its size is
allocated.

Every entry is computed with the reference's operations (``R[a, c] - q[a] * r[c]`` rounded twice,
no fused multiply-add), so the residual is bit for bit the reference's; the sup norms are maxima
(exact) and the l2/weighted norms add the rows in the reference's order (NumPy's axis-0
reduction of a C-ordered array adds the rows one after another; the running sum is kept as row 0
of the buffer). Column norms, first-maximal-index choices and exact ties therefore agree bit for
bit (tested in ``tests/eim/test_greedy.py``).

``scipy.linalg.blas.dger`` was tried for the update (about 1.2x faster per step): OpenBLAS fuses
the multiply-add in its vector loop but not in its scalar tail, so residual entries differ from
the reference by one rounding and near-ties between columns are broken differently (the selected
order changed on the Grepl test problem). The blocked form was kept: exact, and fast enough.
"""

from __future__ import annotations

import numpy as np

from refimpl.backends import register_twin

#: entries per row block (the buffers stay in cache; large enough to amortise the Python loop)
_BLOCK_ENTRIES = 65536


@register_twin("eim.greedy_step", "numpy")
def greedy_step_numpy(R, i, j, norm_code, w):
    """NumPy twin of :func:`refimpl.eim.greedy.greedy_step` (blocked in-place update, fused norms)."""
    if not (isinstance(R, np.ndarray) and R.flags.c_contiguous and R.flags.writeable):
        R = np.ascontiguousarray(R)
    n_x, n_y = R.shape
    cplx = np.iscomplexobj(R)
    q = R[:, j] / R[i, j]
    q[i] = 1.0  # q_k(x_{i_k}) = 1 exactly
    r = R[i, :].copy()
    rows = max(1, _BLOCK_ENTRIES // max(n_y, 1))
    buf = np.empty((rows + 1, n_y), dtype=R.dtype)
    key = np.empty((rows + 1, n_y), dtype=np.float64) if cplx else buf
    acc = np.zeros(n_y, dtype=np.float64)
    weighted = norm_code == 2
    for s in range(0, n_x, rows):
        e = min(s + rows, n_x)
        m = e - s
        Rb = R[s:e]
        t = buf[1 : m + 1]
        np.multiply(q[s:e, None], r[None, :], out=t)  # the reference's q r^T, block by block
        np.subtract(Rb, t, out=Rb)
        if norm_code == 0 and not cplx:
            # max |x| = max(max x, -min x): two reductions, no modulus pass (exact)
            np.maximum(acc, np.max(Rb, axis=0), out=acc)
            np.maximum(acc, np.negative(np.min(Rb, axis=0)), out=acc)
            continue
        k = key[1 : m + 1]
        if cplx:
            re, im = Rb.real, Rb.imag
            np.multiply(re, re, out=k)
            k += im * im  # Re^2 + Im^2, as the reference's _modulus_key
        else:
            np.abs(Rb, out=k)
            np.multiply(k, k, out=k)
        if norm_code == 0:
            np.maximum(acc, np.max(k, axis=0), out=acc)
        else:
            if weighted:
                k *= w[s:e, None]
            key[0] = acc  # the running sum leads the block: rows are added in the reference's order
            np.sum(key[: m + 1], axis=0, out=acc)
    if norm_code != 0 or cplx:
        np.sqrt(acc, out=acc)
    return R, q, r, acc
