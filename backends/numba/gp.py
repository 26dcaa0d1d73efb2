"""Numba twin of the gp family's leaf kernel.

``gp.mixture_tables`` (refimpl.gp.kernels.mixture_tables): values and θ-gradients of a spectral-mixture
(Gaussian envelope) or Matérn-5/2 × cos (Student-t) kernel and of its first two τ-derivatives at a
vector of lags — the inner loop of every GP-HM iteration (the kernel values and derivatives of the GP-HM objective of Fang et al., ICLR 2024). The reference builds
about a hundred (L, Q) temporaries; this twin fuses them into one pass over (lag, component) with the
same closed forms (no fastmath), so results agree with the reference to a few ulps.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from refimpl.backends import register_twin

_TWO_PI = 2.0 * math.pi
_SQRT5 = math.sqrt(5.0)


@numba.njit(cache=True)
def _envelope(kind, t, p):
    """(g, g', g'') and their ∂/∂p for one lag t and log-scale p (kind 0: SE, 1: Matérn-5/2)."""
    if kind == 0:  # g = exp(−γ t²), γ = e^p
        g = math.exp(p)
        t2 = t * t
        E = math.exp(-g * t2)
        g0, d0 = E, -g * t2 * E
        g1, d1 = -2.0 * g * t * E, (-2.0 * g * t + 2.0 * g * g * t * t2) * E
        v2 = 4.0 * g * g * t2 - 2.0 * g
        g2, d2 = v2 * E, ((8.0 * g * g * t2 - 2.0 * g) - v2 * g * t2) * E
        return g0, g1, g2, d0, d1, d2
    a = _SQRT5 * math.exp(p)  # g = (1 + ar + a²r²/3) e^{−ar}
    r = abs(t)
    E = math.exp(-a * r)
    a2, a3, a4 = a * a, a * a * a, a * a * a * a
    g0 = (1.0 + a * r + a2 * r * r / 3.0) * E
    d0 = -(a2 * r * r / 3.0) * (1.0 + a * r) * E
    g1 = -(a2 / 3.0) * t * (1.0 + a * r) * E
    d1 = -t * (2.0 * a2 / 3.0 + 2.0 * a3 * r / 3.0 - a4 * r * r / 3.0) * E
    g2 = -(a2 / 3.0) * (1.0 + a * r - a2 * r * r) * E
    d2 = -(2.0 * a2 / 3.0 + 2.0 * a3 * r / 3.0 - 5.0 * a4 * r * r / 3.0 + a4 * a * r * r * r / 3.0) * E
    return g0, g1, g2, d0, d1, d2


@numba.njit(cache=True)
def _tables(kind, tau, theta, vals, grads):
    """vals[k, l] = κ^{(k)}(τ_l), grads[k, l, :] = ∂κ^{(k)}(τ_l)/∂θ for k = 0, 1, 2."""
    Q = theta.shape[0] // 3
    L = tau.shape[0]
    for l in range(L):
        t = tau[l]
        for k in range(3):
            vals[k, l] = 0.0
        for q in range(Q):
            w = math.exp(theta[q])
            m = _TWO_PI * theta[2 * Q + q]
            c = math.cos(m * t)
            s = math.sin(m * t)
            g0, g1, g2, d0, d1, d2 = _envelope(kind, t, theta[Q + q])
            # order 0
            term = g0 * c
            grads[0, l, q] = w * term
            grads[0, l, Q + q] = w * (d0 * c)
            grads[0, l, 2 * Q + q] = _TWO_PI * w * (-g0 * t * s)
            vals[0, l] += w * term
            # order 1: κ' = Σ w (g' c − m g s)
            term = g1 * c - m * g0 * s
            grads[1, l, q] = w * term
            grads[1, l, Q + q] = w * (d1 * c - m * d0 * s)
            grads[1, l, 2 * Q + q] = _TWO_PI * w * (-g1 * t * s - g0 * s - m * g0 * t * c)
            vals[1, l] += w * term
            # order 2: κ'' = Σ w (g'' c − 2 m g' s − m² g c)
            term = g2 * c - 2.0 * m * g1 * s - m * m * g0 * c
            grads[2, l, q] = w * term
            grads[2, l, Q + q] = w * (d2 * c - 2.0 * m * d1 * s - m * m * d0 * c)
            grads[2, l, 2 * Q + q] = _TWO_PI * w * (-g2 * t * s - 2.0 * g1 * s - 2.0 * m * g1 * t * c
                                                    - 2.0 * m * g0 * c + m * m * g0 * t * s)
            vals[2, l] += w * term


@register_twin("gp.mixture_tables", "numba")
def mixture_tables_numba(envelope, tau, theta, orders):
    tau = np.ascontiguousarray(tau, dtype=np.float64)
    theta = np.ascontiguousarray(theta, dtype=np.float64)
    vals = np.empty((3, tau.shape[0]))
    grads = np.empty((3, tau.shape[0], theta.shape[0]))
    _tables(0 if envelope == "se" else 1, tau, theta, vals, grads)
    return {int(k): (vals[k], grads[k]) for k in orders}
