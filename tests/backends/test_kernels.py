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
    assert set(table["test.table"]) == {"numpy", "numba", "cupy", "torch", "array_api_strict"}


def test_unknown_kernel_and_backend(clean_registry):
    with pytest.raises(KeyError, match="no kernel called 'test.nothing'"):
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
