"""Foundation benchmark: Kronecker matrix-vector product by mode products vs dense ``numpy.kron``.

The mode-product MVM costs O(N Σ n_j) flops and O(N) memory; the dense product costs O(N²) flops
and O(N²) memory to form ``numpy.kron``. Both are timed on the same input in the same process with
BLAS threads pinned to 1. (Forming the dense Kronecker matrix is timed separately from the dense
matvec, which is the fair comparison once the matrix exists.)

With ``REFIMPL_BACKEND`` naming another backend (the GPU check sets ``cupy``), a second table
times the mode-product MVM on that backend's arrays against the NumPy mode-product MVM on a grid
large enough (N = 240³ ≈ 1.4e7, 110 MB; 200³ with --quick) that one call runs well past launch overhead; the
timings synchronise the device (``_runner.timeit``).

Run: ``python benchmarks/bench_core.py [--quick]``
"""

from _runner import pin_threads

pin_threads(1)

import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

from _runner import bench_backends, report, timeit  # noqa: E402
from refimpl.backends import linalg, load_backend  # noqa: E402


def bench_dense() -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for dims in [(32, 32), (64, 64), (16, 16, 16)]:
        factors = [rng.standard_normal((n, n)) for n in dims]
        X = rng.standard_normal(dims)
        dense = factors[0]
        for A in factors[1:]:
            dense = np.kron(dense, A)
        x = X.ravel()
        assert np.allclose(linalg.kron_mvm(factors, X).ravel(), dense @ x)
        label = "x".join(map(str, dims))
        rows.append(dict(name=f"kron MVM {label} (N={x.size})", refimpl=timeit(lambda: linalg.kron_mvm(factors, X)),
                         peer=timeit(lambda: dense @ x), peer_name="dense matvec (kron formed)"))

        def form_and_apply(factors=factors, x=x):
            D = factors[0]
            for A in factors[1:]:
                D = np.kron(D, A)
            return D @ x

        rows.append(dict(name=f"kron MVM {label}, incl. forming", refimpl=timeit(lambda: linalg.kron_mvm(factors, X)),
                         peer=timeit(form_and_apply, repeat=3), peer_name="numpy.kron + matvec"))
    return rows


def bench_backend(name: str, quick: bool) -> list[dict]:
    """Mode-product MVM on ``name``'s arrays vs the same on NumPy, on one large grid."""
    be = load_backend(name)
    n = 200 if quick else 240
    rng = np.random.default_rng(1)
    factors = [rng.standard_normal((n, n)) for _ in range(3)]
    X = rng.standard_normal((n, n, n))
    f_dev, X_dev = [be.asarray(A) for A in factors], be.asarray(X)
    ok = np.allclose(be.to_numpy(linalg.kron_mvm(f_dev, X_dev)), linalg.kron_mvm(factors, X), rtol=1e-10, atol=1e-8)
    assert ok, f"kron_mvm on {name} disagrees with NumPy"
    return [dict(name=f"kron MVM {n}^3 (N={X.size:.1e}) on {name}", refimpl=timeit(lambda: linalg.kron_mvm(f_dev, X_dev)),
                 peer=timeit(lambda: linalg.kron_mvm(factors, X), repeat=3), peer_name="same on numpy (1 thread)")]


def main() -> None:
    quick = "--quick" in sys.argv
    report(bench_dense(), title="Kronecker mode-product MVM vs dense numpy.kron")
    others = [b for b in bench_backends("numpy") if b != "numpy"] if os.environ.get("REFIMPL_BACKEND") else []
    for name in others:
        report(bench_backend(name, quick), title=f"Kronecker mode-product MVM on {name} vs numpy")


if __name__ == "__main__":
    main()
