"""Numba twins of the conformal leaf kernels (see refimpl/conformal/*.py for the references).

* ``conformal.weighted_quantile``: a bracket from a strided sample of 4096 scores (Floyd-Rivest
  style), one pass over the data, then weighted quickselect (3-way partition, median-of-three
  pivot) inside the bracket: O(n) expected instead of the reference's O(n log n) argsort.
* ``conformal.crc_risk_sums``: the input checks (finite, A <= L <= B, monotone in λ) and the sums
  S_j = Σ_i w_i L[i, j] fused in one vectorisable pass over the loss table (the reference makes
  three); exact defect counts only when something is wrong.
* ``conformal.online_crc_scan``: the exponential-weight recursion as a compiled loop.

Same criteria as the references; only the order of floating-point additions differs, so results can
differ from the reference only when a risk bound ties alpha to within rounding.

[V] Tested against the array-API references (tests/conformal/test_quantile.py, test_crc.py); the
references are the oracle.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from refimpl.backends import register_twin


@numba.njit(cache=True)
def _select(s, w, lo, hi, above, N, alpha):
    """Weighted quickselect on s[lo:hi]; ``above`` = mass strictly above every candidate."""
    best = math.inf
    while lo < hi:
        a, b, c = s[lo], s[(lo + hi) // 2], s[hi - 1]
        pivot = max(min(a, b), min(max(a, b), c))  # median of three
        lt, i, gt = lo, lo, hi  # 3-way partition: [lo, lt) < pivot, [lt, gt) == pivot, [gt, hi) > pivot
        while i < gt:
            x = s[i]
            if x < pivot:
                s[i], s[lt] = s[lt], s[i]
                w[i], w[lt] = w[lt], w[i]
                lt += 1
                i += 1
            elif x > pivot:
                gt -= 1
                s[i], s[gt] = s[gt], s[i]
                w[i], w[gt] = w[gt], w[i]
            else:
                i += 1
        greater = 0.0
        for j in range(gt, hi):
            greater += w[j]
        equal = 0.0
        for j in range(lt, gt):
            equal += w[j]
        tail = above + greater  # T(pivot) = mass strictly above the pivot
        if (tail + 1.0) / (N + 1.0) <= alpha:  # pivot feasible: look for smaller feasible values
            best = pivot
            above = tail + equal
            hi = lt
        else:  # infeasible: the answer is larger than the pivot
            lo = gt
    return best


@numba.njit(cache=True)
def _weighted_select(s, w, alpha):
    """Floyd-Rivest-style bracket from a strided sample, one pass, then quickselect inside the bracket."""
    n = s.shape[0]
    N = 0.0
    for i in range(n):
        N += w[i]
    if (0.0 + 1.0) / (N + 1.0) > alpha:  # even the largest score is infeasible: q = +inf
        return math.inf
    k = min(n, 4096)
    ss = np.empty(k)
    sw = np.empty(k)
    for j in range(k):
        ss[j] = s[(j * n) // k]
        sw[j] = w[(j * n) // k]
    order = np.argsort(ss)
    target = alpha * (N + 1.0) - 1.0  # tail mass allowed above the answer (estimate only)
    scale = n / k
    tail = 0.0
    p = 0
    for r in range(k - 1, -1, -1):  # first sorted sample position whose scaled tail exceeds target
        if tail > target:
            p = r + 1
            break
        tail += scale * sw[order[r]]
    margin = 4 * int(math.sqrt(k)) + 8
    lo_val = ss[order[p - margin]] if p - margin > 0 else -math.inf  # open-ended brackets at the ends
    hi_val = ss[order[p + margin]] if p + margin < k - 1 else math.inf
    ms = np.empty(n)
    mw = np.empty(n)
    count = 0
    above = 0.0
    for i in range(n):  # one pass: mass above the bracket, copy of the bracket's members
        x = s[i]
        if x > hi_val:
            above += w[i]
        elif x >= lo_val:
            ms[count] = x
            mw[count] = w[i]
            count += 1
    inside_above_lo = 0.0
    for j in range(count):
        if ms[j] > lo_val:
            inside_above_lo += mw[j]
    hi_feasible = (above + 1.0) / (N + 1.0) <= alpha
    lo_infeasible = lo_val == -math.inf or (above + inside_above_lo + 1.0) / (N + 1.0) > alpha
    if hi_feasible and lo_infeasible:  # the answer lies in [lo_val, hi_val]
        return _select(ms, mw, 0, count, above, N, alpha)
    return _select(s.copy(), w.copy(), 0, n, 0.0, N, alpha)  # bracket missed (rare): full quickselect


@register_twin("conformal.weighted_quantile", "numba")
def weighted_quantile_numba(scores, weights, alpha):
    s = np.ascontiguousarray(scores, dtype=np.float64)
    w = np.ascontiguousarray(weights, dtype=np.float64)
    return float(_weighted_select(s, w, float(alpha)))


@numba.njit(cache=True)
def _defect_counts(L, A, B):
    counts = np.zeros(3, dtype=np.int64)  # non-finite, above B, below A
    for x in L.ravel():
        if not math.isfinite(x):
            counts[0] += 1
        elif x > B:
            counts[1] += 1
        elif x < A:
            counts[2] += 1
    return counts


@numba.njit(cache=True)
def _risk_sums(L, w, A, B):
    """One pass: S_j = Σ_i w_i L[i, j], rows increasing somewhere, rows whose ends leave [A, B].

    For a non-increasing row the ends are its maximum and minimum, so the range check needs only
    them; NaN/inf entries propagate into S (0 * inf is NaN), which the caller tests. Anything
    suspicious sends the caller to the exact per-entry count of :func:`_defect_counts`.
    """
    n, m = L.shape
    S = np.zeros(m, dtype=np.float64)
    n_increasing = 0
    n_ends_out = 0
    for i in range(n):
        wi = w[i]
        up = 0
        S[0] += wi * L[i, 0]
        for j in range(1, m):  # branch-free body so LLVM can vectorise it
            x = L[i, j]
            up += x > L[i, j - 1]
            S[j] += wi * x
        n_increasing += up > 0
        n_ends_out += (L[i, 0] > B) | (L[i, m - 1] < A)
    return S, n_increasing, n_ends_out


@numba.njit(cache=True)
def _risk_sums_monotonized(L, w):
    """S_j = Σ_i w_i max_{j' >= j} L[i, j'] (Corollary 1 of Angelopoulos et al.), suffix max per row."""
    n, m = L.shape
    S = np.zeros(m, dtype=np.float64)
    for i in range(n):
        wi = w[i]
        run = -math.inf
        for j in range(m - 1, -1, -1):
            x = L[i, j]
            if x > run:
                run = x
            S[j] += wi * run
    return S


@register_twin("conformal.crc_risk_sums", "numba")
def crc_risk_sums_numba(losses, weights, A, B, monotonize):
    L = np.ascontiguousarray(losses)
    w = np.asarray(weights, dtype=L.dtype)
    S, n_increasing, n_ends_out = _risk_sums(L, w, float(A), float(B))
    if n_increasing or n_ends_out or not np.all(np.isfinite(S)):
        n_nonfinite, n_above, n_below = (int(c) for c in _defect_counts(L, float(A), float(B)))
        if n_nonfinite or n_above or n_below:  # range defects first, as the reference reports them
            return None, (n_nonfinite, n_above, n_below, 0)
    if n_increasing:
        if not monotonize:
            return None, (0, 0, 0, int(n_increasing))
        S = _risk_sums_monotonized(L, w)
    return S.astype(np.result_type(L.dtype, np.float32), copy=False), (0, 0, 0, 0)


@numba.njit(cache=True)
def _online_scan(L, rho, B, alpha):
    T, m = L.shape
    S = np.zeros(m, dtype=np.float64)
    N = 0.0
    out = np.empty(T, dtype=np.int64)
    for t in range(T):
        N = rho * (N + 1.0)
        count = 0
        for j in range(m):
            S[j] = rho * (S[j] + L[t, j])
            if (S[j] + B) / (N + 1.0) > alpha:
                count += 1
        out[t] = count
    return out


@register_twin("conformal.online_crc_scan", "numba")
def online_crc_scan_numba(losses, rho, B, alpha):
    return _online_scan(np.ascontiguousarray(losses, dtype=np.float64), float(rho), float(B), float(alpha))
