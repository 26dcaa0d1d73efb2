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


# ------------------------------------------------------------------ round 2 (fuzz findings, tests/bad_input)
from refimpl.gp import Matern, PDEProblem, SpectralMixture, gphm_predict  # noqa: E402


def _pde(**kw):
    p = gphm_problem("poisson_1d-single_sin")
    args = dict(name="p", operator="poisson", lengths=(1.0,), n=(12,), solution=p.solution, forcing=p.forcing,
                freq_scale=5.0)
    return PDEProblem(**{**args, **kw})


_MIX = dict(weights=[1.0, 0.5], scales=[1.0, 2.0], freqs=[0.0, 1.0])
_F2 = [np.array([[1.0, 0.2], [0.2, 1.0]])]


@pytest.fixture(scope="module")
def gphm_fit():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return gphm_solve(gphm_problem("poisson_1d-single_sin", n=12), Q=2, max_iter=2, n_test=8)


@pytest.mark.parametrize("kw, exc, name", [
    (dict(name=None), TypeError, "name"),
    (dict(operator="heat"), ValueError, "operator"),
    (dict(lengths=[np.nan]), ValueError, "lengths"),
    (dict(lengths=[1.0, 2.0]), ValueError, "lengths"),
    (dict(lengths=[1j]), TypeError, "lengths"),
    (dict(lengths=1.0), ValueError, "lengths"),
    (dict(solution="f"), TypeError, "solution"),
    (dict(forcing=lambda x: None), TypeError, "forcing"),
    (dict(forcing=lambda x: np.nan * x[0]), ValueError, "forcing"),
    (dict(freq_scale=0.0), ValueError, "freq_scale"),
    (dict(freq_scale=np.inf), ValueError, "freq_scale"),
    (dict(freq_scale=[1.0]), TypeError, "freq_scale"),
    (dict(n=(2,)), ValueError, r"n\[0\]"),
])
def test_pde_problem_fields_validated(kw, exc, name):
    with pytest.raises(exc, match=name):
        _pde(**kw)


def test_pde_problem_normalises_fields():
    p = _pde(lengths=np.array([2.0]), n=[12])
    assert p.lengths == (2.0,) and p.n == (12,) and p.max_iter == 100000


@pytest.mark.parametrize("call, exc, name", [
    (lambda: Matern(nu=None), TypeError, "nu"),
    (lambda: Matern(nu="2.5"), TypeError, "nu"),
    (lambda: Matern(nu=[2.5]), TypeError, "nu"),
    (lambda: SpectralMixture(**{**_MIX, "freqs": [0.0, 1j]}), TypeError, "freqs"),
    (lambda: SpectralMixture(**{**_MIX, "scales": np.full(2, "a")}), TypeError, "scales"),
    (lambda: MaternCosine(**{**_MIX, "weights": object()}), TypeError, "weights"),
    (lambda: MaternCosine(**{**_MIX, "weights": 1.0}), ValueError, "weights"),   # 1 weight, 2 scales
    (lambda: kernel_matrix(SquaredExponential(), [0.0, 1j]), TypeError, "x"),
    (lambda: kernel_matrix(SquaredExponential(), [0.0], [1j]), TypeError, "z"),
    (lambda: grid_lml(_F2, np.ones(2), 0.1, return_alpha="yes"), TypeError, "return_alpha"),
    (lambda: kron_cg_solve(_F2, np.ones(2), 0.1, precondition="yes"), TypeError, "precondition"),
    (lambda: kron_slq_logdet(_F2, 0.1, reorthogonalize="yes", rng=0), TypeError, "reorthogonalize"),
    (lambda: fit_grid_gp([np.linspace(0, 1, 3)], np.ones(3), [SquaredExponential()], 0.1, fit_noise="no"),
     TypeError, "fit_noise"),
    (lambda: gphm_problem("poisson_1d-single_sin", n=2.5), TypeError, "n"),
    (lambda: gphm_problem("poisson_1d-single_sin", n=float("nan")), TypeError, "n"),
    (lambda: gphm_objective(gphm_problem("poisson_1d-single_sin", n=12), np.ones(12) + 1j,
                            [MaternCosine()], 0.0, 0.0), TypeError, "U"),
])
def test_round2_bad_arguments_named(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


def test_gphm_predict_checks_its_grid(gphm_fit):
    with pytest.raises(TypeError, match="best"):
        gphm_predict(gphm_fit, [np.linspace(0, 1, 5)], best="yes")
    with pytest.raises(TypeError, match=r"test_grid\[0\]"):
        gphm_predict(gphm_fit, [np.linspace(0, 1, 5) + 0j])
    with pytest.raises(ValueError, match=r"test_grid\[0\].*box"):
        gphm_predict(gphm_fit, [np.array([0.0, 1e300])])          # was a silent NaN
    out = gphm_predict(gphm_fit, [np.array([0.0, 0.5, 0.5])])    # repeated points are fine
    assert out.shape == (3,) and np.all(np.isfinite(out))


def test_grid_lml_kdiag_overflow_is_an_error_not_minus_inf():
    K = [np.array([[1.0, 0.2], [0.2, 1.0]])]
    assert np.isfinite(grid_lml_kdiag(K, np.array([1e120, -1e120]), [np.ones(2)]))   # scaled form
    with pytest.raises(ValueError, match="grid_lml_kdiag.*not representable"):
        grid_lml_kdiag(K, np.array([1e300, -1e300]), [np.ones(2)])


def test_complex_input_message_is_the_same_on_every_backend(backend):
    from refimpl.backends import use_backend

    msgs = []
    for name in ("numpy", backend.name):
        with use_backend(name):
            with pytest.raises(TypeError, match=r"factors\[0\] must be real-valued") as info:
                kron_logdet([np.eye(2) + 0j], 0.1)
            msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def test_kron_eigh_vectors_agree_across_backends(backend):
    K = [np.array([[1.5, 0.5], [0.5, 1.5]]), np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])]
    ref = kron_eigh(K)
    out = kron_eigh([backend.asarray(k) for k in K])
    for q_ref, q in zip(ref.vectors, out.vectors):
        np.testing.assert_allclose(np.asarray(to_numpy(q)), q_ref, atol=1e-12)
