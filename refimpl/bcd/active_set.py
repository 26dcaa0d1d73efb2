r"""Active-set identification and superlinear convergence of greedy BCD on non-negative L1 least squares.

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster: Faster Greedy
Rules, Message-Passing, Active-Set Complexity, and Superlinear Convergence*, JMLR 23(131), 2022,
arXiv:1712.08859, Section 6 (proximal BCD, active-set complexity, superlinear convergence) and
Fig. 7 (Fig. 13 for random selection).

Problem
-------
.. math::

    \min_{x \ge 0}\; F(x) = \tfrac12\|Ax - b\|^2 + \lambda \sum_i x_i ,

so on the feasible set the objective is smooth, with gradient
:math:`g = A^\top(Ax - b) + \lambda\mathbf 1`, coordinate constants :math:`L_i = \|A_{:,i}\|^2` and
block Hessian :math:`H_{\mathcal b} = A_{\mathcal b}^\top A_{\mathcal b}`. At a solution
:math:`x^*` the **active set** is :math:`\{i : x^*_i = 0\}`; its complement, the support, is what
the method must identify.

GS-q selection (greedy proximal rule)
-------------------------------------
The proximal-gradient step of coordinate i with step :math:`1/L_i` is
:math:`d_i = \max(-x_i, -g_i/L_i)` and its model decrease
:math:`q_i = g_i d_i + \tfrac{L_i}{2} d_i^2 \le 0`. Variable blocks take the :math:`\tau`
coordinates of most negative :math:`q_i`; fixed blocks (a partition) take the block of most
negative :math:`\sum_{i\in\mathcal b} (g_i d_i + \tfrac{L_{\mathcal b}}{2} d_i^2)` with
:math:`d_i = \max(-x_i, -g_i/L_{\mathcal b})`, :math:`L_{\mathcal b} = \lambda_{\max}(H_{\mathcal b})`.
When fewer than :math:`\tau` coordinates have :math:`q_i < 0`, the remaining slots (which no
score tells apart) go to the **working set**, the current non-zeros (largest first), then to zeros
by index. Why: right after an exact block solve the solved non-zeros score about 0, so a plain
"τ most negative" block misses part of the support and the tail stays linear; with the fill, once
the active set is identified a block with τ ≥ (support + violators) contains the whole support,
and PN (or TMP) on it is an exact Newton step on the identified face: for this quadratic the
paper's superlinear phase becomes finite termination (claim AS-2). With τ below the support size
the tail is fast linear (about 0.7 per iteration at τ = 5 on the claims' instance), as a block
update of τ of the support's coordinates must be.
``selection="random"`` draws the block uniformly instead (the paper's Fig. 13 contrast).

Updates on the selected block
-----------------------------
``"pg"`` projected gradient
    :math:`x_{\mathcal b} \leftarrow \max(0, x_{\mathcal b} - g_{\mathcal b}/L_{\mathcal b})`.
``"tmp"`` two-metric projection
    the coordinates with :math:`x_i < 10^{-4}` and :math:`g_i > 0` (near the bound and pushed
    into it) take the scaled gradient direction :math:`-g_i/\sum_{\rm active} L_i`, the others the
    Newton direction :math:`-H_{WW}^{-1} g_W` on the working set W; the step
    :math:`x_{\mathcal b}(\alpha) = \max(0, x_{\mathcal b} + \alpha u)` is backtracked
    (:math:`\alpha = 1, \tfrac12, \dots`) until
    :math:`F(x(\alpha)) \le F(x) + \sigma\, g_{\mathcal b}^\top (x_{\mathcal b}(\alpha) - x_{\mathcal b})`,
    :math:`\sigma = 10^{-4}`.
``"pn"`` projected Newton
    the block's bound-constrained quadratic is solved exactly,
    :math:`\min_{y \ge 0} g_{\mathcal b}^\top (y - x_{\mathcal b}) + \tfrac12 (y - x_{\mathcal b})^\top H_{\mathcal b} (y - x_{\mathcal b})`,
    by a primal active-set method (Lawson-Hanson on the QP; finite). Since F is quadratic on the
    block, this is exact block minimisation.

F restricted to a block is exactly quadratic, so trial values in the TMP line search are computed
from the model :math:`F(x) + g_{\mathcal b}^\top\delta + \tfrac12\delta^\top H_{\mathcal b}\delta`
(no extra passes over A; recorded as function evaluations).

What is reported
----------------
``active_set_iter``: the first iteration k after which the support of every iterate equals the
support of the last iterate (the paper's star in Fig. 7); ``support_sizes`` per iteration;
``f_history``. After identification, GS-q with projected Newton (or TMP) blocks covering the
support converges superlinearly — with blocks at least as large as the support it terminates in a
few iterations — while projected gradient stays linear.

Provenance
----------
[V] the problem, the GS-q score for x ≥ 0, the TMP active-set threshold (1e-4) and direction
scaling, and the use of an exact block QP for PN follow the authors' public code
(``IssamLaradji/BlockCoordinateDescent``: selection ``gsq-nn``, updates ``Lb-NN``, ``TMP-NN``,
``qp-nn``); the claims of finite identification and superlinear convergence are the paper's
(abstract, Section 6). [R] the TMP line search (halving with an Armijo test along the projection
arc; the code uses its own line-search routine), the Lawson-Hanson QP solver (the code calls
cvxopt), the fixed-block GS-q score with :math:`L_{\mathcal b}`, the working-set fill of the
zero-score slots of a variable block (the paper's superlinear argument needs a block that holds
the support after identification; how the authors' code breaks those ties was not checked), and
the identification bookkeeping are ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, check_rng

from .partitions import _partition
from .problems import BCDProblem

__all__ = ["ActiveSetResult", "ActiveSetStatus", "active_set_bcd", "nonneg_qp"]

_HOST = "the selection loop and the small block QPs (Lawson-Hanson) run in NumPy on the host"
UPDATES = ("pn", "tmp", "pg")
SELECTIONS = ("gsq", "random")
#: TMP: a coordinate with x_i below this and g_i > 0 is treated as active (authors' code)
TMP_ACTIVE_TOL = 1e-4
#: Armijo constant and backtracking cap of the TMP line search
ARMIJO = 1e-4
MAX_BACKTRACKS = 60


class ActiveSetStatus(StatusEnum):
    """Why :func:`active_set_bcd` stopped (the value is the message)."""

    __failures__ = ("MAX_ITER", "NONFINITE", "LINE_SEARCH_FAILED")
    CONVERGED = "converged: the projected-gradient optimality measure max|min(x, g)| is at or below gtol"
    MAX_ITER = "stopped: reached max_iter before max|min(x, g)| fell to gtol"
    NONFINITE = "stopped: the iterate or objective became NaN or infinite"
    CALLBACK = "stopped: the callback asked to stop"
    LINE_SEARCH_FAILED = "stopped: the two-metric projection line search found no decrease"


@dataclass(frozen=True, kw_only=True)
class ActiveSetResult(Result):
    """Result of :func:`active_set_bcd`.

    Attributes
    ----------
    status : ActiveSetStatus
    x : (n,) float64 NumPy array
        The last iterate (x ≥ 0).
    fun : float
        :math:`F(x)`.
    f_history : (n_iter + 1,) float array
        :math:`F(x_k)`, :math:`F(x_0)` first.
    support_sizes : (n_iter + 1,) int array
        :math:`|\\{i : x_{k,i} > 0\\}|`.
    active_set_iter : int
        First k with :math:`\\mathrm{supp}(x_j) = \\mathrm{supp}(x_{\\rm last})` for every j ≥ k.
    optimality : float
        :math:`\\max_i |\\min(x_i, g_i)|` at the last iterate (0 exactly at a solution).
    n_iter, n_fev, n_grad, n_factor : int
        Iterations; function values (TMP line-search trials); full gradients; block Hessian
        factorisations / QP solves.
    update, selection : str
        What ran.
    """

    x: Any
    fun: float
    f_history: np.ndarray
    support_sizes: np.ndarray
    active_set_iter: int
    optimality: float
    n_iter: int
    n_fev: int
    n_grad: int
    n_factor: int
    update: str
    selection: str


# --------------------------------------------------------------------------------------------
# the block QP
# --------------------------------------------------------------------------------------------


def _nnqp(H: np.ndarray, c: np.ndarray, y0: np.ndarray | None = None, tol: float = 1e-12) -> np.ndarray:
    """argmin_{y >= 0} ½ yᵀHy + cᵀy for symmetric PSD H (Lawson-Hanson active-set method on the QP).

    The free set P holds the positive coordinates of the feasible iterate y (warm start: ``y0``).
    Inner loop: the equality-constrained minimiser z on P is taken when it is positive; otherwise
    y moves towards z up to the first bound, and the coordinates that hit it leave P. Outer loop:
    the coordinate with the most negative gradient enters P, until no gradient entry off P is
    negative (the KKT conditions). Singular H_PP: a least-squares solution (a minimiser on the face).
    """
    m = c.shape[0]
    y = np.zeros(m) if y0 is None else np.maximum(np.asarray(y0, dtype=np.float64), 0.0)
    free = y > 0
    scale = max(float(np.max(np.abs(c))) if m else 0.0, float(np.max(np.abs(H))) if H.size else 0.0, 1e-300)
    enter = not free.any()
    for _ in range(3 * m + 10):
        if enter:
            w = -(H @ y + c)  # minus the gradient
            w[free] = -np.inf
            j = int(np.argmax(w))
            if not w[j] > tol * scale:
                break
            free[j] = True
        enter = True
        for _inner in range(3 * m + 10):
            P = np.flatnonzero(free)
            z = np.zeros(m)
            HP = H[np.ix_(P, P)]
            try:
                z[P] = scipy.linalg.solve(HP, -c[P], assume_a="sym")
            except (np.linalg.LinAlgError, scipy.linalg.LinAlgError, ValueError):
                z[P] = np.linalg.lstsq(HP, -c[P], rcond=None)[0]
            if np.all(z[P] > 0):
                y = z
                break
            neg = P[z[P] <= 0]
            alpha = float(np.min(y[neg] / np.maximum(y[neg] - z[neg], 1e-300)))
            y = y + alpha * (z - y)
            free &= y > tol * max(1.0, float(np.max(y)))
            y[~free] = 0.0
            if not free.any():
                break
    return np.maximum(y, 0.0)


@capabilities(host_only=_HOST)
def nonneg_qp(H: Any, c: Any) -> Any:
    r"""Solve :math:`\min_{y \ge 0} \tfrac12 y^\top H y + c^\top y` exactly (the projected-Newton block problem).

    A primal active-set method (Lawson-Hanson on the quadratic): finite for symmetric positive
    (semi)definite H.

    Parameters
    ----------
    H : (m, m) array_like
        Symmetric positive semidefinite.
    c : (m,) array_like

    Returns
    -------
    (m,) array
        The minimiser, in the caller's array library.

    Raises
    ------
    ValueError
        H not square, not symmetric or not positive semidefinite (an eigenvalue below
        ``-1e-10·max|H|``); c of the wrong length; non-finite entries.

    Examples
    --------
    >>> import numpy as np
    >>> nonneg_qp(np.eye(2), [-1.0, 2.0]).tolist()
    [1.0, 0.0]
    """
    H = v.check_array(H, "H", ndim=2, real=True)
    c = v.check_array(c, "c", ndim=1, real=True)
    bd = Boundary(H, c)
    from refimpl.backends import to_numpy

    Hh = np.asarray(to_numpy(H), dtype=np.float64)
    ch = np.asarray(to_numpy(c), dtype=np.float64)
    m = ch.shape[0]
    if Hh.shape != (m, m):
        raise ValueError(f"H must have shape ({m}, {m}) to match c; got shape {Hh.shape}")
    scale = max(float(np.max(np.abs(Hh))), np.finfo(float).tiny)
    if float(np.max(np.abs(Hh - Hh.T))) > 1e-12 * scale:
        raise ValueError(f"H must be symmetric; got max |H_ij - H_ji| = {float(np.max(np.abs(Hh - Hh.T))):.3g}")
    lo = float(np.linalg.eigvalsh(Hh)[0])
    if lo < -1e-10 * scale:
        raise ValueError(f"H must be positive semidefinite; got smallest eigenvalue {lo:.3g}")
    y = _nnqp(0.5 * (Hh + Hh.T), ch)
    return bd.out(bd.backend.asarray(y, dtype=bd.xp.float64))


# --------------------------------------------------------------------------------------------
# selection and updates (shared with refimpl.bcd.minimize's plug-ins)
# --------------------------------------------------------------------------------------------


def gsq_scores(x: np.ndarray, g: np.ndarray, L: np.ndarray) -> np.ndarray:
    """q_i = g_i d_i + (L_i/2) d_i², d_i = max(-x_i, -g_i/L_i): the GS-q model decrease (≤ 0)."""
    d = np.maximum(-x, -g / L)
    return g * d + 0.5 * L * d * d


def gsq_variable_block(x: np.ndarray, g: np.ndarray, L: np.ndarray, tau: int) -> np.ndarray:
    """The τ coordinates of most negative GS-q score, sorted; zero-score slots go to the working set.

    Coordinates with :math:`q_i < 0` (predicted progress) come first, most negative first. When
    fewer than τ have :math:`q_i < 0`, the remaining slots (which no score distinguishes) are
    filled with the **working set** — the current non-zeros :math:`x_i > 0`, largest first — and
    only then with zeros by smaller index. After an exact block solve the solved non-zeros score
    (about) 0, so without this fill the next block misses part of the support and the tail stays
    linear; with it, a block of τ ≥ (support + violators) contains the whole support once the
    active set is identified, and a Newton-type update (PN, TMP) on it is exact for this quadratic.
    """
    s = gsq_scores(x, g, L)
    n = s.size
    if tau >= n:
        return np.arange(n, dtype=np.int64)
    neg = np.flatnonzero(s < 0)
    if neg.size >= tau:
        return top_scores(-s, tau)  # ties: smaller index
    rest = np.where(s < 0, -np.inf, np.where(x > 0, x, 0.0))  # working set by size, then zeros
    fill = top_scores(rest, tau - neg.size)
    return np.sort(np.concatenate([neg, fill])).astype(np.int64)


def gsq_fixed_block(x: np.ndarray, g: np.ndarray, blocks: tuple, Lb: np.ndarray) -> int:
    """Index of the partition block with the most negative GS-q model decrease at step 1/L_b."""
    best, best_k = math.inf, 0
    for k, blk in enumerate(blocks):
        d = np.maximum(-x[blk], -g[blk] / Lb[k])
        s = float(g[blk] @ d + 0.5 * Lb[k] * (d @ d))
        if s < best:
            best, best_k = s, k
    return best_k


def pg_step(xb: np.ndarray, gb: np.ndarray, Lb: float) -> np.ndarray:
    """Projected gradient: δ = max(0, x_b − g_b/L_b) − x_b."""
    return np.maximum(xb - gb / Lb, 0.0) - xb


def pn_step(xb: np.ndarray, gb: np.ndarray, H: np.ndarray) -> np.ndarray:
    """Projected Newton: exact minimiser of the block's bound-constrained quadratic, as δ."""
    y = _nnqp(H, gb - H @ xb, y0=xb)
    return y - xb


