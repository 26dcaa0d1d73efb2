"""Tests of the active-set methods for non-negative L1 least squares (refimpl.bcd.active_set; §6 of the paper)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.backends import use_backend
from refimpl.bcd import (
    ActiveSetStatus,
    active_set_bcd,
    least_squares_problem,
    minimize,
    nonneg_l1_problem,
    nonneg_qp,
)
from refimpl.testing import assert_backend_agrees


def tall_instance(m=80, n=20, seed=0, lam=None):
    """Full-column-rank A: the solution is an NNLS solution (independent oracle: scipy.optimize.nnls)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n)) * rng.uniform(0.5, 3.0, n)
    b = A @ np.maximum(rng.standard_normal(n), 0) + 0.3 * rng.standard_normal(m)
    if lam is None:
        lam = 0.2 * float(np.max(A.T @ b))
    return A, b, lam


def nnls_solution(A, b, lam):
    """argmin_{x>=0} ½‖Ax−b‖² + lam·Σx = NNLS with target A (AᵀA)⁻¹(Aᵀb − lam·1)."""
    c = A.T @ b - lam
    target = A @ np.linalg.solve(A.T @ A, c)
    return scipy.optimize.nnls(A, target, maxiter=10_000)[0]


def objective(A, b, lam, x):
    r = A @ x - b
    return 0.5 * r @ r + lam * x.sum()


def kkt(A, b, lam, x):
    g = A.T @ (A @ x - b) + lam
    return float(np.max(np.abs(np.minimum(x, g))))


# ----------------------------------------------------------------------------- the block QP


@settings(max_examples=30)
@given(m=st.integers(1, 12), seed=st.integers(0, 2**31))
def test_nonneg_qp_matches_nnls(m, seed):
    """PD H = RᵀR (cond ≤ ~1e3 by construction): equal to NNLS(R, −R⁻ᵀc) to 1e-9 relative."""
    rng = np.random.default_rng(seed)
    R = np.triu(rng.standard_normal((m, m))) + np.diag(rng.uniform(1.0, 3.0, m))
    H = R.T @ R
    c = rng.standard_normal(m) * 3
    y = nonneg_qp(H, c)
    ref = scipy.optimize.nnls(R, -np.linalg.solve(R.T, c))[0]
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9 * (1 + np.abs(ref).max()))
    g = H @ y + c
    assert np.all(y >= 0) and np.max(np.abs(np.minimum(y, g))) <= 1e-9 * (1 + np.abs(c).max())


def test_nonneg_qp_semidefinite():
    H = np.array([[1.0, 1.0], [1.0, 1.0]])  # rank one
    y = nonneg_qp(H, [-1.0, -1.0])
    assert abs(y.sum() - 1.0) < 1e-12 and np.all(y >= 0)


# ----------------------------------------------------------------------------- identification


@pytest.mark.parametrize("update", ["pn", "tmp", "pg"])
@pytest.mark.parametrize("blocks", ["variable", "fixed"])
@pytest.mark.parametrize("seed", range(3))
def test_identifies_the_true_support(update, blocks, seed):
    A, b, lam = tall_instance(seed=seed)
    x_star = nnls_solution(A, b, lam)
    res = active_set_bcd(nonneg_l1_problem(A, b, lam), update=update, blocks=blocks, block_size=4,
                         max_iter=3000, gtol=1e-9)
    assert res.status is ActiveSetStatus.CONVERGED
    np.testing.assert_array_equal(res.x > 0, x_star > 1e-12)  # the support, found in finitely many iterations
    assert res.active_set_iter <= res.n_iter
    np.testing.assert_allclose(res.x, x_star, rtol=1e-6, atol=1e-7)
    assert res.fun == pytest.approx(objective(A, b, lam, x_star), rel=1e-10)
    assert len(res.f_history) == res.n_iter + 1 == res.support_sizes.size
    assert np.all(np.diff(res.f_history) <= 1e-9 * abs(res.f_history[0]))  # monotone
    assert res.support_sizes[-1] == np.count_nonzero(x_star > 1e-12)


def test_projected_newton_with_a_covering_block_terminates():
    """τ = n: one exact block QP is the whole problem (finite termination)."""
    A, b, lam = tall_instance(seed=4)
    res = active_set_bcd(nonneg_l1_problem(A, b, lam), update="pn", block_size=A.shape[1], max_iter=5, gtol=1e-9)
    assert res.status is ActiveSetStatus.CONVERGED and res.n_iter == 1


def _wide_instance():
    """Dataset-A recipe 200×300, λ = 5000 (ill-conditioned columns; |supp x*| = 21)."""
    from refimpl.bcd import dataset_l1

    prob = dataset_l1(m=200, p=300, lam=5000.0, rng=1)
    ref = active_set_bcd(prob, update="pn", block_size=prob.n, max_iter=3, gtol=1e-10)  # one exact QP over all of x
    assert ref.status is ActiveSetStatus.CONVERGED
    return prob, ref.x


@pytest.mark.parametrize("update", ["pn", "tmp"])
def test_superlinear_tail_once_the_block_covers_the_support(update):
    """|b| ≥ support + violators: after identification the GS-q block holds the whole support (zero-score
    slots go to the working set), so PN/TMP reach round-off within 3 iterations of identification: the
    successive ratios e_{k+1}/e_k collapse; PG with the same blocks keeps a ratio near 1 (linear)."""
    prob, x_star = _wide_instance()
    supp = np.flatnonzero(x_star > 0)
    tau = 2 * supp.size + 5
    f_star = prob.value(x_star)
    blocks = []
    res = active_set_bcd(prob, update=update, block_size=tau, max_iter=30,
                         callback=lambda st: blocks.append(st.block))
    gap = np.maximum((res.f_history - f_star) / abs(f_star), 1e-15)
    k = res.active_set_iter
    assert np.array_equal(np.flatnonzero(res.x > 0), supp)
    assert all(np.isin(supp, blk).all() for blk in blocks[k:])  # the block covers the support after identification
    done = np.flatnonzero(gap <= 1e-12)
    assert done.size and done[0] - k <= 3
    q = gap[1: done[0] + 1] / gap[: done[0]]
    assert q[-1] <= 1e-3  # the last step: a ratio no linear tail of this problem shows
    pg = active_set_bcd(prob, update="pg", block_size=tau, max_iter=30)
    pgap = (pg.f_history - f_star) / abs(f_star)
    assert pgap[-1] > 1e-8 and pgap[-1] / pgap[-2] > 0.5


