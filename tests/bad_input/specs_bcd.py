"""Fuzz specs for ``refimpl.bcd`` (block coordinate descent): one valid call per public name.

Problem objects (kind ``problem``) are tiny, well-conditioned least-squares / Lasso instances, so
that a valid call with a positive ``tol`` converges in a few iterations (``max_iter = 10**6`` then
returns quickly).
"""
import functools

import numpy as np

from _harness import A, Spec
from refimpl import bcd

ALIASES: dict = {}

_A = np.array([[2.0, 0.1, 0.0], [0.1, 1.5, 0.2], [0.0, 0.2, 1.0], [0.3, 0.0, 0.1]])
_B = np.array([1.0, -0.5, 0.25, 0.1])
_Y = np.array([1.0, -1.0, 1.0, -1.0])
_LAB = np.array([0, 1, 2, 1])
_Q = np.array([[2.0, -0.5, 0.0], [-0.5, 2.0, -0.5], [0.0, -0.5, 2.0]])
_C = np.array([1.0, 0.0, -1.0])
_CALLBACK_OK = {"callback=returns_none": "a callback returning None means 'continue' (documented)"}


@functools.lru_cache(None)
def _ls():
    return bcd.least_squares_problem(_A, _B)


@functools.lru_cache(None)
def _lasso():
    return bcd.lasso_problem(_A, _B, 0.1)


def _s(func, accept=None, skip=None, **args):
    return Spec(func, args, accept=accept or {}, skip=skip or {}, aliases=ALIASES)


SPECS = {
    "bcd.minimize": _s(bcd.minimize, accept=_CALLBACK_OK, problem=A("problem", make=_ls),
                       rule=A("choice", "gsl"), blocks=A("choice", "variable"), block_size=A("size", 2),
                       update=A("choice", "gradient"), partition=A("choice", "sort"),
                       max_iter=A("size", 200, min=0), tol=A("nonneg", 1e-6), rng=A("rng", 0),
                       norm=A("choice", "l2"), x0=A("vec", None, optional=True, sample=np.zeros(3), tied=True),
                       record_blocks=A("flag", False), callback=A("callable", None, optional=True)),
    "bcd.l1_coordinate_descent": _s(bcd.l1_coordinate_descent, accept=_CALLBACK_OK, problem=A("problem", make=_lasso),
                                    tol=A("nonneg", 1e-8), max_iter=A("size", 100, min=0),
                                    x0=A("vec", None, optional=True, sample=np.zeros(3), tied=True),
                                    callback=A("callable", None, optional=True)),
    "bcd.least_squares_problem": _s(bcd.least_squares_problem, A=A("mat", _A), b=A("vec", _B, tied=True)),
    "bcd.logistic_problem": _s(bcd.logistic_problem, A=A("mat", _A), y=A("vec", _Y, tied=True)),
    "bcd.softmax_problem": _s(bcd.softmax_problem, A=A("mat", _A), labels=A("labels", _LAB, tied=True),
                              n_classes=A("size", 3, min=2, optional=True)),
    "bcd.quadratic_problem": _s(bcd.quadratic_problem, A=A("spd", _Q), b=A("vec", _C, tied=True)),
    "bcd.nonneg_l1_problem": _s(bcd.nonneg_l1_problem, A=A("mat", _A), b=A("vec", _B, tied=True),
                                lam=A("nonneg", 0.1)),
    "bcd.lasso_problem": _s(bcd.lasso_problem, A=A("mat", _A), b=A("vec", _B, tied=True), lam=A("nonneg", 0.1)),
    "bcd.l1_logistic_problem": _s(bcd.l1_logistic_problem, A=A("mat", _A), y=A("vec", _Y, tied=True),
                                  lam=A("nonneg", 0.1)),
    "bcd.make_partition": _s(bcd.make_partition, problem=A("problem", make=_ls), block_size=A("size", 2),
                             kind=A("choice", "sort")),
    "bcd.dataset_a": _s(bcd.dataset_a, m=A("size", 12), p=A("size", 20), rng=A("rng", 1)),
    "bcd.dataset_b": _s(bcd.dataset_b, m=A("size", 12), p=A("size", 20), rng=A("rng", 1)),
    "bcd.dataset_c": _s(bcd.dataset_c, m=A("size", 12), p=A("size", 5), n_classes=A("size", 3, min=2),
                        rng=A("rng", 1)),
    "bcd.dataset_d": _s(bcd.dataset_d, side=A("size", 5, min=2), n_labelled=A("size", 3), weight=A("pos", 1e5),
                        rng=A("rng", 1)),
    "bcd.dataset_e": _s(bcd.dataset_e, n_points=A("size", 40, min=12), n_labelled=A("size", 4), rng=A("rng", 1)),
    "bcd.dataset_l1": _s(bcd.dataset_l1, m=A("size", 12), p=A("size", 20), lam=A("nonneg", 10.0), rng=A("rng", 1)),
}
