"""Empirical Interpolation Method family (Casenave and co-authors).

Discrete EIM greedy and its evaluation forms (:mod:`refimpl.eim.greedy`).
"""

from .greedy import (
    EIMResult,
    EIMStatus,
    eim_evaluate,
    eim_evaluate_symmetric,
    eim_greedy,
    eim_greedy_streaming,
    eim_interpolate_newton,
)

__all__ = [
    "EIMResult",
    "EIMStatus",
    "eim_evaluate",
    "eim_evaluate_symmetric",
    "eim_greedy",
    "eim_greedy_streaming",
    "eim_interpolate_newton",
]
