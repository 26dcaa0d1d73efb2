"""Side-by-side benchmark helpers: pinned BLAS threads, device-synchronised timings, ratio tables, JSON.

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

GPU timings: kernel launches are asynchronous, so a clock read right after a call measures the
launch, not the work. :func:`timeit` synchronises the device (:func:`sync`) before starting and
before stopping its clock; a hand-written timing uses :func:`clock` (``sync()`` then
``time.perf_counter()``) instead of a bare ``time.perf_counter()``::

    t0 = clock(); run(); elapsed = clock() - t0

JSON: when ``REFIMPL_BENCH_JSON=path`` is set, every :func:`report` row and every :func:`record`
call is appended to ``path`` as one JSON object per line (script, title, case, seconds, ratio,
``REFIMPL_BACKEND`` as env_backend, device), so a run can be compared by machine; ``benchmarks/gpu_check.sh`` collects them.
"""

from __future__ import annotations

import json
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


def sync() -> None:
    """Wait for all queued GPU work of CuPy and torch (only libraries already imported; no-op on CPU)."""
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        try:
            cupy.cuda.Device().synchronize()
        except Exception:  # no CUDA device / driver: nothing can be queued
            pass
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            if torch.cuda.is_available() and torch.cuda.is_initialized():
                torch.cuda.synchronize()
        except Exception:
            pass


def clock() -> float:
    """:func:`time.perf_counter` after :func:`sync`: the clock to read around GPU work."""
    sync()
    return time.perf_counter()


def timeit(fn: Callable[[], Any], *, repeat: int = 5, warmup: int = 1, number: int = 1) -> dict[str, float]:
    """Time ``fn()``: ``warmup`` untimed calls, then ``repeat`` timed batches of ``number`` calls.

    The device is synchronised before each batch starts and before its clock stops, so GPU
    timings measure the work, not the launches. Returns ``{"best": s, "median": s}`` in seconds
    per call.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = clock()
        for _ in range(number):
            fn()
        times.append((clock() - t0) / number)
    return {"best": min(times), "median": statistics.median(times)}


def bench_backends(*names: str) -> list[str]:
    """The backends a benchmark times: ``names`` that can run here, plus ``REFIMPL_BACKEND`` if set.

    So ``REFIMPL_BACKEND=cupy python benchmarks/bench_x.py`` (the GPU check) also times cupy in a
    script written as ``for backend in bench_backends("numpy", "numba"): with use_backend(backend): ...``.
    """
    from refimpl.backends import available_backends

    status = available_backends()
    chosen = [n for n in names if status.get(n, "unknown") is None]
    env = os.environ.get("REFIMPL_BACKEND", "").strip()
    if env and env not in chosen:
        if status.get(env, "unknown") is not None:
            print(f"warning: REFIMPL_BACKEND={env} cannot run here: {status.get(env, 'unknown backend')}",
                  file=sys.stderr)
        else:
            chosen.append(env)
    return chosen


def _json_path() -> str | None:
    return os.environ.get("REFIMPL_BENCH_JSON") or None


def _device() -> str:
    torch = sys.modules.get("torch")
    cupy = sys.modules.get("cupy")
    try:
        if cupy is not None and cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    except Exception:
        pass
    try:
        if torch is not None and torch.cuda.is_available():
            return torch.cuda.get_device_name(0)
    except Exception:
        pass
    return platform.processor() or platform.machine()


def record(case: str, seconds: float | dict[str, float], *, title: str = "", **extra: Any) -> None:
    """Append one timing (seconds, or a :func:`timeit` dict) to the ``REFIMPL_BENCH_JSON`` file, if set."""
    path = _json_path()
    if path is None:
        return
    if isinstance(seconds, dict):
        extra = {**{f"seconds_{k}": v for k, v in seconds.items()}, **extra}
        seconds = seconds["best"]
    row = {"script": os.path.basename(sys.argv[0]), "title": title, "case": case, "seconds": float(seconds),
           "env_backend": os.environ.get("REFIMPL_BACKEND", "numpy"), "device": _device(),
           "threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"), **extra}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(row, default=str) + "\n")


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
        record(r["name"], r["refimpl"], title=title, peer_name=r.get("peer_name", ""),
               peer_seconds=r["peer"]["best"], ratio=r["ratio"])
    return rows
