"""Weights for non-exchangeable conformal prediction and risk control, and the coverage-gap bound.

Papers
------
* Barber, Candès, Ramdas, Tibshirani, *Conformal prediction beyond exchangeability*,
  Ann. Statist. 51(2), 2023, arXiv:2202.13415 (fixed weights, exponential decay ρ^{n+1-i}).
* Farinhas, Zerva, Ulmer, Martins, *Non-Exchangeable Conformal Risk Control*, ICLR 2024,
  arXiv:2310.01262: Theorem 1 / eq. (12) (coverage-gap bound), §3.2 / eq. (13) (maximum-entropy
  weights).

Notation
--------
=============  ===========================================================================
``w_i``        raw weight of calibration point i in [0, 1]; the test point n+1 has weight 1
``w~_i``       normalised weight w_i / (1 + Σ_k w_k);  w~_{n+1} = 1 / (1 + Σ_k w_k)
``N_w``        Σ_i w_i, the effective calibration size
``d_i``        d_TV(Z, Z^i) (or a proxy/upper bound of it), d_i >= 0
``A, B``       lower and upper bounds of the loss, A < B
``kappa``      inverse temperature of the max-entropy weights (kappa > 0)
``rho``        decay factor of exponential weights, 0 < rho <= 1
=============  ===========================================================================

Provenance
----------
[V] Exponential weights and the coverage-gap bound are the papers' formulas (Barber et al.;
Farinhas et al. eq. (12)). [R] The max-entropy weights: the paper's eq. (13) prints the exponent
with an inverse temperature although its objective implies a temperature; the convention chosen
here is stated in :func:`maxent_weights`.
"""

from __future__ import annotations

from typing import Any

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities

from ._checks import check_alpha, check_bounds, check_weights

__all__ = ["coverage_gap_bound", "exponential_weights", "maxent_weights", "normalized_weights"]


@capabilities()
def exponential_weights(n: int, rho: float) -> Any:
    """Exponential-decay weights w_i = rho^(n+1-i), i = 1..n, most recent calibration point last.

    Barber et al. (2023) recommend rho = 0.99 for drifting time series; Farinhas et al. (2024)
    use the same weights in all time-series experiments and justify them (§3.2) as the
    maximum-entropy weights of :func:`maxent_weights` under a Lipschitz drift bound
    d_TV(Z_i, Z_{n+1}) <= eps (n+1-i), with rho = exp(-kappa * eps).

    The newest calibration point (i = n) has weight rho, not 1: weight 1 belongs to the test
    point n+1. The effective size N_w = Σ w_i = rho (1 - rho^n)/(1 - rho) stays below
    rho/(1 - rho) however long the history is (about 99 for rho = 0.99).

    Parameters
    ----------
    n : int
        Number of calibration points, n >= 1.
    rho : float
        Decay factor in (0, 1]; rho = 1 gives unit weights (split CP / CRC).

    Returns
    -------
    ndarray, shape (n,)
        [rho^n, rho^(n-1), ..., rho] as a NumPy array (computed on the active backend; with no
        array input the caller's library is NumPy).

    Examples
    --------
    >>> exponential_weights(3, 0.5)
    array([0.125, 0.25 , 0.5  ])
    """
    n = v.check_int(n, "n", low=1)
    rho = v.check_in_range(rho, "rho", 0.0, 1.0, high_inclusive=True)
    bd = Boundary()
    xp = bd.xp
    exponents = xp.arange(n, 0, -1, dtype=bd.dtype)  # n+1-i for i = 1..n
    return bd.out(rho**exponents)


