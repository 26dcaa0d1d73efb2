"""Input validation at the public boundary, with messages that name the argument.

Every check raises early with a message saying which argument was wrong, what is accepted and what
was received: ``ValueError`` for bad values and shapes, ``TypeError`` for wrong types. Array checks
work on arrays of any supported library and on plain sequences; they return their input unchanged
(converted to a NumPy array only when it was not an array at all).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_array_api_obj

from refimpl.backends import numpy_dtype

__all__ = [
    "check_array",
    "check_callable",
    "check_choice",
    "check_finite",
    "check_in_range",
    "check_instance",
    "check_int",
    "check_integer_array",
    "check_positive",
    "check_real",
    "check_shape",
    "check_size",
]


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in x.shape)


def _dtype_kind(x: Any) -> str:
    dt = numpy_dtype(x)
    return "?" if dt is None else dt.kind


def _shape_text(shape: Sequence[Any]) -> str:
    """A shape as Python prints a tuple: ``(20,)``, ``(3, 4)``."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def check_finite(x: Any, name: str) -> Any:
    """Raise ``ValueError`` if the array ``x`` holds NaN or infinite values."""
    xp = array_namespace(x)
    if _dtype_kind(x) in "fc" and not bool(xp.all(xp.isfinite(x))):
        n_bad = int(xp.sum(xp.astype(~xp.isfinite(x), xp.int64)))
        raise ValueError(f"{name} must contain only finite values; got {n_bad} NaN or infinite entries")
    return x


def check_shape(x: Any, name: str, shape: Sequence[int | None]) -> Any:
    """Raise ``ValueError`` unless ``x.shape`` matches ``shape`` (``None`` entries match any length)."""
    got = _shape(x)
    if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
        want = _shape_text(["any" if s is None else s for s in shape])
        raise ValueError(f"{name} must have shape {want}; got shape {got}")
    return x


def check_array(
    x: Any,
    name: str,
    *,
    ndim: int | Iterable[int] | None = None,
    min_size: int = 1,
    finite: bool = True,
    real: bool = False,
) -> Any:
    """Check a numeric array argument.

    Parameters
    ----------
    x : array or array-like
    name : str
        The argument's name, used in messages.
    ndim : int or iterable of int, optional
        Accepted numbers of dimensions.
    min_size : int, default 1
        Minimum number of entries (``1`` rejects empty arrays).
    finite : bool, default True
        Reject NaN and infinite entries.
    real : bool, default False
        Reject complex dtypes.

    Returns
    -------
    The array (array-likes are converted with :func:`numpy.asarray`).

    Raises
    ------
    TypeError
        Non-numeric data, or complex data where ``real`` is required.
    ValueError
        Wrong number of dimensions, too few entries, non-finite entries.
    """
    if not is_array_api_obj(x):
        try:
            x = np.asarray(x)
        except ValueError as exc:
            raise TypeError(f"{name} must be a numeric array-like; got a ragged or invalid sequence ({exc})") from None
    kind = _dtype_kind(x)
    if kind not in "biufc":
        raise TypeError(f"{name} must be numeric (bool, integer, real or complex); got dtype {x.dtype}")
    if real and kind == "c":
        raise TypeError(f"{name} must be real-valued; got complex dtype {x.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be a {want} array; got a {x.ndim}-D array of shape {_shape(x)}")
    size = math.prod(_shape(x))
    if size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries; got shape {_shape(x)} ({size} entries)")
    if finite:
        check_finite(x, name)
    return x


