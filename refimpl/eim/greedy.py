r"""Discrete Empirical Interpolation Method: the greedy ("magic points") and its evaluation forms.

Implements the discrete EIM greedy of Casenave, Ern & Lelièvre, *Variants of the empirical
interpolation method: symmetric formulation, choice of norms and rectangular extension*,
Appl. Math. Lett. 56 (2016) 23-28, arXiv:1508.05330 (paper A), Eqs. (1a)/(1b) (greedy),
Eq. (2) (online evaluation), Eqs. (3a)/(3b) (interpolation properties), and its symmetric (cross)
formulation, on a finite training set.

The greedy is written in the incremental *Schur-complement* ("Newton") form: the residual matrix
is updated by one rank-one correction per step. With the sup norm in the parameter step this is
Gaussian elimination with complete pivoting stopped after :math:`M` steps (the rank-:math:`M` LU
cross approximation of :math:`S`).

Notation (paper A, restated)
----------------------------
=====================  ==========================================================================
:math:`S`              snapshot matrix, :math:`S_{ac} = f(x_a, y_c)`, shape ``(N_x, N_y)``
:math:`R^{(k)}`        residual after :math:`k` steps, :math:`R^{(0)} = S`
:math:`j_k, i_k`       selected parameter (column) and point (row) at step :math:`k`
:math:`\pi_k`          pivot :math:`R^{(k-1)}_{i_k j_k}`
:math:`q_k`            basis vector :math:`R^{(k-1)}_{:, j_k} / \pi_k` (``basis[:, k-1]``)
:math:`B`              interpolation matrix :math:`B = Q_{I,:}`, unit lower triangular
:math:`U_J`            :math:`U_{lk} = R^{(l-1)}_{i_l j_k}`, upper triangular, diagonal = pivots
:math:`F`              cross matrix :math:`F = S_{I,J} = B\,U_J`
:math:`T`              coefficients, :math:`Q = S_{:,J}\,T`, :math:`T = U_J^{-1}`
:math:`\varepsilon_k`  greedy error :math:`\max_c \|R^{(k)}_{:,c}\|_\star` (``errors[k]``)
=====================  ==========================================================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from refimpl import _validate as v
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, leaf_kernel, linalg

__all__ = [
    "EIMResult",
    "EIMStatus",
    "eim_evaluate",
    "eim_evaluate_symmetric",
    "eim_greedy",
    "eim_greedy_streaming",
    "eim_interpolate_newton",
    "greedy_step",
]

logger = logging.getLogger(__name__)

#: norm codes understood by the greedy-step kernel
NORM_SUP, NORM_L2, NORM_WEIGHTED = 0, 1, 2


class EIMStatus(StatusEnum):
    """Why the EIM greedy stopped (the value is the message)."""

    __failures__ = ("TOL_NOT_REACHED", "ZERO_PIVOT", "REPEATED_POINT")
    TOLERANCE = "converged: greedy error fell to tol"
    MAX_TERMS = "stopped: reached max_terms (no tol requested)"
    TOL_NOT_REACHED = "stopped: reached max_terms before the greedy error fell to tol"
    EXHAUSTED = "stopped: every training column is interpolated exactly (rank of S reached)"
    ZERO_PIVOT = "stopped: pivot below pivot_tol (residual at round-off level); tol not reached"
    REPEATED_POINT = "stopped: the selected point was selected before (residual at round-off level)"
    ROUNDOFF_FLOOR = "converged: greedy error fell to the round-off floor of the stabilised EIM"


@dataclass(frozen=True, kw_only=True)
class EIMResult(Result):
    r"""Output of :func:`eim_greedy` / :func:`eim_greedy_streaming`.

    The matrices (``basis``, ``interp_matrix``, ``coefficients``, ``upper``, ``fields``) are
    returned in the caller's array library; the index lists and histories (``points``,
    ``params``, ``errors``, ``pivots``, ``triangularity_errors``) are small host NumPy arrays,
    whatever the backend, since they drive host-side logic (indexing, stopping decisions).

    Attributes
    ----------
    status : EIMStatus
        Why the greedy stopped.
    points : (M,) int array
        Selected rows :math:`I = (i_1, \dots, i_M)` in selection order ("magic points").
    params : (M,) int array
        Selected columns :math:`J = (j_1, \dots, j_M)` in selection order.
    basis : (N_x, M) array
        :math:`Q = [q_1, \dots, q_M]`, with :math:`q_k(x_{i_k}) = 1` and :math:`|Q_{ak}| \le 1`.
    interp_matrix : (M, M) array
        :math:`B = Q_{I,:}`, unit lower triangular.
    errors : (M + 1,) float array
        Greedy errors :math:`\varepsilon_0, \dots, \varepsilon_M` (:math:`\varepsilon_0 = \max_c \|S_{:,c}\|_\star`).
        The last entry is the error of the returned interpolant on the training set (NaN when
        the streaming greedy stopped at ``max_terms`` without a final sweep).
    pivots : (M,) array
        :math:`\pi_k` (complex for complex data).
    coefficients : (M, M) array
        Upper-triangular :math:`T` with :math:`Q = S_{:,J}\,T`.
    upper : (M, M) array
        Upper-triangular :math:`U_J`, :math:`S_{I,J} = B\,U_J`, diagonal = pivots.
    fields : (N_x, M) array
        The selected snapshots :math:`S_{:,J}` (for the symmetric form).
    triangularity_errors : (M,) float array
        :math:`\max_{l < m \le k} |B_{lm}|` for the leading :math:`k \times k` block, the round-off
        monitor of pyMOR and of paper F (zero for the Schur-complement greedy).
    norm : str
        ``"sup"``, ``"l2"`` or ``"weighted"``.
    n_iter : int
        :math:`M`, the number of terms.
    """

    points: Any
    params: Any
    basis: Any
    interp_matrix: Any
    errors: Any
    pivots: Any
    coefficients: Any
    upper: Any
    fields: Any
    triangularity_errors: Any
    norm: str
    n_iter: int


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _modulus_key(xp: Any, R: Any) -> tuple[Any, bool]:
    """What the argmaxes compare: ``|R|`` for real data, ``Re^2 + Im^2`` for complex data.

    Complex moduli are compared squared because ``abs`` of a complex number (a ``hypot``) is not
    correctly rounded and differs in the last bit between libraries, while ``Re^2 + Im^2`` is
    made of IEEE operations only: exact ties (e.g. a plane wave of constant modulus) are then
    broken by the first-index rule identically on every backend.
    """
    if xp.isdtype(R.dtype, "complex floating"):
        re, im = xp.real(R), xp.imag(R)
        return re * re + im * im, True
    return xp.abs(R), False


def _column_norms(R: Any, norm_code: int, w: Any) -> Any:
    """Column norms of ``R``: sup, l2 or weighted l2 (paper A, greedy step (1a): any norm)."""
    xp = array_namespace(R)
    A, squared = _modulus_key(xp, R)
    if norm_code == NORM_SUP:
        m = xp.max(A, axis=0)
        return xp.sqrt(m) if squared else m
    A2 = A if squared else A * A
    if norm_code == NORM_L2:
        return xp.sqrt(xp.sum(A2, axis=0))
    return xp.sqrt(xp.sum(w[:, None] * A2, axis=0))


@leaf_kernel("eim.greedy_step")
def greedy_step(R: Any, i: int, j: int, norm_code: int, w: Any) -> tuple[Any, Any, Any, Any]:
    r"""One EIM step on the residual: new basis vector, rank-one update, new column norms.

    Spec §1.1 steps 4-5 (paper A Eq. (1b) and the Newton form of the interpolant):
    :math:`q = R_{:,j}/R_{ij}` (with :math:`q_i = 1` exactly), :math:`r = R_{i,:}`,
    :math:`R \leftarrow R - q\,r^{\mathsf T}`, and the column norms of the updated residual.

    Parameters
    ----------
    R : (N_x, N_y) array
        Current residual :math:`R^{(k-1)}`, updated in place (the driver owns this copy).
    i, j : int
        Selected row (point) and column (parameter).
    norm_code : int
        0 sup, 1 l2, 2 weighted l2 with weights ``w``.
    w : (N_x,) array
        Weights (ignored for codes 0 and 1).

    Returns
    -------
    R : (N_x, N_y) array
        :math:`R^{(k)}`; row ``i`` is exactly zero.
    q : (N_x,) array
        The new basis vector.
    r : (N_y,) array
        The residual row :math:`R^{(k-1)}_{i,:}`.
    col_norms : (N_y,) float array
        :math:`\|R^{(k)}_{:,c}\|_\star` for every column.
    """
    xp = array_namespace(R)
    col = R[:, j]
    q = col / col[i]
    q = xp.where(xp.arange(R.shape[0]) == i, xp.ones_like(q), q)  # q_k(x_{i_k}) = 1 exactly
    r = xp.asarray(R[i, :], copy=True)
    R -= q[:, None] * r[None, :]  # rank-one Schur-complement update in place, spec §1.1 step 5
    return R, q, r, _column_norms(R, norm_code, w)


def _first_argmax(xp: Any, a: Any) -> int:
    """Index of the first maximal entry (array-API ``argmax`` returns the first occurrence)."""
    return int(xp.argmax(a))


def _parse_norm(norm: Any, n_x: int) -> tuple[int, str, np.ndarray | None]:
    if isinstance(norm, str):
        v.check_choice(norm, "norm", ("sup", "l2"))
        return (NORM_SUP, "sup", None) if norm == "sup" else (NORM_L2, "l2", None)
    try:
        w = np.asarray(norm, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"norm must be 'sup', 'l2' or a 1-D array of positive weights; got {type(norm).__name__}"
        ) from None
    v.check_shape(w, "norm (weights)", (n_x,))
    v.check_finite(w, "norm (weights)")
    if not np.all(w > 0):
        raise ValueError("norm (weights) must be strictly positive; got a non-positive weight")
    return NORM_WEIGHTED, "weighted", w


def _check_stopping(tol: float | None, rtol: float | None, max_terms: int | None, limit: int):
    if tol is not None:
        tol = v.check_positive(tol, "tol")
    if rtol is not None:
        rtol = v.check_positive(rtol, "rtol")
    if max_terms is not None:
        max_terms = v.check_int(max_terms, "max_terms", low=1)
    max_terms = limit if max_terms is None else min(max_terms, limit)
    return tol, rtol, max_terms


def _work_dtype(xp: Any, x: Any) -> Any:
    """float64, or complex128 for complex input: the greedy is run in double precision."""
    kind = np.dtype(str(x.dtype).rsplit(".", 1)[-1]).kind
    return xp.complex128 if kind == "c" else xp.float64


def _triangularity_errors(B: np.ndarray) -> np.ndarray:
    """max |strict upper part| of each leading block of B (pyMOR's round-off monitor)."""
    M = B.shape[0]
    up = np.abs(np.triu(B, 1))
    out = np.zeros(M)
    for k in range(1, M):
        out[k] = max(out[k - 1], float(np.max(up[:k, k])))
    return out


def _threshold(eps_k: float, eps_0: float, tol: float | None, rtol: float | None) -> bool:
    return (tol is not None and eps_k <= tol) or (rtol is not None and eps_k <= rtol * eps_0)


def _early_stop(eps_k: float, eps_0: float, tol: float | None, rtol: float | None, stabilise: bool,
                floor: float) -> EIMStatus | None:
    """The stopping tests shared by both greedy loops, in order: tolerance, exact fit, round-off floor."""
    if _threshold(eps_k, eps_0, tol, rtol):
        return EIMStatus.TOLERANCE
    if eps_k == 0.0:
        return EIMStatus.EXHAUSTED
    if stabilise and eps_k <= floor:
        return EIMStatus.ROUNDOFF_FLOOR
    return None


# --------------------------------------------------------------------------------------------
# the greedy
# --------------------------------------------------------------------------------------------


def eim_greedy(
    S: Any,
    *,
    norm: Any = "sup",
    tol: float | None = None,
    rtol: float | None = None,
    max_terms: int | None = None,
    pivot_tol: float | None = None,
    stabilise: bool = False,
    floor_factor: float = 10.0,
) -> EIMResult:
    r"""Discrete EIM greedy on a snapshot matrix (paper A, Eqs. (1a)/(1b)).

    For :math:`k = 1, 2, \dots` (spec §1.1):

    .. math::

        j_k = \arg\max_c \|R^{(k-1)}_{:,c}\|_\star,\quad
        \varepsilon_{k-1} = \|R^{(k-1)}_{:,j_k}\|_\star,\quad
        i_k = \arg\max_a |R^{(k-1)}_{a,j_k}|,

    .. math::

        q_k = R^{(k-1)}_{:,j_k}/R^{(k-1)}_{i_k j_k},\qquad
        R^{(k)} = R^{(k-1)} - q_k\,R^{(k-1)}_{i_k,:}.

    The norm :math:`\|\cdot\|_\star` of the parameter step is free (paper A's point); the point
    step is always max-abs, so :math:`|B_{lm}| \le 1`. Both argmaxes take the first maximal index
    (identical on every backend); complex data use the modulus in both and keep the complex pivot.

    Parameters
    ----------
    S : (N_x, N_y) array_like, real or complex
        Snapshots, rows = points (DOFs, entries, sensors), columns = parameters.
    norm : {"sup", "l2"} or (N_x,) array_like of positive weights, default "sup"
        Norm of the parameter step: max-abs (classical EIM), Euclidean, or weighted Euclidean
        :math:`\|r\|_w = (\sum_a w_a |r_a|^2)^{1/2}` (e.g. quadrature weights).
    tol : float, optional
        Absolute tolerance on the greedy error: stop as soon as :math:`\varepsilon_k \le` ``tol``.
    rtol : float, optional
        Relative tolerance: stop when :math:`\varepsilon_k \le` ``rtol`` :math:`\varepsilon_0`.
    max_terms : int, optional
        Largest number of terms :math:`M` (default: ``min(N_x, N_y)``).
    pivot_tol : float, optional
        Zero-pivot threshold; default :math:`\max(N_x, N_y)\,\epsilon_{mach} \max|S|` (spec §1.1 step 3).
    stabilise : bool, default False
        Stabilised EIM (paper F, spec §7.4, [R]): also re-interpolate the residual after each
        update, stop at the round-off floor ``floor_factor`` :math:`\cdot\max(N_x,N_y)\,\epsilon_{mach}\max|S|`
        and reject pivots below it. In this Schur-complement form the selected rows are already
        exactly zero, so the re-interpolation is a safeguard; it matters for the interpolation-form
        greedy (:func:`eim_greedy_streaming`).
    floor_factor : float, default 10
        Multiplier of the round-off floor of the stabilised variant.

    Returns
    -------
    EIMResult
        Points, parameters, basis, interpolation matrix, error history (length :math:`M + 1`),
        pivots, coefficient matrix and status.

    Raises
    ------
    ValueError
        Empty, identically zero or non-2-D ``S``, non-finite entries, ``tol``/``rtol`` not
        positive, bad weights. (A rank-deficient but non-zero ``S`` is not an error: the greedy
        stops at its numerical rank with status ``ZERO_PIVOT``, ``REPEATED_POINT`` or ``EXHAUSTED``.)
    TypeError
        Non-numeric ``S`` or ``norm``.

    Notes
    -----
    The computation runs in float64 (complex128 for complex ``S``); float32 input is upcast,
    because the EIM is used on ill-conditioned snapshot sets (ARCHITECTURE §2, dtype rule).
    Time :math:`O(M N_x N_y)`, memory one copy of :math:`S`.

    References
    ----------
    .. [1] F. Casenave, A. Ern, T. Lelièvre, Variants of the empirical interpolation method:
       symmetric formulation, choice of norms and rectangular extension, Appl. Math. Lett. 56
       (2016) 23-28, arXiv:1508.05330.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.eim import eim_greedy, eim_evaluate
    >>> x = np.linspace(0, 1, 200); mu = np.linspace(1, 3, 50)
    >>> S = 1.0 / (x[:, None] + mu[None, :])
    >>> res = eim_greedy(S, tol=1e-10)
    >>> res.status.name, bool(np.allclose(eim_evaluate(res, S[res.points]), S, atol=1e-9))
    ('TOLERANCE', True)
    """
    bd = Boundary(S)
    xp = bd.xp
    S = v.check_array(S, "S", ndim=2, min_size=1)
    Sb = bd.asarray(S, name="S")
    Sb = xp.astype(Sb, _work_dtype(xp, Sb), copy=False)
    n_x, n_y = int(Sb.shape[0]), int(Sb.shape[1])
    if n_x == 0 or n_y == 0:
        raise ValueError(f"S must have at least one row and one column; got shape {(n_x, n_y)}")
    norm_code, norm_name, w_host = _parse_norm(norm, n_x)
    tol, rtol, max_terms = _check_stopping(tol, rtol, max_terms, min(n_x, n_y))
    w = bd.asarray(w_host if w_host is not None else np.ones(1), dtype=xp.float64)
    s_max = float(xp.max(xp.abs(Sb)))
    if s_max == 0.0:
        raise ValueError("S is identically zero (rank 0): there is nothing to interpolate")
    eps = float(np.finfo(np.float64).eps)
    floor = floor_factor * max(n_x, n_y) * eps * s_max
    if pivot_tol is None:
        pivot_tol = max(n_x, n_y) * eps * s_max
    else:
        pivot_tol = v.check_positive(pivot_tol, "pivot_tol", strict=False)
    if stabilise:
        pivot_tol = max(pivot_tol, floor)

    R = xp.asarray(Sb, copy=True)
    col_err = _column_norms(R, norm_code, w)
    I: list[int] = []
    J: list[int] = []
    errors: list[float] = []
    pivots: list[complex] = []
    qs: list[Any] = []
    status = None
    for k in range(max_terms + 1):
        j = _first_argmax(xp, col_err)  # Eq. (1a): parameter with the largest residual norm
        eps_k = float(col_err[j])
        errors.append(eps_k)
        status = _early_stop(eps_k, errors[0], tol, rtol, stabilise, floor)
        if status is not None:
            break
        if k == max_terms:
            status = EIMStatus.EXHAUSTED if max_terms == min(n_x, n_y) and tol is None else (
                EIMStatus.MAX_TERMS if tol is None and rtol is None else EIMStatus.TOL_NOT_REACHED
            )
            break
        i = _first_argmax(xp, _modulus_key(xp, R[:, j])[0])  # Eq. (1b): point, always max-abs
        pivot = R[i, j]
        if abs(complex(pivot)) <= pivot_tol:
            status = EIMStatus.ZERO_PIVOT
            break
        if i in I:
            status = EIMStatus.REPEATED_POINT
            break
        R, q, r, col_err = greedy_step(R, i, j, norm_code, w)
        if stabilise and I:
            # paper F stabilisation [R]: re-interpolate the residual once more at the old points
            Qk = xp.stack(qs, axis=1)
            idx = xp.asarray(I)
            corr = linalg.solve_triangular(xp.take(Qk, idx, axis=0), xp.take(R, idx, axis=0), lower=True, unit_diagonal=True)
            R = R - Qk @ corr
            col_err = _column_norms(R, norm_code, w)
        I.append(i)
        J.append(j)
        pivots.append(complex(pivot))
        qs.append(q)
        logger.debug("EIM step %d: point %d, param %d, error %.3e", k + 1, i, j, eps_k)
    logger.info("EIM greedy: %s after %d terms", status.message, len(I))
    return _assemble_result(bd, xp, Sb, I, J, qs, errors, pivots, status, norm_name)


def _assemble_result(bd, xp, Sb, I, J, qs, errors, pivots, status, norm_name, upper=None) -> EIMResult:
    """Build B, U_J, T and the result from the selected indices and basis vectors."""
    M = len(I)
    dtype = Sb.dtype
    n_x = int(Sb.shape[0])
    if M:
        Q = xp.stack(qs, axis=1)
        idx_I = xp.asarray(I)
        idx_J = xp.asarray(J)
        B = xp.take(Q, idx_I, axis=0)
        fields = xp.take(Sb, idx_J, axis=1)
        if upper is None:
            # U_J from S_{I,J} = B U_J (forward substitution with unit diagonal)
            upper = linalg.solve_triangular(B, xp.take(fields, idx_I, axis=0), lower=True, unit_diagonal=True)
            upper = xp.triu(upper)
        T = linalg.solve_triangular(upper, xp.eye(M, dtype=dtype), lower=False)
    else:
        Q = xp.zeros((n_x, 0), dtype=dtype)
        B = xp.zeros((0, 0), dtype=dtype)
        fields = xp.zeros((n_x, 0), dtype=dtype)
        upper = xp.zeros((0, 0), dtype=dtype)
        T = xp.zeros((0, 0), dtype=dtype)
    return _make_result(bd, status, I, J, Q, B, T, upper, fields, errors, pivots, norm_name)


def _make_result(bd, status, I, J, Q, B, T, upper, fields, errors, pivots, norm_name) -> EIMResult:
    """Package the greedy's outputs (index lists and pivots on the host, matrices in the caller's library)."""
    is_complex = np.dtype(str(Q.dtype).rsplit(".", 1)[-1]).kind == "c"
    piv = np.asarray(pivots if is_complex else [p.real for p in pivots], dtype=np.complex128 if is_complex else np.float64)
    return EIMResult(
        status=status,
        points=np.asarray(I, dtype=np.int64),
        params=np.asarray(J, dtype=np.int64),
        basis=bd.out(Q),
        interp_matrix=bd.out(B),
        errors=np.asarray(errors, dtype=np.float64),
        pivots=piv,
        coefficients=bd.out(T),
        upper=bd.out(upper),
        fields=bd.out(fields),
        triangularity_errors=_triangularity_errors(bd.backend.to_numpy(B)),
        norm=norm_name,
        n_iter=len(I),
    )


# --------------------------------------------------------------------------------------------
# streaming (interpolation-form) greedy
# --------------------------------------------------------------------------------------------


def eim_greedy_streaming(
    columns: Callable[[np.ndarray], Any],
    n_params: int,
    *,
    norm: Any = "sup",
    tol: float | None = None,
    rtol: float | None = None,
    max_terms: int | None = None,
    batch_size: int = 64,
    pivot_tol: float | None = None,
    stabilise: bool = False,
    floor_factor: float = 10.0,
) -> EIMResult:
    r"""EIM greedy that never holds all of :math:`S`: columns come from a callable.

    Same greedy as :func:`eim_greedy` (paper A Eqs. (1a)/(1b)), but in the *interpolation form*
    of the classical EIM: at step :math:`k` every column is regenerated in batches and its
    residual is computed by interpolation, :math:`r_c = s_c - Q_k B_k^{-1} s_c[I_k]`. Memory is
    :math:`O(N_x (M + \text{batch}))`; time :math:`O(N_y N_x M^2)` plus :math:`M + 1` sweeps of
    column generation.

    In floating point the interpolation form loses the exact zeros of the residual at old points
    once pivots are small; the loss shows in ``triangularity_errors`` (paper F's diagnosis).
    ``stabilise=True`` applies paper F's remedy (spec §7.4, [R]): the residual is re-interpolated
    once more (:math:`r \leftarrow r - Q_k B_k^{-1} r[I_k]`, as re-orthogonalisation in
    Gram-Schmidt), the greedy stops at the round-off floor and pivots below it are rejected.

    Parameters
    ----------
    columns : callable
        ``columns(idx)`` with ``idx`` a 1-D NumPy int array returns the snapshot columns
        :math:`S_{:, idx}` as an array of shape ``(N_x, len(idx))`` (any array library).
    n_params : int
        :math:`N_y`, the number of training parameters.
    norm, tol, rtol, max_terms, pivot_tol, stabilise, floor_factor
        As in :func:`eim_greedy`; the round-off floor uses the largest entry seen in the first sweep.
    batch_size : int, default 64
        Columns generated per call.

    Returns
    -------
    EIMResult

    Raises
    ------
    ValueError
        Bad sizes, tolerances, non-finite or wrongly shaped columns.
    """
    n_params = v.check_int(n_params, "n_params", low=1)
    batch_size = v.check_int(batch_size, "batch_size", low=1)
    probe = columns(np.arange(min(batch_size, n_params)))
    bd = Boundary(probe)
    xp = bd.xp
    batches = [np.arange(s, min(s + batch_size, n_params)) for s in range(0, n_params, batch_size)]

    def load(idx: np.ndarray) -> Any:
        C = probe if np.array_equal(idx, batches[0]) else columns(idx)
        C = bd.asarray(C, name="columns(idx)")
        v.check_shape(C, "columns(idx)", (None, int(idx.size)))
        v.check_finite(C, "columns(idx)")
        return xp.astype(C, _work_dtype(xp, C))

    first = load(batches[0])
    n_x = int(first.shape[0])
    norm_code, norm_name, w_host = _parse_norm(norm, n_x)
    tol, rtol, max_terms = _check_stopping(tol, rtol, max_terms, min(n_x, n_params))
    w = bd.asarray(w_host if w_host is not None else np.ones(1), dtype=xp.float64)
    eps = float(np.finfo(np.float64).eps)
    dtype = first.dtype

    I: list[int] = []
    J: list[int] = []
    errors: list[float] = []
    pivots: list[complex] = []
    qs: list[Any] = []
    lam_cols: list[Any] = []
    s_max = 0.0
    status = None
    for k in range(max_terms + 1):
        # one sweep: residual norms of every column (Eq. (1a)), keep the first maximal one
        best_err, best_j, best_r, best_lam = -1.0, -1, None, None
        Qk = xp.stack(qs, axis=1) if qs else None
        idx_I = xp.asarray(I) if I else None
        Bk = xp.take(Qk, idx_I, axis=0) if qs else None
        for b, idx in enumerate(batches):
            C = first if (b == 0 and k == 0) else load(idx)
            if k == 0:
                s_max = max(s_max, float(xp.max(xp.abs(C))))
            if qs:
                lam = linalg.solve_triangular(Bk, xp.take(C, idx_I, axis=0), lower=True, unit_diagonal=True)
                Rb = C - Qk @ lam
                if stabilise:  # re-interpolation of the residual (paper F, [R])
                    corr = linalg.solve_triangular(Bk, xp.take(Rb, idx_I, axis=0), lower=True, unit_diagonal=True)
                    Rb = Rb - Qk @ corr
                    lam = lam + corr
            else:
                lam, Rb = None, C
            err = _column_norms(Rb, norm_code, w)
            jb = _first_argmax(xp, err)
            if float(err[jb]) > best_err:  # strict: earlier batches win ties
                best_err, best_j = float(err[jb]), int(idx[jb])
                best_r = Rb[:, jb]
                best_lam = lam[:, jb] if lam is not None else None
        if k == 0:
            pivot_floor = max(n_x, n_params) * eps * s_max
            floor = floor_factor * pivot_floor
            ptol = pivot_floor if pivot_tol is None else v.check_positive(pivot_tol, "pivot_tol", strict=False)
            if stabilise:
                ptol = max(ptol, floor)
        eps_k = best_err
        errors.append(eps_k)
        status = _early_stop(eps_k, errors[0], tol, rtol, stabilise, floor)
        if status is not None:
            break
        if k == max_terms:
            status = EIMStatus.MAX_TERMS if tol is None and rtol is None else EIMStatus.TOL_NOT_REACHED
            break
        i = _first_argmax(xp, _modulus_key(xp, best_r)[0])
        pivot = best_r[i]
        if abs(complex(pivot)) <= ptol:
            status = EIMStatus.ZERO_PIVOT
            break
        if i in I:
            status = EIMStatus.REPEATED_POINT
            break
        q = best_r / pivot
        q = xp.where(xp.arange(n_x) == i, xp.ones_like(q), q)
        I.append(i)
        J.append(best_j)
        pivots.append(complex(pivot))
        qs.append(q)
        lam_cols.append(best_lam)
    # U_J from the Newton coefficients of the selected columns (S_{I,J} = B U_J)
    M = len(I)
    upper = None
    if M:
        U = np.zeros((M, M), dtype=np.complex128 if np.dtype(str(dtype).rsplit(".", 1)[-1]).kind == "c" else np.float64)
        for kk in range(M):
            if lam_cols[kk] is not None:
                U[:kk, kk] = bd.backend.to_numpy(lam_cols[kk])
            U[kk, kk] = pivots[kk] if U.dtype.kind == "c" else pivots[kk].real
        upper = bd.asarray(U, dtype=dtype)
        Jh = np.asarray(J, dtype=np.int64)
        fields = xp.concat([load(Jh[s : s + batch_size]) for s in range(0, M, batch_size)], axis=1)
    else:
        fields = xp.zeros((n_x, 0), dtype=dtype)
    # the generic assembler needs S only through S[:, J]; pass a matrix whose columns J are fields
    return _assemble_streaming(bd, xp, fields, I, J, qs, errors, pivots, status, norm_name, upper, n_x)


def _assemble_streaming(bd, xp, fields, I, J, qs, errors, pivots, status, norm_name, upper, n_x) -> EIMResult:
    M = len(I)
    dtype = fields.dtype
    if M:
        Q = xp.stack(qs, axis=1)
        B = xp.take(Q, xp.asarray(I), axis=0)
        T = linalg.solve_triangular(upper, xp.eye(M, dtype=dtype), lower=False)
    else:
        Q = B = T = upper = xp.zeros((0, 0), dtype=dtype)
        Q = xp.zeros((n_x, 0), dtype=dtype)
    return _make_result(bd, status, I, J, Q, B, T, upper, fields, errors, pivots, norm_name)


# --------------------------------------------------------------------------------------------
# online evaluation: three forms
# --------------------------------------------------------------------------------------------


def _check_values(values: Any, M: int, name: str = "values") -> None:
    """Online values: one finite value per selected point (and per function)."""
    shape = tuple(int(s) for s in values.shape)
    if len(shape) not in (1, 2) or shape[0] != M:
        raise ValueError(
            f"{name} must have shape ({M},) or ({M}, n): one value per selected point; got shape {shape}"
        )
    v.check_finite(values, name)


def _result_dtype(xp: Any, a: Any, b: Any) -> Any:
    ka = np.dtype(str(a.dtype).rsplit(".", 1)[-1]).kind
    kb = np.dtype(str(b.dtype).rsplit(".", 1)[-1]).kind
    return xp.complex128 if "c" in (ka, kb) else xp.float64


def eim_evaluate(result: EIMResult, values: Any) -> Any:
    r"""Online EIM evaluation by forward substitution (paper A, Eq. (2)).

    Given the values :math:`s = (f(x_{i_1}, y), \dots, f(x_{i_M}, y))` of a function at the
    selected points, solve :math:`B\lambda = s` (unit lower triangular: forward substitution)
    and return :math:`I_M f(\cdot, y) = Q\lambda`.

    Parameters
    ----------
    result : EIMResult
    values : (M,) or (M, n) array_like
        Values at the selected points, one column per function.

    Returns
    -------
    (N_x,) or (N_x, n) array
        The interpolant on all :math:`N_x` points.

    Raises
    ------
    ValueError
        ``values`` has the wrong leading dimension or non-finite entries.
    """
    bd = Boundary(values, result.basis)
    xp = bd.xp
    vals = bd.asarray(values, name="values")
    _check_values(vals, result.n_iter)
    dt = _result_dtype(xp, vals, bd.asarray(result.basis))
    Q = xp.astype(bd.asarray(result.basis), dt)
    B = xp.astype(bd.asarray(result.interp_matrix), dt)
    lam = linalg.solve_triangular(B, xp.astype(vals, dt), lower=True, unit_diagonal=True)
    return bd.out(Q @ lam)


def eim_evaluate_symmetric(result: EIMResult, values: Any) -> Any:
    r"""Symmetric (cross) EIM evaluation (paper A, symmetric formulation; spec §1.1).

    .. math::

        I_M f(x, y) = f(x, y_J)^{\mathsf T} F^{-1} f(x_I, y),\qquad F = S_{I,J},

    i.e. :math:`I_M S = S_{:,J}\,F^{-1} S_{I,:}`. Here :math:`F` is taken from the stored
    snapshots :math:`S_{:,J}` and solved by a general LU solve, an evaluation path independent of
    :math:`Q` and :math:`B`. It agrees with :func:`eim_evaluate` up to round-off
    (:math:`F = B U_J`).

    Parameters
    ----------
    result : EIMResult
    values : (M,) or (M, n) array_like
        Values at the selected points.

    Returns
    -------
    (N_x,) or (N_x, n) array
    """
    bd = Boundary(values, result.fields)
    xp = bd.xp
    vals = bd.asarray(values, name="values")
    _check_values(vals, result.n_iter)
    fields = bd.asarray(result.fields)
    dt = _result_dtype(xp, vals, fields)
    fields = xp.astype(fields, dt)
    F = xp.take(fields, xp.asarray(np.asarray(result.points)), axis=0)
    vals = xp.astype(vals, dt)
    vec = vals.ndim == 1
    V2 = xp.reshape(vals, (vals.shape[0], 1)) if vec else vals
    coef = xp.linalg.solve(F, V2)
    out = fields @ coef
    return bd.out(out[:, 0] if vec else out)


def eim_interpolate_newton(result: EIMResult, f: Any) -> Any:
    r"""Residual ("Newton") form of the interpolant, for fully known functions.

    Repeats the greedy's rank-one updates on the function itself:
    :math:`r \leftarrow f`, then :math:`r \leftarrow r - q_k\, r(x_{i_k})` for :math:`k = 1..M`,
    and returns :math:`I_M f = f - r`. For a training column this is :math:`S - R^{(M)}`.
    Needs :math:`f` at all :math:`N_x` points (an offline check, not an online path).

    Parameters
    ----------
    result : EIMResult
    f : (N_x,) or (N_x, n) array_like

    Returns
    -------
    (N_x,) or (N_x, n) array
    """
    bd = Boundary(f, result.basis)
    xp = bd.xp
    F = bd.asarray(f, name="f")
    n_x = int(bd.asarray(result.basis).shape[0])
    if F.ndim not in (1, 2) or int(F.shape[0]) != n_x:
        raise ValueError(f"f must have shape ({n_x},) or ({n_x}, n); got shape {tuple(F.shape)}")
    v.check_finite(F, "f")
    Q = bd.asarray(result.basis)
    dt = _result_dtype(xp, F, Q)
    Q = xp.astype(Q, dt)
    F = xp.astype(F, dt)
    vec = F.ndim == 1
    r = xp.reshape(F, (n_x, 1)) if vec else F
    for k, i in enumerate(np.asarray(result.points).tolist()):
        r = r - Q[:, k : k + 1] * r[i : i + 1, :]
    out = F - (r[:, 0] if vec else r)
    return bd.out(out)
