"""refimpl: executable reference implementations of numerical algorithms from recent papers.

Every algorithm is written once against the Python array API and runs on the backend chosen by
``REFIMPL_BACKEND`` (``numpy`` by default, ``numba``, ``cupy``, ``torch``, ``array_api_strict``)
or by the :func:`use_backend` context manager. Public functions return arrays in the caller's
array library. Families live in subpackages: :mod:`refimpl.conformal`, :mod:`refimpl.gp`,
:mod:`refimpl.eim` (more to come: sampling, bcd, newton).
"""

try:
    from .backends import (
        Backend,
        BackendUnavailableError,
        UnknownBackendError,
        available_backends,
        get_backend,
        use_backend,
    )
except ModuleNotFoundError as _exc:  # the checkout's refimpl/ folder without the package_dir mapping
    if _exc.name != "refimpl.backends":
        raise
    import os as _os

    raise ImportError(
        f"refimpl was imported from the source folder {_os.path.dirname(__file__)} but is not installed, so "
        "refimpl.backends (the top-level backends/ folder, mapped by setup.cfg) cannot be found. Install it "
        "with `pip install -e .` in the checkout, or, if it is installed, run Python from another directory "
        "(the checkout root shadows the installed package)."
    ) from None

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
