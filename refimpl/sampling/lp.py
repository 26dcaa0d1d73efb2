"""ℓp subspace sampling: root-leverage and mixture scores, sensitivity sampling with the p_i^{-1/p}
reweighting, and ℓp regression (on the full data or on a sample).

Paper
-----
Woodruff, Yasuda, *Sharper bounds for ℓp sensitivity sampling*, ICML 2023, arXiv:2306.00732
[V at the level of the abstract: sensitivity sampling, Õ(𝔖^{2/p}/ε²) rows for 1 <= p < 2 and
Õ(𝔖^{2-2/p}/ε²) for p > 2; root-leverage sampling for p < 2; a mixture of leverage scores and
sensitivities for p > 2; the exact score formulas below are [R], see each function].

Sampling scheme (standard, [V] abstract level): keep row i independently with probability
π_i = min(1, β s_i) for scores s_i (upper bounds of the sensitivities up to a constant), and
rescale a kept row by π_i^{-1/p}. Then ‖SAx‖_p^p = Σ_{i∈S} |a_iᵀx|^p/π_i is an unbiased estimate of
‖Ax‖_p^p for every x, and is (1 ± ε)-accurate for all x at once with the sample sizes above. The
weight is π_i^{-1/p}, **not** π_i^{-1/2} (that is the p = 2 case only). Sensitivities are not ℓp
Lewis weights (they coincide for p = 2 only); nothing here computes Lewis weights.

ℓp regression: min_x Σ_i w_i |a_iᵀx - b_i|^p. p = 1 is the LP dual max{bᵀu : Aᵀu = 0, |u_i| <= w_i}
(HiGHS; x is read off the equality multipliers, and the primal cost is checked against the dual
one), p > 1 is a smooth convex problem solved by BFGS with the exact gradient, started from the
least-squares solution. Sketch-and-solve: solve it on the rescaled sampled rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import Status, notify
from refimpl._results import Result
from refimpl.backends import Boundary, capabilities, check_rng

from ._checks import check_scores, check_tall, to_host
from .leverage import _exact_scores
from .samplers import _capped
from .sensitivity import _scaled_host, _sensitivities

__all__ = [
    "LpRegressionResult",
    "LpSample",
    "lp_mixture_scores",
    "lp_regression",
    "root_leverage_scores",
    "sensitivity_sample",
]

#: Largest p accepted (|r|^p overflows for larger p on rescaled data long before this).
_P_MAX = 1e3


def _check_p(p: Any, low: float = 1.0, high: float = _P_MAX) -> float:
    return v.check_in_range(p, "p", low, high, low_inclusive=True, high_inclusive=True)


@capabilities()
def root_leverage_scores(A: Any, p: float) -> Any:
    """Root-leverage scores s_i = τ_i^{p/2} for ℓp sampling with 1 <= p <= 2 (Woodruff & Yasuda).

    τ_i are the exact ℓ2 leverage scores (thin QR). For p = 1 these are √τ_i; for p = 2 the
    leverage scores themselves. The paper [V abstract] shows that sampling with these scores and
    the π_i^{-1/p} reweighting gives an ℓp subspace embedding with roughly d rows (up to ε and log
    factors) for 1 <= p < 2. The exponent p/2 is our reading of "root leverage scores" [R] (the
    square root for p = 1). They are not row-wise upper bounds of the ℓp sensitivities; their total
    is Σ τ_i^{p/2} <= n^{1-p/2} d^{p/2} (Hölder).

    Parameters
    ----------
    A : array-like, shape (n, d)
        Full column rank.
    p : float
        1 <= p <= 2.

    Returns
    -------
    array, shape (n,)
        The scores (caller's array library, A's dtype).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> np.round(root_leverage_scores(A, 1.0) ** 2, 12).tolist()
    [1.0, 0.5, 0.5]
    """
    p = _check_p(p, 1.0, 2.0)
    A = check_tall(A)
    n, d = int(A.shape[0]), int(A.shape[1])
    if n < d:
        raise ValueError(f"A must have at least as many rows as columns (full column rank); got shape {(n, d)}")
    bd = Boundary(A)
    xp = bd.xp
    tau = _exact_scores(bd.asarray(A, name="A"), xp, "qr", None, n, d)
    tau = xp.where(tau > 0, tau, xp.zeros_like(tau))  # round-off can give -1e-17 on zero rows
    return bd.out(tau ** (p / 2.0))


@capabilities(host_only="the sensitivities are one SciPy convex solve per row on the host")
def lp_mixture_scores(A: Any, p: float, *, sensitivities: Any = None) -> Any:
    """Leverage + sensitivity mixture scores for ℓp sampling with p > 2 (Woodruff & Yasuda).

    s_i = ½ σ_i/𝔖_p + ½ τ_i/d, the even mixture of the sensitivity distribution σ/𝔖_p and the
    leverage distribution τ/d. The paper [V abstract] samples from a mixture of ℓ2 leverage
    scores and ℓp sensitivities for 2 < p < ∞ (about d^{2/p} 𝔖^{2-4/p} rows); the even weights
    are our choice [R] (any fixed mixture is within a factor 2 of max(σ_i/𝔖_p, τ_i/d), the form
    of the bound). Σ s_i = 1.

    Parameters
    ----------
    A : array-like, shape (n, d)
        Full column rank.
    p : float
        p >= 1 (the mixture is meant for p > 2; p <= 2 is allowed for comparisons).
    sensitivities : array-like, shape (n,), optional
        Precomputed σ (e.g. from :func:`~refimpl.sampling.lp_sensitivities`); computed (n convex
        solves) when omitted.

    Returns
    -------
    array, shape (n,)
        Non-negative scores summing to 1 (caller's array library, float64).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.vstack([np.eye(2), np.zeros((2, 2))])
    >>> lp_mixture_scores(A, 4.0).round(8).tolist()
    [0.5, 0.5, 0.0, 0.0]
    """
    p = _check_p(p)
    A = check_tall(A)
    n, d = int(A.shape[0]), int(A.shape[1])
    if n < d:
        raise ValueError(f"A must have at least as many rows as columns (full column rank); got shape {(n, d)}")
    if sensitivities is not None:
        sensitivities = check_scores(sensitivities, "sensitivities")
        v.check_shape(sensitivities, "sensitivities", (n,))
        sig = np.asarray(to_host(sensitivities), dtype=np.float64)
    else:
        v.check_size(n, "A rows", limit=20000, why="one convex solve per row for the sensitivities")
    H = _scaled_host(A)
    if np.linalg.matrix_rank(H) < d:
        raise ValueError(f"A must have full column rank {d} (scores are defined on range(A)); it is rank-deficient")
    if sensitivities is None:
        sig = _sensitivities(H, p)
    tau = np.asarray(_exact_scores(H, np, "qr", None, n, d), dtype=np.float64)
    s = 0.5 * sig / sig.sum() + 0.5 * np.maximum(tau, 0.0) / tau.sum()
    bd = Boundary(A)
    return bd.out(bd.asarray(s, name="scores"))


@dataclass(frozen=True, kw_only=True)
class LpSample(Result):
    """Result of :func:`sensitivity_sample`.

    Attributes
    ----------
    status : Status
        ``COMPLETED``.
    sample : integer array
        Sorted indices of the kept rows (caller's array library).
    prob : array, shape (n,)
        The inclusion probabilities π_i = min(1, β s_i), Σ π = k.
    row_scale : array
        π_i^{-1/p} for the kept rows: multiply row i of A (and b_i) by it.
    p : float
        The ℓp exponent of the reweighting.
    """

    status: Status
    sample: Any
    prob: Any
    row_scale: Any
    p: float


@capabilities()
def sensitivity_sample(scores: Any, k: int, *, p: float, rng: Any = None) -> LpSample:
    """ℓp sensitivity sampling: keep row i with probability π_i, rescale kept rows by π_i^{-1/p}.

    π = capped k·s/Σs (entries reaching 1 are kept for sure, Σ π = k: the expected sample size; see
    :func:`~refimpl.sampling.inclusion_probabilities`), one host uniform per row, row i kept when
    u_i < π_i (Bernoulli, as in the paper's sampling scheme). With the scale π_i^{-1/p},
    ``Σ_{i∈S} |π_i^{-1/p} a_iᵀx|^p`` is unbiased for ‖Ax‖_p^p. Scores: sensitivities
    (:func:`~refimpl.sampling.lp_sensitivities`), root-leverage scores (p < 2), the mixture
    (p > 2), or uniform ones for a baseline.

    Parameters
    ----------
    scores : array-like, shape (n,)
        Non-negative, not all zero.
    k : int
        Expected sample size, 1 <= k <= number of positive scores.
    p : float
        The ℓp exponent (>= 1) of the reweighting π^{-1/p}.
    rng : None, int or numpy.random.Generator
        SPEC 7 (host uniforms: the same sample on every backend).

    Returns
    -------
    LpSample

    Examples
    --------
    >>> S = sensitivity_sample([1.0, 1.0, 2.0, 0.0], 2, p=1.0, rng=0)
    >>> S.prob.tolist(), 2 in S.sample.tolist()
    ([0.5, 0.5, 1.0, 0.0], True)
    """
    scores = check_scores(scores)
    n = int(scores.shape[0])
    k = v.check_int(k, "k", 1)
    n_pos = int(np.count_nonzero(to_host(scores)))
    if k > n_pos:
        raise ValueError(f"k must be at most the number of positive scores ({n_pos} of n = {n}); got k = {k}"
                         + (" (k larger than n)" if k > n else ""))
    p = _check_p(p)
    gen = check_rng(rng)
    bd = Boundary(scores)
    xp = bd.xp
    s = bd.asarray(scores, dtype=xp.float64, name="scores")
    prob = _capped(s, k, xp)
    u = bd.asarray(gen.random(n), dtype=xp.float64, name="u")
    sample = xp.nonzero(u < prob)[0]
    scale = xp.take(prob, sample) ** (-1.0 / p)
    return LpSample(status=Status.COMPLETED, sample=bd.out(sample), prob=bd.out(prob), row_scale=bd.out(scale), p=p)


@dataclass(frozen=True, kw_only=True)
class LpRegressionResult(Result):
    """Result of :func:`lp_regression`.

    Attributes
    ----------
    status : Status
        ``CONVERGED`` (LP optimal, or BFGS gradient test met / no further decrease possible in
        floating point), ``MAX_ITER``, ``CALLBACK``, or ``NONFINITE`` (a non-finite iterate, or an
        optimal cost beyond the float64 range, e.g. residuals near 1e300 with p > 1).
    x : array, shape (d,)
        The minimiser (caller's array library).
    cost : float
        ``Σ_i w_i |a_iᵀx - b_i|^p`` at x.
    n_iter : int
        Simplex iterations (p = 1) or BFGS iterations (p > 1).
    n_fev : int
        Objective evaluations (0 for p = 1).
    """

    status: Status
    x: Any
    cost: float
    n_iter: int
    n_fev: int


def _lp1(A: np.ndarray, b: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, int, bool]:
    from scipy.optimize import linprog

    d = A.shape[1]
    res = linprog(-b, A_eq=A.T, b_eq=np.zeros(d), bounds=np.column_stack([-w, w]), method="highs-ds")
    if res.status != 0:
        return np.zeros(d), int(getattr(res, "nit", 0)), False
    return -np.asarray(res.eqlin.marginals, dtype=np.float64), int(res.nit), True


def _lp_cost(A: np.ndarray, b: np.ndarray, w: np.ndarray, x: np.ndarray, p: float) -> float:
    r = np.abs(A @ x - b)
    return float(np.sum(w * r**p))


def _lp_core(A: np.ndarray, b: np.ndarray, w: np.ndarray, p: float, gtol: float, max_iter: int,
             callback: Any) -> tuple[np.ndarray, Status, int, int]:
    """Host solve on scaled data (A, b divided by the same power of two: same minimiser)."""
    if p == 1.0:
        x, nit, ok = _lp1(A, b, w)
        if ok:
            notify(callback, iteration=1, x=x, cost=_lp_cost(A, b, w, x, p))
        return x, (Status.CONVERGED if ok else Status.MAX_ITER), nit, 0
    from scipy.optimize import minimize

    sw = np.sqrt(w)
    x0 = np.linalg.lstsq(A * sw[:, None], b * sw, rcond=None)[0]
    scale = _lp_cost(A, b, w, x0, p)
    if scale == 0.0:
        return x0, Status.CONVERGED, 0, 1
    if not math.isfinite(scale):
        return x0, Status.NONFINITE, 0, 1

    def f(x):
        r = A @ x - b
        ar = np.abs(r)
        g = A.T @ (w * p * ar ** (p - 1.0) * np.sign(r))
        return float(np.sum(w * ar**p)) / scale, g / scale

    state = {"k": 0, "stop": False}

    def cb(xk):
        state["k"] += 1
        if notify(callback, iteration=state["k"], x=xk, cost=_lp_cost(A, b, w, xk, p)):
            state["stop"] = True
            raise StopIteration

    try:
        res = minimize(f, x0, jac=True, method="BFGS", callback=cb if callback is not None else None,
                       options={"gtol": gtol, "maxiter": max_iter})
    except StopIteration:  # older SciPy: the callback's StopIteration propagates
        return x0, Status.CALLBACK, state["k"], 0
    if state["stop"] or getattr(res, "status", 0) == 99:
        return np.asarray(res.x), Status.CALLBACK, int(res.nit), int(res.nfev)
    if not np.all(np.isfinite(res.x)):
        return x0, Status.NONFINITE, int(res.nit), int(res.nfev)
    # status 2 (precision loss): the line search cannot decrease f further in floating point
    status = Status.MAX_ITER if res.status == 1 else Status.CONVERGED
    return np.asarray(res.x), status, int(res.nit), int(res.nfev)


@capabilities(host_only="SciPy linprog (HiGHS, p = 1) or BFGS (p > 1) on the host")
def lp_regression(A: Any, b: Any, p: float, *, weights: Any = None, gtol: float = 1e-10, max_iter: int = 2000,
                  callback: Any = None) -> LpRegressionResult:
    """ℓp regression ``min_x Σ_i w_i |a_iᵀx - b_i|^p`` (w = 1 by default), on the full data or a sample.

    * p = 1: the LP dual ``max{bᵀu : Aᵀu = 0, |u_i| <= w_i}`` (SciPy ``linprog``, HiGHS dual simplex:
      d equality rows and n bounded variables, cheaper than the primal with 2n inequality rows);
      x is the vector of equality multipliers (up to sign).
    * p > 1: BFGS on the convex, C¹ objective (exact gradient), started from the weighted
      least-squares solution and scaled by its cost; ``gtol`` is the gradient-norm test on the
      scaled objective.

    For sketch-and-solve after :func:`sensitivity_sample`, pass the rescaled sampled rows
    ``A[S] * row_scale[:, None]``, ``b[S] * row_scale`` (equivalently w_i = 1/π_i on the raw rows).
    A and b are divided by the same power of two near ``max(|A|, |b|)`` first (same minimiser; keeps
    ``|r|^p`` finite).

    Parameters
    ----------
    A : array-like, shape (n, d)
    b : array-like, shape (n,)
    p : float
        1 <= p <= 1000.
    weights : array-like, shape (n,), optional
        Non-negative row weights w_i.
    gtol : float
        Gradient-norm tolerance of BFGS (p > 1).
    max_iter : int
        BFGS iteration cap (p > 1).
    callback : callable, optional
        Called once per BFGS iteration (once at the LP optimum for p = 1) with an
        ``IterationState`` with fields ``iteration``, ``x``, ``cost`` (on the scaled data);
        returning True stops with status ``CALLBACK``.

    Returns
    -------
    LpRegressionResult
        ``x``, ``cost`` (on the caller's data), ``status``, ``n_iter``, ``n_fev``.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.ones((5, 1)); b = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    >>> float(lp_regression(A, b, 1.0).x[0])  # the median
    2.0
    >>> round(float(lp_regression(A, b, 2.0).x[0]), 6)  # the mean
    3.2
    """
    p = _check_p(p)
    A = check_tall(A)
    n, d = int(A.shape[0]), int(A.shape[1])
    b = v.check_array(b, "b", ndim=1, real=True)
    v.check_shape(b, "b", (n,))
    if weights is not None:
        weights = v.check_array(weights, "weights", ndim=1, real=True)
        v.check_shape(weights, "weights", (n,))
        w = np.asarray(to_host(weights), dtype=np.float64)
        if (w < 0).any():
            raise ValueError(f"weights must be non-negative; got {int((w < 0).sum())} negative entries")
    else:
        w = np.ones(n)
    gtol = v.check_positive(gtol, "gtol")
    max_iter = v.check_int(max_iter, "max_iter", 1)
    if callback is not None:
        v.check_callable(callback, "callback")
    bd = Boundary(A, b)
    H = np.asarray(to_host(A), dtype=np.float64)
    y = np.asarray(to_host(b), dtype=np.float64)
    amax = max(float(np.max(np.abs(H))), float(np.max(np.abs(y))) if n else 0.0)
    e = math.frexp(amax)[1] if amax > 0 else 0
    Hs, ys = H * math.ldexp(1.0, -e), y * math.ldexp(1.0, -e)
    if np.linalg.matrix_rank(Hs[w > 0]) < d if (w > 0).any() else True:
        raise ValueError(f"A (rows with positive weight) must have full column rank {d}: the ℓp regression "
                         "minimiser is not unique otherwise; it is rank-deficient")
    wmax = float(w.max())
    x, status, nit, nfev = _lp_core(Hs, ys, w / wmax, p, gtol, max_iter, callback)
    r = np.abs(H @ x - y)
    rmax = float(r.max()) if n else 0.0
    try:  # scaled: Σ w (r/rmax)^p · rmax^p (the powers of the raw residuals may overflow needlessly)
        cost = float(np.sum(w * (r / rmax) ** p)) * rmax**p if rmax > 0 else 0.0
    except OverflowError:
        cost = math.inf
    if not math.isfinite(cost):  # the optimal cost itself is not representable in float64
        status = Status.NONFINITE
    return LpRegressionResult(status=status, x=bd.out(bd.asarray(x, name="x")), cost=cost, n_iter=nit, n_fev=nfev)
