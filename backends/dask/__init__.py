"""The ``dask`` backend: lazy, chunked arrays (``dask.array``), locally out of core or on a cluster.

Dask is the engine; refimpl writes no scheduler. The backend's namespace is
``array_api_compat.dask.array`` with two fixes (``linalg.svdvals``, which the compat layer routes
through a full SVD that dask does not have, and ``take`` with a small lazy index array, which dask
gets wrong for a length-1 index along axis 1). What this package adds:

* :func:`asarray`: the dask side of :class:`refimpl.backends.Boundary`. A dask input stays lazy
  (only a dtype cast is added to its graph); a host input (NumPy, lists) is wrapped with
  :func:`dask.array.from_array` and split into row chunks (:func:`host_chunk_rows`), so an
  algorithm sees the same kind of array whether the caller passed NumPy or dask.
* :func:`is_row_result`: which results stay lazy. An array whose axis 0 is chunked like the rows
  of a dask input (an n-row result: leverage scores, an EIM basis) is returned as a dask array;
  everything else (a λ̂ curve, a quantile, a d x m sketch, a d-vector) is computed and returned as
  NumPy: it is small, and returning it lazily would only recompute the whole graph at every use.
* twins of the leaf kernels that need a chunk-aware form (``sampling.qr_scores`` and
  ``sampling.thin_qr`` in two reads of A, TSQR for R then one triangular solve per chunk,
  ``sampling.sparse_sign_apply`` blockwise, ``conformal.crc_risk_sums`` as one fused reduction,
  ``conformal.kth_smallest`` and ``conformal.weighted_quantile`` by an exact distributed
  selection, ``eim.greedy_step`` with the residual persisted), in ``backends/dask/<family>.py``;
  the coordinated sketches (each partition sketched independently with the shared hash) in
  :mod:`refimpl.backends.dask.coordinated`.
* :func:`client_info` and :func:`max_task_bytes` (a scheduler callback the tests use to check that
  no task ever holds more than an input chunk).

Everything here imports dask lazily or is imported only once the ``dask`` backend is loaded, so
importing refimpl never imports dask.
"""

from __future__ import annotations

import contextlib
import math
import os
import types
from collections.abc import Iterator
from typing import Any

import numpy as np

from .._convert import array_library, numpy_dtype, to_numpy

__all__ = ["asarray", "client_info", "host_chunk_rows", "is_row_result", "max_task_bytes", "namespace"]

#: Environment variable: rows per chunk when a host array is wrapped for the dask backend.
CHUNK_ROWS_ENV = "REFIMPL_DASK_CHUNK_ROWS"
#: Environment variable: at most this many row chunks for a wrapped host array (default: no cap).
MAX_CHUNKS_ENV = "REFIMPL_DASK_MAX_CHUNKS"
#: Default target size of one chunk of a wrapped host array.
TARGET_CHUNK_BYTES = 64 * 2**20

_NAMESPACE: types.ModuleType | None = None


def namespace() -> types.ModuleType:
    """``array_api_compat.dask.array`` with two fixes: ``linalg.svdvals`` (a thin SVD, no full one) and
    ``take`` (a small lazy index array is computed first; see the comment there)."""
    global _NAMESPACE
    if _NAMESPACE is None:
        import array_api_compat.dask.array as base
        import dask.array as da

        ns = types.ModuleType("refimpl.backends.dask.xp", "array_api_compat.dask.array with refimpl's fixes")
        ns.__dict__.update({k: v for k, v in vars(base).items() if not k.startswith("__")})
        linalg = types.ModuleType("refimpl.backends.dask.xp.linalg")
        linalg.__dict__.update({k: v for k, v in vars(base.linalg).items() if not k.startswith("__")})

        def svdvals(x: Any) -> Any:
            x = x.rechunk({0: -1, 1: -1}) if x.shape[0] < x.shape[1] else x.rechunk({1: -1})
            if x.shape[0] < x.shape[1]:
                return da.linalg.svd(x.T)[1]
            return da.linalg.svd(x)[1]

        linalg.svdvals = svdvals
        base_take = base.take

        def take(x: Any, indices: Any, /, *, axis: int | None = None) -> Any:
            # small index arrays are computed first: dask indexes wrongly with a lazy length-1 index
            # along axis 1 (it returns every column), and a host index lets dask plan the gather
            if array_library(indices) == "dask" and indices.size <= 2**24:
                indices = np.asarray(indices.compute())
            return base_take(x, indices, axis=axis) if axis is not None else base_take(x, indices)

        ns.take = take
        ns.linalg = linalg
        _NAMESPACE = ns
    return _NAMESPACE


