"""Validation claims of the bcd family (Nutini, Laradji & Schmidt 2022: greedy rules, blocks, updates; peers)."""

from . import claims_g, claims_peers  # noqa: F401
