"""NumPy/SciPy twins of the sampling leaf kernels (references in refimpl/sampling/*.py).

* ``sampling.thin_qr``: :func:`scipy.linalg.qr` in economic mode (LAPACK geqrf + orgqr), faster
  than ``numpy.linalg.qr`` on tall matrices. Same factorisation up to round-off (both are
  Householder QR; the signs of R's diagonal follow LAPACK in both).
* ``sampling.qr_r``: :func:`scipy.linalg.qr` with ``mode="r"`` (no Q is formed), for the R of
  the sketch ΦA.
* ``sampling.times_rinv``: A R⁻¹ with BLAS ``trmm`` on the triangular inverse (half the GEMM flops;
  round-off level agreement with the reference).
* ``sampling.sparse_sign_apply``: ΦA as a SciPy CSC matrix times A, O(ζ·n·d) instead of the
  reference's dense one-hot blocks; duplicate entries are summed, as in the reference. Sums are
  formed in a different order, so the result agrees with the reference to round-off, not bitwise.
* ``sampling.pivotal_sweep``: the level-vectorised tournament
  (:func:`refimpl.sampling.samplers.pivotal_sweep_levels`, array-API code: one vectorised step per
  tree level instead of the reference's scalar loop over the nodes); bit-for-bit the reference's
  output (same float64 values and comparisons).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse

from refimpl.backends import register_twin
from refimpl.sampling.samplers import pivotal_sweep_levels


register_twin("sampling.pivotal_sweep", "numpy")(pivotal_sweep_levels)


@register_twin("sampling.thin_qr", "numpy")
def thin_qr_numpy(A):
    Q, R = scipy.linalg.qr(A, mode="economic", check_finite=False)
    return Q, R


@register_twin("sampling.qr_r", "numpy")
def qr_r_numpy(A):
    return scipy.linalg.qr(A, mode="r", check_finite=False)[0][: A.shape[1], :]


@register_twin("sampling.sparse_sign_apply", "numpy")
def sparse_sign_apply_numpy(A, rows, signs, m):
    n, zeta = rows.shape
    # CSC with ζ entries per column, built directly (no COO sort); duplicates add up in the product
    Phi = scipy.sparse.csc_matrix((np.asarray(signs, dtype=A.dtype).ravel(), np.asarray(rows).ravel(),
                                   np.arange(0, n * zeta + 1, zeta)), shape=(m, n))
    return np.asarray(Phi @ A)


@register_twin("sampling.times_rinv", "numpy")
def times_rinv_numpy(A, R):
    """A R⁻¹ as (R⁻ᵀ Aᵀ)ᵀ with BLAS trmm on the transposed (Fortran-ordered) view of A: half the flops."""
    from scipy.linalg.blas import get_blas_funcs

    Rinv = scipy.linalg.solve_triangular(R, np.eye(R.shape[0], dtype=R.dtype), lower=False, check_finite=False)
    A = np.asarray(A)
    if A.dtype not in (np.float32, np.float64) or Rinv.dtype != A.dtype:
        return A @ Rinv
    trmm = get_blas_funcs("trmm", (Rinv, A))
    return trmm(1.0, Rinv, A.T, side=0, lower=0, trans_a=1).T
