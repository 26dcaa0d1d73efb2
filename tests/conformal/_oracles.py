"""Independent brute-force oracles for the conformal tests (exact rational arithmetic, plain loops)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def rank_bruteforce(n: int, alpha: float) -> int:
    """Smallest k in 1..n+1 with k >= (n+1)(1-alpha), alpha read as the shortest decimal of the float."""
    a = Fraction(repr(float(alpha)))
    target = (n + 1) * (1 - a)
    return next(k for k in range(0, n + 2) if k >= target) if target > 0 else 1


def weighted_quantile_bruteforce(scores, weights, alpha) -> float:
    """inf{q : Σ_{s_i <= q} w~_i >= 1 - alpha} over candidate q in the scores, test mass at +inf (Barber et al.)."""
    a = Fraction(repr(float(alpha)))  # alpha as the decimal it prints as (the documented rule)
    w = [Fraction(float(x)) for x in weights]
    Z = 1 + sum(w)
    for q in sorted(set(float(s) for s in scores)):
        mass = sum((wi for si, wi in zip(scores, w) if si <= q), Fraction(0))
        if mass / Z >= 1 - a:
            return q
    return math.inf


def crc_bruteforce(losses, lambdas, alpha, B=1.0, weights=None):
    """λ̂ by a loop over the grid in exact rationals: first λ with (Σ w L + B)/(N_w + 1) <= alpha."""
    L = np.asarray(losses, dtype=float)
    n, m = L.shape
    w = [Fraction(1)] * n if weights is None else [Fraction(float(x)) for x in weights]
    N = sum(w)
    a = Fraction(repr(float(alpha)))  # alpha as the decimal it prints as (the documented rule)
    for j in range(m):
        S = sum((w[i] * Fraction(float(L[i, j])) for i in range(n)), Fraction(0))
        if (S + Fraction(float(B))) / (N + 1) <= a:
            return float(lambdas[j]), True
    return float(lambdas[-1]), False
