"""Affine-scaling trust region benchmark: the H-equation (n = 1000) against SciPy ``least_squares(method="trf")``.

Chandrasekhar's H-equation (midpoint rule, n = 1000, c = 0.99, box x ≥ 0, x0 = 1) with its analytic
dense Jacobian. SciPy runs first with its default tolerances; ``scaled_trust_region`` then runs to the
same final residual (``ftol`` = SciPy's final ‖F‖, so ours ends at or below it). Both single-threaded,
timed in the same run (best of a few repeats). Target: ours within 2× of SciPy's wall time
(peer / refimpl ≥ 0.5). Also times c = 0.9999 (nearly singular Jacobian) and the four scalings, and
torch (CPU) when it is installed.

Run: ``python benchmarks/bench_trust_region.py [--quick]`` (``--quick``: n = 400).
"""
from _runner import pin_threads

pin_threads(1)

import sys  # noqa: E402

import numpy as np  # noqa: E402

from _runner import bench_backends, report, timeit  # noqa: E402
from refimpl.backends import use_backend  # noqa: E402
from refimpl.newton import chandrasekhar_h, scaled_trust_region  # noqa: E402


def bench(n: int, c: float, repeat: int) -> list:
    from scipy.optimize import least_squares

    prob = chandrasekhar_h(n, c)

    def peer():
        return least_squares(prob.F, prob.x0, jac=prob.J, bounds=(prob.lb, prob.ub), method="trf")

    ref = peer()
    f_peer = float(np.linalg.norm(ref.fun))
    t_peer = timeit(peer, repeat=repeat, warmup=0)
    rows = []
    for backend in bench_backends("numpy", "torch"):
        with use_backend(backend):
            be = __import__("refimpl.backends", fromlist=["get_backend"]).get_backend()
            x0 = be.asarray(prob.x0)
            for scaling in ("cl", "huu", "kk", "convex"):
                def ours(scaling=scaling):
                    return scaled_trust_region(prob.F, prob.J, x0, prob.lb, prob.ub, scaling=scaling, ftol=f_peer)

                res = ours()
                t = timeit(ours, repeat=repeat, warmup=1)
                dx = float(np.max(np.abs(np.asarray(res.x) - ref.x)))
                print(f"  n={n} c={c} {backend}/{scaling}: {res.status.name} it={res.n_iter} fev={res.n_fev} "
                      f"‖F‖={res.fnorm:.2e} (SciPy ‖F‖={f_peer:.2e}, nfev={ref.nfev}, njev={ref.njev}), "
                      f"max|x − x_trf|={dx:.1e}")
                rows.append({"name": f"H n={n} c={c} {backend}/{scaling}", "refimpl": t, "peer": t_peer,
                             "peer_name": "scipy least_squares trf"})
    return rows


def main() -> None:
    quick = "--quick" in sys.argv
    n = 400 if quick else 1000
    rows = bench(n, 0.99, repeat=2 if quick else 3)
    rows += bench(n, 0.9999, repeat=2 if quick else 3)
    report(rows, title=f"H-equation n={n}: SciPy trf time / scaled_trust_region time (target >= 0.5; > 1: refimpl faster)")


if __name__ == "__main__":
    main()
