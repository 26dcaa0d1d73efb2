"""Named backends and the selection of the active one.

A backend bundles three things (see the Architecture page of the docs):

* an array namespace ``xp`` (array-API compatible, via ``array_api_compat``),
* a device on which new arrays are placed,
* a kernel engine: which twin of a leaf kernel runs (see :mod:`refimpl.backends._kernels`).

Selection order: the innermost :func:`use_backend` block, else the ``REFIMPL_BACKEND``
environment variable, else ``"numpy"``. There is no silent fallback: an unknown name raises
:class:`UnknownBackendError` listing the valid names, and a known backend that cannot run here
raises :class:`BackendUnavailableError` saying why and how to fix it.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import importlib
import os
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np

from ._convert import array_library, to_numpy

__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "BackendUnavailableError",
    "UnknownBackendError",
    "available_backends",
    "get_backend",
    "load_backend",
    "use_backend",
]

#: Every backend refimpl knows, in the order the docs and the test fixture list them.
BACKEND_NAMES: tuple[str, ...] = ("numpy", "numba", "cupy", "torch", "array_api_strict", "dask")

ENV_VAR = "REFIMPL_BACKEND"
TORCH_DEVICE_ENV_VAR = "REFIMPL_TORCH_DEVICE"


class UnknownBackendError(ValueError):
    """Raised for a backend name refimpl does not know."""


class BackendUnavailableError(RuntimeError):
    """Raised for a known backend that cannot run on this machine (the message says why)."""


@dataclasses.dataclass(frozen=True, eq=False)
class Backend:
    """One named backend: array namespace, device and kernel engine.

    Attributes
    ----------
    name : str
        One of :data:`BACKEND_NAMES`; also the kernel-engine key of the twin registry.
    xp : module
        The array-API namespace algorithms compute with.
    device : object
        The device new arrays are created on (``"cpu"`` for host backends).
    is_gpu : bool
        Whether arrays live on a GPU.
    library : str
        The array library behind ``xp`` (``"numpy"``, ``"cupy"``, ``"torch"``,
        ``"array_api_strict"``, ``"dask"``); the numba backend uses ``"numpy"`` arrays.
    """

    name: str
    xp: ModuleType
    device: Any
    is_gpu: bool
    library: str

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """Return ``x`` as an array of this backend (one transfer at most).

        ``x`` may be an array of any supported library, a Python scalar or a nested sequence.
        Arrays already in this backend's library (and on its device) are not copied.
        """

        if self.library == "dask":  # lazy: dask input stays lazy, host input is split into row chunks
            from .dask import asarray as dask_asarray

            return dask_asarray(x, dtype=dtype)
        if array_library(x) == self.library and _on_device(x, self):
            return self.xp.asarray(x, dtype=dtype) if dtype is not None else x
        host = to_numpy(x)
        return self.xp.asarray(host, dtype=dtype, device=self.device)

    def to_numpy(self, x: Any) -> np.ndarray:
        """Copy a backend array to a host :class:`numpy.ndarray`."""

        return to_numpy(x)

    def __repr__(self) -> str:
        return f"Backend(name={self.name!r}, library={self.library!r}, device={self.device!r})"


def _on_device(x: Any, backend: Backend) -> bool:
    if backend.library != "torch":
        return True  # numpy/strict: one host device; cupy: arrays follow the current device
    return x.device == backend.device


# ---------------------------------------------------------------------------------------------
# Loaders: each returns a Backend or raises BackendUnavailableError with the fix.


def _import(module: str, extra: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailableError(
            f"{module} is not installed ({exc}); install it with: pip install \"refimpl[{extra}]\""
        ) from None


def _load_numpy() -> Backend:
    import array_api_compat.numpy as xp

    return Backend("numpy", xp, "cpu", False, "numpy")


def _load_numba() -> Backend:
    _import("numba", "numba")
    import array_api_compat.numpy as xp

    return Backend("numba", xp, "cpu", False, "numpy")


def _load_cupy() -> Backend:
    cupy = _import("cupy", "cupy")
    try:
        n_devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver/runtime missing raises CUDARuntimeError and friends
        raise BackendUnavailableError(
            f"cupy is installed but no CUDA device is visible ({type(exc).__name__}: {exc}); "
            "use a machine with an NVIDIA GPU and driver, or choose another backend"
        ) from None
    if n_devices < 1:
        raise BackendUnavailableError(
            "cupy is installed but no CUDA device is visible (getDeviceCount() == 0); "
            "use a machine with an NVIDIA GPU, or choose another backend"
        )
    import array_api_compat.cupy as xp

    return Backend("cupy", xp, cupy.cuda.Device(), True, "cupy")


def _load_torch() -> Backend:
    torch = _import("torch", "torch")
    wanted = os.environ.get(TORCH_DEVICE_ENV_VAR, "cpu")
    try:
        device = torch.device(wanted)
    except RuntimeError as exc:
        raise BackendUnavailableError(f"{TORCH_DEVICE_ENV_VAR}={wanted!r} is not a torch device: {exc}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise BackendUnavailableError(
            f"{TORCH_DEVICE_ENV_VAR}={wanted!r} asks for CUDA but torch sees no CUDA device"
        )
    import array_api_compat.torch as xp

    return Backend("torch", xp, device, device.type == "cuda", "torch")


def _load_array_api_strict() -> Backend:
    xp = _import("array_api_strict", "test")
    return Backend("array_api_strict", xp, xp.Device("CPU_DEVICE"), False, "array_api_strict")


def _load_dask() -> Backend:
    _import("dask.array", "dask")
    from .dask import namespace

    return Backend("dask", namespace(), "cpu", False, "dask")


_LOADERS: dict[str, Callable[[], Backend]] = {
    "numpy": _load_numpy,
    "numba": _load_numba,
    "cupy": _load_cupy,
    "torch": _load_torch,
    "array_api_strict": _load_array_api_strict,
    "dask": _load_dask,
}
_CACHE: dict[str, Backend] = {}


def _check_name(name: str) -> str:
    if not isinstance(name, str) or name not in _LOADERS:
        raise UnknownBackendError(
            f"unknown refimpl backend {name!r}; valid names are: {', '.join(BACKEND_NAMES)}"
        )
    return name


def load_backend(name: str) -> Backend:
    """Return the backend called ``name``, loading it on first use.

    Raises
    ------
    UnknownBackendError
        ``name`` is not one of :data:`BACKEND_NAMES`.
    BackendUnavailableError
        The backend is known but cannot run here (package missing, no CUDA device).
    """
    name = _check_name(name)
    if name not in _CACHE:
        _CACHE[name] = _LOADERS[name]()
    return _CACHE[name]


def available_backends() -> dict[str, str | None]:
    """Map every known backend name to ``None`` if it can run here, else the reason it cannot."""
    status: dict[str, str | None] = {}
    for name in BACKEND_NAMES:
        try:
            load_backend(name)
        except BackendUnavailableError as exc:
            status[name] = str(exc)
        else:
            status[name] = None
    return status


_ACTIVE: contextvars.ContextVar[str | None] = contextvars.ContextVar("refimpl_backend", default=None)


def default_backend_name() -> tuple[str, str]:
    """Return ``(name, source)`` of the backend used outside any :func:`use_backend` block."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env, f"environment variable {ENV_VAR}"
    return "numpy", "built-in default"


