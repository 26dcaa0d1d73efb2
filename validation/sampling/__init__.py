"""Validation claims of the sampling family (the family's manifest imports its claim modules here)."""

from . import claims, claims_more, crosscheck  # noqa: F401