def _as_real_scalar(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if is_array_api_obj(value) and value.ndim == 0 and _dtype_kind(value) in "iuf":
            value = float(value)
        else:
            raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ValueError(f"{name} must be a real number; got NaN")
    return value


def check_in_range(
    value: Any,
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_inclusive: bool = False,
    high_inclusive: bool = False,
) -> float:
    """Return ``value`` as a float after checking it lies in the interval ``(low, high)``.

    Brackets follow ``low_inclusive``/``high_inclusive``; the message states the interval, e.g.
    ``alpha must lie in (0, 1); got 1.5``.
    """
    v = _as_real_scalar(value, name)
    ok_low = v >= low if low_inclusive else v > low
    ok_high = v <= high if high_inclusive else v < high
    if not (ok_low and ok_high):
        interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
        raise ValueError(f"{name} must lie in {interval}; got {value!r}")
    return v


def check_positive(value: Any, name: str, *, strict: bool = True) -> float:
    """Return ``value`` as a float after checking it is positive (``> 0``, or ``>= 0`` if not strict)."""
    v = _as_real_scalar(value, name)
    if (v <= 0 if strict else v < 0) or math.isinf(v):
        raise ValueError(f"{name} must be a finite {'positive' if strict else 'non-negative'} number; got {value!r}")
    return v


def check_int(value: Any, name: str, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int after checking it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}]; got {v}")
    return v


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """Return ``value`` after checking it is one of ``choices``."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(repr(c) for c in choices)}; got {value!r}")
    return value


def check_real(value: Any, name: str, *, finite: bool = True) -> float:
    """Return ``value`` as a float after checking it is a real number (finite unless ``finite=False``)."""
    v = _as_real_scalar(value, name)
    if finite and math.isinf(v):
        raise ValueError(f"{name} must be a finite real number; got {value!r}")
    return v


def check_size(value: Any, name: str, *, low: int = 1, limit: int, why: str) -> int:
    """Return ``value`` as an int in ``[low, limit]``; the message states the limit and ``why`` it exists.

    For sizes that drive memory or run time (a polynomial degree, an octree depth), so that a
    typo fails at once instead of hanging.
    """
    v = check_int(value, name)
    if v < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {v}")
    if v > limit:
        raise ValueError(f"{name} must be at most {limit} ({why}); got {v}")
    return v


def check_callable(value: Any, name: str) -> Any:
    """Return ``value`` after checking it is callable (``TypeError`` naming the argument otherwise)."""
    if not callable(value):
        raise TypeError(f"{name} must be callable; got {type(value).__name__} {value!r:.60}")
    return value


def check_instance(value: Any, name: str, cls: type | tuple[type, ...], hint: str = "") -> Any:
    """Return ``value`` after checking ``isinstance(value, cls)``.

    ``hint`` says where such an object comes from (``"the result of eim_greedy"``), so a ``None``
    or a wrong object gets a message instead of an ``AttributeError`` deep inside.
    """
    if not isinstance(value, cls):
        names = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
        where = f" ({hint})" if hint else ""
        raise TypeError(f"{name} must be a {names}{where}; got {type(value).__name__}")
    return value


def check_integer_array(x: Any, name: str, *, low: int | None = None, high: int | None = None, ndim: int | None = 1) -> Any:
    """Check an array of integer values (integer dtype, or floats that are exact integers) in ``[low, high]``.

    Returns the array; floats with a fractional part, booleans and out-of-range entries are errors
    (never silently truncated).
    """
    x = check_array(x, name, ndim=ndim, min_size=0, real=True)
    kind = _dtype_kind(x)
    if kind == "b":
        raise TypeError(f"{name} must hold integers; got a boolean array")
    xp = array_namespace(x)
    if kind == "f" and math.prod(_shape(x)) and not bool(xp.all(xp.floor(x) == x)):
        flat = xp.reshape(x, (-1,))  # any ndim: report the first non-integer entry
        bad = flat[int(xp.argmax(xp.astype(xp.floor(flat) != flat, xp.int8)))]
        raise ValueError(f"{name} must hold integer values; got non-integer entries such as {float(bad)!r}")
    if math.prod(_shape(x)):
        lo, hi = float(xp.min(x)), float(xp.max(x))
        if (low is not None and lo < low) or (high is not None and hi > high):
            rng = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
            raise ValueError(f"{name} must hold integers in {rng}; got values from {lo:g} to {hi:g}")
    return x
