"""dask twins of the sampling leaf kernels (references in refimpl/sampling/leverage.py).

* ``sampling.thin_qr``: TSQR through :func:`refimpl.backends.linalg.thin_qr`
  (:func:`dask.array.linalg.tsqr`): every row chunk of A is factorised on its own, the stacked
  d x d R factors once more; Q stays lazy with A's row chunks. The exact leverage scores
  ``sum(Q * Q, axis=1)`` are then a lazy n-vector, computed chunk by chunk.
* ``sampling.qr_r``: the R of a small sketch ΦA (m₁ x d): TSQR as well (one or a few chunks).
* ``sampling.sparse_sign_apply``: ΦA applied blockwise. Row chunk b of A and the matching rows of
  the hash (``rows``, ``signs``: the host draws every backend sees) give the partial sketch
  Φ_b A_b (m x d) with a SciPy sparse matrix; the partial sketches are summed by a tree
  reduction, so no task holds more than one chunk of A plus one m x d block. Same Φ as the NumPy
  twin; the sums are added in another order (agreement to round-off).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

from refimpl.backends import register_twin
from refimpl.backends.linalg import _thin_qr


@register_twin("sampling.thin_qr", "dask")
def thin_qr_dask(A):
    return _thin_qr(A)


@register_twin("sampling.qr_r", "dask")
def qr_r_dask(A):
    return _thin_qr(A)[1]


def _partial_sketch(A_b: np.ndarray, rows_b: np.ndarray, signs_b: np.ndarray, m: int) -> np.ndarray:
    nb, zeta = rows_b.shape
    Phi = scipy.sparse.csc_matrix((np.asarray(signs_b, dtype=A_b.dtype).ravel(), np.asarray(rows_b).ravel(),
                                   np.arange(0, nb * zeta + 1, zeta)), shape=(m, nb))
    return np.asarray(Phi @ A_b)


@register_twin("sampling.sparse_sign_apply", "dask")
def sparse_sign_apply_dask(A, rows, signs, m):
    import dask.array as da

    A = A.rechunk({1: -1})
    rows = rows.rechunk((A.chunks[0], -1))
    signs = signs.rechunk((A.chunks[0], -1))
    nblocks = len(A.chunks[0])
    d = int(A.shape[1])
    # one (m, d) partial sketch per row chunk (block b of the output is Φ_b A_b), then a tree sum
    parts = da.map_blocks(_partial_sketch, A, rows, signs, m, dtype=A.dtype, chunks=((m,) * nblocks, (d,)))
    return parts.reshape(nblocks, m, d).sum(axis=0)
