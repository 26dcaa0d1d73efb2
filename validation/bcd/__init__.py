"""Validation claims of the bcd family: none yet."""
