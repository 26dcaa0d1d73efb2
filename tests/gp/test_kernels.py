"""Kernels: values vs textbook formulas, τ- and θ-derivatives vs central differences, bad input."""
import math

import numpy as np
import pytest
import scipy.special


from refimpl.gp import Matern, MaternCosine, SpectralMixture, SquaredExponential, kernel_matrix

KERNELS = [
    SquaredExponential(lengthscale=0.7, variance=1.3),
    Matern(nu=1.5, lengthscale=0.5, variance=0.8),
    Matern(nu=2.5, lengthscale=0.9, variance=1.1),
    SpectralMixture(weights=[0.4, 0.7], scales=[3.0, 0.5], freqs=[0.8, 2.1]),
    MaternCosine(weights=[0.4, 0.7, 0.2], scales=[1.5, 0.6, 2.0], freqs=[0.8, 2.1, -1.3]),
]
TAU = np.array([-1.3, -0.4, -0.05, 0.07, 0.3, 1.1])


def _k(kern, tau, order=0, theta=None):
    kern = kern if theta is None else kern.with_theta(theta)
    return kernel_matrix(kern, tau, np.zeros(1), order=order)[:, 0]


def test_matern_matches_bessel_form():
    # κ(r) = σ² 2^{1-ν}/Γ(ν) (√(2ν) r/ℓ)^ν K_ν(√(2ν) r/ℓ)   (R&W eq. 4.14)
    r = np.abs(TAU)
    for nu in (0.5, 1.5, 2.5):
        kern = Matern(nu=nu, lengthscale=0.6, variance=1.7)
        s = math.sqrt(2 * nu) * r / 0.6
        ref = 1.7 * 2 ** (1 - nu) / scipy.special.gamma(nu) * s**nu * scipy.special.kv(nu, s)
        np.testing.assert_allclose(_k(kern, TAU), ref, rtol=1e-12)


def test_se_and_mixture_values():
    np.testing.assert_allclose(_k(KERNELS[0], TAU), 1.3 * np.exp(-TAU**2 / (2 * 0.49)), rtol=1e-14)
    sm = KERNELS[3]
    ref = sum(w * np.exp(-g * TAU**2) * np.cos(2 * np.pi * m * TAU)
              for w, g, m in zip(sm.weights, sm.scales, sm.freqs))
    np.testing.assert_allclose(_k(sm, TAU), ref, rtol=1e-13)


@pytest.mark.parametrize("kern", KERNELS, ids=lambda k: type(k).__name__)
@pytest.mark.parametrize("order", [1, 2])
def test_tau_derivatives_match_central_differences(kern, order):
    h = 1e-6
    fd = (_k(kern, TAU + h, order - 1) - _k(kern, TAU - h, order - 1)) / (2 * h)
    np.testing.assert_allclose(_k(kern, TAU, order), fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kern", KERNELS + [Matern(nu=0.5, lengthscale=0.4)], ids=lambda k: type(k).__name__)
@pytest.mark.parametrize("order", [0, 1, 2])
def test_parameter_gradients_match_central_differences(kern, order):
    if order > kern.max_order:
        pytest.skip("order not available for this kernel")
    from refimpl.backends import get_backend
    xp = get_backend().xp
    G = kern.gradient(xp, np.asarray(TAU), np.asarray(kern.theta), order)
    assert G.shape == (TAU.size, kern.n_params)
    for i in range(kern.n_params):

        e = np.zeros(kern.n_params)
        e[i] = 1e-6
        fd = (_k(kern, TAU, order, kern.theta + e) - _k(kern, TAU, order, kern.theta - e)) / 2e-6
        np.testing.assert_allclose(G[:, i], fd, rtol=1e-6, atol=1e-7 * np.abs(fd).max() + 1e-12)


def test_matern_cosine_curvature_at_zero():
    # κ''(0) = −Σ_q w_q (5ρ_q²/3 + 4π²μ_q²)   (closed form)
    k = KERNELS[4]
    ref = -np.sum(k.weights * (5 * k.scales**2 / 3 + 4 * np.pi**2 * k.freqs**2))
    assert kernel_matrix(k, [0.0], order=2)[0, 0] == pytest.approx(ref, rel=1e-14)
    # κ'(0) = 0 exactly (no subgradient choice at |τ| = 0)
    assert kernel_matrix(k, [0.0], order=1)[0, 0] == 0.0


def test_bad_kernel_input():
    with pytest.raises(ValueError, match="lengthscale"):
        SquaredExponential(lengthscale=-1.0)
    with pytest.raises(ValueError, match="variance"):
        Matern(variance=0.0)
    with pytest.raises(ValueError, match="nu"):
        Matern(nu=3.5)
    with pytest.raises(ValueError, match="weights and scales"):
        MaternCosine(weights=[1.0], scales=[-1.0], freqs=[0.0])
    with pytest.raises(ValueError, match="one entry per mixture component.*got lengths 2, 1, 2"):
        SpectralMixture(weights=[1.0, 2.0], scales=[1.0], freqs=[0.0, 1.0])
    with pytest.raises(ValueError, match="order"):
        kernel_matrix(Matern(nu=0.5), [0.0, 1.0], order=1)
    with pytest.raises(ValueError, match="finite"):
        kernel_matrix(SquaredExponential(), [0.0, np.nan])
    with pytest.raises(TypeError, match="Kernel1D"):
        kernel_matrix("se", [0.0])


@pytest.mark.parametrize("kern", KERNELS[3:], ids=lambda k: type(k).__name__)
def test_mixture_table_kernel_twins_match_reference(backend, kern):
    # the GP-HM leaf kernel (values + θ-gradients at a lag vector) on every backend (Numba: fused twin)
    from refimpl.gp.kernels import mixture_tables
    tau = np.linspace(-2.0, 2.0, 41)
    ref = mixture_tables.reference(kern._envelope, tau, kern.theta, (0, 1, 2))
    out = mixture_tables(kern._envelope, backend.asarray(tau), backend.asarray(kern.theta), (0, 2))
    assert sorted(out) == [0, 2]
    for k in (0, 2):
        # same closed forms, different evaluation order: a few ulps of the largest term
        for a, b in zip(out[k], ref[k]):
            np.testing.assert_allclose(backend.to_numpy(a), b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
