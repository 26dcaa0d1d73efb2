"""Fuzz specs for ``refimpl.sampling`` (placeholder, filled below)."""
SPECS: dict = {}
