r"""The host-side linear algebra the BCD problems share: input conversion, column products of a
dense or CSC matrix, and the Gram-column kernels.

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster*, JMLR 23(131),
2022 (arXiv:1712.08859). Greedy rules need the whole gradient at every iteration; for least
squares it is kept current through Gram columns :math:`(A^\top A)_{:,j}`, computed for a sparse
A through only the rows the column touches (leaf kernel ``bcd.gram_combo``) and combined by
``bcd.add_rows`` (both with Numba twins, bit for bit). The bound row sums of GSL-VB (the
authors' code's row-sum bound :math:`\sum_j |(A^\top A)_{ij}|`) are computed in column chunks,
never forming the Gram matrix.

Provenance
----------
[R] ours: the touched-rows Gram product and the chunked row sums are implementation choices
(no counterpart in the paper), checked against dense products in the tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from refimpl import _validate as v
from refimpl.backends import leaf_kernel, to_numpy


# --------------------------------------------------------------------------------------------
# input conversion
# --------------------------------------------------------------------------------------------


def _host_matrix(A: Any, name: str, *, square: bool = False) -> Any:
    """A dense float64 NumPy array or a float64 CSC matrix (finite, real, non-empty)."""
    if sp.issparse(A):
        if np.iscomplexobj(A.data):
            raise TypeError(f"{name} must be real-valued; got a complex sparse matrix")
        if A.dtype.kind not in "biuf":
            raise TypeError(f"{name} must be numeric; got a sparse matrix of dtype {A.dtype}")
        M = sp.csc_matrix(A, dtype=np.float64)
        if M.shape[0] == 0 or M.shape[1] == 0:
            raise ValueError(f"{name} must have at least 1 row and 1 column; got shape {M.shape}")
        if not np.all(np.isfinite(M.data)):
            raise ValueError(f"{name} must contain only finite values; got {int(np.sum(~np.isfinite(M.data)))} "
                             "NaN or infinite entries")
        M.sum_duplicates()
    else:
        A = v.check_array(A, name, ndim=2, real=True)
        M = np.ascontiguousarray(to_numpy(A), dtype=np.float64)
    if square and M.shape[0] != M.shape[1]:
        raise ValueError(f"{name} must be a square matrix; got shape {M.shape}")
    return M


def _host_vector(b: Any, name: str, n: int) -> np.ndarray:
    b = v.check_array(b, name, ndim=1, real=True)
    v.check_shape(b, name, (n,))
    return np.asarray(to_numpy(b), dtype=np.float64).copy()


def _check_lam(lam: Any) -> float:
    return v.check_positive(lam, "lam", strict=False)


_TINY = float(np.finfo(np.float64).tiny)


def _columns(A: Any, b: np.ndarray) -> np.ndarray:
    """Dense ``A[:, b]`` (CSC: straight from ``indptr``/``indices``, without SciPy's fancy indexing)."""
    if sp.issparse(A):
        out = np.zeros((A.shape[0], len(b)))
        ip, ix, dat = A.indptr, A.indices, A.data
        for k, j in enumerate(b):
            out[ix[ip[j]:ip[j + 1]], k] = dat[ip[j]:ip[j + 1]]
        return out
    return A[:, b]


def _combo(A: Any, b: np.ndarray, delta: np.ndarray) -> np.ndarray:
    r""":math:`A_b \delta` (m,)."""
    if sp.issparse(A):
        out = np.zeros(A.shape[0])
        ip, ix, dat = A.indptr, A.indices, A.data
        for j, d in zip(b, delta):
            out[ix[ip[j]:ip[j + 1]]] += d * dat[ip[j]:ip[j + 1]]
        return out
    return A[:, b] @ delta


def _tdot(A: Any, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    r""":math:`A_b^\top r` (|b|,)."""
    if sp.issparse(A):
        ip, ix, dat = A.indptr, A.indices, A.data
        return np.array([dat[ip[j]:ip[j + 1]] @ r[ix[ip[j]:ip[j + 1]]] for j in b])
    return A[:, b].T @ r


@leaf_kernel("bcd.gram_combo")
def gram_combo(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, rindptr: np.ndarray,
               rindices: np.ndarray, rdata: np.ndarray, b: np.ndarray, delta: np.ndarray, n: int,
               out: np.ndarray | None = None) -> np.ndarray:
    r""":math:`A^\top (A_b \delta)` (n,) for a sparse A given twice, CSC (``indptr``, ``indices``,
    ``data``) and CSR (``rindptr``, ``rindices``, ``rdata``), without a pass over all of A.

    :math:`u = A_b\delta` is supported on the rows R the columns of b touch (about
    :math:`|b|\cdot` nnz per column), and :math:`A^\top u = A_{R,:}^\top u_R` reads only those rows
    of the CSR copy: :math:`\sum_{i\in R}\mathrm{nnz}(A_{i,:})` multiply-adds instead of nnz(A).
    This is the Gram-column product :math:`\sum_{j\in b}\delta_j (A^\top A)_{:,j}` without the Gram
    matrix. Order of the sums: u column by column in the order of b; then every output entry
    :math:`k` is :math:`0 + A_{i_1 k}u_{i_1} + A_{i_2 k}u_{i_2} + \dots` over the rows of R that hold
    column k, in increasing order (``np.bincount`` adds its weights in input order; the Numba twin
    adds the same products in the same order per entry, so bit for bit). Any integer index dtype
    (the problems pass the CSR column indices as ``uint16`` when n ≤ 65 536: fewer bytes to read).
    ``out``: an optional C-contiguous float64 (n,) buffer the result is written into and returned
    (a slot of the Gram-column cache).
    """
    m = rindptr.shape[0] - 1
    u = np.zeros(m)
    for j, d in zip(b, delta):
        lo, hi = indptr[j], indptr[j + 1]
        u[indices[lo:hi]] += d * data[lo:hi]
    rows = np.unique(np.concatenate([indices[indptr[j]:indptr[j + 1]] for j in b])) if len(b) else np.zeros(0, np.int64)
    if rows.shape[0] == 0:
        result = np.zeros(n)
    else:
        spans = [slice(int(rindptr[i]), int(rindptr[i + 1])) for i in rows]
        cols = np.concatenate([rindices[s] for s in spans])
        prods = np.concatenate([rdata[s] * u[i] for s, i in zip(spans, rows)])
        result = np.bincount(cols, weights=prods, minlength=n)
    if out is None:
        return result
    out[...] = result
    return out


@leaf_kernel("bcd.add_rows")
def add_rows(base: np.ndarray, store: np.ndarray, idx: np.ndarray, coef: np.ndarray) -> np.ndarray:
    r"""``base + Σ_k coef[k] * store[idx[k]]`` (a new array), accumulated k = 0, 1, ... in turn
    (the Numba twin does the same operations in one pass, bit for bit)."""
    out = np.array(base, dtype=np.float64, copy=True)
    for k in range(len(idx)):
        out += float(coef[k]) * store[int(idx[k])]
    return out


def _abs_gram_row_sums(A: Any, chunk: int = 512) -> np.ndarray:
    r""":math:`\sum_j |(A^\top A)_{ij}|` for every column i, in column chunks (never the full Gram)."""
    p = A.shape[1]
    out = np.empty(p)
    AT = A.T.tocsr() if sp.issparse(A) else A.T
    for start in range(0, p, chunk):
        stop = min(p, start + chunk)
        block = AT[start:stop] @ A
        if sp.issparse(block):
            out[start:stop] = np.asarray(abs(block).sum(axis=1)).ravel()
        else:
            out[start:stop] = np.abs(block).sum(axis=1)
    return out


def _lambda_max_sym(matvec: Any, n: int) -> float:
    """Largest eigenvalue of a symmetric PSD operator (ARPACK from the all-ones start: deterministic)."""
    if n <= 400:
        M = np.column_stack([matvec(e) for e in np.eye(n)])
        return float(scipy.linalg.eigvalsh(0.5 * (M + M.T))[-1])
    op = spla.LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    val = spla.eigsh(op, k=1, which="LA", v0=np.ones(n), return_eigenvectors=False, tol=1e-10)
    return float(val[0])
