"""One helper for each linear-algebra gap in the array-API standard.

The 2025.12 standard has no triangular solve, no Cholesky/LU solve, no least squares (removed in
2021), no ``kron``. Each helper here fills one gap, delegating by the arrays' library:

* ``solve_triangular``: :func:`scipy.linalg.solve_triangular` (NumPy),
  ``cupyx.scipy.linalg.solve_triangular`` (CuPy), ``torch.linalg.solve_triangular`` (torch), the
  general ``xp.linalg.solve`` otherwise;
* ``cholesky``: ``xp.linalg.cholesky``, with one error type on every backend;
* ``cho_solve``: :func:`scipy.linalg.cho_solve` (NumPy), ``torch.cholesky_solve`` (torch), two
  triangular solves otherwise;
* ``lstsq``: :func:`scipy.linalg.lstsq` with LAPACK ``gelsd`` (NumPy), an SVD otherwise;
* ``kron``, ``mode_product``, ``kron_mvm``: one array-API implementation (broadcasting, matmul).

Conventions
-----------
*Vectorisation* is C-order (row-major), the order of ``numpy.reshape``. With this order
``(A_1 ⊗ A_2 ⊗ ... ⊗ A_d) vec(X) = vec(X ×_1 A_1 ×_2 A_2 ... ×_d A_d)``: factor ``A_1`` acts on
axis 0 of the grid tensor ``X``. (The column-major literature, e.g. Saatçi 2012, writes the same
identity with the factor order reversed.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ._convert import array_library

__all__ = [
    "NotPositiveDefiniteError",
    "cho_solve",
    "cholesky",
    "kron",
    "kron_mvm",
    "lstsq",
    "mode_product",
    "solve_triangular",
]


class NotPositiveDefiniteError(ValueError):
    """A matrix that must be symmetric positive definite is not (Cholesky failed)."""


def _as_2d(B: Any, xp: Any) -> tuple[Any, bool]:
    if B.ndim == 1:
        return xp.reshape(B, (B.shape[0], 1)), True
    return B, False


def solve_triangular(
    A: Any, B: Any, *, lower: bool = True, trans: bool = False, unit_diagonal: bool = False
) -> Any:
    r"""Solve :math:`T x = b` (or :math:`T^\top x = b` with ``trans``) for triangular :math:`T`.

    Parameters
    ----------
    A : (n, n) array
        Triangular matrix; only the ``lower`` (or upper) triangle is read.
    B : (n,) or (n, k) array
    lower, trans, unit_diagonal : bool
        As in :func:`scipy.linalg.solve_triangular`.

    Returns
    -------
    x : array, shape of ``B``
    """
    library = array_library(A)
    if library == "numpy":
        import scipy.linalg

        return scipy.linalg.solve_triangular(A, B, lower=lower, trans=int(trans), unit_diagonal=unit_diagonal)
    if library == "cupy":
        import cupyx.scipy.linalg

        return cupyx.scipy.linalg.solve_triangular(A, B, lower=lower, trans=int(trans), unit_diagonal=unit_diagonal)
    xp = array_namespace(A, B)
    T = xp.tril(A) if lower else xp.triu(A)
    if unit_diagonal:
        n = A.shape[0]
        eye = xp.eye(n, dtype=A.dtype, device=getattr(A, "device", None))
        T = T - T * eye + eye
    if trans:
        T = T.mT if hasattr(T, "mT") else xp.linalg.matrix_transpose(T)
    B2, vec = _as_2d(B, xp)
    if library == "torch":
        import torch

        X = torch.linalg.solve_triangular(T, B2, upper=(lower == trans))
    else:  # generic array API: no triangular solve in the standard, use the general solver
        X = xp.linalg.solve(T, B2)
    return X[:, 0] if vec else X


def cholesky(A: Any) -> Any:
    r"""Lower Cholesky factor :math:`L` with :math:`A = L L^{H}`.

    Raises
    ------
    NotPositiveDefiniteError
        ``A`` is not (numerically) symmetric positive definite. Unlike CuPy's and torch's own
        routines, this is raised on every backend, never a factor full of NaN.
    """
    xp = array_namespace(A)
    try:
        L = xp.linalg.cholesky(A)
    except Exception as exc:  # numpy LinAlgError, torch LinAlgError, cupy LinAlgError
        raise NotPositiveDefiniteError(
            f"matrix of shape {tuple(A.shape)} is not symmetric positive definite (Cholesky failed: {exc})"
        ) from None
    if not bool(xp.all(xp.isfinite(L))):
        raise NotPositiveDefiniteError(
            f"matrix of shape {tuple(A.shape)} is not symmetric positive definite (Cholesky produced non-finite values)"
        )
    return L


def cho_solve(L: Any, B: Any) -> Any:
    r"""Solve :math:`L L^{H} x = b` given the lower Cholesky factor :math:`L`.

    Parameters
    ----------
    L : (n, n) array
        Lower-triangular Cholesky factor (from :func:`cholesky`).
    B : (n,) or (n, k) array
    """
    library = array_library(L)
    if library == "numpy":
        import scipy.linalg

        return scipy.linalg.cho_solve((L, True), B)
    if library == "torch":
        import torch

        xp = array_namespace(L, B)
        B2, vec = _as_2d(B, xp)
        X = torch.cholesky_solve(B2, L, upper=False)
        return X[:, 0] if vec else X
    xp = array_namespace(L, B)
    Lh = xp.conj(L.mT) if hasattr(L, "mT") else xp.conj(xp.linalg.matrix_transpose(L))
    y = solve_triangular(L, B, lower=True)
    return solve_triangular(Lh, y, lower=False)


def lstsq(A: Any, B: Any, *, rcond: float | None = None) -> Any:
    r"""Minimum-norm least-squares solution :math:`x = \arg\min \|A x - b\|_2`.

    Computed from an SVD (LAPACK ``gelsd`` on NumPy), never from the normal equations or an
    explicit pseudo-inverse. Singular values below ``rcond * s_max`` are treated as zero.

    Parameters
    ----------
    A : (m, n) array
    B : (m,) or (m, k) array
    rcond : float, optional
        Relative cut-off; default ``max(m, n) * eps`` of ``A``'s dtype.

    Returns
    -------
    x : (n,) or (n, k) array
    """
    m, n = A.shape
    library = array_library(A)
    if library == "numpy":
        import scipy.linalg

        cond = rcond if rcond is not None else max(m, n) * np.finfo(A.dtype).eps
        return scipy.linalg.lstsq(A, B, cond=cond, lapack_driver="gelsd")[0]
    xp = array_namespace(A, B)
    B2, vec = _as_2d(B, xp)
    U, s, Vh = xp.linalg.svd(A, full_matrices=False)
    finfo = xp.finfo(s.dtype)
    cut = (rcond if rcond is not None else max(m, n) * finfo.eps) * xp.max(s)
    s_inv = xp.where(s > cut, 1.0 / xp.where(s > cut, s, xp.ones_like(s)), xp.zeros_like(s))
    Uh = xp.conj(U.mT) if hasattr(U, "mT") else xp.conj(xp.linalg.matrix_transpose(U))
    Vh_h = xp.conj(Vh.mT) if hasattr(Vh, "mT") else xp.conj(xp.linalg.matrix_transpose(Vh))
    X = Vh_h @ (xp.astype(s_inv, U.dtype)[:, None] * (Uh @ B2))
    return X[:, 0] if vec else X


def kron(A: Any, B: Any) -> Any:
    r"""Kronecker product :math:`A \otimes B` of two matrices (dense, for tests and small factors).

    ``(A ⊗ B)[(i, j), (k, l)] = A[i, k] B[j, l]`` with row index ``i * p + j`` for ``B`` of shape
    ``(p, q)``, as :func:`numpy.kron`.
    """
    xp = array_namespace(A, B)
    (m, n), (p, q) = A.shape, B.shape
    K = A[:, None, :, None] * B[None, :, None, :]
    return xp.reshape(K, (m * p, n * q))


def mode_product(X: Any, A: Any, axis: int) -> Any:
    r"""Mode product :math:`Y = X \times_{k} A`: apply the matrix ``A`` along ``axis`` of ``X``.

    .. math:: Y[i_1, \dots, i_{k-1}, j, i_{k+1}, \dots] = \sum_{l} A[j, l]\, X[i_1, \dots, i_{k-1}, l, i_{k+1}, \dots]

    Parameters
    ----------
    X : array of shape (n_1, ..., n_D)
    A : (m, n_k) array
    axis : int
        The axis ``k`` of ``X`` that ``A`` acts on (negative values count from the end).

    Returns
    -------
    Y : array of shape (n_1, ..., m, ..., n_D)

    Notes
    -----
    One GEMM of size :math:`m \times n_k \times (N / n_k)` where :math:`N` is ``X``'s size: the
    first and last axes are reshaped into a single matrix product, a middle axis into a batched
    one; no transposed copy of ``X`` is made.
    """
    xp = array_namespace(X, A)
    shape = tuple(X.shape)
    axis = axis % len(shape)
    n = shape[axis]
    if A.shape[1] != n:
        raise ValueError(f"factor of shape {tuple(A.shape)} cannot act on axis {axis} of length {n}")
    m = A.shape[0]
    before = int(np.prod(shape[:axis], dtype=np.int64))
    after = int(np.prod(shape[axis + 1 :], dtype=np.int64))
    new_shape = shape[:axis] + (m,) + shape[axis + 1 :]
    if axis == 0:
        Y = A @ xp.reshape(X, (n, after))
    elif axis == len(shape) - 1:
        At = A.mT if hasattr(A, "mT") else xp.linalg.matrix_transpose(A)
        Y = xp.reshape(X, (before, n)) @ At
    else:
        Y = A @ xp.reshape(X, (before, n, after))
    return xp.reshape(Y, new_shape)


def kron_mvm(factors: Sequence[Any], X: Any) -> Any:
    r"""Kronecker matrix-vector product :math:`(A_1 \otimes \dots \otimes A_d)\,\mathrm{vec}(X)`.

    Computed as :math:`X \times_1 A_1 \times_2 A_2 \cdots \times_d A_d` (C-order vectorisation,
    ``A_1`` on axis 0), in :math:`O(N \sum_j m_j)` work for square factors and never forming the
    Kronecker product.

    Parameters
    ----------
    factors : sequence of d arrays, shapes (m_j, n_j)
        Square or rectangular.
    X : array of shape (n_1, ..., n_d) or (n_1, ..., n_d, k)
        The grid tensor; an optional trailing axis holds ``k`` right-hand sides.

    Returns
    -------
    Y : array of shape (m_1, ..., m_d) or (m_1, ..., m_d, k)

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.backends.linalg import kron_mvm
    >>> A, B = np.arange(4.0).reshape(2, 2), np.arange(6.0).reshape(3, 2)
    >>> X = np.ones((2, 2))
    >>> np.allclose(kron_mvm([A, B], X).ravel(), np.kron(A, B) @ X.ravel())
    True
    """
    d = len(factors)
    if X.ndim not in (d, d + 1):
        raise ValueError(f"X must have {d} axes (one per factor) or {d + 1} (trailing right-hand sides); got shape {tuple(X.shape)}")
    Y = X
    for j, A in enumerate(factors):
        Y = mode_product(Y, A, j)
    return Y
