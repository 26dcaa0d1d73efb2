"""Declared backend capabilities: the decorator's forms, unsupported/host behaviour, the table."""

from __future__ import annotations

import collections
import dataclasses
import enum
import sys
import types
import warnings

import pytest

from refimpl._results import Result, StatusEnum
from refimpl.backends import (
    BACKEND_NAMES,
    BackendUnsupportedError,
    HostRoundTripWarning,
    _capabilities,
    capabilities,
    capability_of,
    capability_table,
    use_backend,
)
from refimpl.backends._registry import Backend


def test_default_is_native_everywhere_but_dask_which_is_opt_in():
    def f(x):
        return x

    g = capabilities()(f)
    assert {b: capability_of(g, b) for b in BACKEND_NAMES} == {**{b: "native" for b in BACKEND_NAMES}, "dask": "unsupported"}
    assert g.__wrapped__ is f and g.__name__ == "f"  # wrapped: the dask check runs on every call
    h = capabilities(dask="native")(f)
    assert h is f and {b: capability_of(h, b) for b in BACKEND_NAMES} == {b: "native" for b in BACKEND_NAMES}


def test_host_mapping_list_with_reason_and_host_only():
    @capabilities(host={"cupy": "SciPy sparse LU"})
    def a():
        return 1

    @capabilities(host=["cupy", "torch"], reason="octree on the host")
    def b():
        return 2

    @capabilities(host_only="SciPy L-BFGS-B drives the outer loop")
    def c():
        return 3

    assert [capability_of(a, n) for n in BACKEND_NAMES] == ["native", "native", "host", "native", "native", "unsupported"]
    assert capability_of(b, "torch") == "host" and b.__refimpl_capabilities__.reasons["cupy"] == "octree on the host"
    # host_only: numpy and numba arrays are NumPy arrays, so there is no round trip there
    assert {n: capability_of(c, n) for n in BACKEND_NAMES} == {
        "numpy": "native", "numba": "native", "cupy": "host", "torch": "host", "array_api_strict": "host",
        "dask": "unsupported"}  # host_only never covers dask (opt-in)
    assert a() == 1 and b() == 2 and c() == 3 and a.__name__ == "a"  # functools.wraps keeps the name


@pytest.mark.parametrize("kwargs, match", [
    (dict(host=["cupy"]), "a reason is required"),
    (dict(host={"gpu": "x"}), "unknown backends"),
    (dict(unsupported={"cuda": "x"}), "unknown backends"),
    (dict(host={"cupy": "x"}, unsupported={"cupy": "y"}), "both host and unsupported"),
])
def test_invalid_declarations_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        capabilities(**kwargs)


def test_unsupported_raises_with_the_declared_reason():
    @capabilities(unsupported={"array_api_strict": "needs in-place item assignment"})
    def f(x):
        return x

    assert f(3) == 3  # the numpy default
    with use_backend("array_api_strict"):
        with pytest.raises(BackendUnsupportedError, match="cannot run on the 'array_api_strict' backend: needs in-place"):
            f(3)


def _fake_gpu(monkeypatch, name="cupy"):
    fake = Backend(name, types.ModuleType("fake_xp"), "cuda:0", True, name)
    monkeypatch.setattr(_capabilities, "get_backend", lambda: fake)
    return fake


