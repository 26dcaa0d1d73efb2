"""Validation claims of the newton family (paper A: lazy Hessians; B: damped Newton schedules; C: filtered stochastic Newton; peers)."""

from . import claims_a, claims_b, claims_c, claims_peers, crosscheck  # noqa: F401
