"""Sampling-family claims: leverage-score identities and sketch accuracy, pivotal marginals (Shimizu
et al., ICLR 2024), coordinated product sketches (Daliri et al., ICLR 2025)."""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg

from refimpl.backends import to_numpy
from refimpl.sampling import (
    bernoulli_sample,
    inclusion_probabilities,
    leverage_scores,
    pivotal_sample,
    pivotal_tree,
    priority_sketch,
    sketched_product,
    threshold_sketch,
)

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim

FAMILY = "sampling"


def _np(x):
    return np.asarray(to_numpy(x))


def _tall(n, d, seed, heavy=True):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    if heavy:  # peer-baselines recipe: heavy-tailed row scales, log-spaced column scales
        A = A * (np.abs(rng.standard_t(2, size=n)) + 1e-3)[:, None] * np.logspace(0, -3, d)
    return A


@claim(
    id="S-1",
    family=FAMILY,
    title="exact leverage scores: sum = rank, 0 <= tau <= 1, QR = SVD, column-space scores of a rank-deficient A",
    reference="exact identities of tau_i = ||U_i||^2 (Drineas et al. 2012, Sec. 2)",
    target={
        "|sum - d| / d": Target.at_most(1e-12, label="|Σ τ - d| / d"),
        "range violation": Target.at_most(1e-13, label="max(-min τ, max τ - 1)"),
        "QR vs SVD": Target.at_most(1e-10, label="max |τ_QR - τ_SVD|"),
        "|sum - rank|": Target.at_most(1e-10, label="rank-deficient |Σ τ - r|"),
    },
    source="identity",
    seconds=(0.1, 2.5),
)
def s1_identities(ctx: ClaimContext) -> Outcome:
    sizes = [(2000, 20)] if ctx.quick else [(2000, 20), (50000, 50), (20000, 200)]
    worst = dict.fromkeys(["|sum - d| / d", "range violation", "QR vs SVD", "|sum - rank|"], 0.0)
    for i, (n, d) in enumerate(sizes):
        A = ctx.backend.asarray(_tall(n, d, seed=i))
        tq, ts = _np(leverage_scores(A)), _np(leverage_scores(A, method="svd"))
        worst["|sum - d| / d"] = max(worst["|sum - d| / d"], abs(tq.sum() - d) / d, abs(ts.sum() - d) / d)
        worst["range violation"] = max(worst["range violation"], -tq.min(), tq.max() - 1, -ts.min(), ts.max() - 1, 0)
        worst["QR vs SVD"] = max(worst["QR vs SVD"], float(np.abs(tq - ts).max()))
        rng = np.random.default_rng(10 + i)
        r = d // 2
        low = ctx.backend.asarray(rng.standard_normal((n, r)) @ rng.standard_normal((r, d)))
        tl = _np(leverage_scores(low, rank_tol=1e-10))
        worst["|sum - rank|"] = max(worst["|sum - rank|"], abs(tl.sum() - r))
        ctx.progress(i + 1, len(sizes), "matrices")
    return Outcome(measured=worst, detail=f"heavy-tailed tall matrices {sizes}; rank d/2 products for the last check")


