"""Tests of refimpl.bcd: problems (oracles and bounds), minimize (rules, blocks, updates), L1 solver.

Correctness: finite differences and dense computations for the problems' oracles and bounds,
dense/sparse direct solves for converged minimisers, scikit-learn for the Lasso. Backend
agreement: the BCD loop runs on the host (capability ``host``), so every backend must select the
*same blocks* from the same rng and produce the same iterates; the Numba twins of the leaf
kernels are compared with the references (``top_scores``, ``gram_combo`` and ``add_rows`` bit for
bit; the coordinate epochs to rtol 1e-10: their dot products are sequential sums, the reference's
are BLAS).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import refimpl
from refimpl import bcd
from refimpl.backends import get_kernel, to_numpy
from refimpl.bcd._core import top_scores
from refimpl.bcd.l1 import cd_epoch, cd_epoch_weighted
from refimpl.testing import assert_backend_agrees

RULES = ("cyclic", "random", "lipschitz", "gs", "gsl", "gsd", "gsq")


def _data(m=30, n=12, seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n)) * rng.uniform(0.2, 3.0, n)
    b = rng.standard_normal(m)
    return A, b


def _fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


# ----------------------------------------------------------------------------- problems


def _problems():
    A, b = _data()
    rng = np.random.default_rng(1)
    Q = sp.random(12, 12, density=0.3, random_state=2)
    Q = (Q + Q.T + sp.eye(12) * 5).tocsc()
    return {
        "ls": bcd.least_squares_problem(A, b),
        "ls_sparse": bcd.least_squares_problem(sp.csr_matrix(A * (np.abs(A) > 0.5)), b),
        "logistic": bcd.logistic_problem(A, np.where(b > 0, 1.0, -1.0)),
        "softmax": bcd.softmax_problem(A[:, :4], rng.integers(0, 3, 30)),
        "quadratic": bcd.quadratic_problem(Q, rng.standard_normal(12)),
    }


@pytest.mark.parametrize("name", ["ls", "ls_sparse", "logistic", "softmax", "quadratic"])
def test_oracles_match_finite_differences_and_bounds(name):
    prob = _problems()[name]
    rng = np.random.default_rng(3)
    x = 0.3 * rng.standard_normal(prob.n)
    s = prob.init_state(x)
    g = prob.gradient(x, s)
    np.testing.assert_allclose(g, _fd_grad(prob.value, x), rtol=1e-5, atol=1e-6 * max(1, np.abs(g).max()))
    b = np.sort(rng.choice(prob.n, 4, replace=False))
    np.testing.assert_allclose(prob.block_gradient(x, b, s), g[b], rtol=1e-12, atol=1e-12)
    # Hessian block by finite differences of the gradient
    H = prob.hessian_block(x, b, s)
    Hfd = np.column_stack([(prob.gradient(x + 1e-6 * e) - prob.gradient(x - 1e-6 * e))[b] / 2e-6
                           for e in np.eye(prob.n)[b]])
    np.testing.assert_allclose(H, Hfd, rtol=1e-4, atol=1e-5 * max(1, np.abs(H).max()))
    # H_b ⪰ ∇²_bb f(x), L_b = λmax(H_b), L_i ≥ the Hessian diagonal
    Hb = prob.block_bound(b)
    assert np.linalg.eigvalsh(Hb - H).min() >= -1e-9 * np.abs(Hb).max()
    assert prob.block_lipschitz(b) == pytest.approx(np.linalg.eigvalsh(Hb).max(), rel=1e-12)
    full = prob.hessian_block(x, np.arange(prob.n), s)
    assert np.all(prob.lipschitz() >= np.diag(full) - 1e-9 * np.abs(full).max())
    # state updates are exact and functional
    delta = rng.standard_normal(b.size)
    s2 = prob.update_state(s, b, delta)
    x2 = x.copy()
    x2[b] += delta
    assert prob.value(x2, s2) == pytest.approx(prob.value(x2), rel=1e-12)
    np.testing.assert_allclose(prob.gradient(x2, s2), prob.gradient(x2), rtol=1e-10, atol=1e-10)
    assert prob.value(x, s) == pytest.approx(prob.value(x), rel=1e-12)  # s unchanged


@pytest.mark.parametrize("name", ["ls", "ls_sparse", "logistic", "softmax", "quadratic"])
def test_global_bound_row_sums_and_norm(name):
    prob = _problems()[name]
    n = prob.n
    H = np.column_stack([prob.bound_matvec(e) for e in np.eye(n)])
    np.testing.assert_allclose(H, H.T, atol=1e-10 * np.abs(H).max())
    np.testing.assert_allclose(prob.bound_row_sums(), np.abs(H).sum(axis=1), rtol=1e-10)
    assert prob.bound_norm() == pytest.approx(np.linalg.eigvalsh(H).max(), rel=1e-8)
    # base + H[:, idx] v (the IHT step of GSQ-VB) against the dense bound, with and without base
    rng = np.random.default_rng(4)
    idx = np.sort(rng.choice(n, 3, replace=False)).astype(np.int64)
    vals, base = rng.standard_normal(3), rng.standard_normal(n)
    np.testing.assert_allclose(prob.bound_columns(idx, vals), H[:, idx] @ vals, rtol=1e-12, atol=1e-12 * np.abs(H).max())
    np.testing.assert_allclose(prob.bound_columns(idx, vals, base=base), base + H[:, idx] @ vals, rtol=1e-12,
                               atol=1e-12 * np.abs(H).max())
    if name == "softmax":  # the global Böhning bound with k = K dominates the Hessian everywhere
        x = np.random.default_rng(0).standard_normal(n)
        Hx = prob.hessian_block(x, np.arange(n))
        assert np.linalg.eigvalsh(H - Hx).min() >= -1e-9


def test_softmax_block_bound_classes():
    prob = _problems()["softmax"]  # K = 3
    b = np.array([0, 3, 4])  # features 0, 1, 1; classes 0, 0, 1 -> k = min(3, 2 + 1) = 3
    A = prob.A
    G = A[:, [0, 1, 1]].T @ A[:, [0, 1, 1]]
    S = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]]) * (0.5 * (1 - 1 / 3)) + np.array(
        [[0, 0, 1], [0, 0, 1], [1, 1, 0]]) * (-0.5 / 3)
    np.testing.assert_allclose(prob.block_bound(b), S * G, rtol=1e-12)


def test_partitions():
    A, b = _data(20, 11)
    prob = bcd.least_squares_problem(A, b)
    L = prob.lipschitz()
    for kind in ("sort", "order", "avg"):
        part = bcd.make_partition(prob, 3, kind)
        allidx = np.sort(np.concatenate(part.blocks))
        np.testing.assert_array_equal(allidx, np.arange(11))
        assert [len(x) for x in part.blocks] == [3, 3, 3, 2]  # ragged last block (documented)
    srt = bcd.make_partition(prob, 3, "sort")
    assert set(srt.blocks[0]) == set(np.argsort(L)[:3])
    np.testing.assert_array_equal(bcd.make_partition(prob, 3, "order").blocks[1], [3, 4, 5])


# ----------------------------------------------------------------------------- minimize


@pytest.mark.parametrize("blocks", ["fixed", "variable"])
@pytest.mark.parametrize("rule", RULES)
def test_every_rule_decreases_and_history_shape(rule, blocks):
    A, b = _data()
    prob = bcd.least_squares_problem(A, b)
    res = bcd.minimize(prob, rule=rule, blocks=blocks, block_size=3, max_iter=60, rng=0, record_blocks=True)
    assert res.status is bcd.BCDStatus.COMPLETED and res.status.success
    assert res.f_history.shape == (res.n_iter + 1,) == (61,)
    assert res.f_history[0] == pytest.approx(0.5 * b @ b)
    assert np.all(np.diff(res.f_history) <= 1e-12 * res.f_history[0])  # the gradient update never increases f
    assert res.f_history[-1] < 0.9 * res.f_history[0]
    assert len(res.blocks) == 60 and all(blk.size <= 3 for blk in res.blocks)
    if blocks == "fixed":
        part = bcd.make_partition(prob, 3, "sort")
        keys = {tuple(x) for x in part.blocks}
        assert all(tuple(blk) in keys for blk in res.blocks)
        if rule == "cyclic":
            assert [tuple(x) for x in res.blocks[:4]] == [tuple(x) for x in part.blocks]
    else:
        assert all(blk.size == 3 for blk in res.blocks)
    greedy = rule.startswith("gs")
    assert res.n_grad == (60 if greedy else 0)


def test_greedy_choices_are_the_argmax():
    A, b = _data()
    prob = bcd.least_squares_problem(A, b)
    g = prob.gradient(prob.x0)
    L = prob.lipschitz()
    res = bcd.minimize(prob, rule="gs", blocks="variable", block_size=3, max_iter=1, record_blocks=True)
    np.testing.assert_array_equal(res.blocks[0], np.sort(np.argsort(-np.abs(g))[:3]))
    res = bcd.minimize(prob, rule="gsd", blocks="variable", block_size=3, max_iter=1, record_blocks=True)
    np.testing.assert_array_equal(res.blocks[0], np.sort(np.argsort(-np.abs(g) / np.sqrt(L))[:3]))
    part = bcd.make_partition(prob, 3, "order")
    Lb = [np.linalg.eigvalsh(A[:, blk].T @ A[:, blk]).max() for blk in part.blocks]
    for norm, score in (("l2", [np.sum(g[blk] ** 2) / lb for blk, lb in zip(part.blocks, Lb)]),
                        ("l1", [np.sum(np.abs(g[blk])) / np.sqrt(lb) for blk, lb in zip(part.blocks, Lb)])):
        res = bcd.minimize(prob, rule="gsl", blocks="fixed", block_size=3, partition="order", norm=norm,
                           max_iter=1, record_blocks=True)
        np.testing.assert_array_equal(res.blocks[0], part.blocks[int(np.argmax(score))])
    Hs = [np.linalg.pinv(A[:, blk].T @ A[:, blk]) for blk in part.blocks]
    res = bcd.minimize(prob, rule="gsq", blocks="fixed", block_size=3, partition="order", max_iter=1, record_blocks=True)
    np.testing.assert_array_equal(res.blocks[0], part.blocks[int(np.argmax([g[k] @ H @ g[k] for k, H in
                                                                             zip(part.blocks, Hs)]))])


@pytest.mark.parametrize("update", ["matrix", "gradient", "lipschitz_approx"])
def test_converges_to_the_dense_solution(update):
    A, b = _data(40, 10)
    prob = bcd.least_squares_problem(A, b)
    xstar = np.linalg.lstsq(A, b, rcond=None)[0]
    it = 300 if update == "matrix" else 3000
    res = bcd.minimize(prob, rule="gsq" if update == "matrix" else "gsl", blocks="fixed", block_size=5,
                       update=update, max_iter=it, tol=1e-9)
    assert res.status is bcd.BCDStatus.CONVERGED
    np.testing.assert_allclose(res.x, xstar, rtol=1e-6, atol=1e-8)


def test_newton_equals_matrix_update_on_a_quadratic():
    """On a quadratic the block Newton step is the exact block minimiser: the line search accepts α = 1."""
    A, b = _data(40, 10)
    prob = bcd.least_squares_problem(A, b)
    kw = dict(rule="gsl", blocks="variable", block_size=4, max_iter=8)
    newton, matrix = bcd.minimize(prob, update="newton", **kw), bcd.minimize(prob, update="matrix", **kw)
    np.testing.assert_allclose(newton.f_history, matrix.f_history, rtol=1e-12)
    assert newton.info["line_search_trials"] == 8 and newton.n_hess == 8


def test_quadratic_label_propagation_matches_spsolve():
    prob = bcd.dataset_d(6, 5)
    xstar = prob.minimizer()
    res = bcd.minimize(prob, rule="gsq", blocks="variable", block_size=8, update="matrix", max_iter=3000, tol=1e-6)
    assert res.status is bcd.BCDStatus.CONVERGED
    np.testing.assert_allclose(res.x, xstar, rtol=1e-7, atol=1e-8 * np.abs(xstar).max())


def test_full_block_matrix_update_is_one_newton_step():
    Q = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 1.0]])
    prob = bcd.quadratic_problem(Q, np.array([1.0, 2.0, 3.0]))
    res = bcd.minimize(prob, rule="gsq", blocks="variable", block_size=3, update="matrix", max_iter=1)
    np.testing.assert_allclose(res.x, np.linalg.solve(Q, [1.0, 2.0, 3.0]), rtol=1e-12)


def test_matrix_update_pseudo_inverse_fallback_is_recorded():
    A, b = _data(20, 6)
    A[:, 1] = A[:, 0]  # a singular block bound
    prob = bcd.least_squares_problem(A, b)
    res = bcd.minimize(prob, rule="cyclic", blocks="fixed", block_size=2, partition="order", update="matrix",
                       max_iter=3)
    assert res.info["pinv_fallbacks"] >= 1 and np.all(np.isfinite(res.x))


def test_newton_on_logistic_and_softmax():
    A, b = _data(40, 8)
    for prob in (bcd.logistic_problem(A, np.where(b > 0, 1.0, -1.0)),
                 bcd.softmax_problem(A, np.digitize(b, [-0.5, 0.5]))):
        res = bcd.minimize(prob, rule="gsq", blocks="variable", block_size=4, update="newton", max_iter=30)
        assert np.all(np.diff(res.f_history) <= 1e-12 * abs(res.f_history[0]))
        assert res.n_hess == 30 and res.f_history[-1] < 0.9 * res.f_history[0]
        gd = bcd.minimize(prob, rule="gsq", blocks="variable", block_size=4, max_iter=30)
        assert res.fun <= gd.fun


def test_lipschitz_approximation_monotone_and_adaptive():
    A, b = _data(40, 8)
    prob = bcd.logistic_problem(A, np.where(b > 0, 1.0, -1.0))
    res = bcd.minimize(prob, rule="gsl", blocks="fixed", block_size=2, update="lipschitz_approx", max_iter=50)
    assert np.all(np.diff(res.f_history) <= 1e-12 * abs(res.f_history[0]))
    est = res.info["lipschitz_estimates"]
    assert np.all(est >= 1) and np.all(np.log2(est) == np.round(np.log2(est)))  # powers of two from 1
    assert res.n_fev >= 50


def test_stopping_and_callback():
    A, b = _data()
    prob = bcd.least_squares_problem(A, b)
    seen = []

    def cb(state):
        seen.append((state.iteration, state.fun, state.block.size))
        return state.iteration >= 4

    res = bcd.minimize(prob, max_iter=50, callback=cb)
    assert res.status is bcd.BCDStatus.CALLBACK and res.n_iter == 4 and seen[0][0] == 1
    res = bcd.minimize(prob, max_iter=3, tol=1e-12)
    assert res.status is bcd.BCDStatus.MAX_ITER and not res.status.success
    res = bcd.minimize(prob, max_iter=0)
    assert res.n_iter == 0 and res.f_history.shape == (1,)


def test_proximal_updates_and_active_set_iteration():
    A, b = _data(40, 10)
    lam = 5.0
    prob = bcd.nonneg_l1_problem(A, b, lam)
    res = bcd.minimize(prob, rule="gsl", blocks="variable", block_size=1, max_iter=2000, tol=1e-10)
    assert np.all(res.x >= 0) and res.status is bcd.BCDStatus.CONVERGED
    ref = bcd.l1_coordinate_descent(prob, tol=1e-13)
    np.testing.assert_allclose(res.x, ref.x, atol=1e-8)
    assert 0 < res.active_set_iter <= res.n_iter
    lasso = bcd.lasso_problem(A, b, lam)
    res = bcd.minimize(lasso, rule="gs", blocks="fixed", block_size=2, update="lipschitz_approx", max_iter=3000,
                       tol=1e-9)
    np.testing.assert_allclose(res.x, bcd.l1_coordinate_descent(lasso, tol=1e-13).x, atol=1e-7)


# ----------------------------------------------------------------------------- L1 solver


def test_lasso_matches_scikit_learn():
    sk = pytest.importorskip("sklearn.linear_model")
    A, b = _data(50, 30, seed=4)
    m = A.shape[0]
    alpha = np.abs(A.T @ b).max() / m / 10
    for positive, make in ((False, bcd.lasso_problem), (True, bcd.nonneg_l1_problem)):
        prob = make(A, b, m * alpha)
        res = bcd.l1_coordinate_descent(prob, tol=1e-12)
        ref = sk.Lasso(alpha=alpha, fit_intercept=False, positive=positive, tol=1e-12, max_iter=10**5).fit(A, b)
        assert res.status is bcd.L1Status.CONVERGED
        assert abs(res.fun - prob.value(ref.coef_)) <= 1e-8 * res.fun
        np.testing.assert_allclose(res.x, ref.coef_, atol=1e-6)


def test_l1_logistic_kkt_and_against_dense_lasso_limit():
    A, b = _data(60, 15, seed=5)
    y = np.where(b > 0, 1.0, -1.0)
    prob = bcd.l1_logistic_problem(A, y, 2.0)
    res = bcd.l1_coordinate_descent(prob, tol=1e-9)
    assert res.status is bcd.L1Status.CONVERGED and res.kkt <= 1e-9
    assert np.all(np.diff(res.f_history) <= 1e-12 * res.f_history[0])
    big = bcd.l1_coordinate_descent(bcd.l1_logistic_problem(A, y, 1e6))
    assert np.all(big.x == 0) and big.n_iter == 0  # lam ≥ ‖∇f(0)‖∞: 0 is optimal


# ----------------------------------------------------------------------------- twins and backends


@settings(max_examples=15)
@given(n=st.integers(1, 60), tau=st.integers(1, 40), seed=st.integers(0, 10**6), ties=st.booleans())
def test_top_scores_twin_identical(n, tau, seed, ties):
    pytest.importorskip("numba")
    rng = np.random.default_rng(seed)
    s = rng.standard_normal(n)
    if ties:
        s = np.round(s)  # many ties: the smaller index must win on both
    ref = top_scores.reference(s, tau)
    np.testing.assert_array_equal(get_kernel("bcd.top_scores", "numba")(s, tau), ref)
    expect = sorted(sorted(range(n), key=lambda i: (-s[i], i))[:tau])
    np.testing.assert_array_equal(ref, expect)


def _sparse_ls(m=60, n=400, density=0.08, seed=3):
    rng = np.random.default_rng(seed)
    A = sp.random(m, n, density=density, random_state=rng, format="csc") * 3.0
    return bcd.least_squares_problem(A, rng.standard_normal(m))


def test_gram_kernels_twins_bit_for_bit():
    """A^T(A_b delta) through the touched rows: reference = dense product (1e-12), twin = reference (bit for bit)."""
    pytest.importorskip("numba")
    from refimpl.bcd._sparse import add_rows, gram_combo

    prob = _sparse_ls()
    A = prob.A
    R = A.tocsr()
    R.sort_indices()
    rng = np.random.default_rng(0)
    twin = get_kernel("bcd.gram_combo", "numba")
    for tau in (1, 5, 40, 400):  # 400: every row touched (the mark-scan branch of the twin)
        b = np.sort(rng.choice(prob.n, tau, replace=False)).astype(np.int64)
        d = rng.standard_normal(tau)
        ref = gram_combo.reference(A.indptr, A.indices, A.data, R.indptr, R.indices, R.data, b, d, prob.n)
        dense = A.toarray().T @ (A.toarray()[:, b] @ d)
        np.testing.assert_allclose(ref, dense, rtol=0, atol=1e-12 * np.max(np.abs(dense)))
        np.testing.assert_array_equal(twin(A.indptr, A.indices, A.data, R.indptr, R.indices, R.data, b, d, prob.n), ref)
        # the compact column indices the problems pass (uint16), and the cache's write-into-a-slot form
        cols16 = R.indices.astype(np.uint16)
        for kernel in (gram_combo.reference, twin):
            np.testing.assert_array_equal(kernel(A.indptr, A.indices, A.data, R.indptr, cols16, R.data, b, d, prob.n), ref)
            slot = np.full(prob.n, np.nan)
            got = kernel(A.indptr, A.indices, A.data, R.indptr, cols16, R.data, b, d, prob.n, out=slot)
            assert got is slot
            np.testing.assert_array_equal(slot, ref)
    store, idx, coef, base = rng.standard_normal((7, 30)), np.array([3, 0, 6]), rng.standard_normal(3), rng.standard_normal(30)
    ref = add_rows.reference(base, store, idx, coef)
    np.testing.assert_allclose(ref, base + coef @ store[idx], rtol=1e-14)
    np.testing.assert_array_equal(get_kernel("bcd.add_rows", "numba")(base, store, idx, coef), ref)


@pytest.mark.parametrize("budget", ["columns", "rows"])
def test_gradient_kept_current_without_whole_gram(budget):
    """Above the whole-Gram budget the maintained gradient (LRU Gram columns with evictions, or the
    touched-rows product when not even |b| columns fit) equals a fresh A^T r, and the run matches the
    whole-Gram run (same blocks, same values to rounding)."""
    ref_prob = _sparse_ls()
    prob = _sparse_ls()
    n = prob.n
    prob.gram_budget = 8 * n * 25 if budget == "columns" else 8 * n * 3  # 25 columns, or fewer than |b|
    kw = dict(rule="gsl", blocks="variable", block_size=5, max_iter=150, record_blocks=True)
    ref = bcd.minimize(ref_prob, **kw)
    assert ref_prob._gram is not None
    res = bcd.minimize(prob, **kw)
    assert prob._gram is None
    if budget == "columns":
        assert prob._cols is not None and prob._cols["misses"] > 25  # evictions happened
    else:
        assert prob._cols is None
    np.testing.assert_array_equal(np.concatenate(res.blocks[:50]), np.concatenate(ref.blocks[:50]))
    np.testing.assert_allclose(res.f_history, ref.f_history, rtol=1e-9, atol=1e-12 * ref.f_history[0])
    x = np.zeros(n)
    st_ = prob.init_state(x)
    prob.gradient(x, st_)  # start maintaining
    for blk in res.blocks:
        d = np.ones(len(blk)) * 0.01
        st_ = prob.update_state(st_, blk, d)
        x[blk] += d
    fresh = prob.A.T @ (prob.A @ x - prob.b)
    np.testing.assert_allclose(st_["g"], fresh, rtol=0, atol=1e-10 * np.max(np.abs(fresh)))
    prob.clear_gram_cache()
    assert prob._cols is None and prob._gram is None


def test_coordinate_epoch_twins_agree():
    pytest.importorskip("numba")
    A, b = _data(40, 20, seed=6)
    X = np.asfortranarray(A)
    L = np.sum(A * A, axis=0)
    idx = np.arange(20, dtype=np.int64)
    for positive in (False, True):
        outs = []
        for fn in (cd_epoch.reference, get_kernel("bcd.cd_epoch", "numba")):
            r, w = b.copy(), np.zeros(20)
            big = [fn(X, r, w, L, 3.0, idx, positive) for _ in range(5)]
            outs.append((r, w, big))
        np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-10, atol=1e-12)
    rng = np.random.default_rng(0)
    dw, g = rng.uniform(0.05, 0.25, 40), rng.standard_normal(20)
    h = (X * X).T @ dw
    outs = []
    for fn in (cd_epoch_weighted.reference, get_kernel("bcd.cd_epoch_weighted", "numba")):
        q, w, wd = np.zeros(40), np.zeros(20), np.zeros(20)
        for _ in range(4):
            fn(X, dw, g, q, w, wd, h, 0.3, idx)
        outs.append((q, wd))
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-12)


@pytest.mark.uses([bcd.minimize])
@settings(max_examples=6)
@given(seed=st.integers(0, 1000), rule=st.sampled_from(RULES), blocks=st.sampled_from(["fixed", "variable"]))
def test_backend_agreement_same_blocks(backend, seed, rule, blocks):
    """Well-conditioned LS (column scales in [0.2, 3]): identical blocks on every backend, iterates to 1e-12."""
    A, b = _data(25, 10, seed=seed)
    prob = bcd.least_squares_problem(A, b)
    x0 = backend.asarray(np.zeros(10), dtype=backend.xp.float64)
    res = bcd.minimize(prob, rule=rule, blocks=blocks, block_size=3, max_iter=25, rng=seed, record_blocks=True, x0=x0)
    with refimpl.use_backend("numpy"):
        ref = bcd.minimize(prob, rule=rule, blocks=blocks, block_size=3, max_iter=25, rng=seed, record_blocks=True)
    assert [tuple(x) for x in res.blocks] == [tuple(x) for x in ref.blocks]
    assert_backend_agrees(res.x, ref.x, rtol=1e-12, atol=1e-14, like=x0)
    np.testing.assert_allclose(res.f_history, ref.f_history, rtol=1e-12)


@pytest.mark.uses([bcd.l1_coordinate_descent])
def test_backend_agreement_l1(backend):
    A, b = _data(30, 12, seed=7)
    prob = bcd.lasso_problem(A, b, 4.0)
    res = bcd.l1_coordinate_descent(prob, tol=1e-12)
    with refimpl.use_backend("numpy"):
        ref = bcd.l1_coordinate_descent(prob, tol=1e-12)
    np.testing.assert_array_equal(res.x != 0, ref.x != 0)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- bad input


def _ls():
    A, b = _data(10, 6)
    return bcd.least_squares_problem(A, b)


BAD = [
    ("block size 0", lambda: bcd.minimize(_ls(), block_size=0), ValueError, "block_size"),
    ("block size > n", lambda: bcd.minimize(_ls(), block_size=7), ValueError, "block_size"),
    ("partition block size > n", lambda: bcd.make_partition(_ls(), 7), ValueError, "block_size"),
    ("unknown rule", lambda: bcd.minimize(_ls(), rule="gsx"), ValueError, "rule"),
    ("unknown update", lambda: bcd.minimize(_ls(), update="exact"), ValueError, "update"),
    ("unknown partition", lambda: bcd.minimize(_ls(), blocks="fixed", partition="random"), ValueError, "partition"),
    ("lam < 0", lambda: bcd.lasso_problem(np.eye(2), np.ones(2), -1.0), ValueError, "lam"),
    ("lam < 0 (nonneg)", lambda: bcd.nonneg_l1_problem(np.eye(2), np.ones(2), -0.1), ValueError, "lam"),
    ("labels not ±1", lambda: bcd.logistic_problem(np.eye(2), [1, 0]), ValueError, "y"),
    ("labels not ±1 (l1)", lambda: bcd.l1_logistic_problem(np.eye(2), [2, -1], 1.0), ValueError, "y"),
    ("NaN in A", lambda: bcd.least_squares_problem(np.array([[np.nan, 1.0]]), [1.0]), ValueError, "A"),
    ("inf in b", lambda: bcd.lasso_problem(np.eye(2), [np.inf, 1.0], 1.0), ValueError, "b"),
    ("NaN in sparse A", lambda: bcd.quadratic_problem(sp.csc_matrix(np.array([[np.nan, 0], [0, 1.0]])), [1.0, 1.0]),
     ValueError, "A"),
    ("non-symmetric Q", lambda: bcd.quadratic_problem(np.array([[1.0, 2.0], [0.0, 1.0]]), [1.0, 1.0]), ValueError, "A"),
    ("matrix update, nonsmooth", lambda: bcd.minimize(bcd.lasso_problem(np.eye(2), [1.0, 1.0], 0.1), update="matrix",
                                                      block_size=1), ValueError, "update"),
    ("negative x0, nonneg", lambda: bcd.minimize(bcd.nonneg_l1_problem(np.eye(2), [1.0, 1.0], 0.1), block_size=1,
                                                 x0=np.array([-1.0, 0.0])), ValueError, "x0"),
    ("not a problem", lambda: bcd.minimize(np.eye(3)), TypeError, "problem"),
    ("L1 solver, smooth problem", lambda: bcd.l1_coordinate_descent(_ls()), TypeError, "problem"),
    ("softmax label too big", lambda: bcd.softmax_problem(np.eye(2), [0, 3], 2), ValueError, "labels"),
]


@pytest.mark.parametrize("what,call,exc,word", BAD, ids=[c[0] for c in BAD])
def test_bad_input(what, call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_incomplete_problem_names_the_missing_method():
    """A user's BCDProblem subclass without the protocol's methods fails with a message naming the
    class, the method and what it must return (not a bare NotImplementedError)."""
    from refimpl.bcd.problems import BCDProblem

    class Partial(BCDProblem):
        n = 3
        lam = 0.0
        nonsmooth = None

        def init_state(self, x):
            return None

    with pytest.raises(NotImplementedError, match=r"Partial\.init_state is not implemented: .*the state"):
        BCDProblem.init_state(Partial(), np.zeros(3))
    with pytest.raises(NotImplementedError, match=r"Partial\._lipschitz is not implemented: .*Lipschitz"):
        bcd.minimize(Partial(), block_size=1, max_iter=2)
