"""Boundary helpers of the host-side (NumPy/SciPy) EIM drivers: host arrays in, caller's library out.

The matrix-EIM, matrix-power and RB drivers compute in NumPy/SciPy on the host (declared with
``@capabilities(host_only=...)``); these two helpers keep their results in the caller's array
library, as every public function must (a torch input gives a torch output).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refimpl import _validate as v


def host_array(bd: Any, x: Any, name: str, **checks: Any) -> np.ndarray:
    """Validate ``x`` (lists accepted) and return it as a host NumPy array."""
    x = v.check_array(x, name, **checks)
    return np.asarray(bd.backend.to_numpy(bd.asarray(x, dtype="keep", name=name)))


def to_caller(bd: Any, a: Any) -> Any:
    """Return the host array ``a`` in the caller's array library."""
    return bd.out(bd.asarray(np.asarray(a), dtype="keep"))
