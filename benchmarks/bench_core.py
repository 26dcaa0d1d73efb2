"""Foundation benchmark: Kronecker matrix-vector product by mode products vs dense ``numpy.kron``.

The mode-product MVM costs O(N Σ n_j) flops and O(N) memory; the dense product costs O(N²) flops
and O(N²) memory to form ``numpy.kron``. Both are timed on the same input in the same process with
BLAS threads pinned to 1. (Forming the dense Kronecker matrix is timed separately from the dense
matvec, which is the fair comparison once the matrix exists.)

Run: ``python benchmarks/bench_core.py``
"""

from _runner import pin_threads

pin_threads(1)

import numpy as np  # noqa: E402

from _runner import report, timeit  # noqa: E402
from refimpl.backends import linalg  # noqa: E402


def main() -> None:
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
    report(rows, title="Kronecker mode-product MVM vs dense numpy.kron")


if __name__ == "__main__":
    main()
