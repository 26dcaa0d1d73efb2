r"""Small reference problems of the EIM family's papers (used by validation, tests and docs).

* :func:`p1_stiffness`: P1 finite elements for :math:`-(\nu u')' = f` on :math:`(0, 1)`,
  homogeneous Dirichlet conditions, uniform mesh, element coefficient by the midpoint rule.
* :func:`nonaffine_diffusion` (paper B test): :math:`\nu(x;\mu) = 1/(1 + \mu x) + 0.1`.
* :func:`affine_diffusion` (paper F test): :math:`\nu = 1 + \mu_1 x + \mu_2 \sin^2(3\pi x)`.
* :func:`helmholtz_1d` (complex, sesquilinear; paper D-style toy): :math:`-u'' - k^2(1 + i\eta) u = g_k`.

All return SciPy sparse (CSR) matrices of size ``n`` (interior nodes) and NumPy vectors.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "affine_diffusion",
    "helmholtz_1d",
    "load_vector",
    "nonaffine_diffusion",
    "p1_mass",
    "p1_stiffness",
]


def _grid(n: int) -> tuple[float, np.ndarray]:
    h = 1.0 / (n + 1)
    mid = (np.arange(n + 1) + 0.5) * h  # element midpoints (n + 1 elements)
    return h, mid


def p1_stiffness(coef: np.ndarray, h: float) -> sp.csr_matrix:
    r"""Stiffness matrix :math:`\int \nu \phi_i' \phi_j'` for element coefficients ``coef`` (length n + 1)."""
    coef = np.asarray(coef, dtype=float)
    diag = (coef[:-1] + coef[1:]) / h
    off = -coef[1:-1] / h
    return sp.diags([off, diag, off], [-1, 0, 1], format="csr")


def p1_mass(n: int) -> sp.csr_matrix:
    r"""Mass matrix :math:`\int \phi_i \phi_j` on the uniform mesh with ``n`` interior nodes."""
    h = 1.0 / (n + 1)
    return sp.diags([np.full(n - 1, h / 6), np.full(n, 4 * h / 6), np.full(n - 1, h / 6)], [-1, 0, 1], format="csr")


def load_vector(n: int, f: float = 1.0) -> np.ndarray:
    r""":math:`\int f \phi_i` for a constant :math:`f`."""
    return np.full(n, f / (n + 1))


def nonaffine_diffusion(mu: float, n: int = 200) -> sp.csr_matrix:
    r"""Paper B test matrix: :math:`\nu(x;\mu) = 1/(1 + \mu x) + 0.1`, midpoint rule."""
    h, mid = _grid(n)
    return p1_stiffness(1.0 / (1.0 + mu * mid) + 0.1, h)


def affine_diffusion(n: int = 400) -> tuple[list[sp.csr_matrix], np.ndarray]:
    r"""Paper F test: :math:`A(\mu) = A_0 + \mu_1 A_1 + \mu_2 A_2` and the load :math:`f = 1`.

    :math:`A_0, A_1, A_2` are the stiffness matrices of :math:`1`, :math:`x`, :math:`\sin^2(3\pi x)`.
    """
    h, mid = _grid(n)
    terms = [p1_stiffness(np.ones_like(mid), h), p1_stiffness(mid, h), p1_stiffness(np.sin(3 * np.pi * mid) ** 2, h)]
    return terms, load_vector(n)


def helmholtz_1d(k: float, n: int = 200, eta: float = 0.05) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""Complex 1-D Helmholtz toy: :math:`K - k^2 (1 + i\eta) M_{x}` with a non-affine coefficient and a
    plane-wave load :math:`g_k(x) = e^{ikx}` (non-affine in :math:`k`).

    The mass term carries the coefficient :math:`1 + x^2/(1 + k x)` so that the operator is not
    affine in :math:`k`.
    """
    h, mid = _grid(n)
    x = np.arange(1, n + 1) * h
    K = p1_stiffness(np.ones_like(mid), h)
    c = 1.0 + mid**2 / (1.0 + k * mid)
    d = (c[:-1] + c[1:]) * h / 3.0
    o = c[1:-1] * h / 6.0
    Mc = sp.diags([o, d, o], [-1, 0, 1], format="csr")
    A = (K - (k * k) * (1.0 + 1j * eta) * Mc).tocsr()
    g = np.exp(1j * k * x) * h
    return A, g
