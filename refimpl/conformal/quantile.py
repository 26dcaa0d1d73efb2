"""Split-conformal quantiles: the order statistic of split CP and the weighted quantile of nexCP.

Papers
------
* Split conformal prediction, as restated in Farinhas, Zerva, Ulmer, Martins, *Non-Exchangeable
  Conformal Risk Control*, ICLR 2024, arXiv:2310.01262, eqs. (1)-(2).
* Barber, Candès, Ramdas, Tibshirani, *Conformal prediction beyond exchangeability*,
  Ann. Statist. 51(2), 2023, arXiv:2202.13415 (the weighted quantile, restated as eqs. (3)-(4)
  of Farinhas et al.).

What it implements
------------------
:func:`conformal_quantile` returns the split-CP threshold q̂ (unit weights) or the nexCP
threshold (raw weights ``w_i`` in [0, 1], the test point carrying weight 1 and mass at +∞).

Notation
--------
======================  ====================================================================
``s_i``                 calibration score, i = 1..n (``scores``)
``alpha``               miscoverage level, 0 < alpha < 1
``k``                   rank ⌈(n+1)(1-alpha)⌉ of the split-CP order statistic
``w_i``                 raw weight of calibration point i, 0 <= w_i <= 1; the test point has 1
``N_w``                 Σ_i w_i (= n for unit weights)
``w~_i``                w_i / (N_w + 1), the normalised weights; w~_{n+1} = 1/(N_w + 1)
``T(q)``                Σ_{i: s_i > q} w_i, the calibration mass strictly above q
======================  ====================================================================

One criterion, two forms. For unit weights q̂ = s_(k), the k-th smallest score, and q̂ = +∞
when k > n. For weights q̂ = inf{q : Σ_{s_i <= q} w~_i >= 1 - alpha} (Farinhas et al. eq. (4)).
Both are computed here in the *tail form* that conformal risk control uses with the miscoverage
loss 1{s > q} (Angelopoulos et al. §2.3; Farinhas et al. eq. (10)):

    q̂ = min{ q in {s_1..s_n} : (T(q) + 1) / (N_w + 1) <= alpha },   +∞ if no score qualifies.

Sharing the arithmetic with :func:`refimpl.conformal.crc_lambda_hat` makes the identities
"CRC with miscoverage loss = split-CP order statistic" and "non-X CRC with miscoverage loss =
weighted quantile" hold exactly whenever the weight sums are exact in floating point (unit or
dyadic weights); for general weights they can differ only when a bound ties alpha to within
rounding.

Provenance
----------
[V] The order statistic and the weighted quantile are checked against the papers' definitions
(Farinhas et al. eqs. (1)-(4)), against brute force (tests/conformal/_oracles.py) and against
MAPIE and crepes (claims C-7, C-8). [R] The exact-rational rank rule of
:func:`order_statistic_rank` and the decimal conversion of :func:`alpha_from_confidence` are ours
(the papers work in exact arithmetic); see the floating-point note of the docs,
:ref:`floating-point note <conformal-floating-point>`.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_extra as xpx
from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, leaf_kernel

from ._checks import check_alpha, check_weights

__all__ = ["alpha_from_confidence", "conformal_quantile", "order_statistic_rank", "weighted_quantile_scan"]


@leaf_kernel("conformal.kth_smallest")
def kth_smallest(s: Any, k: int) -> float:
    """The k-th smallest entry (1-based) of a 1-D backend array, as a Python float.

    Reference kernel (array API): ``array_api_extra.partition``. The dask twin
    (``backends/dask/conformal.py``) is an exact distributed selection over the chunks.
    """
    xp = array_namespace(s)
    return float(xpx.partition(s, k - 1, xp=xp)[k - 1])


@capabilities(dask="native: integer arithmetic on the host")
def order_statistic_rank(n: int, alpha: float) -> int:
    """Rank k = ⌈(n+1)(1-alpha)⌉ of the split-CP order statistic, free of float off-by-one errors.

    The textbook ``math.ceil((n + 1) * (1 - alpha))`` is wrong in floating point whenever
    (n+1)(1-alpha) is an integer that floating point misses (see :ref:`floating-point note <conformal-floating-point>`):
    for n = 9, alpha = 0.7 it gives 4 instead of 3, because 1 - 0.7 = 0.30000000000000004.
    crepes' ``floor((1 - confidence)(n + 1))`` has the mirror problem (claim C-8). Here

        c = max{ c in {0, .., n+1} : fl(c / (n+1)) <= alpha },     k = n + 1 - c,

    where ``fl(c/(n+1))`` is the correctly rounded quotient of two integers. So a count ``c``
    whose exact ratio c/(n+1) rounds to the same double as ``alpha`` counts as equal to alpha:
    alpha = 0.1 with n = 19 means exactly 2/20, alpha = 0.7 with n = 9 exactly 7/10. This is the
    same comparison :func:`refimpl.conformal.crc_lambda_hat` makes with the miscoverage loss,
    where the bound is (#{s_i > λ} + 1)/(n + 1).

    Parameters
    ----------
    n : int
        Number of calibration scores, n >= 1.
    alpha : float
        Miscoverage level in (0, 1).

    Returns
    -------
    int
        k in {1, .., n+1}; k = n + 1 means the quantile is +∞ (not attainable).

    Examples
    --------
    >>> order_statistic_rank(9, 0.7), order_statistic_rank(19, 0.1), order_statistic_rank(5, 0.1)
    (3, 18, 6)
    """
    return _rank(v.check_int(n, "n", low=1), check_alpha(alpha))


def _rank(n: int, alpha: float) -> int:
    """:func:`order_statistic_rank` without the checks (n >= 1, 0 < alpha < 1)."""
    m = n + 1
    c = min(max(math.floor(alpha * m), 0), m)  # first guess, then exact correction
    while c < m and (c + 1) / m <= alpha:
        c += 1
    while c > 0 and c / m > alpha:
        c -= 1
    return m - c


@capabilities(dask="native: decimal arithmetic on the host")
def alpha_from_confidence(confidence_level: float) -> float:
    """alpha = 1 - confidence_level, computed on the decimals the two numbers print as.

    ``1 - 0.8`` is 0.19999999999999996 in floating point, which moves the split-CP rank for
    n = 19 from 16 to 17: the off-by-one the rank rule avoids would come back through the
    subtraction. MAPIE-style wrappers (``confidence_level``) therefore convert with decimal
    arithmetic on ``repr(confidence_level)``.

    Examples
    --------
    >>> 1 - 0.8, alpha_from_confidence(0.8)
    (0.19999999999999996, 0.2)
    """
    from decimal import Decimal

    level = v.check_in_range(confidence_level, "confidence_level", 0.0, 1.0)  # e.g. 0.9, not 90
    return float(Decimal(1) - Decimal(repr(level)))


@leaf_kernel("conformal.weighted_quantile")
def weighted_quantile_scan(scores: Any, weights: Any, alpha: float) -> float:
    """Weighted split-conformal quantile with the test mass at +∞ (Barber et al.; Farinhas eq. (4)).

    Reference kernel (array API): sort once, accumulate the tail mass, count the infeasible
    positions. Twins: ``backends/numba/conformal.py`` (weighted quickselect, O(n) expected) and
    ``backends/numpy/conformal.py`` (sampled bracket, then this scan on the bracket only).

    Parameters
    ----------
    scores : array, shape (n,)
        Finite calibration scores (backend array).
    weights : array, shape (n,)
        Raw weights in [0, 1] (backend array, same dtype as ``scores``).
    alpha : float
        Level in (0, 1).

    Returns
    -------
    float
        q̂ = min{ s_j : (T(s_j) + 1)/(N_w + 1) <= alpha }, or +∞.

    Notes
    -----
    Positions are sorted by score. At position j the tail T_j = Σ_{l > j} w_(l) is the mass
    strictly above s_(j) *after the whole tie group of s_(j)* only when j ends its group, but the
    criterion is monotone in j, so the first feasible position already holds the smallest
    feasible score value: tied weights are summed automatically and no interpolation happens.
    """
    xp = array_namespace(scores, weights)
    n = scores.shape[0]
    order = xp.argsort(scores, stable=False)  # the order among tied scores does not matter (see Notes)
    s = xp.take(scores, order)
    w = xp.take(weights, order)
    # R_j = Σ_{l >= j} w_(l);  T_j = R_{j+1} = Σ_{l > j} w_(l), T_{n-1} = 0
    R = xp.flip(xp.cumulative_sum(xp.flip(w, axis=0)), axis=0)
    T = xp.concat([R[1:], xp.zeros(1, dtype=R.dtype, device=device(R))])
    N_w = R[0]
    infeasible = (T + 1.0) / (N_w + 1.0) > alpha  # bound of Farinhas eq. (10) with L = 1{s > q}
    n_bad = int(xp.sum(xp.astype(infeasible, xp.int64)))
    return math.inf if n_bad == n else float(s[n_bad])


@capabilities(dask="computed: the threshold (a float), by an exact distributed selection over the score chunks")
def conformal_quantile(scores: Any, alpha: float, weights: Any = None) -> float:
    """Split-CP threshold q̂: the ⌈(n+1)(1-alpha)⌉-th smallest score, or the nexCP weighted quantile.

    The rank is computed exactly (:func:`order_statistic_rank`); a textbook
    ⌈(n+1)(1-alpha)⌉ in floating point is wrong at integer (n+1)·alpha, see
    :ref:`floating-point note <conformal-floating-point>`.

    Unit weights (``weights=None``, split CP; Farinhas et al. eqs. (1)-(2)):

    .. math::  \\hat q = s_{(k)}, \\quad k = \\lceil (n+1)(1-\\alpha) \\rceil, \\qquad
               \\hat q = +\\infty \\text{ if } k > n.

    Raw weights w_i in [0, 1] (nexCP, Barber et al. 2023; Farinhas et al. eq. (4)):

    .. math::  \\hat q = \\inf\\Big\\{ q : \\sum_{i \\le n} \\tilde w_i \\mathbf 1\\{s_i \\le q\\}
               \\ge 1-\\alpha \\Big\\}, \\qquad \\tilde w_i = \\frac{w_i}{1 + \\sum_k w_k},

    the (1-alpha) quantile of Σ w~_i δ_{s_i} + w~_{n+1} δ_{+∞}; +∞ when the calibration mass
    Σ w~_i is below 1 - alpha. Ties are handled by summing the weights of tied scores (the CDF is
    taken with "<="); there is no interpolation.

    Parameters
    ----------
    scores : array-like, shape (n,)
        Finite calibration scores s_i (n >= 1).
    alpha : float
        Miscoverage level, 0 < alpha < 1.
    weights : array-like, shape (n,), optional
        Raw weights in [0, 1] relative to the test point's weight 1 (e.g.
        :func:`refimpl.conformal.exponential_weights`). ``None`` means unit weights.

    Returns
    -------
    float
        q̂ (a Python float; ``math.inf`` when not attainable).

    Raises
    ------
    ValueError
        Empty or non-1-D ``scores``, NaN/inf scores, alpha outside (0, 1) (with a hint when it
        looks like a percentage), weights of the wrong length, non-finite or outside [0, 1].
    TypeError
        Non-numeric or complex ``scores``/``weights`` (None, strings), a non-real ``alpha``.

    References
    ----------
    Barber et al., Ann. Statist. 2023; Farinhas et al., ICLR 2024, eqs. (1)-(4).

    Examples
    --------
    >>> conformal_quantile([0.3, 0.1, 0.2, 0.5, 0.4], alpha=0.5)
    0.3
    >>> conformal_quantile([0.3, 0.1, 0.2], alpha=0.1)   # k = 4 > n = 3
    inf
    >>> conformal_quantile([1.0, 2.0, 3.0, 4.0], 0.2, weights=[1.0, 1.0, 1.0, 1.0])
    4.0
    """
    scores = v.check_array(scores, "scores", ndim=1, real=True)
    alpha = check_alpha(alpha)
    bd = Boundary(scores, weights)
    xp = bd.xp
    s = bd.asarray(scores, name="scores")
    n = s.shape[0]
    if weights is None:
        k = _rank(n, alpha)
        if k > n:
            return math.inf
        return kth_smallest(s, k)
    w = check_weights(weights, n, bd)
    return weighted_quantile_scan(s, w, alpha)

