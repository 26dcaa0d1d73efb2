"""N-X1, N-X2: the cross-check kit against scikit-learn's logistic regression and wrong Newton variants.

N-X1  scikit-learn ``LogisticRegression(solver='newton-cholesky', C = 1/(λn), fit_intercept=False)``
      passes every ``newton.damped_newton`` case on an ℓ2-logistic problem on the minimiser ``x``
      (the counts are refimpl's own; a peer without them is compared on the fields it returns).
N-X2  Wrong variants the kit must catch: a lazy Newton that refactors the Hessian every step (it
      converges to the same x, but n_hess / n_factor are wrong: the "lazy" benefit is gone), and a
      cubic step written with the H/3 convention for the M/6 one (an independent eigen-decomposition
      solver; the same solver with M/6 passes, which shows the kit is not over-sensitive).
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import NotApplicable, crosscheck

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim
from ..conformal.crosscheck import summarize


def sklearn_logistic(problem, *args, x0=None, gtol=1e-8, **kwargs):
    """The ℓ2-logistic minimiser by scikit-learn (the schedule is irrelevant to the minimiser)."""
    from sklearn.linear_model import LogisticRegression as SkLR

    from refimpl.newton import LogisticRegression

    if not isinstance(problem, LogisticRegression) or args:
        raise NotApplicable("scikit-learn solves l2-logistic regression problems only")
    A, y = np.asarray(problem.A), np.asarray(problem.y)
    n = A.shape[0]
    C = 1.0 / (problem.lam * (n if problem.mean else 1.0))
    sk = SkLR(solver="newton-cholesky", C=C, fit_intercept=False, tol=1e-14, max_iter=500).fit(A, y)
    return {"x": sk.coef_.ravel()}


def lazy_refactor_every_step(fun, grad=None, hess=None, x0=None, *, m=1, **kwargs):
    """WRONG: 'lazy' Newton that recomputes and refactors the Hessian at every step (m ignored)."""
    from refimpl.newton import lazy_newton

    return lazy_newton(fun, grad, hess, x0, m=1, **kwargs)


def _cubic_eig(g, A, M, *, half=True):
    g = np.asarray(g, dtype=float)
    lam, Q = np.linalg.eigh(np.asarray(A, dtype=float))
    Q = Q * np.where(Q[np.argmax(np.abs(Q), axis=0), np.arange(Q.shape[1])] < 0, -1.0, 1.0)
    gt = Q.T @ g
    c = M / 2.0 if half else M          # model (M/6)|h|^3 -> (A + (M r / 2) I) h = -g; H/3 -> (A + H r I) h = -g
    if not np.any(gt) and lam[0] >= 0:
        return np.zeros_like(g)
    r_lo = max(0.0, -lam[0] / c)
    def norm_h(r):
        with np.errstate(divide="ignore"):
            return np.linalg.norm(gt / (lam + c * r))
    if lam[0] < 0 and abs(gt[0]) <= 1e-14 * np.linalg.norm(gt):
        ht = np.zeros_like(gt)
        ht[1:] = -gt[1:] / (lam[1:] + c * r_lo)
        if np.linalg.norm(ht) <= r_lo:   # hard case: move along the eigenvector of lambda_min (sign +)
            ht[0] = np.sqrt(max(r_lo**2 - np.sum(ht[1:] ** 2), 0.0))
            return Q @ ht
    r_hi = max(r_lo, 1.0)
    while norm_h(r_hi) > r_hi:
        r_hi *= 2
    lo = r_lo
    for _ in range(200):
        mid = 0.5 * (lo + r_hi)
        if norm_h(mid) > mid:
            lo = mid
        else:
            r_hi = mid
    r = 0.5 * (lo + r_hi)
    return Q @ (-gt / (lam + c * r))


def cubic_step_eig(g, A, M):
    """An independent cubic step (eigen-decomposition + bisection on r = ‖h‖), the M/6 convention."""
    return _cubic_eig(g, A, M, half=True)


def cubic_step_h3(g, A, M):
    """WRONG: the same solver with the H/3 convention, (A + M r I) h = -g."""
    return _cubic_eig(g, A, M, half=False)


@claim(
    id="N-X1",
    family="newton",
    title="crosscheck: scikit-learn's logistic regression passes every applicable damped_newton case",
    reference="scikit-learn LogisticRegression(solver='newton-cholesky', C=1/(lam n), fit_intercept=False)",
    target=Target.equal(0, label="failing cases"),
    source="peer",
    seconds=(2.0, 2.0),
)
def nx1_sklearn(ctx: ClaimContext) -> Outcome:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ClaimSkipped('scikit-learn is not installed (pip install "refimpl[peers]")') from None
    rep = crosscheck(sklearn_logistic, "newton.damped_newton", cases="golden")
    bad = rep.n_cases - rep.n_passed - rep.n_skipped
    return Outcome(measured=bad, text=summarize(rep), detail=f"max |x - x_sklearn| {rep.max_error.get('x', float('nan')):.2g}")


@claim(
    id="N-X2",
    family="newton",
    title="crosscheck catches a refactor-per-step lazy Newton (counts) and the H/3 cubic convention",
    reference="Doikov, Chayti & Jaggi 2023 (one Hessian per m steps); Nesterov & Polyak 2006 (M/6)",
    target={"not caught": Target.equal(0, label="wrong variants not caught"),
            "M/6 solver failing": Target.equal(0, label="golden failures of the correct independent solver")},
    source="design",
    seconds=(3.0, 4.0),
)
def nx2_wrong(ctx: ClaimContext) -> Outcome:
    reps = {"refactor every step": crosscheck(lazy_refactor_every_step, "newton.lazy_newton", max_examples=30),
            "H/3 cubic": crosscheck(cubic_step_h3, "newton.cubic_step", max_examples=60)}
    ok = crosscheck(cubic_step_eig, "newton.cubic_step", max_examples=60)
    return Outcome(measured={"not caught": sum(r.passed for r in reps.values()),
                             "M/6 solver failing": ok.n_cases - ok.n_passed - ok.n_skipped},
                   text="; ".join(f"{k}: {summarize(r)}" for k, r in reps.items()) + f"; M/6 solver: {summarize(ok)}")
