"""The leaf-kernel registry: one reference implementation, optional per-backend twins.

Most algorithms need no kernel: they are written once against ``xp``. A kernel exists only for an
inherently sequential or irregular inner loop (a coordinate-descent epoch, a pivotal-sampling
sweep, a greedy EIM step, a weighted-quantile scan).

* The **reference** version is array-API code living beside the algorithm in ``refimpl/``; it is
  decorated with :func:`leaf_kernel` (named so that it cannot be
  confused with GP covariance kernels or EIFMM's ``kernel=``) and is the fallback and the oracle.
* A **twin** lives in ``backends/<backend>/<family>.py`` and is registered with
  :func:`register_twin` for one backend. It receives exactly the reference's arguments.
* Calling the decorated reference dispatches on the *active* backend: its twin if one is
  registered, else the reference. Twin modules are imported the first time a kernel is
  dispatched on their backend, so importing refimpl never imports Numba or CuPy.

Twin modules for GPU backends must import their library lazily or guardedly, so that
:func:`kernel_table` can list them on machines without a GPU.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from ._registry import BACKEND_NAMES, get_backend

__all__ = ["Kernel", "leaf_kernel", "register_twin", "get_kernel", "kernel_table"]

_REFERENCES: dict[str, "Kernel"] = {}
_TWINS: dict[tuple[str, str], Callable[..., Any]] = {}
_TWIN_PACKAGES = {
    "numpy": "refimpl.backends.numpy",
    "numba": "refimpl.backends.numba",
    "cupy": "refimpl.backends.cupy",
    "dask": "refimpl.backends.dask",
}
#: A backend without a twin of its own tries these backends' twins before the reference
#: (numba arrays are NumPy arrays, so NumPy twins serve it).
_TWIN_FALLBACK = {"numba": ("numpy",)}
_LOADED: set[str] = set()


class Kernel:
    """A reference kernel that dispatches to the active backend's twin when one exists."""

    def __init__(self, name: str, reference: Callable[..., Any]) -> None:
        _check_kernel_name(name)
        if not callable(reference):
            raise TypeError(f"reference must be a callable (the kernel's array-API reference implementation); "
                            f"got {type(reference).__name__} {reference!r:.40}")
        self.name = name
        self.reference = reference
        functools.update_wrapper(self, reference)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return get_kernel(self.name, get_backend().name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<refimpl kernel {self.name!r}>"


def _check_kernel_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"name: the kernel name must be a non-empty string such as 'family.name'; "
                        f"got {type(name).__name__} {name!r:.40}")


def leaf_kernel(name: str) -> Callable[[Callable[..., Any]], Kernel]:
    """Register the decorated function as the reference implementation of kernel ``name``.

    Examples
    --------
    >>> from refimpl.backends import leaf_kernel
    >>> @leaf_kernel("doc.example_double")
    ... def double(x):
    ...     return 2 * x
    >>> double(3)
    6
    """

    _check_kernel_name(name)

    def decorate(func: Callable[..., Any]) -> Kernel:
        if name in _REFERENCES and _REFERENCES[name].reference.__qualname__ != func.__qualname__:
            raise ValueError(f"kernel {name!r} already has a reference implementation")
        k = Kernel(name, func)
        _REFERENCES[name] = k
        return k

    return decorate


def register_twin(name: str, backend: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as ``backend``'s twin of kernel ``name``."""
    _check_kernel_name(name)
    if backend not in BACKEND_NAMES:
        raise ValueError(f"unknown backend {backend!r}; valid names are: {', '.join(BACKEND_NAMES)}")

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        _TWINS[(name, backend)] = func
        return func

    return decorate


def _load_twins(backend: str) -> None:
    """Import every twin module of ``backend`` once (they register themselves on import)."""
    if backend in _LOADED or backend not in _TWIN_PACKAGES:
        return
    _LOADED.add(backend)
    package = importlib.import_module(_TWIN_PACKAGES[backend])
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")


def get_kernel(name: str, backend: str | None = None) -> Callable[..., Any]:
    """Return the implementation of kernel ``name`` that runs on ``backend`` (default: active).

    The twin registered for that backend if any, else a twin of a backend it falls back to
    (numba → numpy), else the reference.

    Raises
    ------
    TypeError
        ``name`` is not a non-empty string.
    ValueError
        No kernel of that name is registered, or ``backend`` is not a known backend name.
    """
    _check_kernel_name(name)
    if name not in _REFERENCES:
        raise ValueError(f"name must be a registered kernel name; no kernel called {name!r} is registered "
                         f"(known kernels: {sorted(_REFERENCES)})")
    backend = backend or get_backend().name
    if backend not in BACKEND_NAMES:
        raise ValueError(f"backend must be one of {', '.join(BACKEND_NAMES)}; got {backend!r}")
    for candidate in (backend, *_TWIN_FALLBACK.get(backend, ())):
        _load_twins(candidate)
        if (name, candidate) in _TWINS:
            return _TWINS[(name, candidate)]
    return _REFERENCES[name].reference


def _import_all_algorithms() -> None:
    import refimpl

    for info in pkgutil.walk_packages(refimpl.__path__, "refimpl."):
        if info.name.startswith(("refimpl.backends", "refimpl.validation", "refimpl.cli")):
            continue
        importlib.import_module(info.name)


def kernel_table() -> dict[str, dict[str, str]]:
    """Per kernel, per backend: ``"twin"`` (its own twin runs), ``"twin (numpy)"`` (a fallback
    backend's twin runs) or ``"reference"``.

    Imports every algorithm module (so every reference is registered) and every twin module
    whose library is importable here; a twin package that cannot be imported is reported as
    ``"reference"`` on that machine.
    """
    _import_all_algorithms()
    for backend in _TWIN_PACKAGES:
        try:
            _load_twins(backend)
        except ImportError:
            _LOADED.discard(backend)
    def level(name: str, backend: str) -> str:
        if (name, backend) in _TWINS:
            return "twin"
        for other in _TWIN_FALLBACK.get(backend, ()):
            if (name, other) in _TWINS:
                return f"twin ({other})"
        return "reference"

    return {name: {b: level(name, b) for b in BACKEND_NAMES} for name in sorted(_REFERENCES)}
