"""Cross-check cases of the bcd family (convention: "Cross-check cases" in the architecture docs).

Edge cases: block choices of the greedy rules (a wrong score — GS instead of GSL, ℓ1 instead of ℓ2,
a full sort with different tie-breaking — picks other blocks and changes the iterates), the
ragged last block of a fixed partition, the Sort partition's order (increasing L_i: it decides the
cyclic rule), ties in the variable-block scores (the smaller index wins), proximal steps at zero,
the pseudo-inverse fallback of the matrix update (a singular block bound) and the counts.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Call, Case, Tolerance, cases_for

_r = np.random.default_rng(0)
A_LS = _r.standard_normal((12, 6)) * np.array([0.5, 1.0, 2.0, 0.7, 3.0, 1.5])
B_LS = _r.standard_normal(12)
Y_LS = np.where(B_LS > 0, 1.0, -1.0)
Q_LP = np.array([[2.0, -0.5, 0.0, 0.0], [-0.5, 2.0, -0.5, 0.0], [0.0, -0.5, 2.0, -0.5], [0.0, 0.0, -0.5, 2.0]])
C_LP = np.array([1.0, 0.0, -1.0, 0.5])
LS = Call("bcd.least_squares_problem", A_LS, B_LS)
COUNTS = ("n_iter", "n_fev", "n_grad", "n_block_grad", "n_hess", "status")
ITER = Tolerance.eps(1e4, 30, why="30 block updates of a well-conditioned (cond ≈ 30) least-squares problem; the "
                                  "block choices must be identical", scale=1.0)
DATA = Tolerance.exact("data from a fixed seed")


@cases_for("bcd.minimize", primary="x", fields=("x", "f_history", "blocks") + COUNTS, stochastic=True)
def _minimize():
    """Block coordinate descent (Nutini, Laradji & Schmidt 2022): rules × blocks × updates."""
    for rule in ("gsl", "gs", "gsd", "gsq", "cyclic", "random", "lipschitz"):
        for blocks in ("variable", "fixed"):
            yield Case(f"{rule}_{blocks}", (LS,), {"rule": rule, "blocks": blocks, "block_size": 2, "max_iter": 30,
                                                   "rng": 1, "record_blocks": True},
                       tol=ITER, tags=("pitfall:block choices",),
                       prop=f"{rule} with {blocks} blocks: the same blocks, iterates and counts")
    yield Case("gsl_l1_fixed", (LS,), {"rule": "gsl", "blocks": "fixed", "block_size": 4, "norm": "l1", "max_iter": 20,
                                       "record_blocks": True},
               tol=ITER, tags=("ragged", "pitfall:l1 vs l2 scores"),
               prop="the authors' code's l1 score on a ragged partition (6 = 4 + 2)")
    for update in ("matrix", "newton", "lipschitz_approx"):
        yield Case(f"gsq_{update}", (LS,), {"rule": "gsq", "block_size": 3, "update": update, "max_iter": 10,
                                             "record_blocks": True},
                   tol=ITER, prop=f"{update} updates (Newton: a unit step on a quadratic; LA: doublings from 1)")
    yield Case("quadratic_tol", (Call("bcd.quadratic_problem", Q_LP, C_LP),),
               {"rule": "gsl", "block_size": 2, "update": "matrix", "max_iter": 200, "tol": 1e-12},
               tol=Tolerance.absolute(1e-11, why="stops at max|∇f| ≤ 1e-12 on a cond ≈ 3 quadratic"),
               prop="label-propagation-type quadratic: converges to Q⁻¹c with the same count")
    yield Case("ties", (Call("bcd.quadratic_problem", np.eye(4), np.ones(4)),),
               {"rule": "gs", "block_size": 2, "max_iter": 2, "record_blocks": True},
               tol=Tolerance.exact("exact updates on the identity"), tags=("ties",),
               prop="all scores tie: the smaller indices are chosen first ([0, 1], then [2, 3])")
    singular = np.column_stack([A_LS[:, 0], A_LS[:, 0], A_LS[:, 1:]])
    yield Case("pinv_fallback", (Call("bcd.least_squares_problem", singular, B_LS),),
               {"rule": "cyclic", "blocks": "fixed", "partition": "order", "block_size": 2, "update": "matrix",
                "max_iter": 4}, tol=Tolerance.eps(1e4, 10, why="pseudo-inverse of a rank-one 2×2 block", scale=1.0),
               tags=("rank-one", "pitfall:pinv"), prop="a singular block bound: the pseudo-inverse step")
    yield Case("nonneg_l1", (Call("bcd.nonneg_l1_problem", A_LS, B_LS, 2.0),),
               {"rule": "gsl", "block_size": 1, "max_iter": 40, "record_blocks": True},
               tol=ITER, tags=("pitfall:prox at 0",), prop="projected proximal steps; x ≥ 0 throughout")


@cases_for("bcd.l1_coordinate_descent", primary="x", fields=("x", "fun", "n_iter", "status"))
def _l1cd():
    """Lasso / non-negative Lasso to a duality gap, L1-logistic to a KKT tolerance."""
    sol = Tolerance.absolute(1e-8, why="both stop at a duality gap ≤ 1e-14 on a strongly convex (n < m) problem")
    yield Case("lasso", (Call("bcd.lasso_problem", A_LS, B_LS, 1.0),), {"tol": 1e-14}, tol=sol,
               prop="the Lasso minimiser (equals scikit-learn Lasso with alpha = lam / m)")
    yield Case("nonneg", (Call("bcd.nonneg_l1_problem", A_LS, B_LS, 1.0),), {"tol": 1e-14}, tol=sol,
               prop="the non-negative Lasso minimiser")
    yield Case("zero", (Call("bcd.lasso_problem", A_LS, B_LS, 1e4),), {}, tol=Tolerance.exact("x = 0 at once"),
               tags=("zeros",), prop="lam ≥ ‖Aᵀb‖∞: x = 0 after 0 epochs")
    yield Case("logistic", (Call("bcd.l1_logistic_problem", A_LS, Y_LS, 0.5),), {"tol": 1e-11},
               tol=Tolerance.absolute(1e-7, why="KKT violation ≤ 1e-11 on a small logistic problem"),
               prop="the L1-logistic minimiser (skglm SparseLogisticRegression with alpha = lam / m)")


def _problem_case(name, args):
    yield Case("small", args, tol=Tolerance.exact("stored data (float64 copies of the input)"),
               prop="the problem's data as stored")


@cases_for("bcd.least_squares_problem", primary="A")
def _ls():
    yield from _problem_case("ls", (A_LS, B_LS))


@cases_for("bcd.logistic_problem", primary="A")
def _lg():
    yield from _problem_case("lg", (A_LS, Y_LS))


@cases_for("bcd.softmax_problem", primary="A")
def _sm():
    yield from _problem_case("sm", (A_LS[:, :3], np.arange(12) % 3))


@cases_for("bcd.quadratic_problem", primary="Q")
def _qp():
    yield from _problem_case("qp", (Q_LP, C_LP))


@cases_for("bcd.nonneg_l1_problem", primary="A")
def _nn():
    yield from _problem_case("nn", (A_LS, B_LS, 0.5))


@cases_for("bcd.lasso_problem", primary="A")
def _la():
    yield from _problem_case("la", (A_LS, B_LS, 0.5))


@cases_for("bcd.l1_logistic_problem", primary="A")
def _l1lg():
    yield from _problem_case("l1lg", (A_LS, Y_LS, 0.5))


@cases_for("bcd.make_partition", primary="blocks.0")
def _partition():
    """Order / Sort (increasing L_i) / Avg partitions; the last block is smaller when n mod τ ≠ 0."""
    for kind in ("sort", "order", "avg"):
        yield Case(kind, (LS, 4, kind), tol=Tolerance.exact("index sets"), tags=("ragged", "pitfall:sort order"),
                   prop=f"the {kind} partition of 6 coordinates into blocks of 4 and 2")


@cases_for("bcd.dataset_a", primary="A")
def _da():
    yield Case("small", (10, 20), tol=DATA, prop="the generated sparse design and b")


@cases_for("bcd.dataset_b", primary="A")
def _db():
    yield Case("small", (10, 20), tol=DATA, prop="the generated design and ±1 labels")


@cases_for("bcd.dataset_c", primary="A")
def _dc():
    yield Case("small", (10, 4, 3), tol=DATA, prop="the generated design and class labels")


@cases_for("bcd.dataset_d", primary="Q")
def _dd():
    yield Case("small", (4, 3), tol=DATA, prop="the lattice label-propagation system")


@cases_for("bcd.dataset_e", primary="Q")
def _de():
    yield Case("small", (30, 4), tol=DATA, prop="the two-moons 5-NN label-propagation system")


@cases_for("bcd.dataset_l1", primary="A")
def _dl1():
    yield Case("small", (10, 20, 5.0), tol=DATA, prop="dataset A with the non-negative L1 objective")
