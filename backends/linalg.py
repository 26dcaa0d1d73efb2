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
* ``thin_qr``: economic QR, :func:`scipy.linalg.qr` (NumPy), TSQR (Demmel, Grigori, Hoemmen,
  Langou 2012) on dask, blockwise with SciPy's LAPACK per row block (Q stays lazy and chunked like
  A's rows, R is a small d x d array), ``xp.linalg.qr`` otherwise;
* ``qr_pivoted``: column-pivoted QR, :func:`scipy.linalg.qr` with ``pivoting=True`` (LAPACK
  ``geqp3``) on NumPy; CuPy, torch and array-api-strict have no pivoted QR, so their arrays make
  one host round trip (declared ``"host"`` in the capability table) and the factors come back in
  the caller's library and device;
* ``kron``, ``mode_product``, ``kron_mvm``: one array-API implementation (broadcasting, matmul).

Conventions
-----------
*Vectorisation* is C-order (row-major), the order of ``numpy.reshape``. With this order
``(A_1 ⊗ A_2 ⊗ ... ⊗ A_d) vec(X) = vec(X ×_1 A_1 ×_2 A_2 ... ×_d A_d)``: factor ``A_1`` acts on
axis 0 of the grid tensor ``X``. (The column-major literature, e.g. Saatçi 2012, writes the same
identity with the factor order reversed.)

*Validation*: every helper checks its arguments' kinds and shapes (messages name the argument:
``A``, ``B``, ``L``, ``X``, ``factors``, ``axis``); the factorisations and solves also reject NaN and
infinite entries unless ``check_finite=False`` (SciPy's keyword, for hot loops whose inputs are
known to be finite); so do the products ``kron``, ``mode_product`` and ``kron_mvm`` (one O(N) scan
of their operands, small next to the product; with ``check_finite=False`` they propagate
non-finite values as matrix multiplication does). Boolean options must be ``bool``.

*Complex* arrays are accepted everywhere, as in SciPy: the factorisations and solves work with
the conjugate transpose (:math:`A = L L^{H}`), the products are bilinear.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ._capabilities import capabilities
from ._convert import array_library, numeric_array, numpy_dtype

__all__ = [
    "NotPositiveDefiniteError",
    "cho_solve",
    "cholesky",
    "kron",
    "kron_mvm",
    "lstsq",
    "mode_product",
    "qr_pivoted",
    "solve_triangular",
    "thin_qr",
]


class NotPositiveDefiniteError(ValueError):
    """A matrix that must be symmetric positive definite is not (Cholesky failed)."""


def _array(x: Any, name: str) -> Any:
    """``x`` itself if it is an array of a supported library, else ``numpy.asarray(x)``; numeric only."""
    x = numeric_array(x, name)
    dt = numpy_dtype(x)
    if dt.kind in "biu":  # integer input computes in float64 (the Boundary's dtype rule)
        xp = array_namespace(x)
        x = xp.astype(x, xp.float64)
    return x


def _arrays(*pairs: tuple[Any, str]) -> list[Any]:
    """:func:`_array` on each ``(value, name)``; plain sequences join the library of the first real array."""
    from ._convert import to_library

    arrays = [_array(x, name) for x, name in pairs]
    lead = next((x for (x0, _), x in zip(pairs, arrays) if array_library(x0) is not None), None)
    if lead is not None:
        library = array_library(lead)
        device = getattr(lead, "device", None) if library == "torch" else None
        arrays = [x if array_library(x0) is not None else to_library(x, library, device)
                  for (x0, _), x in zip(pairs, arrays)]
    return arrays


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in x.shape)


def _check_matrix(A: Any, name: str, *, square: bool = False) -> None:
    if A.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (a matrix); got a {A.ndim}-D array of shape {_shape(A)}")
    if square and A.shape[0] != A.shape[1]:
        raise ValueError(f"{name} must be a square matrix; got shape {_shape(A)}")


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (True or False); got {type(value).__name__} {value!r:.40}")
    return bool(value)


