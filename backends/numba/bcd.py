"""Numba twins of the BCD family's leaf kernels.

``bcd.top_scores`` (refimpl.bcd._core.top_scores): the τ largest scores with ties broken by the
smaller index, by one ``np.partition`` (O(n)) and one scan: the same set as the reference, bit for
bit (comparisons only).

``bcd.cd_epoch`` / ``bcd.cd_epoch_weighted`` (refimpl.bcd.l1): cyclic proximal coordinate epochs
for the Lasso and the proximal-Newton model of L1-logistic regression. The column dot products
are sequential sums (the reference calls BLAS), so iterates agree with the reference to rounding
(the tests use rtol 1e-10), not bit for bit.
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


@register_twin("bcd.top_scores", "numba")
def top_scores(score, tau):
    return _top_scores(np.ascontiguousarray(score, dtype=np.float64), int(tau))


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