def tmp_step(xb: np.ndarray, gb: np.ndarray, H: np.ndarray, Li: np.ndarray) -> tuple[np.ndarray, int, bool]:
    """Two-metric projection step as (δ, trials, ok); trial values from the exact block quadratic."""
    active = (xb < TMP_ACTIVE_TOL) & (gb > 0)
    work = ~active
    u = np.zeros_like(xb)
    if active.any():
        u[active] = -gb[active] / float(np.sum(Li[active]))
    if work.any():
        W = np.flatnonzero(work)
        HW = H[np.ix_(W, W)]
        try:
            u[W] = -scipy.linalg.solve(HW, gb[W], assume_a="sym")
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError, ValueError):
            u[W] = -np.linalg.lstsq(HW, gb[W], rcond=None)[0]
    alpha = 1.0
    for t in range(1, MAX_BACKTRACKS + 1):
        delta = np.maximum(xb + alpha * u, 0.0) - xb
        lin = float(gb @ delta)
        change = lin + 0.5 * float(delta @ (H @ delta))
        if change <= ARMIJO * lin and lin < 0:
            return delta, t, True
        if not np.any(delta):
            return delta, t, lin == 0
        alpha *= 0.5
    return np.zeros_like(xb), MAX_BACKTRACKS, False


# --------------------------------------------------------------------------------------------
# the method
# --------------------------------------------------------------------------------------------


