"""Validation claims of the bcd family."""

from . import claims_active_set, claims_trees  # noqa: F401
