"""
EIFMM: accuracy and far-field rank vs the requested tolerance
=============================================================

The empirical-interpolation fast multipole method (EIFMM; Casenave, *A Fast Summation Method
for translation invariant kernels*, arXiv:1408.0210) sums
:math:`f(x_i) = \\sum_j \\sigma_j k(x_i - y_j)` over an octree: near cells directly, far cells
through a low-rank interpolant of the kernel whose magic points the EIM greedy picks once on a
reference cell. :func:`refimpl.eim.eifmm` chooses each level's rank as the smallest whose greedy
error is below ``tol`` times the kernel at the closest far distance. Here we compare it with the
direct :math:`O(N^2)` sum :func:`refimpl.eim.direct_sum` for the Laplace kernel :math:`1/r` on
uniform points in the unit cube, for a few tolerances (small training grids keep it fast).
"""

import time

import matplotlib.pyplot as plt
import numpy as np

from refimpl.eim import direct_sum, eifmm

rng = np.random.default_rng(0)
N = 1500
points = rng.random((N, 3))
charges = rng.standard_normal(N)
exact = direct_sum(points, points, charges)

tols = [1e-1, 1e-2, 1e-3]
errors, ranks = [], []
for tol in tols:
    t0 = time.perf_counter()
    res = eifmm(points, points, charges, tol=tol, n_cell=5, n_far=3)
    seconds = time.perf_counter() - t0
    err = np.abs(res.potential - exact).max() / np.abs(exact).max()
    errors.append(err)
    ranks.append(max(res.ranks.values()))
    print(f"tol = {tol:.0e}: far-field rank {ranks[-1]:3d}, max rel. error {err:.1e}, {seconds:.2f} s")

# %%
# The error falls with the tolerance and the far-field rank grows with it: the rank is what a
# tighter tolerance costs (the M2L work grows with its square).
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(tols, errors, "o-", label="EIFMM vs direct sum")
ax.loglog(tols, tols, "k:", label="error = tol")
for tol, err, r in zip(tols, errors, ranks):
    ax.annotate(f"rank {r}", (tol, err), textcoords="offset points", xytext=(6, -12))
ax.invert_xaxis()
ax.set_xlabel("requested tolerance tol")
ax.set_ylabel("max relative error")
ax.set_title(f"EIFMM, Laplace kernel, N = {N}")
ax.legend()
fig.tight_layout()
plt.show()
