"""Validation claims of the eim family (the family's manifest imports its claim modules here)."""

from . import claims_a, claims_bcd, claims_e, claims_f, crosscheck  # noqa: F401
