"""Validation claims of the newton family: none yet."""
