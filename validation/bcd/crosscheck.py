"""B-X1, B-X2: the cross-check kit on the bcd family.

B-X1  scikit-learn ``Lasso`` (``alpha = lam / m``, ``positive=True`` for the non-negative Lasso,
      ``fit_intercept=False``) and ``LogisticRegression(penalty="l1", solver="liblinear",
      C = 1/lam, fit_intercept=False)`` pass every ``bcd.l1_coordinate_descent`` golden case on
      the minimiser ``x`` (the counts are refimpl's own; the peer is compared on the fields it
      returns).
B-X2  A wrong variant the kit must catch: coordinate descent whose soft threshold uses ``lam / 2``
      instead of ``lam`` (the factor ½ of the least-squares term moved onto the penalty, a common
      slip when the objective is written as ‖Ax − b‖² + lam‖x‖₁ in one place and ½‖Ax − b‖² in
      another). It still converges, to the minimiser of the wrong problem.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import NotApplicable, crosscheck

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim
from ..conformal.crosscheck import summarize

#: scikit-learn's stopping tolerance for the peer solves (well below the cases' 1e-8 tolerance on x)
SKLEARN_TOL = 1e-14
#: epochs of the deliberately wrong coordinate descent (enough to converge on the small cases)
WRONG_EPOCHS = 2000


def _data(problem):
    from refimpl.bcd.problems import LeastSquaresProblem, LogisticProblem

    if not isinstance(problem, (LeastSquaresProblem, LogisticProblem)) or problem.nonsmooth not in ("l1", "nonneg_l1"):
        raise NotApplicable("only Lasso, non-negative Lasso and L1-logistic problems")
    A = problem.A.toarray() if hasattr(problem.A, "toarray") else np.asarray(problem.A, dtype=float)
    return A


def sklearn_l1(problem, *args, **kwargs):
    """The L1-regularised minimiser by scikit-learn (the problem object gives A, b or y, lam)."""
    from sklearn.linear_model import Lasso, LogisticRegression

    from refimpl.bcd.problems import LogisticProblem

    A = _data(problem)
    m = A.shape[0]
    if isinstance(problem, LogisticProblem):
        if problem.lam <= 0:
            raise NotApplicable("liblinear needs lam > 0")
        sk = LogisticRegression(penalty="l1", solver="liblinear", C=1.0 / problem.lam, fit_intercept=False,
                                tol=SKLEARN_TOL, max_iter=10_000).fit(A, np.asarray(problem.y))
        return {"x": sk.coef_.ravel()}
    sk = Lasso(alpha=problem.lam / m, fit_intercept=False, positive=problem.nonsmooth == "nonneg_l1",
               tol=SKLEARN_TOL, max_iter=100_000).fit(A, np.asarray(problem.b))
    return {"x": np.asarray(sk.coef_, dtype=float).ravel()}


def lasso_half_threshold(problem, *args, **kwargs):
    """WRONG: cyclic coordinate descent for ½‖Ax − b‖² + lam‖x‖₁ with the soft threshold at lam / 2."""
    from refimpl.bcd.problems import LogisticProblem

    A = _data(problem)
    if isinstance(problem, LogisticProblem):
        raise NotApplicable("the wrong variant is written for least squares only")
    b = np.asarray(problem.b, dtype=float)
    x = np.zeros(A.shape[1])
    r = b - A @ x
    col2 = np.sum(A * A, axis=0)
    thr = problem.lam / 2.0  # the bug: should be problem.lam
    for _ in range(WRONG_EPOCHS):
        for j in range(A.shape[1]):
            if col2[j] == 0:
                continue
            rho = A[:, j] @ r + col2[j] * x[j]
            new = np.sign(rho) * max(abs(rho) - thr, 0.0) / col2[j]
            if problem.nonsmooth == "nonneg_l1":
                new = max(rho - thr, 0.0) / col2[j]
            r -= A[:, j] * (new - x[j])
            x[j] = new
    return {"x": x}


@claim(
    id="B-X1",
    family="bcd",
    title="crosscheck: scikit-learn's Lasso and L1-logistic pass every applicable l1_coordinate_descent case",
    reference="scikit-learn Lasso(alpha=lam/m, positive=...), LogisticRegression(penalty='l1', solver='liblinear')",
    target=Target.equal(0, label="failing cases"),
    source="peer",
    seconds=(2.0, 2.0),
)
def bx1_sklearn(ctx: ClaimContext) -> Outcome:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ClaimSkipped('scikit-learn is not installed (pip install "refimpl[peers]")') from None
    rep = crosscheck(sklearn_l1, "bcd.l1_coordinate_descent", cases="golden")
    bad = rep.n_cases - rep.n_passed - rep.n_skipped
    return Outcome(measured=bad, text=summarize(rep),
                   detail=f"max |x - x_sklearn| {rep.max_error.get('x', float('nan')):.2g}; cases not applicable: "
                          f"{rep.n_skipped}")


@claim(
    id="B-X2",
    family="bcd",
    title="crosscheck catches a Lasso coordinate descent with the soft threshold at lam/2",
    reference="Nutini, Laradji & Schmidt 2022, §2 (the proximal coordinate update of the L1 problems)",
    target=Target.equal(0, label="wrong variants not caught"),
    source="design",
    seconds=(2.0, 2.0),
)
def bx2_wrong(ctx: ClaimContext) -> Outcome:
    rep = crosscheck(lasso_half_threshold, "bcd.l1_coordinate_descent", cases="golden")
    return Outcome(measured=int(rep.passed), text=f"lam/2 threshold: {summarize(rep)}")
