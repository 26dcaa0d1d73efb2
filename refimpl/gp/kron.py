"""Kronecker algebra for covariances on tensor grids.

Implements the building blocks of exact GP regression on a Cartesian grid (Saatçi 2012, ch. 5,
Algorithm 16; Wilson, Gilboa, Nehorai & Cunningham 2014, §3): Kronecker matrix-vector products with
square or rectangular factors, the per-factor eigendecomposition, solves and log-determinants of
⊗K_j + σ²I, the diagonal of ⊗A_j and prior sampling.

Conventions (stated once, tested against :func:`numpy.kron`): a grid tensor X has shape
(n_1, …, n_d); vec(X) is the C-order (row-major) vectorisation, and factor A_j acts on axis j − 1,
so that (A_1 ⊗ … ⊗ A_d) vec(X) = vec(X ×_1 A_1 ⋯ ×_d A_d). The single primitive is the mode
product :func:`refimpl.backends.linalg.mode_product`.

Jitter conventions (spec §1.12, §2.4). Two different matrices are both called "K plus jitter":

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
from dataclasses import dataclass
from typing import Any


from refimpl import _validate as v
from refimpl.backends import Boundary, check_rng, linalg

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
# validation helpers (shared by the gp modules)
# --------------------------------------------------------------------------------------------------


def _factor_list(factors, name="factors") -> list:
    if isinstance(factors, KronEig):
        raise TypeError(f"{name} must be a sequence of matrices here; got a KronEig")
    if not isinstance(factors, (list, tuple)) or len(factors) == 0:
        raise TypeError(f"{name} must be a non-empty list or tuple of 2-D arrays (one per grid axis); "
                        f"got {type(factors).__name__}")
    return list(factors)


def _check_factors(bd, factors, *, square=True, symmetric=False, name="factors") -> list:
    """Convert factors to the backend and check shape, finiteness and (optionally) symmetry."""
    xp = bd.xp
    out = []
    for j, A in enumerate(factors):
        A = v.check_array(bd.asarray(A, name=f"{name}[{j}]"), f"{name}[{j}]", ndim=2, real=True)
        if square and A.shape[0] != A.shape[1]:
            raise ValueError(f"{name}[{j}] must be square; got shape {tuple(A.shape)}")
        if symmetric:
            # tolerance: max(1e-10, 1e3 eps) relative, so float32 factors built in float32 pass
            tol = max(1e-10, 1e3 * float(xp.finfo(A.dtype).eps))
            scale = float(xp.max(xp.abs(A)))
            asym = float(xp.max(xp.abs(A - A.T)))
            if asym > tol * max(scale, 1e-300):
                raise ValueError(f"{name}[{j}] must be symmetric; max |A - A^T| = {asym:.3g} "
                                 f"(max |A| = {scale:.3g})")
        out.append(A)
    return out


def _check_grid_tensor(bd, Y, shape, name="Y"):
    Y = v.check_array(bd.asarray(Y, name=name), name, real=True)
    if tuple(Y.shape) != tuple(shape):
        raise ValueError(f"{name} must be a grid tensor of shape {tuple(shape)} (one axis per factor, "
                         f"axis j of length n_j); got shape {tuple(Y.shape)}")
    return Y


def _axis_shape(d: int, j: int, n: int) -> tuple[int, ...]:
    return tuple(n if i == j else 1 for i in range(d))


def _outer(xp, vectors) -> Array:
    """Outer product tensor v_1 ∘ … ∘ v_d (shape (n_1, …, n_d))."""
    d = len(vectors)
    T = None
    for j, vec in enumerate(vectors):
        t = xp.reshape(vec, _axis_shape(d, j, vec.shape[0]))
        T = t if T is None else T * t
    return T


def _transpose(xp, A):
    return xp.permute_dims(A, (1, 0))


def _unfold(xp, X, j):
    """Mode-j unfolding X_(j): axis j first, the rest flattened (C order), shape (n_j, N/n_j)."""
    perm = (j,) + tuple(i for i in range(X.ndim) if i != j)
    return xp.reshape(xp.permute_dims(X, perm), (X.shape[j], -1))


def _kron_apply(factors, X):
    """(⊗A_j) applied to X of shape (n_1..n_d) or (n_1..n_d, k); thin alias of the primitive."""
    return linalg.kron_mvm(factors, X)


# --------------------------------------------------------------------------------------------------
# eigendecomposition object
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KronEig:
    """Per-factor eigendecomposition K_j = Q_j diag(λ_j) Q_jᵀ of K = ⊗K_j (Saatçi 2012, §5.2).

    Attributes
    ----------
    values : tuple of arrays, shapes (n_j,)
        Eigenvalues λ_j of each factor, ascending, with negative round-off clipped to 0
        (spec §2.1).
    vectors : tuple of arrays, shapes (n_j, n_j)
        Orthonormal eigenvectors Q_j (columns).

    Notes
    -----
    K = (⊗Q_j) diag(vec Λ) (⊗Q_j)ᵀ with Λ = λ_1 ∘ … ∘ λ_d. Pass a ``KronEig`` instead of the factors
    to :func:`kron_solve`, :func:`kron_logdet` and :func:`grid_lml` to reuse one decomposition.
    """

    values: tuple
    vectors: tuple

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape (n_1, …, n_d)."""
        return tuple(int(q.shape[0]) for q in self.values)

    def eigenvalue_tensor(self) -> Array:
        """Λ = λ_1 ∘ … ∘ λ_d, the eigenvalues of ⊗K_j as a grid tensor (caller's library)."""
        bd = Boundary(*self.values)
        return bd.out(_outer(bd.xp, [bd.asarray(lam) for lam in self.values]))


