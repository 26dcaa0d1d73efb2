"""Fuzz specs for the message-passing and active-set parts of ``refimpl.bcd`` (trees.py, active_set.py).

The matrices are tiny symmetric positive definite ones whose graph is a path (a tree), so every
forest solve and every message-passing iteration is valid; the active-set problem is a tiny,
well-conditioned non-negative L1 least-squares instance.
"""
import functools

import numpy as np

from _harness import A, Spec
from refimpl import bcd

ALIASES: dict = {}

#: a path 0 - 1 - 2 - 3: SPD, symmetric, a tree
_P = np.array([[2.0, -0.5, 0.0, 0.0], [-0.5, 2.0, -0.5, 0.0], [0.0, -0.5, 2.0, -0.5], [0.0, 0.0, -0.5, 2.0]])
_R = np.array([1.0, 0.0, -1.0, 0.5])
_A = np.array([[2.0, 0.1, 0.0], [0.1, 1.5, 0.2], [0.0, 0.2, 1.0], [0.3, 0.0, 0.1]])
_B = np.array([1.0, -0.5, 0.25, 0.1])
_H = np.array([[2.0, 0.3], [0.3, 1.0]])
_CALLBACK_OK = {"callback=returns_none": "a callback returning None means 'continue' (documented)"}


@functools.lru_cache(None)
def _nn():
    return bcd.nonneg_l1_problem(_A, _B, 0.05)


def _s(func, accept=None, skip=None, **args):
    return Spec(func, args, accept=accept or {}, skip=skip or {}, aliases=ALIASES)


SPECS = {
    "bcd.forest_solve": _s(bcd.forest_solve, A=A("spd", _P, tied=True), rhs=A("vec", _R, tied=True),
                           block=A("any", None)),
    "bcd.is_forest": _s(bcd.is_forest, A=A("mat", _P), block=A("any", None)),
    "bcd.red_black_partition": _s(bcd.red_black_partition, A=A("mat", _P), order=A("choice", "auto")),
    "bcd.tree_partition": _s(bcd.tree_partition, A=A("mat", _P), order=A("choice", "lipschitz"), grid=A("any", None)),
    "bcd.greedy_tree_block": _s(bcd.greedy_tree_block, A=A("mat", _P, tied=True), scores=A("vec", _R, tied=True)),
    "bcd.random_tree_block": _s(bcd.random_tree_block, A=A("mat", _P), rng=A("rng", 0)),
    "bcd.message_passing_bcd": _s(bcd.message_passing_bcd, accept=_CALLBACK_OK, A=A("spd", _P, tied=True),
                                  b=A("vec", _R, tied=True), blocks=A("choice", "greedy_tree"),
                                  order=A("choice", None, optional=True), grid=A("any", None),
                                  x0=A("vec", None, optional=True, sample=_R), max_iter=A("size", 5, min=0),
                                  gtol=A("nonneg", 1e-10), rng=A("rng", 0), callback=A("callable", None, optional=True)),
    "bcd.active_set_bcd": _s(bcd.active_set_bcd, accept=_CALLBACK_OK, problem=A("problem", make=_nn),
                             update=A("choice", "pn"), selection=A("choice", "gsq"), blocks=A("choice", "variable"),
                             block_size=A("size", 2), partition=A("choice", "sort"), max_iter=A("size", 10, min=0),
                             gtol=A("nonneg", 1e-10), rng=A("rng", 0), callback=A("callable", None, optional=True)),
    "bcd.nonneg_qp": _s(bcd.nonneg_qp, H=A("spd", _H, tied=True), c=A("vec", np.array([-1.0, 0.5]), tied=True)),
}
