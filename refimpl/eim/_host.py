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


def check_flag(value: Any, name: str) -> bool:
    """A boolean flag (``True``/``False``, NumPy bools included); anything else is a ``TypeError``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r:.60}")


def training_set(params: Any, name: str = "train_params") -> list:
    """The training parameters as a list (one entry per parameter), checked at the boundary.

    Accepted: a list/tuple of parameters, or an array whose first axis runs over the parameters.
    Rejected with a message naming ``name``: ``None``, strings, scalars and other non-sequences,
    an empty set, numeric arrays with NaN or infinite entries, arrays of strings or objects.
    """
    if params is None or isinstance(params, (str, bytes)) or not hasattr(params, "__len__"):
        raise TypeError(f"{name} must be a sequence of parameters (a list, tuple or array over the training set); "
                        f"got {type(params).__name__} {params!r:.60}")
    if getattr(params, "ndim", 1) == 0:
        raise TypeError(f"{name} must be a sequence of parameters; got a 0-D array (a single value)")
    try:
        arr = np.asarray(params)
    except (ValueError, TypeError):
        arr = None  # ragged parameters (e.g. tuples of different lengths): passed through to the callable
    if arr is not None and arr.dtype.kind in "USV":
        raise TypeError(f"{name} must hold numeric parameters; got an array of dtype {arr.dtype}")
    if arr is not None and arr.dtype.kind in "biufc":
        v.check_finite(arr, name)
    train = list(params)
    if not train:
        raise ValueError(f"{name} must hold at least one parameter; got an empty sequence")
    return train


def matrix_list(terms: Any, name: str, *, allow_empty: bool = False) -> list:
    """A list of dense or SciPy-sparse matrices (``name[k]`` in messages); entries checked later."""
    if terms is None or isinstance(terms, (str, bytes)) or not isinstance(terms, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of matrices; got {type(terms).__name__} {terms!r:.60}")
    terms = list(terms)
    if not terms and not allow_empty:
        raise ValueError(f"{name} must hold at least one matrix; got an empty sequence")
    return terms
