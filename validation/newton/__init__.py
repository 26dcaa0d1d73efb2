"""Validation claims of the newton family (paper A: lazy Hessians; B: damped Newton schedules; C: filtered stochastic Newton; D: affine-scaling trust region; E: AdaSketch-Newton; F: risk parity; peers)."""

from . import claims_a, claims_b, claims_c, claims_d, claims_e, claims_f, claims_peers, crosscheck  # noqa: F401
