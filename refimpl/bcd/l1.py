r"""Proximal coordinate descent to high accuracy for the L1 problems (Lasso, non-negative Lasso, L1-logistic).

:func:`minimize` is the paper's experimental driver (one block per iteration, fixed budgets). For
users who want a Lasso or L1-logistic *solution* to a duality-gap / KKT tolerance, this module runs
the classical fast variant of the same proximal coordinate updates (Nutini, Laradji & Schmidt
2022, §6: proximal coordinate updates :math:`x_j \leftarrow \mathrm{prox}_{\lambda/L_j}(x_j - \nabla_j f/L_j)`):

* **Lasso / non-negative Lasso** (:math:`\frac12\|Ax - b\|^2 + \lambda\|x\|_1`, or
  :math:`+\lambda\sum x_j` with :math:`x \ge 0`): cyclic exact coordinate minimisation
  (:math:`L_j = \|A_{:,j}\|^2` is exact for a quadratic) with the residual kept current; after every
  full epoch the duality gap is computed and, if not yet at ``tol``, epochs over the current
  support (the "active set" heuristic of glmnet) run until they stall.
  Duality gap with the rescaled residual :math:`\theta = r\min(1, \lambda/\|A^\top r\|_\infty)`:
  :math:`P(x) - \frac12\|b\|^2 + \frac12\|b - \theta\|^2` (one-sided :math:`\max_j (A^\top r)_j`
  for the non-negative problem).
* **L1-logistic** (:math:`\sum_i\log(1 + e^{-y_i a_i^\top w}) + \lambda\|w\|_1`): proximal Newton
  (the newGLMNET scheme): a quadratic model with the logistic curvature, solved approximately by
  coordinate epochs over a working set (the support plus at most max(10, |support|) of the worst
  KKT violators, so it grows geometrically), then an Armijo backtracking line
  search on F. Stops when the KKT violation
  :math:`\max_j \operatorname{dist}(-\nabla_j f, \lambda\partial|w_j|) \le` ``tol``.

The coordinate epochs are leaf kernels (``bcd.cd_epoch``, ``bcd.cd_epoch_weighted``) with Numba
twins; the Python references here are the oracle.

Provenance: [V] the updates are exact coordinate minimisers / proximal steps and the gap is the
standard Lasso dual; [R] the working-set and inner-stopping heuristics are ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._oracle import logistic_terms
from refimpl._results import Result, StatusEnum
from refimpl.backends import capabilities, leaf_kernel
from refimpl.bcd.problems import LeastSquaresProblem, LogisticProblem

__all__ = ["L1Result", "L1Status", "l1_coordinate_descent"]

#: Largest ``m * n`` for which a sparse design is densified for the coordinate epochs.
DENSE_LIMIT = 10**8


class L1Status(StatusEnum):
    """Why :func:`l1_coordinate_descent` stopped."""

    __failures__ = ("MAX_ITER", "NONFINITE")
    CONVERGED = "converged: duality gap (Lasso) or KKT violation (logistic) at or below tol"
    MAX_ITER = "stopped: reached max_iter full epochs / Newton steps before tol"
    NONFINITE = "stopped: the objective became NaN or infinite"
    CALLBACK = "stopped: the callback asked to stop"


@dataclass(frozen=True, kw_only=True)
class L1Result(Result):
    """Result of :func:`l1_coordinate_descent`.

    Attributes
    ----------
    status : L1Status
    x : (n,) ndarray
    fun : float
        :math:`F(x)`.
    gap : float
        Duality gap at ``x`` (Lasso problems; NaN for logistic).
    kkt : float
        KKT violation :math:`\\max_j \\operatorname{dist}(-\\nabla_j f, \\partial g_j(x_j))`.
    n_iter : int
        Outer iterations: full epochs (Lasso) or proximal Newton steps (logistic).
    n_updates : int
        Coordinate updates in total (full and working-set epochs).
    f_history : ndarray
        F after each outer iteration, F(x0) first.
    """

    x: Any
    fun: float
    gap: float
    kkt: float
    n_iter: int
    n_updates: int
    f_history: np.ndarray


# --------------------------------------------------------------------------------------------
# leaf kernels (references; Numba twins in backends/numba/bcd.py)
# --------------------------------------------------------------------------------------------


@leaf_kernel("bcd.cd_epoch")
def cd_epoch(X: np.ndarray, r: np.ndarray, w: np.ndarray, L: np.ndarray, lam: float, idx: np.ndarray,
             positive: bool) -> float:
    r"""One cyclic pass over ``idx`` of exact coordinate minimisation of
    :math:`\frac12\|r\|^2 + \lambda\|w\|_1` with :math:`r = b - Xw` (``r``, ``w`` updated in place).

    :math:`w_j \leftarrow S_{\lambda/L_j}(w_j + X_j^\top r / L_j)` (S the soft threshold; for
    ``positive`` :math:`\max(0, \cdot - \lambda/L_j)`). Returns :math:`\max_j |\Delta w_j|\sqrt{L_j}`.
    """
    big = 0.0
    for j in idx:
        xj = X[:, j]
        old = w[j]
        u = old + float(xj @ r) / L[j]
        t = lam / L[j]
        if positive:
            new = u - t if u > t else 0.0
        else:
            new = u - t if u > t else (u + t if u < -t else 0.0)
        if new != old:
            r -= (new - old) * xj
            w[j] = new
            big = max(big, abs(new - old) * math.sqrt(L[j]))
    return big


@leaf_kernel("bcd.cd_epoch_weighted")
def cd_epoch_weighted(X: np.ndarray, dw: np.ndarray, g: np.ndarray, q: np.ndarray, w: np.ndarray,
                      wd: np.ndarray, h: np.ndarray, lam: float, idx: np.ndarray) -> float:
    r"""One pass over ``idx`` of coordinate minimisation of the proximal-Newton model
    :math:`g^\top d + \frac12 d^\top X^\top \mathrm{diag}(dw) X d + \lambda\|w + d\|_1`, with
    ``wd`` = w + d and ``q`` = X d updated in place; ``h[j]`` = :math:`X_j^\top \mathrm{diag}(dw) X_j`.
    Returns :math:`\max_j |\Delta d_j|\sqrt{h_j}`."""
    big = 0.0
    for j in idx:
        xj = X[:, j]
        old = wd[j]
        grad = g[j] + float(xj @ (dw * q))
        u = old - grad / h[j]
        t = lam / h[j]
        new = u - t if u > t else (u + t if u < -t else 0.0)
        if new != old:
            q += (new - old) * xj
            wd[j] = new
            big = max(big, abs(new - old) * math.sqrt(h[j]))
    return big


# --------------------------------------------------------------------------------------------
# drivers
# --------------------------------------------------------------------------------------------


def _dense(prob: Any) -> np.ndarray:
    """The design as a Fortran-ordered dense array (cached on the problem: columns are contiguous)."""
    cached = getattr(prob, "_fortran_design", None)
    if cached is not None:
        return cached
    A = prob.A
    if sp.issparse(A):
        if A.shape[0] * A.shape[1] > DENSE_LIMIT:
            raise ValueError(f"problem's design must have m * n <= {DENSE_LIMIT:.0e} entries for the dense "
                             f"coordinate epochs; got {A.shape}")
        A = A.toarray()
    prob._fortran_design = np.asfortranarray(A, dtype=np.float64)
    return prob._fortran_design


def _kkt(g: np.ndarray, w: np.ndarray, lam: float, positive: bool) -> float:
    if positive:
        viol = np.where(w > 0, np.abs(g + lam), np.maximum(-(g + lam), 0.0))
    else:
        viol = np.where(w != 0, np.abs(g + lam * np.sign(w)), np.maximum(np.abs(g) - lam, 0.0))
    return float(viol.max()) if viol.size else 0.0


def _lasso_gap(X: np.ndarray, b: np.ndarray, r: np.ndarray, w: np.ndarray, lam: float,
               positive: bool) -> tuple[float, float, float]:
    """(primal, gap, kkt) at w with r = b − Xw."""
    c = X.T @ r  # = −∇f
    P = 0.5 * float(r @ r) + lam * (float(np.sum(w)) if positive else float(np.sum(np.abs(w))))
    top = float(c.max()) if positive else float(np.abs(c).max())
    scale = 1.0 if top <= lam else lam / top
    theta = scale * r
    D = 0.5 * float(b @ b) - 0.5 * float((b - theta) @ (b - theta))
    return P, max(P - D, 0.0), _kkt(-c, w, lam, positive)


def _solve_lasso(prob: LeastSquaresProblem, x: np.ndarray, tol: float, max_iter: int, callback: Any) -> L1Result:
    X = _dense(prob)
    b = prob.b
    lam = prob.lam
    positive = prob.nonsmooth == "nonneg_l1"
    L = np.maximum(prob.lipschitz(), np.finfo(np.float64).tiny)
    w = x.copy()
    r = b - X @ w
    all_idx = np.arange(prob.n, dtype=np.int64)
    P, gap, kkt = _lasso_gap(X, b, r, w, lam, positive)
    hist = [P]
    status = L1Status.MAX_ITER
    n_updates = 0
    k = 0
    if gap <= tol:
        status = L1Status.CONVERGED
    while status is L1Status.MAX_ITER and k < max_iter:
        big = cd_epoch(X, r, w, L, lam, all_idx, positive)
        n_updates += prob.n
        k += 1
        ws = np.flatnonzero(w).astype(np.int64)
        if ws.size and big > 0:  # epochs over the support until they stall
            for _ in range(1000):
                small = cd_epoch(X, r, w, L, lam, ws, positive)
                n_updates += ws.size
                if small <= 1e-4 * big or small == 0.0:
                    break
        P, gap, kkt = _lasso_gap(X, b, r, w, lam, positive)
        hist.append(P)
        if not math.isfinite(P):
            status = L1Status.NONFINITE
        elif notify(callback, iteration=k, x=w, fun=P, gap=gap):
            status = L1Status.CALLBACK
        elif gap <= tol:
            status = L1Status.CONVERGED
    return L1Result(status=status, x=w, fun=P, gap=gap, kkt=kkt, n_iter=k, n_updates=n_updates,
                    f_history=np.asarray(hist))


def _solve_logistic(prob: LogisticProblem, x: np.ndarray, tol: float, max_iter: int, callback: Any) -> L1Result:
    X = _dense(prob)
    y = prob.y
    lam = prob.lam
    w = x.copy()
    z = X @ w
    loss, dz, hz = logistic_terms(z, y)
    F = loss + lam * float(np.sum(np.abs(w)))
    g = X.T @ dz
    kkt = _kkt(g, w, lam, False)
    hist = [F]
    status = L1Status.CONVERGED if kkt <= tol else L1Status.MAX_ITER
    n_updates = 0
    k = 0
    while status is L1Status.MAX_ITER and k < max_iter:
        # working set: the support plus the worst KKT violators among the zeros (at most
        # max(10, |support|) of them, so the set grows geometrically, as in skglm's working sets)
        supp = np.flatnonzero(w != 0)
        viol = np.where(w == 0, np.abs(g) - lam, -np.inf)
        n_add = min(int(np.sum(viol > 0)), max(10, supp.size))
        add = np.argpartition(-viol, n_add - 1)[:n_add] if n_add > 0 else np.zeros(0, dtype=np.int64)
        ws = np.union1d(supp, add).astype(np.int64)
        Xw = X[:, ws]
        h = np.maximum((Xw * Xw).T @ hz, 1e-12) if ws.size else np.zeros(0)
        hfull = np.zeros(prob.n)
        hfull[ws] = h
        wd = w.copy()
        q = np.zeros_like(z)
        first = None
        for _ in range(50):
            big = cd_epoch_weighted(X, hz, g, q, w, wd, hfull, lam, ws)
            n_updates += ws.size
            first = big if first is None else first
            if big <= 1e-3 * first or big == 0.0:
                break
        d = wd - w
        delta = float(g @ d) + lam * (float(np.sum(np.abs(wd))) - float(np.sum(np.abs(w))))
        t = 1.0
        for _ in range(60):  # Armijo on F along d (sufficient-decrease constant 0.01)
            w_t = w + t * d
            z_t = z + t * q
            loss_t, dz_t, hz_t = logistic_terms(z_t, y)
            F_t = loss_t + lam * float(np.sum(np.abs(w_t)))
            if F_t <= F + 0.01 * t * delta or delta >= 0:
                break
            t *= 0.5
        w, z, F, dz, hz = w_t, z_t, F_t, dz_t, hz_t
        g = X.T @ dz
        kkt = _kkt(g, w, lam, False)
        k += 1
        hist.append(F)
        if not math.isfinite(F):
            status = L1Status.NONFINITE
        elif notify(callback, iteration=k, x=w, fun=F, kkt=kkt):
            status = L1Status.CALLBACK
        elif kkt <= tol:
            status = L1Status.CONVERGED
    return L1Result(status=status, x=w, fun=F, gap=float("nan"), kkt=kkt, n_iter=k, n_updates=n_updates,
                    f_history=np.asarray(hist))


@capabilities(host_only="coordinate epochs are sequential loops over NumPy (Fortran-order) columns on the host; "
                        "the numba backend runs them as compiled twins")
def l1_coordinate_descent(problem: Any, *, tol: float = 1e-8, max_iter: int = 1000, x0: Any = None,
                          callback: Any = None) -> L1Result:
    r"""Solve a Lasso, non-negative Lasso or L1-logistic problem by proximal coordinate descent.

    See the module docstring for the method. Under the ``numba`` backend the coordinate epochs
    run as compiled twins (the fast path); the NumPy reference runs the same epochs in Python.

    Parameters
    ----------
    problem : LeastSquaresProblem or LogisticProblem
        From :func:`lasso_problem`, :func:`nonneg_l1_problem` or :func:`l1_logistic_problem`.
    tol : float, default 1e-8
        Lasso: duality gap of the sum-form objective (scikit-learn's mean form with ``alpha``
        has gap ``gap / m``); logistic: KKT violation.
    max_iter : int, default 1000
        Full epochs (Lasso) or proximal Newton steps (logistic).
    x0 : (n,) array, optional
        Start (default zeros).
    callback : callable, optional
        Called after each outer iteration with ``iteration``, ``x``, ``fun`` and ``gap`` (Lasso)
        or ``kkt`` (logistic).

    Returns
    -------
    L1Result

    Raises
    ------
    TypeError
        ``problem`` is not a Lasso / non-negative Lasso / L1-logistic problem.
    ValueError
        ``tol`` < 0, ``max_iter`` < 0, ``x0`` of the wrong shape or non-finite (negative for
        the non-negative problem).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import lasso_problem, l1_coordinate_descent
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((50, 20)); b = rng.standard_normal(50)
    >>> res = l1_coordinate_descent(lasso_problem(A, b, 5.0), tol=1e-10)
    >>> res.status.name, bool(res.gap <= 1e-10)
    ('CONVERGED', True)
    """
    ok = (isinstance(problem, LeastSquaresProblem) and problem.nonsmooth in ("l1", "nonneg_l1")) or (
        isinstance(problem, LogisticProblem) and problem.nonsmooth == "l1")
    if not ok:
        raise TypeError("problem must be a Lasso, non-negative Lasso or L1-logistic problem (from lasso_problem, "
                        f"nonneg_l1_problem or l1_logistic_problem); got {problem!r:.80}")
    tol = v.check_positive(tol, "tol", strict=False)
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**7, why="each iteration is a full epoch")
    check_callback(callback)
    if x0 is None:
        x = np.zeros(problem.n)
    else:
        from refimpl.backends import to_numpy

        x0 = v.check_array(x0, "x0", ndim=1, real=True)
        x = np.asarray(to_numpy(x0), dtype=np.float64).copy()
        if x.shape != (problem.n,):
            raise ValueError(f"x0 must have shape ({problem.n},) to match the problem; got shape {x.shape}")
        if problem.nonsmooth == "nonneg_l1" and np.any(x < 0):
            raise ValueError("x0 must be non-negative for a non-negative problem; got a negative entry")
    if isinstance(problem, LeastSquaresProblem):
        return _solve_lasso(problem, x, tol, max_iter, callback)
    return _solve_logistic(problem, x, tol, max_iter, callback)
