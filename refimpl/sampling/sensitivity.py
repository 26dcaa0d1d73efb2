"""ℓp sensitivities by one convex solve per row, and sensitivity sampling weights.

Paper
-----
Woodruff, Yasuda, *Sharper bounds for ℓp sensitivity sampling*, ICML 2023, arXiv:2306.00732
[V at the level of the abstract: the sensitivities, the total sensitivity 𝔖 and sampling
proportional to them with the p_i^{-1/p} reweighting; the exact definitions below are the standard
ones, [R] as far as the paper's normalisation goes].

Definitions
-----------
σ_i^{(p)}(A) = sup_{x : Ax ≠ 0} |a_iᵀx|^p / ‖Ax‖_p^p,   𝔖_p(A) = Σ_i σ_i.

For p = 2, σ_i = τ_i (the leverage scores) and 𝔖 = rank(A). For p < 2, 𝔖 < d is possible
(do not assume 𝔖 >= d); for p > 2, d <= 𝔖 <= d^{p/2}.

Computation (for validation sizes; n convex problems): σ_i = 1 / min{‖Ax‖_p^p : a_iᵀx = 1}.
p = 1 is a linear program, solved in its dual form 1/σ_i = max{λ : Aᵀu = λa_i, ‖u‖_∞ <= 1}
(SciPy ``linprog``/HiGHS dual simplex: d equality rows, n bounded variables); p > 1 is a smooth convex problem in the affine subspace x = x₀ + N z (N a basis of
the null space of a_iᵀ), solved by SciPy BFGS with the exact gradient. Sampling with
probabilities p_i then reweights row i by p_i^{-1/p} (not p_i^{-1/2} unless p = 2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities

from ._checks import check_tall, to_host

__all__ = ["lp_sensitivities"]


def _sens_lp1(A: np.ndarray, i: int) -> float:
    """1/σ_i = min{‖Ax‖₁ : a_iᵀx = 1} through its LP dual (d equality rows, n box variables).

    Dual: 1/σ_i = max{λ : Aᵀu = λ a_i, ‖u‖_∞ <= 1} (strong duality of the LP). HiGHS solves this
    form 5-10x faster than the primal (2n inequality rows in the variables x and t >= |Ax|).
    """
    from scipy.optimize import linprog

    n, d = A.shape
    c = np.zeros(n + 1)
    c[-1] = -1.0  # maximise λ
    A_eq = np.hstack([A.T, -A[i][:, None]])
    res = linprog(c, A_eq=A_eq, b_eq=np.zeros(d), bounds=[(-1.0, 1.0)] * n + [(None, None)], method="highs-ds")
    if res.status != 0 or not -res.fun > 0:
        raise RuntimeError(f"the p = 1 sensitivity LP of row {i} failed: {res.message}")
    return 1.0 / -res.fun


def _sens_smooth(A: np.ndarray, i: int, p: float) -> float:
    from scipy.optimize import minimize

    a = A[i]
    x0 = a / (a @ a)
    # null space of aᵀ: the last d-1 right singular vectors
    N = np.linalg.svd(a[None, :])[2][1:].T
    B, y0 = A @ N, A @ x0
    scale = np.sum(np.abs(y0) ** p)

    def f(z):
        y = y0 + B @ z
        ay = np.abs(y)
        return np.sum(ay**p) / scale, (B.T @ (p * ay ** (p - 1) * np.sign(y))) / scale

    if N.shape[1] == 0:
        return 1.0 / scale
    res = minimize(f, np.zeros(N.shape[1]), jac=True, method="BFGS", options={"gtol": 1e-12, "maxiter": 2000})
    return 1.0 / (res.fun * scale)


def _scaled_host(A: Any) -> np.ndarray:
    """Host float64 copy of A divided by a power of two near max|a_ij| (exact; σ is scale invariant)."""
    H = np.asarray(to_host(A), dtype=np.float64)
    amax = float(np.max(np.abs(H)))
    if amax > 0:
        H = H * math.ldexp(1.0, -math.frexp(amax)[1])
    return H


def _sensitivities(H: np.ndarray, p: float) -> np.ndarray:
    """σ of every row of the (scaled, full-rank) host matrix H, clipped at 1."""
    sig = np.zeros(H.shape[0])
    for i in range(H.shape[0]):
        if np.any(H[i]):
            sig[i] = _sens_lp1(H, i) if p == 1.0 else _sens_smooth(H, i, p)
    return np.minimum(sig, 1.0)


@capabilities(host_only="one SciPy linprog (p = 1) or BFGS (p > 1) solve per row on the host")
def lp_sensitivities(A: Any, p: float) -> Any:
    """ℓp sensitivities σ_i = sup_x ``|a_iᵀx|^p / ‖Ax‖_p^p`` of the rows of A (one convex solve per row).

    Parameters
    ----------
    A : array-like, shape (n, d)
        Full column rank (a zero row has σ_i = 0). Intended for validation sizes (n up to a few
        thousand): the cost is n convex problems.
    p : float
        p >= 1.

    Returns
    -------
    array, shape (n,)
        σ (caller's array library); Σ σ is the total sensitivity 𝔖_p.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.vstack([np.eye(2), np.zeros((2, 2))])
    >>> np.round(lp_sensitivities(A, 1.0), 8).tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    p = v.check_in_range(p, "p", 1.0, 1e3, low_inclusive=True)
    A = check_tall(A)
    n, d = int(A.shape[0]), int(A.shape[1])
    v.check_size(n, "A rows", limit=20000, why="one convex solve per row")
    H = _scaled_host(A)  # σ is scale invariant: the power-of-two scaling keeps ‖Ax‖_p^p finite
    if np.linalg.matrix_rank(H) < d:
        raise ValueError(f"A must have full column rank {d} (sensitivities are defined on range(A)); it is rank-deficient")
    sig = _sensitivities(H, p)
    bd = Boundary(A)
    return bd.out(bd.asarray(sig, name="sigma"))
