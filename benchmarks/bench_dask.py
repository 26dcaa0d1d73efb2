"""Scale demonstration of the dask backend (not run in CI).

Leverage scores of a tall A (n x 20, float64) and the CRC threshold of an n x 100 loss table,
both stored on disk as npy stacks (one ``.npy`` file per row chunk, written by this script), on
a ``dask.distributed.LocalCluster`` of 2 worker processes with 1 thread each and a per-worker
memory limit far below the data size. For every n it reports the wall time, the time per row,
the peak resident memory of each worker (sampled every 0.2 s) and, at the end, the ratio of the
dask time per row to the in-memory numpy backend's time per row at n = 10^6 (best of 3 runs;
target: <= 2).

    python benchmarks/bench_dask.py                        # n = 1e6, 1e7, 5e7 (needs ~20 GB of disk)
    python benchmarks/bench_dask.py --sizes 1e5 1e6 --dir /tmp/x   # a quick check

The loss table is stored in float32 (5e7 x 100 float64 would be 40 GB, more than the 30 GB of disk
this benchmark may use; 0/1 losses are exact in float32). Generated data is deleted at the end
(and before the next data set is written).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from _runner import pin_threads  # noqa: E402

pin_threads(1)

import numpy as np  # noqa: E402

D = 20
M = 100
ALPHA = 0.1


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


class PeakMemory:
    """Sample every worker's resident memory in a background thread; keep each worker's peak."""

    def __init__(self, client, every: float = 0.2) -> None:
        self.client, self.every, self.peak = client, every, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for w, rss in self.client.run(_rss).items():
                    self.peak[w] = max(self.peak.get(w, 0), rss)
            except Exception:  # a worker restarting: keep sampling
                pass
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _chunk_rows(width: int, itemsize: int, target: int = 64 * 2**20) -> int:
    return max(1, target // (width * itemsize))


def write_A(path: str, n: int, seed: int = 0) -> None:
    import dask.array as da

    rows = _chunk_rows(D, 8)
    rng = da.random.default_rng(seed)
    A = rng.standard_normal((n, D), chunks=(rows, D)) * np.logspace(0, -1, D)
    da.to_npy_stack(path, A, axis=0)


def _loss_block(s: np.ndarray, grid: np.ndarray) -> np.ndarray:
    return (s[:, None] > grid[None, :]).astype(np.float32)  # miscoverage losses 1{s_i > λ_j}


def write_L(path: str, n: int, seed: int = 1) -> np.ndarray:
    import dask.array as da

    rows = _chunk_rows(M, 4)
    grid = np.linspace(0.0, 1.0, M)
    s = da.random.default_rng(seed).random(n, chunks=rows) ** 2
    L = s.map_blocks(_loss_block, grid, dtype=np.float32, chunks=(s.chunks[0], (M,)), new_axis=1)
    da.to_npy_stack(path, L, axis=0)
    return grid


def numpy_baseline(n: int) -> dict:
    from refimpl import use_backend
    from refimpl.conformal import crc_lambda_hat
    from refimpl.sampling import leverage_scores

    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, D)) * np.logspace(0, -1, D)
    with use_backend("numpy"):
        leverage_scores(A[:1000])
        t_lev = float("inf")
        for _ in range(3):  # best of 3: the shared machine is noisy, and the best is the strictest baseline
            t0 = time.perf_counter()
            tau = leverage_scores(A)
            t_lev = min(t_lev, time.perf_counter() - t0)
    del A, tau
    grid = np.linspace(0.0, 1.0, M)
    L = _loss_block(rng.random(n) ** 2, grid)
    with use_backend("numpy"):
        t0 = time.perf_counter()
        res = crc_lambda_hat(L, grid, ALPHA)
        t_crc = time.perf_counter() - t0
    return dict(n=n, leverage_s=t_lev, crc_s=t_crc, lambda_hat=res.lambda_hat)


def dask_run(client, root: str, n: int, only: str = "both") -> dict:
    import dask.array as da

    from refimpl import use_backend
    from refimpl.conformal import crc_lambda_hat
    from refimpl.sampling import leverage_scores

    out: dict = dict(n=n)
    a_path, t_path, l_path = (os.path.join(root, x) for x in ("A", "tau", "L"))
    if only in ("both", "leverage"):
        _leverage(client, out, n, a_path, t_path)
    if only in ("both", "crc"):
        _crc(client, out, n, l_path)
    return out


def _leverage(client, out: dict, n: int, a_path: str, t_path: str) -> None:
    import dask.array as da

    from refimpl import use_backend
    from refimpl.sampling import leverage_scores

    t0 = time.perf_counter()
    write_A(a_path, n)
    out["write_A_s"] = time.perf_counter() - t0
    A = da.from_npy_stack(a_path)
    out["A_GB"] = A.nbytes / 1e9
    out["A_chunk_MB"] = A.chunks[0][0] * D * 8 / 1e6
    with PeakMemory(client) as mem, use_backend("dask"):
        t0 = time.perf_counter()
        tau = leverage_scores(A)  # lazy n-vector: written chunk by chunk to disk
        da.to_npy_stack(t_path, tau, axis=0)
        out["leverage_s"] = time.perf_counter() - t0
    out["leverage_peak_worker_MB"] = max(mem.peak.values()) / 1e6
    out["tau_sum"] = float(da.from_npy_stack(t_path).sum().compute())  # = rank(A) = 20
    shutil.rmtree(a_path, ignore_errors=True)
    shutil.rmtree(t_path, ignore_errors=True)


def _crc(client, out: dict, n: int, l_path: str) -> None:
    import dask.array as da

    from refimpl import use_backend
    from refimpl.conformal import crc_lambda_hat

    t0 = time.perf_counter()
    grid = write_L(l_path, n)
    out["write_L_s"] = time.perf_counter() - t0
    L = da.from_npy_stack(l_path)
    out["L_GB"] = L.nbytes / 1e9
    with PeakMemory(client) as mem, use_backend("dask"):
        t0 = time.perf_counter()
        res = crc_lambda_hat(L, grid, ALPHA)
        out["crc_s"] = time.perf_counter() - t0
    out["crc_peak_worker_MB"] = max(mem.peak.values()) / 1e6
    out["lambda_hat"] = res.lambda_hat
    shutil.rmtree(l_path, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7, 5e7])
    ap.add_argument("--baseline", type=float, default=1e6, help="n of the in-memory numpy baseline")
    ap.add_argument("--dir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "refimpl-bench-dask"))
    ap.add_argument("--memory-limit", default="1GiB", help="per-worker memory limit")
    ap.add_argument("--json", default=None, help="append the results to this JSON-lines file")
    ap.add_argument("--only", choices=("both", "leverage", "crc"), default="both")
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    base = numpy_baseline(int(args.baseline))
    print(f"numpy, in memory, n = {base['n']:.0e}: leverage {base['leverage_s']:.2f} s "
          f"({base['leverage_s'] / base['n'] * 1e9:.0f} ns/row), CRC {base['crc_s']:.2f} s "
          f"({base['crc_s'] / base['n'] * 1e9:.0f} ns/row)", flush=True)
    os.makedirs(args.dir, exist_ok=True)
    rows = []
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=args.memory_limit,
                          host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
            limit_mb = int(cluster.workers[next(iter(cluster.workers))].memory_manager.memory_limit) / 1e6 \
                if hasattr(cluster.workers[next(iter(cluster.workers))], "memory_manager") else float("nan")
            for n in args.sizes:
                r = dask_run(client, args.dir, int(n), args.only)
                r["worker_limit_MB"] = limit_mb
                rows.append(r)
                if "leverage_s" in r:
                    print(f"dask, on disk, n = {r['n']:.0e}: A {r['A_GB']:.1f} GB (written in {r['write_A_s']:.0f} s), "
                          f"leverage {r['leverage_s']:.1f} s ({r['leverage_s'] / r['n'] * 1e9:.0f} ns/row, ratio to "
                          f"numpy {(r['leverage_s'] / r['n']) / (base['leverage_s'] / base['n']):.2f}), peak worker "
                          f"{r['leverage_peak_worker_MB']:.0f} MB (limit {limit_mb:.0f} MB), sum tau = "
                          f"{r['tau_sum']:.6f}", flush=True)
                if "crc_s" in r:
                    print(f"dask, on disk, n = {r['n']:.0e}: L {r['L_GB']:.1f} GB (written in {r['write_L_s']:.0f} s), "
                          f"CRC {r['crc_s']:.1f} s ({r['crc_s'] / r['n'] * 1e9:.0f} ns/row, ratio to numpy "
                          f"{(r['crc_s'] / r['n']) / (base['crc_s'] / base['n']):.2f}), peak worker "
                          f"{r['crc_peak_worker_MB']:.0f} MB (limit {limit_mb:.0f} MB), lambda_hat = "
                          f"{r['lambda_hat']:.4f}", flush=True)
    finally:
        shutil.rmtree(args.dir, ignore_errors=True)
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(dict(baseline=base, dask=rows)) + "\n")


if __name__ == "__main__":
    main()
