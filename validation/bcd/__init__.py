"""Validation claims of the bcd family (Nutini, Laradji & Schmidt 2022: greedy rules, blocks, updates; message
passing on forests; active-set identification; peers)."""

from . import claims_active_set, claims_g, claims_peers, claims_trees, crosscheck  # noqa: F401
