"""Reliability (issue 9) regression tests for the gp family: each row is one defect that was fixed."""
import math

import numpy as np
import pytest

from refimpl.backends import to_numpy
from refimpl.gp import (MaternCosine, SquaredExponential, fit_grid_gp, fixed_kernel_solve, gpatt_logdet,
                        gphm_objective, gphm_problem, gphm_solve, grid_factors, grid_gp_predict, grid_lml,
                        grid_lml_cg, grid_lml_kdiag, kernel_matrix, kron_cg_solve, kron_eigh, kron_logdet,
                        kron_logdet_kdiag, kron_sample, kron_slq_logdet, kron_solve, kron_solve_kdiag)

INDEF = np.array([[1.0, 2.0], [2.0, 1.0]])          # eigenvalues −1, 3


@pytest.mark.parametrize("call", [
    lambda: kron_logdet([INDEF], 0.5),
    lambda: kron_solve([INDEF], np.array([1.0, 0.0]), 0.5),
    lambda: grid_lml([INDEF], np.array([1.0, 0.0]), 0.5),
    lambda: kron_eigh([INDEF]),
    lambda: kron_sample([INDEF], rng=0),
    lambda: kron_solve_kdiag([INDEF], np.array([1.0, 0.0]), [np.ones(2)]),
    lambda: kron_logdet_kdiag([INDEF], [np.ones(2)]),
    lambda: grid_lml_kdiag([INDEF], np.array([1.0, 0.0]), [np.ones(2)]),
    lambda: gpatt_logdet([INDEF], 0.5, np.array([True, True])),
    lambda: kron_cg_solve([INDEF], np.array([1.0, 0.0]), 0.5),
    lambda: grid_lml_cg([INDEF], np.array([1.0, 0.0]), 0.5),
], ids=["kron_logdet", "kron_solve", "grid_lml", "kron_eigh", "kron_sample", "kron_solve_kdiag",
        "kron_logdet_kdiag", "grid_lml_kdiag", "gpatt_logdet", "kron_cg_solve", "grid_lml_cg"])
def test_indefinite_factor_rejected_on_every_path(call):
    with pytest.raises(ValueError, match=r"factors.*\[0\].*not positive semi-definite"):
        call()


def test_round_off_negative_eigenvalues_are_clipped_not_rejected():
    K = grid_factors([np.linspace(0, 1, 40)], SquaredExponential(lengthscale=0.5))[0]  # λ_min ≈ −1e-16
    eig = kron_eigh([K])
    assert float(np.min(eig.values[0])) >= 0.0


def test_kron_sample_identical_on_every_backend(backend):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 5))
    Ks = [A @ A.T, np.eye(3) * 2.0]                  # the repeated eigenvalue makes Q non-unique
    ref = kron_sample(Ks, size=2, noise=0.1, rng=0)
    out = kron_sample([backend.asarray(K) for K in Ks], size=2, noise=0.1, rng=0)
    np.testing.assert_allclose(np.asarray(to_numpy(out)), ref, rtol=1e-10, atol=1e-12)


def test_nonfinite_results_are_errors_or_statuses():
    K = np.ones((3, 3))                               # singular factor
    with pytest.raises(ValueError, match="singular"):
        kron_solve([K], np.ones(3), 1e-320)
    z = np.array([0.0, 0.0, 1.0])                     # duplicate coordinates
    with pytest.raises(ValueError, match="singular"):
        grid_gp_predict([z], np.array([1.0, 2.0, 3.0]), SquaredExponential(), 1e-300, points=[[0.5]])
    Ks = grid_factors([np.linspace(0, 1, 3)] * 2, SquaredExponential(lengthscale=0.3))
    res = kron_slq_logdet(Ks, 1e308, n_probes=4, rng=0)
    assert res.success and res.logdet == pytest.approx(9 * math.log(1e308), rel=1e-10)   # 6382.8, was inf
    Y = np.random.default_rng(0).standard_normal((3, 3))
    assert math.isfinite(grid_lml(Ks, Y * 1e100, 0.1))   # scaled form: no overflow in Y·α
    with pytest.raises(ValueError, match="not representable"):
        grid_lml(Ks, Y * 1e200, 0.1)                      # a true overflow is a clear error, not NaN
    with pytest.raises(ValueError, match="not finite"):
        kernel_matrix(SquaredExponential(lengthscale=1e-200), np.linspace(0, 1, 4))
    prob = gphm_problem("poisson_1d-single_sin", n=20)
    k = [MaternCosine(weights=[1.0], scales=[1.0], freqs=[1.0])]
    with pytest.raises(ValueError, match="s1"):
        gphm_objective(prob, np.zeros(20), k, math.nan, 0.0)
    with pytest.raises(ValueError, match="n_test"):
        fixed_kernel_solve(prob, k, n_test=0)