def _check_rhs(B: Any, n: int, name: str, matrix_name: str) -> None:
    if B.ndim not in (1, 2):
        raise ValueError(f"{name} must be a 1-D or 2-D array; got a {B.ndim}-D array of shape {_shape(B)}")
    if B.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows to match {matrix_name} ({n} rows); got shape {_shape(B)}")


def _all_finite(x: Any) -> bool:
    """Whether every entry of ``x`` is finite (NumPy's fast path for NumPy arrays)."""
    if isinstance(x, np.ndarray):
        return bool(np.isfinite(x).all())
    xp = array_namespace(x)
    return bool(xp.all(xp.isfinite(x)))


def _check_finite(x: Any, name: str) -> None:
    if not _all_finite(x):
        raise ValueError(f"{name} must contain only finite values (pass check_finite=False to skip this scan); "
                         "got NaN or infinite entries")


def _check_nonsingular_diagonal(T: Any, name: str) -> None:
    xp = array_namespace(T)
    d = xp.abs(xp.linalg.diagonal(T)) if hasattr(xp.linalg, "diagonal") else xp.abs(xp.diagonal(T))
    if T.shape[0] and float(xp.min(d)) == 0.0:
        k = int(xp.argmin(d))
        raise ValueError(f"{name} is singular: its diagonal entry {name}[{k}, {k}] is zero (a triangular solve "
                         "needs a non-zero diagonal)")


def _check_solution(X: Any, name: str) -> None:
    if not _all_finite(X):
        raise ValueError(f"the solution overflowed to inf/NaN: {name} is singular to working precision "
                         "(pass check_finite=False to get the raw values)")


def _mT(x: Any, xp: Any) -> Any:
    return x.mT if hasattr(x, "mT") else xp.linalg.matrix_transpose(x)


def _as_2d(B: Any, xp: Any) -> tuple[Any, bool]:
    if B.ndim == 1:
        return xp.reshape(B, (B.shape[0], 1)), True
    return B, False


@capabilities(dask="native")
def solve_triangular(
    A: Any, B: Any, *, lower: bool = True, trans: bool = False, unit_diagonal: bool = False, check_finite: bool = True
) -> Any:
    r"""Solve :math:`T x = b` (or :math:`T^\top x = b` with ``trans``) for triangular :math:`T`.

    Parameters
    ----------
    A : (n, n) array
        Triangular matrix; only the ``lower`` (or upper) triangle is read.
    B : (n,) or (n, k) array
    lower, trans, unit_diagonal : bool
        As in :func:`scipy.linalg.solve_triangular`.
    check_finite : bool, default True
        Reject NaN and infinite entries of ``A`` and ``B``, an exactly zero diagonal entry, and a
        solution that overflows (``A`` singular to working precision), each with a ``ValueError``.

    Returns
    -------
    x : array, shape of ``B``
    """
    lower = _check_flag(lower, "lower")
    trans = _check_flag(trans, "trans")
    unit_diagonal = _check_flag(unit_diagonal, "unit_diagonal")
    A, B = _arrays((A, "A"), (B, "B"))
    _check_matrix(A, "A", square=True)
    _check_rhs(B, A.shape[0], "B", "A")
    if check_finite:
        _check_finite(A, "A")
        _check_finite(B, "B")
        if not unit_diagonal:
            _check_nonsingular_diagonal(A, "A")
    X = _solve_triangular(A, B, lower, trans, unit_diagonal)
    if check_finite:
        _check_solution(X, "A")
    return X


def _solve_triangular(A: Any, B: Any, lower: bool, trans: bool, unit_diagonal: bool) -> Any:
    """:func:`solve_triangular` on validated arrays."""
    library = array_library(A)
    if library == "numpy":
        import scipy.linalg

        return scipy.linalg.solve_triangular(A, B, lower=lower, trans=int(trans), unit_diagonal=unit_diagonal,
                                             check_finite=False)
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
    elif library == "dask":  # a small triangular factor: one chunk each, dask's own triangular solve
        import dask.array as da

        X = da.linalg.solve_triangular(T.rechunk(-1), B2.rechunk({0: -1}), lower=(lower != trans))
    else:  # generic array API: no triangular solve in the standard, use the general solver
        X = xp.linalg.solve(T, B2)
    return X[:, 0] if vec else X


