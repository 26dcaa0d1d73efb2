"""Kronecker algebra vs dense NumPy (np.kron + Cholesky): MVM, solve, log-det, LML, diag, jitter, sampling."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gp_dense_ref import dense_kron, dense_lml, random_spd
from refimpl.backends import use_backend
from refimpl.gp import (KronEig, add_jitter, grid_lml, kron_diag, kron_eigh, kron_logdet, kron_mvm,
                        kron_sample, kron_solve)
from refimpl.testing import assert_backend_agrees

SHAPES = [(7,), (7, 5), (4, 3, 5), (2, 9), (13, 11, 3)]


def _problem(shape, seed=0, cond=1e3):
    rng = np.random.default_rng(seed)
    Ks = [random_spd(rng, n, cond) for n in shape]
    Y = rng.standard_normal(shape)
    return Ks, Y


def test_kron_mvm_matches_numpy_kron_rectangular():
    rng = np.random.default_rng(1)
    for shape, rows in [((5,), (3,)), ((4, 3), (2, 5)), ((3, 2, 4), (5, 2, 1))]:
        A = [rng.standard_normal((m, n)) for m, n in zip(rows, shape)]
        X = rng.standard_normal(shape)
        out = kron_mvm(A, X)
        assert out.shape == rows
        np.testing.assert_allclose(out.ravel(), dense_kron(A) @ X.ravel(), rtol=1e-13, atol=1e-13)


def test_c_order_convention_first_factor_on_axis_0():
    # K_1 ⊗ I acting on vec(X) = K_1 applied to every column of X (axis 0)
    rng = np.random.default_rng(2)
    K1, X = rng.standard_normal((3, 3)), rng.standard_normal((3, 4))
    np.testing.assert_allclose(kron_mvm([K1, np.eye(4)], X), K1 @ X, rtol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
def test_solve_logdet_lml_match_dense(shape):
    Ks, Y = _problem(shape)
    K = dense_kron(Ks)
    lml, alpha, logdet = dense_lml(K, Y.ravel(), 0.05)
    a = kron_solve(Ks, Y, 0.05)
    assert a.shape == shape
    np.testing.assert_allclose(a.ravel(), alpha, rtol=1e-10, atol=1e-12 * np.abs(alpha).max())
    assert kron_logdet(Ks, 0.05) == pytest.approx(logdet, rel=1e-11)
    assert grid_lml(Ks, Y, 0.05) == pytest.approx(lml, rel=1e-11)
    lml2, a2 = grid_lml(Ks, Y, 0.05, return_alpha=True)
    assert lml2 == pytest.approx(lml, rel=1e-11)
    np.testing.assert_allclose(a2.ravel(), alpha, rtol=1e-10, atol=1e-12 * np.abs(alpha).max())


def test_kroneig_reuse_and_noise_free_logdet():
    Ks, Y = _problem((6, 4), seed=3)
    eig = kron_eigh(Ks)
    assert isinstance(eig, KronEig) and eig.shape == (6, 4)
    lam = np.sort(np.linalg.eigvalsh(dense_kron(Ks)))
    np.testing.assert_allclose(np.sort(eig.eigenvalue_tensor().ravel()), lam, rtol=1e-12)
    np.testing.assert_allclose(kron_solve(eig, Y, 0.3), kron_solve(Ks, Y, 0.3), rtol=1e-13)
    # noise = 0: Σ_j (N/n_j) log|K_j| = log|⊗K_j|
    assert kron_logdet(Ks, 0.0) == pytest.approx(np.linalg.slogdet(dense_kron(Ks))[1], rel=1e-12)


def test_kron_diag():
    rng = np.random.default_rng(4)
    A = [rng.standard_normal((n, n)) for n in (3, 4, 2)]
    np.testing.assert_allclose(kron_diag(A).ravel(), np.diag(dense_kron(A)), rtol=1e-14)


def test_jitter_conventions_differ_and_are_exact():
    Ks, _ = _problem((5, 4), seed=5, cond=1e4)
    eps = 1e-6
    per_factor = dense_kron([K + eps * np.eye(K.shape[0]) for K in Ks])
    iso = dense_kron(Ks) + eps * np.eye(20)
    ld_pf = kron_logdet(add_jitter(Ks, eps), 0.0)
    ld_iso = kron_logdet(Ks, eps)
    assert ld_pf == pytest.approx(np.linalg.slogdet(per_factor)[1], rel=1e-9)
    assert ld_iso == pytest.approx(np.linalg.slogdet(iso)[1], rel=1e-9)
    assert abs(ld_pf - ld_iso) > 1.0  # the two conventions are different matrices


def test_prior_sample_covariance():
    Ks, _ = _problem((3, 2), seed=6, cond=10)
    F = kron_sample(Ks, size=40000, noise=0.2, rng=0)
    assert F.shape == (40000, 3, 2)
    C = np.cov(F.reshape(40000, -1).T)
    target = dense_kron(Ks) + 0.2 * np.eye(6)
    # MC standard error of a covariance entry ≈ sqrt((C_ii C_jj + C_ij²)/n) < 0.01 here
    np.testing.assert_allclose(C, target, atol=0.03)
    np.testing.assert_array_equal(kron_sample(Ks, rng=1), kron_sample(Ks, rng=1))
    assert kron_sample(Ks, rng=1).shape == (3, 2)


@settings(max_examples=12)
@given(shape=st.sampled_from([(5,), (4, 3), (3, 2, 4)]), seed=st.integers(0, 2**16),
       noise=st.floats(1e-2, 1.0))
def test_backend_agreement(backend, shape, seed, noise):
    Ks, Y = _problem(shape, seed, cond=1e2)
    rng = np.random.default_rng(seed + 1)
    R = [rng.standard_normal((n + 1, n)) for n in shape]
    with use_backend("numpy"):
        ref = (kron_solve(Ks, Y, noise), grid_lml(Ks, Y, noise), kron_mvm(R, Y))
    Kb, Yb, Rb = [backend.asarray(K) for K in Ks], backend.asarray(Y), [backend.asarray(A) for A in R]
    # eigh-based solve, cond(K + σ²I) <= 1e4: rtol 1e-9 covers eps * cond with margin for different LAPACKs
    assert_backend_agrees(kron_solve(Kb, Yb, noise), ref[0], rtol=1e-9, atol=1e-12, like=Yb)
    assert_backend_agrees(grid_lml(Kb, Yb, noise), ref[1], rtol=1e-10)
    assert_backend_agrees(kron_mvm(Rb, Yb), ref[2], rtol=1e-12, atol=1e-13, like=Yb)


def test_bad_input():
    Ks, Y = _problem((4, 3))
    with pytest.raises(ValueError, match="shape"):
        kron_solve(Ks, Y.T, 0.1)
    with pytest.raises(ValueError, match="finite"):
        kron_solve(Ks, np.where(Y == Y.max(), np.nan, Y), 0.1)
    with pytest.raises(ValueError, match="noise"):
        kron_solve(Ks, Y, -0.1)
    with pytest.raises(ValueError, match="noise"):
        grid_lml(Ks, Y, 0.0)
    with pytest.raises(ValueError, match="symmetric"):
        kron_solve([Ks[0] + np.triu(np.ones((4, 4)), 1), Ks[1]], Y, 0.1)
    with pytest.raises(ValueError, match="square"):
        kron_logdet([np.ones((2, 3))], 0.1)
    with pytest.raises(ValueError, match="finite"):
        kron_logdet([np.full((2, 2), np.inf)], 0.1)
    with pytest.raises(TypeError, match="list or tuple"):
        kron_mvm(np.eye(3), np.ones(3))
    with pytest.raises(ValueError, match="grid tensor"):
        kron_mvm([np.eye(3), np.eye(2)], np.ones((2, 3)))
    with pytest.raises(ValueError, match="singular"):
        kron_solve([np.zeros((2, 2))], np.ones(2), 0.0)


def test_float32_factors_are_accepted_and_stay_float32():
    Ks, Y = _problem((4, 3), seed=9, cond=10)
    K32 = [K.astype(np.float32) for K in Ks]
    a = kron_solve(K32, Y.astype(np.float32), 0.1)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a, kron_solve(Ks, Y, 0.1), rtol=1e-4, atol=1e-5)