def test_host_function_warns_once_per_function_under_a_gpu_backend(monkeypatch):
    @capabilities(host={"cupy": "the octree is built on the host"})
    def f():
        return "ok"

    @capabilities(host={"cupy": "SciPy's sparse LU"})
    def g():
        return "ok"

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on the (CPU) numpy backend
        assert f() == "ok"
    _fake_gpu(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert f() == "ok" and f() == "ok" and g() == "ok" and f() == "ok"
    messages = [str(w.message) for w in caught if issubclass(w.category, HostRoundTripWarning)]
    assert len(messages) == 2, messages  # once for f, once for g
    assert "the octree is built on the host" in messages[0] and "caller's library" in messages[0]
    assert caught[0].filename == __file__  # stacklevel points at the caller


def test_host_on_a_cpu_backend_does_not_warn(monkeypatch):
    @capabilities(host={"torch": "SciPy on the host"})
    def f():
        return 1

    monkeypatch.setattr(_capabilities, "get_backend",
                        lambda: Backend("torch", types.ModuleType("xp"), "cpu", False, "torch"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f() == 1


def test_classes_are_declared_and_checked_on_construction(monkeypatch):
    @capabilities(unsupported={"cupy": "stateful host loop"})
    class Online:
        def __init__(self, a):
            self.a = a

    @capabilities()
    class Plain:
        pass

    assert isinstance(Online, type) and Online.__name__ == "Online"
    assert Online(2).a == 2
    assert capability_of(Online, "cupy") == "unsupported" and capability_of(Plain, "cupy") == "native"
    _fake_gpu(monkeypatch)
    with pytest.raises(BackendUnsupportedError, match="stateful host loop"):
        Online(2)
    assert isinstance(Plain(), Plain)


def test_capability_of_errors():
    with pytest.raises(TypeError, match="declares no backend capabilities"):
        capability_of(lambda x: x, "numpy")

    @capabilities()
    def f():
        pass

    with pytest.raises(ValueError, match="backend must be one of"):
        capability_of(f, "bogus")


@pytest.fixture
def fake_family(monkeypatch):
    mod = types.ModuleType("refimpl_fake_family")

    class FakeStatus(StatusEnum):
        CONVERGED = "converged"

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class FakeResult(Result):
        x: float

    Pair = collections.namedtuple("Pair", "a b")

    class FakeError(ValueError):
        pass

    @capabilities(host={"cupy": "host loop"})
    def declared(x):
        return x

    def undeclared(x):
        return x

    class Color(enum.Enum):
        RED = 1

    for obj in (FakeStatus, FakeResult, Pair, FakeError, declared, undeclared, Color):
        setattr(mod, obj.__name__, obj)
    mod.CONSTANT = 3
    mod.__all__ = ["FakeStatus", "FakeResult", "Pair", "FakeError", "declared", "undeclared", "Color", "CONSTANT"]
    monkeypatch.setitem(sys.modules, "refimpl_fake_family", mod)
    monkeypatch.setattr(_capabilities, "PUBLIC_PACKAGES", ("refimpl_fake_family", "refimpl_not_there"))
    return mod


def test_capability_table_lists_computations_only_and_flags_undeclared(fake_family):
    table = capability_table()
    # results, enums, named tuples, exceptions and constants are data: not listed
    assert set(table) == {"refimpl_fake_family.declared", "refimpl_fake_family.undeclared"}
    assert table["refimpl_fake_family.declared"]["cupy"] == "host"
    assert set(table["refimpl_fake_family.undeclared"].values()) == {"undeclared"}
    assert _capabilities.capability_reasons() == {
        "refimpl_fake_family.declared": {"cupy": "host loop", "dask": _capabilities.DASK_UNDECLARED}}


def test_real_table_has_every_backend_column():
    table = capability_table()
    assert table, "no public functions found"
    levels = {"native", "host", "unsupported", "undeclared", "computed"}
    for name, per in table.items():
        assert tuple(per) == BACKEND_NAMES, name
        assert set(per.values()) <= levels, name
    assert table["refimpl.backends.linalg.qr_pivoted"]["cupy"] == "host"


def test_skip_unless_supported_skips_with_the_declared_reason():
    from refimpl.testing import skip_unless_supported

    @capabilities(unsupported={"torch": "needs float128"}, host={"cupy": "host loop"})
    def f():
        pass

    assert skip_unless_supported(f, "numpy") == "native"
    assert skip_unless_supported(f, "cupy") == "host"
    with use_backend("numpy") as be:
        assert skip_unless_supported(f, be) == "native"  # a Backend works as well as its name
    with pytest.raises(pytest.skip.Exception, match="declared unsupported on torch: needs float128"):
        skip_unless_supported(f, "torch")


@capabilities(unsupported={b: "test of the uses marker" for b in BACKEND_NAMES if b != "numpy"})
def _numpy_only():
    return "numpy"


@pytest.mark.uses([_numpy_only])
def test_uses_marker_lets_only_supported_backends_run(backend):
    assert backend.name == "numpy"  # every other backend skipped from the declaration
    assert _numpy_only() == "numpy"


@pytest.mark.parametrize("kwargs, match", [
    (dict(host={"cupy": ""}), "must be a non-empty string"),
    (dict(unsupported={"cupy": 3}), "must be a non-empty string"),
    (dict(host=["cupy"], reason=""), "a reason is required"),
    (dict(host_only=""), "host_only must be a non-empty string"),
])
def test_meaningless_declarations_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        capabilities(**kwargs)
