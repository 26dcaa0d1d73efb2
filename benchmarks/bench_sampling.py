"""Sampling family benchmark: exact and sketched leverage scores vs SciPy QR, pivotal sampling scaling.

All timings single-threaded (BLAS pinned before NumPy is imported); peers timed in the same run.

1. Exact leverage scores, n = 2e5, d = 50 (peer-baselines recipe: heavy-tailed rows, log-spaced
   columns) against SciPy ``qr(mode='economic')`` + squared row norms. Target: refimpl time <=
   1.1x the peer (ratio peer/refimpl >= 0.91). Also reported: the Cholesky flop floor
   (cholesky(AᵀA) + triangular solve; the normal equations, which refimpl never uses).
2. Sketched scores (sparse sign, eps = 0.2, no JL), n = 5e4, d = 300 against the same SciPy QR.
   Target: >= 3x faster with every score within (1 ± 0.2). The error-time curve for
   eps in {0.05, 0.1, 0.2, 0.5}, sparse sign vs SRHT, with and without JL; and the sketch
   against the QR at n = 2e5 for d in {10, 25, 50, 100} (where sketching stops paying).
3. Tree pivotal sampling (given order, inclusion probabilities with Σp = n/10): time at n = 1e5
   and 1e6 (target ratio <= 12x: O(n)); at n = 1e6 the Numba twin (compiled loop) and the NumPy
   twin (level-vectorised) of the sweep against the sequential array-API reference (target: Numba
   >= 20x), and the local pivotal sweep's Numba twin against its reference loop.

4. Projection DPP, N = 1e4, rank 50 (peer-baselines recipe, s = 1): ``projection_dpp_sample``
   against DPPy ``FiniteDPP(projection, K_eig_dec).sample_exact(mode='GS_bis')`` (target: <= 1x,
   i.e. ratio peer/refimpl >= 1), when DPPy is installed.

Run: ``python benchmarks/bench_sampling.py [--quick] [exact|sketch|pivotal|dpp ...]``
(``--quick``: smaller sizes; names: only those sections).
"""
from _runner import pin_threads

pin_threads(1)

import statistics  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402

from _runner import clock, report, timeit  # noqa: E402
from refimpl import available_backends, use_backend  # noqa: E402
from refimpl.backends import get_kernel  # noqa: E402
from refimpl.sampling import inclusion_probabilities, leverage_scores, pivotal_sample, sketch_sizes  # noqa: E402
from refimpl.sampling.samplers import local_pivotal_sweep, pivotal_sweep  # noqa: E402


def recipe(n, d, s=0):
    rng = np.random.default_rng(s + n + 7 * d)
    G = rng.standard_normal((n, d))
    return G * (np.abs(rng.standard_t(2, size=n)) + 1e-3)[:, None] * np.logspace(0, -3, d)[None, :]


def scipy_scores(A):
    Q, _ = scipy.linalg.qr(A, mode="economic", check_finite=False)
    return np.einsum("ij,ij->i", Q, Q)


def cholesky_floor(A):
    L = np.linalg.cholesky(A.T @ A)
    X = scipy.linalg.solve_triangular(L, A.T, lower=True, check_finite=False)
    return np.einsum("ij,ij->i", X, X)


def bench_exact(quick):
    n, d = (50_000, 50) if quick else (200_000, 50)
    A = recipe(n, d)
    rows = [dict(name=f"exact QR scores {n}x{d}", refimpl=timeit(lambda: leverage_scores(A), repeat=3),
                 peer=timeit(lambda: scipy_scores(A), repeat=3), peer_name="scipy economic QR + norms"),
            dict(name=f"exact QR scores {n}x{d}", refimpl=timeit(lambda: leverage_scores(A), repeat=3),
                 peer=timeit(lambda: cholesky_floor(A), repeat=3), peer_name="Cholesky floor (normal eqs)")]
    err = np.abs(leverage_scores(A) - scipy_scores(A)).max()
    report(rows, title=f"1. exact leverage scores (max |Δ| vs SciPy = {err:.1e}); target peer/refimpl >= 0.91")


