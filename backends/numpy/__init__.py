"""NumPy twins of leaf kernels: NumPy/SciPy-specific code for the default backend.

The array-API reference of a kernel (beside its algorithm in ``refimpl/``) is the oracle and runs
on every backend. A NumPy twin exists only where the default backend would otherwise miss a speed
target because the array API cannot express the fast form (BLAS level 2 such as
``scipy.linalg.blas.dger``, ``np.maximum.accumulate``, ``np.partition``). Each twin is tested
against its reference, bit for bit or to a stated tolerance. The numba backend uses a NumPy twin
where it has no Numba twin of its own (its arrays are NumPy arrays).
"""
