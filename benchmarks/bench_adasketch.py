"""AdaSketch-Newton benchmark: sketch iterations and wall time per problem; the Numba inner loop vs its reference.

All timings single-threaded (BLAS pinned before NumPy is imported), compile time excluded (one
untimed warm-up run per backend).

1. Per problem (the closed-form HS subset and Poisson control N = 3, GV sketch, tol 1e-4, rng 0) on
   the numba backend: outer iterations, total sketch steps, wall time, µs per sketch step.
2. The inner loop ``newton.sketch_steps``: wall time per sketch step of the Numba twin against the
   array-API reference (NumPy), both GV and RK, on the KKT matrix of HS78 (N = 8) and of Poisson
   control (N = 27), 20 000 steps at threshold 0. Target: twin ≥ 5× faster.

Run: ``python benchmarks/bench_adasketch.py [--quick]`` (``--quick``: fewer problems and steps).
"""
from _runner import pin_threads

pin_threads(1)

import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from refimpl import use_backend  # noqa: E402
from refimpl.backends import get_kernel  # noqa: E402
from refimpl.newton import adasketch_newton, hs_problem, poisson_control_problem  # noqa: E402
from refimpl.newton.adasketch import sketch_steps  # noqa: E402


def _kkt(p):
    x, lam = p.x0, p.lam0
    H = np.asarray(p.hess(x)) + np.tensordot(lam, np.asarray(p.hess_c(x)), axes=1)
    G = np.asarray(p.jac(x))
    m = G.shape[0]
    K = np.block([[H + np.eye(p.n), G.T], [G, np.zeros((m, m))]])
    b = -np.concatenate([np.asarray(p.grad(x)) + lam @ G, np.asarray(p.c(x))])
    return K, b


def bench_problems(names):
    print(f"{'problem':8s} {'outer':>5s} {'sketch steps':>12s} {'time [s]':>9s} {'us/step':>8s}")
    with use_backend("numba"):
        adasketch_newton(hs_problem("BOOTH"), rng=0)  # compile
        for name in names:
            p = poisson_control_problem(3) if name == "PDE" else hs_problem(name)
            kw = dict(max_inner=10**6) if name == "PDE" else {}
            t0 = time.perf_counter()
            r = adasketch_newton(p, rng=0, **kw)
            dt = time.perf_counter() - t0
            print(f"{name:8s} {r.n_iter:5d} {r.n_inner:12d} {dt:9.2f} {1e6 * dt / max(r.n_inner, 1):8.2f}")


def bench_kernel(steps):
    twin = get_kernel("newton.sketch_steps", "numba")
    print(f"{'system':10s} {'sketch':8s} {'reference us/step':>18s} {'numba us/step':>14s} {'ratio':>6s}")
    for label, p in (("HS78 (8)", hs_problem("HS78")), ("PDE (27)", poisson_control_problem(3))):
        K, b = _kkt(p)
        N = K.shape[0]
        rng = np.random.default_rng(0)
        S = rng.standard_normal((steps, N))
        idx = rng.integers(0, N, steps)
        rn2 = np.sum(K * K, axis=1)
        z, r = np.zeros(N), -b
        for gaussian in (True, False):
            twin(K, b, z, r, S[:10], idx[:10], rn2, 0.0, gaussian)  # compile
            n_ref = max(steps // 10, 100)
            t0 = time.perf_counter()
            sketch_steps.reference(K, b, z, r, S[:n_ref], idx[:n_ref], rn2, 0.0, gaussian)
            t_ref = (time.perf_counter() - t0) / n_ref
            t0 = time.perf_counter()
            twin(K, b, z, r, S, idx, rn2, 0.0, gaussian)
            t_twin = (time.perf_counter() - t0) / steps
            print(f"{label:10s} {'GV' if gaussian else 'RK':8s} {1e6 * t_ref:18.2f} {1e6 * t_twin:14.3f} "
                  f"{t_ref / t_twin:6.1f}x")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    names = ["HS6", "HS7", "HS28", "HS40", "HS42", "HS48", "HS51", "HS56", "HS78", "HS79", "BOOTH"] if quick else [
        "HS6", "HS7", "HS28", "HS40", "HS42", "HS47", "HS48", "HS50", "HS51", "HS52", "HS56", "HS77", "HS78", "HS79",
        "BOOTH", "PDE"]
    bench_problems(names)
    bench_kernel(5000 if quick else 20000)