def _eigh_backend(xp, factors):
    """Backend (values, vectors) lists; eigenvalues clipped at 0 (spec §2.1)."""
    vals, vecs = [], []
    for K in factors:
        lam, Q = xp.linalg.eigh(K)
        vals.append(xp.where(lam > 0, lam, xp.zeros_like(lam)))
        vecs.append(Q)
    return vals, vecs


def _resolve(bd, factors_or_eig, name="factors"):
    """Backend eigenpairs from either a KronEig or square symmetric factors."""
    xp = bd.xp
    if isinstance(factors_or_eig, KronEig):
        vals = [v.check_array(bd.asarray(lam), f"{name}.values[{j}]", ndim=1)
                for j, lam in enumerate(factors_or_eig.values)]
        vecs = [v.check_array(bd.asarray(Q), f"{name}.vectors[{j}]", ndim=2)
                for j, Q in enumerate(factors_or_eig.vectors)]
        return vals, vecs
    factors = _check_factors(bd, _factor_list(factors_or_eig, name), symmetric=True, name=name)
    return _eigh_backend(xp, factors)


def _inputs(factors_or_eig):
    if isinstance(factors_or_eig, KronEig):
        return list(factors_or_eig.values) + list(factors_or_eig.vectors)
    return _factor_list(factors_or_eig)


def _check_noise(noise, name="noise", strict=False) -> float:
    return v.check_positive(noise, name, strict=strict)


def _shifted_eigs(xp, vals, noise, what):
    """Λ + σ², refusing a singular result with a clear message."""
    S = _outer(xp, vals) + noise
    smin = float(xp.min(S))
    if not smin > 0:
        raise ValueError(f"{what}: K + noise*I is singular (smallest eigenvalue {smin:.3g}); use noise > 0 "
                         "or positive definite factors (see add_jitter)")
    return S


def _solve_eig(xp, vals, vecs, Y, noise):
    """α = (K + σ²I)^{-1} vec(Y) via the eigendecomposition (spec §2.2 steps 1–2)."""
    S = _shifted_eigs(xp, vals, noise, "kron_solve")
    Qt = [_transpose(xp, Q) for Q in vecs]
    Yt = _kron_apply(Qt, Y)                     # Ỹ = Y ×_1 Q_1ᵀ ⋯ ×_d Q_dᵀ
    return _kron_apply(vecs, Yt / S), S        # α = (Ỹ / (Λ + σ²)) ×_1 Q_1 ⋯ ×_d Q_d


# --------------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------------


def kron_eigh(factors: Sequence[Array]) -> KronEig:
    """Eigendecompose every factor of K = ⊗K_j (``eigh`` per factor, O(Σ n_j³)).

    Parameters
    ----------
    factors : sequence of (n_j, n_j) symmetric arrays

    Returns
    -------
    KronEig
        Eigenvalues (clipped at 0) and eigenvectors, in the caller's array library.

    Raises
    ------
    ValueError
        Non-square, non-symmetric or non-finite factors.

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
    return KronEig(values=tuple(bd.out(x) for x in vals), vectors=tuple(bd.out(Q) for Q in vecs))


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
    X = v.check_array(bd.asarray(X, name="X"), "X", real=True)
    want = tuple(int(a.shape[1]) for a in A)
    if tuple(X.shape) != want:
        raise ValueError(f"X must be a grid tensor of shape {want} (axis j matches the columns of "
                         f"factors[j]); got shape {tuple(X.shape)}")
    return bd.out(_kron_apply(A, X))


def kron_solve(factors: Sequence[Array] | KronEig, Y: Array, noise: float) -> Array:
    """Solve (⊗K_j + σ² I) vec(α) = vec(Y) exactly via per-factor eigendecompositions.

    Implements spec §2.2 steps 1–2 (Saatçi 2012, Algorithm 16): α = Q (Λ + σ²)^{-1} Qᵀ vec(Y) with
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
        Shape mismatch, non-finite data, negative noise, or a singular K + σ²I.

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
    alpha, _ = _solve_eig(bd.xp, vals, vecs, Y, noise)
    return bd.out(alpha)


