"""Grid GP regression vs a dense Cholesky GP: LML, analytic gradient (vs central differences),
predictive mean/variance on test grids and scattered points, L-BFGS fit, backends, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gp_dense_ref import central_diff, dense_lml
from refimpl.backends import use_backend
from refimpl.gp import (Matern, MaternCosine, SpectralMixture, SquaredExponential, fit_grid_gp, grid_factors,
                        grid_gp_predict, grid_lml_grad, kernel_matrix)
from refimpl.testing import assert_backend_agrees

CASES = {
    "1d": ((30,), [MaternCosine(weights=[0.6, 0.3], scales=[2.0, 0.7], freqs=[0.5, 1.7])]),
    "2d": ((9, 7), [SquaredExponential(lengthscale=0.3, variance=1.2), Matern(nu=2.5, lengthscale=0.5)]),
    "3d": ((5, 4, 6), [Matern(nu=0.5, lengthscale=0.6), SpectralMixture(weights=[0.5, 0.4], scales=[4.0, 1.0],
                                                                         freqs=[0.3, 1.1]),
                       Matern(nu=1.5, lengthscale=0.4, variance=0.7)]),
}


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    grid = [np.sort(rng.uniform(0, 2, n)) for n in shape]
    return grid, rng.standard_normal(shape)


def _dense_K(kernels, A, B):
    """Dense product-kernel matrix between point sets A (P, d) and B (M, d)."""
    K = np.ones((A.shape[0], B.shape[0]))
    for j, k in enumerate(kernels):
        K = K * kernel_matrix(k, A[:, j], B[:, j])
    return K


def _points(grid):
    return np.stack([g.ravel() for g in np.meshgrid(*grid, indexing="ij")], axis=1)


def _theta(kernels, noise):
    return np.concatenate([k.theta for k in kernels] + [[np.log(noise)]])


def _unpack(kernels, x):
    out, o = [], 0
    for k in kernels:
        out.append(k.with_theta(x[o:o + k.n_params]))
        o += k.n_params
    return out, np.exp(x[-1])


@pytest.mark.parametrize("case", CASES)
def test_lml_and_gradient_match_dense(case):
    shape, kernels = CASES[case]
    grid, Y = _data(shape)
    noise = 0.07

    def dense(x):
        ks, s2 = _unpack(kernels, x)
        X = _points(grid)
        return dense_lml(_dense_K(ks, X, X), Y.ravel(), s2)[0]

    lml, g = grid_lml_grad(grid, Y, kernels, noise)
    x0 = _theta(kernels, noise)
    assert lml == pytest.approx(dense(x0), rel=1e-10)
    fd = central_diff(dense, x0, h=1e-5)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6 * np.abs(fd).max())


@pytest.mark.parametrize("case", CASES)
def test_prediction_matches_dense(case):
    shape, kernels = CASES[case]
    grid, Y = _data(shape, seed=1)
    noise = 0.05
    X = _points(grid)
    A = _dense_K(kernels, X, X) + noise * np.eye(X.shape[0])
    rng = np.random.default_rng(2)
    test_grid = [np.linspace(-0.2, 2.2, n + 2) for n in shape]
    for kw, T in [({"test_grid": test_grid}, _points(test_grid)),
                  ({"points": rng.uniform(0, 2, (11, len(shape)))}, None)]:
        T = kw["points"] if T is None else T
        Ks = _dense_K(kernels, T, X)
        mean_ref = Ks @ np.linalg.solve(A, Y.ravel())
        var_ref = np.diag(_dense_K(kernels, T, T)) - np.sum(Ks * np.linalg.solve(A, Ks.T).T, axis=1)
        mean, var = grid_gp_predict(grid, Y, kernels, noise, **kw)
        np.testing.assert_allclose(mean.ravel(), mean_ref, rtol=1e-9, atol=1e-11 * np.abs(mean_ref).max())
        np.testing.assert_allclose(var.ravel(), var_ref, rtol=1e-9, atol=1e-11)


def test_fit_reaches_stationary_point_of_dense_lml():
    rng = np.random.default_rng(3)
    grid = [np.linspace(0, 1, 12), np.linspace(0, 1, 10)]
    truth = [SquaredExponential(lengthscale=0.25), SquaredExponential(lengthscale=0.4)]
    from refimpl.gp import kron_sample
    Y = kron_sample(grid_factors(grid, truth), noise=0.01, rng=rng)
    start = [SquaredExponential(lengthscale=1.0), SquaredExponential(lengthscale=1.0)]
    fit = fit_grid_gp(grid, Y, start, 0.1, max_iter=300)
    assert fit.success, fit.message
    assert fit.lml > grid_lml_grad(grid, Y, start, 0.1)[0]
    assert fit.lml_history.size == fit.n_iter

    def dense(x):
        ks, s2 = _unpack(list(fit.kernels), x)
        X = _points(grid)
        return dense_lml(_dense_K(ks, X, X), Y.ravel(), s2)[0]

    x = _theta(list(fit.kernels), fit.noise)
    g = central_diff(dense, x, h=1e-5)
    # stationary point of the independent dense LML (per-axis variances are redundant: only the
    # gradient, not the location, is asserted)
    assert np.abs(g).max() < 1e-3
    assert dense(x) == pytest.approx(fit.lml, rel=1e-10)


@settings(max_examples=10)
@given(case=st.sampled_from(sorted(CASES)), seed=st.integers(0, 2**16), noise=st.floats(0.01, 1.0))
def test_backend_agreement(backend, case, seed, noise):
    shape, kernels = CASES[case]
    grid, Y = _data(shape, seed)
    pts = np.random.default_rng(seed).uniform(0, 2, (4, len(shape)))
    with use_backend("numpy"):
        lml, g = grid_lml_grad(grid, Y, kernels, noise)
        m, var = grid_gp_predict(grid, Y, kernels, noise, points=pts)
    gb, Yb, pb = [backend.asarray(z) for z in grid], backend.asarray(Y), backend.asarray(pts)
    lml_b, g_b = grid_lml_grad(gb, Yb, kernels, noise)
    # eigh on factors with cond <= ~1e6 at noise >= 1e-2: relative agreement 1e-8 is ~ eps * cond * 1e2
    assert_backend_agrees(lml_b, lml, rtol=1e-9)
    assert_backend_agrees(g_b, g, rtol=1e-7, atol=1e-8 * np.abs(g).max())
    m_b, var_b = grid_gp_predict(gb, Yb, kernels, noise, points=pb)
    assert_backend_agrees(m_b, m, rtol=1e-8, atol=1e-10, like=Yb)
    assert_backend_agrees(var_b, var, rtol=1e-8, atol=1e-10, like=Yb)


def test_bad_input():
    shape, kernels = CASES["2d"]
    grid, Y = _data(shape)
    with pytest.raises(ValueError, match="noise"):
        grid_lml_grad(grid, Y, kernels, 0.0)
    with pytest.raises(ValueError, match="grid's shape"):
        grid_lml_grad(grid, Y.T, kernels, 0.1)
    with pytest.raises(ValueError, match="finite"):
        grid_lml_grad(grid, np.full(shape, np.inf), kernels, 0.1)
    with pytest.raises(ValueError, match="one per grid axis"):
        grid_lml_grad(grid, Y, kernels[:1], 0.1)
    with pytest.raises(ValueError, match="exactly one"):
        grid_gp_predict(grid, Y, kernels, 0.1)
    with pytest.raises(ValueError, match=r"shape \(P, 2\)"):
        grid_gp_predict(grid, Y, kernels, 0.1, points=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="lengthscale"):
        grid_lml_grad(grid, Y, [SquaredExponential(lengthscale=0.0)] * 2, 0.1)
    with pytest.raises(TypeError, match="list or tuple"):
        grid_factors(np.zeros(3), SquaredExponential())


def test_fit_callback_and_constant_data_status():
    grid = [np.linspace(0, 1, 8), np.linspace(0, 1, 6)]
    seen = []
    fit = fit_grid_gp(grid, np.random.default_rng(0).standard_normal((8, 6)), [SquaredExponential()] * 2, 0.1,
                      callback=lambda s: seen.append(s.lml) or s.iteration >= 2)
    assert fit.status.name == "CALLBACK" and fit.n_iter == 2 and len(seen) == 2
    const = fit_grid_gp(grid, np.ones((8, 6)), [SquaredExponential()] * 2, 0.1, max_iter=50)
    assert const.status.name in ("NONFINITE", "CONVERGED", "ABNORMAL") and const.n_fev >= 1
