"""Cross-check cases of the bound-constrained trust region and its test systems (convention: "Cross-check cases"
in the architecture docs).

Edge cases: a root next to a bound (Powell badly scaled: x1* ~ 1e-5 with x1 >= 0), infinite bounds, a nearly
singular Jacobian (H-equation, c = 0.9999), a Jacobian of rank one everywhere (the Cauchy fallback), each scaling
and both step rules. The counts are part of the answer: a variant that evaluates J at rejected trial points, or
that re-solves the Newton system after each radius reduction, reaches the same root with other n_grad / n_factor.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Case, Fixture, Tolerance, cases_for, fixture

FIELDS = ("x", "fnorms", "n_iter", "n_fev", "n_grad", "n_factor", "n_reject", "n_singular", "steps", "status")
ROOT = Tolerance.absolute(1e-9, why="both stop at ||F|| <= ftol = 1e-10 with cond(J*) < 1e2 (|x - x*| <= cond ftol)")


def _system(name, n=None, c=None):
    from refimpl import newton

    if name == "h":
        return newton.chandrasekhar_h(n, c)
    if name == "powell":
        return newton.powell_badly_scaled()
    if name == "brown":
        return newton.brown_almost_linear(n)
    return newton.chemical_equilibrium()


@fixture("newton.box_residual")
def _box_residual(system, n=None, c=None):
    """F of a refimpl.newton.box_systems system: system "h" (chandrasekhar_h(n, c)), "powell"
    (powell_badly_scaled()), "brown" (brown_almost_linear(n)) or "chem" (chemical_equilibrium())."""
    return _system(system, n, c).F


@fixture("newton.box_jacobian")
def _box_jacobian(system, n=None, c=None):
    """J (dense n x n, dF_i/dx_j) of the same system as newton.box_residual with the same arguments."""
    return _system(system, n, c).J


@fixture("newton.rank_one_residual")
def _rank_one_residual():
    """F(x) = (s - 2, s^2 - 4) with s = x_0 + x_1: its Jacobian has rank one everywhere; roots s = 2."""
    return lambda x: np.array([x[0] + x[1] - 2.0, (x[0] + x[1]) ** 2 - 4.0])


@fixture("newton.rank_one_jacobian")
def _rank_one_jacobian():
    """J(x) = [[1, 1], [2s, 2s]] with s = x_0 + x_1 (the Jacobian of newton.rank_one_residual)."""
    return lambda x: np.array([[1.0, 1.0], [2.0 * (x[0] + x[1])] * 2])


def _box(name, n=None, c=None):
    prob = _system(name, n, c)
    kw = {"n": n, "c": c} if name == "h" else ({"n": n} if name == "brown" else {})
    return (Fixture("newton.box_residual", system=name, **kw), Fixture("newton.box_jacobian", system=name, **kw),
            prob.x0, prob.lb, prob.ub)


@cases_for("newton.scaled_trust_region", primary="x", fields=FIELDS)
def _trust_region():
    """Affine-scaling trust region for F(x) = 0 on a box with strictly feasible iterates (STRSCNE/CoDoSol)."""
    h = _box("h", 20, 0.99)
    for scaling in ("cl", "huu", "kk", "convex"):
        yield Case(f"h_{scaling}", h, {"scaling": scaling, "ftol": 1e-10}, tol=ROOT, tags=("+inf",),
                   prop=f"H-equation n = 20, c = 0.99, box [0, inf), scaling {scaling!r}: root, step kinds, counts")
    yield Case("h_strscne", h, {"step": "newton_or_cauchy", "ftol": 1e-10}, tol=ROOT,
               prop="STRSCNE's Newton-or-Cauchy rule instead of the dogleg")
    yield Case("h_spherical", h, {"trust_region": "spherical", "scaling": "kk", "ftol": 1e-10}, tol=ROOT,
               prop="spherical trust region ||p|| <= Delta")
    yield Case("h_weights", h, {"scaling": "convex", "weights": [0.6, 0.1, 0.3], "ftol": 1e-10}, tol=ROOT,
               prop="convex combination with user weights (CL 0.6, HUU 0.1, KK 0.3)")
    yield Case("h_near_singular", _box("h", 20, 0.9999), {"ftol": 1e-10},
               tol=Tolerance.absolute(1e-7, why="c = 0.9999: cond(J*) ~ 1e3, |x - x*| <= cond ftol"),
               tags=("ill-conditioned",), prop="nearly singular Jacobian at the root")
    powell = _box("powell")
    for scaling in ("cl", "kk", "convex"):
        yield Case(f"powell_{scaling}", powell, {"scaling": scaling, "ftol": 1e-10},
                   tol=Tolerance.absolute(1e-8, why="Powell's J* has cond ~ 1e9 in x2, but |x2 - x2*| is fixed by "
                                                    "F1 = 1e4 x1 x2 - 1 to ~1e-9 relative"),
                   tags=("ill-conditioned", "pitfall:root-next-to-bound"),
                   prop=f"x1* ~ 1e-5 next to x1 >= 0: the iterates crawl along the bound ({scaling!r})")
    yield Case("brown", _box("brown", 5), {"ftol": 1e-10}, tol=ROOT, prop="Brown almost-linear n = 5, root (1, ..., 1)")
    yield Case("chem", _box("chem"), {"scaling": "huu", "ftol": 1e-10},
               tol=Tolerance.absolute(1e-8, why="chemical equilibrium: x2* ~ 35, cond(J*) ~ 1e3"),
               tags=("+inf",), prop="propane combustion, box [0, inf)^5")
    yield Case("rank_one", (Fixture("newton.rank_one_residual"), Fixture("newton.rank_one_jacobian"),
                            np.array([0.2, 0.3]), 0.0, 5.0), {"ftol": 1e-8},
               tol=Tolerance.absolute(1e-7, why="a linearly convergent sequence of Cauchy steps stopped at ftol 1e-8"),
               tags=("rank-one",), prop="singular Jacobian everywhere: the LU solve fails and the Cauchy step is taken "
                                        "(n_singular)")
    yield Case("max_iter", h, {"max_iter": 2}, tol=Tolerance.eps(1e3, 10, why="two trust-region steps", scale=1.0),
               prop="status MAX_ITER after two accepted steps")


@cases_for("newton.chandrasekhar_h", primary="x0", fields=("x0", "lb", "ub", "n"))
def _chandrasekhar():
    """The H-equation test system: its box and start (F and J are checked through scaled_trust_region)."""
    yield Case("n20", (20, 0.99), tol=Tolerance.exact("constants"), tags=("+inf",), prop="box [0, inf)^n, x0 = 1")


@cases_for("newton.powell_badly_scaled", primary="x_star", fields=("x0", "lb", "ub", "x_star"))
def _powell():
    """Powell's badly scaled system: box [0, 1] x [1, 10], start (1e-3, 1.5), the published root."""
    yield Case("default", (), tol=Tolerance.exact("constants"), prop="box, start and root")


@cases_for("newton.brown_almost_linear", primary="x_star", fields=("x0", "lb", "ub", "x_star"))
def _brown():
    """Brown's almost-linear system: box [0, 1.1]^n, start 1/2, root 1."""
    yield Case("n5", (5,), tol=Tolerance.exact("constants"), prop="box, start and root")


@cases_for("newton.chemical_equilibrium", primary="x_star", fields=("x0", "lb", "ub", "x_star"))
def _chem():
    """The Meintjes-Morgan propane system: box [0, inf)^5, start 1/2, the positive root."""
    yield Case("default", (), tol=Tolerance.absolute(1e-12, why="root computed to round-off"), tags=("+inf",),
               prop="box, start and the positive root")


