"""GP family benchmark: Kronecker solve + LML, GP-HM iterations, heteroscedastic PCG, peak memory.

All timings single-threaded (BLAS pinned before NumPy is imported), peers timed in the same run on the
same inputs (the peer cross-check recipe of claim G-6: SE ℓ = 0.1 grid, σ² = 1e-2, seeded data).

1. solve + LML on n×n grids (256², 1024²): ``refimpl.gp.grid_lml(..., return_alpha=True)`` against
   (a) a minimal NumPy eigendecomposition script (the physical floor: Σ n_j³ + N Σ n_j flops;
   target refimpl <= 1.2× its time) and (b) linear_operator's Kronecker path (target >= 2× faster).
2. GP-HM: ms per Adam iteration at n = 400 (1-D) and 400² (2-D) with the split between kernel
   evaluation (Toeplitz: 2n − 1 lags only), factorisations (Cholesky + inverse) and mode products.
3. heteroscedastic noise, PCG to relative residual 1e-8: iterations and time at 64² (vs dense Cholesky
   and linear_operator with cg_tolerance 1e-8) and at 256² (dense does not fit: 32 GiB).
4. peak Python-heap memory (tracemalloc) of solve + LML at 1024².

Run: ``python benchmarks/bench_gp.py [--quick]`` (``--quick`` skips the 1024² and 400² cases).
"""
from _runner import pin_threads

pin_threads(1)

import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from _runner import report, timeit  # noqa: E402
from refimpl.gp import gphm_problem, gphm_solve, grid_lml, kron_cg_solve  # noqa: E402


def peer_problem(n):
    """The G-6 peer cross-check input (also the heteroscedastic variances)."""
    x = np.linspace(0, 1, n)
    rng = np.random.default_rng(1000 * n + n)
    Y = np.sin(2 * np.pi * x)[:, None] * np.cos(3 * np.pi * x)[None, :] + 0.1 * rng.standard_normal((n, n))
    K = np.exp(-(x[:, None] - x[None, :]) ** 2 / (2 * 0.1**2))
    D = 1e-2 * (1 + 0.5 * np.random.default_rng(n * n).uniform(size=n * n)).reshape(n, n)
    return [K, K.copy()], Y, D


def numpy_floor(Ks, Y, s2):
    """The minimal eigendecomposition script: 2 eigh, 4 GEMMs, one elementwise pass."""
    l1, Q1 = np.linalg.eigh(Ks[0])
    l2, Q2 = np.linalg.eigh(Ks[1])
    S = np.maximum(l1, 0)[:, None] * np.maximum(l2, 0)[None, :] + s2
    alpha = Q1 @ ((Q1.T @ Y @ Q2) / S) @ Q2.T
    return -0.5 * np.sum(Y * alpha) - 0.5 * np.sum(np.log(S)) - 0.5 * Y.size * math.log(2 * math.pi), alpha


def load_linear_operator():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import torch
            from linear_operator import settings
            from linear_operator.operators import KroneckerProductLinearOperator
        torch.set_num_threads(1)
        return torch, KroneckerProductLinearOperator, settings
    except ImportError:
        return None


def bench_solve_lml(sizes, lo):
    rows = []
    for n in sizes:
        Ks, Y, _ = peer_problem(n)
        lml, alpha = grid_lml(Ks, Y, 1e-2, return_alpha=True)
        ref, a_ref = numpy_floor(Ks, Y, 1e-2)
        assert abs(lml - ref) < 1e-9 * abs(ref) and np.allclose(alpha, a_ref, rtol=1e-9, atol=1e-12)
        rep = 5 if n <= 256 else 3
        t_ref = timeit(lambda: grid_lml(Ks, Y, 1e-2, return_alpha=True), repeat=rep)
        rows.append(dict(name=f"solve+LML {n}x{n} (N={n * n})", refimpl=t_ref,
                         peer=timeit(lambda: numpy_floor(Ks, Y, 1e-2), repeat=rep), peer_name="NumPy eigh floor"))
        if lo is not None:
            torch, KPLO, _ = lo
            Kt = [torch.tensor(K) for K in Ks]
            y = torch.tensor(Y.ravel())[:, None]

            def run_lo():
                with torch.no_grad():
                    op = KPLO(*Kt).add_diagonal(torch.tensor(1e-2, dtype=torch.float64))
                    iq, ld = op.inv_quad_logdet(inv_quad_rhs=y, logdet=True)
                    return op.solve(y), float(-0.5 * iq - 0.5 * ld - 0.5 * n * n * math.log(2 * math.pi))

            a_lo, lml_lo = run_lo()
            assert abs(lml_lo - lml) < 1e-8 * abs(lml)
            rows.append(dict(name=f"solve+LML {n}x{n} (N={n * n})", refimpl=t_ref,
                             peer=timeit(run_lo, repeat=rep), peer_name="linear_operator 0.6"))
    return rows


