"""dask twins of the sampling leaf kernels (references in refimpl/sampling/leverage.py).

* ``sampling.thin_qr``: the basis of the exact leverage scores, in two reads of A
  (:func:`thin_qr_dask`): pass 1 computes R by TSQR and the finiteness check in the same tasks;
  pass 2 (lazy) forms the basis A R⁻¹ block by block with one triangular solve, or, for an
  ill-conditioned A, the implicit-Q TSQR basis. The exact leverage scores ``sum(Q * Q, axis=1)`` are
  then a lazy n-vector, computed chunk by chunk.
* ``sampling.qr_r``: the R of a small sketch ΦA (m₁ x d): TSQR as well (one or a few chunks).
* ``sampling.sparse_sign_apply``: ΦA applied blockwise. Row chunk b of A and the matching rows of
  the hash (``rows``, ``signs``: the host draws every backend sees) give the partial sketch
  Φ_b A_b (m x d) with a SciPy sparse matrix; the partial sketches are summed by a tree
  reduction, so no task holds more than one chunk of A plus one m x d block. Same Φ as the NumPy
  twin; the sums are added in another order (agreement to round-off).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse
from scipy.linalg import blas, lapack

from refimpl.backends import register_twin
from refimpl.backends.linalg import _block_q, _block_r, _thin_qr

#: Largest modelled error of a score computed as ‖(A R⁻¹)_i‖² instead of from an orthonormal Q, by
#: dtype: the one-TRSM basis is used when 2·d·ε·κ(R) stays below it (see :func:`thin_qr_dask`).
#: 1e-10 is the tolerance of the exact-score identities in the tests (Σ τ = d, QR = SVD).
RINV_MAX_ERROR = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-4}
#: Rows of A that pass 1 factorises at a time inside a chunk (about 512 KiB: a sub-block stays in
#: cache while LAPACK's unblocked Householder sweep reads it d times; see :func:`_chunk_r`).
SUB_BLOCK_BYTES = 2**19
#: How many R factors one combine task of the TSQR tree stacks and re-factorises.
TREE_ARITY = 16


def _geqrf_r(a: np.ndarray) -> np.ndarray:
    """The R factor (min(m, d) x d) of a (m, d) with LAPACK geqrf; ``a`` is overwritten (an F-ordered copy)."""
    geqrf = lapack.get_lapack_funcs("geqrf", (a,))
    qr = geqrf(a, overwrite_a=1)[0]
    return np.triu(qr[: min(a.shape), :])


def _stack_r(Rs: list[np.ndarray]) -> np.ndarray:
    """One R from several: the R of the stacked factors (a node of the TSQR tree)."""
    if len(Rs) == 1:
        return Rs[0]
    return _geqrf_r(np.asfortranarray(np.concatenate(Rs, axis=0)))


def _chunk_r(a: np.ndarray) -> tuple[np.ndarray, int]:
    """Pass 1 on one row chunk: (its R factor, its number of non-finite entries), one read of the chunk.

    A local TSQR: the chunk is factorised in sub-blocks of about :data:`SUB_BLOCK_BYTES` (copied to
    Fortran order, checked for finiteness and factorised while in cache), and the stacked sub-block
    R factors once more. LAPACK's geqrf on a whole 64 MiB chunk with d = 20 columns is unblocked
    (its panel width exceeds d) and streams the chunk from memory d times: 3.5x slower here.
    """
    n, d = (int(s) for s in a.shape)
    rows = max(2 * d, SUB_BLOCK_BYTES // max(1, d * a.itemsize))
    Rs, bad = [], 0
    for start in range(0, n, rows):
        sub = np.array(a[start:start + rows], order="F")
        if not np.isfinite(sub).all():
            bad += int(sub.size - np.count_nonzero(np.isfinite(sub)))
            continue
        if not bad:
            Rs.append(_geqrf_r(sub))
    if bad or not Rs:
        return np.zeros((0, d), dtype=a.dtype), bad
    return _stack_r(Rs), 0


def _combine_r(*parts: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
    bad = sum(p[1] for p in parts)
    Rs = [p[0] for p in parts if p[0].shape[0]]
    if bad or not Rs:
        return np.zeros((0, parts[0][0].shape[1]), dtype=parts[0][0].dtype), bad
    return _stack_r(Rs), 0


def tsqr_r(A):
    """Pass 1: (R, number of non-finite entries) of a row-chunked dask array with one column chunk.

    One task per row chunk (:func:`_chunk_r`), then a tree of combine tasks stacking
    :data:`TREE_ARITY` factors each (Demmel, Grigori, Hoemmen, Langou, SISC 2012, the reduction tree
    of TSQR); only the d x d root comes back. No Q is formed, and no task holds more than a chunk of A
    (plus :data:`TREE_ARITY` R factors). R is the R of a Householder QR of A, up to the signs of its
    rows.
    """
    import dask
    from dask import delayed

    level = [delayed(_chunk_r, pure=True)(b) for b in A.to_delayed().ravel()]
    while len(level) > 1:
        level = [delayed(_combine_r, pure=True)(*level[i:i + TREE_ARITY]) for i in range(0, len(level), TREE_ARITY)]
    R, bad = dask.compute(level[0])[0]
    return R, bad


def _block_rinv(a: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Pass 2 on one row chunk: a R⁻¹ with one BLAS triangular solve (TRSM), (R⁻ᵀ aᵀ)ᵀ on aᵀ's Fortran view."""
    if a.dtype != R.dtype or a.dtype not in (np.float32, np.float64):
        return scipy.linalg.solve_triangular(R, a.T.astype(R.dtype), trans="T", lower=False, check_finite=False).T
    trsm = blas.get_blas_funcs("trsm", (R, a))
    return trsm(1.0, R, a.T, side=0, lower=0, trans_a=1).T


