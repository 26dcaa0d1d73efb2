"""Shared helpers of the newton claims: the independent cubic step, the reference minimiser."""

from __future__ import annotations

import math

import numpy as np


def dense_cubic_step(g: np.ndarray, H: np.ndarray, M: float) -> np.ndarray:
    """Cubic step by dense solves and Brent's method on ‖(H + Mr/2 I)⁻¹g‖ = r (no eigenbasis): an independent oracle."""
    from scipy.optimize import brentq

    lam_min = float(np.linalg.eigvalsh(H).min())
    r_lo = max(0.0, -2 * lam_min / M) * (1 + 1e-14) + 1e-300
    eye = np.eye(len(g))

    def psi(r: float) -> float:
        return float(np.linalg.norm(np.linalg.solve(H + 0.5 * M * r * eye, g))) - r

    r_hi = max(2 * r_lo, 1.0)
    while psi(r_hi) > 0:
        r_hi *= 2
    r = brentq(psi, r_lo, r_hi, xtol=1e-300, rtol=1e-15, maxiter=500)
    return -np.linalg.solve(H + 0.5 * M * r * eye, g)


def reference_minimizer(prob, x0: np.ndarray, n_steps: int = 50) -> np.ndarray:
    """Plain Newton with unit steps from ``x0`` (the f* of the lazy-Hessian experiment: 50 exact Newton steps)."""
    x = x0.copy()
    for _ in range(n_steps):
        g = np.asarray(prob.grad(x))
        if np.linalg.norm(g) <= 1e-15:
            break
        x = x - np.linalg.solve(np.asarray(prob.hess(x)), g)
    return x


def fmt_pairs(pairs) -> str:
    return ", ".join(f"{a}:{b}" for a, b in pairs)


__all__ = ["dense_cubic_step", "fmt_pairs", "math", "reference_minimizer"]