def bench_sketch(quick):
    n, d = (20_000, 150) if quick else (50_000, 300)
    A = recipe(n, d, s=1)
    exact = scipy_scores(A)
    # 2a. the target case, timed interleaved with the peer (best of 5 each: the machine's speed drifts
    # over the minutes the curve below takes, so a ratio against a peer timed once at the start is noisy)
    err = np.abs(leverage_scores(A, method="sketch", eps=0.2, rng=0) / exact - 1).max()
    assert err <= 0.2, f"sparse sign eps=0.2: max relative error {err:.3f} > 0.2"
    t_ref, t_peer = [], []
    for i in range(6):  # the first round is a warm-up
        t0 = clock()
        leverage_scores(A, method="sketch", eps=0.2, rng=0)
        t1 = clock()
        scipy_scores(A)
        t2 = clock()
        if i:
            t_ref.append(t1 - t0)
            t_peer.append(t2 - t1)
    report([dict(name=f"sparse sign eps=0.2 no JL err={err:.3f}", peer_name="scipy economic QR + norms",
                 refimpl={"best": min(t_ref), "median": statistics.median(t_ref)},
                 peer={"best": min(t_peer), "median": statistics.median(t_peer)})],
           title=f"2a. sketched leverage scores {n}x{d}, the target case (>= 3x, err <= 0.2), interleaved timings")
    peer = timeit(lambda: scipy_scores(A), repeat=2)
    rows = []
    for eps in (0.05, 0.1, 0.2, 0.5):
        for emb in ("sparse_sign", "srht"):
            for jl in (False, True):
                m1, m2 = sketch_sizes(n, d, eps, jl=jl)
                approx = leverage_scores(A, method="sketch", eps=eps, rng=0, jl=jl, embedding=emb)
                err = np.abs(approx / exact - 1).max()
                if emb == "sparse_sign" and not jl:  # the target case: every score within (1 ± eps)
                    assert err <= eps, f"sparse sign eps={eps}: max relative error {err:.3f} > eps"
                t = timeit(lambda: leverage_scores(A, method="sketch", eps=eps, rng=0, jl=jl, embedding=emb), repeat=2)
                note = "exact (m1 >= n)" if m1 >= n else (f"m1={m1}" + (f", m2={m2}" + (" JL skipped: m2 >= d" if m2 >= d
                                                                                        else "") if jl else ""))
                rows.append(dict(name=f"{emb} eps={eps} jl={jl} err={err:.3f} ({note})", refimpl=t, peer=peer,
                                 peer_name="scipy economic QR + norms"))
    report(rows, title=f"2. sketched leverage scores {n}x{d}: error-time curve (target: sparse sign eps=0.2 no JL "
                       ">= 3x with err <= 0.2)")
    n2 = 50_000 if quick else 200_000
    rows = []
    for d2 in (10, 25, 50, 100) if not quick else (10, 50):
        A2 = recipe(n2, d2)
        exact2 = scipy_scores(A2)
        err2 = np.abs(leverage_scores(A2, method="sketch", eps=0.2, rng=0) / exact2 - 1).max()
        rows.append(dict(name=f"{n2}x{d2} sparse sign eps=0.2 err={err2:.3f}",
                         refimpl=timeit(lambda: leverage_scores(A2, method="sketch", eps=0.2, rng=0), repeat=3),
                         peer=timeit(lambda: scipy_scores(A2), repeat=3), peer_name="scipy economic QR + norms"))
    report(rows, title=f"2b. where sketching pays at n = {n2} (ratio > 1: the sketch is faster)")


