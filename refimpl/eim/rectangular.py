r"""Rectangular EIM: different numbers of interpolation points and fields (paper A, [R]).

Casenave, Ern & Lelièvre, *Variants of the EIM: symmetric formulation, choice of norms and
rectangular extension*, Appl. Math. Lett. 56 (2016), arXiv:1508.05330, rectangular extension.
The paper's exact definition was not available to us ([R], checked
numerically): we use the symmetric form with a **minimum-norm least-squares** coefficient,

.. math::

    I f(x, y) = f(x, y_{J'})^{\mathsf T} C(y),\qquad
    C(y) = \arg\min_{C}{}^{\dagger} \|F C - f(x_{I'}, y)\|_2,\quad F = S_{I', J'}
    \in \mathbb{R}^{d_X \times d_Y},

solved by an SVD-based least-squares solver (never an explicit pseudo-inverse).

* :math:`d_X < d_Y` (broken sensor: a point is removed, its field kept): :math:`F` has full row
  rank, interpolation at the remaining points stays exact, all fields stay in the representation.
* :math:`d_X > d_Y` (more sensors than fields): an ordinary least-squares fit at the sensors.

Notation: :math:`I'` (``points``), :math:`J'` (``params``), :math:`S_{:,J'}` (``fields``),
:math:`F` (``cross_matrix``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import Status
from refimpl._results import Result
from refimpl.backends import Boundary, linalg, capabilities

from .evaluate import _result_dtype
from .greedy import EIMResult

__all__ = ["RectangularEIM", "eim_rectangular", "eim_rectangular_evaluate"]


@dataclass(frozen=True, kw_only=True)
class RectangularEIM(Result):
    r"""A rectangular interpolant (output of :func:`eim_rectangular`).

    Attributes
    ----------
    status : Status
        ``COMPLETED`` (a direct computation).
    points : (d_X,) int array
        Interpolation points :math:`I'` (row indices).
    params : (d_Y,) int array
        Fields kept, :math:`J'` (column indices of the training set).
    fields : (N_x, d_Y) array
        :math:`S_{:,J'}`.
    cross_matrix : (d_X, d_Y) array
        :math:`F = S_{I',J'}`.
    """

    status: Status

    points: Any
    params: Any
    fields: Any
    cross_matrix: Any


def _indices(values: Sequence[int] | np.ndarray, name: str, n: int) -> np.ndarray:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"{name} must be a sequence of integer positions; got {type(values).__name__} {values!r:.40}")
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    # integer-valued only: 1.5 is an error, not position 1
    idx = np.asarray(v.check_integer_array(values, name, low=0, high=n - 1, ndim=1))
    return idx.astype(np.int64)


@capabilities()
def eim_rectangular(
    result: EIMResult,
    *,
    drop_points: Sequence[int] = (),
    drop_params: Sequence[int] = (),
    add_points: Sequence[int] = (),
) -> RectangularEIM:
    r"""Build a rectangular EIM from a square one by removing/adding points or removing fields.

    Parameters
    ----------
    result : EIMResult
        A greedy result (its ``points``, ``params`` and ``fields`` :math:`S_{:,J}` are used: the
        snapshot matrix itself is not needed).
    drop_points : sequence of int
        *Positions* ``k`` in ``result.points`` of sensors to remove (broken sensors).
    drop_params : sequence of int
        Positions in ``result.params`` of fields to remove.
    add_points : sequence of int
        Row indices of extra sensors to add (oversampling, :math:`d_X > d_Y`).

    Returns
    -------
    RectangularEIM

    Raises
    ------
    ValueError
        Positions out of range, or nothing left.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.eim import eim_greedy, eim_rectangular, eim_rectangular_evaluate
    >>> x = np.linspace(0, 1, 100); y = np.linspace(0, 1, 60)
    >>> S = ((x[:, None] - y[None, :] - 2) ** 2 + 0.3) ** -0.5
    >>> res = eim_greedy(S, max_iter=8)
    >>> rect = eim_rectangular(res, drop_points=[2])       # sensor i_3 broke, keep its field
    >>> approx = eim_rectangular_evaluate(rect, S[rect.points])
    >>> bool(np.abs(approx[rect.points] - S[rect.points]).max() < 1e-12)
    True
    """
    v.check_instance(result, "result", EIMResult, "the result of eim_greedy or eim_greedy_streaming")
    M = result.n_iter
    dp = _indices(drop_points, "drop_points", M)
    dj = _indices(drop_params, "drop_params", M)
    bd = Boundary(result.fields)
    xp = bd.xp
    fields = bd.asarray(result.fields)
    n_x = int(fields.shape[0])
    ap = _indices(add_points, "add_points", n_x)
    keep_p = np.setdiff1d(np.arange(M), dp)
    keep_j = np.setdiff1d(np.arange(M), dj)
    points = np.concatenate([np.asarray(result.points)[keep_p], ap])
    if points.size == 0 or keep_j.size == 0:
        raise ValueError("the rectangular interpolant needs at least one point and one field")
    if np.unique(points).size != points.size:
        raise ValueError(f"points must be distinct; got {points.tolist()}")
    fields = xp.take(fields, xp.asarray(keep_j), axis=1)
    F = xp.take(fields, xp.asarray(points), axis=0)
    return RectangularEIM(
        status=Status.COMPLETED,
        points=points,
        params=np.asarray(result.params)[keep_j],
        fields=bd.out(fields),
        cross_matrix=bd.out(F),
    )


@capabilities()
def eim_rectangular_evaluate(rect: RectangularEIM, values: Any) -> Any:
    r"""Evaluate the rectangular interpolant: :math:`S_{:,J'}\,C` with :math:`C` the min-norm LSQ solution.

    Parameters
    ----------
    rect : RectangularEIM
    values : (d_X,) or (d_X, n) array_like
        Values at ``rect.points``.

    Returns
    -------
    (N_x,) or (N_x, n) array

    Raises
    ------
    ValueError
        Wrong leading dimension or non-finite values.
    """
    v.check_instance(rect, "rect", RectangularEIM, "the result of eim_rectangular")
    values = v.check_array(values, "values", ndim=(1, 2), min_size=0, finite=False)
    bd = Boundary(values, rect.fields)
    xp = bd.xp
    vals = bd.asarray(values, name="values")
    d_x = int(np.asarray(rect.points).size)
    if vals.ndim not in (1, 2) or int(vals.shape[0]) != d_x:
        raise ValueError(f"values must have shape ({d_x},) or ({d_x}, n); got shape {tuple(vals.shape)}")
    v.check_finite(vals, "values")
    fields = bd.asarray(rect.fields)
    dt = _result_dtype(xp, vals, fields)
    F = xp.astype(bd.asarray(rect.cross_matrix), dt)
    C = linalg.lstsq(F, xp.astype(vals, dt))  # SVD-based min-norm least squares
    return bd.out(xp.astype(fields, dt) @ C)
