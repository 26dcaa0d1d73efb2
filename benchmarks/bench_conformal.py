"""Conformal family benchmarks (issue 3 speed targets), ratios in one run, BLAS threads pinned to 1.

1. CRC / non-X CRC λ̂ on an (n, m) = (100 000, 1 000) loss table: refimpl ``crc_lambda_hat`` with its
   input checks (numpy backend: the NumPy twin, blocked gemv + monotonicity check; numba backend: the
   fused one-pass Numba twin; "reference": the numpy backend with the twins switched off, i.e. the
   array-API reference) against a minimal vectorised NumPy formula without checks. Target: within
   1.5x of the formula on the numpy backend.
2. The same calibration through MAPIE's ``MultiLabelClassificationController(risk="recall",
   method="crc")`` on probabilities and labels (20 labels), against refimpl building the same loss
   table with ``loss_table`` and calling ``crc_lambda_hat``. MAPIE evaluates one Python call per
   (sample, λ) pair, so it is timed once at n = 10 000, m = 100 and extrapolated linearly in n·m to
   the target size (stated in the output). Target: >= 100x faster.
3. Weighted quantile (nexCP) on n = 10^6 against one ``numpy.sort`` of the scores (numpy backend: the
   NumPy twin, sampled bracket; numba: weighted quickselect; "reference": argsort). Target: <= 1.5x.
4. Online non-X CRC: time per ``OnlineCRC.observe`` + ``result`` (m = 1 000) after n observations,
   n = 10^2 .. 10^5, beside the batch ``crc_lambda_hat`` recomputation at the same n.

Run: ``python benchmarks/bench_conformal.py`` (about 1-2 minutes; set SKIP_MAPIE=1 to skip MAPIE,
``ONLY=crc,quantile`` to run only the first and third part).
"""

from __future__ import annotations

import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _runner import pin_threads  # noqa: E402

pin_threads(1)

import numpy as np  # noqa: E402
from _runner import report, timeit  # noqa: E402

from refimpl.backends import use_backend  # noqa: E402
from refimpl.conformal import (  # noqa: E402
    OnlineCRC,
    conformal_quantile,
    crc_lambda_hat,
    exponential_weights,
    loss_table,
)


@contextlib.contextmanager
def reference_kernels(*names):
    """Switch the NumPy twins of ``names`` off (the numpy backend then runs the array-API reference)."""
    from refimpl.backends import _kernels

    _kernels._load_twins("numpy")
    saved = {name: _kernels._TWINS.pop((name, "numpy")) for name in names if (name, "numpy") in _kernels._TWINS}
    try:
        yield
    finally:
        for name, twin in saved.items():
            _kernels._TWINS[(name, "numpy")] = twin


