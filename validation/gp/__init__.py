"""Validation claims of the gp family (the family's manifest imports its claim modules here)."""
from . import crosscheck, gphm_claims, kronecker  # noqa: F401
