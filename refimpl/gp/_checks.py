"""Private helpers shared by the gp modules: input checks, the per-factor eigendecomposition with
its positive-semidefiniteness rule, outer products and the eigenbasis solve.

Provenance: [V] the Kronecker identities (Saatçi 2012, ch. 5, Algorithm 16: eigendecompose each
factor, Λ = λ_1 ∘ … ∘ λ_d, α = Q (Λ + σ²)^{-1} Qᵀ y) are checked against dense NumPy in the tests;
[R] the tolerance rules below (PSD test, singularity test) are ours, not the papers'.

Positive-semidefiniteness rule
------------------------------
``eigh`` computes the eigenvalues of a symmetric K to an absolute accuracy of about
n·eps·‖K‖₂ (backward stability), so a PSD factor can come back with eigenvalues slightly below 0.
A factor whose smallest eigenvalue is below −c·n·eps·‖K‖₂ (c = :data:`PSD_C` = 10, n its size,
‖K‖₂ its largest |eigenvalue|, eps of its dtype) is rejected as indefinite, with a message that
names the factor; eigenvalues in [−c·n·eps·‖K‖₂, 0) are round-off and are clipped to 0.

Singularity rule
----------------
K + σ²I (or ⊗K_j alone) is refused as numerically singular when its smallest eigenvalue is at most
eps·(its largest): the eigenvalues themselves carry an absolute error ≈ eps·‖K‖, so the solve would
be noise (e.g. duplicate grid coordinates with noise 1e-300).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, linalg

Array = Any

#: c of the positive-semidefiniteness rule (see the module docstring).
PSD_C = 10.0


@capabilities()
@dataclass(frozen=True)
class KronEig:
    """Per-factor eigendecomposition K_j = Q_j diag(λ_j) Q_jᵀ of K = ⊗K_j (Saatçi 2012, §5.2).

    Attributes
    ----------
    values : tuple of arrays, shapes (n_j,)
        Eigenvalues λ_j of each factor, ascending, with round-off negatives clipped to 0 (factors
        with eigenvalues below −10·n_j·eps·‖K_j‖₂ are rejected as indefinite).
    vectors : tuple of arrays, shapes (n_j, n_j)
        Orthonormal eigenvectors Q_j (columns). :func:`kron_eigh` fixes each column's sign (its
        first entry with magnitude above 1e-4 times the column's largest magnitude is positive), so that every backend's
        ``eigh`` gives the same vectors for simple eigenvalues.

    Notes
    -----
    A factorisation held as plain data (``__refimpl_data__``): :func:`kron_eigh` either returns it
    or raises (an indefinite or non-finite factor), so it carries no status; it is also an input
    of the solvers.

    K = (⊗Q_j) diag(vec Λ) (⊗Q_j)ᵀ with Λ = λ_1 ∘ … ∘ λ_d. Pass a ``KronEig`` instead of the factors
    to :func:`kron_solve`, :func:`kron_logdet` and :func:`grid_lml` to reuse one decomposition.
    """

    #: plain data (a factorisation and solver input), not a result with a status
    __refimpl_data__ = True

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


KronEig.__module__ = "refimpl.gp.kron"


class FactorEigs(NamedTuple):
    """Backend eigenpairs of every factor (lists, one entry per axis)."""

    values: list
    vectors: list


def _factor_list(factors, name="factors") -> list:
    if isinstance(factors, KronEig):
        raise TypeError(f"{name} must be a sequence of matrices here; got a KronEig")
    if not isinstance(factors, (list, tuple)) or len(factors) == 0:
        raise TypeError(f"{name} must be a non-empty list or tuple of 2-D arrays (one per grid axis); "
                        f"got {type(factors).__name__}")
    for j, A in enumerate(factors):
        if A is None or isinstance(A, (str, bytes)):
            raise TypeError(f"{name}[{j}] must be a 2-D numeric array; got {type(A).__name__}")
    return list(factors)


def _check_factors(bd, factors, *, square=True, symmetric=False, name="factors") -> list:
    """Convert factors to the backend and check shape, finiteness and (optionally) symmetry."""
    xp = bd.xp
    out = []
    for j, A in enumerate(factors):
        A = bd.asarray(v.check_array(A, f"{name}[{j}]", ndim=2, real=True), name=f"{name}[{j}]")
        if A.shape[0] == 0 or A.shape[1] == 0:
            raise ValueError(f"{name}[{j}] must be non-empty; got shape {tuple(A.shape)}")
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
    if Y is None or isinstance(Y, (str, bytes)):
        raise TypeError(f"{name} must be a numeric grid tensor of shape {tuple(shape)}; got {type(Y).__name__}")
    Y = bd.asarray(v.check_array(Y, name, real=True), name=name)
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


def _eigh_backend(xp, factors, name="factors") -> FactorEigs:
    """Backend eigenpairs; indefinite factors rejected, round-off negatives clipped (module docstring)."""
    vals, vecs = [], []
    for j, K in enumerate(factors):
        lam, Q = xp.linalg.eigh(K)
        n = int(K.shape[0])
        eps = float(xp.finfo(lam.dtype).eps)
        lo, hi = float(xp.min(lam)), float(xp.max(xp.abs(lam)))
        tol = PSD_C * n * eps * hi
        if lo < -tol:
            raise ValueError(f"{name}[{j}] is not positive semi-definite: its smallest eigenvalue is {lo:.4g}, "
                             f"below the round-off bound -{tol:.3g} (= -10·n·eps·‖K‖₂); a covariance factor "
                             "must be PSD")
        vals.append(xp.where(lam > 0, lam, xp.zeros_like(lam)))
        vecs.append(Q)
    return FactorEigs(vals, vecs)


def _fix_signs(xp, Q):
    """Q with each column's sign fixed: its first entry with |q_i| > 1e-4·max_i |q_i| is positive.

    [R] our convention (eigenvectors are unique only up to sign); the threshold sits far above
    round-off (an entry that is 0 in exact arithmetic never decides) and far below the entries of
    equal magnitude that symmetric factors produce (e.g. (1, -1)/√2), so backends agree.
    """
    n = int(Q.shape[0])
    A = xp.abs(Q)
    big = A > 1e-4 * xp.max(A, axis=0, keepdims=True)
    first = xp.argmax(xp.astype(big, xp.int32), axis=0)          # first True per column
    flat = xp.reshape(_transpose(xp, Q), (-1,))                   # column k at [k n, (k+1) n)
    lead = xp.take(flat, first + n * xp.arange(n, dtype=first.dtype))
    return Q * xp.where(lead < 0, -xp.ones_like(lead), xp.ones_like(lead))


def _resolve(bd, factors_or_eig, name="factors") -> FactorEigs:
    """Backend eigenpairs from either a KronEig or square symmetric factors."""
    xp = bd.xp
    if isinstance(factors_or_eig, KronEig):
        vals = [bd.asarray(v.check_array(lam, f"{name}.values[{j}]", ndim=1, real=True))
                for j, lam in enumerate(factors_or_eig.values)]
        vecs = [bd.asarray(v.check_array(Q, f"{name}.vectors[{j}]", ndim=2, real=True))
                for j, Q in enumerate(factors_or_eig.vectors)]
        for j, lam in enumerate(vals):
            if float(xp.min(lam)) < 0:
                raise ValueError(f"{name}.values[{j}] must be >= 0 (eigenvalues of a PSD factor)")
        return FactorEigs(vals, vecs)
    factors = _check_factors(bd, _factor_list(factors_or_eig, name), symmetric=True, name=name)
    return _eigh_backend(xp, factors, name)


def _inputs(factors_or_eig):
    if isinstance(factors_or_eig, KronEig):
        return list(factors_or_eig.values) + list(factors_or_eig.vectors)
    return _factor_list(factors_or_eig)


def _check_flag(value, name) -> bool:
    """``value`` as a bool; anything but True/False (NumPy booleans included) is a TypeError naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r:.40}")
    return bool(value)