def timeit_pair(f, g, repeat=5):
    """Best-of timings of f and g, alternating calls so that both see the same machine load."""
    import time

    f(), g()
    tf, tg = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        tf.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        g()
        tg.append(time.perf_counter() - t0)
    med = lambda t: sorted(t)[len(t) // 2]  # noqa: E731
    return {"best": min(tf), "median": med(tf)}, {"best": min(tg), "median": med(tg)}


def minimal_crc(L, lam, alpha, w, B=1.0):
    """The formula in three NumPy lines, no checks: first grid point with (w·L + B)/(N_w + 1) <= alpha."""
    ok = (w @ L + B) / (w.sum() + 1.0) <= alpha
    return lam[np.argmax(ok)] if ok.any() else lam[-1]


def bench_crc_table(n=100_000, m=1000):
    rng = np.random.default_rng(0)
    lam = np.linspace(0.0, 1.0, m)
    r = np.abs(rng.standard_normal(n)) * 0.3
    L = np.clip(r[:, None] - lam[None, :], 0.0, 1.0)  # λ-insensitive absolute error, B = 1
    rows = []
    for name, w in (("CRC", np.ones(n)), ("non-X CRC", exponential_weights(n, 0.99999))):
        weights = None if name == "CRC" else w
        expected = minimal_crc(L, lam, 0.05, w)
        for backend in ("numpy", "numba", "reference"):
            ctx = reference_kernels("conformal.crc_risk_sums") if backend == "reference" else contextlib.nullcontext()
            with use_backend("numpy" if backend == "reference" else backend), ctx:
                assert crc_lambda_hat(L, lam, 0.05, weights=weights).lambda_hat == expected
                t, t_min = timeit_pair(lambda: crc_lambda_hat(L, lam, 0.05, weights=weights),
                                       lambda: minimal_crc(L, lam, 0.05, w), repeat=7 if backend == "numpy" else 3)
            rows.append(dict(name=f"{name} n={n} m={m} [{backend}]", refimpl=t, peer=t_min,
                             peer_name="minimal NumPy formula"))
    return rows


def _multilabel(n, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(-1.5, 0.7, 20)
    B = 0.8 * rng.standard_normal((5, 20))
    S = 1 / (1 + np.exp(-(a + rng.standard_normal((n, 5)) @ B)))
    Y = rng.uniform(size=S.shape) < S
    Y[Y.sum(axis=1) == 0, 0] = True
    return S, Y


def refimpl_recall_crc(S, Y, t_grid, alpha):
    mu = -t_grid[::-1]
    n_pos = Y.sum(axis=1)
    L = loss_table(lambda m: 1.0 - (Y & (S > -m)).sum(axis=1) / n_pos, mu)
    return -crc_lambda_hat(L, mu, alpha).lambda_hat


def bench_mapie(n_small=10_000, m_small=100, n_target=100_000, m_target=1000):
    if os.environ.get("SKIP_MAPIE"):
        return []
    try:
        from mapie.risk_control import MultiLabelClassificationController
    except ImportError:
        print("mapie not installed: skipping the MAPIE comparison (pip install 'refimpl[peers]')")
        return []
    import warnings

    S, Y = _multilabel(n_small)
    t_grid = np.arange(m_small) / m_small

    def mapie_fit():
        ctrl = MultiLabelClassificationController(predict_function=lambda X: X, risk="recall", method="crc",
                                                  target_level=0.9, predict_params=t_grid)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ctrl.calibrate(S, Y.astype(int))
        return float(np.ravel(ctrl.best_predict_param)[0])

    t_mapie = timeit(mapie_fit, repeat=1, warmup=0)
    ours = refimpl_recall_crc(S, Y, t_grid, 0.1)
    assert abs(ours - mapie_fit()) < 1e-12, "refimpl and MAPIE disagree on lambda_hat"
    t_ref = timeit(lambda: refimpl_recall_crc(S, Y, t_grid, 0.1), repeat=3)
    rows = [dict(name=f"recall CRC n={n_small} m={m_small}", refimpl=t_ref, peer=t_mapie,
                 peer_name="MAPIE MultiLabel...(crc)")]
    # target size: refimpl measured, MAPIE extrapolated linearly in n*m (one Python call per pair)
    S, Y = _multilabel(n_target, seed=1)
    t_grid = np.arange(m_target) / m_target
    t_ref_big = timeit(lambda: refimpl_recall_crc(S, Y, t_grid, 0.1), repeat=1)
    scale = (n_target * m_target) / (n_small * m_small)
    t_mapie_big = {k: v * scale for k, v in t_mapie.items()}
    rows.append(dict(name=f"recall CRC n={n_target} m={m_target}", refimpl=t_ref_big, peer=t_mapie_big,
                     peer_name=f"MAPIE extrapolated x{scale:g}"))
    return rows


def bench_weighted_quantile(n=1_000_000):
    rng = np.random.default_rng(1)
    s = rng.standard_normal(n)
    w = rng.uniform(size=n)
    rows = []
    expected = None
    for backend in ("numpy", "numba", "reference"):
        ctx = reference_kernels("conformal.weighted_quantile") if backend == "reference" else contextlib.nullcontext()
        with use_backend("numpy" if backend == "reference" else backend), ctx:
            q = conformal_quantile(s, 0.1, w)
            assert expected is None or q == expected, (backend, q, expected)
            expected = q
            t, t_sort = timeit_pair(lambda: conformal_quantile(s, 0.1, w), lambda: np.sort(s),
                                    repeat=7 if backend != "reference" else 3)
        rows.append(dict(name=f"weighted quantile n={n} [{backend}]", refimpl=t, peer=t_sort, peer_name="numpy.sort"))
    with use_backend("numpy"):
        t, t_sort = timeit_pair(lambda: conformal_quantile(s, 0.1), lambda: np.sort(s), repeat=5)
    rows.append(dict(name=f"unweighted quantile n={n} [numpy]", refimpl=t, peer=t_sort, peer_name="numpy.sort"))
    return rows


def bench_online(m=1000, sizes=(100, 1000, 10_000, 100_000)):
    rng = np.random.default_rng(2)
    lam = np.linspace(0.0, 1.0, m)
    rows = []
    state = OnlineCRC(lam, 0.1, 0.999)
    seen = 0
    for n in sizes:
        r = np.abs(rng.standard_normal(n - seen)) * 0.3
        for x in r:  # bring the state to n observations
            state.observe(np.clip(x - lam, 0.0, 1.0))
        seen = n
        row = np.clip(0.2 - lam, 0.0, 1.0)

        def step():
            state.observe(row)
            return state.result().lambda_hat

        t_online = timeit(step, repeat=5, number=20)
        L = np.clip(np.abs(rng.standard_normal(n))[:, None] * 0.3 - lam[None, :], 0.0, 1.0)
        w = exponential_weights(n, 0.999)
        t_batch = timeit(lambda: crc_lambda_hat(L, lam, 0.1, weights=w), repeat=3)
        rows.append(dict(name=f"online step after n={n}, m={m}", refimpl=t_online, peer=t_batch,
                         peer_name="batch crc_lambda_hat"))
    return rows


if __name__ == "__main__":
    with use_backend("numba"):  # compile the twins outside the timed regions
        crc_lambda_hat(np.zeros((3, 2)), [0.0, 1.0], 0.5)
        conformal_quantile(np.arange(5.0), 0.5, np.ones(5))
    only = set(filter(None, os.environ.get("ONLY", "").split(",")))
    if not only or "crc" in only:
        report(bench_crc_table(), title="CRC lambda_hat on a loss table (target: <= 1.5x the minimal formula)")
    if not only or "quantile" in only:
        report(bench_weighted_quantile(), title="weighted quantile (target: <= 1.5x one numpy.sort)")
    if not only or "online" in only:
        report(bench_online(), title="online non-X CRC: one step (O(m)) vs batch recomputation (O(nm))")
    if not only or "mapie" in only:
        report(bench_mapie(), title="CRC vs MAPIE risk control (target: >= 100x)")
