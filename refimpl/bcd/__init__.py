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
from refimpl.bcd.active_set import ActiveSetResult, ActiveSetStatus, active_set_bcd, nonneg_qp
from refimpl.bcd.trees import (
    MessagePassingResult,
    MessagePassingStatus,
    forest_solve,
    greedy_tree_block,
    is_forest,
    message_passing_bcd,
    random_tree_block,
    red_black_partition,
    tree_partition,
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
    # message passing on tree-structured blocks and the active-set methods (bcdtree)
    "ActiveSetResult",
    "ActiveSetStatus",
    "MessagePassingResult",
    "MessagePassingStatus",
    "active_set_bcd",
    "forest_solve",
    "greedy_tree_block",
    "is_forest",
    "message_passing_bcd",
    "nonneg_qp",
    "random_tree_block",
    "red_black_partition",
    "tree_partition",
]