def get_backend() -> Backend:
    """Return the active backend: innermost :func:`use_backend`, else ``REFIMPL_BACKEND``, else numpy.

    Raises
    ------
    UnknownBackendError, BackendUnavailableError
        As :func:`load_backend`; the message names where the name came from.
    """
    name = _ACTIVE.get()
    if name is not None:
        return load_backend(name)
    name, source = default_backend_name()
    try:
        return load_backend(name)
    except (UnknownBackendError, BackendUnavailableError) as exc:
        raise type(exc)(f"{exc} (backend {name!r} was chosen by the {source})") from None


@contextlib.contextmanager
def use_backend(name: str | Backend) -> Iterator[Backend]:
    """Make ``name`` the active backend inside a ``with`` block.

    The choice lives in a :class:`contextvars.ContextVar`, so it is private to the current thread
    or asyncio task, and blocks nest (the innermost wins). The backend is loaded on entry, so an
    unusable backend fails at the ``with`` line, not deep inside an algorithm.

    Examples
    --------
    >>> import refimpl
    >>> with refimpl.use_backend("numpy") as be:
    ...     be.name
    'numpy'
    """
    backend = load_backend(name.name if isinstance(name, Backend) else name)
    token = _ACTIVE.set(backend.name)
    try:
        yield backend
    finally:
        _ACTIVE.reset(token)