def test_newton_type_updates_beat_projected_gradient():
    A, b, lam = tall_instance(m=120, n=60, seed=5)
    f_star = objective(A, b, lam, nnls_solution(A, b, lam))
    prob = nonneg_l1_problem(A, b, lam)
    gaps = {u: active_set_bcd(prob, update=u, block_size=20, max_iter=40).fun - f_star for u in ("pn", "tmp", "pg")}
    assert gaps["pn"] <= 1e-9 * f_star and gaps["tmp"] <= 1e-9 * f_star
    assert gaps["pg"] > 100 * max(gaps["pn"], gaps["tmp"], 1e-12 * f_star)


def test_random_selection_is_reproducible():
    A, b, lam = tall_instance(seed=1)
    prob = nonneg_l1_problem(A, b, lam)
    r1 = active_set_bcd(prob, selection="random", rng=3, max_iter=30)
    r2 = active_set_bcd(prob, selection="random", rng=np.random.default_rng(3), max_iter=30)
    np.testing.assert_array_equal(r1.f_history, r2.f_history)


def test_callback_stops():
    A, b, lam = tall_instance(seed=2)
    res = active_set_bcd(nonneg_l1_problem(A, b, lam), update="pg", callback=lambda s: s.iteration == 4)
    assert res.status is ActiveSetStatus.CALLBACK and res.n_iter == 4


@pytest.mark.parametrize("update", ["pn", "tmp", "pg"])
@pytest.mark.parametrize("blocks", ["variable", "fixed"])
def test_minimize_plugins_match(update, blocks):
    A, b, lam = tall_instance(seed=6)
    prob = nonneg_l1_problem(A, b, lam)
    got = minimize(prob, rule="gs_q", blocks=blocks, update=update, block_size=5, max_iter=25)
    ref = active_set_bcd(prob, update=update, blocks=blocks, block_size=5, max_iter=25)
    k = ref.f_history.size  # active_set_bcd stops at an exact solution (gtol = 0); minimize runs on
    np.testing.assert_allclose(got.f_history[:k], ref.f_history, rtol=1e-12)
    assert got.active_set_iter == ref.active_set_iter


@pytest.mark.uses([active_set_bcd, nonneg_qp])
def test_backend_agreement(backend):
    """Host computation: every backend gives the NumPy float64 result (identical blocks, rtol 1e-12)."""
    A, b, lam = tall_instance(seed=7)
    with use_backend("numpy"):
        ref = active_set_bcd(nonneg_l1_problem(A, b, lam), update="tmp", max_iter=30)
        qref = nonneg_qp(A.T @ A, -(A.T @ b))
    got = active_set_bcd(nonneg_l1_problem(A, b, lam), update="tmp", max_iter=30)
    np.testing.assert_allclose(got.f_history, ref.f_history, rtol=1e-12)
    H = backend.asarray(A.T @ A)
    q = nonneg_qp(H, backend.asarray(-(A.T @ b)))
    assert_backend_agrees(q, qref, rtol=1e-10, atol=1e-12, like=H)


@pytest.mark.parametrize("call, exc, match", [
    (lambda p: active_set_bcd(np.eye(3)), TypeError, "problem"),
    (lambda p: active_set_bcd(least_squares_problem(np.eye(3), np.ones(3))), ValueError, "non-negative"),
    (lambda p: active_set_bcd(p, update="newton"), ValueError, "update"),
    (lambda p: active_set_bcd(p, selection="gs"), ValueError, "selection"),
    (lambda p: active_set_bcd(p, blocks="tree"), ValueError, "blocks"),
    (lambda p: active_set_bcd(p, blocks="fixed", partition="hsort"), ValueError, "partition"),
    (lambda p: active_set_bcd(p, block_size=0), ValueError, "block_size"),
    (lambda p: active_set_bcd(p, block_size=21), ValueError, "block_size"),
    (lambda p: active_set_bcd(p, max_iter=-2), ValueError, "max_iter"),
    (lambda p: active_set_bcd(p, gtol=-1e-3), ValueError, "gtol"),
    (lambda p: active_set_bcd(p, update=1), TypeError, "update"),
    (lambda p: active_set_bcd(p, callback="x"), TypeError, "callback"),
    (lambda p: nonneg_qp(np.eye(2), [1.0]), ValueError, "H must have shape"),
    (lambda p: nonneg_qp([[1.0, 2.0], [0.0, 1.0]], [1.0, 1.0]), ValueError, "symmetric"),
    (lambda p: nonneg_qp(-np.eye(2), [1.0, 1.0]), ValueError, "semidefinite"),
    (lambda p: nonneg_qp(np.eye(2), [np.inf, 1.0]), ValueError, "c"),
    (lambda p: minimize(least_squares_problem(np.eye(3), np.ones(3)), rule="gs_q", block_size=2), ValueError,
     "non-negative"),
])
def test_bad_input(call, exc, match):
    A, b, lam = tall_instance()
    with pytest.raises(exc, match=match):
        call(nonneg_l1_problem(A, b, lam))
