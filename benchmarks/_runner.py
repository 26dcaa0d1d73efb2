"""Side-by-side benchmark helpers: pinned BLAS threads, best-of timings, ratio tables.

Usage in a benchmark script (run as ``python benchmarks/bench_<name>.py``)::

    from _runner import pin_threads
    pin_threads(1)               # before NumPy is imported anywhere
    import numpy as np
    from _runner import timeit, report
    rows = [dict(name="solve 256^2", refimpl=timeit(f), peer=timeit(g), peer_name="numpy eigh")]
    report(rows)

Timings are wall-clock best and median over ``repeat`` runs after ``warmup`` untimed runs (so
Numba compilation and caches stay out of the timed region). The ratio is ``peer / refimpl``:
above 1 means refimpl is faster.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

_THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
                "VECLIB_MAXIMUM_THREADS")


def pin_threads(n: int = 1) -> None:
    """Pin BLAS/OpenMP/Numba threads to ``n`` (call before NumPy is imported)."""
    if "numpy" in sys.modules:
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(n)
        except ImportError:
            print("warning: numpy was imported before pin_threads(); BLAS threads may not be pinned",
                  file=sys.stderr)
    for var in _THREAD_VARS:
        os.environ[var] = str(n)


def timeit(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1, number: int = 1) -> dict[str, float]:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeat`` timed batches of ``number`` calls.

    Returns ``{"best": s, "median": s}`` in seconds per call.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return {"best": min(times), "median": statistics.median(times)}


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.3f} s "


def report(rows: Iterable[dict[str, Any]], *, title: str = "") -> list[dict[str, Any]]:
    """Print a ratio table; each row has ``name``, ``refimpl`` and ``peer`` timings and ``peer_name``.

    Returns the rows with ``ratio = peer_best / refimpl_best`` added.
    """
    rows = list(rows)
    threads = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in _THREAD_VARS[:2])
    print(f"\n{title or 'benchmark'}  (Python {platform.python_version()}, {threads})")
    head = f"{'case':<38} {'refimpl':>11} {'peer':>11} {'peer name':<28} {'peer/refimpl':>12}"
    print(head)
    print("-" * len(head))
    for r in rows:
        ref, peer = r["refimpl"]["best"], r["peer"]["best"]
        r["ratio"] = peer / ref
        print(f"{r['name']:<38} {_fmt(ref):>11} {_fmt(peer):>11} {r.get('peer_name', ''):<28} {r['ratio']:>11.2f}x")
    return rows
