"""Paper F claims (Choi & Chen, *Improved iterative methods for solving risk parity portfolio*, J. Derivatives
and Quantitative Studies 30(2), 2022, arXiv:2203.00148; authors' code PyFE/PyFENG and the notebook
PyFE/PyfengForPapers ``ChoiChen2022-JDQS-RiskParity.ipynb``): the 5-asset example, the long/short weights of
Table 4, the sweep counts of Test 1 and the singular Test 2."""

from __future__ import annotations

import math

import numpy as np

from refimpl.backends import use_backend
from refimpl.newton import RiskParityStatus, risk_parity
from refimpl.newton.risk_parity import COV5

from .._claims import ClaimContext, Outcome, Target, claim, pyplot
W5 = np.array([0.125, 0.047, 0.083, 0.613, 0.132])
TABLE4 = {
    (-1, 1, 1, 1, 1): [-0.223, 0.074, 0.125, 0.820, 0.204],
    (1, -1, 1, 1, 1): [0.157, -0.128, 0.124, 0.538, 0.309],
    (1, 1, -1, 1, 1): [0.154, 0.073, -0.285, 0.717, 0.341],
}


def random_correlation(rng: np.random.Generator, n: int, n_zero: int = 0) -> np.ndarray:
    """The paper's test matrices: eigenvalues iid U(0, 1) (the last ``n_zero`` set to 0), rescaled to sum n,
    then SciPy's ``random_correlation`` (unit diagonal). Our generator stream, not the notebook's."""
    from scipy.stats import random_correlation as rc

    ev = np.zeros(n)
    ev[: n - n_zero] = rng.uniform(size=n - n_zero)
    ev *= n / ev.sum()
    C = rc.rvs(ev, tol=1e-11, random_state=rng)
    C = 0.5 * (C + C.T)
    np.fill_diagonal(C, 1.0)
    return C


def _fast():
    """The numba backend when it is installed (the CCD sweep has a Numba twin), else the active one."""
    try:
        import numba  # noqa: F401

        return use_backend("numba")
    except ImportError:  # pragma: no cover - numba is a test dependency
        import contextlib

        return contextlib.nullcontext()


@claim(
    id="F-1",
    family="newton",
    title="5-asset example: equal-risk weights (0.125, 0.047, 0.083, 0.613, 0.132); improved CCD 6 sweeps, "
          "original CCD 11 sweeps at tol 1e-6",
    reference="Choi & Chen (2022), Tables 2-3 (covariance of Bai et al. 2016, §6.1)",
    target={
        "max |w − w_paper|": Target.at_most(1e-3, label="all three methods, to the paper's 3 decimals"),
        "improved CCD sweeps": Target.equal(6),
        "original CCD sweeps": Target.equal(11),
    },
    source="paper",
    seconds=(0.1, 0.1),
)
def f1_five_assets(ctx: ClaimContext) -> Outcome:
    runs = {m: risk_parity(COV5, method=m, tol=1e-6) for m in ("ccd_improved", "ccd", "newton")}
    dev = max(float(np.max(np.abs(np.asarray(r.weights) - W5))) for r in runs.values())
    imp, orig, nt = runs["ccd_improved"], runs["ccd"], runs["newton"]
    return Outcome(
        measured={"max |w − w_paper|": dev, "improved CCD sweeps": imp.n_iter, "original CCD sweeps": orig.n_iter},
        detail=(f"final errors: improved {imp.residuals[-1]:.3g} (paper 2.3e-7), original {orig.residuals[-1]:.3g} "
                f"(paper 7.9e-7); Newton {nt.n_iter} function evaluations, error {nt.residuals[-1]:.2g}"),
    )


@claim(
    id="F-2",
    family="newton",
    title="5-asset long/short risk parity: the weights of the sign patterns (−,+,+,+,+), (+,−,+,+,+), (+,+,−,+,+)",
    reference="Choi & Chen (2022), Table 4 (long/short formulation of Bai et al. 2016)",
    target=Target.at_most(1e-3, label="max |w − w_paper| over the 3 patterns and the 3 methods"),
    source="paper",
    seconds=(0.1, 0.1),
)
def f2_long_short(ctx: ClaimContext) -> Outcome:
    worst = 0.0
    counts = []
    for signs, want in TABLE4.items():
        for m in ("ccd_improved", "ccd", "newton"):
            r = risk_parity(COV5, method=m, signs=signs, tol=1e-6)
            if r.status is not RiskParityStatus.CONVERGED:
                worst = math.inf
                continue
            worst = max(worst, float(np.max(np.abs(np.asarray(r.weights) - np.asarray(want)))))
            counts.append(f"{m} {r.n_iter}")
    return Outcome(measured=worst, detail="iterations per pattern and method: " + ", ".join(counts))