@capabilities()
def cholesky(A: Any, *, check_finite: bool = True) -> Any:
    r"""Lower Cholesky factor :math:`L` with :math:`A = L L^{H}`.

    Parameters
    ----------
    A : (n, n) array
        Symmetric (Hermitian) positive definite. Both triangles are read: ``A`` must equal
        :math:`A^{H}` up to round-off, :math:`\max|A - A^{H}| \le 100\, n\, \varepsilon \max|A|`
        with :math:`\varepsilon` the machine epsilon of ``A``'s dtype (LAPACK reads one triangle
        only, so a non-symmetric ``A`` would silently give the factor of a different matrix).
    check_finite : bool, default True
        Reject NaN and infinite entries.

    Raises
    ------
    ValueError
        ``A`` is not a square matrix, holds non-finite values, or is not symmetric.
    NotPositiveDefiniteError
        ``A`` is not (numerically) positive definite. Unlike CuPy's and torch's own routines,
        this is raised on every backend, never a factor full of NaN.
    """
    A = _array(A, "A")
    _check_matrix(A, "A", square=True)
    if check_finite:
        _check_finite(A, "A")
    xp = array_namespace(A)
    n = A.shape[0]
    if n:
        scale = float(xp.max(xp.abs(A)))
        asym = float(xp.max(xp.abs(A - xp.conj(_mT(A, xp)))))
        eps = float(np.finfo(numpy_dtype(A)).eps)
        if asym > 100 * n * eps * scale:
            raise ValueError(f"A must be symmetric (Hermitian) for a Cholesky factorisation; got max|A - A^H| = "
                             f"{asym:.3g} with max|A| = {scale:.3g} (tolerance 100 n eps max|A| = "
                             f"{100 * n * eps * scale:.3g})")
    try:
        L = xp.linalg.cholesky(A)
    except Exception as exc:  # numpy LinAlgError, torch LinAlgError, cupy LinAlgError
        raise NotPositiveDefiniteError(
            f"A (shape {tuple(A.shape)}) is not symmetric positive definite (Cholesky failed: {exc})"
        ) from None
    if not bool(xp.all(xp.isfinite(L))):
        raise NotPositiveDefiniteError(
            f"A (shape {tuple(A.shape)}) is not symmetric positive definite (Cholesky produced non-finite values)"
        )
    return L


@capabilities(dask="native")
def cho_solve(L: Any, B: Any, *, check_finite: bool = True) -> Any:
    r"""Solve :math:`L L^{H} x = b` given the lower Cholesky factor :math:`L`.

    Parameters
    ----------
    L : (n, n) array
        Lower-triangular Cholesky factor (from :func:`cholesky`); the upper triangle is not read.
    B : (n,) or (n, k) array
    check_finite : bool, default True
        Reject NaN and infinite entries of ``L`` and ``B``, a zero diagonal entry of ``L`` and a
        solution that overflows, each with a ``ValueError``.
    """
    L, B = _arrays((L, "L"), (B, "B"))
    _check_matrix(L, "L", square=True)
    _check_rhs(B, L.shape[0], "B", "L")
    if check_finite:
        _check_finite(L, "L")
        _check_finite(B, "B")
    if check_finite:
        _check_nonsingular_diagonal(L, "L")
    X = _cho_solve(L, B)
    if check_finite:
        _check_solution(X, "L")
    return X


def _cho_solve(L: Any, B: Any) -> Any:
    """:func:`cho_solve` on validated arrays."""
    library = array_library(L)
    if library == "numpy":
        import scipy.linalg

        return scipy.linalg.cho_solve((L, True), B, check_finite=False)
    if library == "torch":
        import torch

        xp = array_namespace(L, B)
        B2, vec = _as_2d(B, xp)
        X = torch.cholesky_solve(B2, L, upper=False)
        return X[:, 0] if vec else X
    xp = array_namespace(L, B)
    Lh = xp.conj(L.mT) if hasattr(L, "mT") else xp.conj(xp.linalg.matrix_transpose(L))
    y = _solve_triangular(L, B, True, False, False)
    return _solve_triangular(Lh, y, False, False, False)