def sync_device():
    """Wait for queued device work before reading the clock (GPU backends run asynchronously)."""
    from refimpl.backends import get_backend

    be = get_backend()
    if not be.is_gpu:
        return
    if be.library == "cupy":
        import cupy

        cupy.cuda.Device().synchronize()
    elif be.library == "torch":
        import torch

        torch.cuda.synchronize()


def bench_gphm(quick):
    from refimpl.backends import available_backends, use_backend

    print("\nGP-HM (StM, Q = 30), ms per Adam iteration (device synchronised) and split (host wall time):")
    cases = [("poisson_1d-single_sin", 40)] + ([] if quick else [("poisson_2d-sin_sin", 10)])
    backends = [b for b in ("numpy", "numba", "cupy") if available_backends()[b] is None]
    for name, iters in cases:
        prob = gphm_problem(name)
        for backend in backends:       # numba: the mixture-table leaf kernel runs as a fused twin
            with use_backend(backend):
                gphm_solve(prob, max_iter=2, eval_every=10**6, n_test=10)               # warm-up / JIT
                sync_device()
                t0 = time.perf_counter()
                res = gphm_solve(prob, max_iter=iters, eval_every=10**6, n_test=10)
                sync_device()
                total = (time.perf_counter() - t0) / iters * 1e3
            split = {k: f"{v / iters * 1e3:.1f}" for k, v in res.timings.items()}
            print(f"  {name:24s} n = {prob.n} [{backend:5s}]: {total:7.1f} ms/iter; split (ms): kernel "
                  f"{split['kernel']}, factor {split['factor']}, mode products/rest {split['modes']}")


def bench_hetero(lo, quick):
    print("\nHeteroscedastic noise, PCG to relative residual 1e-8:")
    rows = []
    for n in [64] + ([] if quick else [256]):
        Ks, Y, D = peer_problem(n)
        res = kron_cg_solve(Ks, Y, D, rtol=1e-8)
        t = timeit(lambda: kron_cg_solve(Ks, Y, D, rtol=1e-8), repeat=3)
        print(f"  {n}x{n}: {res.n_iter} PCG iterations, true rel. residual {res.true_residual:.1e}, "
              f"{t['median'] * 1e3:.1f} ms ({res.status.name})")
        mask = np.random.default_rng(7).uniform(size=Y.shape) > 0.2
        t0 = time.perf_counter()
        rm = kron_cg_solve(Ks, Y, D, mask=mask, rtol=1e-8, max_iter=20000)
        print(f"  {n}x{n} with 20% missing cells: {rm.n_iter} PCG iterations, true rel. residual "
              f"{rm.true_residual:.1e}, {(time.perf_counter() - t0) * 1e3:.0f} ms ({rm.status.name})")
        if n == 64:
            import scipy.linalg

            K = np.kron(Ks[0], Ks[1])
            A = K + np.diag(D.ravel())
            rows.append(dict(name=f"hetero solve {n}x{n}", refimpl=t,
                             peer=timeit(lambda: scipy.linalg.cho_solve(scipy.linalg.cho_factor(A), Y.ravel()),
                                         repeat=2), peer_name="dense Cholesky"))
            if lo is not None:
                torch, KPLO, settings = lo
                op = KPLO(*[torch.tensor(K_) for K_ in Ks]).add_diagonal(torch.tensor(D.ravel()))
                y = torch.tensor(Y.ravel())[:, None]

                def run_lo():
                    with torch.no_grad(), settings.cg_tolerance(1e-8), settings.max_cg_iterations(5000):
                        return op.solve(y)

                a = run_lo()[:, 0].numpy()
                rr = np.linalg.norm(A @ a - Y.ravel()) / np.linalg.norm(Y)
                rows.append(dict(name=f"hetero solve {n}x{n}", refimpl=t, peer=timeit(run_lo, repeat=1, warmup=0),
                                 peer_name=f"linear_operator CG tol 1e-8 (relres {rr:.0e})"))
        else:
            print("  dense: does not fit (N x N float64 = 32 GiB); linear_operator tuned CG: 147 s in "
                  "an earlier peer run (not re-run here)")
    return rows


def bench_memory(n):
    Ks, Y, _ = peer_problem(n)
    tracemalloc.start()
    tracemalloc.reset_peak()
    grid_lml(Ks, Y, 1e-2, return_alpha=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    N = n * n
    print(f"\nPeak traced memory, solve + LML at {n}x{n}: {peak / 2**20:.0f} MiB "
          f"(one N-vector = {N * 8 / 2**20:.0f} MiB; an N x N matrix would be {N * N * 8 / 2**40:.0f} TiB)")


def main() -> None:
    quick = "--quick" in sys.argv
    lo = load_linear_operator()
    if lo is None:
        print("linear_operator not installed: peer rows skipped (pip install 'refimpl[peers]')")
    rows = bench_solve_lml([256] if quick else [256, 1024], lo)
    rows += bench_hetero(lo, quick)
    report(rows, title="GP: Kronecker solve + LML and heteroscedastic PCG (ratio = peer / refimpl)")
    bench_gphm(quick)
    if not quick:
        bench_memory(1024)


if __name__ == "__main__":
    main()
