"""refimpl._krylov: PCG and Lanczos/SLQ against dense solves and dense eigenvalues, on every backend."""
import numpy as np
import pytest

from refimpl._iterative import Status
from refimpl._krylov import lanczos, pcg, slq_quadrature
from refimpl.backends import to_numpy


def _spd(n=30, seed=0, cond=1e3):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(1.0, cond, n)
    return (Q * lam) @ Q.T, rng.standard_normal(n)


def _mv(backend, A):
    Ab = backend.asarray(A)
    return lambda x: Ab @ x


def test_pcg_matches_dense_solve(backend):
    A, b = _spd()
    res = pcg(_mv(backend, A), backend.asarray(b), rtol=1e-12)
    assert res.status == Status.CONVERGED and res.success
    x = np.asarray(to_numpy(res.x))
    np.testing.assert_allclose(x, np.linalg.solve(A, b), rtol=1e-8)
    assert res.residual_norms.size == res.n_iter and res.residual_norms[-1] <= 1e-12 * np.linalg.norm(b)
    assert res.n_matvec >= res.n_iter


def test_pcg_preconditioner_grid_shape(backend):
    # operator on 2-D arrays (a "grid tensor"), Jacobi preconditioner
    A, _ = _spd(24, seed=1)
    d = np.diag(A).copy()
    B = np.random.default_rng(2).standard_normal((4, 6))
    Ab, db = backend.asarray(A), backend.asarray(d.reshape(4, 6))
    xp = backend.xp
    res = pcg(lambda X: xp.reshape(Ab @ xp.reshape(X, (-1,)), (4, 6)), backend.asarray(B),
              precond=lambda R: R / db, rtol=1e-11)
    assert res.success
    np.testing.assert_allclose(np.asarray(to_numpy(res.x)).ravel(), np.linalg.solve(A, B.ravel()), rtol=1e-7)


def test_pcg_result_independent_of_check_every(backend):
    A, b = _spd(20, seed=3)
    r1 = pcg(_mv(backend, A), backend.asarray(b), rtol=1e-10, check_every=1)
    r7 = pcg(_mv(backend, A), backend.asarray(b), rtol=1e-10, check_every=7)
    assert r1.n_iter == r7.n_iter and r7.n_matvec >= r7.n_iter
    np.testing.assert_array_equal(np.asarray(to_numpy(r1.x)), np.asarray(to_numpy(r7.x)))


def test_pcg_breakdown_on_indefinite_operator(backend):
    A = np.diag([1.0, -1.0])
    res = pcg(_mv(backend, A), backend.asarray(np.array([1.0, 1.0])), rtol=1e-12)
    assert res.status == Status.BREAKDOWN and not res.success
    assert np.all(np.isfinite(np.asarray(to_numpy(res.x))))


def test_pcg_nonfinite_and_max_iter_and_callback(backend):
    A, b = _spd(20, seed=4, cond=1e6)
    with np.errstate(invalid="ignore"):
        res = pcg(_mv(backend, A * np.inf), backend.asarray(b))
    assert res.status == Status.NONFINITE
    res = pcg(_mv(backend, A), backend.asarray(b), rtol=1e-14, max_iter=3)
    assert res.status == Status.MAX_ITER and res.n_iter == 3
    seen = []
    res = pcg(_mv(backend, A), backend.asarray(b), rtol=1e-14,
              callback=lambda s: seen.append(s.residual_norm) or s.iteration >= 2)
    assert res.status == Status.CALLBACK and res.n_iter == 2 and len(seen) == 2


def test_pcg_zero_rhs_and_bad_arguments(backend):
    A, _ = _spd(5)
    res = pcg(_mv(backend, A), backend.asarray(np.zeros(5)))
    assert res.status == Status.CONVERGED and res.n_iter == 0
    with pytest.raises(TypeError, match="matvec"):
        pcg(None, backend.asarray(np.ones(5)))
    with pytest.raises(TypeError, match="callback"):
        pcg(_mv(backend, A), backend.asarray(np.ones(5)), callback=3)
    with pytest.raises(ValueError, match="rtol"):
        pcg(_mv(backend, A), backend.asarray(np.ones(5)), rtol=-1.0)


def test_lanczos_ritz_values_and_slq_match_dense(backend):
    A, _ = _spd(12, seed=5, cond=50.0)
    rng = np.random.default_rng(6)
    Z = rng.choice([-1.0, 1.0], size=(12, 3))
    lz = lanczos(_mv(backend, A), backend.asarray(Z), 12, reorthogonalize=True)
    assert lz.n_iter == 12 and lz.n_matvec == 12 and lz.alphas.shape == (12, 3)
    # full Krylov space: Ritz values = eigenvalues, quadrature exact
    T = np.diag(lz.alphas[:, 0]) + np.diag(lz.betas[:, 0], 1) + np.diag(lz.betas[:, 0], -1)
    np.testing.assert_allclose(np.linalg.eigvalsh(T), np.linalg.eigvalsh(A), rtol=1e-9)
    w, Q = np.linalg.eigh(A)
    logA = (Q * np.log(w)) @ Q.T
    exact = np.einsum("ik,ij,jk->k", Z, logA, Z)
    np.testing.assert_allclose(slq_quadrature(lz), exact, rtol=1e-9)


def test_lanczos_invariant_subspace_breakdown(backend):
    # a start vector in a 2-D invariant subspace: β vanishes after 2 steps, quadrature still exact
    A = np.diag([1.0, 2.0, 3.0, 4.0])
    Z = np.array([[1.0], [1.0], [0.0], [0.0]])
    lz = lanczos(_mv(backend, A), backend.asarray(Z), 4)
    assert lz.status == Status.CONVERGED and lz.betas[1, 0] == 0.0
    assert slq_quadrature(lz)[0] == pytest.approx(np.log(1.0) + np.log(2.0), rel=1e-12)