@claim(
    id="S-2",
    family=FAMILY,
    title="sketched leverage scores within (1 ± eps) of the exact ones (max over rows)",
    reference="Drineas et al. 2012, Alg. 1 and its (1 ± eps) guarantee; sketch sizes ours (sketch_sizes)",
    target=Target.at_most(1.0, label="max_i |τ̃_i/τ_i - 1| / eps (worst case)"),
    source="design",
    seconds=(2.6, 75.0),
)
def s2_sketched(ctx: ClaimContext) -> Outcome:
    if ctx.quick:
        cases = [(10000, 10, 0)]
        eps_list, seeds = (0.5, 0.25), (0,)
    else:
        cases = [(20000, 20, 0), (50000, 50, 1), (50000, 300, 2)]
        eps_list, seeds = (0.5, 0.2, 0.1), (0, 1, 2)
    worst, where = 0.0, ""
    runs = [(c, e, emb, jl, s) for c in cases for e in eps_list for emb in ("sparse_sign", "gaussian", "srht")
            for jl in (False, True) for s in seeds]
    runs = [r for r in runs if not (r[2] != "sparse_sign" and r[0][0] * r[0][1] > 2e6)]  # dense Φ only when cheap
    exact = {}
    for j, ((n, d, seed), eps, emb, jl, s) in enumerate(runs):
        if (n, d, seed) not in exact:
            A = ctx.backend.asarray(_tall(n, d, seed, heavy=False))
            exact[(n, d, seed)] = (A, _np(leverage_scores(A)))
        A, tau = exact[(n, d, seed)]
        approx = _np(leverage_scores(A, method="sketch", eps=eps, rng=s, embedding=emb, jl=jl))
        ratio = float(np.abs(approx / tau - 1).max()) / eps
        if ratio > worst:
            worst, where = ratio, f"n={n}, d={d}, eps={eps}, {emb}, jl={jl}"
        ctx.progress(j + 1, len(runs), "sketches")
    return Outcome(measured=worst, detail=f"{len(runs)} sketches of Gaussian tall matrices; worst at {where}")


@claim(
    id="S-3",
    family=FAMILY,
    title="exact leverage scores equal SciPy economic-QR row norms (peer)",
    reference="scipy.linalg.qr(mode='economic') + squared row norms (peer-baselines recipe, n=20000, d=50)",
    target=Target.at_most(1e-12, label="max |τ - τ_SciPy|"),
    source="peer",
    seconds=(0.2, 0.2),
)
def s3_peer(ctx: ClaimContext) -> Outcome:
    A = _tall(20000, 50, seed=0)
    Q, _ = scipy.linalg.qr(A, mode="economic")
    tau = _np(leverage_scores(ctx.backend.asarray(A)))
    return Outcome(measured=float(np.abs(tau - (Q**2).sum(1)).max()), detail="heavy-tailed 20000 x 50 matrix")


def _marginal_z(counts, p, R):
    sd = np.sqrt(p * (1 - p) / R)
    frac = p[(p > 0) & (p < 1)]
    z = np.abs(counts / R - p)[(p > 0) & (p < 1)] / sd[(p > 0) & (p < 1)]
    return float(z.max()) if frac.size else 0.0


@claim(
    id="G-1",
    family=FAMILY,
    title="tree pivotal sampling: marginals = p within 4 MC s.d., every sample of size exactly k",
    reference="Shimizu et al. 2024, Alg. 1 (fixed size, marginals exactly p); 37 items, sum p = 9",
    target={
        "max z (given order)": Target.at_most(4.0, label="max |f_i - p_i| / sd_i, given order"),
        "max z (spatial tree)": Target.at_most(4.0, label="max |f_i - p_i| / sd_i, PCA tree"),
        "wrong sizes": Target.equal(0, label="samples with size != 9"),
    },
    source="design",
    seconds=(2.0, 50.0),
)
def g1_pivotal_marginals(ctx: ClaimContext) -> Outcome:
    rng = np.random.default_rng(2024)
    p = _np(inclusion_probabilities(rng.uniform(0.05, 1.0, 37), 9))
    tree = pivotal_tree(rng.uniform(-1, 1, (37, 2)))  # Alg. 2 (PCA, 45° first split), built once
    R = 1500 if ctx.quick else 40000
    pb = ctx.backend.asarray(p)
    out, wrong = {}, 0
    for label, X in (("max z (given order)", None), ("max z (spatial tree)", tree)):
        counts = np.zeros(37)
        gen = np.random.default_rng(7)
        for t in range(R):
            s = _np(pivotal_sample(pb, tree=X, rng=gen))
            wrong += len(s) != 9
            counts[s] += 1
            if t % 1000 == 999:
                ctx.progress(t + 1 + (R if X is not None else 0), 2 * R, "draws")
        out[label] = _marginal_z(counts, p, R)
    out["wrong sizes"] = float(wrong)
    return Outcome(measured=out, detail=f"{R} draws per tree; MC sd = sqrt(p(1-p)/{R})")


