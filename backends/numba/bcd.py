r"""Numba twins of the BCD family's leaf kernels.

``bcd.top_scores`` (refimpl.bcd._core.top_scores): the τ largest scores with ties broken by the
smaller index; for τ ≤ 32 one scan keeping the τ best so far (O(n): one comparison per entry,
a τ-scan per replacement), else one ``np.partition`` (O(n)) and one scan: the same set as the
reference, bit for bit (comparisons only).

``bcd.cd_epoch`` / ``bcd.cd_epoch_weighted`` (refimpl.bcd.l1): cyclic proximal coordinate epochs
for the Lasso and the proximal-Newton model of L1-logistic regression. The column dot products
are sequential sums (the reference calls BLAS), so iterates agree with the reference to rounding
(the tests use rtol 1e-10), not bit for bit.

``bcd.gram_combo`` (refimpl.bcd._sparse.gram_combo): :math:`A^\top(A_b\delta)` through the rows
of A that the block touches; the same multiply-adds in the same order as the reference (u column by
column, then for every output entry the touched rows in increasing order), so bit for bit, written
into ``out`` when given (a slot of the Gram-column cache). Unsigned index arrays pass as they are:
the uint16 column indices the problems keep for n ≤ 65 536 read a sixth fewer bytes per Gram
column (median 127 against 168 µs per column of dataset A, 1000 x 10 000, rows cold). ``bcd.add_rows``:
``base + Σ coef[k]·store[idx[k]]``, k in turn, in one pass: bit for bit.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from refimpl.backends import register_twin


@numba.njit(cache=True)
def _top_scores(score, tau):
    n = score.shape[0]
    if tau >= n:
        return np.arange(n).astype(np.int64)
    t = -np.partition(-score, tau - 1)[tau - 1]
    out = np.empty(tau, dtype=np.int64)
    k = 0
    for i in range(n):
        if score[i] > t:
            out[k] = i
            k += 1
    for i in range(n):
        if k >= tau:
            break
        if score[i] == t:
            out[k] = i
            k += 1
    return np.sort(out)


@numba.njit(cache=True)
def _worst(bs, bi):
    w = 0
    for k in range(1, bs.shape[0]):
        if bs[k] < bs[w] or (bs[k] == bs[w] and bi[k] > bi[w]):
            w = k
    return w


@numba.njit(cache=True)
def _top_scores_stream(score, tau):
    # one scan keeping the tau best so far under the order (score desc, index asc); the worst kept
    # entry (smallest score, then largest index) is replaced by a strictly larger score. Scanning
    # in increasing index, an equal score never displaces an earlier index: the reference's set.
    # The worst kept score lives in a scalar, so the common case is one comparison per entry; a NaN
    # (which fails every comparison) sends the whole question to the partition path.
    n = score.shape[0]
    bs = np.empty(tau)
    bi = np.empty(tau, dtype=np.int64)
    for k in range(tau):
        if score[k] != score[k]:
            return _top_scores(score, tau)
        bs[k] = score[k]
        bi[k] = k
    w = _worst(bs, bi)
    worst = bs[w]
    for i in range(tau, n):
        x = score[i]
        if not x <= worst:  # strictly larger, or NaN
            if x != x:
                return _top_scores(score, tau)
            bs[w] = x
            bi[w] = i
            w = _worst(bs, bi)
            worst = bs[w]
    return np.sort(bi)


@register_twin("bcd.top_scores", "numba")
def top_scores(score, tau):
    score = np.ascontiguousarray(score, dtype=np.float64)
    tau = int(tau)
    if tau <= 32 and tau < score.shape[0]:
        return _top_scores_stream(score, tau)
    return _top_scores(score, tau)


@numba.njit(cache=True)
def _gram_combo(indptr, indices, data, rindptr, rindices, rdata, b, delta, out):
    m = rindptr.shape[0] - 1
    u = np.zeros(m)
    mark = np.zeros(m, dtype=np.bool_)
    n_rows = 0
    for jj in range(b.shape[0]):
        j = b[jj]
        for p in range(indptr[j], indptr[j + 1]):
            if not mark[indices[p]]:
                mark[indices[p]] = True
                n_rows += 1
    for jj in range(b.shape[0]):
        j = b[jj]
        d = delta[jj]
        for p in range(indptr[j], indptr[j + 1]):
            u[indices[p]] += d * data[p]
    rows = np.empty(n_rows, dtype=np.uint64)
    k = 0
    if 4 * n_rows < m:  # few rows: collect and sort them; else scan the marks
        for jj in range(b.shape[0]):
            j = b[jj]
            for p in range(indptr[j], indptr[j + 1]):
                i = indices[p]
                if mark[i]:
                    mark[i] = False
                    rows[k] = i
                    k += 1
        rows.sort()
    else:
        for i in range(m):
            if mark[i]:
                rows[k] = i
                k += 1
    # out[c] = 0 + Σ over the rows holding column c, in increasing row order (as the reference)
    out[:] = 0.0
    for k in range(n_rows):
        i = rows[k]
        ui = u[i]
        for p in range(rindptr[i], rindptr[i + 1]):
            out[rindices[p]] += rdata[p] * ui
    return out


def _unsigned(a):
    # index arrays as unsigned views (no copy): Numba then skips the negative-index wraparound test
    # in the inner loops (about 2x on the scatter); unsigned arrays (the uint16 CSR indices) pass as they are
    a = np.ascontiguousarray(a)
    if a.dtype.kind == "u":
        return a
    if a.dtype == np.int32:
        return a.view(np.uint32)
    if a.dtype == np.int64:
        return a.view(np.uint64)
    return a.astype(np.uint64)


@register_twin("bcd.gram_combo", "numba")
def gram_combo(indptr, indices, data, rindptr, rindices, rdata, b, delta, n, out=None):
    if out is None:
        out = np.empty(int(n))
    _gram_combo(_unsigned(indptr), _unsigned(indices), data, _unsigned(rindptr), _unsigned(rindices), rdata,
                _unsigned(np.asarray(b, dtype=np.int64)), np.ascontiguousarray(delta, dtype=np.float64), out)
    return out


@numba.njit(cache=True)
def _add_rows(base, store, idx, coef):
    out = base.copy()
    n = out.shape[0]
    for k in range(idx.shape[0]):
        c = coef[k]
        row = store[idx[k]]
        for i in range(n):
            out[i] += c * row[i]
    return out


@register_twin("bcd.add_rows", "numba")
def add_rows(base, store, idx, coef):
    return _add_rows(np.ascontiguousarray(base, dtype=np.float64), store, np.asarray(idx, dtype=np.int64),
                     np.ascontiguousarray(coef, dtype=np.float64))


@numba.njit(cache=True)
def _cd_epoch(X, r, w, L, lam, idx, positive):
    m = X.shape[0]
    big = 0.0
    for jj in range(idx.shape[0]):
        j = idx[jj]
        old = w[j]
        s = 0.0
        for i in range(m):
            s += X[i, j] * r[i]
        u = old + s / L[j]
        t = lam / L[j]
        if positive:
            new = u - t if u > t else 0.0
        else:
            if u > t:
                new = u - t
            elif u < -t:
                new = u + t
            else:
                new = 0.0
        if new != old:
            dlt = new - old
            for i in range(m):
                r[i] -= dlt * X[i, j]
            w[j] = new
            c = abs(dlt) * math.sqrt(L[j])
            if c > big:
                big = c
    return big


@register_twin("bcd.cd_epoch", "numba")
def cd_epoch(X, r, w, L, lam, idx, positive):
    return _cd_epoch(X, r, w, L, float(lam), np.asarray(idx, dtype=np.int64), bool(positive))


@numba.njit(cache=True)
def _cd_epoch_weighted(X, dw, g, q, w, wd, h, lam, idx):
    m = X.shape[0]
    big = 0.0
    for jj in range(idx.shape[0]):
        j = idx[jj]
        old = wd[j]
        s = 0.0
        for i in range(m):
            s += X[i, j] * (dw[i] * q[i])
        grad = g[j] + s
        u = old - grad / h[j]
        t = lam / h[j]
        if u > t:
            new = u - t
        elif u < -t:
            new = u + t
        else:
            new = 0.0
        if new != old:
            dlt = new - old
            for i in range(m):
                q[i] += dlt * X[i, j]
            wd[j] = new
            c = abs(dlt) * math.sqrt(h[j])
            if c > big:
                big = c
    return big


@register_twin("bcd.cd_epoch_weighted", "numba")
def cd_epoch_weighted(X, dw, g, q, w, wd, h, lam, idx):
    return _cd_epoch_weighted(X, dw, g, q, w, wd, h, float(lam), np.asarray(idx, dtype=np.int64))


# ============================================================================================
# bcdtree section: twins of refimpl/bcd/trees.py (message passing on forests)
#
# * ``bcd.forest_solve``: breadth-first ordering with the cycle test, leaf-to-root elimination
#   and back substitution, the reference's scalar loop compiled as is: the same float64
#   operations in the same order (no fastmath), so the solution is bit-for-bit the reference's.
# * ``bcd.grow_forest``: the union-find scan of greedy forests (integers only: identical).
# ============================================================================================


@numba.njit(cache=True)
def _forest_solve(indptr, indices, data, diag, block, rhs):
    m = block.shape[0]
    n = diag.shape[0]
    local = np.full(n, -1, dtype=np.int64)
    for k in range(m):
        local[block[k]] = k
    parent = np.full(m, -1, dtype=np.int64)
    off = np.zeros(m, dtype=np.float64)
    order = np.zeros(m, dtype=np.int64)
    seen = np.zeros(m, dtype=np.bool_)
    x = np.zeros(m, dtype=np.float64)
    head = 0
    tail = 0
    for s in range(m):
        if seen[s]:
            continue
        seen[s] = True
        order[tail] = s
        tail += 1
        while head < tail:
            i = order[head]
            head += 1
            gi = block[i]
            for q in range(indptr[gi], indptr[gi + 1]):
                j = local[indices[q]]
                if j < 0 or j == i or j == parent[i]:
                    continue
                if seen[j]:
                    return x, 1, i
                seen[j] = True
                parent[j] = i
                off[j] = data[q]
                order[tail] = j
                tail += 1
    d = np.zeros(m, dtype=np.float64)
    r = np.zeros(m, dtype=np.float64)
    for k in range(m):
        d[k] = diag[block[k]]
        r[k] = rhs[k]
    for k in range(m - 1, -1, -1):
        i = order[k]
        if not d[i] > 0.0:
            return x, 2, i
        p = parent[i]
        if p >= 0:
            w = off[i] / d[i]
            d[p] -= w * off[i]
            r[p] -= w * r[i]
    for k in range(m):
        i = order[k]
        p = parent[i]
        if p >= 0:
            x[i] = (r[i] - off[i] * x[p]) / d[i]
        else:
            x[i] = r[i] / d[i]
    return x, 0, -1


@register_twin("bcd.forest_solve", "numba")
def forest_solve_numba(indptr, indices, data, diag, block, rhs):
    x, code, where = _forest_solve(np.ascontiguousarray(indptr, dtype=np.int64),
                                   np.ascontiguousarray(indices, dtype=np.int64),
                                   np.ascontiguousarray(data, dtype=np.float64),
                                   np.ascontiguousarray(diag, dtype=np.float64),
                                   np.ascontiguousarray(block, dtype=np.int64),
                                   np.ascontiguousarray(rhs, dtype=np.float64))
    return x, int(code), int(where)


@numba.njit(cache=True)
def _grow_forest(indptr, indices, order, n):
    uf = np.full(n, -1, dtype=np.int64)
    stamp = np.full(n, -1, dtype=np.int64)
    roots = np.zeros(n, dtype=np.int64)
    kept = np.zeros(n, dtype=np.bool_)
    for t in range(order.shape[0]):
        i = order[t]
        nr = 0
        ok = True
        for q in range(indptr[i], indptr[i + 1]):
            j = indices[q]
            if j == i or uf[j] < 0:
                continue
            rj = j
            while uf[rj] != rj:
                uf[rj] = uf[uf[rj]]
                rj = uf[rj]
            if stamp[rj] == t:
                ok = False
                break
            stamp[rj] = t
            roots[nr] = rj
            nr += 1
        if not ok:
            continue
        uf[i] = i
        kept[i] = True
        for k in range(nr):
            uf[roots[k]] = i
    return kept


@register_twin("bcd.grow_forest", "numba")
def grow_forest_numba(indptr, indices, order, n):
    return _grow_forest(np.ascontiguousarray(indptr, dtype=np.int64), np.ascontiguousarray(indices, dtype=np.int64),
                        np.ascontiguousarray(order, dtype=np.int64), int(n))
