"""CuPy twins of leaf kernels, one module per family (imported when the cupy backend dispatches).

Modules here must import CuPy lazily (inside the twin) or guardedly, so that the kernel table can
be built on machines without a GPU.
"""