def host_chunk_rows(shape: tuple[int, ...], itemsize: int) -> int:
    """Rows per chunk for a host array of ``shape`` wrapped by the dask backend.

    ``REFIMPL_DASK_CHUNK_ROWS`` if set (the test suite sets a small value so that every algorithm
    runs on several chunks), else about 64 MiB per chunk; at most ``REFIMPL_DASK_MAX_CHUNKS`` chunks
    if that is set; never fewer rows than columns (tall blocks).
    """
    n = int(shape[0]) if shape else 1
    width = int(np.prod(shape[1:], dtype=np.int64)) if len(shape) > 1 else 1
    env = _env_int(CHUNK_ROWS_ENV, "rows per chunk")
    rows = env if env is not None else max(1, TARGET_CHUNK_BYTES // max(1, width * itemsize))
    cap = _env_int(MAX_CHUNKS_ENV, "the largest number of row chunks")
    if cap is not None:
        rows = max(rows, -(-n // cap))
    if len(shape) == 2:
        rows = max(rows, int(shape[1]))
    return max(1, min(rows, max(n, 1)))


def _env_int(var: str, what: str) -> int | None:
    env = os.environ.get(var, "").strip()
    if not env:
        return None
    try:
        value = int(env)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{var} must be a positive integer ({what}); got {env!r}")
    return value


def asarray(x: Any, dtype: Any = None, row_chunks: tuple[int, ...] | None = None) -> Any:
    """``x`` as a dask array: lazy input stays lazy, host input is wrapped in row chunks.

    Parameters
    ----------
    x : dask array, array of another library, sequence or scalar
    dtype : dtype, optional
        Cast (lazily) to this dtype.
    row_chunks : tuple of int, optional
        Row chunks to use for a host array with that many rows (the Boundary passes the chunks of
        the first dask input of the same length, so that a weight vector lines up with its table).
    """
    import dask.array as da

    if array_library(x) == "dask":
        if dtype is not None and numpy_dtype(x) != numpy_dtype(dtype):
            return x.astype(numpy_dtype(dtype))
        return x
    host = np.asarray(to_numpy(x))
    if dtype is not None:
        host = host.astype(numpy_dtype(dtype), copy=False)
    if host.ndim == 0:
        return da.from_array(host, chunks=())
    if row_chunks is not None and sum(row_chunks) == host.shape[0]:
        chunks: Any = (row_chunks,) + tuple((s,) for s in host.shape[1:])
    else:
        rows = host_chunk_rows(host.shape, host.dtype.itemsize)
        chunks = (rows,) + tuple(host.shape[1:])
    return da.from_array(host, chunks=chunks)


def is_row_result(x: Any, row_chunks: list[tuple[int, ...]]) -> bool:
    """Whether ``x`` is an n-row result: a dask array whose axis 0 is chunked like a dask input's rows."""
    if array_library(x) != "dask" or x.ndim == 0:
        return False
    return any(tuple(x.chunks[0]) == tuple(rc) for rc in row_chunks)


def client_info() -> tuple[str, str]:
    """(dask version, a line about the active distributed client) for ``refimpl info``."""
    try:
        import dask
    except ImportError as exc:
        return "not installed", f"dask unavailable ({exc})"
    try:
        from distributed import get_client
    except ImportError:
        return dask.__version__, "dask.distributed not installed (local schedulers only)"
    try:
        client = get_client()
    except ValueError:
        return dask.__version__, "no distributed client active (local threaded scheduler)"
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
    except Exception:  # pragma: no cover - a client that cannot reach its scheduler
        n_workers = -1
    return dask.__version__, f"distributed client active: {client.scheduler.address} ({n_workers} workers)"


@contextlib.contextmanager
def max_task_bytes() -> Iterator[dict[str, int]]:
    """Record the largest task result computed by a local dask scheduler inside the block.

    Yields a dict whose ``"bytes"`` entry is the largest ``nbytes`` of any NumPy result (and
    ``"key"`` its task). Works with the synchronous and threaded schedulers (a
    :class:`dask.callbacks.Callback`), not with a distributed client.
    """
    from dask.callbacks import Callback

    record = {"bytes": 0, "key": ""}

    def posttask(key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        size = _nbytes(result)
        if size > record["bytes"]:
            record["bytes"] = size
            record["key"] = str(key)

    with Callback(posttask=posttask):
        yield record


def _nbytes(result: Any) -> int:
    if isinstance(result, np.ndarray):
        return int(result.nbytes)
    if isinstance(result, (tuple, list)):
        return sum(_nbytes(r) for r in result)
    if isinstance(result, dict):
        return sum(_nbytes(r) for r in result.values())
    return 0


def chunk_bytes(x: Any) -> int:
    """The largest chunk of the dask array ``x``, in bytes."""
    rows = max(x.chunks[0]) if x.ndim else 1
    rest = math.prod(max(c) for c in x.chunks[1:]) if x.ndim > 1 else 1
    return int(rows * rest * x.dtype.itemsize)