def test_statuses_instead_of_crashes():
    grid = [np.linspace(0, 1, 8), np.linspace(0, 1, 6)]
    fit = fit_grid_gp(grid, np.ones((8, 6)), [SquaredExponential()] * 2, 0.1, max_iter=50)
    assert fit.status.name in ("CONVERGED", "NONFINITE", "ABNORMAL", "MAX_ITER")   # never LinAlgError
    Ks = grid_factors([np.linspace(0, 1, 5)] * 2, SquaredExponential(lengthscale=0.3))
    res = kron_cg_solve(Ks, np.ones((5, 5)), 1e308)
    assert res.status.name in ("CONVERGED", "BREAKDOWN", "NONFINITE")              # was ZeroDivisionError
    with pytest.raises(TypeError, match="noise"):
        kron_cg_solve(Ks, np.ones((5, 5)), 1 + 2j)                                  # was "math domain error"
    out = gphm_solve(gphm_problem("poisson_1d-single_sin"), max_iter=3, Q=2, n_test=10, lr=1e308)
    assert out.status.name == "NONFINITE" and not out.success                        # was NotPositiveDefiniteError


@pytest.mark.parametrize("call, exc, name", [
    (lambda: kron_solve(None, np.ones(2), 0.1), TypeError, "factors"),
    (lambda: kron_solve([None], np.ones(2), 0.1), TypeError, r"factors\[0\]"),
    (lambda: kron_solve(["abc"], np.ones(2), 0.1), TypeError, r"factors\[0\]"),
    (lambda: kron_solve([np.eye(2)], None, 0.1), TypeError, "Y"),
    (lambda: kron_solve([np.eye(2)], np.ones((2, 2)), 0.1), ValueError, "Y"),
    (lambda: kron_solve([np.eye(2)], np.ones(2), "x"), (TypeError, ValueError), "noise"),
    (lambda: kron_cg_solve([np.eye(2)], np.ones(2), None), TypeError, "noise"),
    (lambda: kron_cg_solve([np.eye(2)], np.ones(2), 0.1, max_iter=0), ValueError, "max_iter"),
    (lambda: kron_cg_solve([np.eye(2)], np.ones(2), 0.1, callback=3), TypeError, "callback"),
    (lambda: kron_slq_logdet([np.eye(2)], 0.1, n_probes=1), ValueError, "n_probes"),
    (lambda: gpatt_logdet([np.eye(2)], 0.1, None), TypeError, "mask"),
    (lambda: gphm_solve(gphm_problem("poisson_1d-single_sin", n=150), max_iter=0), ValueError, "max_iter"),
    (lambda: gphm_solve(gphm_problem("poisson_1d-single_sin", n=150), beta1=1.0), ValueError, "beta1"),
])
def test_bad_arguments_named(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


def test_lists_accepted_as_arrays():
    a = kron_solve([[[2.0, 0.5], [0.5, 1.0]]], [1.0, 0.0], 0.1)
    np.testing.assert_allclose((np.array([[2.0, 0.5], [0.5, 1.0]]) + 0.1 * np.eye(2)) @ a, [1.0, 0.0], atol=1e-14)
    assert np.isfinite(kron_logdet([[[2.0, 0.5], [0.5, 1.0]]], 0.1))


def test_slq_float32_in_float32_compute(backend):
    Ks = grid_factors([np.linspace(0, 1, 6)] * 2, SquaredExponential(lengthscale=0.3))
    K32 = [backend.asarray(K.astype(np.float32)) for K in Ks]
    seen = []
    import refimpl._krylov as kr
    orig = kr.lanczos

    def spy(matvec, Z, *a, **k):
        seen.append(str(Z.dtype))
        return orig(matvec, Z, *a, **k)

    kr.lanczos = spy
    try:
        res = kron_slq_logdet(K32, 0.1, n_probes=4, rng=0)
    finally:
        kr.lanczos = orig
    assert seen and "float32" in seen[0]
    exact = np.linalg.slogdet(np.kron(*Ks) + 0.1 * np.eye(36))[1]
    assert res.logdet == pytest.approx(exact, abs=max(5 * res.stderr, 1e-2 * abs(exact)))
