"""The boundary rule: convert inputs once, compute on the backend, return in the caller's library.

Every public refimpl function follows one rule (the Architecture page of the docs):

1. it accepts array-likes of any supported library (NumPy, CuPy, torch, array_api_strict) or
   plain Python sequences;
2. it converts them **once** into the active backend's namespace;
3. it computes there;
4. it returns arrays in the **caller's** array library: NumPy in (or lists) → NumPy out, CuPy in
   → CuPy out, torch in → torch out (on the caller's device).

So a user's script runs unchanged under any ``REFIMPL_BACKEND``.

On the ``dask`` backend the boundary is chunk-aware: a dask input stays lazy (it is never
materialised by the conversion), a host input is split into row chunks (a vector with as many
rows as an earlier dask input gets that input's row chunks), and :meth:`Boundary.out` keeps an
n-row result (axis 0 chunked like a dask input's rows) lazy for a dask caller while small results
(a threshold, a curve over a grid, a d x m sketch) come back computed as NumPy. :class:`Boundary` packages the
rule; algorithms use it like this::

    bd = Boundary(X, y)
    xp = bd.xp
    X, y = bd.asarray(X, name="X"), bd.asarray(y, name="y")
    ...
    return bd.out(beta)

dtype rule: floating inputs keep their precision (mixed precisions promote, as
``numpy.result_type`` does); integer and boolean inputs compute in float64; complex inputs stay
complex (at the common precision) while real inputs stay real.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._convert import _to_library, array_library, numpy_dtype, to_library, to_numpy
from ._registry import Backend, get_backend

__all__ = ["Boundary", "array_library", "to_library", "to_numpy"]


class Boundary:
    """Conversion at the edge of a public function (see the module docstring).

    Parameters
    ----------
    *inputs
        The caller's array arguments (``None`` entries are ignored). The first one that belongs
        to a known array library decides the library results are returned in (NumPy if none
        does); all of them decide the floating dtype :attr:`dtype`.
    backend : Backend, optional
        The backend to compute on; the active one (:func:`refimpl.get_backend`) by default.

    Attributes
    ----------
    backend : Backend
    xp : module
        The backend's array namespace.
    dtype : dtype
        The common real floating dtype (precision) of the inputs in ``xp``: float64 if no input
        is floating; a complex128 input contributes float64.
    caller_library : str
        The caller's array library: results of :meth:`out` are converted into it.
    """

    def __init__(self, *inputs: Any, backend: Backend | None = None) -> None:
        self.backend = backend if backend is not None else get_backend()
        self.xp = self.backend.xp
        self.caller_library = "numpy"
        self.caller_device = None
        for x in inputs:
            library = array_library(x)
            if library is not None:
                self.caller_library = library
                self.caller_device = getattr(x, "device", None) if library == "torch" else None
                break
        floating = []
        for x in inputs:
            if x is None:
                continue
            dt = numpy_dtype(x)
            if dt is None and not np.isscalar(x):  # sequences; Python scalars never set the precision
                dt = np.asarray(x).dtype
            if dt is not None and dt.kind in "fc":
                floating.append(dt)
        # the common real precision; complex inputs stay complex at this precision (see asarray)
        self._np_dtype = np.finfo(np.result_type(*floating)).dtype if floating else np.dtype(np.float64)
        self.dtype = getattr(self.xp, self._np_dtype.name)
        # dask backend: the row chunks of the dask inputs (host vectors of the same length follow them)
        self._row_chunks: list[tuple[int, ...]] = []
        if self.backend.library == "dask":
            for x in inputs:
                if array_library(x) == "dask" and getattr(x, "ndim", 0) >= 1:
                    self._row_chunks.append(tuple(int(c) for c in x.chunks[0]))
        self._input_rows = list(self._row_chunks)  # the rule of out(): results chunked like these stay lazy

    def asarray(self, x: Any, *, dtype: Any = "float", name: str = "input") -> Any:
        """Convert one input into the backend.

        Parameters
        ----------
        x : array-like
        dtype : {"float", "keep"} or dtype, default "float"
            ``"float"``: the common floating dtype :attr:`dtype` (complex inputs stay complex);
            ``"keep"``: keep ``x``'s own dtype (integer index arrays, boolean masks);
            otherwise an ``xp`` dtype.
        name : str
            The argument's name, used in error messages.

        Raises
        ------
        TypeError
            ``x`` is not numeric (strings, objects, ragged nested sequences).
        """
        dt = numpy_dtype(x)
        if dt is None:
            try:
                host = np.asarray(x)
            except ValueError as exc:  # ragged nested sequences
                raise TypeError(f"{name} must be a numeric array-like; got {type(x).__name__} ({exc})") from None
            dt = host.dtype
            x = host
        if dt.kind not in "biufc":
            raise TypeError(f"{name} must be numeric (bool, integer, real or complex); got dtype {dt}")
        if isinstance(dtype, str):
            if dtype == "keep":
                dtype = None
            elif dtype == "float":
                target = self._np_dtype
                if dt.kind == "c":
                    target = np.result_type(target, np.complex64)
                dtype = getattr(self.xp, target.name)
            else:
                raise ValueError(f"dtype must be 'float', 'keep' or an array dtype; got {dtype!r}")
        if self.backend.library == "dask":
            return self._dask_asarray(x, dtype)
        return self.backend.asarray(x, dtype=dtype)

    def _dask_asarray(self, x: Any, dtype: Any) -> Any:
        from .dask import asarray as dask_asarray

        n = int(x.shape[0]) if getattr(x, "ndim", 0) >= 1 else None
        hint = next((rc for rc in self._row_chunks if sum(rc) == n), None)
        out = dask_asarray(x, dtype=dtype, row_chunks=hint)
        if out.ndim >= 1 and hint is None and out.ndim == 2:  # later vectors of this length line up with it
            self._row_chunks.append(tuple(int(c) for c in out.chunks[0]))
        return out

    def out(self, x: Any) -> Any:
        """Return the backend array ``x`` in the caller's array library (``None`` passes through).

        dask backend with a dask caller: an n-row result stays a lazy dask array, anything else is
        computed and returned as NumPy (see the module docstring).
        """
        if x is None:
            return None
        if self.caller_library == "dask":
            from .dask import is_row_result

            if is_row_result(x, self._input_rows):
                return x
            return to_numpy(x)
        return _to_library(x, self.caller_library, self.caller_device)
