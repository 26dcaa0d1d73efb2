"""Validation claims of the newton family (paper A: lazy Hessians; paper B: damped Newton schedules; peers)."""

from . import claims_a, claims_b, claims_peers  # noqa: F401
