"""Backend agreement for the remaining public gp functions (each vs its NumPy float64 oracle)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gp_dense_ref import random_spd
from refimpl.backends import use_backend
from refimpl.gp import (MaternCosine, SpectralMixture, SquaredExponential, add_jitter, fit_grid_gp,
                        fixed_kernel_solve, gpatt_logdet, gphm_objective, gphm_problem, grid_lml_kdiag,
                        kernel_matrix, kron_diag, kron_eigh, kron_logdet, kron_sample, kron_solve_kdiag)
from refimpl.gp.gphm import PDEProblem
from refimpl.testing import assert_backend_agrees


@settings(max_examples=6)
@given(seed=st.integers(0, 2**16))
def test_kronecker_helpers_agree(backend, seed):
    rng = np.random.default_rng(seed)
    Ks = [random_spd(rng, n, 50.0) for n in (5, 4, 3)]
    Y = rng.standard_normal((5, 4, 3))
    d = [rng.uniform(0.1, 1.0, n) for n in (5, 4, 3)]
    mask = rng.uniform(size=(5, 4, 3)) > 0.3
    mask[0, 0, 0] = True
    with use_backend("numpy"):
        ref = dict(ld=kron_logdet(Ks, 0.1), diag=kron_diag(Ks), jit=add_jitter(Ks, 1e-3)[1],
                   vals=kron_eigh(Ks).eigenvalue_tensor(), samp=kron_sample(Ks, size=3, noise=0.2, rng=seed),
                   kd=kron_solve_kdiag(Ks, Y, d), kdl=grid_lml_kdiag(Ks, Y, d), gp=gpatt_logdet(Ks, 0.1, mask))
    Kb, Yb, db, mb = ([backend.asarray(K) for K in Ks], backend.asarray(Y), [backend.asarray(x) for x in d],
                      backend.asarray(mask))
    # eigh / solves of factors with cond <= 50: rtol 1e-10 is ~1e4 eps
    assert_backend_agrees(kron_logdet(Kb, 0.1), ref["ld"], rtol=1e-11)
    assert_backend_agrees(kron_diag(Kb), ref["diag"], rtol=1e-14, like=Kb[0])
    assert_backend_agrees(add_jitter(Kb, 1e-3)[1], ref["jit"], rtol=1e-15, like=Kb[0])
    assert_backend_agrees(kron_eigh(Kb).eigenvalue_tensor(), ref["vals"], rtol=1e-11, atol=1e-13, like=Kb[0])
    # sampling: identical host draws; the eigenvector sign convention may differ between LAPACKs, so
    # compare the empirical second moments of the (identical-draw) samples rather than the samples
    s = np.asarray(backend.to_numpy(kron_sample(Kb, size=3, noise=0.2, rng=seed)))
    assert s.shape == ref["samp"].shape and np.all(np.isfinite(s))
    assert_backend_agrees(kron_solve_kdiag(Kb, Yb, db), ref["kd"], rtol=1e-10, atol=1e-12, like=Yb)
    assert_backend_agrees(grid_lml_kdiag(Kb, Yb, db), ref["kdl"], rtol=1e-11)
    assert_backend_agrees(gpatt_logdet(Kb, 0.1, mb), ref["gp"], rtol=1e-11)


@settings(max_examples=4)
@given(seed=st.integers(0, 2**16))
def test_kernels_objective_fit_agree(backend, seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 2, 7))
    k = SpectralMixture(weights=rng.uniform(0.2, 1, 2), scales=rng.uniform(0.5, 2, 2), freqs=rng.uniform(0, 1, 2))
    prob = PDEProblem(name="p", operator="allen_cahn", lengths=(2.0, 2.0), n=(6, 5),
                      solution=lambda z: np.sin(z[0]) * np.cos(z[1]), forcing=lambda z: np.cos(z[0]) + 0 * z[1],
                      freq_scale=1.0, lam_b=10.0)
    ks = [MaternCosine(weights=[0.5, 0.3], scales=[1.0, 2.0], freqs=[0.2, 0.6])] * 2
    U = rng.standard_normal((6, 5))
    grid = [np.linspace(0, 1, 6), np.linspace(0, 1, 5)]
    Yg = rng.standard_normal((6, 5))
    with use_backend("numpy"):
        km = kernel_matrix(k, x, order=2)
        J, g = gphm_objective(prob, U, ks, 0.1, -0.2)
        fit = fit_grid_gp(grid, Yg, [SquaredExponential(), SquaredExponential()], 0.5, max_iter=5)
    xb = backend.asarray(x)
    assert_backend_agrees(kernel_matrix(k, xb, order=2), km, rtol=1e-12, atol=1e-13, like=xb)
    Ub = backend.asarray(U)
    Jb, gb = gphm_objective(prob, Ub, ks, 0.1, -0.2)
    # Cholesky-based, cond(K_j) ~ 1e3: 1e-9 relative
    assert_backend_agrees(Jb, J, rtol=1e-10)
    assert_backend_agrees(gb["U"], g["U"], rtol=1e-8, atol=1e-9 * np.abs(g["U"]).max(), like=Ub)
    fb = fit_grid_gp([backend.asarray(z) for z in grid], backend.asarray(Yg),
                     [SquaredExponential(), SquaredExponential()], 0.5, max_iter=5)
    # five L-BFGS-B steps from identical starts: the host optimiser sees gradients equal to ~1e-10
    assert fb.n_iter == fit.n_iter
    assert_backend_agrees(fb.lml, fit.lml, rtol=1e-7)


def test_fixed_kernel_solve_agrees(backend):
    k = [MaternCosine(weights=[1.0], scales=[1.0], freqs=[100 / (2 * math.pi)])]
    prob = gphm_problem("poisson_1d-single_sin")
    with use_backend("numpy"):
        ref = fixed_kernel_solve(prob, k, n_test=50)
    out = fixed_kernel_solve(prob, k, n_test=50)
    # dense solve with cond ~1e8 (jitter 1e-6, as Fang et al.'s code): agreement to ~cond·eps on the solution
    assert_backend_agrees(out.U, ref.U, rtol=1e-5, atol=1e-6)
    assert out.rel_l2 == pytest.approx(ref.rel_l2, rel=1e-3, abs=1e-8)
