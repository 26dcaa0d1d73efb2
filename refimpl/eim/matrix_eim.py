r"""Non-intrusive matrix EIM: :math:`A_\mu \approx \sum_m \beta_m(\mu) A_{\mu_m}` (paper B).

Casenave, Ern, Lelièvre & Sylvand, *A nonintrusive method to approximate linear systems with
nonlinear parameter dependence*, Eur. J. Comput. Mech. 23 (2014), arXiv:1307.4330. The target
form is [V]; the algorithm is reconstructed ([R]): the discrete EIM of
:mod:`refimpl.eim.greedy` applied to the matrix *entries* viewed as functions of :math:`\mu`.

1. Snapshot columns: :math:`\mathrm{vec}(A_\mu)` restricted to the sparsity pattern (all entries
   for dense matrices; one triangle for symmetric families).
2. EIM greedy (sup norm by default) gives parameters :math:`\mu_1..\mu_M`, entries
   :math:`(r_l, c_l)`, :math:`B` and the coefficient matrix :math:`T` (:math:`Q = S_{:,J} T`).
3. Non-intrusive weights: :math:`\beta(\mu) = T B^{-1} s(\mu) = F^{-1} s(\mu)` with
   :math:`s(\mu) = ((A_\mu)_{r_l c_l})_l` and :math:`F = B U_J`.
4. Online: only the :math:`M` entries :math:`s(\mu)` of :math:`A_\mu`, two triangular solves and,
   in reduced-basis use, :math:`A_N(\mu) = \sum_m \beta_m(\mu)\, W^* A_{\mu_m} V` with the
   :math:`W^* A_{\mu_m} V` precomputed: an online cost independent of the matrix size.

Notation: :math:`\mu` (parameter), :math:`(r_l, c_l)` magic entries (``rows``, ``cols``),
:math:`\mu_m` (``params``), :math:`\beta` (weights), :math:`V, W` (trial/test reduced bases).

This module works on host (NumPy/SciPy) matrices: SciPy sparse matrices have no array-API
counterpart; the greedy itself runs on the active backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities

from ._host import check_flag, host_array, to_caller, training_set
from refimpl._iterative import Status
from refimpl._results import Result

from .greedy import EIMResult, EIMStatus, _eim_greedy

__all__ = [
    "MatrixEIM",
    "matrix_eim",
    "matrix_eim_assemble",
    "matrix_eim_reduce",
    "matrix_eim_reduced_operator",
    "matrix_eim_weights",
]


@dataclass(frozen=True, kw_only=True)
class MatrixEIM(Result):
    r"""A non-intrusive affine approximation of a matrix family (output of :func:`matrix_eim`).

    Attributes
    ----------
    status : EIMStatus
        The status of the greedy on the entries (``greedy.status``).
    rows, cols : (M,) int arrays
        Magic entries :math:`(r_l, c_l)`: the only entries of :math:`A_\mu` needed online.
    params : (M,) int array
        Indices of the selected training parameters :math:`\mu_m`.
    matrices : list
        The assembled :math:`A_{\mu_m}` (dense arrays or SciPy sparse matrices).
    interp_matrix : (M, M) array
        Unit lower-triangular :math:`B`.
    upper : (M, M) array
        :math:`U_J` (:math:`F = S_{I,J} = B U_J`).
    greedy : EIMResult
        The underlying greedy on the entries (errors, status, ...).
    symmetric : bool
        Whether one triangle was used.
    shape : tuple
        Matrix shape.
    """

    status: EIMStatus

    rows: np.ndarray
    cols: np.ndarray
    params: np.ndarray
    matrices: list
    interp_matrix: np.ndarray
    upper: np.ndarray
    greedy: EIMResult
    symmetric: bool
    shape: tuple


def _entries(A: Any, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if sp.issparse(A):
        return np.asarray(sp.csr_matrix(A)[rows, cols]).reshape(-1)
    return np.asarray(A)[rows, cols]


@capabilities(host_only="the matrix EIM stores and combines SciPy sparse / NumPy matrices on the host")
def matrix_eim(
    assemble: Callable[[Any], Any],
    train_params: Sequence[Any],
    *,
    symmetric: bool = False,
    norm: Any = "sup",
    atol: float | None = None,
    rtol: float | None = None,
    max_iter: int | None = None,
    callback: Callable[[Any], Any] | None = None,
) -> MatrixEIM:
    r"""Offline stage of the matrix EIM on a training set of parameters (paper B).

    Parameters
    ----------
    assemble : callable
        ``assemble(mu)`` returns :math:`A_\mu` as a dense 2-D array or a SciPy sparse matrix
        (the black box; called once per training parameter).
    train_params : sequence
        Training parameters :math:`\mathcal P_{train}` (anything ``assemble`` accepts).
    symmetric : bool, default False
        Restrict the snapshots to the upper triangle (:math:`r \le c`) for symmetric families.
    norm, atol, rtol, max_iter
        Passed to :func:`refimpl.eim.eim_greedy` (sup norm on the entries by default).
    callback : callable, optional
        Passed to the greedy: called once per step as ``callback(state)`` with
        ``state.iteration`` (terms so far), ``state.error`` (= ``state.residual_norm``),
        ``state.point`` (index into the snapshot entries), ``state.param`` and ``state.pivot``;
        returning ``True`` stops with status ``CALLBACK``.

    Returns
    -------
    MatrixEIM

    Raises
    ------
    ValueError
        Empty training set, non-square or differently shaped matrices, non-finite entries.

    Notes
    -----
    Offline cost: :math:`|\mathcal P_{train}|` assemblies and the greedy on an
    ``nnz x n_train`` snapshot matrix. The entries used online must be computed by the same
    code path as offline.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.eim import matrix_eim, matrix_eim_weights, matrix_eim_assemble
    >>> A0, A1 = np.diag([2.0, 3.0, 4.0]), np.ones((3, 3))
    >>> assemble = lambda mu: A0 + np.exp(mu) * A1
    >>> meim = matrix_eim(assemble, np.linspace(0, 1, 20), atol=1e-12)
    >>> len(meim.params)
    2
    >>> mu = 0.37; s = assemble(mu)[meim.rows, meim.cols]
    >>> bool(np.allclose(matrix_eim_assemble(meim, matrix_eim_weights(meim, s)), assemble(mu)))
    True
    """
    v.check_callable(assemble, "assemble")
    symmetric = check_flag(symmetric, "symmetric")
    train = training_set(train_params)
    mats = _assemble_all(assemble, train)
    return _matrix_eim_core(mats, symmetric=symmetric, norm=norm, atol=atol, rtol=rtol, max_iter=max_iter,
                            callback=callback)


def _assemble_all(assemble: Callable[[Any], Any], train: list, name: str = "assemble") -> list:
    """``assemble(mu)`` on every training parameter, each checked (2-D, square, one shape, finite)."""
    mats = []
    for k, mu in enumerate(train):
        A = assemble(mu)
        where = f"{name}(train_params[{k}])"
        if sp.issparse(A):
            if not np.all(np.isfinite(A.data)):
                raise ValueError(f"{where} must contain only finite values")
        else:
            if A is None or isinstance(A, (str, bytes)):
                raise TypeError(f"{where} must return a 2-D array or a SciPy sparse matrix; got {type(A).__name__}")
            A = np.asarray(v.check_array(A, where, ndim=2))
        shape = tuple(A.shape)
        if shape[0] != shape[1]:
            raise ValueError(f"{where} must be a square matrix; got shape {shape}")
        if mats and shape != tuple(mats[0].shape):
            raise ValueError(f"{where} returned shape {shape}, expected {tuple(mats[0].shape)} "
                             f"(the shape of {name}(train_params[0]))")
        mats.append(A)
    return mats


def _matrix_eim_core(mats: list, *, symmetric: bool, norm: Any, atol: Any, rtol: Any, max_iter: Any,
                     callback: Any = None) -> MatrixEIM:
    """The matrix EIM on already assembled and checked matrices."""
    shape = tuple(mats[0].shape)
    sparse = any(sp.issparse(A) for A in mats)
    if sparse:
        pattern = sp.csr_matrix(shape, dtype=bool)
        for A in mats:
            pattern = pattern + (sp.csr_matrix(A) != 0)
        rr, cc = pattern.nonzero()
    else:
        rr, cc = np.indices(shape).reshape(2, -1)
    if symmetric:
        keep = rr <= cc
        rr, cc = rr[keep], cc[keep]
    order = np.lexsort((cc, rr))
    rr, cc = np.asarray(rr[order], dtype=np.int64), np.asarray(cc[order], dtype=np.int64)
    S = np.stack([_entries(A, rr, cc) for A in mats], axis=1)
    res = _eim_greedy(S, norm=norm, atol=atol, rtol=rtol, max_iter=max_iter, callback=callback)
    I = np.asarray(res.points)
    J = np.asarray(res.params)
    return MatrixEIM(
        status=res.status,
        rows=rr[I],
        cols=cc[I],
        params=J,
        matrices=[mats[j] for j in J],
        interp_matrix=np.asarray(res.interp_matrix),
        upper=np.asarray(res.upper),
        greedy=res,
        symmetric=symmetric,
        shape=shape,
    )


@capabilities(host_only="the matrix EIM stores and combines SciPy sparse / NumPy matrices on the host")
def matrix_eim_weights(meim: MatrixEIM, entries: Any) -> np.ndarray:
    r"""Online weights :math:`\beta(\mu) = U_J^{-1} B^{-1} s(\mu) = F^{-1} s(\mu)`.

    Parameters
    ----------
    meim : MatrixEIM
    entries : (M,) or (M, n) array_like
        :math:`s(\mu) = ((A_\mu)_{r_l c_l})_l` at the magic entries (``meim.rows``, ``meim.cols``).

    Returns
    -------
    (M,) or (M, n) ndarray
        The weights :math:`\beta(\mu)` (:math:`2M^2` flops: two triangular solves).

    Raises
    ------
    ValueError
        Wrong length or non-finite entries.
    """
    v.check_instance(meim, "meim", MatrixEIM, "the result of matrix_eim")
    bd = Boundary(entries)
    s = host_array(bd, entries, "entries", ndim=(1, 2))
    return to_caller(bd, _weights(meim, s))


def _weights(meim: MatrixEIM, s: np.ndarray) -> np.ndarray:
    M = meim.rows.size
    if s.shape[0] != M:
        raise ValueError(f"entries must have {M} rows (one per magic entry); got shape {s.shape}")
    lam = scipy.linalg.solve_triangular(meim.interp_matrix, s, lower=True, unit_diagonal=True, check_finite=False)
    return scipy.linalg.solve_triangular(meim.upper, lam, lower=False, check_finite=False)


@capabilities(host_only="the matrix EIM stores and combines SciPy sparse / NumPy matrices on the host")
def matrix_eim_assemble(meim: MatrixEIM, beta: Any) -> Any:
    r"""Return :math:`\sum_m \beta_m A_{\mu_m}` (dense array or SciPy sparse matrix)."""
    v.check_instance(meim, "meim", MatrixEIM, "the result of matrix_eim")
    bd = Boundary(beta)
    beta = host_array(bd, beta, "beta", ndim=1)
    M = len(meim.matrices)
    if beta.shape[0] != M:
        raise ValueError(f"beta must have shape ({M},): one weight per selected matrix; got shape {tuple(beta.shape)}")
    out = meim.matrices[0] * beta[0]
    for b, A in zip(beta[1:], meim.matrices[1:]):
        out = out + b * A
    return out if sp.issparse(out) else to_caller(bd, out)


@capabilities(host_only="the matrix EIM stores and combines SciPy sparse / NumPy matrices on the host")
def matrix_eim_reduce(meim: MatrixEIM, V: Any, W: Any | None = None) -> np.ndarray:
    r"""Precompute the reduced matrices :math:`W^* A_{\mu_m} V` for reduced-basis use.

    Parameters
    ----------
    meim : MatrixEIM
    V : (n, N) array_like
        Trial reduced basis.
    W : (n, N) array_like, optional
        Test basis (Galerkin: ``W = V``). Conjugate transposes are used for complex data
        (sesquilinear forms).

    Returns
    -------
    (M, N_W, N) ndarray
    """
    v.check_instance(meim, "meim", MatrixEIM, "the result of matrix_eim")
    bd = Boundary(V) if W is None else Boundary(V, W)
    V = host_array(bd, V, "V", ndim=2)
    W = V if W is None else host_array(bd, W, "W", ndim=2)
    return to_caller(bd, _reduce(meim, V, W))


def _reduce(meim: MatrixEIM, V: np.ndarray, W: np.ndarray) -> np.ndarray:
    if V.shape[0] != meim.shape[0] or W.shape[0] != meim.shape[0]:
        raise ValueError(f"V and W must have {meim.shape[0]} rows; got {V.shape} and {W.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.stack([W.conj().T @ (A @ V) for A in meim.matrices])
    if not np.all(np.isfinite(out)):
        raise ValueError("V and W are too large: the reduced matrices W^* A_mu_m V overflow; rescale the bases "
                         f"(max |V| = {float(np.max(np.abs(V))):.3g}, max |W| = {float(np.max(np.abs(W))):.3g})")
    return out


@capabilities(host_only="the matrix EIM stores and combines SciPy sparse / NumPy matrices on the host")
def matrix_eim_reduced_operator(reduced: np.ndarray, beta: Any) -> np.ndarray:
    r"""Online reduced operator :math:`A_N(\mu) = \sum_m \beta_m(\mu)\, W^* A_{\mu_m} V` (:math:`M N^2` flops)."""
    bd = Boundary(beta)
    reduced = np.asarray(v.check_array(reduced, "reduced", ndim=3))
    beta = host_array(bd, beta, "beta", ndim=1)
    return to_caller(bd, _reduced_operator(reduced, beta))


def _reduced_operator(reduced: np.ndarray, beta: np.ndarray) -> np.ndarray:
    if beta.shape[0] != reduced.shape[0]:
        raise ValueError(f"beta must have shape ({reduced.shape[0]},): one weight per reduced matrix; "
                         f"got shape {tuple(beta.shape)}")
    return np.tensordot(beta, reduced, axes=1)


def online_flops(M: int, N: int) -> int:
    r"""Flop count of one online evaluation: two :math:`M \times M` triangular solves
    (:math:`2M^2`) plus the weighted sum of :math:`M` reduced :math:`N \times N` matrices
    (:math:`2MN^2`). Independent of the full size :math:`n` (the :math:`M` entries are the
    user's black box)."""
    return 2 * M * M + 2 * M * N * N
