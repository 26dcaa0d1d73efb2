r"""The online evaluation forms of the EIM interpolant: triangular (Eq. (2)), symmetric (cross), Newton.

Casenave, Ern & Lelièvre, Appl. Math. Lett. 56 (2016), arXiv:1508.05330 (paper A): Eq. (2)
(forward substitution with the unit lower-triangular :math:`B`) and the symmetric formulation
:math:`I_M f(x, y) = f(x, y_J)^{\mathsf T} F^{-1} f(x_I, y)` [V]; the residual ("Newton") form
repeats the greedy's rank-one updates (an offline check, [V] against the other two forms).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, is_complex, linalg

from .greedy import EIMResult

__all__ = ["eim_evaluate", "eim_evaluate_symmetric", "eim_interpolate_newton"]

_HINT = "the result of eim_greedy or eim_greedy_streaming"


def _check_values(values: Any, M: int, name: str = "values") -> None:
    """Online values: one finite value per selected point (and per function)."""
    shape = tuple(int(s) for s in values.shape)
    if len(shape) not in (1, 2) or shape[0] != M:
        raise ValueError(
            f"{name} must have shape ({M},) or ({M}, n): one value per selected point; got shape {shape}"
        )
    v.check_finite(values, name)


def _result_dtype(xp: Any, a: Any, b: Any) -> Any:
    return xp.complex128 if is_complex(a) or is_complex(b) else xp.float64


def _as_values(values: Any, name: str) -> Any:
    """Plain lists are accepted: host-side conversion of non-arrays before the Boundary."""
    return v.check_array(values, name, ndim=(1, 2), min_size=0, finite=False)


@capabilities(dask="native: Q (N_x rows) stays lazy; the M x M triangular solve is small")
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
    v.check_instance(result, "result", EIMResult, _HINT)
    values = _as_values(values, "values")
    bd = Boundary(values, result.basis)
    xp = bd.xp
    vals = bd.asarray(values, name="values")
    _check_values(vals, result.n_iter)
    dt = _result_dtype(xp, vals, bd.asarray(result.basis))
    Q = xp.astype(bd.asarray(result.basis), dt)
    B = xp.astype(bd.asarray(result.interp_matrix), dt)
    lam = linalg.solve_triangular(B, xp.astype(vals, dt), lower=True, unit_diagonal=True)
    return bd.out(Q @ lam)


@capabilities(dask="native: S[:, J] (N_x rows) stays lazy; the M x M solve is small")
def eim_evaluate_symmetric(result: EIMResult, values: Any) -> Any:
    r"""Symmetric (cross) EIM evaluation (paper A, symmetric formulation).

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
    v.check_instance(result, "result", EIMResult, _HINT)
    values = _as_values(values, "values")
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


@capabilities()
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
    v.check_instance(result, "result", EIMResult, _HINT)
    f = _as_values(f, "f")
    bd = Boundary(f, result.basis)
    xp = bd.xp
    F = bd.asarray(f, name="f")
    Q = bd.asarray(result.basis)  # converted once: its row count is N_x
    n_x = int(Q.shape[0])
    if F.ndim not in (1, 2) or int(F.shape[0]) != n_x:
        raise ValueError(f"f must have shape ({n_x},) or ({n_x}, n); got shape {tuple(F.shape)}")
    v.check_finite(F, "f")
    dt = _result_dtype(xp, F, Q)
    Q = xp.astype(Q, dt)
    F = xp.astype(F, dt)
    vec = F.ndim == 1
    r = xp.reshape(F, (n_x, 1)) if vec else F
    for k, i in enumerate(np.asarray(result.points).tolist()):
        r = r - Q[:, k : k + 1] * r[i : i + 1, :]
    out = F - (r[:, 0] if vec else r)
    return bd.out(out)
