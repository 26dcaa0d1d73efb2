"""The boundary rule: inputs converted once, results returned in the caller's array library."""

from __future__ import annotations

import numpy as np
import pytest

from refimpl.backends import Boundary, array_library, to_library, to_numpy
from refimpl.testing import assert_backend_agrees


def _caller_arrays():
    """Inputs of every caller library available here (id, object)."""
    host = np.array([[1.0, 2.0], [3.0, 4.5]])
    yield "list", host.tolist()
    yield "numpy", host
    import array_api_strict as xs

    yield "array_api_strict", xs.asarray(host)
    try:
        import torch
    except ImportError:
        return
    yield "torch", torch.asarray(host)


@pytest.mark.parametrize("kind,x", list(_caller_arrays()), ids=[k for k, _ in _caller_arrays()])
def test_round_trip_follows_caller(backend, kind, x):
    bd = Boundary(x)
    y = bd.asarray(x)
    assert array_library(y) == backend.library
    out = bd.out(2 * y)
    expected_library = "numpy" if kind == "list" else kind
    assert array_library(out) == expected_library
    np.testing.assert_array_equal(to_numpy(out), 2 * np.asarray(to_numpy(x) if kind != "list" else x))


def test_same_library_input_is_not_copied(backend):
    host = np.arange(6.0).reshape(2, 3)
    native = backend.asarray(host)
    assert backend.asarray(native) is native


def test_dtype_rules(backend):
    xp = backend.xp
    # integers and bools compute in float64
    bd = Boundary(np.arange(3), np.array([True, False]))
    assert bd.dtype == xp.float64
    assert bd.asarray(np.arange(3)).dtype == xp.float64
    # float32 inputs keep float32; mixing with float64 promotes
    assert Boundary(np.ones(2, np.float32)).dtype == xp.float32
    assert Boundary(np.ones(2, np.float32), np.ones(2)).dtype == xp.float64
    # "keep" leaves integer index arrays alone
    assert Boundary(np.ones(2)).asarray(np.arange(3), dtype="keep").dtype == xp.int64


def test_complex_stays_complex():
    bd = Boundary(np.ones(2), np.array([1 + 2j]))
    assert bd.asarray(np.array([1 + 2j])).dtype == np.complex128
    assert bd.asarray(np.ones(2)).dtype == np.float64


@pytest.mark.parametrize("bad", [["a", "b"], [[1.0, 2.0], [3.0]], np.array([object(), 1], dtype=object)])
def test_non_numeric_input_is_a_type_error(bad):
    with pytest.raises(TypeError, match="scores must be"):
        Boundary(np.ones(1)).asarray(bad, name="scores")


def test_bad_dtype_keyword():
    with pytest.raises(ValueError, match="dtype must be 'float', 'keep'"):
        Boundary(np.ones(1)).asarray(np.ones(1), dtype="double")


def test_to_library_none_means_numpy():
    out = to_library(np.ones(2), None)
    assert isinstance(out, np.ndarray)


def test_assert_backend_agrees_checks_library(backend):
    x = backend.asarray(np.ones(3))
    assert_backend_agrees(x, np.ones(3), rtol=0, like=x)
    if backend.library not in ("numpy", "dask"):  # dask: small results come back computed as NumPy
        with pytest.raises(AssertionError, match="caller's library"):
            assert_backend_agrees(np.ones(3), np.ones(3), rtol=0, like=x)
    with pytest.raises(AssertionError):
        assert_backend_agrees(x, 1.001 * np.ones(3), rtol=1e-6, like=x)
    with pytest.raises(AssertionError, match="shape mismatch"):
        assert_backend_agrees(x, np.ones(4), rtol=1, like=x)
