"""Input checks shared by the conformal modules (weights, loss bounds)."""

from __future__ import annotations

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
