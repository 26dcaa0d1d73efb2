"""refimpl.bcd: block coordinate descent with greedy rules (Nutini, Laradji & Schmidt, JMLR 2022).

Problems (:mod:`refimpl.bcd.problems`): least squares, binary and multinomial logistic, sparse
quadratics (label propagation), non-negative L1 least squares, Lasso and L1-logistic.
"""

from refimpl.bcd._core import BCDResult, BCDStatus, minimize, register_partition, register_rule, register_update
from refimpl.bcd.problems import (
    BCDProblem,
    Partition,
    l1_logistic_problem,
    lasso_problem,
    least_squares_problem,
    logistic_problem,
    make_partition,
    nonneg_l1_problem,
    quadratic_problem,
    softmax_problem,
)

__all__ = [
    "BCDResult",
    "BCDStatus",
    "minimize",
    "register_partition",
    "register_rule",
    "register_update",
    "BCDProblem",
    "Partition",
    "l1_logistic_problem",
    "lasso_problem",
    "least_squares_problem",
    "logistic_problem",
    "make_partition",
    "nonneg_l1_problem",
    "quadratic_problem",
    "softmax_problem",
]