def _sweep_counts(ctx: ClaimContext, Ns, reps: int, n_zero_frac: float, seed: int):
    """Mean sweeps / function evaluations per N; non-converged and wrong-sign counts."""
    rng = ctx.rng(seed)
    out = {m: [] for m in ("ccd_improved", "ccd", "newton")}
    fails = {m: 0 for m in out}
    agree = 0.0
    resid = 0.0
    total = len(Ns) * reps
    done = 0
    with _fast():
        for n in Ns:
            per = {m: [] for m in out}
            for _ in range(reps):
                C = random_correlation(rng, n, int(round(n_zero_frac * n)))
                ws = {}
                for m in out:
                    r = risk_parity(C, method=m, tol=1e-6, max_iter=1000)
                    if r.status is RiskParityStatus.CONVERGED:
                        per[m].append(r.n_iter)
                    else:
                        fails[m] += 1
                    ws[m] = np.asarray(r.weights)
                    if m != "newton":
                        resid = max(resid, r.residual)
                agree = max(agree, float(np.max(np.abs(ws["ccd"] - ws["ccd_improved"]))))
                done += 1
                ctx.progress(done, total, "matrices")
            for m in out:
                out[m].append(float(np.mean(per[m])) if per[m] else math.nan)
    return out, fails, agree, resid


