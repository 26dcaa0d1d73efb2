"""Backend selection: env var, context manager nesting and thread isolation, errors, no fallback."""

from __future__ import annotations

import asyncio
import threading

import pytest

import refimpl
from refimpl.backends import (
    BACKEND_NAMES,
    BackendUnavailableError,
    UnknownBackendError,
    available_backends,
    get_backend,
    use_backend,
)
from refimpl.backends import _registry


def test_default_is_numpy(monkeypatch):
    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    assert get_backend().name == "numpy"


@pytest.mark.parametrize("name", ["numpy", "numba", "array_api_strict", "torch"])
def test_env_var_selects_backend(monkeypatch, name):
    if available_backends()[name] is not None:
        pytest.skip(f"{name} unavailable: {available_backends()[name]}")
    monkeypatch.setenv("REFIMPL_BACKEND", name)
    assert get_backend().name == name


def test_env_var_whitespace_is_ignored(monkeypatch):
    monkeypatch.setenv("REFIMPL_BACKEND", "  numpy ")
    assert get_backend().name == "numpy"


def test_unknown_env_var_lists_valid_names(monkeypatch):
    monkeypatch.setenv("REFIMPL_BACKEND", "nope")
    with pytest.raises(UnknownBackendError) as info:
        get_backend()
    msg = str(info.value)
    assert "'nope'" in msg and "REFIMPL_BACKEND" in msg
    for name in BACKEND_NAMES:
        assert name in msg


def test_unknown_name_in_context_manager():
    with pytest.raises(UnknownBackendError, match="valid names are: numpy, numba, cupy, torch, array_api_strict"):
        with use_backend("jax"):
            pass  # pragma: no cover


def test_unavailable_backend_raises_with_fix(monkeypatch):
    """A known backend that cannot load raises BackendUnavailableError; no silent fallback to numpy."""

    def broken():
        raise BackendUnavailableError('cupy is not installed; install it with: pip install "refimpl[cupy]"')

    monkeypatch.setitem(_registry._LOADERS, "cupy", broken)
    monkeypatch.delitem(_registry._CACHE, "cupy", raising=False)
    monkeypatch.setenv("REFIMPL_BACKEND", "cupy")
    with pytest.raises(BackendUnavailableError, match=r'pip install "refimpl\[cupy\]"'):
        get_backend()
    with pytest.raises(BackendUnavailableError):
        with use_backend("cupy"):
            pass  # pragma: no cover
    assert available_backends()["cupy"].startswith("cupy is not installed")


def test_cupy_reason_on_this_machine():
    reason = available_backends()["cupy"]
    if reason is None:
        pytest.skip("a CUDA device is visible: cupy is usable here")
    assert "cupy" in reason and ("not installed" in reason or "CUDA device" in reason)


def test_context_manager_nests_and_restores(monkeypatch):
    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    with use_backend("array_api_strict") as outer:
        assert outer.name == get_backend().name == "array_api_strict"
        with use_backend("numpy"):
            assert get_backend().name == "numpy"
        assert get_backend().name == "array_api_strict"
    assert get_backend().name == "numpy"


def test_context_manager_overrides_env(monkeypatch):
    monkeypatch.setenv("REFIMPL_BACKEND", "nope")  # never consulted inside the block
    with use_backend("numpy"):
        assert get_backend().name == "numpy"


def test_context_manager_restores_after_exception(monkeypatch):
    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    with pytest.raises(RuntimeError):
        with use_backend("array_api_strict"):
            raise RuntimeError("boom")
    assert get_backend().name == "numpy"


def test_threads_are_isolated(monkeypatch):
    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    """A use_backend block in one thread does not leak into another (contextvars)."""
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def worker():
        with use_backend("array_api_strict"):
            inside.set()
            release.wait(5)
            seen["worker"] = get_backend().name

    t = threading.Thread(target=worker)
    t.start()
    inside.wait(5)
    seen["main"] = get_backend().name
    release.set()
    t.join()
    assert seen == {"worker": "array_api_strict", "main": "numpy"}


def test_async_tasks_are_isolated(monkeypatch):
    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    async def task(name, delay):
        with use_backend(name):
            await asyncio.sleep(delay)
            return get_backend().name

    async def main():
        return await asyncio.gather(task("array_api_strict", 0.02), task("numpy", 0.01))

    assert asyncio.run(main()) == ["array_api_strict", "numpy"]


def test_top_level_reexports():
    assert refimpl.use_backend is use_backend and refimpl.get_backend is get_backend
    assert set(refimpl.available_backends()) == set(BACKEND_NAMES)


def test_backend_is_accepted_by_use_backend():
    be = refimpl.get_backend()
    with use_backend(be) as again:
        assert again is be