def _sweep_inputs(n):
    """Leaf arrays of ``pivotal_sample`` without a tree (given order, padding last) and the uniforms."""
    L = 1 << int(np.ceil(np.log2(n)))
    rng = np.random.default_rng(0)
    p = inclusion_probabilities(rng.uniform(0.1, 1.0, n), n // 10)
    idx = np.concatenate([np.arange(n), -np.ones(L - n, dtype=np.int64)])
    leaf_p = np.concatenate([p, np.zeros(L - n)])
    return p, idx, leaf_p, rng.random(L - 1)


def bench_pivotal(quick):
    sizes = (10_000, 100_000) if quick else (100_000, 1_000_000)
    times = {}
    for n in sizes:
        rng = np.random.default_rng(n)
        p = inclusion_probabilities(rng.uniform(0.1, 1.0, n), n // 10)
        times[n] = timeit(lambda: pivotal_sample(p, rng=1), repeat=3)
    print(f"\n3. tree pivotal sampling (numpy backend: the level-vectorised twin of the sweep): "
          f"n={sizes[0]}: {times[sizes[0]]['best'] * 1e3:.1f} ms, n={sizes[1]}: {times[sizes[1]]['best'] * 1e3:.1f} ms, "
          f"ratio {times[sizes[1]]['best'] / times[sizes[0]]['best']:.1f}x for 10x n (target <= 12x)")
    n = sizes[1]
    p, idx, leaf_p, u = _sweep_inputs(n)
    ref = timeit(lambda: pivotal_sweep.reference(idx, leaf_p, u), repeat=1, warmup=0)
    np_twin = get_kernel("sampling.pivotal_sweep", "numpy")
    rows = [dict(name=f"pivotal sweep n={n} numpy (levels) twin", refimpl=timeit(lambda: np_twin(idx, leaf_p, u), repeat=3),
                 peer=ref, peer_name="array-API reference (loop)")]
    if available_backends().get("numba") is None:  # None: the backend can run here
        twin = get_kernel("sampling.pivotal_sweep", "numba")
        twin(idx[:2], leaf_p[:2], u[:1])  # compile outside the timings
        tw = timeit(lambda: twin(idx, leaf_p, u), repeat=3)
        rows.insert(0, dict(name=f"pivotal sweep n={n} numba twin", refimpl=tw, peer=ref,
                            peer_name="array-API reference (loop)"))
        with use_backend("numba"):
            rows.append(dict(name=f"pivotal_sample n={n} (numba backend)",
                             refimpl=timeit(lambda: pivotal_sample(p, rng=1), repeat=3), peer=times[n],
                             peer_name="pivotal_sample, numpy backend"))
    report(rows, title="3b. twins of the sweep against the sequential array-API reference (target: numba >= 20x)")
    # local pivotal sampling: the reference is a loop too (one vectorised distance scan per match)
    m = 1000 if quick else 3000
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (m, 2))
    r = inclusion_probabilities(rng.uniform(0.1, 1.0, m), m // 10)
    uu = rng.random(2 * (m - 1) + 1)
    if available_backends().get("numba") is None:
        lt = get_kernel("sampling.local_pivotal_sweep", "numba")
        rows = [dict(name=f"local pivotal sweep m={m} numba twin", refimpl=timeit(lambda: lt(X, r, uu), repeat=3),
                     peer=timeit(lambda: local_pivotal_sweep.reference(X, r, uu), repeat=1),
                     peer_name="array-API reference (loop)")]
        report(rows, title="3c. local pivotal sweep (LPM2): Numba twin against the array-API reference")


def bench_dpp(quick):
    try:
        from dppy.finite_dpps import FiniteDPP
    except ImportError:
        print("\n4. projection DPP: skipped (DPPy not installed: pip install dppy)")
        return
    from refimpl.sampling import projection_dpp_sample

    N, r = (2000, 20) if quick else (10_000, 50)
    Q, _ = np.linalg.qr(recipe(N, r, s=1))
    dpp = FiniteDPP("correlation", projection=True, K_eig_dec=(np.ones(r), Q))
    rs = np.random.RandomState(0)
    rows = [dict(name=f"projection DPP N={N} rank={r}", refimpl=timeit(lambda: projection_dpp_sample(Q, rng=0), repeat=5),
                 peer=timeit(lambda: dpp.sample_exact(mode="GS_bis", random_state=rs), repeat=5),
                 peer_name="DPPy sample_exact GS_bis"),
            dict(name=f"projection DPP N={N} rank={r}", refimpl=timeit(lambda: projection_dpp_sample(Q, rng=0), repeat=5),
                 peer=timeit(lambda: dpp.sample_exact(mode="GS", random_state=rs), repeat=5),
                 peer_name="DPPy sample_exact GS")]
    report(rows, title="4. projection DPP (target: peer/refimpl >= 1 against GS_bis)")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    for name, fn in (("exact", bench_exact), ("sketch", bench_sketch), ("pivotal", bench_pivotal), ("dpp", bench_dpp)):
        if not only or name in only:
            fn(quick)
