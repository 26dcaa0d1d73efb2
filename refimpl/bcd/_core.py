r"""Block coordinate descent: the driver, the context rules and updates see, and their registries.

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster*, JMLR 23(131),
2022 (arXiv:1712.08859): §2 (update rules and their progress bounds), §3 (greedy rules GS, GSL,
GSD, GSQ for fixed and variable blocks), §4 (Newton and Lipschitz-approximation updates). The
authors' public code (``IssamLaradji/BlockCoordinateDescent``) fixes the conventions.

Notation: :math:`g = \nabla f(x)`, blocks :math:`b \subset \{0..n-1\}` of size τ (``block_size``),
:math:`L_i` coordinate and :math:`L_b = \lambda_{\max}(H_b)` block Lipschitz constants,
:math:`H_b \succeq \nabla^2_{bb} f` a block curvature bound.

The design principle (§3): every greedy rule picks the block whose **guaranteed progress** under
the update rule is largest — gradient update :math:`\|g_b\|^2/(2L_b)` (GSL), a diagonal bound
:math:`\sum_{i\in b} g_i^2/(2 d_i)` (GSD), matrix update :math:`\frac12 g_b^\top H_b^{-1} g_b`
(GSQ); GS drops the curvature altogether.

The selection rules are in :mod:`refimpl.bcd.rules`, the update rules in
:mod:`refimpl.bcd.updates`; both register themselves here (``register_rule``,
``register_update``), as do the tree strategies (:mod:`refimpl.bcd.message_passing`) and the
active-set methods (:mod:`refimpl.bcd.active_set`).

Provenance: [R] the paper's full text was not available; rules, bounds, the line search and the
IHT approximation follow the authors' public code, re-derived and written anew here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, check_rng, leaf_kernel, to_numpy
from refimpl.bcd.partitions import Partition, _partition
from refimpl.bcd.problems import BCDProblem

__all__ = ["BCDResult", "BCDStatus", "minimize", "register_partition", "register_rule", "register_update"]

_HOST = ("the BCD loop is sequential (one small block per iteration, integer-indexed scatter) over "
         "problems whose data are NumPy/SciPy (possibly sparse) on the host")


class BCDStatus(StatusEnum):
    """Why :func:`minimize` stopped (the value is the message)."""

    __failures__ = ("MAX_ITER", "NONFINITE", "LINE_SEARCH_FAILED")
    CONVERGED = "converged: the optimality measure (max |minimum-norm subgradient|) fell to tol"
    MAX_ITER = "stopped: reached max_iter before the optimality measure fell to tol"
    COMPLETED = "completed: ran max_iter iterations (tol = 0: no stopping test, the paper's protocol)"
    NONFINITE = "stopped: the objective became NaN or infinite"
    CALLBACK = "stopped: the callback asked to stop"
    LINE_SEARCH_FAILED = "stopped: the Newton line search found no decrease in 50 trials"


@dataclass(frozen=True, kw_only=True)
class BCDResult(Result):
    """Result of :func:`minimize`.

    Attributes
    ----------
    status : BCDStatus
    x : (n,) array
        The last iterate (in the library of ``x0`` if given, else NumPy).
    fun : float
        :math:`F(x)`.
    f_history : (n_iter + 1,) ndarray
        :math:`F(x_k)`, :math:`F(x_0)` first.
    n_iter : int
        Block updates done.
    n_fev : int
        Objective evaluations the update rule needed (line-search and Lipschitz-approximation
        trials; the ``f_history`` values come from the maintained state and are not counted).
    n_grad : int
        Full gradients (greedy rules and the stopping test need one per iteration).
    n_block_grad : int
        Block gradients.
    n_hess : int
        Hessian blocks (Newton updates).
    n_factor : int
        Block factorisations (matrix/Newton solves, block eigenvalues, precomputed pseudo-inverses).
    blocks : list of ndarray or None
        The selected block of each iteration (``record_blocks=True``).
    active_set_iter : int or None
        For problems with a non-smooth part: the first iteration k after which the support
        :math:`\\{i: x_i \\ne 0\\}` of every later iterate equals the final support (None for
        smooth problems).
    info : dict
        Rule- and update-specific notes: ``"pinv_fallbacks"`` (matrix/Newton solves that fell
        back to the pseudo-inverse), ``"line_search_trials"``, ``"rule"``, ``"update"``, ...
    """

    x: Any
    fun: float
    f_history: np.ndarray
    n_iter: int
    n_fev: int
    n_grad: int
    n_block_grad: int
    n_hess: int
    n_factor: int
    blocks: list | None = None
    active_set_iter: int | None = None
    info: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# the context rules and updates see
# --------------------------------------------------------------------------------------------


class BCDContext:
    """Mutable iteration state shared by the selection and update rules (host NumPy)."""

    def __init__(self, problem: BCDProblem, x: np.ndarray, rng: np.random.Generator,
                 partition: Partition | None, block_size: int) -> None:
        self.problem = problem
        self.x = x
        self.state = problem.init_state(x)
        self.rng = rng
        self.partition = partition
        self.block_size = block_size
        self.L = problem.lipschitz()
        self.k = 0
        self.info: dict[str, Any] = {"pinv_fallbacks": 0}
        self.n_fev = self.n_grad = self.n_block_grad = self.n_hess = self.n_factor = 0
        self._g: np.ndarray | None = None
        self._f: float | None = None

    def grad(self) -> np.ndarray:
        """:math:`\\nabla f(x)` at the current iterate (cached until the next update)."""
        if self._g is None:
            self.n_grad += 1
            self._g = self.problem.gradient(self.x, self.state)
        return self._g

    def block_grad(self, b: np.ndarray) -> np.ndarray:
        """:math:`\\nabla_b f(x)`."""
        if self._g is not None:
            return self._g[b]
        self.n_block_grad += 1
        return self.problem.block_gradient(self.x, b, self.state)

    def value(self) -> float:
        """:math:`F(x)` (from the state; not counted)."""
        if self._f is None:
            self._f = self.problem.value(self.x, self.state)
        return self._f

    def smooth_value(self) -> float:
        return self.problem.smooth_value(self.x, self.state)

    def trial(self, b: np.ndarray, delta: np.ndarray, smooth: bool = False) -> tuple[float, Any]:
        """:math:`F(x + \\delta e_b)` (or f with ``smooth=True``) and its state, without moving (counted)."""
        self.n_fev += 1
        s = self.problem.update_state(self.state, b, delta)
        xt = self.x.copy()
        xt[b] += delta
        f = self.problem.smooth_value(xt, s) if smooth else self.problem.value(xt, s)
        return f, s

    def apply(self, b: np.ndarray, delta: np.ndarray, state: Any = None) -> None:
        """Move to :math:`x + \\delta e_b` (``state``: the trial state if already computed)."""
        self.state = state if state is not None else self.problem.update_state(self.state, b, delta)
        x = self.x.copy()
        x[b] += delta
        self.x = x
        self._g = None
        self._f = None

    def record_factor(self, k: int = 1) -> None:
        self.n_factor += int(k)


# --------------------------------------------------------------------------------------------
# leaf kernels
# --------------------------------------------------------------------------------------------


@leaf_kernel("bcd.top_scores")
def top_scores(score: np.ndarray, tau: int) -> np.ndarray:
    """Indices of the τ largest scores, ties broken by the smaller index; sorted ascending.

    A partial sort (``argpartition``, O(n)) plus a tie fix-up, so the chosen set is a function of
    the scores alone (the Numba twin returns the same set).
    """
    n = score.shape[0]
    if tau >= n:
        return np.arange(n, dtype=np.int64)
    part = np.argpartition(-score, tau - 1)[:tau]
    t = score[part].min()
    above = np.flatnonzero(score > t)
    ties = np.flatnonzero(score == t)[: tau - above.shape[0]]
    return np.sort(np.concatenate([above, ties])).astype(np.int64)


# --------------------------------------------------------------------------------------------
# registries (rules, updates, partitions); trees and active-set methods register themselves
# --------------------------------------------------------------------------------------------

_RULES: dict[tuple[str, str], Callable[..., Callable[[BCDContext], np.ndarray]]] = {}
_UPDATES: dict[str, Callable[..., Callable[[BCDContext, np.ndarray], None]]] = {}
_PARTITIONS: dict[str, Callable[..., Partition]] = {}


def register_rule(name: str, blocks: tuple[str, ...] = ("fixed", "variable")) -> Callable:
    """Register a selection rule: ``factory(problem, *, block_size, partition, norm, rng) -> select``,
    ``select(ctx) -> b`` (a sorted int64 array)."""
    def deco(factory: Callable) -> Callable:
        for kind in blocks:
            _RULES[(name, kind)] = factory
        return factory
    return deco


def register_update(name: str) -> Callable:
    """Register an update rule: ``factory(problem, *, block_size) -> step``, ``step(ctx, b)`` applies it."""
    def deco(factory: Callable) -> Callable:
        _UPDATES[name] = factory
        return factory
    return deco


def register_partition(name: str) -> Callable:
    """Register a fixed-block partition: ``factory(problem, block_size, rng) -> Partition``."""
    def deco(factory: Callable) -> Callable:
        _PARTITIONS[name] = factory
        return factory
    return deco


for _kind in ("sort", "order", "avg"):
    register_partition(_kind)(lambda problem, block_size, rng, _k=_kind: _partition(problem.lipschitz(), block_size, _k))


# --------------------------------------------------------------------------------------------
# what the greedy rules score
# --------------------------------------------------------------------------------------------


def _score_gradient(ctx: BCDContext) -> np.ndarray:
    """The gradient the greedy rules score: ∇f for smooth problems, else the minimum-norm
    subgradient of F (the "GS-s" rule of the proximal literature)."""
    g = ctx.grad()
    prob = ctx.problem
    if prob.nonsmooth is None:
        return g
    lam, x = prob.lam, ctx.x
    if prob.nonsmooth == "l1":
        soft = np.sign(g) * np.maximum(np.abs(g) - lam, 0.0)
        return np.where(x != 0, g + lam * np.sign(x), soft)
    gl = g + lam
    return np.where(x > 0, gl, np.minimum(gl, 0.0))


# --------------------------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------------------------

RULES = ("cyclic", "random", "lipschitz", "gs", "gsl", "gsd", "gsq")
UPDATES = ("gradient", "matrix", "newton", "lipschitz_approx")


def _optimality(ctx: BCDContext) -> float:
    return float(np.max(np.abs(_score_gradient(ctx))))


@capabilities(host_only=_HOST)
def minimize(problem: BCDProblem, *, rule: str = "gsl", blocks: str = "variable", block_size: int = 5,
             update: str = "gradient", partition: Any = "sort", max_iter: int = 500, tol: float = 0.0,
             rng: Any = None, norm: str = "l2", x0: Any = None, record_blocks: bool = False,
             callback: Any = None) -> BCDResult:
    r"""Block coordinate descent with the paper's selection and update rules.

    Iteration k: choose a block :math:`b_k` by ``rule`` (fixed blocks: one block of a partition;
    variable blocks: any τ = ``block_size`` coordinates), then update :math:`x_{b_k}` by
    ``update`` (Nutini, Laradji & Schmidt 2022, §2–§4).

    Selection rules (``rule``), their score per block and cost per iteration:

    ===========  =======================================  =============================================  ================
    rule         fixed blocks (score, ``norm="l2"``)      variable blocks (τ largest of)                 cost
    ===========  =======================================  =============================================  ================
    cyclic       blocks in turn                           a fresh random permutation, τ at a time        O(τ) + block ∇
    random       uniform block                            τ uniform coordinates, no replacement          O(τ) + block ∇
    lipschitz    :math:`P(b) \propto L_b`                 τ coordinates with :math:`P \propto L_i`       O(τ) + block ∇
    gs           :math:`\|g_b\|^2`                        :math:`|g_i|`                                  full ∇ + O(n)
    gsl          :math:`\|g_b\|^2 / L_b`                  :math:`|g_i|/\sqrt{D_{ii}}`, D row sums        full ∇ + O(n)
    gsd          :math:`\sum_{i\in b} g_i^2/(|b| L_i)`    :math:`|g_i|/\sqrt{L_i}`                       full ∇ + O(n)
    gsq          :math:`g_b^\top H_b^{-1} g_b`            IHT on :math:`g^\top d + \frac12 d^\top Hd`    full ∇ + 10 Hv
    ===========  =======================================  =============================================  ================

    ``norm="l1"`` selects the authors' code's fixed-block variants: GS :math:`\sum_{i\in b}|g_i|`,
    GSL :math:`\sum_{i\in b}|g_i|/\sqrt{L_b}`, GSD :math:`\sum_{i\in b}|g_i|/\sqrt{L_i}` (variable
    blocks are separable and unaffected). For a problem with a non-smooth part the greedy rules
    score the minimum-norm subgradient of F instead of g. Variable-block selection is a partial
    sort (O(n)), ties broken by the smaller index.

    Update rules (``update``): ``"gradient"`` :math:`x_b \leftarrow \mathrm{prox}(x_b - g_b/L_b)`
    (progress :math:`\|g_b\|^2/(2L_b)`); ``"matrix"`` :math:`x_b \leftarrow x_b - H_b^{-1} g_b`
    (Cholesky; the pseudo-inverse when :math:`H_b` is singular, counted in
    ``info["pinv_fallbacks"]``); ``"newton"`` the block Newton direction (same fallback)
    with an Armijo backtracking line search (constant 1e-10, α₀ = 1, quadratic then cubic
    interpolation); both for smooth problems only. ``"lipschitz_approx"`` the gradient update with adaptive per-coordinate
    estimates (start 1, doubled until the descent-lemma test holds, never decreased).

    Parameters
    ----------
    problem : BCDProblem
        From :func:`least_squares_problem`, :func:`logistic_problem`, :func:`softmax_problem`,
        :func:`quadratic_problem`, :func:`nonneg_l1_problem`, :func:`lasso_problem`,
        :func:`l1_logistic_problem`.
    rule : str, default "gsl"
    blocks : {"variable", "fixed"}, default "variable"
    block_size : int, default 5
        τ, 1 ≤ τ ≤ n.
    update : {"gradient", "matrix", "newton", "lipschitz_approx"}, default "gradient"
    partition : {"sort", "order", "avg"} or Partition, default "sort"
        Fixed blocks only. When n is not a multiple of τ the last block is smaller.
    max_iter : int, default 500
    tol : float, default 0
        Stop (``CONVERGED``) when :math:`\max_i |\partial_i^{\min} F(x)| \le` ``tol`` (the
        gradient's max-norm for smooth problems). ``tol > 0`` costs a full gradient per
        iteration for every rule; ``tol = 0`` runs ``max_iter`` iterations (status ``COMPLETED``).
    rng : int, Generator or None
        Randomness of the random, cyclic-VB and Lipschitz rules (host NumPy, SPEC 7).
    norm : {"l2", "l1"}, default "l2"
        The paper's progress-bound scores or the authors' code's ℓ1 variants (fixed blocks).
    x0 : (n,) array, optional
        Start (default zeros). Its array library decides the library of ``result.x``.
    record_blocks : bool, default False
        Keep the selected blocks in ``result.blocks``.
    callback : callable, optional
        ``callback(state)`` once per iteration with ``state.iteration``, ``state.x`` (NumPy),
        ``state.fun`` (:math:`F(x_k)`) and ``state.block`` (the block just updated); ``True``
        stops with status ``CALLBACK``.

    Returns
    -------
    BCDResult

    Raises
    ------
    ValueError
        Unknown rule/blocks/update/partition/norm; ``block_size`` outside [1, n]; ``max_iter``
        < 0; ``tol`` < 0; ``x0`` of the wrong shape, non-finite, or negative for a non-negative
        problem; ``update="matrix"`` or ``"newton"`` on a problem with a non-smooth part.
    TypeError
        ``problem`` is not a BCD problem; ``partition`` of the wrong type; ``callback`` not callable.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import least_squares_problem, minimize
    >>> rng = np.random.default_rng(0)
    >>> prob = least_squares_problem(rng.standard_normal((40, 20)), rng.standard_normal(40))
    >>> res = minimize(prob, rule="gsl", blocks="variable", block_size=5, max_iter=2000, tol=1e-10)
    >>> res.status.name, len(res.f_history) == res.n_iter + 1
    ('CONVERGED', True)
    >>> bool(np.allclose(res.x, np.linalg.lstsq(prob.A, prob.b, rcond=None)[0], atol=1e-8))
    True
    """
    v.check_instance(problem, "problem", BCDProblem, "a refimpl.bcd problem such as least_squares_problem(A, b)")
    blocks = v.check_choice(blocks, "blocks", ("variable", "fixed"))
    block_size = v.check_int(block_size, "block_size", low=1, high=problem.n)
    names = sorted({name for (name, kind) in _RULES if kind == blocks})
    if not isinstance(rule, str) or (rule, blocks) not in _RULES:
        raise ValueError(f"rule must be one of {', '.join(repr(s) for s in names)} for blocks={blocks!r}; got {rule!r}")
    if not isinstance(update, str) or update not in _UPDATES:
        raise ValueError(f"update must be one of {', '.join(repr(s) for s in sorted(_UPDATES))}; got {update!r}")
    norm = v.check_choice(norm, "norm", ("l2", "l1"))
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**8, why="one block update per iteration")
    tol = v.check_positive(tol, "tol", strict=False)
    if not isinstance(record_blocks, (bool, np.bool_)):
        raise TypeError(f"record_blocks must be True or False; got {type(record_blocks).__name__}")
    check_callback(callback)
    if update in ("matrix", "newton") and problem.nonsmooth is not None:
        raise ValueError(f"update={update!r} needs a smooth problem (the block prox in a non-diagonal metric is not "
                         f"separable); this problem has nonsmooth={problem.nonsmooth!r}: use 'gradient' or "
                         "'lipschitz_approx' (proximal coordinate updates)")
    part = None
    if isinstance(partition, Partition) or isinstance(partition, str):  # checked for both block kinds
        if isinstance(partition, str) and partition not in _PARTITIONS:
            raise ValueError(f"partition must be one of {', '.join(repr(s) for s in sorted(_PARTITIONS))} "
                             f"or a Partition; got {partition!r}")
    else:
        raise TypeError(f"partition must be a str or a Partition; got {type(partition).__name__}")
    if blocks == "fixed":
        if isinstance(partition, Partition):
            if partition.n != problem.n:
                raise ValueError(f"partition must cover the problem's {problem.n} coordinates; got a partition of {partition.n}")
            part = partition
        elif isinstance(partition, str):
            if partition not in _PARTITIONS:
                raise ValueError(f"partition must be one of {', '.join(repr(s) for s in sorted(_PARTITIONS))} "
                                 f"or a Partition; got {partition!r}")
        else:
            raise TypeError(f"partition must be a str or a Partition; got {type(partition).__name__}")
    gen = check_rng(rng)
    bd = Boundary(x0)
    if x0 is None:
        x = problem.x0.copy()
    else:
        x0 = v.check_array(x0, "x0", ndim=1, real=True)
        x = np.asarray(to_numpy(x0), dtype=np.float64).copy()
        if x.shape != (problem.n,):
            raise ValueError(f"x0 must have shape ({problem.n},) to match the problem; got shape {x.shape}")
        if problem.nonsmooth == "nonneg_l1" and np.any(x < 0):
            raise ValueError("x0 must be non-negative for a non-negative problem; got a negative entry")
    if blocks == "fixed" and part is None:
        part = _PARTITIONS[partition](problem, block_size, gen)

    select = _RULES[(rule, blocks)](problem, block_size=block_size, partition=part, norm=norm, rng=gen)
    step = _UPDATES[update](problem, block_size=block_size)
    ctx = BCDContext(problem, x, gen, part, block_size)
    f_hist = [ctx.value()]
    chosen: list[np.ndarray] | None = [] if record_blocks else None
    supports: list[int] = []  # iterations at which the support changed
    status = BCDStatus.COMPLETED if tol == 0 else BCDStatus.MAX_ITER
    prev_support = ctx.x != 0 if problem.nonsmooth is not None else None
    k = 0
    if not math.isfinite(f_hist[0]):
        status = BCDStatus.NONFINITE
    elif tol > 0 and _optimality(ctx) <= tol:
        status = BCDStatus.CONVERGED
    else:
        while k < max_iter:
            ctx.k = k
            b = select(ctx)
            step(ctx, b)
            k += 1
            f = ctx.value()
            f_hist.append(f)
            if chosen is not None:
                chosen.append(b)
            if prev_support is not None:
                sup = ctx.x != 0
                if not np.array_equal(sup, prev_support):
                    supports.append(k)
                    prev_support = sup
            if ctx.info.pop("line_search_failed", False):
                status = BCDStatus.LINE_SEARCH_FAILED
                break
            if not math.isfinite(f):
                status = BCDStatus.NONFINITE
                break
            if notify(callback, iteration=k, x=ctx.x, fun=f, block=b):
                status = BCDStatus.CALLBACK
                break
            if tol > 0 and _optimality(ctx) <= tol:
                status = BCDStatus.CONVERGED
                break
    info = dict(ctx.info)
    info.update(rule=rule, blocks=blocks, update=update, norm=norm,
                partition=(part.kind if part is not None else None))
    active_iter = None
    if problem.nonsmooth is not None:
        active_iter = supports[-1] if supports else 0
    return BCDResult(status=status, x=bd.out(bd.asarray(ctx.x)) if x0 is not None else ctx.x, fun=float(f_hist[-1]),
                     f_history=np.asarray(f_hist), n_iter=k, n_fev=ctx.n_fev, n_grad=ctx.n_grad,
                     n_block_grad=ctx.n_block_grad, n_hess=ctx.n_hess, n_factor=ctx.n_factor,
                     blocks=chosen, active_set_iter=active_iter, info=info)


# the built-in rules and updates register themselves on import (after the registries above exist)
from refimpl.bcd import rules as _rules  # noqa: E402,F401
from refimpl.bcd import updates as _updates  # noqa: E402,F401
