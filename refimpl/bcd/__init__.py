"""refimpl.bcd: block coordinate descent with greedy rules (Nutini, Laradji & Schmidt, JMLR 2022).

Problems (:mod:`refimpl.bcd.problems`, built by :mod:`refimpl.bcd.constructors`): least squares,
binary and multinomial logistic, sparse quadratics (label propagation), non-negative L1 least
squares, Lasso and L1-logistic. The problem protocol :class:`refimpl.bcd.problems.BCDProblem`,
the fixed-block type :class:`refimpl.bcd.partitions.Partition` and the plug-in registries
(:func:`refimpl.bcd._core.register_rule`, ``register_update``, ``register_partition``) live in
their modules.
"""

from refimpl.bcd._core import BCDResult, BCDStatus, minimize
from refimpl.bcd.l1 import L1Result, L1Status, l1_coordinate_descent
from refimpl.bcd.datasets import dataset_a, dataset_b, dataset_c, dataset_d, dataset_e, dataset_l1
from refimpl.bcd.constructors import (
    l1_logistic_problem,
    lasso_problem,
    least_squares_problem,
    logistic_problem,
    nonneg_l1_problem,
    quadratic_problem,
    softmax_problem,
)
from refimpl.bcd.partitions import make_partition
from refimpl.bcd.active_set import ActiveSetResult, ActiveSetStatus, active_set_bcd, nonneg_qp
from refimpl.bcd.trees import forest_solve, is_forest
from refimpl.bcd.tree_blocks import greedy_tree_block, random_tree_block, red_black_partition, tree_partition
from refimpl.bcd.message_passing import MessagePassingResult, MessagePassingStatus, message_passing_bcd

__all__ = [
    "BCDResult",
    "BCDStatus",
    "L1Result",
    "L1Status",
    "l1_coordinate_descent",
    "minimize",
    "dataset_a",
    "dataset_b",
    "dataset_c",
    "dataset_d",
    "dataset_e",
    "dataset_l1",
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
