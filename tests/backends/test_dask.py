"""The dask backend: opt-in capabilities, the chunk-aware Boundary, no task larger than an input
chunk, and the algorithms that must scale, on a dask.distributed LocalCluster (loopback, in
process), each agreeing with the numpy backend on the same data."""

from __future__ import annotations

import math

import numpy as np
import pytest

dask = pytest.importorskip("dask", reason="the dask backend needs dask: pip install \"refimpl[dask]\"")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed", reason="dask.distributed is needed for the LocalCluster tests")

import refimpl  # noqa: E402
from refimpl import use_backend  # noqa: E402
from refimpl.backends import (  # noqa: E402
    BACKEND_NAMES,
    Boundary,
    BackendUnsupportedError,
    capabilities,
    capability_of,
    capability_table,
)
from refimpl.backends.dask import chunk_bytes, max_task_bytes  # noqa: E402
from refimpl.conformal import conformal_quantile, crc_lambda_hat  # noqa: E402
from refimpl.eim import eim_greedy  # noqa: E402
from refimpl.sampling import (  # noqa: E402
    leverage_scores,
    pivotal_sample,
    priority_sketch,
    sketch_and_solve,
    sketched_product,
    threshold_sketch,
)


def tall(n=1200, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * np.logspace(0, -1, d)


# ------------------------------------------------------------------------------ declarations


def test_dask_is_a_backend_and_support_is_opt_in():
    assert "dask" in BACKEND_NAMES and refimpl.available_backends()["dask"] is None

    @capabilities()
    def undeclared(x):
        return x

    @capabilities(dask="computed: a float")
    def small(x):
        return 1.0

    @capabilities(host_only="SciPy on the host")
    def hosted(x):
        return x

    assert capability_of(undeclared, "dask") == "unsupported" and capability_of(undeclared, "numpy") == "native"
    assert capability_of(small, "dask") == "computed" and small.__refimpl_capabilities__.notes["dask"] == "a float"
    assert capability_of(hosted, "dask") == "unsupported"  # host_only never covers dask
    with use_backend("dask"):
        assert small(1) == 1.0
        with pytest.raises(BackendUnsupportedError, match=r"undeclared cannot run on the 'dask' backend: not declared"):
            undeclared(1)


@pytest.mark.parametrize("spec, match", [("lazy", "start with 'native' or 'computed'"), ("computed", "must say what"),
                                         ("", "dask must be")])
def test_bad_dask_declarations(spec, match):
    with pytest.raises(ValueError, match=match):
        capabilities(dask=spec)
    with pytest.raises(ValueError, match="declared twice"):
        capabilities(dask="native", unsupported={"dask": "x"})


def test_sequential_kernel_raises_a_clear_error_and_the_table_says_so():
    with use_backend("dask"), pytest.raises(BackendUnsupportedError, match="pivotal_sample.*sequential leaf kernel"):
        pivotal_sample(np.full(10, 0.5), coords=np.arange(10.0)[:, None], rng=0)
    table = capability_table()
    assert table["refimpl.sampling.leverage_scores"]["dask"] == "native"
    assert table["refimpl.conformal.crc_lambda_hat"]["dask"] == "computed"
    assert table["refimpl.sampling.pivotal_sample"]["dask"] == "unsupported"
    from refimpl.backends._docs import capability_rst

    rst = capability_rst("sampling")
    assert "     - dask" in rst and "sequential leaf kernel" in rst


# ------------------------------------------------------------------------------ Boundary


def test_boundary_keeps_dask_lazy_and_chunks_host_vectors_like_the_table():
    L = da.from_array(np.zeros((100, 3)), chunks=(30, 3))
    with use_backend("dask"):
        bd = Boundary(L, np.ones(100))
        Lb = bd.asarray(L)
        assert Lb is L  # no copy, no compute
        w = bd.asarray(np.ones(100))
        assert w.chunks == (L.chunks[0],)
        small = bd.asarray(np.arange(3.0))
        assert isinstance(bd.out(Lb[:, 0] + 1), da.Array)  # an n-row result stays lazy
        assert isinstance(bd.out(small * 2), np.ndarray)  # a small one comes back computed
        host = Boundary(np.ones((100, 3)))
        assert isinstance(host.out(host.asarray(np.ones((100, 3)))), np.ndarray)  # NumPy caller: NumPy out


# ------------------------------------------------------------------------------ chunk bounds


def _largest_task(func):
    """Run func under the synchronous scheduler; the largest task result (bytes), excluding the final gather."""
    with dask.config.set(scheduler="synchronous"), use_backend("dask"):
        with max_task_bytes() as rec:
            out = func()
            if isinstance(out, da.Array):
                # compute chunk by chunk (a final concatenation is the caller's choice, not the algorithm's)
                dask.compute(*out.to_delayed().ravel())
    return rec["bytes"], out


@pytest.mark.parametrize("case", ["qr", "sketch", "crc", "crc_weights", "quantile", "sketch_solve", "priority", "eim"])
def test_no_task_holds_more_than_an_input_chunk(case, monkeypatch):
    import refimpl.backends.dask.conformal as dc

    monkeypatch.setattr(dc, "GATHER", 200)  # force refinement rounds in the selection
    rng = np.random.default_rng(1)
    if case in ("qr", "sketch", "sketch_solve", "priority"):
        A = da.from_array(tall(4000, 6), chunks=(500, 6))
        b = da.from_array(rng.standard_normal(4000), chunks=500)
        bound = chunk_bytes(A) * 7 // 6 + 8  # (d + 1) columns: A next to b, or Q next to its row norms
        func = {"qr": lambda: leverage_scores(A),
                "sketch": lambda: leverage_scores(A, method="sketch", eps=0.5, rng=0),
                "sketch_solve": lambda: sketch_and_solve(A, b, 60, sketch="countsketch", rng=0),
                "priority": lambda: priority_sketch(A, 50, seed=0)}[case]
        bound = max(bound, 1700 * 7 * 8)  # the sketch ΦA (m₁ = 1605 rows here) is one small block
    elif case.startswith("crc"):
        L = da.from_array((rng.random((4000, 1)) > np.linspace(0, 1, 30)).astype(float), chunks=(500, 30))
        w = rng.random(4000) if case == "crc_weights" else None
        bound = chunk_bytes(L)
        func = lambda: crc_lambda_hat(L, np.linspace(0, 1, 30), 0.1, weights=w)  # noqa: E731
    elif case == "quantile":
        s = da.from_array(rng.random(20000), chunks=2500)
        bound = chunk_bytes(s) * 2  # a chunk and its in-bracket mask
        func = lambda: conformal_quantile(s, 0.1)  # noqa: E731
    else:
        x = np.linspace(0, 1, 3000)
        S = da.from_array(np.exp(-np.linspace(1, 8, 20)[None, :] * x[:, None]), chunks=(500, 20))
        bound = chunk_bytes(S)
        func = lambda: eim_greedy(S, max_iter=6)  # noqa: E731
    largest, _ = _largest_task(func)
    assert 0 < largest <= bound, (case, largest, bound)


# ------------------------------------------------------------------------------ LocalCluster


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as c:
        yield c


def test_info_reports_the_client(client):
    from refimpl.backends.dask import client_info

    version, line = client_info()
    assert version == dask.__version__ and "distributed client active" in line and "2 workers" in line


def test_leverage_scores_on_a_cluster(client):
    A = tall(3000, 6, seed=2)
    Ad = da.from_array(A, chunks=(400, 6))
    with use_backend("dask"):
        exact = leverage_scores(Ad)
        sketched = leverage_scores(Ad, method="sketch", eps=0.5, rng=3)
        assert isinstance(exact, da.Array) and exact.chunks == (Ad.chunks[0],)
        exact, sketched = dask.compute(exact, sketched)
    np.testing.assert_allclose(exact, leverage_scores(A), rtol=1e-10, atol=1e-14)
    assert abs(exact.sum() - 6) < 1e-10
    # the same host draws (the sparse-sign hash), applied blockwise: the numpy scores to round-off
    np.testing.assert_allclose(sketched, leverage_scores(A, method="sketch", eps=0.5, rng=3), rtol=1e-9)


def test_sketch_and_solve_and_coordinated_sketches_on_a_cluster(client):
    rng = np.random.default_rng(4)
    A = tall(3000, 5, seed=4)
    b = A @ np.arange(1.0, 6.0) + 0.1 * rng.standard_normal(3000)
    Ad, bd = da.from_array(A, chunks=(500, 5)), da.from_array(b, chunks=500)
    B = rng.standard_normal((3000, 2)) + A[:, :2]
    keys = rng.permutation(10**6)[:3000]
    with use_backend("dask"):
        x = sketch_and_solve(Ad, bd, 80, sketch="countsketch", rng=5)
        # two tables joined on a key, each sketched per partition with the shared seed
        SA = priority_sketch(Ad, 100, seed=9, keys=da.from_array(keys, chunks=500))
        SB = priority_sketch(da.from_array(B, chunks=(700, 2)), 100, seed=9, keys=keys)
        TA = threshold_sketch(Ad, 100, seed=9, keys=keys)
        W = sketched_product(SA, SB)
    np.testing.assert_allclose(x, sketch_and_solve(A, b, 80, sketch="countsketch", rng=5), rtol=1e-10)
    ref_A, ref_B = priority_sketch(A, 100, seed=9, keys=keys), priority_sketch(B, 100, seed=9, keys=keys)
    np.testing.assert_array_equal(SA.keys, ref_A.keys)
    np.testing.assert_array_equal(SA.rows, ref_A.rows)
    assert SA.tau == ref_A.tau and SB.tau == ref_B.tau
    np.testing.assert_array_equal(TA.keys, threshold_sketch(A, 100, seed=9, keys=keys).keys)
    np.testing.assert_allclose(W, sketched_product(ref_A, ref_B), rtol=1e-12)


def test_crc_and_split_cp_on_a_cluster(client, monkeypatch):
    import refimpl.backends.dask.conformal as dc

    monkeypatch.setattr(dc, "GATHER", 500)  # several refinement rounds
    rng = np.random.default_rng(6)
    n, m = 6000, 50
    s = rng.random(n) ** 2
    grid = np.linspace(0, 1, m)
    L = (s[:, None] > grid[None, :]).astype(float)
    w = rng.random(n)
    Ld, sd = da.from_array(L, chunks=(700, m)), da.from_array(s, chunks=900)
    with use_backend("dask"):
        crc = crc_lambda_hat(Ld, grid, 0.1)
        nonx = crc_lambda_hat(Ld, grid, 0.1, weights=w)
        q = [conformal_quantile(sd, a) for a in (0.05, 0.1, 0.5)]
        qw = conformal_quantile(sd, 0.1, weights=w)
    ref = crc_lambda_hat(L, grid, 0.1)
    assert crc.lambda_hat == ref.lambda_hat and crc.index == ref.index and crc.feasible
    np.testing.assert_array_equal(crc.bound, ref.bound)  # 0/1 losses, unit weights: exact integer sums
    assert nonx.lambda_hat == crc_lambda_hat(L, grid, 0.1, weights=w).lambda_hat
    assert q == [conformal_quantile(s, a) for a in (0.05, 0.1, 0.5)]  # the exact order statistic
    assert qw == conformal_quantile(s, 0.1, weights=w)
    assert math.isinf(conformal_quantile(s[:5], 0.1))


@pytest.mark.parametrize("norm", ["sup", "l2"])
def test_eim_greedy_on_a_cluster(client, norm):
    # each greedy step is a few scheduler round trips (the column argmax, the pivot, the persisted
    # update and its one reduction): 4 steps keep the test short
    x = np.linspace(0, 1, 1200)
    mu = np.linspace(1, 6, 16)
    S = 1.0 / (x[:, None] + mu[None, :]) + 0.05 * np.sin(4 * mu[None, :] * x[:, None])
    Sd = da.from_array(S, chunks=(400, 16))
    with use_backend("dask"):
        res = eim_greedy(Sd, norm=norm, max_iter=4)
    ref = eim_greedy(S, norm=norm, max_iter=4)
    np.testing.assert_array_equal(res.points, ref.points)
    np.testing.assert_array_equal(res.params, ref.params)
    np.testing.assert_allclose(res.errors, ref.errors, rtol=1e-12, atol=1e-15)
    assert isinstance(res.basis, da.Array)  # N_x rows: lazy
    np.testing.assert_allclose(res.basis.compute(), ref.basis, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.coefficients, ref.coefficients, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------ exact scores: both branches


def _conditioned(n, d, kappa, seed):
    """A = U diag(s) Vᵀ with singular values from 1 to 1/kappa and rows of very unequal leverage."""
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(np.exp(1.5 * rng.standard_normal((n, 1))) * rng.standard_normal((n, d)))[0]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return (U * np.logspace(0, -np.log10(kappa), d)) @ V.T


@pytest.mark.parametrize("kappa, branch", [(1e2, "rinv"), (1e8, "implicit_q")])
def test_exact_scores_both_branches_agree_with_numpy(kappa, branch, monkeypatch):
    import refimpl.backends.dask.sampling as ds

    taken = []
    real = ds._tsqr_implicit_q
    monkeypatch.setattr(ds, "_tsqr_implicit_q", lambda A: taken.append("implicit_q") or real(A))
    n, d = 6000, 8
    A = _conditioned(n, d, kappa, seed=4)
    with use_backend("numpy"):
        ref = leverage_scores(A)
    with dask.config.set(scheduler="synchronous"), use_backend("dask"):
        tau = leverage_scores(da.from_array(A, chunks=(700, d))).compute()
    assert (taken == ["implicit_q"]) == (branch == "implicit_q")
    # one TRSM: error <= 2 d eps kappa <= 1e-10 by the switch rule; the fallback: both are backward-stable
    # QRs of A, whose scores differ by the conditioning of the scores, O(eps kappa) (measured 2e-10 here)
    tol = 1e-10 if branch == "rinv" else 50 * np.finfo(float).eps * kappa
    np.testing.assert_allclose(tau, ref, rtol=0, atol=tol)
    assert abs(tau.sum() - d) < (1e-10 if branch == "rinv" else 1e-12)  # Σ τ = d; the fallback's Q is orthonormal


def test_exact_scores_check_finiteness_in_the_first_pass():
    import refimpl.backends.dask.sampling as ds

    A = tall(3000, 6)
    A[1234, 2], A[2999, 0] = np.nan, -np.inf
    with dask.config.set(scheduler="synchronous"), use_backend("dask"):
        with pytest.raises(ValueError, match="A must contain only finite values; got 2 NaN or infinite entries"):
            leverage_scores(da.from_array(A, chunks=(400, 6)))
        # one tree-reduction over the chunks: R of A up to row signs, and the count
        R, bad = ds.tsqr_r(da.from_array(tall(5000, 6), chunks=(300, 6)))
    assert bad == 0 and R.shape == (6, 6)
    np.testing.assert_allclose(np.abs(R), np.abs(np.linalg.qr(tall(5000, 6))[1]), rtol=1e-12, atol=1e-13)