def _check_problem(problem: Any) -> BCDProblem:
    v.check_instance(problem, "problem", BCDProblem,
                     "a non-negative L1 least-squares problem: refimpl.bcd.nonneg_l1_problem(A, b, lam)")
    if getattr(problem, "nonsmooth", None) != "nonneg_l1" or not hasattr(problem, "A"):
        raise ValueError(f"problem must be a non-negative L1 least-squares problem (nonneg_l1_problem(A, b, lam)); "
                         f"got {problem!r:.80}")
    return problem


@capabilities(host_only=_HOST)
def active_set_bcd(
    problem: Any,
    *,
    update: str = "pn",
    selection: str = "gsq",
    blocks: str = "variable",
    block_size: int = 5,
    partition: str = "sort",
    max_iter: int = 500,
    gtol: float = 0.0,
    rng: Any = None,
    callback: Any = None,
) -> ActiveSetResult:
    r"""Greedy (GS-q) proximal BCD on :math:`\tfrac12\|Ax-b\|^2 + \lambda\sum x_i`, :math:`x \ge 0` (Fig. 7).

    See the module docstring for the selection rule, the three updates and what is reported.

    Parameters
    ----------
    problem : BCDProblem
        From :func:`refimpl.bcd.nonneg_l1_problem`; :math:`x_0 = 0`.
    update : {"pn", "tmp", "pg"}
        Projected Newton (exact block QP), two-metric projection, projected gradient.
    selection : {"gsq", "random"}
        GS-q greedy proximal rule, or a uniformly random block (``rng``).
    blocks : {"variable", "fixed"}
        Any ``block_size`` coordinates, or the blocks of a fixed ``partition``.
    block_size : int, default 5
        :math:`\tau`, ``1 ≤ block_size ≤ n``.
    partition : {"sort", "order", "avg"}
        Fixed blocks (see :func:`refimpl.bcd.make_partition`; a ragged last block when n is not
        a multiple of ``block_size``).
    max_iter : int, default 500
    gtol : float, default 0
        Stop when :math:`\max_i|\min(x_i, g_i)| \le` ``gtol``.
    rng : int, numpy.random.Generator or None
        Draws of ``selection="random"``.
    callback : callable, optional
        Called once per iteration with ``iteration``, ``x``, ``fun``, ``block``,
        ``support_size``; returning True stops with status ``CALLBACK``.

    Returns
    -------
    ActiveSetResult
        ``x``, ``f_history``, ``active_set_iter``, ``support_sizes``, ``optimality``, counts.

    Raises
    ------
    TypeError, ValueError
        ``problem`` not a non-negative L1 problem; unknown ``update``/``selection``/``blocks``/
        ``partition``; ``block_size`` outside [1, n]; negative ``gtol``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import nonneg_l1_problem
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((40, 12)); b = A @ np.maximum(rng.standard_normal(12), 0)
    >>> res = active_set_bcd(nonneg_l1_problem(A, b, 1.0), update="pn", block_size=12, max_iter=20, gtol=1e-9)
    >>> res.status.name, res.optimality < 1e-8
    ('CONVERGED', True)
    """
    problem = _check_problem(problem)
    n = int(problem.n)
    for name, val, choices in (("update", update, UPDATES), ("selection", selection, SELECTIONS),
                               ("blocks", blocks, ("variable", "fixed")),
                               ("partition", partition, ("sort", "order", "avg"))):
        if not isinstance(val, str):
            raise TypeError(f"{name} must be one of {', '.join(map(repr, choices))}; got {type(val).__name__} {val!r:.40}")
        v.check_choice(val, name, choices)
    block_size = v.check_int(block_size, "block_size", low=1, high=n)
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**7, why="each iteration costs a full gradient")
    gtol = v.check_positive(gtol, "gtol", strict=False)
    check_callback(callback)
    gen = check_rng(rng)
    part = _partition(problem.lipschitz(), block_size, partition).blocks if blocks == "fixed" else None
    return _active_set_core(problem, update=update, selection=selection, part=part, tau=block_size,
                            max_iter=max_iter, gtol=gtol, gen=gen, callback=callback)


