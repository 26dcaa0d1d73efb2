"""NumPy twin of the EIM family's leaf kernel ``eim.greedy_step``.

The array-API reference (:func:`refimpl.eim.greedy.greedy_step`) makes about six full passes
over the residual per step and allocates two temporaries of its size (the rank-one product
``q r^T`` and ``|R|``). This twin runs the reference's operations on blocks of rows that stay in
cache: per block, the outer product ``q r^T`` into a reusable buffer (real data: BLAS ``ger``
into the zeroed buffer, which is faster than NumPy's broadcast multiply; complex data: NumPy's
multiply), the subtraction in place, the modulus of the updated block into the same buffer and
one column reduction of that buffer with the running maximum (or sum) kept as its row 0. The
residual is read and written once per step; nothing of its size is allocated.

Every entry is computed with the reference's operations (``R[a, c] - q[a] * r[c]`` rounded twice,
no fused multiply-add: ``ger`` adds the product to an exact zero, so with or without FMA the
buffer holds the correctly rounded product), so the residual equals the reference's entry for
entry; the only possible bit difference is the sign of a zero (``ger`` gives ``0 + (-0) = +0``
where NumPy's multiply gives ``-0``): the greedy only compares, takes moduli, multiplies and
subtracts (never divides by an entry that can be zero), so no selection or nonzero value changes. The
sup norms are maxima (exact) and the l2/weighted norms add the rows in the reference's order
(NumPy's axis-0 reduction of a C-ordered array adds the rows one after another; the running sum
is kept as row 0 of the buffer). Column norms, first-maximal-index choices and exact ties
therefore agree bit for bit (tested in ``tests/eim/test_greedy.py``).

``ger`` straight on the residual (``R += -q r^T``, one call per block) was tried before and
rejected: OpenBLAS fuses the multiply-add in its vector loop but not in its scalar tail, so
residual entries differ from the reference by one rounding and near-ties between columns are
broken differently (the selected order changed on the Grepl test problem).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.blas import get_blas_funcs

from refimpl.backends import register_twin

#: entries per row block. Per block the twin makes five NumPy/BLAS calls; 2^18 entries (2 MiB in
#: float64) amortises their overhead while the block and its buffer stay in L2/L3. Measured per
#: step on the three 2000x400 benchmark sets: 2^16 -> 2^18 with ``ger`` saves 20-30 %.
_BLOCK_ENTRIES = 1 << 18


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
    rows = max(1, min(n_x, _BLOCK_ENTRIES // max(n_y, 1)))
    buf = np.zeros((rows + 1, n_y), dtype=R.dtype)
    key = np.empty((rows + 1, n_y), dtype=np.float64) if cplx else buf
    acc = np.zeros(n_y, dtype=np.float64)
    weighted = norm_code == 2
    # real data: the products q_a r_c by BLAS ger into a zeroed buffer (0 + q_a r_c is the product
    # rounded once, FMA or not); complex data: NumPy's complex multiply, as the reference
    ger = None if cplx else get_blas_funcs("ger", (R,))
    multiply, subtract, absolute, max_reduce = np.multiply, np.subtract, np.absolute, np.maximum.reduce
    for s in range(0, n_x, rows):
        e = min(s + rows, n_x)
        m = e - s
        Rb = R[s:e]
        t = buf[1 : m + 1]
        if ger is None:
            multiply(q[s:e, None], r[None, :], out=t)  # the reference's q r^T, block by block
        else:
            if s:
                t.fill(0.0)  # the previous block left |R| there
            tT = t.T  # Fortran-ordered view: ger updates it in place (no copy)
            out = ger(1.0, r, q[s:e], a=tT, overwrite_a=True)
            if out is not tT and not np.may_share_memory(out, t):  # pragma: no cover - defensive
                t[...] = out.T
        subtract(Rb, t, out=Rb)
        k = key[1 : m + 1]
        if not cplx:
            absolute(Rb, out=k)  # |R| into the product's buffer (no longer needed)
            if norm_code == 0:
                # the running maximum leads the block: one reduction over it and the block's rows
                key[0] = acc
                max_reduce(key[: m + 1], axis=0, out=acc)
                continue
            multiply(k, k, out=k)
        else:
            re, im = Rb.real, Rb.imag
            multiply(re, re, out=k)
            k += im * im  # Re^2 + Im^2, as the reference's _modulus_key
            if norm_code == 0:
                key[0] = acc
                max_reduce(key[: m + 1], axis=0, out=acc)
                continue
        if weighted:
            k *= w[s:e, None]
        key[0] = acc  # the running sum leads the block: rows are added in the reference's order
        np.sum(key[: m + 1], axis=0, out=acc)
    if norm_code != 0 or cplx:
        np.sqrt(acc, out=acc)
    return R, q, r, acc