@capabilities()
def maxent_weights(d: Any, kappa: float, *, A: float = 0.0, B: float = 1.0) -> Any:
    """Maximum-entropy raw weights w_i = exp(-kappa (B - A) d_i) (Farinhas et al. §3.2, eq. (13)).

    Eq. (13) minimises the coverage-gap term (B - A) Σ w~_i d_i minus an entropy bonus over the
    normalised weights w~ on the simplex with w~_i <= w~_{n+1}; its solution is a Gibbs
    distribution w~_i ∝ exp(-(B - A) d_i / temperature), d_{n+1} = 0. The paper prints the
    exponent as exp(-beta (B - A) d_i), i.e. it treats its beta as an *inverse* temperature
    although the objective's form would give exp(-(B - A) d_i / beta). **Convention here:**
    ``kappa`` is the inverse temperature, w_i = exp(-kappa (B - A) d_i); kappa = 1/beta for the
    objective as written, kappa = beta for the exponent as printed. Dividing w~_i by
    w~_{n+1} = 1/Z gives raw weights in (0, 1] automatically because d_i >= 0, so the
    constraint w~_i <= w~_{n+1} is inactive.

    With a Lipschitz drift bound d_i = eps (n + 1 - i) these are the exponential weights
    rho^(n+1-i) with rho = exp(-kappa (B - A) eps).

    Parameters
    ----------
    d : array-like, shape (n,)
        Divergence proxies d_i >= 0 (total-variation distances or upper bounds such as Pinsker's
        sqrt(KL/2)).
    kappa : float
        Inverse temperature, kappa > 0. Larger kappa concentrates the weight on the points
        closest to the test distribution (smaller coverage gap, smaller N_w).
    A, B : float
        Loss bounds, A < B.

    Returns
    -------
    array, shape (n,)
        Raw weights in (0, 1], in the caller's array library.

    Raises
    ------
    ValueError
        Empty/non-finite ``d``, negative ``d_i``, kappa <= 0, B <= A.

    Examples
    --------
    >>> maxent_weights([0.0, 1.0, 2.0], kappa=1.0).round(4)
    array([1.    , 0.3679, 0.1353])
    """
    d = v.check_array(d, "d", ndim=1, real=True)
    kappa = v.check_positive(kappa, "kappa")
    A, B = check_bounds(A, B)
    bd = Boundary(d)
    xp = bd.xp
    d = bd.asarray(d, name="d")
    if bool(xp.any(d < 0)):
        raise ValueError(f"d must be non-negative (total-variation distances or bounds); got min {float(xp.min(d))!r}")
    return bd.out(xp.exp(-kappa * (B - A) * d))


@capabilities()
def normalized_weights(weights: Any) -> tuple[Any, float]:
    """Normalised weights w~_i = w_i / (1 + Σ w_k) and the test point's w~_{n+1} = 1 / (1 + Σ w_k).

    Barber et al. (2023); Farinhas et al. §2.2. The "+1" is the test point's unit weight: it is
    what makes the procedures valid (dropping it gives an anti-conservative method).

    Parameters
    ----------
    weights : array-like, shape (n,)
        Raw weights in [0, 1].

    Returns
    -------
    w_tilde : array, shape (n,)
        Normalised calibration weights, in the caller's library.
    w_test : float
        The test point's normalised weight.

    Examples
    --------
    >>> wt, w_test = normalized_weights([1.0, 1.0, 1.0])
    >>> wt, w_test
    (array([0.25, 0.25, 0.25]), 0.25)
    """
    bd = Boundary(weights)
    w = check_weights(weights, None, bd)
    Z = 1.0 + float(bd.xp.sum(w))
    return bd.out(w / Z), 1.0 / Z


@capabilities()
def coverage_gap_bound(weights: Any, d: Any, alpha: float, *, A: float = 0.0, B: float = 1.0) -> float:
    """Risk bound of non-X CRC, alpha + (B - A) Σ_i w~_i d_i (Farinhas et al. Theorem 1, eq. (12)).

    For a loss non-increasing in lambda with values in [A, B] and data-independent weights,
    E[L(λ̂; Z_{n+1})] <= alpha + (B - A) Σ_{i<=n} w~_i d_TV(Z, Z^i). With the miscoverage loss
    (A = 0, B = 1) this is Barber et al.'s coverage gap (Farinhas eq. (3)). Under
    exchangeability every d_i = 0 and the bound is alpha.

    Parameters
    ----------
    weights : array-like, shape (n,)
        Raw weights in [0, 1].
    d : array-like, shape (n,)
        d_TV(Z, Z^i) or upper bounds, >= 0.
    alpha : float
        Target risk, A <= alpha <= B.
    A, B : float
        Loss bounds, A < B.

    Returns
    -------
    float

    Examples
    --------
    >>> round(coverage_gap_bound([1.0, 1.0, 1.0], [0.0, 0.1, 0.2], alpha=0.1), 12)
    0.175
    """
    weights = v.check_array(weights, "weights", ndim=1, real=True)
    d = v.check_array(d, "d", ndim=1, real=True)
    v.check_shape(d, "d", (weights.shape[0],))
    A, B = check_bounds(A, B)
    alpha = check_alpha(alpha, "alpha", A, B, inclusive=True)
    bd = Boundary(weights, d)
    xp = bd.xp
    w = check_weights(weights, None, bd)
    d = bd.asarray(d, name="d")
    if bool(xp.any(d < 0)):
        raise ValueError(f"d must be non-negative; got min {float(xp.min(d))!r}")
    Z = 1.0 + xp.sum(w)
    return alpha + (B - A) * float(xp.sum(w * d) / Z)

