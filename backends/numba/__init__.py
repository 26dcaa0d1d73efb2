"""Numba twins of leaf kernels, one module per family (imported when the numba backend dispatches).

Each module decorates its twins with ``refimpl.backends.register_twin(name, "numba")`` and compiles
with ``numba.njit(cache=True)`` (no ``fastmath``).
"""
