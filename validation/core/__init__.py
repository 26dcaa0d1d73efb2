"""Claims about the foundation shared by every family (the backend layer's linear-algebra helpers)."""

from . import kron_identity  # noqa: F401
