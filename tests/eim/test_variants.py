"""Tests of the EIM variants: rectangular, matrix EIM, matrix-power limits, RB dual norms, NIRB."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.eim import (
    affine_residual_terms,
    dual_norm_classical,
    dual_norm_classical_offline,
    dual_norm_eim,
    dual_norm_eim_offline,
    eim_greedy,
    eim_rectangular,
    eim_rectangular_evaluate,
    inverse_eim,
    logdet_eim,
    matrix_eim,
    matrix_eim_assemble,
    matrix_eim_reduce,
    matrix_eim_reduced_operator,
    matrix_eim_weights,
    monomial_exponents,
    nonintrusive_rb,
    nonintrusive_rb_solve,
    rb_greedy,
    residual_coefficients,
)
from refimpl.eim.problems import affine_diffusion, helmholtz_1d, load_vector, nonaffine_diffusion
from refimpl.testing import assert_backend_agrees


def shifted(n_x=120, n_y=90):
    x = np.linspace(0, 1, n_x)
    y = np.linspace(0, 1, n_y)
    return ((x[:, None] - y[None, :] - 2.0) ** 2 + 0.3) ** -0.5


# ----------------------------------------------------------------------------- rectangular


def test_rectangular_broken_sensor_exact_and_min_norm():
    S = shifted()
    res = eim_greedy(S, max_iter=8)
    for r in (0, 3, 7):
        rect = eim_rectangular(res, drop_points=[r])
        assert rect.cross_matrix.shape == (7, 8)
        vals = S[rect.points]
        approx = eim_rectangular_evaluate(rect, vals)
        # interpolation at the remaining sensors stays exact (F has full row rank)
        assert np.abs(approx[rect.points] - vals).max() <= 1e-12 * np.abs(S).max()
        # the coefficient is the minimum-norm solution: compare with NumPy's SVD lstsq
        C_ref = np.linalg.lstsq(rect.cross_matrix, vals, rcond=None)[0]
        np.testing.assert_allclose(approx, rect.fields @ C_ref, atol=1e-9)
        # ordering of claim A-3: keeping the orphaned field is not worse than dropping both
        square = eim_rectangular(res, drop_points=[r], drop_params=[r])
        err_sq = np.abs(eim_rectangular_evaluate(square, S[square.points]) - S).max()
        assert np.abs(approx - S).max() <= err_sq * (1 + 1e-6)


def test_rectangular_oversampled_is_least_squares():
    S = shifted()
    res = eim_greedy(S, max_iter=6)
    extra = [5, 50, 100]
    rect = eim_rectangular(res, add_points=extra)
    vals = S[rect.points]
    approx = eim_rectangular_evaluate(rect, vals)
    C = np.linalg.lstsq(rect.cross_matrix, vals, rcond=None)[0]
    np.testing.assert_allclose(approx, rect.fields @ C, atol=1e-10)
    # normal equations hold at the sensors: F^T (F C - s) = 0
    resid = rect.cross_matrix @ C - vals
    assert np.abs(rect.cross_matrix.T @ resid).max() <= 1e-10


def test_rectangular_square_equals_triangular():
    S = shifted()
    res = eim_greedy(S, max_iter=6)
    rect = eim_rectangular(res)
    from refimpl.eim import eim_evaluate

    np.testing.assert_allclose(eim_rectangular_evaluate(rect, S[rect.points]), eim_evaluate(res, S[res.points]),
                               atol=1e-10)


def test_rectangular_bad_input():
    res = eim_greedy(shifted(), max_iter=4)
    with pytest.raises(ValueError, match="drop_points"):
        eim_rectangular(res, drop_points=[4])
    with pytest.raises(ValueError, match="at least one"):
        eim_rectangular(res, drop_params=[0, 1, 2, 3])
    with pytest.raises(ValueError, match="distinct"):
        eim_rectangular(res, add_points=[int(res.points[0])])
    rect = eim_rectangular(res, drop_points=[1])
    with pytest.raises(ValueError, match="values must have shape"):
        eim_rectangular_evaluate(rect, np.ones(4))


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000), drop=st.integers(0, 4))
def test_rectangular_backend_agreement(backend, seed, drop):
    # min-norm LSQ of a 4x5 system with cond(F) <~ 1e4: 1e-8 relative is safe on every backend
    rng = np.random.default_rng(seed)
    S = (rng.standard_normal((30, 5)) * np.logspace(0, -3, 5)) @ rng.standard_normal((5, 20))
    with use_backend("numpy"):
        res = eim_greedy(S, max_iter=5)
        rect = eim_rectangular(res, drop_points=[drop])
        ref = eim_rectangular_evaluate(rect, S[rect.points])
    rb = eim_rectangular(eim_greedy(backend.asarray(S), max_iter=5), drop_points=[drop])
    vals = backend.asarray(S[rect.points])
    assert_backend_agrees(eim_rectangular_evaluate(rb, vals), ref, rtol=1e-8, atol=1e-10, like=vals)


# ----------------------------------------------------------------------------- matrix EIM


def test_matrix_eim_affine_family_is_exact():
    # claim B-2: an affine family with Q linearly independent theta_q stops at M = Q, and the
    # weights reproduce theta: sum_m beta_m theta(mu_m) = theta(mu)
    rng = np.random.default_rng(0)
    n = 30
    mats = [sp.random(n, n, density=0.2, random_state=k, format="csr") + sp.eye(n) for k in range(3)]
    theta = lambda mu: np.array([1.0, np.sin(mu), mu**2])  # noqa: E731
    assemble = lambda mu: sum(t * A for t, A in zip(theta(mu), mats))  # noqa: E731
    train = np.linspace(0, 2, 40)
    meim = matrix_eim(assemble, train, rtol=1e-12)
    assert len(meim.params) == 3
    assert meim.greedy.errors[-1] <= 1e-12 * meim.greedy.errors[0]
    for mu in rng.uniform(0, 2, 5):
        A = assemble(mu)
        beta = matrix_eim_weights(meim, np.asarray(A[meim.rows, meim.cols]).ravel())
        Th = np.stack([theta(train[j]) for j in meim.params], axis=1)
        np.testing.assert_allclose(Th @ beta, theta(mu), rtol=1e-10, atol=1e-12)
        assert spla.norm(matrix_eim_assemble(meim, beta) - A) <= 1e-11 * spla.norm(A)


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("dense", [False, True])
def test_matrix_eim_nonaffine_diffusion(symmetric, dense):
    # claim B-1 (prototype table) row M = 8 (measured 1.9e-5 on 50 random mu): within a factor 3
    train = np.linspace(0, 20, 200)
    asm = (lambda mu: nonaffine_diffusion(mu, 60).toarray()) if dense else (lambda mu: nonaffine_diffusion(mu, 60))
    meim = matrix_eim(asm, train, max_iter=8, symmetric=symmetric)
    if symmetric:
        assert np.all(meim.rows <= meim.cols)
    worst = 0.0
    for mu in np.random.default_rng(0).uniform(0, 20, 20):
        A = nonaffine_diffusion(mu, 60).toarray()
        beta = matrix_eim_weights(meim, A[meim.rows, meim.cols])
        Am = matrix_eim_assemble(meim, beta)
        Am = Am.toarray() if sp.issparse(Am) else Am
        worst = max(worst, np.linalg.norm(A - Am) / np.linalg.norm(A))
        # magic entries are interpolated exactly
        np.testing.assert_allclose(Am[meim.rows, meim.cols], A[meim.rows, meim.cols], rtol=1e-10)
    assert worst <= 3 * 1.9e-5


def test_matrix_eim_reduced_equals_intrusive():
    # claim D-2: sum_m beta_m V* A_m V == V* (sum_m beta_m A_m) V
    train = np.linspace(0, 20, 50)
    meim = matrix_eim(lambda mu: nonaffine_diffusion(mu, 80), train, max_iter=6)
    V = np.linalg.qr(np.random.default_rng(1).standard_normal((80, 5)))[0]
    red = matrix_eim_reduce(meim, V)
    A = nonaffine_diffusion(7.3, 80)
    beta = matrix_eim_weights(meim, np.asarray(A[meim.rows, meim.cols]).ravel())
    AN = matrix_eim_reduced_operator(red, beta)
    intr = V.T @ (matrix_eim_assemble(meim, beta) @ V)
    assert np.abs(AN - intr).max() <= 1e-12 * np.abs(intr).max()


def test_matrix_eim_backend_agreement(backend):
    train = np.linspace(0, 20, 40)
    with use_backend("numpy"):
        ref = matrix_eim(lambda mu: nonaffine_diffusion(mu, 40), train, max_iter=6)
    res = matrix_eim(lambda mu: nonaffine_diffusion(mu, 40), train, max_iter=6)
    np.testing.assert_array_equal(res.rows, ref.rows)
    np.testing.assert_array_equal(res.params, ref.params)
    np.testing.assert_allclose(res.upper, ref.upper, rtol=1e-10, atol=1e-14)


def test_matrix_eim_bad_input():
    with pytest.raises(ValueError, match="empty"):
        matrix_eim(lambda mu: np.eye(2), [])
    with pytest.raises(ValueError, match="square"):
        matrix_eim(lambda mu: np.ones((2, 3)), [0.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        matrix_eim(lambda mu: np.eye(2 + int(mu)), [0, 1])
    with pytest.raises(ValueError, match="finite"):
        matrix_eim(lambda mu: np.full((2, 2), np.nan), [0.0, 1.0])
    meim = matrix_eim(lambda mu: np.eye(2) * (1 + mu), [0.0, 1.0])
    with pytest.raises(ValueError, match="magic entry"):
        matrix_eim_weights(meim, np.ones(5))


# ----------------------------------------------------------------------------- matrix powers


def _paper_c_problem(n=40):
    K = (n + 1) * (np.diag(2 * np.ones(n)) - np.diag(np.ones(n - 1), 1) - np.diag(np.ones(n - 1), -1))
    D1 = np.diag(5.0 * (np.arange(n) < n // 2))
    D2 = np.diag(5.0 * (np.arange(n) >= n // 2))
    return K + np.eye(n), [D1, D2]


def test_monomial_exponents():
    E = monomial_exponents(2, 3)
    assert E.shape == (10, 2) and np.all(E.sum(1) <= 3)
    assert len({tuple(r) for r in E}) == 10 and tuple(E[0]) == (0, 0)


def test_logdet_and_inverse_eim_accuracy_and_bound():
    A0, terms = _paper_c_problem()
    g = np.linspace(0, 1, 12)
    P = list(np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2))
    b = np.linspace(1, 2, A0.shape[0])
    ld = logdet_eim(A0, terms, lambda mu: mu, P, degree=6)
    inv = inverse_eim(A0, terms, lambda mu: mu, P, b, degree=6)
    assert len(ld.eim.params) == 28  # all monomials of total degree <= 6 in 2 variables
    for mu in np.random.default_rng(2).uniform(0, 1, (15, 2)):
        A = A0 + mu[0] * terms[0] + mu[1] * terms[1]
        p = ld.predict(mu)
        exact = np.linalg.slogdet(A)[1]
        err = abs(p.value - exact)
        assert err <= 1e-4 * abs(exact)
        assert p.bound >= err  # claim C-2: the computable bound dominates the error
        q = inv.predict(mu)
        x = np.linalg.solve(A, b)
        assert np.linalg.norm(q.value - x) <= 1e-2 * np.linalg.norm(x)
        assert q.bound >= np.linalg.norm(q.value - x)
        assert abs(q.weights.sum() - 1.0) <= 1e-8  # alpha = 0 is interpolated: sum beta = 1
    # a higher degree interpolates more powers: the error drops
    inv10 = inverse_eim(A0, terms, lambda mu: mu, P, b, degree=10)
    mu = np.array([0.37, 0.61])
    x = np.linalg.solve(A0 + mu[0] * terms[0] + mu[1] * terms[1], b)
    assert np.linalg.norm(inv10.predict(mu).value - x) < 0.1 * np.linalg.norm(inv.predict(mu).value - x)


def test_matrix_power_bad_input():
    A0, terms = _paper_c_problem(10)
    with pytest.raises(TypeError, match="complex"):
        logdet_eim(A0, [terms[0] * 1j, terms[1]], lambda mu: mu, [np.zeros(2), np.ones(2)], degree=2)
    with pytest.raises(ValueError, match="SPD"):
        logdet_eim(-A0, terms, lambda mu: mu, [np.zeros(2), np.ones(2)], degree=2)
    with pytest.raises(ValueError, match="degree"):
        logdet_eim(A0, terms, lambda mu: mu, [np.zeros(2)], degree=-1)
    with pytest.raises(TypeError, match="real"):
        logdet_eim(A0, terms, lambda mu: mu * 1j, [np.ones(2)], degree=2)
    with pytest.raises(ValueError, match="length"):
        inverse_eim(A0, terms, lambda mu: mu, [np.zeros(2), np.ones(2)], np.ones(3), degree=2)


# ----------------------------------------------------------------------------- RB


def test_rb_greedy_orthonormal_and_interpolatory():
    (A0, A1, A2), f = affine_diffusion(60)
    P = np.random.default_rng(0).uniform(0, 10, (40, 2))
    U = np.stack([spla.spsolve((A0 + m[0] * A1 + m[1] * A2).tocsc(), f) for m in P], 1)
    V, sel, errs = rb_greedy(U, inner=A0, max_basis=8)
    np.testing.assert_allclose(V.T @ (A0 @ V), np.eye(8), atol=1e-12)
    # selected snapshots lie in the span (projection error zero)
    coef = V.T @ (A0 @ U[:, sel])
    np.testing.assert_allclose(V @ coef, U[:, sel], atol=1e-12 * np.abs(U).max())
    assert errs[0] == pytest.approx(1.0)


def test_dual_norms_against_direct_computation():
    (A0, A1, A2), f = affine_diffusion(80)
    P = np.random.default_rng(0).uniform(0, 10, (30, 2))
    U = np.stack([spla.spsolve((A0 + m[0] * A1 + m[1] * A2).tocsc(), f) for m in P], 1)
    V, _, _ = rb_greedy(U, inner=A0, max_basis=6)
    R = affine_residual_terms([A0, A1, A2], [f], V)
    G = dual_norm_classical_offline(R, A0)
    model = dual_norm_eim_offline(R, A0)
    assert model.points.size <= R.shape[1]
    for mu in np.random.default_rng(1).uniform(0, 10, (5, 2)):
        A = A0 + mu[0] * A1 + mu[1] * A2
        uN = np.linalg.solve(V.T @ (A @ V), V.T @ f)
        gam = residual_coefficients([1.0, mu[0], mu[1]], [1.0], uN)
        r = f - A @ (V @ uN)
        direct = np.sqrt(r @ spla.spsolve(A0.tocsc(), r))
        np.testing.assert_allclose(R @ gam, r, atol=1e-12 * np.abs(f).max())
        assert dual_norm_classical(G, gam)[0] == pytest.approx(direct, rel=1e-6)
        assert dual_norm_eim(model, gam) == pytest.approx(direct, rel=1e-8)


def test_dual_norm_eim_backend_agreement(backend):
    (A0, A1, A2), f = affine_diffusion(40)
    V = np.linalg.qr(np.random.default_rng(0).standard_normal((40, 3)))[0]
    R = affine_residual_terms([A0, A1, A2], [f], V)
    gam = residual_coefficients([1.0, 2.0, 3.0], [1.0], np.ones(3))
    with use_backend("numpy"):
        ref = dual_norm_eim(dual_norm_eim_offline(R, A0), gam)
    out = dual_norm_eim(dual_norm_eim_offline(R, A0), gam)
    assert out == pytest.approx(ref, rel=1e-10)


def test_nonintrusive_rb_complex_helmholtz():
    train = np.linspace(1, 10, 40)
    model = nonintrusive_rb(lambda k: helmholtz_1d(k, 120)[0], lambda k: helmholtz_1d(k, 120)[1], train,
                            rb_tol=1e-8, eim_tol=1e-12, rhs_tol=1e-12)
    assert np.iscomplexobj(model.basis)
    for k in (1.7, 4.2, 9.1):
        A, g = helmholtz_1d(k, 120)
        s = np.asarray(A[model.operator.rows, model.operator.cols]).ravel()
        uN, AN = nonintrusive_rb_solve(model, s, g[np.asarray(model.rhs.points)])
        u = spla.spsolve(A.tocsc(), g)
        assert np.linalg.norm(model.basis @ uN - u) <= 1e-5 * np.linalg.norm(u)
        # D-2: the reduced matrix from magic entries equals the intrusive projection (conj. transpose)
        beta = matrix_eim_weights(model.operator, s)
        V = model.basis
        intr = V.conj().T @ (matrix_eim_assemble(model.operator, beta) @ V)
        assert np.abs(AN - intr).max() <= 1e-12 * np.abs(intr).max()


def test_nonintrusive_rb_real_matches_galerkin():
    train = np.linspace(0, 20, 40)
    model = nonintrusive_rb(lambda mu: nonaffine_diffusion(mu, 100), lambda mu: load_vector(100) * (1 + mu),
                            train, n_basis=6, eim_tol=1e-13)
    A = nonaffine_diffusion(3.3, 100)
    f = load_vector(100) * 4.3
    uN, _ = nonintrusive_rb_solve(model, np.asarray(A[model.operator.rows, model.operator.cols]).ravel(),
                                  f[np.asarray(model.rhs.points)])
    V = model.basis
    galerkin = np.linalg.solve(V.T @ (A @ V), V.T @ f)
    np.testing.assert_allclose(uN, galerkin, rtol=1e-8)


def test_logdet_and_nirb_backend_agreement(backend):
    # host drivers whose greedy runs on the active backend: same selections, same numbers
    A0, terms = _paper_c_problem(20)
    g = np.linspace(0, 1, 6)
    P = list(np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2))
    mu = np.array([0.3, 0.8])
    with use_backend("numpy"):
        ref = logdet_eim(A0, terms, lambda m: m, P, degree=4).predict(mu)
    out = logdet_eim(A0, terms, lambda m: m, P, degree=4).predict(mu)
    assert out.value == pytest.approx(ref.value, rel=1e-12)
    train = np.linspace(1, 10, 15)
    asm = lambda k: helmholtz_1d(k, 60)[0]  # noqa: E731
    rhs = lambda k: helmholtz_1d(k, 60)[1]  # noqa: E731
    with use_backend("numpy"):
        m_ref = nonintrusive_rb(asm, rhs, train, n_basis=5, eim_tol=1e-10)
    m_out = nonintrusive_rb(asm, rhs, train, n_basis=5, eim_tol=1e-10)
    np.testing.assert_array_equal(m_out.operator.rows, m_ref.operator.rows)
    np.testing.assert_array_equal(np.asarray(m_out.rhs.points), np.asarray(m_ref.rhs.points))
    np.testing.assert_allclose(m_out.reduced_operators, m_ref.reduced_operators, rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------------------------
# conventions and bad input (issue 9)
# --------------------------------------------------------------------------------------------


def test_every_public_name_declares_its_capabilities():
    import refimpl.eim
    from refimpl.backends import capability_table

    table = capability_table()
    names = [f"refimpl.eim.{n}" for n in refimpl.eim.__all__ if f"refimpl.eim.{n}" in table]
    assert names and not [n for n in names if "undeclared" in table[n].values()]


def test_direct_sum_returns_in_the_callers_library():
    torch = pytest.importorskip("torch")
    from refimpl.eim import direct_sum

    rng = np.random.default_rng(0)
    P = rng.uniform(0, 1, (20, 3))
    q = rng.standard_normal(20)
    out = direct_sum(torch.tensor(P), torch.tensor(P), torch.tensor(q))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), direct_sum(P, P, q), rtol=1e-14)


def _bad_cases():
    from refimpl.eim import (
        direct_sum,
        dual_norm_classical,
        dual_norm_eim,
        dual_norm_eim_offline,
        eifmm,
        eim_rectangular,
        far_field_eim,
        logdet_eim,
        matrix_eim_assemble,
        matrix_eim_weights,
        monomial_exponents,
        nonintrusive_rb,
        nonintrusive_rb_solve,
    )

    P = np.random.default_rng(0).uniform(0, 1, (10, 3))
    q = np.ones(10)
    sym = np.eye(4) * 3
    nonsym = sym + np.triu(np.ones((4, 4)), 1)
    D = np.diag([1.0, 0, 0, 0])
    return [
        (lambda: direct_sum(P, P, q, block=-1), ValueError, "block"),
        (lambda: far_field_eim("bogus", 1.0, tol_abs=1e-3), ValueError, "kernel"),
        (lambda: far_field_eim("laplace", 1.0, tol_abs=1e-3, max_rank=0), ValueError, "max_rank"),
        (lambda: eim_rectangular(eim_greedy(shifted(), max_iter=4), drop_points=[1.5]), ValueError, "drop_points"),
        (lambda: eim_rectangular(None), TypeError, "result must be a EIMResult"),
        (lambda: logdet_eim(nonsym, [D], lambda mu: [mu], [0.1, 0.5], degree=2), ValueError, "A0 must be symmetric"),
        (lambda: logdet_eim(sym, [D], lambda mu: [mu, mu], [0.1, 0.5], degree=2), ValueError, "one coefficient per term"),
        (lambda: dual_norm_classical(np.eye(2), [np.nan, 1.0]), ValueError, "gamma"),
        (lambda: dual_norm_classical(np.full((2, 2), np.nan), [1.0, 1.0]), ValueError, "G"),
        (lambda: dual_norm_eim(None, [1.0]), TypeError, "model must be a DualNormEIM"),
        (lambda: dual_norm_eim_offline(np.eye(3), np.eye(3), floor_factor=0), ValueError, "floor_factor"),
        (lambda: monomial_exponents(2, 10**5), ValueError, "at most 200000"),
        (lambda: monomial_exponents(0, 2), ValueError, "Q"),
        (lambda: eifmm(P, P, q, depth=7), ValueError, "depth must be at most 6"),
        (lambda: nonintrusive_rb(lambda k: np.eye(3), lambda k: np.ones(3), [1.0, 2.0], n_basis=0), ValueError, "n_basis"),
        (lambda: nonintrusive_rb_solve(None, [1.0], [1.0]), TypeError, "model must be a NonIntrusiveRB"),
        (lambda: matrix_eim_weights(None, [1.0]), TypeError, "meim must be a MatrixEIM"),
        (lambda: matrix_eim_assemble(None, [1.0]), TypeError, "meim must be a MatrixEIM"),
    ]


@pytest.mark.parametrize("case", range(18))
def test_bad_input_is_rejected_clearly(case):
    call, exc, match = _bad_cases()[case]
    with pytest.raises(exc, match=match):
        call()


def test_matrix_eim_assemble_rejects_extra_weights_and_accepts_lists():
    mats = [sp.random(6, 6, density=0.3, random_state=k, format="csr") + sp.eye(6) for k in range(2)]
    meim = matrix_eim(lambda mu: mats[0] + mu * mats[1], [0.0, 1.0, 2.0])
    M = len(meim.params)
    with pytest.raises(ValueError, match=f"beta must have shape \\({M},\\)"):
        matrix_eim_assemble(meim, [1.0] * (M + 1))
    assert matrix_eim_assemble(meim, [1.0] * M).shape == (6, 6)


def test_rb_greedy_stops_at_the_numerical_rank():
    rng = np.random.default_rng(0)
    U = rng.standard_normal((30, 3)) @ rng.standard_normal((3, 12))
    V, sel, errs = rb_greedy(U, max_basis=8)
    assert V.shape[1] == 3 and sel.size == 3


def test_host_drivers_return_in_the_callers_library():
    torch = pytest.importorskip("torch")
    from refimpl.eim import affine_limit_eim, affine_limit_weights, matrix_eim_reduced_operator

    train = np.linspace(0, 20, 30)
    meim = matrix_eim(lambda mu: nonaffine_diffusion(mu, 40), train, max_iter=6)
    s = np.asarray(nonaffine_diffusion(3.3, 40)[meim.rows, meim.cols]).ravel()
    beta = matrix_eim_weights(meim, torch.tensor(s))
    assert isinstance(beta, torch.Tensor)
    np.testing.assert_allclose(beta.numpy(), matrix_eim_weights(meim, s), rtol=1e-14)
    red = np.random.default_rng(0).standard_normal((len(meim.params), 3, 3))
    assert isinstance(matrix_eim_reduced_operator(red, beta), torch.Tensor)
    model = affine_limit_eim(lambda mu: [mu, mu**2], list(np.linspace(0, 1, 10)), degree=2)
    b, r = affine_limit_weights(model, torch.tensor([0.3, 0.09]))
    assert isinstance(b, torch.Tensor) and isinstance(r, torch.Tensor)


def test_more_bad_input_from_the_fuzz_findings():
    from refimpl.eim import (
        affine_limit_eim,
        affine_residual_terms,
        dual_norm_classical_offline,
        eim_greedy_streaming,
        far_field_eim,
    )

    with pytest.raises(ValueError, match="X must be symmetric positive definite"):
        dual_norm_classical_offline(np.eye(3), -np.eye(3))
    with pytest.raises(ValueError, match="X must have shape"):
        dual_norm_classical_offline(np.eye(3), np.eye(4))
    with pytest.raises(TypeError, match="theta must be callable"):
        affine_limit_eim(None, [0.1, 0.2], degree=2)
    with pytest.raises(ValueError, match=r"A_terms\[0\] must have shape"):
        affine_residual_terms([np.eye(4)], [np.ones(3)], np.ones((3, 2)))
    with pytest.raises(TypeError, match="columns must be callable"):
        eim_greedy_streaming(None, 5)
    with pytest.raises(ValueError, match="tol_abs"):
        far_field_eim("laplace", 1.0, tol_abs=-1.0)
    with pytest.raises(ValueError, match="n_cell must be at most"):
        far_field_eim("laplace", 1.0, tol_abs=1e-3, n_cell=10**6)