@claim(
    id="G-1b",
    family=FAMILY,
    title="Bernoulli sampling: marginals within 4 MC s.d., mean size within 4 s.e. of k",
    reference="Shimizu et al. 2024, independent (Bernoulli) baseline; 37 items, sum p = 9",
    target={
        "max z": Target.at_most(4.0, label="max |f_i - p_i| / sd_i"),
        "size z": Target.at_most(4.0, label="|mean size - 9| / s.e."),
    },
    source="design",
    seconds=(0.3, 5.0),
)
def g1b_bernoulli(ctx: ClaimContext) -> Outcome:
    rng = np.random.default_rng(2024)
    p = _np(inclusion_probabilities(rng.uniform(0.05, 1.0, 37), 9))
    R = 2000 if ctx.quick else 40000
    pb = ctx.backend.asarray(p)
    counts, sizes = np.zeros(37), np.zeros(R)
    gen = np.random.default_rng(8)
    for t in range(R):
        s = _np(bernoulli_sample(pb, rng=gen))
        counts[s] += 1
        sizes[t] = len(s)
    se = math.sqrt((p * (1 - p)).sum() / R)
    return Outcome(measured={"max z": _marginal_z(counts, p, R), "size z": abs(sizes.mean() - 9) / se},
                   detail=f"{R} draws; size sd {sizes.std():.2f} (pivotal: 0)")


def _j_instance(n=2000, d=5, m=4, seed=0):
    rng = np.random.default_rng(seed)
    # heavy-tailed row norms (|t_3| + 0.1) shared by A and B, with independent directions
    scale = np.abs(rng.standard_t(3, n)) + 0.1
    A = rng.standard_normal((n, d)) * scale[:, None]
    B = rng.standard_normal((n, m)) * scale[:, None]
    return A, B


@claim(
    id="J-1",
    family=FAMILY,
    title="coordinated priority sketch: W unbiased for A^T B, RMS relative error <= sqrt(2/(k-1))",
    reference="Daliri et al. 2025, Sec. 2 estimator and main theorem (k = 2/(δε²) + 1); n=2000, d=5, m=4, k=100",
    target={
        "max bias z": Target.at_most(4.0, label="max_jl |mean W - AᵀB| / s.e."),
        "RMS rel. error": Target.at_most(math.sqrt(2 / 99), label="RMS ‖W - AᵀB‖_F / (‖A‖_F‖B‖_F)"),
    },
    source="paper",
    seconds=(1.0, 6.5),
)
def j1_unbiased(ctx: ClaimContext) -> Outcome:
    A, B = _j_instance()
    Ab, Bb = ctx.backend.asarray(A), ctx.backend.asarray(B)
    exact = A.T @ B
    R = 500 if ctx.quick else 3000
    Ws = np.empty((R, 5, 4))
    for s in range(R):
        Ws[s] = _np(sketched_product(priority_sketch(Ab, 100, seed=s), priority_sketch(Bb, 100, seed=s)))
        if s % 100 == 99:
            ctx.progress(s + 1, R, "hash seeds")
    se = Ws.std(0, ddof=1) / math.sqrt(R)
    z = float(np.max(np.abs(Ws.mean(0) - exact) / se))
    rel = np.linalg.norm(Ws - exact, axis=(1, 2)) / (np.linalg.norm(A) * np.linalg.norm(B))
    return Outcome(measured={"max bias z": z, "RMS rel. error": float(np.sqrt(np.mean(rel**2)))},
                   detail=f"{R} hash seeds; mean rel. error {rel.mean():.3f}; bound sqrt(2/(k-1)) = {math.sqrt(2 / 99):.3f}")