def _check_noise(noise, name="noise", strict=False) -> float:
    return v.check_positive(noise, name, strict=strict)


def _shifted_eigs(xp, vals, noise, what):
    """Λ + σ², refusing a numerically singular result (module docstring) with a clear message."""
    S = _outer(xp, vals) + noise
    smin, smax = float(xp.min(S)), float(xp.max(S))
    eps = float(xp.finfo(S.dtype).eps)
    if not smin > eps * smax:
        raise ValueError(f"{what}: K + noise*I is numerically singular (eigenvalues in [{smin:.3g}, {smax:.3g}], "
                         f"smallest <= eps x largest); use a larger noise or positive definite factors "
                         "(see add_jitter)")
    return S


def _solve_eig(xp, vals, vecs, Y, noise, what="kron_solve"):
    """α = (K + σ²I)^{-1} vec(Y) via the eigendecomposition (Saatçi 2012, Algorithm 16)."""
    S = _shifted_eigs(xp, vals, noise, what)
    Qt = [_transpose(xp, Q) for Q in vecs]
    Yt = _kron_apply(Qt, Y)                     # Ỹ = Y ×_1 Q_1ᵀ ⋯ ×_d Q_dᵀ
    return _kron_apply(vecs, Yt / S), S        # α = (Ỹ / (Λ + σ²)) ×_1 Q_1 ⋯ ×_d Q_d
