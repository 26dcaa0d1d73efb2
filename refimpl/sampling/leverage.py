"""Statistical leverage scores: exact (thin QR or SVD), ridge, and sketched (subspace embedding + QR).

Papers
------
* Drineas, Magdon-Ismail, Mahoney, Woodruff, *Fast approximation of matrix coherence and
  statistical leverage*, JMLR 13 (2012), arXiv:1109.3843: Algorithm 1 (sketch ΦA, R from its QR,
  optional JL projection Π, τ̃_i = ‖(A R⁻¹ Π)_i‖²) and its (1 ± ε) guarantee [V at the level of the
  algorithm statement; the constants in the sketch sizes below are ours, see :func:`sketch_sizes`].
* Shimizu, Cheng, Musco, Weare, *Improved active learning via dependent leverage score sampling*,
  ICLR 2024, arXiv:2310.04966: leverage scores as the sampling marginals (the authors' code computes
  them from an SVD, ``data.jl``) [V code].
* Tropp, Yurtsever, Udell, Cevher, *Streaming low-rank matrix approximation with an application
  to scientific simulation*, SISC 2019: the sparse sign embedding with ζ = 8 nonzeros per column
  [R: recalled recommendation, used as our default].

Notation
--------
=============  =============================================================================
``A``          (n, d) real matrix, n >= d
``τ_i``        leverage score of row i: ‖U[i, :]‖², U an orthonormal basis of range(A)
``τ_i(λ)``     ridge leverage score a_iᵀ (AᵀA + λI)⁻¹ a_i
``Φ``          (m₁, n) oblivious subspace embedding (sparse sign or Gaussian)
``Π``          (d, m₂) Gaussian JL matrix (optional)
``ε``          target relative accuracy of the sketched scores
=============  =============================================================================

Facts used by the tests and claims: Σ_i τ_i = rank(A), 0 <= τ_i <= 1, and the scores do not
depend on the basis (QR and SVD agree to round-off). The exact path never forms AᵀA.

Provenance: exact and ridge scores are textbook identities [V]; the sketched algorithm is
Drineas et al.'s Algorithm 1 [V]; the sketch-size formula and the sparse-sign sparsity are our
choices [R], documented in :func:`sketch_sizes` and checked by the validation claim S-2.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from array_api_compat import device

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, check_rng, leaf_kernel
from refimpl.backends.linalg import solve_triangular

from ._checks import check_flag, check_tall

__all__ = ["leverage_scores", "ridge_leverage_scores", "sketch_sizes"]

_METHODS = ("qr", "svd", "sketch")
_EMBEDDINGS = ("sparse_sign", "gaussian", "srht")
#: Nonzeros per column of the sparse sign embedding (Tropp et al. 2019 recommend 8).
SPARSE_SIGN_NNZ = 8
#: Largest sketch height sketch_sizes computes (a smaller eps asks for the exact scores instead).
_MAX_SKETCH_ROWS = 2.0**53


class RankDeficientError(ValueError):
    """The matrix has numerical rank below its number of columns (leverage scores need full rank)."""


@leaf_kernel("sampling.thin_qr")
def thin_qr(A: Any) -> tuple[Any, Any]:
    """Thin (economic) QR, A = Q R with Q (n, d) orthonormal columns and R (d, d) upper triangular.

    Reference: ``xp.linalg.qr`` (reduced mode). The NumPy twin calls SciPy's economic QR, which
    is faster than NumPy's on tall matrices (the speed target is set against SciPy).
    """
    from array_api_compat import array_namespace

    xp = array_namespace(A)
    return xp.linalg.qr(A)


@leaf_kernel("sampling.qr_r")
def qr_r(A: Any) -> Any:
    """The R factor (d, d) of the thin QR of A (n, d); the NumPy twin skips forming Q."""
    from array_api_compat import array_namespace

    xp = array_namespace(A)
    return xp.linalg.qr(A)[1]


def _row_sq_norms(X: Any, xp: Any) -> Any:
    """Squared row norms Σ_j X_ij²: one fused ``vecdot`` where the namespace has it (NumPy 2: 3x faster
    than forming X*X), else ``sum(X*X)``."""
    vecdot = getattr(xp, "vecdot", None)
    if vecdot is not None and X.shape[0] > 0:
        return vecdot(X, X, axis=-1)
    return xp.sum(X * X, axis=1)


@leaf_kernel("sampling.qr_scores")
def qr_scores(A: Any) -> tuple[Any, Any, Any]:
    """(τ, Q, R): the squared row norms τ of Q, and the thin QR A = Q R itself (Q for a rank cut-off).

    Reference: ``sampling.thin_qr`` and the row norms of its Q (so the NumPy backend runs SciPy's
    economic QR, as before). The dask twin reads A twice and computes τ chunk by chunk without
    materialising Q (the error bound of its A R⁻¹ branch: :func:`refimpl.backends.dask.sampling.thin_qr_dask`).
    """
    from array_api_compat import array_namespace

    Q, R = thin_qr(A)
    return _row_sq_norms(Q, array_namespace(Q)), Q, R


@leaf_kernel("sampling.rinv_row_sq_norms")
def rinv_row_sq_norms(A: Any, Rinv: Any) -> Any:
    """Squared row norms ‖(A R⁻¹)_i‖² given the upper-triangular inverse R⁻¹ (d x d).

    Reference: one GEMM A @ R⁻¹ and the row norms. The NumPy twin multiplies blocks of rows by the
    triangular R⁻¹ with BLAS ``trmm`` (half the GEMM flops) in a cache-sized buffer and takes the
    norms block by block (A R⁻¹ is never formed whole); same values up to round-off.
    """
    from array_api_compat import array_namespace

    xp = array_namespace(A, Rinv)
    return _row_sq_norms(A @ Rinv, xp)


def _distinct_rows(rng: np.random.Generator, n: int, m: int, zeta: int) -> np.ndarray:
    """(n, ζ) target rows in [0, m), distinct within each column of Φ (redraw the rare collisions)."""
    rows = rng.integers(0, m, size=(n, zeta))
    while True:
        dup = np.zeros(rows.shape[0], dtype=bool)
        for a in range(zeta):  # ζ(ζ-1)/2 column comparisons: 10x cheaper than sorting each row of ζ
            for b in range(a + 1, zeta):
                dup |= rows[:, a] == rows[:, b]
        bad = np.nonzero(dup)[0]
        if bad.size == 0:
            return rows
        rows[bad] = rng.integers(0, m, size=(bad.size, zeta))


@leaf_kernel("sampling.sparse_sign_apply")
def sparse_sign_apply(A: Any, rows: Any, signs: Any, m: int) -> Any:
    """ΦA for the sparse sign embedding Φ (m, n): column j of Φ has entries signs[j, :] at rows[j, :].

    Duplicate target rows in one column add up (as in a CountSketch with ζ > 1 hashes).
    Reference (array API, no scatter-add in the standard): blocks of columns of Φ are formed as
    dense one-hot matrices and multiplied, O(m·n·d) work; the NumPy twin uses a SciPy CSR matrix,
    O(ζ·n·d).

    Parameters
    ----------
    A : array, shape (n, d)
    rows : integer array, shape (n, ζ)
        Target rows in [0, m).
    signs : array, shape (n, ζ)
        ±1/√ζ.
    m : int
        Number of rows of Φ.
    """
    from array_api_compat import array_namespace

    xp = array_namespace(A)
    n, d = A.shape
    zeta = rows.shape[1]
    out = xp.zeros((m, d), dtype=A.dtype, device=device(A))
    block = max(1, (1 << 22) // max(m, 1))
    target = xp.arange(m, device=device(A))
    for start in range(0, n, block):
        stop = min(n, start + block)
        Ab = A[start:stop, :]
        for j in range(zeta):
            onehot = xp.astype(target[:, None] == rows[None, start:stop, j], A.dtype)
            out = out + (onehot * signs[None, start:stop, j]) @ Ab
    return out


def _fwht(X: Any, xp: Any) -> Any:
    """Orthonormal Walsh-Hadamard transform along axis 0 (length a power of 2), O(N c log N)."""
    N, c = X.shape
    h = 1
    while h < N:
        Y = xp.reshape(X, (N // (2 * h), 2, h, c))
        a, b = Y[:, 0, :, :], Y[:, 1, :, :]
        X = xp.reshape(xp.stack([a + b, a - b], axis=1), (N, c))
        h *= 2
    return X / math.sqrt(N)


def _srht(M: Any, m: int, gen: np.random.Generator, bd: Boundary) -> Any:
    """√(N/m)·P H D M: random signs D, zero padding to N = 2^⌈log₂ n⌉, orthonormal Hadamard H, m rows P
    sampled uniformly without replacement (host draws)."""
    xp = bd.xp
    n, c = M.shape
    N = 1 << max(0, math.ceil(math.log2(n)))
    signs = bd.asarray(2.0 * gen.integers(0, 2, n) - 1.0, dtype=M.dtype, name="D")
    X = M * signs[:, None]
    if N > n:
        X = xp.concat([X, xp.zeros((N - n, c), dtype=M.dtype, device=device(M))], axis=0)
    rows = bd.asarray(np.sort(gen.choice(N, size=m, replace=False)), dtype=xp.int64, name="P")
    return xp.take(_fwht(X, xp), rows, axis=0) * math.sqrt(N / m)


def _excess_rows(d: int, log_n: float, eps: float) -> int:
    """Smallest x = m₁ - d with d/x + 2·sqrt(ln(n)/x) <= eps, times a safety factor 1.2."""
    eps = eps / (1.0 + eps)  # the ratio is skewed upwards (inverse Wishart): aim lower for large eps
    # positive root of d·y² + 2·sqrt(ln n)·y = eps, in the cancellation-free form
    # eps / (sqrt(ln n + d·eps) + sqrt(ln n)) (the difference of square roots lost every digit for tiny eps)
    y = eps / (math.sqrt(log_n + d * eps) + math.sqrt(log_n))
    x = 1.2 / y / y if y > 0 else math.inf
    if not x < _MAX_SKETCH_ROWS:
        raise ValueError(
            f"eps is too small: the sketch for it needs about {x:.3g} rows (more than "
            f"{_MAX_SKETCH_ROWS:.3g}); use an exact method (method='qr' or 'svd') or a larger eps"
        )
    return math.ceil(x)


@capabilities(dask="native: integer arithmetic on the host")
def sketch_sizes(n: int, d: int, eps: float, *, jl: bool = False) -> tuple[int, int]:
    """Sketch sizes (m₁, m₂) used by ``leverage_scores(method="sketch", eps=eps, jl=jl)``.

    For the sketch R of ΦA, τ̃_i/τ_i = uᵀ(UᵀΦᵀΦU)⁻¹u with the unit vector u = U_i/‖U_i‖. For a
    Gaussian Φ this is an inverse-Wishart quadratic form with mean m₁/(m₁ - d - 1) (bias ≈ d/x with
    x = m₁ - d) and standard deviation ≈ sqrt(2/x); the maximum over n rows adds a factor
    ≈ sqrt(2 ln n). So m₁ = d + x with x the smallest value with d/x + 2·sqrt(ln(n)/x) <= ε, times
    a safety factor 1.2 [R: our sizing, not from Drineas et al.; the sparse sign embedding
    behaves the same in our measurements, claim S-2]. With ``jl`` the embedding is sized for ε/2
    and the JL matrix gets m₂ = ⌈16 ln(n)/ε²⌉ columns (max-over-rows chi-square deviation <= ε/2);
    without it m₂ = 0. If m₁ >= n the sketch cannot pay and the exact scores are returned. An
    ``eps`` so small that m₁ or m₂ would exceed 2^53 is a ValueError (use the exact scores).

    Examples
    --------
    >>> sketch_sizes(50_000, 300, 0.2)
    (5612, 0)
    """
    n = v.check_int(n, "n", 1)
    d = v.check_int(d, "d", 1)
    eps = v.check_in_range(eps, "eps", 0.0, 1.0)
    jl = check_flag(jl, "jl")
    log_n = math.log(max(n, 2))
    if jl:
        m2 = 16 * log_n / eps / eps
        if not m2 < _MAX_SKETCH_ROWS:
            raise ValueError(f"eps is too small: eps = {eps:.3g} needs a JL matrix with about {m2:.3g} columns; "
                             "use an exact method (method='qr' or 'svd') or a larger eps")
        return d + _excess_rows(d, log_n, eps / 2), math.ceil(m2)
    return d + _excess_rows(d, log_n, eps), 0


def _rank_from_R(R: Any, n: int, xp: Any, rank_tol: float | None) -> tuple[int, Any]:
    """Numerical rank of A = QR from the singular values of R (d x d, O(d³))."""
    s = xp.linalg.svdvals(R)
    smax = float(xp.max(s))
    tol = (rank_tol if rank_tol is not None else max(n, R.shape[0]) * float(xp.finfo(R.dtype).eps)) * smax
    rank = int(xp.sum(xp.astype(s > tol, xp.int64))) if smax > 0 else 0
    return rank, s


def _raise_rank(rank: int, d: int, s: Any, name: str = "A") -> None:
    raise RankDeficientError(
        f"{name} is rank-deficient: numerical rank {rank} < {d} columns (smallest/largest singular value "
        f"{float(s[-1]) / float(s[0]) if float(s[0]) > 0 else 0.0:.3g}); leverage scores of a rank-deficient "
        "matrix depend on the rank cut-off. Remove dependent columns, or pass rank_tol=... (relative to the "
        "largest singular value) to get the scores of the column space, which sum to the rank"
    )


def _finite_check_deferred(A: Any, method: str) -> bool:
    """Whether the exact QR path checks A's finiteness itself, so the validation skips its scan.

    True for a dask A on the dask backend with ``method="qr"``: the first TSQR pass of the dask twin
    of ``sampling.thin_qr`` counts the non-finite entries in the tasks that factorise the chunks
    (one read of A instead of two) and raises the validation's ``ValueError``.
    """
    from refimpl.backends import array_library, get_backend

    return method == "qr" and array_library(A) == "dask" and get_backend().name == "dask"


def _exact_scores(A: Any, xp: Any, method: str, rank_tol: float | None, n: int, d: int) -> Any:
    """Exact scores: squared row norms of an orthonormal basis of range(A) (thin QR or SVD).

    The QR path is the ``sampling.qr_scores`` kernel: SciPy's economic QR on NumPy; on dask two
    reads of A (R and the finiteness check by TSQR, then τ_i = ‖(A R⁻¹)_i‖² with one triangular solve
    per chunk when 2·d·ε·κ(R) <= 1e-10, else the implicit-Q TSQR basis; the error bound and the
    switch are in :func:`refimpl.backends.dask.sampling.thin_qr_dask`). Rank from the singular values
    of R; below full rank (``rank_tol``) the scores of the kept left singular vectors of R within Q.
    """
    if method == "svd":
        U, s, _ = xp.linalg.svd(A, full_matrices=False)
        smax = float(s[0])
        tol = (rank_tol if rank_tol is not None else max(n, d) * float(xp.finfo(A.dtype).eps)) * smax
        rank = int(xp.sum(xp.astype(s > tol, xp.int64))) if smax > 0 else 0
        if rank < d and rank_tol is None:
            _raise_rank(rank, d, s)
        U = U[:, :rank]
        return _row_sq_norms(U, xp)
    tau, Q, R = qr_scores(A)
    rank, s = _rank_from_R(R, n, xp, rank_tol)
    if rank == d:
        return tau
    if rank_tol is None:
        _raise_rank(rank, d, s)
    # column space of A = Q · (left singular vectors of R for the kept singular values)
    Ur, _, _ = xp.linalg.svd(R)
    B = Q @ Ur[:, :rank]
    return _row_sq_norms(B, xp)


def _sketched_scores(A: Any, xp: Any, bd: Boundary, eps: float, rng: np.random.Generator, embedding: str,
                     jl: bool, n: int, d: int) -> Any:
    m1, m2 = sketch_sizes(n, d, eps, jl=jl)
    if m1 >= n:  # the sketch would be as tall as A: sketching cannot pay, return the exact scores
        return _exact_scores(A, xp, "qr", None, n, d)
    if embedding == "sparse_sign":
        zeta = min(SPARSE_SIGN_NNZ, m1)
        rows = _distinct_rows(rng, n, m1, zeta)  # ζ distinct rows per column: ‖Φ e_i‖ = 1 exactly
        signs = (2.0 * rng.integers(0, 2, size=(n, zeta)) - 1.0) / math.sqrt(zeta)
        PA = sparse_sign_apply(A, bd.asarray(rows, dtype=xp.int64, name="rows"),
                               bd.asarray(signs, name="signs"), m1)
    elif embedding == "srht":
        if m1 > 1 << max(0, math.ceil(math.log2(n))):  # more rows than the padded length: exact instead
            return _exact_scores(A, xp, "qr", None, n, d)
        PA = _srht(A, m1, rng, bd)
    else:  # Gaussian Φ with N(0, 1/m₁) entries, drawn on the host block by block
        PA = xp.zeros((m1, d), dtype=A.dtype, device=device(A))
        block = max(1, (1 << 22) // m1)
        for start in range(0, n, block):
            stop = min(n, start + block)
            G = bd.asarray(rng.standard_normal((m1, stop - start)) / math.sqrt(m1), name="Phi")
            PA = PA + G @ A[start:stop, :]
    # Drineas et al. Alg. 1, step 2: R from the QR of ΦA (ΦA = Q_Φ R); A R⁻¹ has orthonormal-ish columns
    R = qr_r(PA)
    Rinv = solve_triangular(R, xp.eye(d, dtype=R.dtype, device=device(R)), lower=False)
    if not _surely_full_rank(R, Rinv, n, xp):  # the bound is inconclusive: decide from the singular values
        rank, s = _rank_from_R(R, n, xp, None)
        if rank < d:
            _raise_rank(rank, d, s)
    if jl and m2 < d:  # step 3: Π (d, m₂) Gaussian with N(0, 1/m₂) entries (only pays when m₂ < d)
        Pi = bd.asarray(rng.standard_normal((d, m2)) / math.sqrt(m2), name="Pi")
        X = A @ (Rinv @ Pi)  # step 4: τ̃_i = ‖(A R⁻¹ Π)_i‖²
        return _row_sq_norms(X, xp)
    # step 4 without Π: τ̃_i = ‖(A R⁻¹)_i‖² (kernel sampling.rinv_row_sq_norms: GEMM, or blocked TRMM)
    return rinv_row_sq_norms(A, Rinv)


def _surely_full_rank(R: Any, Rinv: Any, n: int, xp: Any) -> bool:
    """True when σ_min(R)/σ_max(R) > max(n, d)·eps for sure, from ‖R‖_F‖R⁻¹‖_F >= κ₂(R) (O(d²)).

    The same rank test as :func:`_rank_from_R` (no singular values needed when the bound decides it);
    False (inconclusive: compute the singular values) for an ill-conditioned or non-finite R⁻¹.
    """
    tol = max(n, R.shape[0]) * float(xp.finfo(R.dtype).eps)
    kappa_f = math.sqrt(float(xp.sum(R * R))) * math.sqrt(float(xp.sum(Rinv * Rinv)))
    return math.isfinite(kappa_f) and kappa_f * tol < 1.0


@capabilities(dask="native: exact scores by TSQR, sketched ones with the sketch applied blockwise; the scores "
                   "stay a lazy n-vector (the sparse-sign hash, n x 8 integers, is drawn on the host)")
def leverage_scores(
    A: Any,
    *,
    method: str = "qr",
    eps: float | None = None,
    rng: Any = None,
    rank_tol: float | None = None,
    embedding: str = "sparse_sign",
    jl: bool = False,
) -> Any:
    """Leverage scores τ_i = ‖U[i, :]‖² of the rows of a tall matrix A.

    .. math::

        \\tau_i = a_i^\\top (A^\\top A)^{+} a_i = \\|U_{i,:}\\|_2^2, \\qquad A = U R \\ (\\text{thin QR})
        \\ \\text{or}\\ A = U \\Sigma V^\\top,

    so Σ_i τ_i = rank(A) and 0 <= τ_i <= 1. The exact methods never form AᵀA.

    ``method="sketch"`` is Algorithm 1 of Drineas et al. (2012): ΦA with an oblivious subspace
    embedding Φ (m₁ rows; the sparse sign embedding has ζ = 8 entries ±1/√ζ in distinct rows of
    each column), R from the QR of ΦA, optionally a Gaussian JL matrix Π (m₂ columns),
    and τ̃_i = ‖(A R⁻¹ Π)_i‖². Then τ̃_i ∈ [(1 - ε) τ_i, (1 + ε) τ_i] for all i with high
    probability; the sizes m₁, m₂ follow from ε (:func:`sketch_sizes`). Cost O(nnz(A)·ζ + m₁d² +
    nd²) with the sparse sign embedding (ζ = 8 nonzeros per column), against O(nd²) with a larger
    constant for the thin QR; the JL step replaces the nd² term by n·d·m₂ and only pays when
    m₂ < d.

    Parameters
    ----------
    A : array-like, shape (n, d)
        Real, finite, n >= 1, d >= 1.
    method : {"qr", "svd", "sketch"}, default "qr"
        Thin QR (``sampling.thin_qr`` kernel: SciPy's economic QR on NumPy), thin SVD, or the
        sketched approximation.
    eps : float in (0, 1), optional
        Target relative accuracy of ``method="sketch"`` (default 0.1); an error with the exact
        methods.
    rng : None, int or numpy.random.Generator
        Randomness of the sketch (SPEC 7; drawn on the host, so every backend sees the same Φ).
        Unused by the exact methods.
    rank_tol : float, optional
        ``None`` (default): a rank-deficient A (singular values of R below max(n, d)·eps·σ_max) is
        an error. A number: singular values below ``rank_tol·σ_max`` are dropped and the scores of
        the column space are returned (they sum to that numerical rank). Exact methods only.
    embedding : {"sparse_sign", "gaussian", "srht"}, default "sparse_sign"
        The subspace embedding Φ of ``method="sketch"``: sparse sign (ζ = 8 nonzeros per column,
        O(ζnd) to apply), dense Gaussian (O(m₁nd)), or the subsampled randomised Hadamard
        transform √(N/m₁)·P H D (zero padding to N = 2^⌈log₂ n⌉, O(Nd log N) with a radix-2
        transform in array-API code; same sizes m₁ as the others, [R]).
    jl : bool, default False
        Apply the JL projection Π (Drineas et al., step 3) when it reduces the work, i.e. when
        m₂ < d; otherwise it is skipped (it would cost more than A R⁻¹ and add error) but the
        embedding is still sized for ε/2.

    Returns
    -------
    array, shape (n,)
        The scores, in the caller's array library and A's floating dtype.

    Raises
    ------
    ValueError
        NaN/inf entries, a non-2-D or empty A, an unknown method or embedding, ``eps`` outside
        (0, 1) or given with an exact method, ``rank_tol`` outside (0, 1) or given with "sketch",
        ``eps`` so small that the sketch would exceed 2^53 rows, a negative ``rng`` seed.
    TypeError
        ``rng`` not a seed, Generator, SeedSequence or None, ``jl`` not a bool (both are checked
        whatever the method).
    RankDeficientError (a ValueError)
        A has numerical rank < d and ``rank_tol`` is None (or the sketch ΦA is rank-deficient).

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> np.round(leverage_scores(A), 12).tolist()
    [1.0, 0.5, 0.5]
    """
    method = v.check_choice(method, "method", _METHODS)
    embedding = v.check_choice(embedding, "embedding", _EMBEDDINGS)
    jl = check_flag(jl, "jl")
    gen = check_rng(rng)  # checked whatever the method (the exact methods ignore it)
    if method == "sketch":
        eps = 0.1 if eps is None else v.check_in_range(eps, "eps", 0.0, 1.0)
        if rank_tol is not None:
            raise ValueError("rank_tol applies to the exact methods ('qr', 'svd'); the sketch needs full rank")
    elif eps is not None:
        raise ValueError(f"eps applies only to method='sketch' (the {method!r} scores are exact); got eps={eps!r}")
    if rank_tol is not None:
        rank_tol = v.check_in_range(rank_tol, "rank_tol", 0.0, 1.0)
    A = check_tall(A, finite=not _finite_check_deferred(A, method))
    n, d = int(A.shape[0]), int(A.shape[1])
    if n < d and rank_tol is None:
        raise RankDeficientError(
            f"A must have at least as many rows as columns for full column rank; got shape {(n, d)}. "
            "Pass rank_tol=... to get the scores of the column space"
        )
    bd = Boundary(A)
    xp = bd.xp
    Ab = bd.asarray(A, name="A")
    if method == "sketch":
        tau = _sketched_scores(Ab, xp, bd, eps, gen, embedding, jl, n, d)
    else:
        tau = _exact_scores(Ab, xp, method, rank_tol, n, d)
    return bd.out(tau)


@capabilities(dask="native: TSQR of [A; sqrt(lam) I]; the scores stay a lazy n-vector")
def ridge_leverage_scores(A: Any, lam: float) -> Any:
    """Ridge leverage scores τ_i(λ) = a_iᵀ (AᵀA + λI)⁻¹ a_i, λ > 0.

    Computed from the thin QR of the augmented matrix [A; √λ I] = Q R: then AᵀA + λI = RᵀR and
    τ_i(λ) = ‖(A R⁻¹)_i‖² = ‖Q[i, :]‖² for the first n rows of Q (no normal equations). Any rank of
    A is allowed; Σ_i τ_i(λ) = Σ_j σ_j²/(σ_j² + λ) (the effective dimension) < d.

    Parameters
    ----------
    A : array-like, shape (n, d)
    lam : float
        Ridge parameter λ > 0.

    Returns
    -------
    array, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> round(float(ridge_leverage_scores(np.eye(3), 1.0).sum()), 12)
    1.5
    """
    lam = v.check_positive(lam, "lam")
    A = check_tall(A)
    n, d = int(A.shape[0]), int(A.shape[1])
    bd = Boundary(A)
    xp = bd.xp
    Ab = bd.asarray(A, name="A")
    aug = xp.concat([Ab, math.sqrt(lam) * xp.eye(d, dtype=Ab.dtype, device=device(Ab))], axis=0)
    Q, _ = thin_qr(aug)
    Qn = Q[:n, :]
    return bd.out(_row_sq_norms(Qn, xp))
