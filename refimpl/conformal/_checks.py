"""Input checks shared by the conformal modules (levels, grids, weights, loss bounds).

[V] No algorithm here: the checks state the papers' assumptions (Angelopoulos et al. 2024,
Theorem 1: an increasing grid, losses in [A, B]; Farinhas et al. 2024, §2.2: raw weights in
[0, 1]) as error messages that name the user's argument.
"""

from __future__ import annotations

import math
from typing import Any

from refimpl import _validate as v
from refimpl.backends import Boundary

def check_bounds(A: float, B: float) -> tuple[float, float]:
    """Return the loss bounds (A, B) as floats after checking A < B, both finite."""
    A = v.check_in_range(A, "A")
    B = v.check_in_range(B, "B")
    if not B > A:
        raise ValueError(f"the loss bounds must satisfy A < B; got A={A!r}, B={B!r}")
    return A, B


def check_alpha(alpha: Any, name: str = "alpha", low: float = 0.0, high: float = 1.0, *,
                inclusive: bool = False) -> float:
    """``alpha`` as a float in (low, high) (or [low, high]); a level given in percent gets a hint.

    ``alpha=90`` or ``alpha=0.9`` meant as "90 % confidence" is the usual slip: the message says
    that alpha is the miscoverage fraction (0.1 for 90 % confidence) and names
    :func:`refimpl.conformal.alpha_from_confidence`.
    """
    try:
        return v.check_in_range(alpha, name, low, high, low_inclusive=inclusive, high_inclusive=inclusive)
    except ValueError as exc:
        value = float(alpha)  # check_in_range accepted it as a real number
        if value > high and value > 1.0:
            hint = (f" {name} is a fraction, not a percentage: use 0.1 for 90 % confidence "
                    f"(alpha_from_confidence(0.9) converts a confidence level exactly)")
            if 1.0 < value < 100.0:
                hint += f"; {value:g} % miscoverage would be {name}={value / 100:g}"
            raise ValueError(str(exc) + "." + hint) from None
        raise


def check_grid(lam: Any, xp: Any, name: str = "lambdas") -> None:
    """The grid (a backend array) must be NaN-free, -inf-free and strictly increasing (+inf allowed at the end).

    +inf as the last grid point is the trivial full prediction set (λ_max with L(λ_max) = A); -inf has
    no such meaning and would make λ̂ = -inf a silent non-finite answer, so it is refused.
    """
    if bool(xp.any(xp.isnan(lam))):
        n_nan = int(xp.sum(xp.astype(xp.isnan(lam), xp.int64)))
        raise ValueError(f"{name} must not contain NaN (the grid of lambda values); got {n_nan} NaN entries")
    if lam.shape[0] and bool(xp.any(lam == -math.inf)):
        raise ValueError(f"{name} must be finite except for a last entry +inf (the full set); got -inf")
    if lam.shape[0] > 1:
        not_increasing = ~(lam[1:] > lam[:-1])
        if bool(xp.any(not_increasing)):
            first = int(xp.argmax(xp.astype(not_increasing, xp.int8)))
            raise ValueError(
                f"{name} must be strictly increasing (sort the grid, drop duplicates, and reorder the loss "
                f"columns to match); got {name}[{first}] = {float(lam[first])!r} >= "
                f"{name}[{first + 1}] = {float(lam[first + 1])!r}"
            )


def check_probabilities(P: Any, xp: Any, name: str) -> None:
    """Entries of ``P`` (a backend array) must lie in [0, 1]: predicted probabilities or label scores."""
    if P.shape[0] and bool(xp.any((P < 0) | (P > 1))):
        bad = (P < 0) | (P > 1)
        n_bad = int(xp.sum(xp.astype(bad, xp.int64)))
        raise ValueError(f"{name} must lie in [0, 1] (probabilities); got {n_bad} entries outside, min "
                         f"{float(xp.min(P))!r}, max {float(xp.max(P))!r}")


def check_table_matches_grid(losses: Any, lambdas: Any, losses_name: str = "losses") -> None:
    """Column j of the loss table belongs to grid point j: the two lengths must agree."""
    m_grid = int(lambdas.shape[0])
    if losses.ndim >= 1 and int(losses.shape[-1]) != m_grid:
        shape = tuple(int(s) for s in losses.shape)
        raise ValueError(
            f"lambdas and {losses_name} disagree: lambdas has {m_grid} grid points but {losses_name} has "
            f"{shape[-1]} columns (shape {shape}); column j of {losses_name} must hold the losses at lambdas[j]"
        )


def check_weights(weights: Any, n: int | None, bd: Boundary) -> Any:
    """Validate raw weights (1-D, length n, finite, in [0, 1]) and move them onto ``bd``'s backend."""
    weights = v.check_array(weights, "weights", ndim=1, real=True)
    if n is not None:
        v.check_shape(weights, "weights", (n,))
    w = bd.asarray(weights, name="weights")
    xp = bd.xp
    bad = (w < 0) | (w > 1)
    if bool(xp.any(bad)):
        n_bad = int(xp.sum(xp.astype(bad, xp.int64)))
        raise ValueError(
            "weights must lie in [0, 1] (raw weights relative to the test point's weight 1; rescale "
            f"similarities above 1); got {n_bad} entries outside, min {float(xp.min(w))!r}, max {float(xp.max(w))!r}"
        )
    return w
