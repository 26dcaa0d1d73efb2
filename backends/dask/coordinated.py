"""Coordinated priority / threshold sketches on dask: each row partition sketched independently.

This is the setting Daliri, Freire, Li and Musco (ICLR 2025) write for: the rows of a table live
in partitions (on different machines), and the only thing shared is the seed of the hash
h(key). Every partition computes, from its own rows and keys alone,

* priority sketch: the ranks R_i = h(key_i)/‖a_i‖² and its k + 1 smallest (rank, position) pairs
  with their rows; the k + 1 globally smallest ranks are among the union of the partitions'
  candidates, so merging the candidates on the client gives exactly the sketch (and the
  threshold τ, the (k + 1)-th smallest rank) the one-machine algorithm gives;
* threshold sketch: the rows with h(key_i) < min(1, τ‖a_i‖²), τ = k/‖A‖_F² (one reduction for
  ‖A‖_F², then a filter per partition).

What travels to the client is k + 1 rows per partition (priority) or the kept rows (threshold),
never an n-row array. The rows are scaled by the same power of two as on one machine (a first
reduction finds max |a_ij|), so p and τ are the one-machine values; ties between equal ranks are
broken by the row position, as the one-machine stable sort does.

Key uniqueness is checked among the kept rows only (a full check would need a distributed sort);
the algorithm's modules call :func:`priority_sketch_dask` / :func:`threshold_sketch_dask` from their
public functions when the dask backend is active (the sketch is built by the family's own
``_finish`` on the small merged arrays).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np


def _prepare(A: Any, k: int, seed: int, keys: Any, check_tall: Callable, v: Any) -> tuple[Any, int, int, Any]:
    from . import asarray

    A = check_tall(A)
    n = int(A.shape[0])
    k = v.check_int(k, "k", 1)
    if k > n:
        raise ValueError(f"k must be at most n = {n} (the number of rows of A); got k = {k} (k larger than n)")
    seed = v.check_int(seed, "seed", 0, 2**63 - 1)
    Ad = asarray(A)
    Ad = Ad.rechunk({1: -1})
    if keys is None:
        import dask.array as da

        kd = da.arange(n, chunks=Ad.chunks[0], dtype=np.int64)
    else:
        keys = v.check_integer_array(keys, "keys", low=-(2**63), high=2**63 - 1)
        if int(keys.shape[0]) != n:
            raise ValueError(f"keys must hold one key per row of A: shape ({n},); got shape {tuple(keys.shape)}")
        kd = asarray(keys, dtype=np.int64, row_chunks=tuple(Ad.chunks[0])).rechunk((Ad.chunks[0],))
    return Ad, k, seed, kd


def _scale(Ad: Any) -> int:
    amax = float(abs(Ad).max().compute())
    return math.frexp(amax)[1] if amax > 0 else 0


def _priority_block(A_b: np.ndarray, keys_b: np.ndarray, offset: int, seed: int, e: int, k: int, hash_fn) -> tuple:
    As = A_b * math.ldexp(1.0, -e) if e else A_b
    sq = np.sum(As * As, axis=1)
    h = hash_fn(np.asarray(keys_b, dtype=np.int64), seed).astype(sq.dtype)
    nonzero = sq > 0
    rank = np.where(nonzero, h / np.where(nonzero, sq, 1.0), np.inf)
    pos = np.arange(offset, offset + A_b.shape[0], dtype=np.int64)
    if rank.size > k + 1:
        idx = np.argpartition(rank, k)[: k + 1]
    else:
        idx = np.arange(rank.size)
    return rank[idx], pos[idx], A_b[idx], sq[idx], np.asarray(keys_b)[idx], int(np.count_nonzero(nonzero))


def priority_sketch_dask(A: Any, k: int, seed: int, keys: Any, *, check_tall: Callable, v: Any, hash_fn: Callable,
                         finish: Callable) -> Any:
    """The priority sketch of a row-chunked A (see the module docstring)."""
    import dask

    Ad, k, seed, kd = _prepare(A, k, seed, keys, check_tall, v)
    n = int(Ad.shape[0])
    e = _scale(Ad)
    offsets = np.concatenate([[0], np.cumsum(Ad.chunks[0])[:-1]]).astype(np.int64)
    parts = dask.compute(*[dask.delayed(_priority_block, pure=True)(a, kk, int(o), seed, e, k, hash_fn)
                           for a, kk, o in zip(Ad.to_delayed().ravel(), kd.to_delayed().ravel(), offsets)])
    rank = np.concatenate([p[0] for p in parts])
    pos = np.concatenate([p[1] for p in parts])
    rows = np.concatenate([p[2] for p in parts])
    sq = np.concatenate([p[3] for p in parts])
    kept_keys = np.concatenate([p[4] for p in parts]).astype(np.int64)
    n_nonzero = sum(p[5] for p in parts)
    order = np.lexsort((pos, rank))  # by rank, ties by position (the one-machine stable argsort)
    if n_nonzero <= k:
        take, tau = order[:n_nonzero], float("inf")
    else:
        take, tau = order[:k], float(rank[order[k]])
    return _finish_small(finish, "priority", rows[take], sq[take], kept_keys[take], tau, seed, n, k, e)


def _threshold_block(A_b: np.ndarray, keys_b: np.ndarray, seed: int, e: int, tau: float, hash_fn) -> tuple:
    As = A_b * math.ldexp(1.0, -e) if e else A_b
    sq = np.sum(As * As, axis=1)
    p = np.minimum(1.0, sq * tau)
    h = hash_fn(np.asarray(keys_b, dtype=np.int64), seed).astype(sq.dtype)
    keep = np.nonzero(h < p)[0]
    return A_b[keep], sq[keep], np.asarray(keys_b)[keep]


def threshold_sketch_dask(A: Any, k: int, seed: int, keys: Any, *, check_tall: Callable, v: Any, hash_fn: Callable,
                          finish: Callable) -> Any:
    """The threshold sketch of a row-chunked A (see the module docstring)."""
    import dask

    Ad, k, seed, kd = _prepare(A, k, seed, keys, check_tall, v)
    n = int(Ad.shape[0])
    e = _scale(Ad)
    As = Ad * math.ldexp(1.0, -e) if e else Ad
    total = float((As * As).sum().compute())
    if total == 0.0:
        raise ValueError("A must not be identically zero (a threshold sketch of a zero matrix is empty)")
    tau = k / total
    parts = dask.compute(*[dask.delayed(_threshold_block, pure=True)(a, kk, seed, e, tau, hash_fn)
                           for a, kk in zip(Ad.to_delayed().ravel(), kd.to_delayed().ravel())])
    rows = np.concatenate([p[0] for p in parts])
    sq = np.concatenate([p[1] for p in parts])
    kept_keys = np.concatenate([p[2] for p in parts]).astype(np.int64)
    return _finish_small(finish, "threshold", rows, sq, kept_keys, tau, seed, n, k, e)


def _finish_small(finish: Callable, kind: str, rows: np.ndarray, sq: np.ndarray, kept_keys: np.ndarray, tau: float,
                  seed: int, n: int, k: int, e: int) -> Any:
    from .._boundary import Boundary
    from .._registry import load_backend

    if np.unique(kept_keys).shape[0] != kept_keys.shape[0]:
        raise ValueError("keys must be unique (each key identifies one row of the join); got repeated keys among "
                         "the sketched rows")
    bd = Boundary(rows, backend=load_backend("numpy"))  # small merged arrays: NumPy results
    keep = np.arange(rows.shape[0], dtype=np.int64)
    return finish(kind, bd, rows, sq, keep, tau, seed, kept_keys, n, k, e)
