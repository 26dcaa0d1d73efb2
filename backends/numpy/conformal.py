"""NumPy twins of the conformal leaf kernels (the references live in refimpl/conformal/*.py).

[V] Same criteria as the array-API references, which stay the oracle (tests/conformal/test_twins.py).

* ``conformal.crc_risk_sums``: the sums S_j = Σ_i w_i L[i, j] and the checks they rely on
  (monotone rows, ends of each row in [A, B], finite sums) fused over cache-sized blocks of rows:
  each block is read from memory once, checked with ``np.greater`` while it is in cache, and
  summed with a matrix-vector product (BLAS gemv). The reference reads the table twice and builds an
  (n, m - 1) boolean array. ``monotonize=True`` uses ``np.maximum.accumulate`` per block instead of
  the reference's log-step scan. Anything suspicious is handed to the reference, which counts the
  defects exactly, so error messages are the reference's. Measured on a 10^5 x 10^3 table: 1.7-1.9x
  one gemv (the exact comparison, about 20 ms per 10^8 pairs in cache, adds to the gemv's memory
  time in single-threaded NumPy); block sizes 2^15-2^20, comparing first, ``matmul(out=)`` and
  BLAS gemv with beta = 1 into the sums were tried without a measurable gain (docs/conformal.rst).
* ``conformal.weighted_quantile``: a bracket around the answer from a strided sample of 16 384
  scores (Floyd-Rivest style), a few vectorised passes over the data (mass above the bracket, the
  bracket's members), then the reference's sort-and-scan on the bracket only: O(n) plus a sort of
  about n/20 scores instead of an argsort of all n. When the bracket misses (weights concentrated
  on a few points, which a strided sample cannot see) the whole array is scanned exactly.

Agreement with the references: the selected value follows from the same comparison
(T + B)/(N_w + 1) <= alpha, but the sums are added in another order, so a result can differ from
the reference only when a risk bound ties alpha to within rounding (never for unit or dyadic
weights with 0/1 or dyadic losses, whose sums are exact in any order). The sums S themselves agree
to a few ulps times n (blocked instead of one gemv).
"""

from __future__ import annotations

import math

import numpy as np

from refimpl.backends import register_twin

#: Elements per block of the loss table (1 MiB in float64: the block is still in cache when it is summed).
_BLOCK_ELEMENTS = 1 << 17
_SAMPLE = 16384


def _reference(name):
    from refimpl.backends._kernels import _REFERENCES

    return _REFERENCES[name].reference


@register_twin("conformal.crc_risk_sums", "numpy")
def crc_risk_sums_numpy(losses, weights, A, B, monotonize):
    L = np.asarray(losses)
    w = np.asarray(weights)
    n, m = L.shape
    if not L.flags.c_contiguous or m < 2:
        return _reference("conformal.crc_risk_sums")(losses, weights, A, B, monotonize)
    rows = max(1, _BLOCK_ELEMENTS // m)
    S = np.zeros(m, dtype=np.result_type(L.dtype, w.dtype))
    flat = L.reshape(-1)
    up = np.empty(min(rows, n) * m - 1, dtype=bool)  # the comparison flags of one block
    for start in range(0, n, rows):
        block = L[start : start + rows]
        if monotonize:
            # NaN makes min/max NaN and both tests False: the reference then counts the defects
            if not (block.min() >= A and block.max() <= B):
                return _reference("conformal.crc_risk_sums")(losses, weights, A, B, monotonize)
            block = np.maximum.accumulate(block[:, ::-1], axis=1)[:, ::-1]  # Corollary 1 of Angelopoulos et al.
            S += w[start : start + rows] @ block
        else:
            # the gemv streams the block from memory (prefetched); the check then reads it from cache:
            # L[i, j+1] > L[i, j] anywhere, one contiguous comparison over the row-major block with
            # the pairs that straddle two rows masked out
            S += w[start : start + rows] @ block
            seg = flat[start * m : (start + block.shape[0]) * m]
            flags = up[: seg.shape[0] - 1]
            np.greater(seg[1:], seg[:-1], out=flags)
            flags[m - 1 :: m] = False
            first = int(flags.argmax())  # the first True flag: a memchr-like scan, faster than any()
            if flags[first]:
                return _reference("conformal.crc_risk_sums")(losses, weights, A, B, monotonize)
    # non-increasing rows: the ends are each row's maximum and minimum; NaN/inf propagate into S
    if not monotonize and not (L[:, 0].max() <= B and L[:, -1].min() >= A and np.isfinite(S).all()):
        return _reference("conformal.crc_risk_sums")(losses, weights, A, B, monotonize)
    return S, (0, 0, 0, 0)


def _scan(s, w, above, N, alpha):
    """The reference's criterion on a (sub)array: smallest s_j with (T_j + 1)/(N + 1) <= alpha.

    ``above`` is the mass strictly above every element of ``s``; ``N = None`` takes N_w = R_0 as
    the reference does (the whole array). Returns +inf when no position is feasible.
    """
    order = np.argsort(s)
    s_sorted = s[order]
    R = np.cumsum(w[order][::-1])[::-1]  # R_j = Σ_{l >= j} w_(l)
    if N is None:
        N = R[0]
    T = np.empty_like(R)
    T[:-1] = R[1:]
    T[-1] = 0.0
    T += above
    n_bad = int(np.count_nonzero((T + 1.0) / (N + 1.0) > alpha))
    return math.inf if n_bad == s.shape[0] else float(s_sorted[n_bad])


@register_twin("conformal.weighted_quantile", "numpy")
def weighted_quantile_numpy(scores, weights, alpha):
    s = np.asarray(scores)
    w = np.asarray(weights)
    n = s.shape[0]
    if n <= 4 * _SAMPLE:
        return _scan(s, w, 0.0, None, alpha)
    N = float(np.sum(w))
    if 1.0 / (N + 1.0) > alpha:  # even the largest score (T = 0) is infeasible: q = +inf
        return math.inf
    # bracket from a strided sample: the scaled tail mass of the sorted sample estimates T
    sample = (np.arange(_SAMPLE) * n) // _SAMPLE
    order = np.argsort(s[sample])
    ss, sw = s[sample][order], w[sample][order]
    tail = np.cumsum(sw[::-1])[::-1] * (n / _SAMPLE)  # estimated mass at or above each sample value
    target = alpha * (N + 1.0) - 1.0  # tail mass allowed strictly above the answer
    p = int(np.count_nonzero(tail > target))  # first sample position whose estimated tail fits
    margin = 3 * int(math.sqrt(_SAMPLE)) + 16  # ~5 standard deviations of p for moderate weights
    lo_val = ss[p - margin] if p - margin > 0 else -math.inf
    hi_val = ss[p + margin] if p + margin < _SAMPLE - 1 else math.inf
    above = float(np.compress(s > hi_val, w).sum())
    inside = np.flatnonzero((s >= lo_val) & (s <= hi_val))  # index lists: cheaper than boolean masks
    ms, mw = s.take(inside), w.take(inside)
    hi_feasible = (above + 1.0) / (N + 1.0) <= alpha
    lo_infeasible = lo_val == -math.inf or (above + float(np.compress(ms > lo_val, mw).sum()) + 1.0) / (N + 1.0) > alpha
    if hi_feasible and lo_infeasible and ms.shape[0] > 0:  # the answer lies in (lo_val, hi_val]
        q = _scan(ms, mw, above, N, alpha)
        if q != math.inf:
            return q
    return _scan(s, w, 0.0, None, alpha)  # the bracket missed (rare, e.g. weights concentrated on few points)
