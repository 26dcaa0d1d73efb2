"""C-3, C-4: Monte-Carlo validity and tightness of CRC, and the test that catches a dropped "+1".

C-3 (Angelopoulos et al. Theorems 1-2; spec §5.1 V3(a)). i.i.d. multilabel problem with K = 10
labels and calibrated probabilities: f_k = sigmoid(2 z_k), z_k ~ N(0, 1), Y_k ~ Bernoulli(f_k);
FNR loss, grid of 201 points on [0, 1], alpha = 0.1. The mean test loss must lie in
[alpha - 2B/(n+1), alpha] up to 3 Monte-Carlo standard errors (Theorem 2 needs losses without
jumps at fixed λ; the FNR loss is a step function of the scores, so tightness holds up to grid
resolution).

C-4 (spec §5.1 V3(b), §4.8 "the +1"). With the 0/1 miscoverage loss of U(0, 1) scores, the
conditional risk of λ̂ is exactly 1 - λ̂, and E[1 - λ̂] = 1 - k/(n+1) with k = ⌈(n+1)(1-alpha)⌉:
5/51 = 0.0980 at n = 50, alpha = 0.1. The variant without the test point's "+1" (risk R̂ <= alpha)
gives k = 45, i.e. 6/51 = 0.1176. The measured mean must be within 3 s.e. of 5/51 and more than
5 s.e. away from 6/51; the no-"+1" variant is run too, to show the test separates them.
"""

from __future__ import annotations

import numpy as np

from refimpl.conformal import crc_lambda_hat, fnr_loss_table, miscoverage_loss_table

from .._claims import ClaimContext, Outcome, claim

K_LABELS, ALPHA = 10, 0.1
GRID = np.linspace(0.0, 1.0, 201)


def _draw(rng, size):
    f = 1.0 / (1.0 + np.exp(-2.0 * rng.standard_normal((size, K_LABELS))))
    return f, rng.uniform(size=f.shape) < f


def _crc_risk(rng, n: int, reps: int, n_test: int = 20) -> tuple[float, float]:
    """Mean and MC standard error of the test FNR at λ̂ over ``reps`` calibration draws."""
    risks = np.empty(reps)
    chunk = max(1, 20000 // n)
    for start in range(0, reps, chunk):
        r = min(chunk, reps - start)
        f_cal, y_cal = _draw(rng, r * n)
        L = fnr_loss_table(f_cal, y_cal, GRID)  # (r n, 201) in one call
        f_te, y_te = _draw(rng, r * n_test)
        L_te = fnr_loss_table(f_te, y_te, GRID)
        for i in range(r):
            j = crc_lambda_hat(L[i * n:(i + 1) * n], GRID, ALPHA).index
            risks[start + i] = L_te[i * n_test:(i + 1) * n_test, j].mean()
    return float(risks.mean()), float(risks.std(ddof=1) / np.sqrt(reps))


@claim(
    id="C-3",
    family="conformal",
    title="CRC validity and tightness (FNR, i.i.d.): alpha - 2/(n+1) <= E[loss] <= alpha",
    reference="Angelopoulos et al. 2024, Theorems 1-2; spec §5.1 V3(a) (measured 0.0567/0.0826/0.0969)",
    target="mean test FNR in [alpha - 2/(n+1), alpha] ± 3 s.e. for n = 20, 50 (+500 in full); "
    "--quick: 1000 reps",
    source="paper",
)
def crc_validity_tightness(ctx: ClaimContext) -> Outcome:
    rng = ctx.rng(3)
    plan = [(20, 1000), (50, 1000)] if ctx.quick else [(20, 4000), (50, 4000), (500, 1500)]
    parts, ok = [], True
    for n, reps in plan:
        mean, se = _crc_risk(rng, n, reps)
        lo, hi = ALPHA - 2.0 / (n + 1), ALPHA
        ok &= lo - 3 * se <= mean <= hi + 3 * se
        parts.append(f"n={n}: {mean:.4f}±{se:.4f}")
    return Outcome(measured="; ".join(parts), passed=ok,
                   detail=f"K={K_LABELS}, 201-point grid, alpha={ALPHA}, 20 test points per calibration draw")


def _miscoverage_risk(rng, n: int, reps: int, plus_one: bool) -> np.ndarray:
    s = rng.uniform(size=(reps, n))
    out = np.empty(reps)
    for i in range(reps):
        grid = np.concatenate([np.sort(s[i]), [np.inf]])
        L = miscoverage_loss_table(s[i], grid)
        if plus_one:
            lam = crc_lambda_hat(L, grid, ALPHA).lambda_hat
        else:  # the bug: normalise over the calibration points only, R̂(λ) <= alpha
            lam = grid[int(np.argmax(L.mean(axis=0) <= ALPHA))]
        out[i] = 1.0 - min(lam, 1.0)  # P(s_test > λ̂ | λ̂) for U(0, 1) scores
    return out


@claim(
    id="C-4",
    family="conformal",
    title='0/1-loss CRC risk is exactly 1 - k/(n+1); a dropped "+1" is detected',
    reference="Angelopoulos et al. 2024 §2.3 + order statistics of U(0,1); spec §4.8, §5.1 V3(b)",
    target="abs(mean - 5/51) <= 3 s.e. and abs(mean - 6/51) > 5 s.e. (n = 50, alpha = 0.1); "
    "--quick: 4000 reps (full 20000)",
    source="identity",
)
def dropped_plus_one(ctx: ClaimContext) -> Outcome:
    rng = ctx.rng(4)
    n, reps = 50, (4000 if ctx.quick else 20000)
    risk = _miscoverage_risk(rng, n, reps, plus_one=True)
    bug = _miscoverage_risk(ctx.rng(5), n, reps, plus_one=False)
    mean, se = risk.mean(), risk.std(ddof=1) / np.sqrt(reps)
    right, wrong = 1 - 46 / 51, 1 - 45 / 51
    passed = abs(mean - right) <= 3 * se and abs(mean - wrong) > 5 * se
    return Outcome(
        measured=f"{mean:.4f} ± {se:.4f} (target {right:.4f}); without +1: {bug.mean():.4f} (≈ {wrong:.4f})",
        passed=bool(passed),
        detail=f"{reps} reps; separation from the buggy value {abs(mean - wrong) / se:.0f} s.e.",
    )
