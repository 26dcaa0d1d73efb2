"""The kernel registry: dispatch to twins, fallback to the reference, the capability table."""

from __future__ import annotations

import pytest

from refimpl.backends import _kernels, get_kernel, leaf_kernel, kernel_table, register_twin, use_backend


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(_kernels, "_REFERENCES", dict(_kernels._REFERENCES))
    monkeypatch.setattr(_kernels, "_TWINS", dict(_kernels._TWINS))


def test_dispatch_twin_and_fallback(clean_registry):
    @leaf_kernel("test.scale")
    def scale(x):
        return 2 * x

    register_twin("test.scale", "numba")(lambda x: 3 * x)
    with use_backend("numpy"):
        assert scale(1) == 2
    with use_backend("array_api_strict"):
        assert scale(1) == 2  # no twin: reference runs
    try:
        with use_backend("numba"):
            assert scale(1) == 3
    except Exception as exc:  # numba missing
        pytest.skip(str(exc))
    assert scale.reference(1) == 2
    assert get_kernel("test.scale", "numba")(1) == 3
    assert scale.__name__ == "scale" and "test.scale" in repr(scale)


def test_table_lists_twins(clean_registry):
    @leaf_kernel("test.table")
    def ref(x):
        return x

    register_twin("test.table", "cupy")(lambda x: x)
    table = kernel_table()
    assert table["test.table"]["cupy"] == "twin"
    assert table["test.table"]["numpy"] == "reference"
    assert set(table["test.table"]) == {"numpy", "numba", "cupy", "torch", "array_api_strict", "dask"}


def test_unknown_kernel_and_backend(clean_registry):
    with pytest.raises(ValueError, match="no kernel called 'test.nothing'"):
        get_kernel("test.nothing")
    with pytest.raises(ValueError, match="unknown backend 'gpu'"):
        register_twin("x", "gpu")


def test_duplicate_reference_rejected(clean_registry):
    @leaf_kernel("test.dup")
    def one(x):
        return x

    with pytest.raises(ValueError, match="already has a reference"):
        @leaf_kernel("test.dup")
        def two(x):
            return x


def test_numba_falls_back_to_the_numpy_twin(clean_registry):
    @leaf_kernel("test.fallback")
    def ref(x):
        return ("reference", x)

    def numpy_twin(x):
        return ("numpy twin", x)

    register_twin("test.fallback", "numpy")(numpy_twin)
    assert get_kernel("test.fallback", "numpy") is numpy_twin
    assert get_kernel("test.fallback", "numba") is numpy_twin  # numba arrays are NumPy arrays
    assert get_kernel("test.fallback", "torch") is ref.reference  # no fallback outside numba
    assert get_kernel("test.fallback", "array_api_strict") is ref.reference
    with use_backend("array_api_strict"):
        assert ref(1) == ("reference", 1)
    with use_backend("numpy"):
        assert ref(1) == ("numpy twin", 1)

    def numba_twin(x):
        return ("numba twin", x)

    register_twin("test.fallback", "numba")(numba_twin)
    assert get_kernel("test.fallback", "numba") is numba_twin  # its own twin wins over the fallback


def test_kernel_table_levels(clean_registry):
    @leaf_kernel("test.levels_numpy")
    def a(x):
        return x

    @leaf_kernel("test.levels_none")
    def b(x):
        return x

    register_twin("test.levels_numpy", "numpy")(lambda x: x)
    table = kernel_table()
    assert table["test.levels_numpy"] == {"numpy": "twin", "numba": "twin (numpy)", "cupy": "reference",
                                          "torch": "reference", "array_api_strict": "reference", "dask": "reference"}
    assert set(table["test.levels_none"].values()) == {"reference"}
    allowed = {"twin", "twin (numpy)", "reference"}
    assert all(set(per.values()) <= allowed for per in table.values())


def test_get_kernel_rejects_an_unknown_backend(clean_registry):
    @leaf_kernel("test.bogus_backend")
    def a(x):
        return x

    with pytest.raises(ValueError, match="backend must be one of numpy, numba, cupy, torch, array_api_strict, dask; got 'bogus'"):
        get_kernel("test.bogus_backend", "bogus")


def test_to_library_rejects_an_unknown_library():
    import numpy as np

    from refimpl.backends import to_library

    with pytest.raises(ValueError, match="library must be one of 'numpy', 'cupy', 'torch', 'array_api_strict', 'dask' or None; got 'bogus'"):
        to_library(np.ones(2), "bogus")
    assert isinstance(to_library([1.0, 2.0], None), np.ndarray)


@pytest.mark.parametrize("name", [None, "", 3])
def test_kernel_names_must_be_strings(clean_registry, name):
    with pytest.raises(TypeError, match="kernel name must be a non-empty string"):
        leaf_kernel(name)
    with pytest.raises(TypeError, match="kernel name must be a non-empty string"):
        register_twin(name, "numpy")


def test_kernel_and_capability_arguments_are_checked(clean_registry):
    import numpy as np

    from refimpl.backends import Kernel, capability_of, to_library

    with pytest.raises(TypeError, match="name: the kernel name must be a non-empty string"):
        Kernel(None, lambda x: x)
    with pytest.raises(TypeError, match="reference must be a callable"):
        Kernel("test.k", None)
    with pytest.raises(TypeError, match="name: the kernel name must be"):
        get_kernel(3)
    with pytest.raises(ValueError, match="name must be a registered kernel name; no kernel called 'test.none'"):
        get_kernel("test.none")
    with pytest.raises(TypeError, match="func must be a public refimpl function"):
        capability_of(None, "numpy")
    for bad in (None, object(), "abc", np.array(["a"])):
        with pytest.raises(TypeError, match="x must be"):
            to_library(bad, "numpy")
    assert np.isnan(to_library(np.array([np.nan]), "numpy"))[0]  # values pass unchanged
