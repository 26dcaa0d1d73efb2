"""Cross-check cases of the newton family (convention: "Cross-check cases" in the architecture docs).

Edge cases: the cubic-term convention M/6 (not H/3: a factor 2 that silently changes the step),
the hard case of the cubic subproblem (g orthogonal to the eigenvector of a negative eigenvalue),
g = 0, lazy-Hessian counts (a Hessian every m steps and one factorisation per snapshot: a
refactor-per-step implementation converges to the same x with the wrong n_hess / n_factor), and
per-schedule step sizes of damped Newton.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Call, Case, Tolerance, cases_for

COUNTS = ("n_iter", "n_fev", "n_grad", "n_hess", "n_factor", "status")
_r = np.random.default_rng(0)
A_LOG = _r.standard_normal((40, 5))
Y_LOG = np.where(A_LOG @ np.array([1.0, -2.0, 0.5, 0.0, 1.0]) + 0.3 * _r.standard_normal(40) > 0, 1.0, -1.0)
LOGREG = Call("newton.LogisticRegression", A_LOG, Y_LOG, lam=1e-2)
X0 = np.zeros(5)
SOLVED = Tolerance.absolute(1e-7, why="both stop at gtol 1e-9 on a strongly convex (lam = 1e-2) problem: "
                                      "|x - x*| <= gtol / mu")


def cubic_strategy():
    """Symmetric A with mixed-sign spectrum, random g, M in a few decades."""
    from hypothesis import strategies as st

    @st.composite
    def problems(draw):
        d = draw(st.integers(1, 5))
        seed = draw(st.integers(0, 2**16))
        r = np.random.default_rng(seed)
        Q = np.linalg.qr(r.standard_normal((d, d)))[0]
        lam = np.array(draw(st.lists(st.sampled_from([-2.0, -0.5, 0.0, 0.5, 1.0, 4.0]), min_size=d, max_size=d)))
        A = (Q * lam) @ Q.T
        g = r.standard_normal(d)
        M = draw(st.sampled_from([0.1, 1.0, 10.0]))
        return (g, A, M), {}, Tolerance.eps(1e5, 10, why="a secular-equation root by bisection/Newton", scale=1.0)

    return problems()


@cases_for("newton.cubic_step", primary="value", strategy=cubic_strategy)
def _cubic():
    """argmin_h gᵀh + ½hᵀAh + (M/6)‖h‖³ (Nesterov & Polyak 2006)."""
    tol = Tolerance.eps(1e5, 10, why="a secular-equation root by bisection/Newton", scale=1.0)
    yield Case("convex", (np.array([1.0, -2.0]), np.diag([1.0, 3.0]), 1.0), tol=tol, tags=("pitfall:M/6",),
               prop="the M/6 convention: with H/3 the step differs by a factor ~2^(1/2)")
    yield Case("scalar", (np.array([3.0]), np.array([[0.0]]), 2.0), tol=tol, tags=("pitfall:M/6", "n=1"),
               prop="1-D, A = 0: h = -sqrt(2|g|/M) sign(g) = -sqrt(3)")
    yield Case("nonconvex", (np.array([1.0, 0.5]), np.diag([-1.0, 2.0]), 1.0), tol=tol, tags=("indefinite",),
               prop="negative curvature: ‖h‖ > 2|λ_min|/M")
    yield Case("hard_case", (np.array([0.0, 1.0]), np.diag([-1.0, 2.0]), 1.0), tol=tol, tags=("hard-case",),
               prop="g ⟂ the negative eigenvector: the step has a component along it (sign chosen by refimpl)")
    yield Case("zero_grad", (np.zeros(3), np.eye(3), 1.0), tol=Tolerance.exact("h = 0"), tags=("zeros",),
               prop="g = 0 and A PSD: h = 0")


@cases_for("newton.stepsize_from_regularization", primary="value")
def _stepsize():
    """The root α of 1 - α - σ g^β α^(1+β) = 0."""
    tol = Tolerance.eps(64, why="a bracketed scalar root to full precision", scale=1.0)
    yield Case("beta1", (1.0, 0.5, 1.0), tol=tol, prop="quadratic: closed form")
    yield Case("beta_half", (0.3, 2.0, 0.5), tol=tol, prop="fractional power")
    yield Case("sigma0", (0.0, 1.0, 1.0), tol=Tolerance.exact("α = 1"), tags=("zeros",), prop="no regularisation: α = 1")


def lazy_strategy():
    """Small strongly convex l2-logistic problems and a Hessian refresh period m in 1..5."""
    from hypothesis import strategies as st

    @st.composite
    def problems(draw):
        n = draw(st.integers(4, 20))
        d = draw(st.integers(1, 3))
        seed = draw(st.integers(0, 2**16))
        r = np.random.default_rng(seed)
        A = r.standard_normal((n, d))
        y = np.where(r.random(n) < 0.5, -1.0, 1.0)
        m = draw(st.integers(1, 5))
        return ((Call("newton.LogisticRegression", A, y, lam=0.1),),
                {"x0": np.zeros(d), "m": m, "M": 1.0, "gtol": 1e-9}, SOLVED)

    return problems()


@cases_for("newton.lazy_newton", primary="x", fields=("x",) + COUNTS, strategy=lazy_strategy)
def _lazy():
    """Cubic Newton with the Hessian refreshed every m steps (Doikov, Chayti & Jaggi 2023, Alg. 1/3)."""
    yield Case("m1", (LOGREG,), {"x0": X0, "m": 1, "M": 1.0, "gtol": 1e-9}, tol=SOLVED,
               prop="m = 1 (classical cubic Newton): x* and the counts")
    yield Case("m4", (LOGREG,), {"x0": X0, "m": 4, "M": 1.0, "gtol": 1e-9}, tol=SOLVED, tags=("pitfall:refactor",),
               prop="m = 4: one Hessian and one factorisation per 4 steps (n_hess, n_factor)")
    yield Case("adaptive", (LOGREG,), {"x0": X0, "m": 3, "adaptive": True, "gtol": 1e-9}, tol=SOLVED,
               prop="Alg. 3, adaptive M")
    yield Case("gradreg", (LOGREG,), {"x0": X0, "m": 2, "M": 1.0, "variant": "regularized", "gtol": 1e-9}, tol=SOLVED,
               prop="gradient-regularised variant (Alg. 2)")


@cases_for("newton.damped_newton", primary="x", fields=("x",) + COUNTS)
def _damped():
    """Damped Newton with a stepsize schedule (Hanzely et al. 2024)."""
    for sched in ("grls", "rn", "aicn", "armijo", "constant"):
        kw = {"x0": X0, "schedule": sched, "gtol": 1e-9}
        if sched == "constant":
            kw["alpha"] = 0.5
        yield Case(sched, (LOGREG,), kw, tol=SOLVED, prop=f"schedule {sched!r}: x* and the counts")
    yield Case("quartic", (Call("newton.SeparableQuartic", np.array([1.0, -2.0, 0.5]), mu=0.1),),
               {"x0": np.zeros(3), "schedule": "grls", "gtol": 1e-9}, tol=SOLVED, prop="non-quadratic separable problem")


@cases_for("newton.filtered_stochastic_newton", primary="x", fields=("x", "step_sizes", "n_robustified", "n_iter"),
           stochastic=True)
def _filtered():
    """Stochastic Newton with the discriminative Kalman filter (Burkhart 2023), batches from the exported draws."""
    prob = Call("newton.linear_gaussian_regression", 20, 2)
    tol = Tolerance.eps(1e6, 10, why="10 filtered Newton steps on cond ~10 Hessians", scale=1.0)
    yield Case("filtered", (prob, np.zeros(2)), {"n_steps": 10, "rng": 0}, tol=tol, prop="the filtered path")
    yield Case("plain", (prob, np.zeros(2)), {"n_steps": 10, "filtered": False, "rng": 0}, tol=tol,
               prop="without the filter")


@cases_for("newton.linear_gaussian_regression", primary="A")
def _lgr():
    yield Case("small", (20, 2), tol=Tolerance.exact("data from a fixed seed"), prop="the generated data")


@cases_for("newton.lazy_hessians_logistic", primary="A")
def _lhl():
    yield Case("small", (30, 4), tol=Tolerance.exact("data from a fixed seed"), prop="the generated data")


@cases_for("newton.peer_logistic", primary="A")
def _pl():
    yield Case("small", (30, 4), tol=Tolerance.exact("data from a fixed seed"), prop="the generated data")


@cases_for("newton.polytope_instance", primary="A")
def _poly():
    yield Case("small", (4, 6), tol=Tolerance.exact("data from a fixed seed"), prop="the generated data")