def _tsqr_implicit_q(A):
    """The fallback: TSQR with the implicit Q, Q_b = Q(A_b) Q2_b (the factorisation of
    :func:`refimpl.backends.linalg.thin_qr`), with the R stage computed first so that the Q stage
    reads every chunk once and releases it (a single graph would hold every chunk of A in memory
    until the stacked R is factorised)."""
    import dask
    import dask.array as da

    n = int(A.shape[1])
    r_rows = tuple(min(int(c), n) for c in A.chunks[0])
    Rs = A.map_blocks(_block_r, chunks=(r_rows, (n,)), dtype=A.dtype)
    stacked = dask.compute(Rs)[0]
    Q2, R = scipy.linalg.qr(stacked, mode="economic", check_finite=False)
    k = R.shape[0]
    Q = da.map_blocks(_block_q, A, da.from_array(Q2, chunks=(r_rows, (k,))), chunks=(A.chunks[0], (k,)),
                      dtype=A.dtype)
    return Q, R


@register_twin("sampling.thin_qr", "dask")
def thin_qr_dask(A):
    r"""A basis of range(A) and its R (A = Q R), for the exact leverage scores, in two reads of A.

    *Pass 1* (computed): R by TSQR (:func:`tsqr_r`: per row chunk a local QR without Q, then a
    reduction tree; Demmel, Grigori, Hoemmen, Langou, SISC 2012) and, in the same tasks, the count
    of non-finite entries of A (a ``ValueError`` if there are any, with the message of the
    validation it replaces: :func:`refimpl.sampling.leverage_scores` defers its finiteness scan of a
    dask A to this pass).

    *Pass 2* (lazy, one task per chunk): if :math:`2 d\, \varepsilon\, \kappa_2(R) \le`
    :data:`RINV_MAX_ERROR` (1e-10 in float64), Q = A R⁻¹ by one triangular solve per chunk, no
    second factorisation. Error: the computed R is the exact R of A + ΔA = Q̄ R with Q̄ orthonormal
    and ‖ΔA‖ ≤ γ‖A‖, γ = O(d ε) in practice (backward stability of Householder QR, Higham,
    *Accuracy and Stability of Numerical Algorithms*, 2nd ed. 2002, Thm 19.4, and of TSQR, Demmel
    et al. 2012), so A R⁻¹ = Q̄ − ΔA R⁻¹ with η = ‖ΔA R⁻¹‖₂ ≤ γ κ₂(R), and each score
    ‖(A R⁻¹)_i‖² differs from the score ‖Q̄_i‖² of the QR path by at most 2η + η² (the triangular
    solve adds an error of the same order, Higham Thm 8.5). This is the loss of orthogonality of
    "Q = A R⁻¹" (the indirect TSQR of Benson, Gleich, Demmel, IEEE BigData 2013, [R]; the R-inverse
    step of CholeskyQR). Measured here: max |Δτ_i| ≤ 0.25 ε κ for d ≤ 50 and κ ≤ 1e10, so the model
    2dεκ overstates it at least 20-fold. Otherwise (κ above the threshold, or R singular:
    rank-deficient A), the implicit-Q TSQR basis (:func:`_tsqr_implicit_q`, which re-factorises
    every chunk: three reads in all), orthonormal to round-off.

    Either way the scores agree with the NumPy backend's to the conditioning of the scores
    themselves, O(ε κ) (two backward-stable QR factorisations of A give different bases of nearby
    subspaces; Ipsen and Wentworth 2014 [R]).
    """
    import dask.array as da

    A = A.rechunk({1: -1})
    m, d = (int(s) for s in A.shape)
    if m < d:  # not tall: the generic path explains the error
        from refimpl.backends.linalg import _check_finite

        _check_finite(A, "A")
        return _thin_qr(A)
    R, bad = tsqr_r(A)
    if bad:
        raise ValueError(f"A must contain only finite values; got {bad} NaN or infinite entries")
    s = scipy.linalg.svdvals(R)
    kappa = float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
    tol = RINV_MAX_ERROR.get(np.dtype(A.dtype), RINV_MAX_ERROR[np.dtype(np.float64)])
    if 2 * d * float(np.finfo(A.dtype).eps) * kappa <= tol:
        Q = A.map_blocks(_block_rinv, R, dtype=A.dtype)
    else:
        Q, R = _tsqr_implicit_q(A)
    return Q, da.from_array(R, chunks=R.shape)


@register_twin("sampling.qr_r", "dask")
def qr_r_dask(A):
    return _thin_qr(A)[1]


def _partial_sketch(A_b: np.ndarray, rows_b: np.ndarray, signs_b: np.ndarray, m: int) -> np.ndarray:
    nb, zeta = rows_b.shape
    Phi = scipy.sparse.csc_matrix((np.asarray(signs_b, dtype=A_b.dtype).ravel(), np.asarray(rows_b).ravel(),
                                   np.arange(0, nb * zeta + 1, zeta)), shape=(m, nb))
    return np.asarray(Phi @ A_b)


@register_twin("sampling.sparse_sign_apply", "dask")
def sparse_sign_apply_dask(A, rows, signs, m):
    import dask.array as da

    A = A.rechunk({1: -1})
    rows = rows.rechunk((A.chunks[0], -1))
    signs = signs.rechunk((A.chunks[0], -1))
    nblocks = len(A.chunks[0])
    d = int(A.shape[1])
    # one (m, d) partial sketch per row chunk (block b of the output is Φ_b A_b), then a tree sum
    parts = da.map_blocks(_partial_sketch, A, rows, signs, m, dtype=A.dtype, chunks=((m,) * nblocks, (d,)))
    return parts.reshape(nblocks, m, d).sum(axis=0)
