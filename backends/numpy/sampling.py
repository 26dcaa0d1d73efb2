"""NumPy/SciPy twins of the sampling leaf kernels (references in refimpl/sampling/*.py).

* ``sampling.thin_qr``: :func:`scipy.linalg.qr` in economic mode (LAPACK geqrf + orgqr), faster
  than ``numpy.linalg.qr`` on tall matrices. Same factorisation up to round-off (both are
  Householder QR; the signs of R's diagonal follow LAPACK in both).
* ``sampling.qr_r``: :func:`scipy.linalg.qr` with ``mode="raw"`` (LAPACK geqrf only, no Q is
  formed; R is the triangle of the top d rows), for the R of the sketch ΦA.
* ``sampling.rinv_row_sq_norms``: ‖(A R⁻¹)_i‖² with BLAS ``trmm`` on the triangular inverse (half the
  GEMM flops), block by block in a reused buffer (round-off level agreement with the reference).
* ``sampling.sparse_sign_apply``: ΦA as a SciPy CSC matrix times A, O(ζ·n·d) instead of the
  reference's dense one-hot blocks; duplicate entries are summed, as in the reference. For wide A
  the product is taken on blocks of columns whose output fits in cache (a Fortran-ordered result,
  ready for LAPACK). Sums are formed in a different order, so the result agrees with the reference
  to round-off, not bitwise.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse

from refimpl.backends import register_twin


@register_twin("sampling.thin_qr", "numpy")
def thin_qr_numpy(A):
    Q, R = scipy.linalg.qr(A, mode="economic", check_finite=False)
    return Q, R


@register_twin("sampling.qr_r", "numpy")
def qr_r_numpy(A):
    # raw mode: LAPACK geqrf only and the triangle of the top d rows (mode="r" forms triu of all n rows)
    return scipy.linalg.qr(A, mode="raw", check_finite=False)[1]


#: Output bytes per column block of the sparse-sign product: blocks of columns of ΦA this size keep
#: the scatter target in cache (at m = 5612, d = 300: 64-column blocks, 1.25x faster than one product).
_SKETCH_BLOCK_BYTES = 3 << 20


@register_twin("sampling.sparse_sign_apply", "numpy")
def sparse_sign_apply_numpy(A, rows, signs, m):
    n, zeta = rows.shape
    A = np.asarray(A)
    # CSC with ζ entries per column, built directly (no COO sort); duplicates add up in the product
    Phi = scipy.sparse.csc_matrix((np.asarray(signs, dtype=A.dtype).ravel(), np.asarray(rows).ravel(),
                                   np.arange(0, n * zeta + 1, zeta)), shape=(m, n))
    d = A.shape[1]
    width = _SKETCH_BLOCK_BYTES // max(1, m * A.itemsize)
    if width < 48 or d <= 1.5 * width:  # narrow blocks (a tall sketch) lose more in the copies than they gain
        return np.asarray(Phi @ A)
    # Fortran order: the QR of the sketch (LAPACK) then needs no transposing copy
    out = np.empty((m, d), dtype=np.result_type(A.dtype, Phi.dtype), order="F")
    for start in range(0, d, width):  # same sums in the same order per entry as the one product
        stop = min(d, start + width)
        out[:, start:stop] = Phi @ np.ascontiguousarray(A[:, start:stop])
    return out


#: Rows of A per block of the blocked A R⁻¹ (a 512 x d block of float64 stays in L2 for d <= 128,
#: in L3 beyond; measured flat from 256 to 4096 rows at d = 300).
_RINV_BLOCK = 512


@register_twin("sampling.rinv_row_sq_norms", "numpy")
def rinv_row_sq_norms_numpy(A, Rinv):
    """‖(A R⁻¹)_i‖² block by block: BLAS trmm in place on a copy of each row block of A.

    A C-ordered block of rows of A is a Fortran-ordered block of Aᵀ, so ``trmm(R⁻¹ᵀ, Bᵀ)`` works on
    it without a transpose copy; the buffer is reused (no n x d temporary).
    """
    from scipy.linalg.blas import get_blas_funcs

    A = np.asarray(A)
    Rinv = np.asarray(Rinv)
    if A.dtype not in (np.float32, np.float64) or Rinv.dtype != A.dtype or not A.flags.c_contiguous:
        X = A @ Rinv
        return np.einsum("ij,ij->i", X, X)
    n, d = A.shape
    trmm = get_blas_funcs("trmm", (Rinv, A))
    Rinv_f = np.asfortranarray(Rinv)
    out = np.empty(n, dtype=A.dtype)
    buf = np.empty((min(n, _RINV_BLOCK), d), dtype=A.dtype)
    for start in range(0, n, _RINV_BLOCK):
        stop = min(n, start + _RINV_BLOCK)
        B = buf[: stop - start]
        np.copyto(B, A[start:stop])
        # Bᵀ <- R⁻ᵀ Bᵀ in place (overwrite_b on the Fortran-ordered view: no copy), i.e. B <- B R⁻¹
        trmm(1.0, Rinv_f, B.T, side=0, lower=0, trans_a=1, overwrite_b=1)
        out[start:stop] = np.vecdot(B, B, axis=-1)
    return out
