"""Input checks shared by the sampling modules (probability vectors, sample sizes, tall matrices)."""

from __future__ import annotations

from typing import Any

import numpy as np

from refimpl import _validate as v

#: Largest number of rows/units the samplers accept (memory guard: a few arrays of this length).
MAX_UNITS = 2**31 - 1


def check_tall(A: Any, name: str = "A", *, finite: bool = True) -> Any:
    """A real, finite 2-D array with at least one row and one column (host or backend array).

    ``finite=False`` skips the finiteness scan (for a caller whose first pass over A checks it).
    """
    A = v.check_array(A, name, ndim=2, real=True, finite=finite)
    n, d = int(A.shape[0]), int(A.shape[1])
    if d == 0:
        raise ValueError(f"{name} must have at least one column; got shape {(n, d)}")
    return A


def check_flag(value: Any, name: str) -> bool:
    """A Python or NumPy bool (``jl="yes"`` or ``jl=1`` is an error, not a truthy switch)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be a bool (True or False); got {type(value).__name__} {value!r}")


def check_probabilities(p: Any, name: str = "p") -> Any:
    """A real, finite 1-D array with entries in [0, 1] (returned as given; checked on the host copy)."""
    p = v.check_array(p, name, ndim=1, real=True)
    host = np.asarray(p if isinstance(p, np.ndarray) else _to_host(p), dtype=np.float64)
    bad = (host < 0) | (host > 1)
    if bad.any():
        raise ValueError(
            f"{name} must hold inclusion probabilities in [0, 1]; got {int(bad.sum())} entries outside, "
            f"min {float(host.min())!r}, max {float(host.max())!r} (cap scores with inclusion_probabilities)"
        )
    return p


def check_scores(s: Any, name: str = "scores") -> Any:
    """A real, finite, non-negative 1-D array with a positive sum."""
    s = v.check_array(s, name, ndim=1, real=True)
    host = np.asarray(_to_host(s), dtype=np.float64)
    if (host < 0).any():
        raise ValueError(f"{name} must be non-negative; got {int((host < 0).sum())} negative entries "
                         f"(min {float(host.min())!r})")
    if not host.sum() > 0:
        raise ValueError(f"{name} must not all be zero (there is nothing to sample from)")
    return s


def _to_host(x: Any) -> np.ndarray:
    from refimpl.backends import to_numpy

    return np.asarray(to_numpy(x)) if not isinstance(x, np.ndarray) else x


def to_host(x: Any) -> np.ndarray:
    """A NumPy copy (or view) of a host or backend array."""
    return _to_host(x)
