"""Shared test problems and plotting helper of the eim claims."""

from __future__ import annotations

import numpy as np


def grepl_snapshots(n_x: int = 40, n_mu: int = 20) -> np.ndarray:
    """g(x; mu) = |x - mu|^{-1}, x in [0,1]^2 (n_x^2 grid), mu in [-1,-0.01]^2 (n_mu^2 grid): the Grepl-type test family of the EIM literature."""
    x = np.linspace(0, 1, n_x)
    X = np.stack(np.meshgrid(x, x, indexing="ij"), -1).reshape(-1, 2)
    m = np.linspace(-1, -0.01, n_mu)
    P = np.stack(np.meshgrid(m, m, indexing="ij"), -1).reshape(-1, 2)
    return 1.0 / np.sqrt(((X[:, None, :] - P[None, :, :]) ** 2).sum(-1))


def shifted_snapshots(n_x: int = 200, n_y: int = 150) -> np.ndarray:
    """f(x, y) = ((x - y - 2)^2 + 0.3)^{-1/2} on a 200 x 150 grid of [0,1]^2 (a smooth, fast-decaying test family)."""
    x = np.linspace(0, 1, n_x)
    y = np.linspace(0, 1, n_y)
    return ((x[:, None] - y[None, :] - 2.0) ** 2 + 0.3) ** -0.5


def invdist_1d(n_x: int = 2000, n_side: int = 20) -> np.ndarray:
    """peer-baselines 1d_invdist: 1/sqrt((x - mu1)^2 + mu2^2), x = linspace(0,1,2000), 20x20 mu grid."""
    x = np.linspace(0, 1, n_x)
    m1, m2 = np.meshgrid(np.linspace(-1, -0.01, n_side), np.linspace(0.01, 1, n_side), indexing="ij")
    return 1.0 / np.sqrt((x[:, None] - m1.ravel()[None, :]) ** 2 + m2.ravel()[None, :] ** 2)


