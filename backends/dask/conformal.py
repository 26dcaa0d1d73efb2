"""dask twins of the conformal leaf kernels (references in refimpl/conformal/crc.py and quantile.py).

* ``conformal.crc_risk_sums``: the risk sums S_j = Σ_i w_i L[i, j] of a loss table chunked by
  calibration rows as **one** fused reduction: every row chunk returns its partial sums, its
  number of rows increasing in λ and the extremes of its first and last columns; the partials
  are added on the client (m numbers per chunk). Only when something is wrong is the reference
  run (lazily, on the same chunks) to count the defects exactly, so the error messages are the
  reference's.
* ``conformal.kth_smallest`` and ``conformal.weighted_quantile``: an **exact** distributed
  selection (not dask's approximate percentile). A bracket (lo, hi] that provably holds the
  answer is refined by counting over the chunks: each round, one pass counts the scores in the
  bracket and takes a strided sample of them; a second pass counts (or, with weights, sums the
  weights of) the scores in the buckets between pivots taken from the sample; the bucket holding
  the answer becomes the new bracket. Each round shrinks the bracket by about the number of
  pivots (1024), so two or three rounds leave a few thousand scores, which are gathered and
  solved exactly on the client by the reference's rule. Tasks hold one chunk; what travels is
  counts, samples and the final bracket.

The selected value follows from the same comparisons as the references: for unit weights the
k-th smallest value itself; for weights (T + 1)/(N_w + 1) <= alpha with the weight sums added in
another order, so a result can differ from the reference only when a bound ties alpha to within
rounding (never for unit or dyadic weights), as for the NumPy twin.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refimpl.backends import register_twin

#: Pivots per refinement round (the bracket shrinks by about this factor per round).
PIVOTS = 1024
#: A bracket with at most this many scores is gathered and solved on the client.
GATHER = 1 << 16
#: Sample size per chunk (strided) from which the pivots are taken.
SAMPLE_PER_CHUNK = 4096
_MAX_ROUNDS = 64


def _reference(name: str) -> Any:
    from refimpl.backends._kernels import _REFERENCES

    return _REFERENCES[name].reference


# ------------------------------------------------------------------------------------------ CRC


def _crc_block(L: np.ndarray, w: np.ndarray, A: float, B: float, monotonize: bool) -> tuple:
    """Partial sums and the cheap checks of one row chunk."""
    if L.shape[0] == 0:
        return np.zeros(L.shape[1], dtype=np.result_type(L.dtype, w.dtype)), 0, -math.inf, math.inf, True
    if monotonize:
        ok = bool(L.min() >= A and L.max() <= B)  # NaN makes both False
        M = np.maximum.accumulate(L[:, ::-1], axis=1)[:, ::-1]  # Corollary 1 of Angelopoulos et al.
        return w @ M, 0, -math.inf, math.inf, ok
    n_up = int(np.count_nonzero(np.any(L[:, 1:] > L[:, :-1], axis=1))) if L.shape[1] > 1 else 0
    return w @ L, n_up, float(L[:, 0].max()), float(L[:, -1].min()), True


def _whole_rows(L: Any) -> Any:
    """Rechunk to whole rows (one column chunk) keeping about the same bytes per chunk."""
    if len(L.chunks[1]) == 1:
        return L
    rows = max(1, max(L.chunks[0]) * max(L.chunks[1]) // max(1, int(L.shape[1])))
    return L.rechunk({0: rows, 1: -1})


@register_twin("conformal.crc_risk_sums", "dask")
def crc_risk_sums_dask(losses, weights, A, B, monotonize):
    import dask
    import dask.array as da

    L = _whole_rows(losses)
    w = weights.rechunk((L.chunks[0],))
    parts = [dask.delayed(_crc_block, pure=True)(Lb, wb, A, B, monotonize)
             for Lb, wb in zip(L.to_delayed().ravel(), w.to_delayed().ravel())]
    results = dask.compute(*parts)
    S = np.sum(np.stack([r[0] for r in results]), axis=0)
    n_up = sum(r[1] for r in results)
    first_max = max(r[2] for r in results)
    last_min = min(r[3] for r in results)
    range_ok = all(r[4] for r in results)
    suspicious = (n_up > 0 or not range_ok or not np.all(np.isfinite(S))
                  or (not monotonize and not (first_max <= B and last_min >= A)))
    if suspicious:  # the exact diagnosis (lazy reductions over the same chunks)
        return _reference("conformal.crc_risk_sums")(losses, weights, A, B, monotonize)
    return da.from_array(S, chunks=S.shape), (0, 0, 0, 0)


# ------------------------------------------------------------------------------------ selection


def _bracket_stats(v: np.ndarray, lo: float, hi: float) -> tuple:
    inside = v[(v > lo) & (v <= hi)]
    if inside.size == 0:
        return 0, inside, math.inf, -math.inf
    step = max(1, inside.size // SAMPLE_PER_CHUNK)
    return int(inside.size), np.array(inside[::step]), float(inside.min()), float(inside.max())


def _bucket_counts(v: np.ndarray, w: np.ndarray | None, lo: float, hi: float, pivots: np.ndarray) -> np.ndarray:
    mask = (v > lo) & (v <= hi)
    b = np.searchsorted(pivots, v[mask], side="left")  # bucket b: pivots[b-1] < v <= pivots[b]
    if w is None:
        return np.bincount(b, minlength=pivots.size + 1).astype(np.int64)
    return np.bincount(b, weights=w[mask], minlength=pivots.size + 1)


def _gather(v: np.ndarray, w: np.ndarray | None, lo: float, hi: float) -> tuple:
    mask = (v > lo) & (v <= hi)
    return v[mask], (None if w is None else w[mask])


def _blocks(s: Any, w: Any | None) -> tuple[list, list]:
    sb = list(s.to_delayed().ravel())
    if w is None:
        return sb, [None] * len(sb)
    return sb, list(w.rechunk(s.chunks).to_delayed().ravel())


def _pivots(samples: list[np.ndarray], vmin: float, vmax: float) -> np.ndarray:
    sample = np.sort(np.concatenate([np.asarray(x, dtype=np.float64) for x in samples]))
    picks = sample[np.linspace(0, sample.size - 1, min(PIVOTS, sample.size)).astype(np.int64)] if sample.size else []
    even = np.linspace(vmin, vmax, 64)
    piv = np.unique(np.concatenate([np.asarray(picks, dtype=np.float64), even]))
    return piv[(piv >= vmin) & (piv <= vmax)]


def _refine(s: Any, w: Any | None, decide) -> tuple[float, float, Any, Any, float | None]:
    """Shrink the bracket (lo, hi] until it holds at most GATHER scores; ``decide`` picks the bucket.

    Returns (lo, hi, gathered scores, their weights, flat): ``flat`` is the common value when the
    bracket holds more than GATHER copies of one value (then nothing is gathered).
    """
    import dask

    sb, wb = _blocks(s, w)
    lo, hi, state = -math.inf, math.inf, None
    for _ in range(_MAX_ROUNDS):
        stats = dask.compute(*[dask.delayed(_bracket_stats, pure=True)(b, lo, hi) for b in sb])
        count = sum(st[0] for st in stats)
        vmin = min(st[2] for st in stats)
        vmax = max(st[3] for st in stats)
        if count > GATHER and vmin == vmax:
            return lo, hi, np.zeros(0), None, vmin
        if count <= GATHER:
            break
        piv = _pivots([st[1] for st in stats], vmin, vmax)
        counts = dask.compute(*[dask.delayed(_bucket_counts, pure=True)(b, c, lo, hi, piv) for b, c in zip(sb, wb)])
        lo, hi = decide(np.sum(np.stack(counts), axis=0), piv, lo, hi)
    parts = dask.compute(*[dask.delayed(_gather, pure=True)(b, c, lo, hi) for b, c in zip(sb, wb)])
    vals = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
    wts = None if w is None else np.concatenate([p[1] for p in parts])
    return lo, hi, vals, wts, None


def kth_smallest_values(s: Any, k: int) -> float:
    """The exact k-th smallest entry (1-based) of a chunked 1-D dask array."""
    below = [0]  # number of scores <= lo

    def decide(counts, piv, lo, hi):
        cum = below[0] + np.cumsum(counts)
        b = int(np.searchsorted(cum, k, side="left"))  # first bucket with cum >= k
        new_lo = piv[b - 1] if b > 0 else lo
        new_hi = piv[b] if b < piv.size else hi
        if b > 0:
            below[0] = int(cum[b - 1])
        return float(new_lo), float(new_hi)

    lo, hi, vals, _, flat = _refine(s, None, decide)
    if flat is not None:
        return float(flat)
    r = k - below[0]
    return float(np.partition(vals, r - 1)[r - 1])


@register_twin("conformal.kth_smallest", "dask")
def kth_smallest_dask(s, k):
    return kth_smallest_values(s, int(k))


@register_twin("conformal.weighted_quantile", "dask")
def weighted_quantile_dask(scores, weights, alpha):
    import dask

    N_w = float(dask.compute(weights.sum())[0])
    above = [0.0]  # calibration mass strictly above hi

    def feasible(T):
        return (T + 1.0) / (N_w + 1.0) <= alpha

    def decide(mass, piv, lo, hi):
        # T(p_b) = mass above hi + mass of the buckets after b (bucket b holds (p_{b-1}, p_b])
        tail = above[0] + np.concatenate([np.cumsum(mass[::-1])[::-1][1:], [0.0]])[: piv.size]
        ok = feasible(tail)
        if not ok.any():
            return float(piv[-1]), hi
        b = int(np.argmax(ok))
        above[0] = float(tail[b])
        return (float(piv[b - 1]) if b > 0 else lo), float(piv[b])

    lo, hi, vals, wts, flat = _refine(scores, weights, decide)
    if flat is not None:  # every score in the bracket equals flat: the mass above it is the mass above hi
        return float(flat) if feasible(above[0]) else math.inf
    if vals.size == 0:
        return math.inf
    order = np.argsort(vals, kind="stable")
    v, w = vals[order], wts[order]
    R = np.cumsum(w[::-1])[::-1]
    T = np.concatenate([R[1:], [0.0]]) + above[0]
    n_bad = int(np.count_nonzero(~feasible(T)))
    if n_bad == v.size:  # no score in the bracket qualifies: the bracket's top (hi) is +inf
        return math.inf if hi == math.inf else float(hi)
    return float(v[n_bad])
