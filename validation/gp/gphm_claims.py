"""Claims G-3, G-4, G-5, G-8: GP-HM (Fang et al., ICLR 2024) reproductions.

G-3  1-D smoke: Poisson sin(100x), n = 400, Q = 30, F = 20, λ_b = 200, 100 Adam steps → final-iterate
     rel. L2 0.27 ± 0.03 (authors' log 0.2756; spec §1.10 item 3). Deterministic.
G-4  2-D smoke: sin(100x) sin(100y), n = 400², 100 steps → 0.47 ± 0.05 (authors' log 0.4676), full only.
G-5  convergence: best checkpoint (every 1 500) <= 1e-3 within 12 000 iterations, final iterate < 2e-2
     after 5 000; GP-Matern baseline (Q = 1, μ ≡ 0) >= 10× worse at 5 000 (spec §1.10 items 4–5), full only.
G-8  fixed-kernel ceiling: rel. L2 <= 3e-5 at n = 400; the Nyquist failure at n = 200 reported (spec §1.9).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from refimpl.gp import AliasingWarning, MaternCosine, fixed_kernel_solve, gphm_problem, gphm_solve

from .._claims import ClaimContext, Outcome, claim, pyplot


@claim(id="G-3", family="gp", title="GP-HM 1-D smoke: Poisson sin(100x), 100 Adam steps",
       reference="authors' log code/result_log (0.2756); spec §1.10 item 3 (NumPy prototype 0.262)",
       target="rel. L2 = 0.27 ± 0.03", source="authors-code")
def g3_smoke_1d(ctx: ClaimContext) -> Outcome:
    res = gphm_solve(gphm_problem("poisson_1d-single_sin"), max_iter=100, eval_every=100)
    err = res.rel_l2
    return Outcome(measured=f"{err:.4f}", passed=abs(err - 0.27) <= 0.03,
                   detail=f"final iterate after 100 steps; objective {res.loss_history[0]:.3g} -> "
                          f"{res.loss_history[-1]:.3g}; {res.timings}")


@claim(id="G-4", family="gp", title="GP-HM 2-D smoke: Poisson sin(100x)sin(100y) on 400x400, 100 Adam steps",
       reference="authors' log (0.4676); spec §1.10 item 3", target="rel. L2 = 0.47 ± 0.05",
       quick=False, source="authors-code")
def g4_smoke_2d(ctx: ClaimContext) -> Outcome:
    res = gphm_solve(gphm_problem("poisson_2d-sin_sin"), max_iter=100, eval_every=100)
    err = res.rel_l2
    return Outcome(measured=f"{err:.4f}", passed=abs(err - 0.47) <= 0.05,
                   detail=f"final iterate, N = 160 000; time split {res.timings}")


@claim(id="G-5", family="gp", title="GP-HM converges (best checkpoint <= 1e-3 in 12k iters); GP-Matern >= 10x worse",
       reference="spec §1.10 items 4-5, §1.11 (measured 3.1e-5 at 12 000; GP-Matern 0.556 vs 0.013 at 5 000)",
       target="best <= 1e-3; final@5000 < 2e-2; Matern/GP-HM >= 10", quick=False, source="authors-code")
def g5_convergence(ctx: ClaimContext) -> Outcome:
    prob = gphm_problem("poisson_1d-single_sin")
    res = gphm_solve(prob, max_iter=12000, eval_every=500)
    it, err = res.checkpoint_iters, res.checkpoint_errors
    at5000 = float(err[it == 5000][0])
    best_1500 = float(err[(it % 1500) == 0].min())
    base = gphm_solve(prob, kernel="matern", max_iter=5000, eval_every=500)
    ratio = base.rel_l2 / at5000
    path = ctx.figure_path("gphm_convergence.png")
    if path is not None:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6, 3.6))
        ax.semilogy(it, err, "o-", label="GP-HM-StM (Q = 30)")
        ax.semilogy(base.checkpoint_iters, base.checkpoint_errors, "s-", label="GP-Matern (Q = 1, μ = 0)")
        ax.axhline(1e-3, color="k", ls="--", lw=1, label="target 1e-3 (best checkpoint)")
        ax.set_xlabel("Adam iteration")
        ax.set_ylabel("relative L2 error (300 test points)")
        ax.set_title("1-D Poisson sin(100x), n = 400")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
    passed = best_1500 <= 1e-3 and at5000 < 2e-2 and ratio >= 10
    return Outcome(measured=f"best {best_1500:.1e}; @5000 {at5000:.1e}; ratio {ratio:.0f}", passed=passed,
                   detail=f"GP-HM checkpoints {dict(zip(it.tolist(), np.round(err, 6).tolist()))}; "
                          f"best over all 500-step checkpoints {res.best_rel_l2:.1e} at {res.best_iter}; "
                          f"GP-Matern final {base.rel_l2:.3f} (best {base.best_rel_l2:.3f} at {base.best_iter}), "
                          f"objective {base.loss_history[-1]:.3g} vs GP-HM {res.loss_history[4999]:.3g}")


@claim(id="G-8", family="gp", title="fixed-kernel ceiling: linear solve with the true frequency",
       reference="spec §1.9 (measured 1.4e-5 at n = 400; 0.53 at n = 200, Nyquist)",
       target="rel. L2 <= 3e-5 at n = 400 (n = 200 failure reported)", source="design")
def g8_fixed_kernel(ctx: ClaimContext) -> Outcome:
    k = [MaternCosine(weights=[1.0], scales=[1.0], freqs=[100 / (2 * math.pi)])]
    good = fixed_kernel_solve(gphm_problem("poisson_1d-single_sin"), k).rel_l2
    good_t = fixed_kernel_solve(gphm_problem("poisson_1d-single_sin"), k, tau2=1e4).rel_l2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        bad = fixed_kernel_solve(gphm_problem("poisson_1d-single_sin", n=200), k).rel_l2
    warned = any(issubclass(x.category, AliasingWarning) for x in w)
    return Outcome(measured=f"{good:.1e}", passed=good <= 3e-5,
                   detail=f"n=400: {good:.2e} (tau2=1e4: {good_t:.2e}); documented limitation: n=200 "
                          f"(100 h ≈ π, Nyquist) gives {bad:.2f}, AliasingWarning raised: {warned}")
