"""refimpl: executable reference implementations of numerical algorithms from recent papers.

Every algorithm is written once against the Python array API and runs on the backend chosen by
``REFIMPL_BACKEND`` (``numpy`` by default, ``numba``, ``cupy``, ``torch``, ``array_api_strict``)
or by the :func:`use_backend` context manager. Public functions return arrays in the caller's
array library. Families live in subpackages: :mod:`refimpl.conformal`, :mod:`refimpl.gp`,
:mod:`refimpl.eim` (more to come: sampling, bcd, newton).
"""

from .backends import (
    Backend,
    BackendUnavailableError,
    UnknownBackendError,
    available_backends,
    get_backend,
    use_backend,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "Backend",
    "BackendUnavailableError",
    "UnknownBackendError",
    "__version__",
    "available_backends",
    "get_backend",
    "use_backend",
]
