"""Kronecker algebra for covariances on tensor grids.

Implements the building blocks of exact GP regression on a Cartesian grid (Saatçi 2012, ch. 5,
Algorithm 16; Wilson, Gilboa, Nehorai & Cunningham 2014, §3): Kronecker matrix-vector products with
square or rectangular factors, the per-factor eigendecomposition, solves and log-determinants of
⊗K_j + σ²I, the diagonal of ⊗A_j and prior sampling.

Conventions (stated once, tested against :func:`numpy.kron`): a grid tensor X has shape
(n_1, …, n_d); vec(X) is the C-order (row-major) vectorisation, and factor A_j acts on axis j − 1,
so that (A_1 ⊗ … ⊗ A_d) vec(X) = vec(X ×_1 A_1 ⋯ ×_d A_d). The single primitive is the mode
product :func:`refimpl.backends.linalg.mode_product`.

Provenance: [V] every identity below is checked against dense NumPy (``numpy.kron``, Cholesky,
``scipy.stats.multivariate_normal``) in ``tests/gp/test_kron.py``; [R] the tolerance rules for
indefinite and singular factors (:mod:`refimpl.gp._checks`) are ours.

Jitter conventions (Fang et al. 2024's code adds εI to every factor; Wilson et al. 2014 add σ²I to
K). Two different matrices are both called "K plus jitter":

* **isotropic**: K + εI with K = ⊗K_j. Its eigenvalues are Π_j λ_j + ε. Pass ``noise=eps`` to
  :func:`kron_solve` / :func:`kron_logdet` (the ε is added to the eigenvalue tensor, exactly).
* **per factor**: ⊗(K_j + εI), eigenvalues Π_j(λ_j + ε); the floor is ≈ ε^d, not ε. This is what
  GP-HM (Fang et al. 2024) uses. Build it with :func:`add_jitter` and pass ``noise=0``.

Notation
--------
=========  =====================================================================
K_j        n_j × n_j symmetric PSD factor (axis j);  K = K_1 ⊗ … ⊗ K_d,  N = Π n_j
Q_j, λ_j   eigenvectors / eigenvalues of K_j (``eigh``)
Λ          eigenvalue tensor λ_1 ∘ … ∘ λ_d (outer product, shape (n_1, …, n_d))
σ²         noise variance (scalar), Y the data tensor, α = (K + σ²I)^{-1} vec(Y)
=========  =====================================================================

References
----------
Saatçi, Y. (2012). *Scalable inference for structured Gaussian process models*. PhD thesis,
University of Cambridge, ch. 5. Wilson, A. G., Gilboa, E., Nehorai, A., Cunningham, J. P. (2014).
*Fast kernel learning for multidimensional pattern extrapolation* (GPatt), NeurIPS.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, check_rng
from refimpl.gp._checks import (KronEig, _check_factors, _check_flag, _check_grid_tensor, _check_noise,
                                _eigh_backend, _factor_list, _fix_signs, _inputs, _kron_apply, _outer, _resolve,
                                _shifted_eigs, _solve_eig)

__all__ = [
    "KronEig",
    "add_jitter",
    "grid_lml",
    "kron_diag",
    "kron_eigh",
    "kron_logdet",
    "kron_mvm",
    "kron_sample",
    "kron_solve",
]

Array = Any


# --------------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------------


@capabilities()
def kron_eigh(factors: Sequence[Array]) -> KronEig:
    """Eigendecompose every factor of K = ⊗K_j (``eigh`` per factor, O(Σ n_j³)).

    Parameters
    ----------
    factors : sequence of (n_j, n_j) symmetric arrays

    Returns
    -------
    KronEig
        Eigenvalues (round-off negatives clipped to 0) and eigenvectors, in the caller's array library.

    Raises
    ------
    ValueError
        Non-square, non-symmetric, non-finite or indefinite factors (smallest eigenvalue below
        −10·n_j·eps·‖K_j‖₂; see :mod:`refimpl.gp._checks`).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import kron_eigh
    >>> eig = kron_eigh([np.diag([1.0, 2.0]), np.diag([3.0, 5.0])])
    >>> eig.eigenvalue_tensor().tolist()
    [[3.0, 5.0], [6.0, 10.0]]
    """
    factors = _factor_list(factors)
    bd = Boundary(*factors)
    vals, vecs = _eigh_backend(bd.xp, _check_factors(bd, factors, symmetric=True))
    vecs = [_fix_signs(bd.xp, Q) for Q in vecs]
    return KronEig(values=tuple(bd.out(x) for x in vals), vectors=tuple(bd.out(Q) for Q in vecs))


@capabilities()
def kron_mvm(factors: Sequence[Array], X: Array) -> Array:
    """Kronecker matrix-vector product (A_1 ⊗ … ⊗ A_d) vec(X), returned as a grid tensor.

    Computes X ×_1 A_1 ×_2 A_2 ⋯ ×_d A_d (Saatçi 2012, Algorithm 16 "kron_mvprod") in
    O(N Σ_j m_j) time without forming the Kronecker product. C-order vectorisation, A_1 on axis 0.

    Parameters
    ----------
    factors : sequence of d arrays, shapes (m_j, n_j)
        Square or rectangular (rectangular factors give e.g. test-grid predictions).
    X : array, shape (n_1, …, n_d)
        Grid tensor.

    Returns
    -------
    Y : array, shape (m_1, …, m_d)
        ``Y.reshape(-1) == numpy.kron(A_1, …, A_d) @ X.reshape(-1)``.

    Raises
    ------
    ValueError
        Shape mismatch between factors and ``X``, non-finite entries.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import kron_mvm
    >>> A, B = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0, 1.0]])
    >>> X = np.arange(6.0).reshape(2, 3)
    >>> np.allclose(kron_mvm([A, B], X).ravel(), np.kron(A, B) @ X.ravel())
    True
    """
    factors = _factor_list(factors)
    bd = Boundary(X, *factors)
    A = _check_factors(bd, factors, square=False)
    X = bd.asarray(v.check_array(X, "X", real=True), name="X")
    want = tuple(int(a.shape[1]) for a in A)
    if tuple(X.shape) != want:
        raise ValueError(f"X must be a grid tensor of shape {want} (axis j matches the columns of "
                         f"factors[j]); got shape {tuple(X.shape)}")
    return bd.out(_kron_apply(A, X))


@capabilities()
def kron_solve(factors: Sequence[Array] | KronEig, Y: Array, noise: float) -> Array:
    """Solve (⊗K_j + σ² I) vec(α) = vec(Y) exactly via per-factor eigendecompositions.

    Saatçi (2012), Algorithm 16: α = Q (Λ + σ²)^{-1} Qᵀ vec(Y) with
    Q = ⊗Q_j, in O(Σ n_j³ + N Σ n_j) time and O(N + Σ n_j²) memory.

    Parameters
    ----------
    factors : sequence of (n_j, n_j) symmetric PSD arrays, or a :class:`KronEig`
    Y : array, shape (n_1, …, n_d)
    noise : float >= 0
        Isotropic variance σ² added to K (use ``noise = eps`` for exact K + εI jitter; see the
        module docstring for the per-factor convention).

    Returns
    -------
    alpha : array, shape (n_1, …, n_d)

    Raises
    ------
    ValueError
        Shape mismatch, non-finite data, negative noise, indefinite factors, or a numerically
        singular K + σ²I (smallest eigenvalue <= eps × largest, e.g. noise 1e-320 with a singular K).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import kron_solve
    >>> K1, K2 = np.array([[2.0, 0.5], [0.5, 1.0]]), np.array([[1.0]])
    >>> alpha = kron_solve([K1, K2], np.array([[1.0], [0.0]]), 0.1)
    >>> np.allclose((np.kron(K1, K2) + 0.1 * np.eye(2)) @ alpha.ravel(), [1.0, 0.0])
    True
    """
    noise = _check_noise(noise)
    bd = Boundary(Y, *_inputs(factors))
    vals, vecs = _resolve(bd, factors)
    Y = _check_grid_tensor(bd, Y, tuple(int(lam.shape[0]) for lam in vals))
    xp = bd.xp
    alpha, S = _solve_eig(xp, vals, vecs, Y, noise)
    # ‖α‖₂ <= ‖y‖₂ / λ_min: scan α only when the bound says it could overflow
    bound = float(xp.max(xp.abs(Y))) * math.sqrt(math.prod(Y.shape)) / float(xp.min(S))
    if not math.isfinite(bound) and not bool(xp.all(xp.isfinite(alpha))):
        raise ValueError("kron_solve: the solution overflowed (|Y| / smallest eigenvalue of K + noise*I exceeds "
                         "the float range); rescale Y")
    return bd.out(alpha)


@capabilities()
def kron_logdet(factors: Sequence[Array] | KronEig, noise: float) -> float:
    """log det(⊗K_j + σ² I) = Σ_i log(Λ_i + σ²) (Saatçi 2012, §5.2.2).

    For ``noise = 0`` this equals Σ_j (N/n_j) log|K_j| (the identity log|⊗A_j| = Σ_j (N/n_j)
    log|A_j|).

    Parameters
    ----------
    factors : sequence of (n_j, n_j) symmetric PSD arrays, or a :class:`KronEig`
    noise : float >= 0

    Returns
    -------
    float

    Raises
    ------
    ValueError
        Bad or indefinite factors, negative noise, or a numerically singular matrix.
    """
    noise = _check_noise(noise)
    bd = Boundary(*_inputs(factors))
    xp = bd.xp
    vals, _ = _resolve(bd, factors)
    if noise == 0:
        # Σ_j (N / n_j) Σ log λ_j: O(Σ n_j) instead of O(N)
        N = math.prod(int(lam.shape[0]) for lam in vals)
        for j, lam in enumerate(vals):
            if not float(xp.min(lam)) > float(xp.finfo(lam.dtype).eps) * float(xp.max(lam)):
                raise ValueError(f"kron_logdet: factors[{j}] is numerically singular and noise = 0; use noise > 0 "
                                 "or add_jitter")
        return float(sum((N / lam.shape[0]) * xp.sum(xp.log(lam)) for lam in vals))
    S = _shifted_eigs(xp, vals, noise, "kron_logdet")
    return float(xp.sum(xp.log(S)))


@capabilities()
def grid_lml(factors: Sequence[Array] | KronEig, Y: Array, noise: float, *, return_alpha: bool = False):
    """Log marginal likelihood of y = vec(Y) ~ N(0, ⊗K_j + σ² I) (Saatçi 2012, Algorithm 16).

    .. math:: \\log p(y) = -\\tfrac12 y^\\top \\alpha - \\tfrac12 \\sum_i \\log(\\Lambda_i + \\sigma^2)
              - \\tfrac N2 \\log 2\\pi

    Parameters
    ----------
    factors : sequence of (n_j, n_j) symmetric PSD arrays, or a :class:`KronEig`
    Y : array, shape (n_1, …, n_d)
    noise : float > 0
        Noise variance σ².
    return_alpha : bool, default False
        Also return α = (K + σ²I)^{-1} vec(Y) (computed anyway; "solve + LML" in one pass).

    Returns
    -------
    lml : float
    alpha : array, shape (n_1, …, n_d)
        Only with ``return_alpha``.

    Raises
    ------
    ValueError
        Shape mismatch, non-finite data, non-positive noise, indefinite factors, or an LML that is
        not representable (the data-fit term is computed in the scaled form
        s²·(Y/s)ᵀ(K + σ²I)^{-1}(Y/s), s = ``max|Y|``, so only a true overflow, e.g. ``|Y| ~ 1e200``, raises).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import grid_lml
    >>> from scipy.stats import multivariate_normal
    >>> K1 = np.array([[1.0, 0.3], [0.3, 1.0]]); K2 = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> Y = np.array([[0.5, -1.0], [0.2, 0.3]])
    >>> ref = multivariate_normal(cov=np.kron(K1, K2) + 0.1 * np.eye(4)).logpdf(Y.ravel())
    >>> bool(np.isclose(grid_lml([K1, K2], Y, 0.1), ref))
    True
    """
    noise = _check_noise(noise, strict=True)
    return_alpha = _check_flag(return_alpha, "return_alpha")
    bd = Boundary(Y, *_inputs(factors))
    xp = bd.xp
    vals, vecs = _resolve(bd, factors)
    Y = _check_grid_tensor(bd, Y, tuple(int(lam.shape[0]) for lam in vals))
    N = math.prod(Y.shape)
    ymax = float(xp.max(xp.abs(Y)))
    # scaled form s²·(Y/s)ᵀ(K + σ²I)^{-1}(Y/s) only where Y·α could overflow (|Y| beyond 1e100)
    scale = ymax if ymax > 1e100 else 1.0
    Ys = Y / scale if scale != 1.0 else Y
    alpha_s, S = _solve_eig(xp, vals, vecs, Ys, noise, "grid_lml")
    quad = float(xp.sum(Ys * alpha_s)) * scale * scale
    lml = -0.5 * quad - 0.5 * float(xp.sum(xp.log(S))) - 0.5 * N * math.log(2 * math.pi)
    if not math.isfinite(lml):
        raise ValueError(f"grid_lml: the log marginal likelihood is not representable in floating point "
                         f"(max|Y| = {ymax:.3g}, data-fit term {quad:.3g}); rescale Y")
    if not return_alpha:
        return lml
    alpha = alpha_s * scale if scale != 1.0 else alpha_s
    # ‖α‖₂ <= ‖y‖₂ / λ_min(K + σ²I): check the bound on the host, scan α only when it could overflow
    if not math.isfinite(ymax * math.sqrt(N) / float(xp.min(S))) and not bool(xp.all(xp.isfinite(alpha))):
        raise ValueError("grid_lml: alpha overflows the float range; rescale Y")
    return lml, bd.out(alpha)


@capabilities()
def kron_diag(factors: Sequence[Array]) -> Array:
    """Diagonal of ⊗A_j as a grid tensor: diag(⊗A_j) = ⊗diag(A_j).

    Parameters
    ----------
    factors : sequence of square arrays (n_j, n_j)

    Returns
    -------
    D : array, shape (n_1, …, n_d)
        ``D.reshape(-1) == numpy.diag(numpy.kron(A_1, …, A_d))``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import kron_diag
    >>> kron_diag([np.diag([1.0, 2.0]), np.array([[3.0, 9.0], [9.0, 4.0]])]).tolist()
    [[3.0, 4.0], [6.0, 8.0]]
    """
    factors = _factor_list(factors)
    bd = Boundary(*factors)
    xp = bd.xp
    A = _check_factors(bd, factors)
    return bd.out(_outer(xp, [xp.linalg.diagonal(a) for a in A]))


@capabilities()
def add_jitter(factors: Sequence[Array], eps: float) -> list:
    """Per-factor jitter: return [K_j + εI] so that the covariance is ⊗(K_j + εI).

    This is the GP-HM convention (Fang et al. 2024, ``Kernel_matrix.get_kernel_matrix``); its
    eigenvalues are Π_j(λ_j + ε), so the floor in d dimensions is ≈ ε^d, **not** ε. For the
    isotropic convention K + εI pass ``noise=eps`` to :func:`kron_solve` / :func:`kron_logdet`.

    Parameters
    ----------
    factors : sequence of square arrays
    eps : float >= 0

    Returns
    -------
    list of arrays in the caller's library

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import add_jitter, kron_logdet
    >>> K = [np.ones((2, 2)), np.ones((2, 2))]        # singular factors
    >>> per_factor = kron_logdet(add_jitter(K, 1e-3), 0.0)   # log det ⊗(K_j + εI)
    >>> isotropic = kron_logdet(K, 1e-3)                     # log det (⊗K_j + εI)
    >>> bool(per_factor < isotropic)
    True
    """
    eps = v.check_positive(eps, "eps", strict=False)
    factors = _factor_list(factors)
    bd = Boundary(*factors)
    xp = bd.xp
    A = _check_factors(bd, factors)
    return [bd.out(a + eps * xp.eye(a.shape[0], dtype=a.dtype, device=bd.backend.device)) for a in A]


@capabilities()
def kron_sample(factors: Sequence[Array], *, size: int | None = None, noise: float = 0.0,
                rng=None) -> Array:
    """Draw vec(F) ~ N(0, ⊗K_j + σ²I) on the grid.

    F = Z ×_1 K_1^{1/2} ⋯ ×_d K_d^{1/2} + σ E, with Z, E standard normal tensors drawn on the host from
    ``rng`` and K_j^{1/2} = Q_j Λ_j^{1/2} Q_jᵀ the symmetric PSD square root. The square root is
    unique (it does not depend on the eigenvector signs or on the basis chosen within a repeated
    eigenvalue, which differ between LAPACK builds and torch), so the draws are identical on every
    backend up to round-off; PSD (singular) factors are fine, indefinite ones are rejected.

    Parameters
    ----------
    factors : sequence of (n_j, n_j) symmetric PSD arrays
    size : int, optional
        Number of samples; ``None`` returns one tensor.
    noise : float >= 0
        Observation noise variance σ².
    rng : int, numpy.random.Generator or None

    Returns
    -------
    F : array, shape (n_1, …, n_d) or (size, n_1, …, n_d)

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import kron_sample
    >>> kron_sample([np.eye(3), np.eye(2)], size=4, rng=0).shape
    (4, 3, 2)
    """
    noise = _check_noise(noise)
    rng = check_rng(rng)
    factors = _factor_list(factors)
    if size is not None:
        v.check_size(size, "size", limit=10**6, why="one host draw per sample")
    bd = Boundary(*factors)
    xp = bd.xp
    vals, vecs = _eigh_backend(xp, _check_factors(bd, factors, symmetric=True))
    shape = tuple(int(lam.shape[0]) for lam in vals)
    k = 1 if size is None else v.check_size(size, "size", limit=10**6, why="one host draw per sample")
    Z = bd.asarray(rng.standard_normal(shape + (k,)))
    roots = [(Q * xp.sqrt(lam)[None, :]) @ xp.permute_dims(Q, (1, 0)) for lam, Q in zip(vals, vecs)]
    F = _kron_apply(roots, Z)
    if noise > 0:
        F = F + math.sqrt(noise) * bd.asarray(rng.standard_normal(shape + (k,)))
    F = xp.permute_dims(F, (len(shape),) + tuple(range(len(shape))))
    return bd.out(F[0, ...] if size is None else F)