@capabilities(dask="native: a tall-skinny SVD (one column chunk)")
def lstsq(A: Any, B: Any, *, rcond: float | None = None, check_finite: bool = True) -> Any:
    r"""Minimum-norm least-squares solution :math:`x = \arg\min \|A x - b\|_2`.

    Computed from an SVD (LAPACK ``gelsd`` on NumPy), never from the normal equations or an
    explicit pseudo-inverse. Singular values below ``rcond * s_max`` are treated as zero.

    Parameters
    ----------
    A : (m, n) array
    B : (m,) or (m, k) array
    rcond : float, optional
        Relative cut-off in ``[0, 1)``; default ``max(m, n) * eps`` of ``A``'s dtype.
    check_finite : bool, default True
        Reject NaN and infinite entries of ``A`` and ``B``.

    Returns
    -------
    x : (n,) or (n, k) array
    """
    A, B = _arrays((A, "A"), (B, "B"))
    _check_matrix(A, "A")
    _check_rhs(B, A.shape[0], "B", "A")
    if rcond is not None:
        if isinstance(rcond, bool) or not isinstance(rcond, (int, float, np.floating, np.integer)):
            raise TypeError(f"rcond must be None or a real number in [0, 1); got {type(rcond).__name__} {rcond!r}")
        if not 0 <= float(rcond) < 1:
            raise ValueError(f"rcond must lie in [0, 1); got {rcond!r}")
    if check_finite:
        _check_finite(A, "A")
        _check_finite(B, "B")
    m, n = A.shape
    if m == 0 or n == 0:
        raise ValueError(f"A must have at least one row and one column; got shape {_shape(A)}")
    library = array_library(A)
    if library == "numpy":
        import scipy.linalg

        cond = rcond if rcond is not None else max(m, n) * np.finfo(A.dtype).eps
        return scipy.linalg.lstsq(A, B, cond=cond, lapack_driver="gelsd", check_finite=False)[0]
    xp = array_namespace(A, B)
    B2, vec = _as_2d(B, xp)
    if library == "dask":  # dask's SVD is tall-skinny: one column chunk
        A = A.rechunk({1: -1})
    U, s, Vh = xp.linalg.svd(A, full_matrices=False)
    finfo = xp.finfo(s.dtype)
    cut = (rcond if rcond is not None else max(m, n) * finfo.eps) * xp.max(s)
    s_inv = xp.where(s > cut, 1.0 / xp.where(s > cut, s, xp.ones_like(s)), xp.zeros_like(s))
    Uh = xp.conj(U.mT) if hasattr(U, "mT") else xp.conj(xp.linalg.matrix_transpose(U))
    Vh_h = xp.conj(Vh.mT) if hasattr(Vh, "mT") else xp.conj(xp.linalg.matrix_transpose(Vh))
    X = Vh_h @ (xp.astype(s_inv, U.dtype)[:, None] * (Uh @ B2))
    return X[:, 0] if vec else X