def kron_logdet(factors: Sequence[Array] | KronEig, noise: float) -> float:
    """log det(⊗K_j + σ² I) = Σ_i log(Λ_i + σ²) (spec §2.2 step 3).

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
        Bad factors, negative noise, or a singular matrix.
    """
    noise = _check_noise(noise)
    bd = Boundary(*_inputs(factors))
    xp = bd.xp
    vals, _ = _resolve(bd, factors)
    if noise == 0:
        # Σ_j (N / n_j) Σ log λ_j: O(Σ n_j) instead of O(N)
        N = math.prod(int(lam.shape[0]) for lam in vals)
        if any(float(xp.min(lam)) <= 0 for lam in vals):
            raise ValueError("kron_logdet: a factor is singular and noise = 0; use noise > 0 or add_jitter")
        return float(sum((N / lam.shape[0]) * xp.sum(xp.log(lam)) for lam in vals))
    S = _shifted_eigs(xp, vals, noise, "kron_logdet")
    return float(xp.sum(xp.log(S)))


def grid_lml(factors: Sequence[Array] | KronEig, Y: Array, noise: float, *, return_alpha: bool = False):
    """Log marginal likelihood of y = vec(Y) ~ N(0, ⊗K_j + σ² I) (spec §2.2 step 3).

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
        Shape mismatch, non-finite data, non-positive noise.

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
    bd = Boundary(Y, *_inputs(factors))
    xp = bd.xp
    vals, vecs = _resolve(bd, factors)
    Y = _check_grid_tensor(bd, Y, tuple(int(lam.shape[0]) for lam in vals))
    alpha, S = _solve_eig(xp, vals, vecs, Y, noise)
    N = math.prod(Y.shape)
    lml = float(-0.5 * xp.sum(Y * alpha) - 0.5 * xp.sum(xp.log(S)) - 0.5 * N * math.log(2 * math.pi))
    return (lml, bd.out(alpha)) if return_alpha else lml


def kron_diag(factors: Sequence[Array]) -> Array:
    """Diagonal of ⊗A_j as a grid tensor: diag(⊗A_j) = ⊗diag(A_j) (spec §2.1).

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


def add_jitter(factors: Sequence[Array], eps: float) -> list:
    """Per-factor jitter: return [K_j + εI] so that the covariance is ⊗(K_j + εI) (spec §1.12).

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


def kron_sample(factors: Sequence[Array], *, size: int | None = None, noise: float = 0.0,
                rng=None) -> Array:
    """Draw vec(F) ~ N(0, ⊗K_j + σ²I) on the grid.

    F = Z ×_1 (Q_1 Λ_1^{1/2}) ⋯ ×_d (Q_d Λ_d^{1/2}) + σ E, with Z, E standard normal tensors drawn on
    the host from ``rng`` (identical draws on every backend). Uses the symmetric square root of each
    factor's eigendecomposition, so PSD (singular) factors are fine.

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
    bd = Boundary(*factors)
    xp = bd.xp
    vals, vecs = _eigh_backend(xp, _check_factors(bd, factors, symmetric=True))
    shape = tuple(int(lam.shape[0]) for lam in vals)
    k = 1 if size is None else v.check_int(size, "size", low=1)
    Z = bd.asarray(rng.standard_normal(shape + (k,)))
    roots = [Q * xp.sqrt(lam)[None, :] for lam, Q in zip(vals, vecs)]
    F = _kron_apply(roots, Z)
    if noise > 0:
        F = F + math.sqrt(noise) * bd.asarray(rng.standard_normal(shape + (k,)))
    F = xp.permute_dims(F, (len(shape),) + tuple(range(len(shape))))
    return bd.out(F[0, ...] if size is None else F)
