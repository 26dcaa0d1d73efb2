"""C-2: exact identities between CRC, non-X CRC, split CP and the weighted (nexCP) quantile.

On random inputs with many ties, with the grid Λ = sorted distinct calibration scores plus +inf:

(a) non-X CRC with unit weights = CRC (Farinhas et al. §3.1: w ≡ 1 recovers eq. (6));
(b) CRC with the miscoverage loss 1{s > λ}, B = 1 = the split-CP order statistic
    s_(⌈(n+1)(1-alpha)⌉) (Angelopoulos et al. §2.3), including the +inf case;
(c) non-X CRC with the miscoverage loss = the weighted quantile of Barber et al. with the test mass
    at +inf (Farinhas et al. eqs. (4), (10)), including the +inf case.

Weights are dyadic (k/16), so every sum is exact in floating point and the identities must hold
exactly, with no tolerance, on every backend.
"""

from __future__ import annotations

import math

import numpy as np

from refimpl.backends import to_numpy
from refimpl.conformal import conformal_quantile, crc_lambda_hat, miscoverage_loss_table

from .._claims import ClaimContext, Outcome, Target, claim

@claim(
    id="C-2",
    family="conformal",
    title="exact identities: non-X CRC(w=1) = CRC; CRC(miscoverage) = split-CP order statistic; "
    "non-X CRC(miscoverage) = weighted quantile (incl. +inf)",
    reference="Angelopoulos et al. 2024 §2.3; Farinhas et al. 2024 eqs. (4), (6), (10)",
    target=Target.equal(0, label="mismatches"),
    source="identity",
    per_backend=True,
    seconds=(1.0, 2.0),  # measured on 2 cores (numpy 0.4 / 1.8 s; numba ~1 s more, compilation)
)
def exact_identities(ctx: ClaimContext) -> Outcome:
    rng = ctx.rng(2)
    n_cases = 100 if ctx.quick else 1000
    xb = ctx.backend.asarray
    mismatches, n_checks, n_inf = 0, 0, 0
    for case in range(n_cases):
        if case % 50 == 0:
            ctx.progress(case, n_cases, "problems")
        n = int(rng.integers(1, 60))
        s = rng.integers(0, 15, n) / 4.0  # many ties
        w = rng.integers(0, 17, n) / 16.0
        if w.sum() == 0:
            w[0] = 1.0
        grid = np.concatenate([np.unique(s), [np.inf]])
        L = miscoverage_loss_table(s, grid)
        alpha = float(rng.choice([0.05, 0.1, 0.2, 0.5, rng.uniform(0.005, 0.995)]))
        Lb, gb = xb(L), xb(grid)
        crc = crc_lambda_hat(Lb, gb, alpha)
        crc_unit = crc_lambda_hat(Lb, gb, alpha, weights=xb(np.ones(n)))
        nonx = crc_lambda_hat(Lb, gb, alpha, weights=xb(w))
        q = conformal_quantile(xb(s), alpha)
        q_w = conformal_quantile(xb(s), alpha, xb(w))
        k = math.ceil(round((n + 1) * (1 - alpha), 9))  # independent order statistic
        q_sorted = float(np.sort(s)[k - 1]) if k <= n else math.inf
        checks = [
            crc.lambda_hat == crc_unit.lambda_hat,
            bool(np.array_equal(to_numpy(crc.bound), to_numpy(crc_unit.bound))),
            crc.lambda_hat == q == q_sorted,
            nonx.lambda_hat == q_w,
        ]
        n_checks += len(checks)
        mismatches += len(checks) - sum(checks)
        n_inf += (q == math.inf) + (q_w == math.inf)
    return Outcome(
        measured=mismatches,
        text=f"{mismatches} mismatches / {n_checks} checks",
        detail=f"{n_cases} random problems (n <= 59, tied scores, dyadic weights), {n_inf} +inf quantiles; "
        f"backend {ctx.backend.name}",
    )