@capabilities(dask="native: TSQR (dask.array.linalg.tsqr); Q stays lazy, R (d x d) is small")
def thin_qr(A: Any, *, check_finite: bool = True) -> tuple[Any, Any]:
    r"""Thin (economic) QR factorisation :math:`A = QR` of a tall matrix, Q (m, k), R (k, n), k = min(m, n).

    On NumPy :func:`scipy.linalg.qr` (``mode="economic"``, LAPACK ``geqrf``/``orgqr``). On dask the
    tall-skinny QR of Demmel, Grigori, Hoemmen and Langou (SISC 2012), the algorithm of
    :func:`dask.array.linalg.tsqr` with SciPy's LAPACK per block (dask's own calls
    ``numpy.linalg.qr``, 2.4x slower here): each row chunk is factorised independently, the stacked
    R factors once more, so no task holds more than a row chunk of A. The R stage is computed on
    call (one read of A); Q is returned lazily with A's row chunks and reads A once more when it is
    computed (it needs m >= n; A is rechunked to one column chunk). Elsewhere ``xp.linalg.qr``.

    Parameters
    ----------
    A : (m, n) array
    check_finite : bool, default True
        Reject NaN and infinite entries (one pass over A; on dask a reduction).

    Returns
    -------
    Q : (m, k) array
        Orthonormal columns.
    R : (k, n) array
        Upper triangular.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.backends.linalg import thin_qr
    >>> A = np.array([[3.0, 1.0], [4.0, 2.0], [0.0, 2.0]])
    >>> Q, R = thin_qr(A)
    >>> Q.shape, R.shape, bool(np.allclose(Q @ R, A))
    ((3, 2), (2, 2), True)
    """
    A = _array(A, "A")
    _check_matrix(A, "A")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"A must have at least one row and one column; got shape {_shape(A)}")
    if check_finite:
        _check_finite(A, "A")
    return _thin_qr(A)


def _thin_qr(A: Any) -> tuple[Any, Any]:
    """:func:`thin_qr` on a validated array."""
    library = array_library(A)
    if library == "numpy":
        import scipy.linalg

        return tuple(scipy.linalg.qr(A, mode="economic", check_finite=False))
    if library == "dask":
        import dask.array as da

        m, n = (int(s) for s in A.shape)
        if m < n:
            raise ValueError(f"A must be tall (at least as many rows as columns) for TSQR on dask; got shape {(m, n)}")
        return _tsqr(A.rechunk({1: -1}))
    xp = array_namespace(A)
    return tuple(xp.linalg.qr(A))


def _block_r(a: Any) -> Any:
    import scipy.linalg

    r = scipy.linalg.qr(a, mode="r", check_finite=False)[0]
    return r[: min(a.shape), :]


def _block_q(a: Any, q2: Any) -> Any:
    import scipy.linalg

    return scipy.linalg.qr(a, mode="economic", check_finite=False)[0] @ q2


def _tsqr_implicit_q(A: Any) -> tuple[Any, Any]:
    """TSQR (Demmel et al. 2012) of a row-chunked dask array with one column chunk, SciPy's LAPACK per
    block: (Q lazy with A's row chunks, R computed, NumPy).

    Stage 1 (computed): R_b of every row block (``geqrf`` only). Stage 2 (on the host, small): the
    QR of the stacked R_b, Q2 R. Stage 3 (lazy): Q_b = Q(A_b) Q2_b, the block's economic Q (the same
    ``geqrf`` as stage 1, so the same R_b) times its rows of Q2. Stage 1 is computed before the Q
    graph is built so that stage 3 reads every chunk once and releases it: one graph for both
    stages would keep every chunk of A in worker memory until the stacked R is factorised, which
    is not out of core. Equivalent to :func:`dask.array.linalg.tsqr`, which calls
    ``numpy.linalg.qr`` per block: 2.4x slower than SciPy's on a 419430 x 20 block here.
    """
    import dask
    import dask.array as da
    import scipy.linalg

    n = int(A.shape[1])
    r_rows = tuple(min(int(c), n) for c in A.chunks[0])
    stacked = dask.compute(A.map_blocks(_block_r, chunks=(r_rows, (n,)), dtype=A.dtype))[0]
    Q2, R = scipy.linalg.qr(stacked, mode="economic", check_finite=False)
    k = R.shape[0]
    Q = da.map_blocks(_block_q, A, da.from_array(Q2, chunks=(r_rows, (k,))), chunks=(A.chunks[0], (k,)),
                      dtype=A.dtype)
    return Q, R


def _tsqr(A: Any) -> tuple[Any, Any]:
    """:func:`_tsqr_implicit_q` with R returned as a (one-chunk) dask array."""
    import dask.array as da

    Q, R = _tsqr_implicit_q(A)
    return Q, da.from_array(R, chunks=R.shape)


