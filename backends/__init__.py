"""The refimpl backend layer (installed as ``refimpl.backends``).

A backend bundles an array namespace, a device and a kernel engine; see ARCHITECTURE.md §2 and
:mod:`refimpl.backends._registry`. This package never imports an algorithm.

* selection: :func:`get_backend`, :func:`use_backend`, ``REFIMPL_BACKEND``, :func:`available_backends`;
* boundary: :class:`Boundary` (convert inputs once, return in the caller's library);
* leaf kernels: :func:`kernel`, :func:`register_twin`, :func:`get_kernel`, :func:`kernel_table`;
* array-API gaps: :mod:`refimpl.backends.linalg`;
* randomness: :func:`check_rng`.
"""

from . import linalg
from ._boundary import Boundary, array_library, to_library, to_numpy
from ._kernels import Kernel, get_kernel, kernel, kernel_table, register_twin
from ._registry import (
    BACKEND_NAMES,
    Backend,
    BackendUnavailableError,
    UnknownBackendError,
    available_backends,
    default_backend_name,
    get_backend,
    load_backend,
    use_backend,
)
from ._rng import check_rng

__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "BackendUnavailableError",
    "Boundary",
    "Kernel",
    "UnknownBackendError",
    "array_library",
    "available_backends",
    "check_rng",
    "default_backend_name",
    "get_backend",
    "get_kernel",
    "kernel",
    "kernel_table",
    "linalg",
    "load_backend",
    "register_twin",
    "to_library",
    "to_numpy",
    "use_backend",
]
