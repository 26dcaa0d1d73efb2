"""Claims G-3, G-4, G-5, G-8: GP-HM (Fang et al., ICLR 2024) reproductions.

G-3  1-D smoke: Poisson sin(100x), n = 400, Q = 30, F = 20, λ_b = 200, 100 Adam steps → final-iterate
     rel. L2 0.27 ± 0.03 (authors' log 0.2756, code/result_log). Deterministic.
G-4  2-D smoke: sin(100x) sin(100y), n = 400², 100 steps → 0.47 ± 0.05 (authors' log 0.4676), full only.
G-5  convergence: best checkpoint (every 1 500) <= 1e-3 within 12 000 iterations, final iterate < 2e-2
     after 5 000; GP-Matern baseline (Q = 1, μ ≡ 0) >= 10× worse at 5 000 (Fang et al. 2024, Table 1
     reports GP-HM-StM 1-D Poisson errors of order 1e-3 or below and GP-Matern far worse), full only.
G-8  fixed-kernel ceiling: rel. L2 <= 3e-5 at n = 400; the Nyquist failure at n = 200 reported (our design
     target, measured by our prototype).
"""
from __future__ import annotations

import math
import warnings

from refimpl.gp import AliasingWarning, MaternCosine, fixed_kernel_solve, gphm_problem, gphm_solve

from .._claims import ClaimContext, Outcome, Target, claim, pyplot


def _timings(t):
    return ", ".join(f"{k} {v:.2f} s" for k, v in t.items())


@claim(id="G-3", family="gp", title="GP-HM 1-D smoke: Poisson sin(100x), 100 Adam steps",
       reference="authors' log code/result_log (0.2756 after 100 steps) of Fang et al. (2024)'s JAX code",
       target=Target.close(0.27, atol=0.03, label="final-iterate rel. L2"), source="authors-code",
       seconds=(15.0, 15.0))
def g3_smoke_1d(ctx: ClaimContext) -> Outcome:
    losses = []

    def watch(state):
        losses.append(state.loss)
        ctx.progress(state.iteration, 100, "Adam steps")

    res = gphm_solve(gphm_problem("poisson_1d-single_sin"), max_iter=100, eval_every=25, callback=watch)
    err = res.rel_l2
    path = ctx.figure_path("gphm_smoke_1d.png")
    if path is not None:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(6, 3.6))
        ax.semilogy(res.checkpoint_iters, res.checkpoint_errors, "o-", label="refimpl GP-HM-StM (ours)")
        ax.axhline(0.2756, color="C3", ls="--", lw=1, label="authors' log after 100 steps: 0.2756")
        ax.axhspan(0.24, 0.30, color="0.85", label="target 0.27 ± 0.03")
        ax.set_xlabel("Adam iteration")
        ax.set_ylabel("relative L2 error (300 test points)")
        ax.set_title("G-3: 1-D Poisson sin(100x), n = 400 (Fang et al. 2024)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return Outcome(measured=err, detail=f"final iterate after 100 steps (authors' log 0.2756); objective "
                                        f"{res.loss_history[0]:.3g} -> {res.loss_history[-1]:.3g}; "
                                        f"time split: {_timings(res.timings)}")


@claim(id="G-4", family="gp", title="GP-HM 2-D smoke: Poisson sin(100x)sin(100y) on 400x400, 100 Adam steps",
       reference="authors' log code/result_log (0.4676 after 100 steps) of Fang et al. (2024)'s JAX code",
       target=Target.close(0.47, atol=0.05, label="final-iterate rel. L2"),
       quick=False, source="authors-code", seconds=(0.0, 60.0))
def g4_smoke_2d(ctx: ClaimContext) -> Outcome:
    res = gphm_solve(gphm_problem("poisson_2d-sin_sin"), max_iter=100, eval_every=100,
                     callback=lambda s: ctx.progress(s.iteration, 100, "Adam steps"))
    err = res.rel_l2
    return Outcome(measured=err, detail=f"final iterate, N = 160 000 (authors' log 0.4676); time split: "
                                        f"{_timings(res.timings)}")


@claim(id="G-5", family="gp", title="GP-HM converges (best checkpoint <= 1e-3 in 12k iters); GP-Matern >= 10x worse",
       reference="Fang et al. (2024), Table 1 (GP-HM far below GP-Matern on 1-D Poisson); thresholds are "
                 "our design targets (our prototype: 3.1e-5 at 12 000; GP-Matern 0.556 vs 0.013 at 5 000)",
       target={"best": Target.at_most(1e-3, label="best checkpoint rel. L2"),
               "at5000": Target.at_most(2e-2, label="rel. L2 at 5 000"),
               "ratio": Target.at_least(10, label="GP-Matern / GP-HM at 5 000")},
       quick=False, source="design", seconds=(0.0, 530.0))  # measured 528 s (numpy, 1 thread, busy 2-core machine)
def g5_convergence(ctx: ClaimContext) -> Outcome:
    prob = gphm_problem("poisson_1d-single_sin")
    res = gphm_solve(prob, max_iter=12000, eval_every=500,
                     callback=lambda s: ctx.progress(s.iteration, 17000, "Adam steps"))
    it, err = res.checkpoint_iters, res.checkpoint_errors
    at5000 = float(err[it == 5000][0])
    best_1500 = float(err[(it % 1500) == 0].min())
    base = gphm_solve(prob, kernel="matern", max_iter=5000, eval_every=500,
                      callback=lambda s: ctx.progress(12000 + s.iteration, 17000, "Adam steps"))
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
    ck = ", ".join(f"{i}: {e:.2e}" for i, e in zip(it.tolist(), err.tolist()))
    return Outcome(measured={"best": best_1500, "at5000": at5000, "ratio": ratio},
                   text=f"best {best_1500:.1e}; @5000 {at5000:.1e}; ratio {ratio:.0f}",
                   detail=f"GP-HM checkpoints {ck}; "
                          f"best over all 500-step checkpoints {res.best_rel_l2:.1e} at {res.best_iter}; "
                          f"GP-Matern final {base.rel_l2:.3f} (best {base.best_rel_l2:.3f} at {base.best_iter}), "
                          f"objective {base.loss_history[-1]:.3g} vs GP-HM {res.loss_history[4999]:.3g}")


@claim(id="G-8", family="gp", title="fixed-kernel ceiling: linear solve with the true frequency",
       reference="our design target from our prototype (1.4e-5 at n = 400; 0.53 at n = 200, Nyquist): the "
                 "derivative machinery of Fang et al. (2024), eq. (13), with the kernel frozen",
       target=Target.at_most(3e-5, label="rel. L2 at n = 400"), source="design", seconds=(1.0, 1.0))
def g8_fixed_kernel(ctx: ClaimContext) -> Outcome:
    k = [MaternCosine(weights=[1.0], scales=[1.0], freqs=[100 / (2 * math.pi)])]
    good = fixed_kernel_solve(gphm_problem("poisson_1d-single_sin"), k).rel_l2
    good_t = fixed_kernel_solve(gphm_problem("poisson_1d-single_sin"), k, tau2=1e4).rel_l2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        bad = fixed_kernel_solve(gphm_problem("poisson_1d-single_sin", n=200), k).rel_l2
    warned = any(issubclass(x.category, AliasingWarning) for x in w)
    return Outcome(measured=good,
                   detail=f"n=400: {good:.2e} (tau2=1e4: {good_t:.2e}); documented limitation: n=200 "
                          f"(100 h ≈ π, Nyquist) gives {bad:.2f}, AliasingWarning raised: {warned}")