_QR_MODES = ("economic", "full", "r")
_QR_HOST = "no pivoted QR (LAPACK geqp3) in this library: one host round trip to scipy.linalg.qr(pivoting=True)"


@capabilities(host={"cupy": _QR_HOST, "torch": _QR_HOST, "array_api_strict": _QR_HOST})
def qr_pivoted(A: Any, mode: str = "economic", *, check_finite: bool = True) -> tuple[Any, ...]:
    r"""Column-pivoted QR factorisation :math:`A P = Q R` (LAPACK ``geqp3``, Businger--Golub pivoting).

    The pivot order puts the column of largest remaining norm first at every step, so
    ``abs(diag(R))`` is non-increasing: the basis of leverage-score and Q-DEIM point selection.

    Parameters
    ----------
    A : (m, n) array
    mode : {"economic", "full", "r"}, default "economic"
        As in :func:`scipy.linalg.qr`: ``Q`` of shape ``(m, k)`` and ``R`` of shape ``(k, n)`` with
        ``k = min(m, n)``; ``"full"``: ``Q`` of shape ``(m, m)``, ``R`` of shape ``(m, n)``; ``"r"``:
        ``R`` (economic) and the pivots only.
    check_finite : bool, default True
        Reject NaN and infinite entries.

    Returns
    -------
    Q : array
        Orthonormal columns (absent for ``mode="r"``).
    R : array
        Upper triangular (trapezoidal).
    piv : (n,) integer array
        The column permutation: ``A[:, piv] == Q @ R`` up to round-off.

    Notes
    -----
    On NumPy this is :func:`scipy.linalg.qr` with ``pivoting=True``. CuPy, torch and
    array-api-strict provide no pivoted QR, so their input is copied to the host once, factorised
    there, and ``Q``, ``R`` and ``piv`` are returned in the input's library and on its device
    (declared ``"host"`` for those backends; a GPU backend warns once).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.backends.linalg import qr_pivoted
    >>> A = np.array([[1.0, 10.0], [0.0, 1.0], [0.0, 0.0]])
    >>> Q, R, piv = qr_pivoted(A)
    >>> piv.tolist(), bool(np.allclose(A[:, piv], Q @ R))
    ([1, 0], True)
    """
    if not isinstance(mode, str) or mode not in _QR_MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, _QR_MODES))}; got {mode!r}")
    A = _array(A, "A")
    _check_matrix(A, "A")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"A must have at least one row and one column; got shape {_shape(A)}")
    if check_finite:
        _check_finite(A, "A")
    import scipy.linalg

    from ._convert import to_library, to_numpy

    library = array_library(A)
    host = A if library == "numpy" else to_numpy(A)
    out = scipy.linalg.qr(host, mode="r" if mode == "r" else mode, pivoting=True, check_finite=False)
    if mode == "r":
        (R,), piv = out[:-1], out[-1]
        R = R[: min(host.shape), :]
        factors: tuple[Any, ...] = (R,)
    else:
        *factors, piv = out
        factors = tuple(factors)
    piv = piv.astype(np.int64)
    if library == "numpy":
        return (*factors, piv)
    device = getattr(A, "device", None) if library == "torch" else None
    return (*(to_library(np.ascontiguousarray(f), library, device) for f in factors), to_library(piv, library, device))


@capabilities()
def kron(A: Any, B: Any, *, check_finite: bool = True) -> Any:
    r"""Kronecker product :math:`A \otimes B` of two matrices (dense, for tests and small factors).

    ``(A ⊗ B)[(i, j), (k, l)] = A[i, k] B[j, l]`` with row index ``i * p + j`` for ``B`` of shape
    ``(p, q)``, as :func:`numpy.kron`. A matrix with no rows or columns gives an empty product.

    check_finite : bool, default True
        Reject NaN and infinite entries of ``A`` and ``B``.
    """
    A, B = _arrays((A, "A"), (B, "B"))
    _check_matrix(A, "A")
    _check_matrix(B, "B")
    if check_finite:
        _check_finite(A, "A")
        _check_finite(B, "B")
    xp = array_namespace(A, B)
    (m, n), (p, q) = A.shape, B.shape
    K = A[:, None, :, None] * B[None, :, None, :]
    return xp.reshape(K, (m * p, n * q))