@claim(
    id="J-2",
    family=FAMILY,
    title="main theorem: with k = ceil(2/(δε²)) + 1, P(‖W - AᵀB‖_F > ε‖A‖_F‖B‖_F) <= δ",
    reference="Daliri et al. 2025, main theorem; ε = 0.2, δ = 0.1 (k = 501), priority and threshold sketches",
    target={
        "priority failure rate": Target.at_most(0.1, label="priority: failure rate"),
        "threshold failure rate": Target.at_most(0.1, label="threshold: failure rate"),
    },
    source="paper",
    seconds=(1.0, 13.0),
)
def j2_theorem(ctx: ClaimContext) -> Outcome:
    eps, delta = 0.2, 0.1
    k = math.ceil(2 / (delta * eps**2)) + 1
    A, B = _j_instance(n=5000, seed=1)
    Ab, Bb = ctx.backend.asarray(A), ctx.backend.asarray(B)
    exact = A.T @ B
    scale = np.linalg.norm(A) * np.linalg.norm(B)
    R = 200 if ctx.quick else 2000
    out = {}
    for j, (name, builder) in enumerate((("priority", priority_sketch), ("threshold", threshold_sketch))):
        fails = 0
        for s in range(R):
            W = _np(sketched_product(builder(Ab, k, seed=s), builder(Bb, k, seed=s)))
            fails += np.linalg.norm(W - exact) > eps * scale
            if s % 100 == 99:
                ctx.progress(j * R + s + 1, 2 * R, "hash seeds")
        out[f"{name} failure rate"] = fails / R
    return Outcome(measured=out, detail=f"k = {k}, n = 5000, {R} hash seeds per sketch type")




def _spiked(n, d, seed):
    """A = [I_d; 1e-3 G; 0], residual concentrated on one far (zero) row: zero leverage there."""
    rng = np.random.default_rng(seed)
    A = np.zeros((n, d))
    A[:d] = np.eye(d)
    A[d : 2 * d] = 1e-3 * rng.standard_normal((d, d))
    b = A @ rng.standard_normal(d)
    b[-1] = 10.0
    return A, b


@claim(
    id="K-1",
    family=FAMILY,
    title="CountSketch fails the l_inf guarantee on a spiked residual: its 95th-percentile ratio >= 10x the dense sketches'",
    reference="Song et al. 2023, abstract (dense sketches needed; sparse ones fail); spiked instance n=1024, d=16, m=8d",
    target=Target.at_least(10.0, label="P95 CountSketch / max(P95 Gaussian, P95 SRHT)"),
    source="design",
    seconds=(3.0, 13.0),
    per_backend=False,
)
def k1_dense_vs_sparse(ctx: ClaimContext) -> Outcome:
    from refimpl.sampling import linf_error_ratio, sketch_and_solve

    n, d = 1024, 16
    A, b = _spiked(n, d, 0)
    Ab, bb = ctx.backend.asarray(A), ctx.backend.asarray(b)
    R = 300 if ctx.quick else 1000
    p95 = {}
    for j, sk in enumerate(("gaussian", "srht", "countsketch")):
        r = [linf_error_ratio(A, b, _np(sketch_and_solve(Ab, bb, 8 * d, sketch=sk, rng=s))) for s in range(R)]
        p95[sk] = float(np.percentile(r, 95))
        ctx.progress(j + 1, 3, "sketch types")
    ratio = p95["countsketch"] / max(p95["gaussian"], p95["srht"])
    return Outcome(measured=ratio, detail=f"{R} trials; P95: " + ", ".join(f"{k} {v:.3g}" for k, v in p95.items()))


@claim(
    id="K-2",
    family=FAMILY,
    title="dense sketches: median l_inf ratio scales like sqrt(d/m) (log-log slope in m/d)",
    reference="Song et al. 2023, abstract (m = eps^-2 d polylog rows for eps); Gaussian A, n=16384, d=32, m/d in {4,16,64}",
    target={
        "Gaussian slope": Target.close(-0.5, atol=0.15, label="Gaussian slope"),
        "SRHT slope": Target.close(-0.5, atol=0.15, label="SRHT slope"),
    },
    source="design",
    seconds=(7.0, 63.0),
)
def k2_rate(ctx: ClaimContext) -> Outcome:
    from refimpl.sampling import linf_error_ratio, sketch_and_solve

    n, d = 16384, 32
    rng = np.random.default_rng(1)
    A = rng.standard_normal((n, d))
    b = A @ rng.standard_normal(d) + rng.standard_normal(n)
    Ab, bb = ctx.backend.asarray(A), ctx.backend.asarray(b)
    R = 5 if ctx.quick else 30
    out, meds = {}, {}
    factors = (4, 16, 64)
    for j, sk in enumerate(("gaussian", "srht")):
        med = []
        for f in factors:
            med.append(float(np.median([linf_error_ratio(A, b, _np(sketch_and_solve(Ab, bb, f * d, sketch=sk, rng=s)))
                                        for s in range(R)])))
        meds[sk] = med
        out["Gaussian slope" if sk == "gaussian" else "SRHT slope"] = float(np.polyfit(np.log(factors), np.log(med), 1)[0])
        ctx.progress(j + 1, 2, "sketch types")
    return Outcome(measured=out, detail=f"{R} trials per m; medians " + "; ".join(
        f"{k}: " + ", ".join(f"{x:.3g}" for x in v) for k, v in meds.items()))


