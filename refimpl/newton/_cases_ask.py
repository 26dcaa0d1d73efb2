"""Cross-check cases of AdaSketch-Newton, its sketch solver, the baselines and the constrained test problems.

Edge cases: one-step convergence on QPs with linear constraints (the accuracy condition drives the
sketch solve almost to exactness), the square system BOOTH (m = n: no null space, no Hessian
modification), the penalty updates of HS40, and the outer/inner counts (an implementation with a
spectral instead of a Frobenius ‖K‖ in the accuracy test reaches the same x with different counts).
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Call, Case, Tolerance, cases_for

COUNTS = ("n_iter", "n_inner", "n_fev", "n_grad", "n_hess", "status")
_SOLVED = Tolerance.absolute(1e-6, why="stopped at KKT residual 1e-8 on well-conditioned HS problems: |x - x*| "
                                       "<= ~cond * 1e-8")


@cases_for("newton.adasketch_newton", primary="x", fields=("x", "lam", "kkt_history") + COUNTS, stochastic=True)
def _adasketch():
    """AdaSketch-Newton on closed-form HS problems (sketches from the exported draws)."""
    yield Case("booth_gv", (Call("newton.hs_problem", "BOOTH"),), {"rng": 0, "tol": 1e-8}, tol=_SOLVED,
               tags=("n=m",), prop="square linear system: one outer step")
    yield Case("hs28_rk", (Call("newton.hs_problem", "HS28"),), {"rng": 0, "sketch": "kaczmarz", "tol": 1e-8},
               tol=_SOLVED, prop="QP with a linear constraint: one outer step (Kaczmarz)")
    yield Case("hs40_gv", (Call("newton.hs_problem", "HS40"),), {"rng": 1}, tol=_SOLVED,
               tags=("pitfall:penalty-update",), prop="nonlinear constraints, one penalty update, 3 outer steps")


@cases_for("newton.sketch_and_project", primary="x", fields=("x", "n_iter", "status"), stochastic=True)
def _sketch():
    """Sketch-and-project on a small nonsymmetric nonsingular system."""
    K = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.5, 0.0, 2.0]])
    b = np.array([1.0, 2.0, 3.0])
    tol = Tolerance.absolute(1e-9, why="stopped at relative residual 1e-10, cond(K) ~ 3")
    yield Case("gaussian", (K, b), {"rtol": 1e-10, "rng": 0}, tol=tol, prop="Gaussian vector sketch")
    yield Case("kaczmarz", (K, b), {"rtol": 1e-10, "rng": 0, "sketch": "kaczmarz"}, tol=tol,
               prop="randomized Kaczmarz (uniform rows)")


@cases_for("newton.l1_sqp", primary="x", fields=("x", "lam", "n_iter", "status"))
def _l1():
    """The non-adaptive inexact l1-SQP baseline (GMRES with Byrd-Curtis-Nocedal termination tests)."""
    yield Case("hs7", (Call("newton.hs_problem", "HS7"),), {"tol": 1e-8},
               tol=Tolerance.absolute(1e-6, why="KKT residual 1e-8 on HS7"), prop="the authors' baseline")
    yield Case("hs42_relative", (Call("newton.hs_problem", "HS42"),), {"tol": 1e-8, "termination": "relative"},
               tol=Tolerance.absolute(1e-6, why="KKT residual 1e-8 on HS42"), prop="GMRES at fixed relative accuracy 0.1")


@cases_for("newton.augmented_lagrangian", primary="x", fields=("x", "lam", "n_iter", "status"))
def _al():
    """The classical augmented Lagrangian with Newton-GMRES inner solves."""
    yield Case("hs28", (Call("newton.hs_problem", "HS28"),), {"tol": 1e-6},
               tol=Tolerance.absolute(1e-5, why="KKT residual 1e-6 on a convex QP"), prop="method of multipliers")


@cases_for("newton.hs_problem", primary="x0", fields=("x0", "lam0", "x_star"))
def _hs():
    """The closed-form Hock-Schittkowski problems: starts and published solutions."""
    for name in ("HS6", "HS47", "HS56", "BOOTH"):
        yield Case(name.lower(), (name,), tol=Tolerance.exact("constants"), prop=f"{name}: start and solution")


@cases_for("newton.poisson_control_problem", primary="x_star", fields=("x_star", "x0"))
def _pde():
    """Discretised Poisson control (Hong et al. 2023, PDE experiment)."""
    yield Case("n3", (3,), tol=Tolerance.eps(100, 1e3, why="one dense KKT solve, cond ~1e3", scale=1.0),
               prop="the solution of the N = 3 instance")


@cases_for("newton.constrained_logistic_problem", primary="C", fields=("C", "e", "x0"))
def _clog():
    """Constrained logistic regression on synthetic data."""
    yield Case("small", (40, 13), {"rng": 0}, tol=Tolerance.exact("data from a fixed seed"), prop="the generated data")
