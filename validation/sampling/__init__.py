"""Validation claims of the sampling family: none yet."""
