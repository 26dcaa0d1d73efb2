"""Cross-checks of the newton family against scikit-learn, SciPy and brute force."""

from __future__ import annotations

import numpy as np

from refimpl.newton import cubic_step, damped_newton, lazy_newton, peer_logistic

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim


@claim(
    id="P-1",
    family="newton",
    title="l2-logistic minimiser equals scikit-learn newton-cholesky and SciPy trust-exact",
    reference="scikit-learn LogisticRegression(solver='newton-cholesky', C = 1/(λn), fit_intercept=False); "
              "scipy.optimize.minimize(method='trust-exact')",
    target={
        "sklearn": Target.at_most(1e-8, label="max |x − x_sklearn|"),
        "scipy": Target.at_most(1e-8, label="max |x − x_scipy|"),
        "lazy vs damped": Target.at_most(1e-8, label="max |x_lazy − x_GRLS|"),
    },
    source="peer",
    seconds=(6.0, 6.0),
)
def p1_logistic_peers(ctx: ClaimContext) -> Outcome:
    try:
        from sklearn.linear_model import LogisticRegression as SkLR
    except ImportError:
        raise ClaimSkipped('scikit-learn is not installed (pip install "refimpl[peers]")') from None
    from scipy.optimize import minimize

    n, d = (2000, 50) if ctx.quick else (10000, 100)
    lam = 1e-4
    prob = peer_logistic(n, d, lam=lam)
    x0 = np.zeros(d)
    ours = damped_newton(prob, x0=x0, schedule="grls", gtol=1e-12)
    lazy = lazy_newton(prob, x0=x0, m=10, M=1e-2, variant="regularized", gtol=1e-12, max_iter=10000)
    sk = SkLR(solver="newton-cholesky", C=1.0 / (lam * n), fit_intercept=False, tol=1e-14, max_iter=200)
    sk.fit(prob.A, prob.y)
    sp = minimize(lambda w: float(prob.fun(w)), x0, jac=lambda w: np.asarray(prob.grad(w)),
                  hess=lambda w: np.asarray(prob.hess(w)), method="trust-exact", options={"gtol": 1e-12})
    x = np.asarray(ours.x)
    return Outcome(
        measured={"sklearn": float(np.abs(x - sk.coef_.ravel()).max()), "scipy": float(np.abs(x - sp.x).max()),
                  "lazy vs damped": float(np.abs(np.asarray(lazy.x) - x).max())},
        detail=(f"peer instance n={n}, d={d}, λ={lam:g}; ours GRLS {ours.n_iter} it. (‖g‖={ours.grad_norm:.1e}), "
                f"lazy m=10 {lazy.n_iter} it. / {lazy.n_hess} Hessians, sklearn {int(np.max(sk.n_iter_))} it., "
                f"trust-exact {sp.nit} it."),
    )


@claim(
    id="P-2",
    family="newton",
    title="cubic_step agrees with brute-force minimisation on 2-D indefinite problems",
    reference="dense 301×301 grid + BFGS polish from the 4 best grid points (scipy.optimize.minimize) of the cubic model",
    target=Target.equal(0, label="problems where brute force finds a lower model value (by > 1e-10)"),
    source="peer",
    seconds=(3.0, 8.0),
)
def p2_cubic_brute_force(ctx: ClaimContext) -> Outcome:
    from scipy.optimize import minimize

    rng = ctx.rng(5)
    n_prob = 20 if ctx.quick else 60
    bad = 0
    worst_gap = -np.inf
    for k in range(n_prob):
        Q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
        A = (Q * (3 * rng.standard_normal(2) - 1.0)) @ Q.T
        A = 0.5 * (A + A.T)
        g = rng.standard_normal(2)
        M = 10.0 ** rng.uniform(-1, 1)

        def model(z):
            return g @ z + 0.5 * z @ A @ z + M / 6 * np.linalg.norm(z) ** 3

        h = cubic_step(g, A, M)
        R = 4 * (np.abs(A).max() / M + np.sqrt(np.linalg.norm(g) / M)) + 1
        t = np.linspace(-R, R, 301)
        P = np.stack([a.ravel() for a in np.meshgrid(t, t)], 1)
        vals = P @ g + 0.5 * np.einsum("ki,ij,kj->k", P, A, P) + M / 6 * np.linalg.norm(P, axis=1) ** 3
        def model_grad(z):
            return g + A @ z + 0.5 * M * np.linalg.norm(z) * z

        best = min(minimize(model, P[i], jac=model_grad, method="BFGS", options={"gtol": 1e-13}).fun
                   for i in np.argsort(vals)[:4])
        gap = model(h) - best
        worst_gap = max(worst_gap, gap)
        bad += int(gap > 1e-10)
        ctx.progress(k + 1, n_prob, "problems")
    return Outcome(measured=bad, detail=f"{n_prob} random 2-D problems with λ_min < 0 mostly; worst model(h) − brute force = {worst_gap:.2e}")
