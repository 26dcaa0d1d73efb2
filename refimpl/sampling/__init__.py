"""Leverage-score sampling family: exact and sketched leverage scores, independent and pivotal
(dependent) sampling, reweighted least squares and active regression, coordinated matrix-product
sketches.

* :mod:`refimpl.sampling.leverage`: exact (QR/SVD), ridge and sketched leverage scores.
"""

from .leverage import RankDeficientError, leverage_scores, ridge_leverage_scores, sketch_sizes

__all__ = [
    "RankDeficientError",
    "leverage_scores",
    "ridge_leverage_scores",
    "sketch_sizes",
]
