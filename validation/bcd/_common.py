"""Shared instances of the bcd claims and benchmark."""

from __future__ import annotations

import numpy as np


def peer_regression(n: int, p: int, kind: str = "lasso") -> tuple[np.ndarray, np.ndarray, float]:
    """The peer-comparison instance (seed n + p): AR(1) columns (ρ = 0.5), 50-sparse w*.

    Returns ``(X, y, alpha)`` with X in column-major order; Lasso: ``y = X w* + 0.5 ε`` and
    ``alpha = max|Xᵀy| / n / 20`` (mean form 1/(2n)‖y − Xw‖² + α‖w‖₁); logistic: ``y = sign(X w* + 0.5 ε)``
    and ``alpha = max|Xᵀy| / (2n) / 20`` (mean logistic loss + α‖w‖₁).
    """
    rng = np.random.default_rng(n + p)
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p), order="F")
    X[:, 0] = Z[:, 0]
    rho = 0.5
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1 - rho**2) * Z[:, j]
    w = np.zeros(p)
    supp = rng.choice(p, 50, replace=False)
    w[supp] = rng.choice([-1, 1], 50) * rng.uniform(1, 2, 50)
    eps = rng.standard_normal(n)
    t = X @ w + 0.5 * eps
    if kind == "lasso":
        return X, t, float(np.abs(X.T @ t).max() / n / 20)
    y = np.where(t >= 0, 1.0, -1.0)
    return X, y, float(np.abs(X.T @ y).max() / (2 * n) / 20)
