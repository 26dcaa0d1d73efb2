"""Reweighted least squares on a sample, and active linear regression by leverage-score sampling.

Paper
-----
Shimizu, Cheng, Musco, Weare, *Improved active learning via dependent leverage score sampling*,
ICLR 2024, arXiv:2310.04966. Setting (Sec. 1, [V]): A ∈ ℝ^{n×d} is known, the labels b are costly;
query b only at a sample S drawn with marginals p_i ∝ τ_i (capped, target size k) and solve

    x̃ = argmin_x Σ_{i∈S} (a_iᵀx - b_i)² / p_i,

which is unbiased for the full least-squares objective. Theorem 1.1 [V from the reviews]: any
scheme with these marginals that is one-sided ℓ∞-independent (pivotal sampling is, D_inf = 2)
gives ‖Ax̃ - b‖² <= (1 + ε) min ‖Ax - b‖² with k = O(d log d + d/ε) samples.

Differences from the authors' code [R, deliberate]: the authors solve the normal equations and
redraw the sample (up to 10 times) when they are singular; here the scaled rows are solved by an
SVD least-squares solver (LAPACK gelsd on NumPy, never the normal equations), a rank-deficient
sample returns the minimum-norm solution with status ``RANK_DEFICIENT``, and nothing is redrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import device

from refimpl import _validate as v
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, check_rng
from refimpl.backends.linalg import lstsq

from ._checks import check_scores, check_tall, to_host
from .leverage import _exact_scores
from .samplers import _capped, _check_coords, pivotal_core

__all__ = ["ActiveRegressionResult", "RegressionStatus", "active_regression", "reweighted_lstsq"]

_SAMPLERS = ("pivotal", "bernoulli", "iid")


class RegressionStatus(StatusEnum):
    """Outcome of :func:`active_regression`."""

    __failures__ = ("RANK_DEFICIENT",)
    COMPLETED = "completed: the reweighted least-squares problem on the sample has full column rank"
    RANK_DEFICIENT = (
        "rank-deficient: the sampled rows do not span the column space of A; the minimum-norm solution is "
        "returned (increase k, or use pivotal sampling, which spreads the sample)"
    )


@dataclass(frozen=True, kw_only=True)
class ActiveRegressionResult(Result):
    """Result of :func:`active_regression`.

    Attributes
    ----------
    status : RegressionStatus
    x : array, shape (d,)
        The reweighted least-squares fit (caller's array library).
    sample : integer array
        The queried row indices (sorted for pivotal/Bernoulli; draw order, with repeats, for iid).
    weights : array
        The row weights w_i (rows were multiplied by sqrt(w_i)): 1/p_i, or 1/(k q_i) for iid.
    p : array, shape (n,)
        The marginals (pivotal/Bernoulli) or draw probabilities q (iid).
    n_queries : int
        Number of distinct labels queried.
    rank : int
        Numerical rank of the scaled sampled rows.
    """

    x: Any
    sample: Any
    weights: Any
    p: Any
    n_queries: int
    rank: int


def _weighted_solve(As: Any, bs: Any, w: Any, xp: Any) -> tuple[Any, int]:
    sw = xp.sqrt(w)
    M = As * sw[:, None]
    x = lstsq(M, bs * sw)
    s = xp.linalg.svdvals(M) if M.shape[0] else None
    if s is None or float(xp.max(s)) == 0.0:
        return x, 0
    tol = max(M.shape) * float(xp.finfo(M.dtype).eps) * float(xp.max(s))
    return x, int(xp.sum(xp.astype(s > tol, xp.int64)))


@capabilities()
def reweighted_lstsq(A_S: Any, b_S: Any, p_S: Any) -> Any:
    """x̃ = argmin_x Σ_i (a_iᵀx - b_i)²/p_i over the sampled rows (rows scaled by 1/sqrt(p_i)).

    Solved by SVD least squares on the scaled rows (minimum-norm if they are rank-deficient),
    never the normal equations.

    Parameters
    ----------
    A_S : array-like, shape (k, d)
        The sampled rows of A.
    b_S : array-like, shape (k,)
        Their labels.
    p_S : array-like, shape (k,)
        Their inclusion probabilities (or k·q_i for i.i.d. draws), in (0, 1] ... or any positive
        value: only the ratios matter for the minimiser, but use the marginals for unbiasedness.

    Returns
    -------
    array, shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> np.round(reweighted_lstsq(A, A @ np.array([2.0, -1.0]), [0.5, 0.5, 1.0]), 12).tolist()
    [2.0, -1.0]
    """
    A_S = check_tall(A_S, "A_S")
    k = int(A_S.shape[0])
    b_S = v.check_array(b_S, "b_S", ndim=1, real=True)
    v.check_shape(b_S, "b_S", (k,))
    p_S = v.check_array(p_S, "p_S", ndim=1, real=True)
    v.check_shape(p_S, "p_S", (k,))
    if not bool(np.all(to_host(p_S) > 0)):
        raise ValueError("p_S must be positive (the probabilities of the sampled rows); got entries <= 0")
    bd = Boundary(A_S, b_S)
    xp = bd.xp
    x, _ = _weighted_solve(bd.asarray(A_S, name="A_S"), bd.asarray(b_S, name="b_S"),
                           1.0 / bd.asarray(p_S, name="p_S"), xp)
    return bd.out(x)


@capabilities(host=("cupy", "torch", "array_api_strict"),
              reason="uniforms are drawn on the host (SPEC 7), the spatial tree of coords= is built in NumPy, "
                     "and the label callback receives the sample in the caller's library")
def active_regression(
    A: Any,
    labels: Any,
    k: int,
    *,
    sampler: str = "pivotal",
    coords: Any = None,
    scores: Any = None,
    rng: Any = None,
    split: str = "pca",
    first_rotation: float = 45.0,
) -> ActiveRegressionResult:
    """Active linear regression (Shimizu et al.): query labels only at a leverage-score sample.

    1. scores s_i (default: exact leverage scores of A, thin QR);
    2. marginals p = capped k·s/Σs (:func:`~refimpl.sampling.inclusion_probabilities`);
    3. a sample S: binary-tree pivotal (``"pivotal"``, spatial tree on ``coords`` if given),
       independent Bernoulli (``"bernoulli"``), or k i.i.d. draws with q = s/Σs (``"iid"``);
    4. query b_S = labels(S) and solve the reweighted least squares with w_i = 1/p_i (1/(k q_i)
       for iid) by SVD least squares.

    Parameters
    ----------
    A : array-like, shape (n, d)
        The features (known in full), full column rank.
    labels : callable or array-like of shape (n,)
        ``labels(indices) -> values`` is called once with the sorted distinct sampled indices (in
        the caller's array library); an array is indexed (for experiments where b is known).
    k : int
        Target sample size, 1 <= k <= n (exact for pivotal, expected for Bernoulli, draws for iid).
    sampler : {"pivotal", "bernoulli", "iid"}
    coords : array-like, shape (n, D), optional
        Raw inputs for the spatial tree (pivotal only), e.g. the parameters behind the features.
    scores : array-like, shape (n,), optional
        Sampling scores instead of the leverage scores (e.g. uniform ones, for a baseline).
    rng : None, int or numpy.random.Generator
        SPEC 7, host draws: the same marginals give the same sample on every backend. (Leverage
        scores computed on two backends differ in round-off, which can move a unit across the
        cap p = 1; pass ``scores`` computed once for bit-identical samples.)
    split, first_rotation
        The spatial tree (see :func:`~refimpl.sampling.pivotal_tree`).

    Returns
    -------
    ActiveRegressionResult
        ``x``, ``sample``, ``weights``, ``p``, ``n_queries`` (distinct labels queried), ``rank``.

    Raises
    ------
    ValueError
        Bad A (NaN/inf, rank-deficient without ``scores``), k outside [1, n], labels of the wrong
        length or non-finite, coords with iid/bernoulli or of the wrong length, unknown sampler.
    TypeError
        labels neither callable nor array-like.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 200)
    >>> A = np.vander(x, 4)
    >>> res = active_regression(A, A @ np.array([1.0, 0.0, -2.0, 0.5]), 20, coords=x, rng=0)
    >>> res.n_queries, np.round(res.x, 10).tolist()
    (20, [1.0, 0.0, -2.0, 0.5])
    """
    sampler = v.check_choice(sampler, "sampler", _SAMPLERS)
    A = check_tall(A)
    n, d = int(A.shape[0]), int(A.shape[1])
    k = v.check_int(k, "k", 1)
    if k > n:
        raise ValueError(f"k must be at most n = {n} (the number of rows of A); got k = {k} (k larger than n)")
    # the tree options are checked whether or not coords is given (a typo must not pass silently)
    split = v.check_choice(split, "split", ("pca", "coordinate"))
    first_rotation = v.check_real(first_rotation, "first_rotation")
    if coords is not None:
        if sampler != "pivotal":
            raise ValueError(f"coords builds the spatial tree of pivotal sampling; sampler={sampler!r} does not use it")
        coords = _check_coords(coords, n)
    if scores is not None:
        scores = check_scores(scores)
        v.check_shape(scores, "scores", (n,))
    if callable(labels):
        label_array = None
    else:
        label_array = v.check_array(labels, "labels", ndim=1, real=True)
        v.check_shape(label_array, "labels", (n,))
    gen = check_rng(rng)
    bd = Boundary(A)
    xp = bd.xp
    Ab = bd.asarray(A, name="A")
    if scores is None:
        if n < d:
            raise ValueError(f"A must have at least as many rows as columns; got shape {(n, d)}")
        s = _exact_scores(Ab, xp, "qr", None, n, d)
    else:
        s = bd.asarray(scores, name="scores")
    s = xp.astype(s, xp.float64)
    if sampler == "iid":
        q = s / xp.sum(s)
        cdf = xp.cumulative_sum(q)
        u = bd.asarray(gen.random(k), dtype=xp.float64, name="u") * cdf[-1]
        idx = xp.searchsorted(cdf, u, side="right")
        sample = xp.minimum(idx, xp.asarray(n - 1, dtype=idx.dtype, device=device(idx)))
        w = 1.0 / (k * xp.take(q, sample))
        p = q
    else:
        n_pos = int(xp.sum(xp.astype(s > 0, xp.int64)))
        if k > n_pos:
            raise ValueError(f"k must be at most the number of positive scores ({n_pos}); got k = {k}")
        p = _capped(s, k, xp)
        if sampler == "pivotal":
            p_host = np.asarray(to_host(p), dtype=np.float64)
            host_coords = None if coords is None else np.asarray(to_host(coords), dtype=np.float64)
            sample = pivotal_core(p, p_host, k, host_coords, gen, bd, split, first_rotation)
        else:
            u = bd.asarray(gen.random(n), dtype=xp.float64, name="u")
            sample = xp.nonzero(u < p)[0]
        w = 1.0 / xp.take(p, sample)
    distinct = xp.unique_values(sample)
    if label_array is not None:
        b_distinct = xp.take(bd.asarray(label_array, name="labels"), distinct)
    else:
        got = labels(bd.out(distinct))
        got = v.check_array(got, "labels(indices)", ndim=1, real=True)
        v.check_shape(got, "labels(indices)", (int(distinct.shape[0]),))
        b_distinct = bd.asarray(got, name="labels(indices)")
    b_s = xp.take(b_distinct, xp.searchsorted(distinct, sample)) if sampler == "iid" else b_distinct
    if int(sample.shape[0]) == 0:
        x, rank = xp.zeros((d,), dtype=Ab.dtype, device=device(Ab)), 0
    else:
        x, rank = _weighted_solve(xp.take(Ab, sample, axis=0), xp.astype(b_s, Ab.dtype), xp.astype(w, Ab.dtype), xp)
    status = RegressionStatus.COMPLETED if rank == d else RegressionStatus.RANK_DEFICIENT
    return ActiveRegressionResult(status=status, x=bd.out(x), sample=bd.out(sample), weights=bd.out(w),
                                  p=bd.out(p), n_queries=int(distinct.shape[0]), rank=rank)