def _h_setup(N=2000):
    """Nouy & Michel setting: N uniform candidates on [-1, 1], Legendre degree < 6 (m = 6), f = 1/(1+25x²)."""
    x = np.random.default_rng(0).uniform(-1, 1, N)
    V = np.linalg.qr(np.polynomial.legendre.legvander(x, 5))[0]
    return x, V, 1.0 / (1.0 + 25 * x**2)


@claim(
    id="H-0",
    family=FAMILY,
    title="projection DPP: subset frequencies = det(V_S)^2 within 4 MC s.d., size exactly m",
    reference="Nouy & Michel 2023 / Hough et al. chain rule: P(S) = det(V_S)^2 for a projection DPP; N=6, m=2",
    target={
        "max z": Target.at_most(4.0, label="max_S |f_S - det(V_S)²| / sd_S"),
        "wrong sizes": Target.equal(0, label="samples with size != m or repeats"),
    },
    source="identity",
    seconds=(1.2, 16.0),
)
def h0_subset_law(ctx: ClaimContext) -> Outcome:
    import itertools

    from refimpl.sampling import projection_dpp_sample

    V = np.linalg.qr(np.random.default_rng(3).standard_normal((6, 2)))[0]
    Vb = ctx.backend.asarray(V)
    R = 3000 if ctx.quick else 30000
    counts, wrong = {}, 0
    for s in range(R):
        S = tuple(_np(projection_dpp_sample(Vb, rng=s)).tolist())
        wrong += len(set(S)) != 2
        counts[S] = counts.get(S, 0) + 1
    z = 0.0
    for S in itertools.combinations(range(6), 2):
        p = np.linalg.det(V[list(S)]) ** 2
        z = max(z, abs(counts.get(S, 0) / R - p) / math.sqrt(p * (1 - p) / R))
    return Outcome(measured={"max z": z, "wrong sizes": float(wrong)}, detail=f"{R} draws over 15 subsets")


@claim(
    id="H-1",
    family=FAMILY,
    title="volume-rescaled sampling: weighted LS coefficients unbiased for the L2 projection (n = m + 2)",
    reference="Nouy & Michel 2023, abstract (unbiased estimator); N=2000, Legendre m=6, f=1/(1+25x^2), n=8",
    target=Target.at_most(4.0, label="max_j |mean ĉ_j - c*_j| / s.e."),
    source="paper",
    seconds=(2.2, 9.0),
)
def h1_unbiased(ctx: ClaimContext) -> Outcome:
    from refimpl.sampling import reweighted_lstsq, volume_sample

    x, V, f = _h_setup()
    N, m = V.shape
    phi = math.sqrt(N) * V
    c_star = phi.T @ f / N
    w = m / (N * (V**2).sum(1))
    Vb = ctx.backend.asarray(V)
    R = 1000 if ctx.quick else 4000
    coefs = np.empty((R, m))
    for s in range(R):
        S = _np(volume_sample(Vb, m + 2, rng=s))
        coefs[s] = _np(reweighted_lstsq(phi[S], f[S], 1.0 / w[S]))
        if s % 500 == 499:
            ctx.progress(s + 1, R, "samples")
    se = coefs.std(0, ddof=1) / math.sqrt(R)
    z = float(np.max(np.abs(coefs.mean(0) - c_star) / se))
    bias = float(np.linalg.norm(coefs.mean(0) - c_star) / np.linalg.norm(c_star))
    return Outcome(measured=z, detail=f"{R} samples; relative bias {bias:.3g} (MC noise)")


