"""One-dimensional stationary kernels with closed-form derivatives.

Every axis of a grid GP carries its own 1-D stationary kernel κ(τ), τ = x − x'; the d-D kernel is the
product k(x, x') = Π_j κ_j(x_j − x'_j), which makes the covariance on a tensor grid a Kronecker product.
This module gives, for each kernel, the value κ(τ), its τ-derivatives κ'(τ), κ''(τ) (needed by GP-HM,
Fang et al. 2024, eq. 13) and the derivatives of all of these with respect to every
hyperparameter (needed by analytic LML and GP-HM gradients). Everything is closed form: no autodiff
through |τ|, whose subgradient at τ = 0 is ambiguous (the authors' code differentiates these closed forms, not |τ|).

References
----------
Rasmussen & Williams (2006), *Gaussian Processes for Machine Learning*, eqs. (4.9), (4.14), (4.17).
Wilson & Adams (2013), *Gaussian process kernels for pattern discovery and extrapolation*, eq. (12)
(spectral mixture kernel). Fang, Cooley, Long, Li, Kirby, Zhe (2024), *Solving High Frequency and
Multi-Scale PDEs with Gaussian Processes*, ICLR, arXiv:2311.04465, eq. (6) (spectral view) and the
GM / Student-t mixture kernels ("GP-HM-GM", "GP-HM-StM").

Provenance: [V] values against SciPy's Bessel-function Matérn and finite differences in the tests;
[R] the closed-form derivative tables are ours (the authors' code uses JAX autodiff).

Notation
--------
=============  ==========================================================================
τ              lag x − x' (one axis);  r = |τ|
σ², ℓ          output variance and length-scale of SE / Matérn (θ = (log σ², log ℓ))
w_q, μ_q       mixture weights (log-domain θ) and frequencies in cycles per unit length
γ_q            SE envelope rate, g(τ) = exp(−γ τ²)        (spectral mixture, θ has log γ)
ρ_q            Matérn-5/2 inverse length-scale, a = √5 ρ  (Matérn×cos,      θ has log ρ)
m_q            angular frequency 2π μ_q
θ              the kernel's parameter vector (log-domain except the frequencies μ)
=============  ==========================================================================

Parameter derivatives are always with respect to the entries of θ, i.e. with respect to log σ²,
log ℓ, log w, log γ, log ρ and (not logged) μ.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from array_api_compat import array_namespace

from refimpl import _validate as v
from refimpl.backends import capabilities, to_numpy
from refimpl.backends import leaf_kernel

__all__ = [
    "Kernel1D",
    "SquaredExponential",
    "Matern",
    "SpectralMixture",
    "MaternCosine",
    "kernel_matrix",
]

Array = Any

# --------------------------------------------------------------------------------------------------
# Envelopes g(τ; p) and their log-parameter derivatives ∂/∂p, for τ-derivative orders 0, 1, 2.
# p is the log of the envelope's rate (log γ for SE, log ρ for Matérn), arrays broadcast together.
# --------------------------------------------------------------------------------------------------


def _env_se(xp, tau, logg, order):
    """g = exp(−γτ²), γ = e^p; returns (d^order g/dτ^order, ∂/∂p of it)."""
    g = xp.exp(logg)
    t2 = tau * tau
    E = xp.exp(-g * t2)
    if order == 0:
        return E, -g * t2 * E
    if order == 1:
        return -2.0 * g * tau * E, (-2.0 * g * tau + 2.0 * g * g * tau * t2) * E
    # order 2: g'' = (4γ²τ² − 2γ) g
    val = 4.0 * g * g * t2 - 2.0 * g
    dval = (8.0 * g * g * t2 - 2.0 * g) - val * g * t2
    return val * E, dval * E


def _env_matern(nu2, xp, tau, logrho, order):
    """Matérn envelope with ν = nu2/2 and a = √(2ν) ρ, ρ = e^p (R&W eq. 4.14, ν ∈ {1/2, 3/2, 5/2}).

    Returns (d^order g/dτ^order, ∂/∂p of it); ∂/∂log ρ = a ∂/∂a.
    """
    a = math.sqrt(nu2) * xp.exp(logrho)
    r = xp.abs(tau)
    E = xp.exp(-a * r)
    if nu2 == 1:  # ν = 1/2: g = e^{−ar}; not differentiable at τ = 0
        return E, -a * r * E
    if nu2 == 3:  # ν = 3/2: g = (1 + ar) e^{−ar}
        if order == 0:
            return (1.0 + a * r) * E, -(a * r) ** 2 * E
        if order == 1:
            return -a * a * tau * E, (-2.0 * a * a * tau + a**3 * tau * r) * E
        return (-a * a + a**3 * r) * E, (-2.0 * a * a + 4.0 * a**3 * r - a**4 * r * r) * E
    # ν = 5/2: g = (1 + ar + a²r²/3) e^{−ar}; derivatives in closed form (Rasmussen & Williams 2006, eq. 4.17)
    if order == 0:
        return (1.0 + a * r + a * a * r * r / 3.0) * E, -(a * a * r * r / 3.0) * (1.0 + a * r) * E
    if order == 1:
        return (-(a * a / 3.0) * tau * (1.0 + a * r) * E,
                -tau * (2.0 * a * a / 3.0 + 2.0 * a**3 * r / 3.0 - a**4 * r * r / 3.0) * E)
    return (-(a * a / 3.0) * (1.0 + a * r - a * a * r * r) * E,
            -(2.0 * a * a / 3.0 + 2.0 * a**3 * r / 3.0 - 5.0 * a**4 * r * r / 3.0
              + a**5 * r**3 / 3.0) * E)


def _mixture_terms(xp, env, tau, theta, orders, grad):
    """{order: κ^{(order)}(τ) or its θ-gradient} of Σ_q w_q g_q(τ) cos(2π μ_q τ), sharing cos/sin/envelopes.

    κ = Σ_q w_q g_q(τ) cos(m_q τ), m_q = 2π μ_q (Wilson & Adams 2013, eq. 12; Fang et al. 2024, eq. 6), with
    θ = (log w, log scale, μ); ``env(xp, τ, p, order)`` returns the envelope derivative and its
    log-scale derivative. Gradient columns: ∂/∂log w_q, ∂/∂log scale_q, ∂/∂μ_q.
    """
    Q = theta.shape[0] // 3
    t = tau[..., None]
    w = xp.exp(theta[:Q])
    p = theta[Q:2 * Q]
    m = (2.0 * math.pi) * theta[2 * Q:]
    c = xp.cos(m * t)
    s = xp.sin(m * t)
    envs = {k: env(xp, t, p, k) for k in range(max(orders) + 1)}
    g0, d0 = envs[0]
    out = {}
    for order in orders:
        if order == 0:
            term, dp, dm = g0 * c, d0 * c, -g0 * t * s
        elif order == 1:  # κ' = Σ w (g' c − m g s)
            g1, d1 = envs[1]
            term = g1 * c - m * g0 * s
            dp = d1 * c - m * d0 * s
            dm = -g1 * t * s - g0 * s - m * g0 * t * c
        else:  # κ'' = Σ w (g'' c − 2 m g' s − m² g c)
            (g1, d1), (g2, d2) = envs[1], envs[2]
            term = g2 * c - 2.0 * m * g1 * s - m * m * g0 * c
            dp = d2 * c - 2.0 * m * d1 * s - m * m * d0 * c
            dm = (-g2 * t * s - 2.0 * g1 * s - 2.0 * m * g1 * t * c - 2.0 * m * g0 * c
                  + m * m * g0 * t * s)
        if not grad:
            out[order] = xp.sum(w * term, axis=-1)
        else:
            # ∂/∂log w_q: the component's own term; ∂/∂μ = 2π ∂/∂m
            out[order] = xp.concat([w * term, w * dp, (2.0 * math.pi) * w * dm], axis=-1)
    return out


_ENVELOPES = {"se": _env_se, "matern52": lambda xp, t, p, k: _env_matern(5, xp, t, p, k)}


@leaf_kernel("gp.mixture_tables")
def mixture_tables(envelope: str, tau: Array, theta: Array, orders: tuple) -> dict:
    """Leaf kernel: {m: (κ^{(m)}(τ), ∂κ^{(m)}(τ)/∂θ)} of a mixture kernel at a vector of lags.

    The GP-HM inner loop (Fang et al. 2024, eq. 13: K_j, K_j^{(m)} and their parameter derivatives from the 2n − 1
    lags of a uniform axis). Reference in array-API code; the Numba twin fuses the loops.

    Parameters
    ----------
    envelope : {"se", "matern52"}
        Spectral-mixture (Gaussian) or Matérn-5/2 × cos (Student-t) components.
    tau : array, shape (L,)
    theta : array, shape (3Q,)
        (log w, log γ | log ρ, μ).
    orders : tuple of int in {0, 1, 2}

    Returns
    -------
    dict
        order -> (values (L,), gradient (L, 3Q)); ∂κ/∂log w_q is component q's term, so the values
        are the row sums of the first Q gradient columns.
    """
    xp = array_namespace(tau, theta)
    G = _mixture_terms(xp, _ENVELOPES[envelope], tau, theta, tuple(orders), grad=True)
    Q = theta.shape[0] // 3
    return {k: (xp.sum(g[..., :Q], axis=-1), g) for k, g in G.items()}


# --------------------------------------------------------------------------------------------------
# Kernel classes
# --------------------------------------------------------------------------------------------------


@capabilities()
@dataclass(frozen=True)
class Kernel1D:
    """Base class of the 1-D stationary kernels (host-side hyperparameters).

    A kernel is a frozen description of κ(τ; θ). The hyperparameters live on the host as a NumPy
    vector ``theta`` (log-domain, see the module notation table); algorithms move θ to the active
    backend and call :meth:`evaluate` / :meth:`gradient` with backend arrays.
    """

    #: highest τ-derivative order available in closed form
    max_order: int = field(default=2, init=False, repr=False)

    @property
    def theta(self) -> np.ndarray:  # pragma: no cover - overridden
        raise AttributeError

    @property
    def n_params(self) -> int:
        return int(self.theta.shape[0])

    @property
    def param_names(self) -> tuple[str, ...]:  # pragma: no cover - overridden
        raise AttributeError

    def with_theta(self, theta) -> "Kernel1D":  # pragma: no cover - overridden
        raise AttributeError

    def _check_order(self, order: int) -> int:
        order = v.check_int(order, "order", low=0)
        if order > self.max_order:
            raise ValueError(f"order must be <= {self.max_order} for {type(self).__name__} "
                             f"(not differentiable that often at tau = 0); got {order}")
        return order

    def evaluate(self, xp, tau: Array, theta: Array, order: int = 0) -> Array:
        """κ^{(order)}(τ) for backend arrays ``tau`` (any shape) and ``theta`` (shape (p,))."""
        raise AttributeError  # pragma: no cover

    def gradient(self, xp, tau: Array, theta: Array, order: int = 0) -> Array:
        """∂κ^{(order)}(τ)/∂θ_i, shape ``tau.shape + (p,)`` (parameter axis last)."""
        raise AttributeError  # pragma: no cover

    def values_and_gradients(self, xp, tau: Array, theta: Array, orders=(0,)) -> dict:
        """{order: (κ^{(order)}(τ), ∂κ^{(order)}(τ)/∂θ)} for several orders in one pass."""
        return {k: (self.evaluate(xp, tau, theta, k), self.gradient(xp, tau, theta, k)) for k in orders}


def _positive_scalar(value, name):
    return v.check_positive(value, name)


@dataclass(frozen=True)
class _Stationary(Kernel1D):
    lengthscale: float = 1.0
    variance: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "lengthscale", _positive_scalar(self.lengthscale, "lengthscale"))
        object.__setattr__(self, "variance", _positive_scalar(self.variance, "variance"))

    @property
    def theta(self) -> np.ndarray:
        return np.array([math.log(self.variance), math.log(self.lengthscale)])

    @property
    def param_names(self) -> tuple[str, ...]:
        return ("log_variance", "log_lengthscale")

    def _env(self, xp, tau, logl, order):  # pragma: no cover - overridden
        raise AttributeError

    def evaluate(self, xp, tau, theta, order=0):
        order = self._check_order(order)
        g, _ = self._env(xp, tau, theta[1], order)
        return xp.exp(theta[0]) * g

    def gradient(self, xp, tau, theta, order=0):
        order = self._check_order(order)
        g, dg = self._env(xp, tau, theta[1], order)
        s2 = xp.exp(theta[0])
        return xp.stack([s2 * g, s2 * dg], axis=-1)


@capabilities()
@dataclass(frozen=True)
class SquaredExponential(_Stationary):
    """Squared-exponential kernel κ(τ) = σ² exp(−τ²/(2ℓ²)) (R&W eq. 4.9).

    θ = (log σ², log ℓ). In the envelope notation γ = 1/(2ℓ²), so ∂/∂log ℓ = −2 ∂/∂log γ.

    Examples
    --------
    >>> from refimpl.gp import SquaredExponential, kernel_matrix
    >>> K = kernel_matrix(SquaredExponential(lengthscale=0.5), [0.0, 1.0])
    >>> round(float(K[0, 1]), 6)
    0.135335
    """

    def with_theta(self, theta) -> "SquaredExponential":
        theta = np.asarray(theta, dtype=float)
        return SquaredExponential(lengthscale=math.exp(theta[1]), variance=math.exp(theta[0]))

    def _env(self, xp, tau, logl, order):
        g, dg = _env_se(xp, tau, -math.log(2.0) - 2.0 * logl, order)
        return g, -2.0 * dg


@capabilities()
@dataclass(frozen=True)
class Matern(_Stationary):
    """Matérn kernel with ν ∈ {1/2, 3/2, 5/2} (R&W eqs. 4.14, 4.17).

    κ(τ) = σ² g_ν(r), r = abs(τ), with a = √(2ν)/ℓ: g_{1/2} = e^{−ar}, g_{3/2} = (1 + ar) e^{−ar},
    g_{5/2} = (1 + ar + a²r²/3) e^{−ar}. θ = (log σ², log ℓ). τ-derivatives: none for ν = 1/2
    (κ' jumps at 0), up to order 2 for ν = 3/2 and 5/2.

    Parameters
    ----------
    nu : {0.5, 1.5, 2.5}
    lengthscale, variance : float > 0
    """

    nu: float = 2.5

    def __post_init__(self):
        super().__post_init__()
        nu = v.check_real(self.nu, "nu")
        if nu not in (0.5, 1.5, 2.5):
            raise ValueError(f"nu must be one of 0.5, 1.5, 2.5; got {self.nu!r}")
        object.__setattr__(self, "nu", nu)
        object.__setattr__(self, "max_order", 0 if nu == 0.5 else 2)

    def with_theta(self, theta) -> "Matern":
        theta = np.asarray(theta, dtype=float)
        return Matern(lengthscale=math.exp(theta[1]), variance=math.exp(theta[0]), nu=self.nu)

    def _env(self, xp, tau, logl, order):
        g, dg = _env_matern(int(round(2 * self.nu)), xp, tau, -logl, order)
        return g, -dg


def _as_components(name, value):
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a non-empty 1-D sequence of real numbers; got {type(value).__name__}")
    arr = v.check_array(value, name, ndim=(0, 1), real=True)
    arr = np.atleast_1d(np.asarray(to_numpy(arr), dtype=float))
    if arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence; got shape {arr.shape}")
    return arr


@dataclass(frozen=True)
class _Mixture(Kernel1D):
    weights: Any = (1.0,)
    scales: Any = (1.0,)
    freqs: Any = (0.0,)

    def __post_init__(self):
        w = _as_components("weights", self.weights)
        s = _as_components("scales", self.scales)
        f = _as_components("freqs", self.freqs)
        if not w.size == s.size == f.size:
            raise ValueError("weights, scales and freqs must have one entry per mixture component (the same "
                             f"length); got lengths {w.size}, {s.size}, {f.size}")
        if np.any(w <= 0) or np.any(s <= 0):
            raise ValueError("weights and scales of a mixture kernel must be > 0; "
                             f"got weights={w}, scales={s}")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "scales", s)
        object.__setattr__(self, "freqs", f)

    @property
    def Q(self) -> int:
        return int(self.weights.size)

    @property
    def theta(self) -> np.ndarray:
        return np.concatenate([np.log(self.weights), np.log(self.scales), self.freqs])

    @property
    def param_names(self) -> tuple[str, ...]:
        q = range(self.Q)
        return (tuple(f"log_w[{i}]" for i in q) + tuple(f"log_{self._scale_name}[{i}]" for i in q)
                + tuple(f"mu[{i}]" for i in q))

    def with_theta(self, theta):
        theta = np.asarray(theta, dtype=float)
        Q = self.Q
        return type(self)(weights=np.exp(theta[:Q]), scales=np.exp(theta[Q:2 * Q]),
                          freqs=theta[2 * Q:])

    def _env(self, xp, tau, p, order):  # pragma: no cover - overridden
        raise AttributeError

    def _terms(self, xp, tau, theta, orders, grad):
        return _mixture_terms(xp, self._env, tau, theta, orders, grad)

    def evaluate(self, xp, tau, theta, order=0):
        order = self._check_order(order)
        if order == 0:   # value only: Σ_q w_q g_q(τ) cos(m_q τ), no parameter derivatives
            Q = self.Q
            t = tau[..., None]
            g = self._env_value(xp, t, theta[Q:2 * Q])
            return xp.sum(xp.exp(theta[:Q]) * g * xp.cos((2.0 * math.pi) * theta[2 * Q:] * t), axis=-1)
        return self._terms(xp, tau, theta, (order,), grad=False)[order]

    def gradient(self, xp, tau, theta, order=0):
        order = self._check_order(order)
        return self._terms(xp, tau, theta, (order,), grad=True)[order]

    def values_and_gradients(self, xp, tau, theta, orders=(0,)):
        orders = tuple(self._check_order(k) for k in orders)
        if tau.ndim == 1:   # the GP-HM lag tables: a leaf kernel with a Numba twin
            return mixture_tables(self._envelope, tau, theta, orders)
        G = self._terms(xp, tau, theta, orders, grad=True)
        # ∂κ/∂log w_q is the q-th component's term, so κ = Σ_q G[..., q]
        return {k: (xp.sum(g[..., :self.Q], axis=-1), g) for k, g in G.items()}


@capabilities()
@dataclass(frozen=True)
class SpectralMixture(_Mixture):
    """Spectral-mixture (Gaussian-mixture spectrum) kernel, GP-HM-GM.

    κ(τ) = Σ_q w_q exp(−γ_q τ²) cos(2π μ_q τ)  (Wilson & Adams 2013, eq. 12, with γ_q = 2π² v_q;
    Fang et al. 2024, code name ``SE_Cos_1d``). θ = (log w (Q), log γ (Q), μ (Q)).

    Parameters
    ----------
    weights : array_like, shape (Q,), > 0
    scales : array_like, shape (Q,), > 0
        The envelope rates γ_q.
    freqs : array_like, shape (Q,)
        Frequencies μ_q in cycles per unit length (any sign; cos is even).
    """

    _scale_name = "gamma"
    _envelope = "se"

    def _env(self, xp, tau, p, order):
        return _env_se(xp, tau, p, order)

    def _env_value(self, xp, tau, p):
        return xp.exp(-xp.exp(p) * tau * tau)


@capabilities()
@dataclass(frozen=True)
class MaternCosine(_Mixture):
    """Matérn-5/2 × cosine mixture (Student-t mixture spectrum), GP-HM-StM.

    κ(τ) = Σ_q w_q g_{ρ_q}(r) cos(2π μ_q τ), r = abs(τ), g_ρ(r) = (1 + ar + a²r²/3) e^{−ar}, a = √5 ρ
    (Fang et al. 2024, code name ``Matern52_Cos_1d``; ρ is an *inverse* length-scale).
    θ = (log w (Q), log ρ (Q), μ (Q)). The GP-Matern baseline is Q = 1 with μ ≡ 0.

    Parameters
    ----------
    weights : array_like, shape (Q,), > 0
    scales : array_like, shape (Q,), > 0
        The inverse length-scales ρ_q.
    freqs : array_like, shape (Q,)
        Frequencies μ_q in cycles per unit length.

    Examples
    --------
    The curvature at the origin is κ''(0) = −Σ_q w_q (5ρ_q²/3 + 4π²μ_q²):

    >>> import numpy as np
    >>> from refimpl.gp import MaternCosine, kernel_matrix
    >>> k = MaternCosine(weights=[0.5], scales=[2.0], freqs=[3.0])
    >>> d2 = float(kernel_matrix(k, [0.0], order=2)[0, 0])
    >>> bool(np.isclose(d2, -0.5 * (5 * 4 / 3 + 4 * np.pi**2 * 9)))
    True
    """

    _scale_name = "rho"
    _envelope = "matern52"

    def _env(self, xp, tau, p, order):
        return _env_matern(5, xp, tau, p, order)

    def _env_value(self, xp, tau, p):
        ar = math.sqrt(5.0) * xp.exp(p) * xp.abs(tau)
        return (1.0 + ar + ar * ar / 3.0) * xp.exp(-ar)


@capabilities()
def kernel_matrix(kernel: Kernel1D, x, z=None, *, order: int = 0):
    """Cross-covariance K[a, b] = κ^{(order)}(x_a − z_b) of a 1-D stationary kernel.

    Parameters
    ----------
    kernel : Kernel1D
    x : array_like, shape (n,)
    z : array_like, shape (m,), optional
        Defaults to ``x``.
    order : int
        τ-derivative order (0, 1, 2): K^{(m,0)} = ∂^m/∂x^m κ(x − z) (Fang et al. 2024, eq. 13).

    Returns
    -------
    K : array, shape (n, m), in the caller's array library.

    Raises
    ------
    ValueError
        Non-finite or non-1-D coordinates, an order the kernel does not support, or non-finite
        kernel values (hyperparameters so extreme that κ overflows, e.g. lengthscale 1e-200).
    """
    from refimpl.backends import Boundary

    if not isinstance(kernel, Kernel1D):
        raise TypeError(f"kernel must be a refimpl.gp Kernel1D; got {type(kernel).__name__}")
    z = x if z is None else z
    bd = Boundary(x, z)
    xp = bd.xp
    xb = bd.asarray(v.check_array(x, "x", ndim=1, min_size=1, real=True), name="x")
    zb = bd.asarray(v.check_array(z, "z", ndim=1, min_size=1, real=True), name="z")
    theta = bd.asarray(kernel.theta, dtype=xb.dtype)
    order = v.check_int(order, "order", low=0, high=2)
    tau = xb[:, None] - zb[None, :]
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):   # checked just below
        K = kernel.evaluate(xp, tau, theta, order)
    if not bool(xp.all(xp.isfinite(K))):
        raise ValueError(f"kernel_matrix: the kernel values are not finite for {kernel!r:.200} (hyperparameters "
                         "too extreme for floating point, e.g. a lengthscale near 1e-200)")
    return bd.out(K)
