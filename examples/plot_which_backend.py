"""
Which backend?
==============

Every refimpl function is written once against the Python array API and runs on each backend
(``numpy``, ``numba``, ``cupy``, ``torch``, ``array_api_strict``); the inputs can be arrays of
any supported library and the result comes back in the caller's library. This example runs the
same call under every backend available on the machine that built these docs, checks that the
results agree with the NumPy float64 oracle (:func:`refimpl.testing.assert_backend_agrees`) and
times them.

Rules of thumb: ``numpy`` (the default) is the reference and usually the fastest on a CPU for
small and medium problems; ``numba`` adds compiled twins of memory-bound leaf loops (the first
call compiles them); ``cupy`` and ``torch`` on a GPU pay off for large problems;
``array_api_strict`` is for checking that code uses only the standard (it is slow on purpose).
"""

import time

import matplotlib.pyplot as plt
import numpy as np

import refimpl
from refimpl.gp import SquaredExponential, grid_factors, kron_solve
from refimpl.testing import assert_backend_agrees

grid = [np.linspace(0, 1, 40), np.linspace(0, 1, 50)]
factors = grid_factors(grid, SquaredExponential(lengthscale=0.3))
Y = np.random.default_rng(0).standard_normal((40, 50))
oracle = kron_solve(factors, Y, noise=0.1)

names, seconds = [], []
for name, reason in refimpl.available_backends().items():
    if reason is not None:
        print(f"{name:<17} unavailable: {reason}")
        continue
    if refimpl.backends.capability_of(kron_solve, name) == "unsupported":  # dask is opt-in per function
        print(f"{name:<17} not declared for kron_solve")
        continue
    with refimpl.use_backend(name):
        kron_solve(factors, Y, noise=0.1)  # warm-up (compilation, device transfer)
        t0 = time.perf_counter()
        out = kron_solve(factors, Y, noise=0.1)
        dt = time.perf_counter() - t0
    assert_backend_agrees(out, oracle, rtol=1e-10, atol=1e-12, like=Y)  # NumPy in, NumPy out
    names.append(name)
    seconds.append(dt)
    print(f"{name:<17} {dt * 1e3:8.2f} ms, agrees with the NumPy oracle")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(names, np.array(seconds) * 1e3)
ax.set_xlabel("time of one kron_solve on a 40 x 50 grid (ms)")
ax.set_title("Same call, every available backend")
fig.tight_layout()
plt.show()