@claim(
    id="H-2",
    family=FAMILY,
    title="stability P(||G - I|| <= 1/2): repeated projection DPPs beat i.i.d. optimal sampling at n = 2m, 4m, 6m",
    reference="Nouy & Michel 2023, abstract (repeated DPPs need far fewer samples); N=2000, m=6",
    target={
        "min gap": Target.at_least(0.01, label="min_n (P_DPP - P_iid)"),
        "gap at 4m": Target.at_least(0.5, label="P_DPP - P_iid at n = 4m"),
    },
    source="design",
    seconds=(3.5, 24.0),
)
def h2_stability(ctx: ClaimContext) -> Outcome:
    from refimpl.sampling import projection_dpp_sample

    _, V, _ = _h_setup()
    N, m = V.shape
    lev = (V**2).sum(1)
    Vb = ctx.backend.asarray(V)
    R = 200 if ctx.quick else 1500
    gen = np.random.default_rng(5)
    out, text = {}, []
    gaps = []
    for n in (2 * m, 4 * m, 6 * m):
        ok_dpp = ok_iid = 0
        for s in range(R):
            S = np.concatenate([_np(projection_dpp_sample(Vb, rng=gen)) for _ in range(n // m)])
            T = gen.choice(N, size=n, p=lev / m)
            for idx, is_dpp in ((S, True), (T, False)):
                W = V[idx] / np.sqrt(lev[idx])[:, None]
                G = (m / n) * (W.T @ W)  # (1/n) Σ w φ φᵀ with φ = √N V_i, w = m/(N‖V_i‖²)
                good = np.linalg.norm(G - np.eye(m), 2) <= 0.5
                ok_dpp += good and is_dpp
                ok_iid += good and not is_dpp
        gaps.append((ok_dpp - ok_iid) / R)
        text.append(f"n={n}: DPP {ok_dpp / R:.2f} vs iid {ok_iid / R:.2f}")
        ctx.progress(len(gaps), 3, "sizes")
    out = {"min gap": float(min(gaps)), "gap at 4m": float(gaps[1])}
    return Outcome(measured=out, detail=f"{R} samples per size; " + "; ".join(text))


@claim(
    id="H-peer",
    family=FAMILY,
    title="projection-DPP inclusion frequencies agree with DPPy sample_exact('GS') and with diag(K)",
    reference="DPPy 0.3.3 FiniteDPP(projection=True, K_eig_dec=(1, V)).sample_exact('GS'); N=30, rank 4",
    target={
        "refimpl max z": Target.at_most(4.5, label="refimpl: max |f_i - K_ii| / sd_i"),
        "DPPy max z": Target.at_most(4.5, label="DPPy: max |f_i - K_ii| / sd_i"),
    },
    source="peer",
    seconds=(2.1, 12.0),
)
def h_peer(ctx: ClaimContext) -> Outcome:
    try:
        from dppy.finite_dpps import FiniteDPP
    except ImportError:
        raise ClaimSkipped("DPPy not installed: pip install dppy") from None
    from refimpl.sampling import projection_dpp_sample

    V = np.linalg.qr(np.random.default_rng(2).standard_normal((30, 4)))[0]
    Vb = ctx.backend.asarray(V)
    dpp = FiniteDPP("correlation", projection=True, K_eig_dec=(np.ones(4), V))
    rs = np.random.RandomState(0)
    R = 1500 if ctx.quick else 10000
    ours, theirs = np.zeros(30), np.zeros(30)
    for s in range(R):
        ours[_np(projection_dpp_sample(Vb, rng=s))] += 1
        theirs[np.asarray(dpp.sample_exact(mode="GS", random_state=rs))] += 1
    lev = (V**2).sum(1)
    sd = np.sqrt(lev * (1 - lev) / R)
    return Outcome(measured={"refimpl max z": float(np.max(np.abs(ours / R - lev) / sd)),
                             "DPPy max z": float(np.max(np.abs(theirs / R - lev) / sd))},
                   detail=f"{R} samples each")


def _i_instance(seed=9):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((60, 4)) * np.exp(rng.standard_normal(60))[:, None]


@claim(
    id="I-1",
    family=FAMILY,
    title="p = 2 sensitivities from the convex solver equal the leverage scores",
    reference="Woodruff & Yasuda 2023: sigma^(2) = tau (standard identity); 60 x 4 log-normal rows",
    target=Target.at_most(1e-6, label="max |σ/τ - 1|"),
    source="identity",
    seconds=(0.6, 1.5),
)
def i1_p2(ctx: ClaimContext) -> Outcome:
    from refimpl.sampling import lp_sensitivities

    A = _i_instance()
    sig = _np(lp_sensitivities(ctx.backend.asarray(A), 2.0))
    tau = _np(leverage_scores(ctx.backend.asarray(A)))
    return Outcome(measured=float(np.max(np.abs(sig / tau - 1))), detail="BFGS solve per row against thin-QR scores")


@claim(
    id="I-2",
    family=FAMILY,
    title="total sensitivity: p = 1 below d on log-normal rows (so never assume S >= d), p = 4 within [d, d^2]",
    reference="Woodruff & Yasuda 2023, abstract (bounds on the total sensitivity); 60 x 4 log-normal rows, d = 4",
    target={
        "S_1": Target.between(1.0, 3.999, label="𝔖_1 < d = 4"),
        "S_4": Target.between(4.0 - 1e-6, 16.0, label="𝔖_4 in [d, d²]"),
    },
    source="design",
    seconds=(0.6, 1.5),
)
def i2_total(ctx: ClaimContext) -> Outcome:
    from refimpl.sampling import lp_sensitivities

    A = ctx.backend.asarray(_i_instance())
    s1 = float(_np(lp_sensitivities(A, 1.0)).sum())
    s4 = float(_np(lp_sensitivities(A, 4.0)).sum())
    return Outcome(measured={"S_1": s1, "S_4": s4}, detail="LP per row (p = 1), BFGS per row (p = 4)")


@claim(
    id="G-3",
    family=FAMILY,
    title="1-D polynomial regression: samples for 1.5x optimal error (50% success) grow linearly in d (pivotal, sorted order)",
    reference="Shimizu et al. 2024, Theorem 1.2 (O(d/eps) samples for binary-tree pivotal sampling in 1-D); "
              "Legendre degree d-1, f = 1/(1+25x^2), 10^4 Chebyshev points",
    target=Target.at_most(1.15, label="log-log slope of k(d)"),
    source="design",
    seconds=(5.0, 22.0),
)
def g3_linear_in_d(ctx: ClaimContext) -> Outcome:
    from refimpl.sampling import active_regression

    N = 10_000
    x = np.sort(np.cos(np.pi * (np.arange(N) + 0.5) / N))  # sorted: the given order is the spatial order in 1-D
    f = 1.0 / (1.0 + 25 * x**2)
    ds = (10, 20, 40) if ctx.quick else (10, 20, 40, 80)
    T = 20 if ctx.quick else 60
    ks = []
    for j, d in enumerate(ds):
        A = np.polynomial.legendre.legvander(x, d - 1)
        opt = float(np.sum((A @ np.linalg.lstsq(A, f, rcond=None)[0] - f) ** 2))
        Ab, fb = ctx.backend.asarray(A), ctx.backend.asarray(f)
        tau = _np(leverage_scores(Ab))

        def success(k):
            ok = 0
            for s in range(T):
                r = active_regression(Ab, fb, k, scores=ctx.backend.asarray(tau), rng=s)
                ok += float(np.sum((A @ _np(r.x) - f) ** 2)) <= 1.5 * opt
            return ok / T

        lo, hi = d, 8 * d  # bisection on k for a 50% success rate
        while hi - lo > max(1, d // 20):
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if success(mid) >= 0.5 else (mid, hi)
        ks.append(hi)
        ctx.progress(j + 1, len(ds), "degrees")
    slope = float(np.polyfit(np.log(ds), np.log(ks), 1)[0])
    return Outcome(measured=slope, detail=f"{T} trials per k; k(d) = " + ", ".join(f"{d}: {k}" for d, k in zip(ds, ks)))
