"""dask twins of the sampling leaf kernels (references in refimpl/sampling/leverage.py).

* ``sampling.thin_qr``: a basis of range(A) in two reads of A (:func:`thin_qr_dask`): pass 1
  computes R by TSQR and the finiteness check in the same tasks; pass 2 (lazy) forms the basis
  A R⁻¹ block by block with one triangular solve, or, for an ill-conditioned A, the implicit-Q
  TSQR basis.
* ``sampling.qr_scores``: the exact leverage scores the same way (:func:`qr_scores_dask`), with
  τ_i = ‖(A R⁻¹)_i‖² computed chunk by chunk in cache-sized sub-blocks: a lazy n-vector.
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
from refimpl.backends.linalg import _thin_qr, _tsqr_implicit_q

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
    if n == 0:  # an empty chunk (dask allows them): no factor, nothing to count
        return np.zeros((0, d), dtype=a.dtype), 0
    rows = min(n, max(2 * d, SUB_BLOCK_BYTES // max(1, d * a.itemsize)))
    # one Fortran-ordered buffer per chunk, reused by every sub-block: dask's worker processes run with
    # MALLOC_TRIM_THRESHOLD_ set, so a fresh array per sub-block would be a fresh mmap (2x slower here)
    buf = np.empty((rows, d), dtype=a.dtype, order="F")
    flags = np.empty((rows, d), dtype=bool)
    Rs, bad = [], 0
    for start in range(0, n, rows):
        m = min(rows, n - start)
        sub = buf if m == rows else np.empty((m, d), dtype=a.dtype, order="F")
        sub[...] = a[start:start + m]
        finite = np.isfinite(sub, out=flags[:m])
        if not finite.all():
            bad += int(sub.size - np.count_nonzero(finite))
            continue
        if not bad:
            Rs.append(_geqrf_r(sub))
    if bad or not Rs:
        return np.zeros((0, d), dtype=a.dtype), bad
    return _stack_r(Rs), 0


def _chunk_r_packed(a: np.ndarray) -> np.ndarray:
    """:func:`_chunk_r` as one (d + 1, d) block: R padded with zero rows to d rows, then a row holding
    the non-finite count (a block of a dask array, so that dask fuses it with the read of the chunk)."""
    d = int(a.shape[1])
    R, bad = _chunk_r(a)
    out = np.zeros((d + 1, d), dtype=np.float64)  # float64 whatever A's dtype: the count stays exact
    out[: R.shape[0]] = R
    out[d, 0] = bad
    return out


def _combine_r(*parts: np.ndarray) -> np.ndarray:
    """A node of the TSQR tree: the stacked R factors of packed parts re-factorised, the counts added."""
    d = int(parts[0].shape[1])
    bad = sum(float(p[d, 0]) for p in parts)
    out = np.zeros_like(parts[0])
    out[d, 0] = bad
    if not bad:
        R = _stack_r([p[:d] for p in parts])
        out[: R.shape[0]] = R
    return out


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

    d = int(A.shape[1])
    # one task per chunk: the read of the chunk fused with its local QR (to_delayed optimises the graph)
    parts = A.map_blocks(_chunk_r_packed, chunks=((d + 1,) * len(A.chunks[0]), (d,)), dtype=np.float64)
    level = list(parts.to_delayed().ravel())
    while len(level) > 1:
        level = [delayed(_combine_r, pure=True)(*level[i:i + TREE_ARITY]) for i in range(0, len(level), TREE_ARITY)]
    root = dask.compute(level[0])[0]
    return np.triu(root[:d]).astype(A.dtype, copy=False), int(root[d, 0])


def _block_rinv(a: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Pass 2 on one row chunk: a R⁻¹ with one BLAS triangular solve (TRSM), (R⁻ᵀ aᵀ)ᵀ on aᵀ's Fortran view."""
    if a.dtype != R.dtype or a.dtype not in (np.float32, np.float64):
        return scipy.linalg.solve_triangular(R, a.T.astype(R.dtype), trans="T", lower=False, check_finite=False).T
    trsm = blas.get_blas_funcs("trsm", (R, a))
    return trsm(1.0, R, a.T, side=0, lower=0, trans_a=1).T