def _active_set_core(problem: BCDProblem, *, update: str, selection: str, part: tuple | None, tau: int,
                     max_iter: int, gtol: float, gen: np.random.Generator, callback: Any) -> ActiveSetResult:
    n = int(problem.n)
    lam = float(problem.lam)
    L = problem.lipschitz()
    Lb_fixed = np.array([problem.block_lipschitz(blk) for blk in part]) if part is not None else None
    x = np.zeros(n)
    s = problem.init_state(x)
    f = problem.value(x, s)
    fs, supp = [f], [0]
    last_change = 0
    n_fev, n_grad, n_factor = 1, 0, 0
    status = ActiveSetStatus.MAX_ITER
    k = 0
    while True:
        g = problem.gradient(x, s) + lam  # gradient of the smooth part on x >= 0 (λΣx is linear there)
        n_grad += 1
        opt = float(np.max(np.abs(np.minimum(x, g))))
        if not (math.isfinite(f) and math.isfinite(opt)):
            status = ActiveSetStatus.NONFINITE
            break
        if opt <= gtol:
            status = ActiveSetStatus.CONVERGED
            break
        if k == max_iter:
            break
        if part is not None:  # fixed blocks
            j = int(gen.integers(len(part))) if selection == "random" else gsq_fixed_block(x, g, part, Lb_fixed)
            blk, Lb = part[j], float(Lb_fixed[j])
        else:
            if selection == "random":
                blk = np.sort(gen.choice(n, size=tau, replace=False)).astype(np.int64)
            else:
                blk = gsq_variable_block(x, g, L, tau)
            Lb = None
        xb, gb = x[blk], g[blk]
        if update == "pg":
            if Lb is None:
                Lb = problem.block_lipschitz(blk)
            delta = pg_step(xb, gb, Lb)
        else:
            H = problem.block_bound(blk)
            n_factor += 1
            if update == "pn":
                delta = pn_step(xb, gb, H)
            else:
                delta, trials, ok = tmp_step(xb, gb, H, L[blk])
                n_fev += trials
                if not ok:
                    status = ActiveSetStatus.LINE_SEARCH_FAILED
                    break
        # F on the block is exactly quadratic: F(x + δ) = F(x) + g_bᵀδ + ½δᵀH_bδ (recomputed below)
        xnew_b = np.maximum(xb + delta, 0.0)  # exact projection guards round-off below zero
        delta = xnew_b - xb
        before = np.count_nonzero(xb > 0)
        s = problem.update_state(s, blk, delta)
        x = x.copy()
        x[blk] = xnew_b
        f = problem.value(x, s)
        n_fev += 1
        k += 1
        fs.append(f)
        if np.any((xb > 0) != (xnew_b > 0)):
            last_change = k
        supp.append(supp[-1] - before + int(np.count_nonzero(xnew_b > 0)))
        if notify(callback, iteration=k, x=x, fun=f, block=blk, support_size=supp[-1]):
            status = ActiveSetStatus.CALLBACK
            g = problem.gradient(x, s) + lam
            n_grad += 1
            opt = float(np.max(np.abs(np.minimum(x, g))))
            break
    return ActiveSetResult(status=status, x=x, fun=float(f), f_history=np.asarray(fs, dtype=float),
                           support_sizes=np.asarray(supp, dtype=np.int64), active_set_iter=int(last_change),
                           optimality=opt, n_iter=k, n_fev=n_fev, n_grad=n_grad, n_factor=n_factor,
                           update=update, selection=selection)