@claim(
    id="F-3",
    family="newton",
    title="Test 1 (random correlation matrices): mean sweeps improved CCD ∈ [8.5, 11], original CCD ∈ [14, 20], "
          "ratio ≤ 0.65; both CCDs give the same weights",
    reference=("Choi & Chen (2022), Test 1 (improved CCD saves > 40 % of the sweeps); the ranges read off the "
               "public notebook's figure (20 repetitions per N, tol 1e-6)"),
    target={
        "improved mean sweeps (min over N)": Target.between(8.5, 11.0),
        "improved mean sweeps (max over N)": Target.between(8.5, 11.0),
        "original mean sweeps (min over N)": Target.between(14.0, 20.0),
        "original mean sweeps (max over N)": Target.between(14.0, 20.0),
        "improved / original": Target.at_most(0.65, label="worst N"),
        "max |w_ccd − w_improved|": Target.at_most(1e-5),
        "max RC residual": Target.at_most(1e-6, label="max_i |w_i(Σw)_i / wᵀΣw − b_i|, both CCDs"),
    },
    source="authors-code",
    seconds=(5.0, 12.0),
)
def f3_test1(ctx: ClaimContext) -> Outcome:
    Ns = (25, 100) if ctx.quick else (25, 50, 100, 200, 300)
    reps = 10 if ctx.quick else 20
    out, fails, agree, resid = _sweep_counts(ctx, Ns, reps, 0.0, 123456)
    imp, orig = np.asarray(out["ccd_improved"]), np.asarray(out["ccd"])
    measured = {
        "improved mean sweeps (min over N)": float(np.min(imp)),
        "improved mean sweeps (max over N)": float(np.max(imp)),
        "original mean sweeps (min over N)": float(np.min(orig)),
        "original mean sweeps (max over N)": float(np.max(orig)),
        "improved / original": float(np.max(imp / orig)),
        "max |w_ccd − w_improved|": agree,
        "max RC residual": resid,
    }
    path = ctx.figure_path("risk_parity_sweeps.png")
    if path is not None:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for m, label in (("ccd_improved", "improved CCD (sweeps)"), ("ccd", "original CCD (sweeps)"),
                         ("newton", "Newton (function evaluations)")):
            ax.plot(Ns, out[m], "o-", label=label)
        ax.set_xlabel("N (assets)"), ax.set_ylabel(f"mean over {reps} matrices"), ax.legend(fontsize=7)
        ax.set_title("Test 1: random correlation, equal budgets, tol 1e-6", fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
    table = "; ".join(f"N={n}: improved {a:.2f}, original {b:.2f}, Newton {c:.2f}"
                      for n, a, b, c in zip(Ns, out["ccd_improved"], out["ccd"], out["newton"]))
    return Outcome(measured=measured,
                   detail=(f"{reps} matrices per N (our seed 123456 stream, not the notebook's draws); mean sweeps "
                           f"{table} (Newton: function evaluations of our undamped Newton, fewer than the "
                           f"notebook's SciPy root counts of about 9-11); not converged / wrong sign pattern: {fails}"))


@claim(
    id="F-4",
    family="newton",
    title="Test 2 (singular correlation, 20 % zero eigenvalues): the improved CCD converges on every matrix",
    reference="Choi & Chen (2022), Test 2 (the coordinate update needs only C_ii = 1, not an invertible C)",
    target={
        "improved CCD failures": Target.equal(0, label="runs not converged within 1000 sweeps"),
        "original CCD failures": Target.equal(0, label="runs not converged within 1000 sweeps"),
    },
    source="paper",
    seconds=(1.0, 8.0),
)
def f4_test2(ctx: ClaimContext) -> Outcome:
    Ns = (25, 100) if ctx.quick else (25, 50, 100, 200, 300)
    reps = 10 if ctx.quick else 20
    out, fails, _, _ = _sweep_counts(ctx, Ns, reps, 0.2, 654321)
    table = "; ".join(f"N={n}: improved {a:.2f}, original {b:.2f}, Newton {c:.2f}"
                      for n, a, b, c in zip(Ns, out["ccd_improved"], out["ccd"], out["newton"]))
    return Outcome(
        measured={"improved CCD failures": fails["ccd_improved"], "original CCD failures": fails["ccd"]},
        detail=(f"{reps} matrices per N; mean sweeps (Newton: function evaluations of our undamped Newton) "
                f"{table}; failures (not converged / wrong sign): {fails}"),
    )


@claim(
    id="F-5",
    family="newton",
    title="risk parity weights equal the root of Spinu's system found by SciPy root (MINPACK hybrid)",
    reference="scipy.optimize.root(method='hybr', jac=C + diag(b/x²)) on Cx = b/x from the improved start, "
              "the solver of the authors' Newton runs",
    target=Target.at_most(1e-9, label="max |w − w_scipy| over 5 (quick: 3) random covariances (N = 30, random budgets, "
                                      "one long/short pattern each), all three methods at tol 1e-12"),
    source="peer",
    seconds=(1.5, 2.5),
)
def f5_scipy_root(ctx: ClaimContext) -> Outcome:
    from scipy.optimize import root

    rng = ctx.rng(7)
    worst = 0.0
    n = 30
    used = 0
    draws = 3 if ctx.quick else 5
    for _ in range(draws):
        C = random_correlation(rng, n)
        sig = rng.uniform(0.1, 0.5, n)
        S = C * np.outer(sig, sig)
        b = rng.uniform(0.5, 2.0, n)
        b /= b.sum()
        s = np.where(rng.random(n) < 0.2, -1.0, 1.0)
        z = s / math.sqrt(s @ C @ s)
        a = (C @ z - z) / 2
        x0 = s * np.sqrt(a * a + b) - a
        sol = root(lambda x: C @ x - b / x, x0, jac=lambda x: C + np.diag(b / (x * x)), tol=1e-14)
        w_sp = sol.x / sig
        w_sp /= w_sp.sum()
        if not (sol.success and np.array_equal(np.sign(w_sp), s)):
            continue  # SciPy landed elsewhere: no reference for this draw (counted in the detail)
        used += 1
        for m in ("ccd_improved", "ccd", "newton"):
            r = risk_parity(S, b, method=m, signs=s, tol=1e-12, max_iter=100000)
            worst = max(worst, float(np.max(np.abs(np.asarray(r.weights) - w_sp))))
    if used == 0:
        worst = math.inf
    return Outcome(measured=worst, detail=f"N = 30, 20 % short positions, budgets ∝ U(0.5, 2); SciPy found the "
                                          f"requested root on {used} of {draws} draws (the others are not compared)")