def _pass1(A):
    """Pass 1 and the switch: (A with one column chunk, R, whether the one-TRSM branch applies)."""
    A = A.rechunk({1: -1})
    d = int(A.shape[1])
    R, bad = tsqr_r(A)
    if bad:
        raise ValueError(f"A must contain only finite values; got {bad} NaN or infinite entries")
    s = scipy.linalg.svdvals(R)
    kappa = float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
    tol = RINV_MAX_ERROR.get(np.dtype(A.dtype), RINV_MAX_ERROR[np.dtype(np.float64)])
    return A, R, 2 * d * float(np.finfo(A.dtype).eps) * kappa <= tol


def _not_tall(A) -> bool:
    if int(A.shape[0]) < int(A.shape[1]):  # not tall: the generic path explains the error
        from refimpl.backends.linalg import _check_finite

        _check_finite(A, "A")
        return True
    return False


def _block_scores(a: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Pass 2 on one row chunk, one-TRSM branch: τ_i = ‖(a R⁻¹)_i‖², in cache-sized sub-blocks.

    Each sub-block is copied into one reused buffer (C order, so its transpose is the Fortran-ordered
    right-hand side of BLAS TRSM, solved in place), and its squared row norms are written into the
    output: no n x d array besides the chunk itself is allocated.
    """
    n, d = (int(s) for s in a.shape)
    out = np.empty(n, dtype=R.dtype)
    if n == 0:
        return out
    rows = min(n, max(2 * d, SUB_BLOCK_BYTES // max(1, d * R.itemsize)))
    trsm = blas.get_blas_funcs("trsm", (R,))
    buf = np.empty((rows, d), dtype=R.dtype)
    for start in range(0, n, rows):
        m = min(rows, n - start)
        sub = buf[:m]
        sub[...] = a[start:start + m]
        X = trsm(1.0, R, sub.T, side=0, lower=0, trans_a=1, overwrite_b=1)  # (R⁻ᵀ subᵀ) = (sub R⁻¹)ᵀ
        np.einsum("ij,ij->j", X, X, out=out[start:start + m])
    return out


@register_twin("sampling.thin_qr", "dask")
def thin_qr_dask(A):
    r"""A basis Q of range(A) and its R (A = Q R), in two reads of A.

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
    solve adds an error of the same order, Higham Thm 8.5); ‖QᵀQ − I‖ ≤ 2η + η² likewise. This is
    the loss of orthogonality of "Q = A R⁻¹" (the indirect TSQR of Benson, Gleich and Demmel, IEEE
    BigData 2013 [R: not re-read]; the R-inverse step of CholeskyQR). Measured here: max |Δτ_i| ≤
    0.25 ε κ for d ≤ 50 and κ ≤ 1e10, so the model 2dεκ overstates it at least 20-fold for d ≥ 5.
    Otherwise (κ above the threshold, or R singular: a rank-deficient A), the implicit-Q TSQR basis
    (:func:`refimpl.backends.linalg._tsqr_implicit_q`, which re-factorises every chunk: three reads
    in all), orthonormal to round-off.

    Either way the scores agree with the NumPy backend's to the conditioning of the scores
    themselves, O(ε κ): two backward-stable QR factorisations of A give bases of slightly different
    nearby subspaces (measured: the implicit-Q TSQR and SciPy's QR differ by 4e-10 at κ = 1e8; the
    sensitivity of leverage scores: Ipsen and Wentworth 2014 [R]).
    """
    import dask.array as da

    if _not_tall(A):
        return _thin_qr(A)
    A, R, rinv = _pass1(A)
    if rinv:
        Q = A.map_blocks(_block_rinv, R, dtype=A.dtype)
    else:
        Q, R = _tsqr_implicit_q(A)
    return Q, da.from_array(R, chunks=R.shape)


@register_twin("sampling.qr_scores", "dask")
def qr_scores_dask(A):
    """(τ, Q, R) in two reads of A: pass 1 and the switch of :func:`thin_qr_dask`; in the one-TRSM
    branch τ is computed chunk by chunk (:func:`_block_scores`) and Q = A R⁻¹ stays an unevaluated
    graph (used only below full rank, which takes the other branch anyway)."""
    import dask.array as da

    if _not_tall(A):
        Q, R = _thin_qr(A)
        return da.sum(Q * Q, axis=1), Q, R
    A, R, rinv = _pass1(A)
    if rinv:
        tau = A.map_blocks(_block_scores, R, drop_axis=1, dtype=A.dtype)
        Q = A.map_blocks(_block_rinv, R, dtype=A.dtype)
    else:
        Q, R = _tsqr_implicit_q(A)
        tau = da.sum(Q * Q, axis=1)
    return tau, Q, da.from_array(R, chunks=R.shape)


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