# --------------------------------------------------------------------------------------------
# plug-ins for refimpl.bcd.minimize: rule "gs_q" (fixed and variable), updates "pg", "tmp", "pn"
# --------------------------------------------------------------------------------------------

from ._core import register_rule, register_update, top_scores  # noqa: E402


def _need_nonneg(problem: Any, what: str) -> float:
    if getattr(problem, "nonsmooth", None) != "nonneg_l1":
        raise ValueError(f"{what} needs a non-negative L1 problem (refimpl.bcd.nonneg_l1_problem); got {problem!r:.80}")
    return float(problem.lam)


@register_rule("gs_q", blocks=("fixed", "variable"))
def _gsq_rule(problem: Any, *, block_size: int, partition: Any, norm: str, rng: Any) -> Any:
    lam = _need_nonneg(problem, "rule='gs_q'")
    L = problem.lipschitz()
    if partition is not None:
        blocks = partition.blocks
        Lb = np.array([problem.block_lipschitz(blk) for blk in blocks])
        return lambda ctx: blocks[gsq_fixed_block(ctx.x, ctx.grad() + lam, blocks, Lb)]
    return lambda ctx: gsq_variable_block(ctx.x, ctx.grad() + lam, L, block_size)


@register_update("pg")
def _pg_update(problem: Any, *, block_size: int) -> Any:
    lam = _need_nonneg(problem, "update='pg'")

    def step(ctx: Any, b: np.ndarray) -> None:
        xb = ctx.x[b]
        ctx.apply(b, np.maximum(xb + pg_step(xb, ctx.block_grad(b) + lam, problem.block_lipschitz(b)), 0.0) - xb)
        ctx.record_factor()
    return step


@register_update("pn")
def _pn_update(problem: Any, *, block_size: int) -> Any:
    lam = _need_nonneg(problem, "update='pn'")

    def step(ctx: Any, b: np.ndarray) -> None:
        xb = ctx.x[b]
        H = problem.block_bound(b)
        ctx.record_factor()
        ctx.apply(b, np.maximum(xb + pn_step(xb, ctx.block_grad(b) + lam, H), 0.0) - xb)
    return step


@register_update("tmp")
def _tmp_update(problem: Any, *, block_size: int) -> Any:
    lam = _need_nonneg(problem, "update='tmp'")
    L = problem.lipschitz()

    def step(ctx: Any, b: np.ndarray) -> None:
        xb = ctx.x[b]
        H = problem.block_bound(b)
        ctx.record_factor()
        delta, trials, ok = tmp_step(xb, ctx.block_grad(b) + lam, H, L[b])
        ctx.n_fev += trials
        if not ok:
            ctx.info["line_search_failed"] = True
            return
        ctx.apply(b, np.maximum(xb + delta, 0.0) - xb)
    return step
