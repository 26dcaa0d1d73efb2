"""Peer cross-checks of the bcd family: scikit-learn Lasso (signed and non-negative), skglm
SparseLogisticRegression, and a SciPy sparse direct solve for label propagation."""

from __future__ import annotations

import numpy as np

from refimpl.bcd import dataset_d, l1_coordinate_descent, l1_logistic_problem, lasso_problem, minimize, nonneg_l1_problem

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim
from ._common import peer_regression


def _sizes(ctx: ClaimContext) -> tuple[int, int]:
    return (200, 500) if ctx.quick else (2000, 5000)


def _lasso_claim(ctx: ClaimContext, positive: bool) -> Outcome:
    try:
        from sklearn.linear_model import Lasso
    except ImportError:
        raise ClaimSkipped('scikit-learn is not installed (pip install "refimpl[peers]")') from None
    n, p = _sizes(ctx)
    X, y, alpha = peer_regression(n, p)
    prob = (nonneg_l1_problem if positive else lasso_problem)(X, y, n * alpha)
    ours = l1_coordinate_descent(prob, tol=1e-12 * n)
    ref = Lasso(alpha=alpha, fit_intercept=False, positive=positive, tol=1e-12, max_iter=10**5).fit(X, y)
    Fo, Fr = ours.fun, prob.value(np.asarray(ref.coef_, dtype=float))
    return Outcome(measured={"objective": abs(Fo - Fr) / abs(Fr), "x": float(np.max(np.abs(ours.x - ref.coef_)))},
                   detail=f"peer instance n={n}, p={p}, alpha = alpha_max/20, lam = n alpha; ours: gap {ours.gap / n:.1e} "
                          f"(mean form), support {int(np.sum(ours.x != 0))}; sklearn support {int(np.sum(ref.coef_ != 0))}")


@claim(
    id="P-1",
    family="bcd",
    title="Lasso: l1_coordinate_descent equals scikit-learn Lasso (lam = n·alpha)",
    reference="scikit-learn 1.x sklearn.linear_model.Lasso(fit_intercept=False, tol=1e-12)",
    target={"objective": Target.at_most(1e-8, label="relative objective difference"),
            "x": Target.at_most(1e-6, label="max |x − x_sklearn|")},
    source="peer",
    seconds=(1.0, 10.0),
)
def p1_lasso(ctx: ClaimContext) -> Outcome:
    return _lasso_claim(ctx, positive=False)


@claim(
    id="P-2",
    family="bcd",
    title="non-negative Lasso: l1_coordinate_descent equals scikit-learn Lasso(positive=True)",
    reference="scikit-learn 1.x sklearn.linear_model.Lasso(positive=True, fit_intercept=False, tol=1e-12)",
    target={"objective": Target.at_most(1e-8, label="relative objective difference"),
            "x": Target.at_most(1e-6, label="max |x − x_sklearn|")},
    source="peer",
    seconds=(1.0, 10.0),
)
def p2_nonneg_lasso(ctx: ClaimContext) -> Outcome:
    return _lasso_claim(ctx, positive=True)


@claim(
    id="P-3",
    family="bcd",
    title="L1-logistic: the objective equals skglm SparseLogisticRegression's (lam = n·alpha)",
    reference="skglm 0.5 SparseLogisticRegression(alpha, fit_intercept=False, tol=1e-10)",
    target=Target.at_most(1e-8, label="relative objective difference"),
    source="peer",
    quick=False,  # skglm's Numba compilation alone takes tens of seconds on 2 cores
    seconds=(8.0, 60.0),
)
def p3_l1_logistic(ctx: ClaimContext) -> Outcome:
    try:
        from skglm import SparseLogisticRegression
    except ImportError:
        raise ClaimSkipped("skglm is not installed (pip install skglm)") from None
    n, p = _sizes(ctx)
    X, y, alpha = peer_regression(n, p, "logistic")
    prob = l1_logistic_problem(X, y, n * alpha)
    ours = l1_coordinate_descent(prob, tol=1e-10 * n)
    ref = SparseLogisticRegression(alpha=alpha, fit_intercept=False, tol=1e-10, max_iter=1000).fit(X, y)
    Fr = prob.value(np.asarray(ref.coef_, dtype=float).ravel())
    return Outcome(measured=abs(ours.fun - Fr) / abs(Fr),
                   detail=f"peer instance n={n}, p={p}; F ours {ours.fun / n:.12g}, skglm {Fr / n:.12g} (mean form); "
                          f"our KKT {ours.kkt / n:.1e}")


@claim(
    id="P-4",
    family="bcd",
    title="label propagation (lattice, dataset D recipe): the BCD minimiser equals scipy.sparse.linalg.spsolve",
    reference="SciPy scipy.sparse.linalg.spsolve on the same sparse system A x = b",
    target=Target.at_most(1e-8, label="‖x_BCD − x_spsolve‖∞ / ‖x_spsolve‖∞"),
    source="peer",
    seconds=(2.0, 8.0),
)
def p4_label_propagation(ctx: ClaimContext) -> Outcome:
    side = 8 if ctx.quick else 14
    prob = dataset_d(side, side, rng=1)
    xs = prob.minimizer()
    res = minimize(prob, rule="gsq", blocks="variable", block_size=8, update="matrix", max_iter=20000,
                   tol=1e-9 * float(np.abs(prob.c).max()))
    err = float(np.max(np.abs(res.x - xs)) / np.max(np.abs(xs)))
    return Outcome(measured=err, detail=f"{side}x{side} lattice, weight 1e5, {side} labelled nodes, {prob.n} unknowns; "
                                        f"GSQ-VB matrix updates, |b| = 8, {res.n_iter} iterations ({res.status.name})")
