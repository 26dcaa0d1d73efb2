"""Projection DPPs on a finite candidate set (chain rule / Gram-Schmidt) and generalised volume sampling.

Paper
-----
Nouy, Michel, *Weighted least-squares approximation with determinantal point processes and
generalized volume sampling*, arXiv:2312.14057 [V at the level of the abstract: projection DPPs
and volume-rescaled sampling give quasi-optimal weighted least squares in expectation; the
constructions below are reconstructed [R] and checked numerically by the tests].

Setting on a finite candidate set x_1..x_N with a probability measure μ (uniform here) and an
L²_μ-orthonormal feature map of dimension m: take V (N, m) with orthonormal columns, so that
φ_j(x_i) = √N V_ij. Then the inverse Christoffel function is k_m(x_i) = N‖V_i‖², the optimal
density is ρ_m(x_i) = ‖V_i‖²/m (the leverage scores over m), and w = dμ/dρ_m = m/(N‖V_i‖²).

* :func:`projection_dpp_sample`: the projection DPP with kernel K = V Vᵀ, P(S) = det(V_S)² for
  |S| = m, by the chain rule (Hough, Krishnapur, Peres, Virág): point t+1 is drawn with
  probability ∝ ‖P_t^⊥ V_j‖², the squared residual of row j after projecting out the rows already
  chosen. Residuals are kept by the Gram-Schmidt/Cholesky update of DPPy's
  ``proj_dpp_sampler_eig_GS`` [V: peer library], clipped at 0 and renormalised by their sum
  (not by m - t) to absorb round-off. Every one-point marginal is P(i ∈ S) = ‖V_i‖².
* :func:`volume_sample`: generalised volume-rescaled sampling of size n >= m with ρ = ρ_m:
  m points from the projection DPP plus n - m i.i.d. points from ρ_m, in uniformly random order
  (the Cauchy-Binet decomposition of the density ∝ det(Σ_i w(x_i) φ(x_i)φ(x_i)ᵀ) Π ρ(x_i)) [R].
  Weighted least squares with w = m/(N‖V_i‖²) on such a sample is unbiased for the L²_μ
  projection.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import device

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, check_rng

from ._checks import check_tall, to_host

__all__ = ["projection_dpp_sample", "volume_sample"]


def _check_orthonormal(V: Any, bd: Boundary) -> Any:
    Vb = bd.asarray(V, name="V")
    # the test runs on a float64 host copy, so that every backend accepts and rejects the same V
    # (an overflowing VᵀV is NaN in some libraries' GEMM and inf in others'; "not err <= tol" catches both)
    H = np.asarray(to_host(V), dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        err = float(np.max(np.abs(H.T @ H - np.eye(H.shape[1]))))
    if not err <= 1e-8:
        raise ValueError(
            f"V must have orthonormal columns (VᵀV = I, e.g. Q from a thin QR of the feature matrix); "
            f"got max |VᵀV - I| = {err:.3g}"
        )
    return Vb


def _dpp_core(Vb: Any, u: Any, xp: Any) -> Any:
    """Chain rule with Gram-Schmidt residuals; u holds m host uniforms."""
    N, m = Vb.shape
    c = xp.sum(Vb * Vb, axis=1)  # residual squared norms, start: ‖V_i‖²
    C = xp.zeros((N, m), dtype=Vb.dtype, device=device(Vb))
    chosen = []
    for t in range(m):
        c = xp.maximum(c, xp.zeros_like(c))
        cdf = xp.cumulative_sum(c)
        j = int(xp.searchsorted(cdf, u[t] * cdf[-1], side="right"))
        j = min(j, N - 1)
        chosen.append(j)
        # new Cholesky column of K = V Vᵀ: (K[:, j] - C C[j, :]ᵀ) / sqrt(c_j)
        col = (Vb @ Vb[j, :] - C[:, :t] @ C[j, :t]) / float(xp.sqrt(c[j]))
        C = xp.concat([C[:, :t], col[:, None], C[:, t + 1 :]], axis=1)
        c = c - col * col
        mask = xp.arange(N, device=device(c)) == j
        c = xp.where(mask, xp.zeros_like(c), c)
    return xp.asarray(chosen, dtype=xp.int64, device=device(Vb))


@capabilities()
def projection_dpp_sample(V: Any, *, rng: Any = None) -> Any:
    """Sample the projection DPP with kernel K = V Vᵀ on N candidates (exactly m = rank points).

    P(S) = det(V_S)² for every m-subset S (rows V_S), P(i ∈ S) = ‖V_i‖² (the leverage scores of
    the features), and the points repel in feature space. O(N m²) by the chain rule with
    Gram-Schmidt residuals (see the module docstring).

    Parameters
    ----------
    V : array-like, shape (N, m)
        Orthonormal columns (e.g. ``Q`` of the thin QR of the feature matrix), m <= N.
    rng : None, int or numpy.random.Generator
        SPEC 7: m host uniforms.

    Returns
    -------
    integer array, shape (m,)
        The sampled indices, sorted.

    Examples
    --------
    >>> import numpy as np
    >>> projection_dpp_sample(np.eye(4)[:, :2], rng=0).tolist()
    [0, 1]
    """
    V = check_tall(V, "V")
    gen = check_rng(rng)
    bd = Boundary(V)
    xp = bd.xp
    Vb = _check_orthonormal(V, bd)
    u = gen.random(int(V.shape[1]))
    return bd.out(xp.sort(_dpp_core(Vb, u, xp)))


@capabilities()
def volume_sample(V: Any, n: int, *, rng: Any = None) -> Any:
    """Generalised volume-rescaled sample of size n >= m for the optimal density ρ_m = ‖V_i‖²/m.

    m points from the projection DPP of V plus n - m i.i.d. points from ρ_m, in uniformly random
    order (Nouy & Michel). Use the weights w_i = m/(N‖V_i‖²) (= dμ/dρ_m for the uniform μ on the N
    candidates) in the weighted least-squares fit.

    Parameters
    ----------
    V : array-like, shape (N, m)
        Orthonormal columns.
    n : int
        Sample size, m <= n (repeats are possible among the i.i.d. points).
    rng : None, int or numpy.random.Generator

    Returns
    -------
    integer array, shape (n,)
        The sample in random order.

    Examples
    --------
    >>> import numpy as np
    >>> V = np.linalg.qr(np.random.default_rng(0).standard_normal((50, 3)))[0]
    >>> volume_sample(V, 5, rng=1).shape
    (5,)
    """
    V = check_tall(V, "V")
    N, m = int(V.shape[0]), int(V.shape[1])
    n = v.check_size(n, "n", low=m, limit=10**8, why="one host uniform is drawn per i.i.d. point")
    gen = check_rng(rng)
    bd = Boundary(V)
    xp = bd.xp
    Vb = _check_orthonormal(V, bd)
    dpp = _dpp_core(Vb, gen.random(m), xp)
    lev = xp.sum(Vb * Vb, axis=1)
    cdf = xp.cumulative_sum(lev / xp.sum(lev))
    u = bd.asarray(gen.random(n - m), dtype=cdf.dtype, name="u") * cdf[-1]
    iid = xp.minimum(xp.searchsorted(cdf, u, side="right"), xp.asarray(N - 1, device=device(cdf)))
    allpts = xp.concat([dpp, xp.astype(iid, xp.int64)])
    order = bd.asarray(gen.permutation(n), dtype=xp.int64, name="order")
    return bd.out(xp.take(allpts, order))