@capabilities()
def mode_product(X: Any, A: Any, axis: int, *, check_finite: bool = True) -> Any:
    r"""Mode product :math:`Y = X \times_{k} A`: apply the matrix ``A`` along ``axis`` of ``X``.

    .. math:: Y[i_1, \dots, i_{k-1}, j, i_{k+1}, \dots] = \sum_{l} A[j, l]\, X[i_1, \dots, i_{k-1}, l, i_{k+1}, \dots]

    Parameters
    ----------
    X : array of shape (n_1, ..., n_D)
    A : (m, n_k) array
    axis : int
        The axis ``k`` of ``X`` that ``A`` acts on, in ``[-X.ndim, X.ndim)`` (negative values count
        from the end; anything else is an error, not wrapped around).
    check_finite : bool, default True
        Reject NaN and infinite entries of ``X`` and ``A``.

    Returns
    -------
    Y : array of shape (n_1, ..., m, ..., n_D)

    Notes
    -----
    One GEMM of size :math:`m \times n_k \times (N / n_k)` where :math:`N` is ``X``'s size: the
    first and last axes are reshaped into a single matrix product, a middle axis into a batched
    one; no transposed copy of ``X`` is made.
    """
    X, A = _arrays((X, "X"), (A, "A"))
    _check_matrix(A, "A")
    if X.ndim < 1:
        raise ValueError("X must have at least one axis; got a 0-D array")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer; got {type(axis).__name__} {axis!r}")
    shape = _shape(X)
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"axis must lie in [{-len(shape)}, {len(shape) - 1}] for X of shape {shape}; got {axis}")
    axis = int(axis) % len(shape)
    if A.shape[1] != shape[axis]:
        raise ValueError(f"A of shape {_shape(A)} cannot act on axis {axis} of X (length {shape[axis]}); X has shape "
                         f"{shape}: A must have {shape[axis]} columns")
    if check_finite:
        _check_finite(X, "X")
        _check_finite(A, "A")
    return _mode_product(X, A, axis)


def _mode_product(X: Any, A: Any, axis: int) -> Any:
    """:func:`mode_product` on validated arrays, ``0 <= axis < X.ndim``."""
    shape = _shape(X)
    xp = array_namespace(X, A)
    n = shape[axis]
    if A.shape[1] != n:
        raise ValueError(f"A (the factor) of shape {tuple(A.shape)} cannot act on axis {axis} of length {n}")
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


@capabilities()
def kron_mvm(factors: Sequence[Any], X: Any, *, check_finite: bool = True) -> Any:
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
    check_finite : bool, default True
        Reject NaN and infinite entries of the factors and ``X``.

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
    if isinstance(factors, (str, bytes)) or not isinstance(factors, Sequence) or array_library(factors) is not None:
        raise TypeError(f"factors must be a list or tuple of matrices; got {type(factors).__name__}")
    d = len(factors)
    if d == 0:
        raise ValueError("factors must hold at least one matrix; got an empty sequence")
    factors = [_array(A, f"factors[{j}]") for j, A in enumerate(factors)]
    X = _array(X, "X")
    for j, A in enumerate(factors):
        _check_matrix(A, f"factors[{j}]")
    if X.ndim not in (d, d + 1):
        raise ValueError(f"X must have {d} axes (one per factor) or {d + 1} (trailing right-hand sides); got shape {tuple(X.shape)}")
    for j, A in enumerate(factors):
        if A.shape[1] != X.shape[j]:
            raise ValueError(f"factors[{j}] of shape {_shape(A)} cannot act on axis {j} of X (length {X.shape[j]}); "
                             f"X has shape {_shape(X)}")
    if check_finite:
        for j, A in enumerate(factors):
            _check_finite(A, f"factors[{j}]")
        _check_finite(X, "X")
    Y = X
    for j, A in enumerate(factors):
        Y = _mode_product(Y, A, j)
    return Y
