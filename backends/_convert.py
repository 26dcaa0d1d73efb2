"""Array-library identification, host/device conversion and dtype names: the leaf of the backend layer.

Everything here depends on NumPy alone (other libraries are imported only to build their arrays),
so :mod:`._registry` and :mod:`._boundary` can both import it without an import cycle.

dtype helpers
-------------
Array libraries spell dtypes differently (``torch.float32``, ``array_api_strict.float64``,
``dtype('float64')``). :func:`numpy_dtype` maps any of them to the equivalent NumPy dtype once, and
:func:`is_complex` / :func:`real_dtype_name` answer the two questions algorithms ask; nothing else
in refimpl parses ``str(x.dtype)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["array_library", "is_complex", "numpy_dtype", "real_dtype_name", "to_library", "to_numpy"]

#: The array libraries :func:`to_library` can build.
LIBRARIES: tuple[str, ...] = ("numpy", "cupy", "torch", "array_api_strict", "dask")


def array_library(x: Any) -> str | None:
    """Name the array library of ``x``, or ``None`` for scalars, sequences and unknown objects."""
    module = type(x).__module__.split(".", 1)[0]
    if isinstance(x, np.ndarray) or (module == "numpy" and hasattr(x, "dtype") and hasattr(x, "shape")):
        return "numpy"
    if module in ("cupy", "torch", "array_api_strict"):
        return module
    if module == "dask" and hasattr(x, "dask") and hasattr(x, "chunks"):  # dask.array.Array (lazy)
        return "dask"
    return None


def to_numpy(x: Any) -> np.ndarray:
    """Copy any supported array (or array-like) to a host :class:`numpy.ndarray`."""
    library = array_library(x)
    if library == "numpy" or library is None:
        return np.asarray(x)
    if library == "cupy":
        return x.get()
    if library == "torch":
        return x.detach().cpu().numpy()
    if library == "dask":  # computes the array (on the active distributed client, if any)
        return np.asarray(x.compute())
    # array_api_strict: its arrays speak DLPack on the CPU device.
    return np.from_dlpack(x)


def to_library(x: Any, library: str | None, device: Any = None) -> Any:
    """Convert a backend array ``x`` into ``library`` (``None`` means NumPy) on ``device``.

    Any numeric array converts, values unchanged (NaN, infinities, complex and empty arrays
    included); plain sequences of numbers are accepted.

    Raises
    ------
    TypeError
        ``x`` is not a numeric array or sequence (None, an arbitrary object, strings).
    ValueError
        ``library`` is not one of :data:`LIBRARIES`.
    """
    if library is not None and (not isinstance(library, str) or library not in LIBRARIES):
        raise ValueError(f"library must be one of {', '.join(map(repr, LIBRARIES))} or None; got {library!r}")
    return _to_library(numeric_array(x, "x"), library, device)


def _to_library(x: Any, library: str | None, device: Any = None) -> Any:
    """:func:`to_library` without the checks (``x`` a supported array or array-like)."""
    library = library or "numpy"
    if array_library(x) == library and (library != "torch" or device is None or x.device == device):
        return x
    host = to_numpy(x)
    if library == "numpy":
        return host
    if library == "cupy":
        import cupy

        return cupy.asarray(host)
    if library == "torch":
        import torch

        return torch.asarray(host, device=device)
    if library == "dask":
        import dask.array as da

        return da.from_array(host, chunks=host.shape or ())
    import array_api_strict

    return array_api_strict.asarray(host)


def numeric_array(x: Any, name: str) -> Any:
    """``x`` itself if it is an array of a supported library, else ``numpy.asarray(x)``; numeric dtypes only.

    Raises
    ------
    TypeError
        ``x`` is None, a string, a ragged sequence or a non-numeric array (the message names ``name``).
    """
    if array_library(x) is None:
        if x is None or isinstance(x, (str, bytes)):
            raise TypeError(f"{name} must be a numeric array or sequence; got {type(x).__name__} {x!r:.40}")
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{name} must be a numeric array or sequence; got a ragged or invalid sequence ({exc})") from None
    dt = numpy_dtype(x)
    if dt is None or dt.kind not in "biufc":
        raise TypeError(f"{name} must be numeric (bool, integer, real or complex); got {type(x).__name__} with dtype "
                        f"{getattr(x, 'dtype', None)}")
    return x


def numpy_dtype(x: Any) -> np.dtype | None:
    """The NumPy dtype equivalent to the dtype of ``x`` (an array or a dtype object), else ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.backends import numpy_dtype
    >>> numpy_dtype(np.ones(2, dtype=np.float32)), numpy_dtype(np.complex128), numpy_dtype("abc")
    (dtype('float32'), dtype('complex128'), None)
    """
    dtype = x if isinstance(x, type) else getattr(x, "dtype", None)
    if dtype is None:
        # a dtype object itself: NumPy's dtype or scalar type, torch.dtype, array_api_strict's DType
        if not (isinstance(x, (np.dtype, type)) or type(x).__name__.lower() == "dtype"):
            return None
        dtype = x
    if isinstance(dtype, np.dtype):
        return dtype
    name = str(dtype).rsplit(".", 1)[-1]  # "torch.float32", "array_api_strict.float64", "float64"
    if isinstance(dtype, type):  # NumPy scalar types such as np.float64
        name = dtype.__name__
    try:
        return np.dtype(name)
    except TypeError:
        return None


def is_complex(x: Any) -> bool:
    """Whether ``x`` (an array or a dtype) has a complex floating dtype."""
    dt = numpy_dtype(x)
    return dt is not None and dt.kind == "c"


def real_dtype_name(x: Any) -> str:
    """The name of the real floating dtype at the precision of ``x``: ``"float32"`` or ``"float64"``.

    Complex dtypes give their real part's precision (complex64 → float32); integer, boolean and
    unknown dtypes give ``"float64"`` (the Boundary's dtype rule). Use it as
    ``getattr(xp, real_dtype_name(x))``.
    """
    dt = numpy_dtype(x)
    if dt is None or dt.kind not in "fc":
        return "float64"
    return np.finfo(dt).dtype.name
