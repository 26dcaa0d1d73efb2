"""Shared result and validation helpers: messages name the argument and what is accepted."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from refimpl import _validate as v
from refimpl._results import Result, StatusEnum


class _Status(StatusEnum):
    __failures__ = ("MAX_ITER",)
    CONVERGED = "converged: residual below tol"
    MAX_ITER = "stopped: reached max_iter"


@dataclasses.dataclass(frozen=True, kw_only=True)
class _R(Result):
    x: float


def test_result_status_and_message():
    ok, bad = _R(status=_Status.CONVERGED, x=1.0), _R(status=_Status.MAX_ITER, x=2.0)
    assert ok.success and not bad.success
    assert bad.message == "stopped: reached max_iter" == str(bad.status)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ok.x = 3.0  # type: ignore[misc]
    assert [m.name for m in _Status] == ["CONVERGED", "MAX_ITER"]  # __failures__ is no member


def test_check_array_accepts_and_returns():
    x = np.ones((2, 3))
    assert v.check_array(x, "X", ndim=2) is x
    assert isinstance(v.check_array([1, 2], "y", ndim=1), np.ndarray)


@pytest.mark.parametrize(
    "x,kwargs,exc,pattern",
    [
        (np.ones(3), dict(ndim=2), ValueError, r"X must be a 2-D array; got a 1-D array of shape \(3,\)"),
        (np.ones((2, 2)), dict(ndim=(1, 3)), ValueError, "X must be a 1-D or 3-D array"),
        (np.ones(0), {}, ValueError, r"X must have at least 1 entries; got shape \(0,\)"),
        (np.array([1.0, np.nan, np.inf]), {}, ValueError, "X must contain only finite values; got 2 NaN or infinite"),
        (np.array([1j]), dict(real=True), TypeError, "X must be real-valued; got complex"),
        (np.array(["a"]), {}, TypeError, "X must be numeric"),
        ([[1, 2], [3]], {}, TypeError, "X must be a numeric array-like"),
    ],
)
def test_check_array_errors(x, kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        v.check_array(x, "X", **kwargs)


def test_check_array_on_backend(backend):
    x = backend.asarray(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="finite"):
        v.check_array(x, "scores")
    assert v.check_array(x, "scores", finite=False) is x


def test_check_shape():
    v.check_shape(np.ones((2, 3)), "A", (2, None))
    with pytest.raises(ValueError, match=r"A must have shape \(any, 4\); got shape \(2, 3\)"):
        v.check_shape(np.ones((2, 3)), "A", (None, 4))


def test_scalar_checks():
    assert v.check_in_range(0.1, "alpha", 0, 1) == 0.1
    assert v.check_in_range(np.float32(0.5), "alpha", 0, 1) == 0.5
    with pytest.raises(ValueError, match=r"alpha must lie in \(0, 1\); got 1.5"):
        v.check_in_range(1.5, "alpha", 0, 1)
    with pytest.raises(ValueError, match=r"alpha must lie in \(0, 1\)"):
        v.check_in_range(0, "alpha", 0, 1)
    assert v.check_in_range(0, "alpha", 0, 1, low_inclusive=True) == 0
    with pytest.raises(ValueError, match="got NaN"):
        v.check_in_range(math.nan, "alpha", 0, 1)
    with pytest.raises(TypeError, match="alpha must be a real number; got str"):
        v.check_in_range("0.1", "alpha", 0, 1)
    with pytest.raises(TypeError):
        v.check_in_range(True, "alpha", 0, 1)
    assert v.check_positive(2, "noise") == 2.0
    with pytest.raises(ValueError, match="noise must be a finite positive number; got 0"):
        v.check_positive(0, "noise")
    with pytest.raises(ValueError, match="non-negative"):
        v.check_positive(-1, "noise", strict=False)
    with pytest.raises(ValueError):
        v.check_positive(math.inf, "noise")
    assert v.check_int(np.int64(3), "m", low=1) == 3
    with pytest.raises(ValueError, match=r"m must be an integer in \[1, inf\]; got 0"):
        v.check_int(0, "m", low=1)
    with pytest.raises(TypeError, match="m must be an integer; got float"):
        v.check_int(2.0, "m")
    assert v.check_choice("sup", "norm", ("sup", "l2")) == "sup"
    with pytest.raises(ValueError, match="norm must be one of 'sup', 'l2'; got 'max'"):
        v.check_choice("max", "norm", ("sup", "l2"))


def test_check_integer_array_reports_non_integers_of_any_ndim():
    import numpy as np

    from refimpl import _validate as v

    with pytest.raises(ValueError, match="non-integer entries such as 4.5"):
        v.check_integer_array(np.array([[1.0, 2.0], [3.0, 4.5]]), "y", ndim=2)
    with pytest.raises(ValueError, match=r"y must hold integers in \[0, 3\]"):
        v.check_integer_array([0, 5], "y", low=0, high=3)
    with pytest.raises(TypeError, match="boolean"):
        v.check_integer_array([True, False], "y")
    assert v.check_integer_array(np.array([[1.0, 2.0]]), "y", ndim=2).shape == (1, 2)
