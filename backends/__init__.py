"""The refimpl backend layer (installed as ``refimpl.backends``).

A backend bundles an array namespace, a device and a kernel engine; see the Backends page of the docs and
:mod:`refimpl.backends._registry`. This package never imports an algorithm.

* selection: :func:`get_backend`, :func:`use_backend`, ``REFIMPL_BACKEND``, :func:`available_backends`;
* boundary: :class:`Boundary` (convert inputs once, return in the caller's library);
* leaf kernels: :func:`leaf_kernel`, :func:`register_twin`, :func:`get_kernel`, :func:`kernel_table`;
* array-API gaps: :mod:`refimpl.backends.linalg`;
* randomness: :func:`check_rng`;
* declared capabilities: :func:`capabilities`, :func:`capability_table` (per public function,
  per backend: native, host round trip or unsupported);
* dtype names across libraries: :func:`numpy_dtype`, :func:`is_complex`, :func:`real_dtype_name`.

Module graph (no cycles): ``_convert`` (library/dtype/host conversion, NumPy only) ← ``_registry``
← ``_boundary``, ``_kernels``, ``_capabilities``; ``linalg`` uses ``_convert``.
"""

from . import linalg
from ._boundary import Boundary
from ._capabilities import (
    BackendUnsupportedError,
    Capabilities,
    HostRoundTripWarning,
    capabilities,
    capability_of,
    capability_table,
)
from ._convert import array_library, is_complex, numpy_dtype, real_dtype_name, to_library, to_numpy
from ._kernels import Kernel, get_kernel, leaf_kernel, kernel_table, register_twin
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
    "BackendUnsupportedError",
    "Capabilities",
    "HostRoundTripWarning",
    "Boundary",
    "Kernel",
    "UnknownBackendError",
    "array_library",
    "available_backends",
    "capabilities",
    "capability_of",
    "capability_table",
    "check_rng",
    "default_backend_name",
    "get_backend",
    "get_kernel",
    "is_complex",
    "kernel_table",
    "leaf_kernel",
    "linalg",
    "load_backend",
    "numpy_dtype",
    "real_dtype_name",
    "register_twin",
    "to_library",
    "to_numpy",
    "use_backend",
]
