"""Cross-check cases of the sampling family (convention: "Cross-check cases" in the architecture docs).

Edge cases: capped inclusion probabilities (scores so uneven that p_i = 1 for some units and the
rest are rescaled until Σ p = k), Σ p = k - δ at the pivotal root (round-off must not lose a
unit), deterministic units (p = 1) and zero-probability padding, ties in the hash / priority order,
rank-one and ill-conditioned matrices for leverage scores, n = 1. Stochastic functions export the
draws consumed; statistical cases check marginals with Monte-Carlo tolerances.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Case, Tolerance, cases_for

EXACT = Tolerance.exact("a sample: indices selected from the exported draws")


def _mc(p, n_rep, z=4.5):
    p = np.asarray(p, dtype=float)
    se = float(np.sqrt(np.max(p * (1 - p)) / n_rep))
    return Tolerance.statistical(max(z * se, 1e-12), why=f"{z} standard errors of a frequency over {n_rep} runs")


A = np.random.default_rng(0).standard_normal((12, 3))
A_ILL = np.vander(np.linspace(0, 1, 10), 4, increasing=True)
A_R1 = np.outer(np.arange(1.0, 7), [1.0, 2.0])
P_ROUND = np.full(10, 0.3)  # Σ p = 3 only up to round-off (0.3 * 10 = 3.0000000000000004 summed left to right)


def incl_strategy():
    """Non-negative scores (with exact zeros and heavy entries) and a sample size k <= #positive."""
    from hypothesis import strategies as st

    @st.composite
    def problems(draw):
        n = draw(st.integers(1, 20))
        s = np.array(draw(st.lists(st.sampled_from([0.0, 0.1, 0.5, 1.0, 2.0, 10.0, 100.0]), min_size=n, max_size=n)))
        if not np.any(s > 0):
            s[0] = 1.0
        k = draw(st.integers(1, int(np.sum(s > 0))))
        return (s, k), {}, Tolerance.eps(64, n, why="capping iterations rescale a sum of n terms", scale=1.0)

    return problems()


@cases_for("sampling.inclusion_probabilities", primary="value", strategy=incl_strategy)
def _incl():
    """p_i = min(1, c s_i) with c such that Σ p = k (capped units set to 1, the rest rescaled)."""
    tol = Tolerance.eps(64, 10, why="rescaling a sum of 10 terms", scale=1.0)
    yield Case("uncapped", (np.arange(1.0, 11), 3), tol=tol, prop="p = k s / Σ s when no p exceeds 1")
    yield Case("capped", (np.array([100.0, 50, 1, 1, 1, 1, 1, 1]), 4), tol=tol, tags=("pitfall:capped",),
               prop="two heavy units capped at 1, the other 6 share k - 2 = 2")
    yield Case("cascade", (np.array([10.0, 5, 3, 1, 1, 1]), 4), tol=tol, tags=("pitfall:capped",),
               prop="capping one unit pushes another over 1: iterate until none exceeds 1")
    yield Case("zeros", (np.array([0.0, 1, 0, 3]), 2), tol=tol, tags=("zeros",), prop="zero scores keep p = 0")
    yield Case("k_all", (np.array([1.0, 2, 3]), 3), tol=tol, prop="k = n: every p = 1")
    yield Case("n1", (np.array([0.5]), 1), tol=tol, tags=("n=1",), prop="single unit")


@cases_for("sampling.leverage_scores", primary="value")
def _lev():
    """τ_i = ‖U[i, :]‖² (exact methods) or the sketched estimate from the exported draws."""
    yield Case("qr", (A,), tol=Tolerance.eps(64, np.linalg.cond(A), why="QR of a tall matrix", scale=1.0), prop="Σ τ = d")
    yield Case("svd_ill", (A_ILL,), {"method": "svd"}, tol=Tolerance.eps(64, np.linalg.cond(A_ILL), why="SVD", scale=1.0),
               tags=("ill-conditioned",), prop="Vandermonde, cond ~1e3")
    yield Case("rank_one", (A_R1,), {"method": "svd", "rank_tol": 1e-10}, tol=Tolerance.eps(64, 10, why="rank-revealing SVD", scale=1.0),
               tags=("rank-one",), prop="rank deficiency handled by rank_tol: Σ τ = rank = 1")


@cases_for("sampling.ridge_leverage_scores", primary="value")
def _rlev():
    yield Case("lam", (A, 0.5), tol=Tolerance.eps(64, 10, why="regularised solve", scale=1.0), prop="a_iᵀ(AᵀA+λI)⁻¹a_i")
    yield Case("rank_one", (A_R1, 1e-3), tol=Tolerance.eps(64, 1e5, why="λ small against AᵀA", scale=1.0),
               tags=("rank-one",), prop="λ keeps the rank-one system definite")


@cases_for("sampling.lp_sensitivities", primary="value")
def _lps():
    yield Case("p1", (A[:6, :2], 1.0), tol=Tolerance.absolute(1e-6, why="one LP per row solved to ~1e-9"),
               prop="ℓ1 sensitivities")
    yield Case("p2", (A[:6, :2], 2.0), tol=Tolerance.absolute(1e-8, why="p = 2 equals the leverage scores"),
               prop="ℓ2 sensitivities are leverage scores")


@cases_for("sampling.linf_error_ratio", primary="value")
def _linf():
    b = np.random.default_rng(1).standard_normal(12)
    x = np.linalg.lstsq(A, b, rcond=None)[0] + 1e-3
    yield Case("basic", (A, b, x), tol=Tolerance.eps(1e3, 10, why="lstsq and a norm", scale=1.0), prop="ℓ∞ error ratio")


@cases_for("sampling.reweighted_lstsq", primary="value")
def _rwl():
    b = np.random.default_rng(2).standard_normal(12)
    yield Case("basic", (A, b, np.linspace(0.2, 1, 12)), tol=Tolerance.eps(256, 10, why="weighted lstsq", scale=1.0),
               prop="rows scaled by 1/sqrt(p)")


@cases_for("sampling.sketch_sizes", primary="0")
def _ss():
    yield Case("basic", (1000, 10, 0.5), tol=Tolerance.exact("integer sizes"), prop="(m1, m2) of the sketched method")
    yield Case("jl", (1000, 10, 0.5), {"jl": True}, tol=Tolerance.exact("integer sizes"), prop="JL second stage")


@cases_for("sampling.coordinated_hash", primary="value")
def _hash():
    yield Case("keys", (np.array([0, 1, 2, 10**9, 2**40]),), {"seed": 7}, tol=Tolerance.exact("a hash of (seed, key)"),
               prop="h(key) in (0, 1) from (seed, key) only")


@cases_for("sampling.priority_sketch", primary="rows", fields=("keys", "rows", "p", "tau", "k"))
def _ps():
    yield Case("basic", (A, 4), {"seed": 3}, tol=Tolerance.eps(16, why="row norms", scale=1.0),
               prop="the k rows of smallest rank h/‖a‖²")
    yield Case("zero_row", (np.vstack([A[:5], np.zeros((1, 3))]), 3), {"seed": 3}, tol=Tolerance.eps(16, why="row norms", scale=1.0),
               tags=("zeros",), prop="a zero row is never sampled")


@cases_for("sampling.threshold_sketch", primary="rows", fields=("keys", "rows", "p", "k"))
def _ts():
    yield Case("basic", (A, 4), {"seed": 3}, tol=Tolerance.eps(16, why="row norms", scale=1.0),
               prop="keep h(key) < min(1, k‖a‖²/‖A‖²)")


@cases_for("sampling.sketched_product", primary="value")
def _sp():
    from refimpl.crosscheck import Call

    B = np.random.default_rng(4).standard_normal((12, 2))
    yield Case("priority", (Call("sampling.priority_sketch", A, 6, seed=5), Call("sampling.priority_sketch", B, 6, seed=5)),
               tol=Tolerance.eps(64, 10, why="sum of weighted outer products", scale=1.0), prop="W ≈ AᵀB")
    yield Case("threshold", (Call("sampling.threshold_sketch", A, 6, seed=5), Call("sampling.threshold_sketch", B, 6, seed=5)),
               tol=Tolerance.eps(64, 10, why="sum of weighted outer products", scale=1.0), prop="W ≈ AᵀB, min(p^A, p^B)")


@cases_for("sampling.pivotal_tree", primary="value")
def _ptree():
    coords = np.random.default_rng(6).uniform(-1, 1, (9, 2))
    yield Case("pca", (coords,), tol=Tolerance.exact("a permutation"), prop="leaf order of the PCA-split tree")
    yield Case("n1", (np.zeros((1, 2)),), tol=Tolerance.exact("a permutation"), tags=("n=1",), prop="one leaf")


@cases_for("sampling.pivotal_sample", primary="value", canonical={"value": "sort"}, stochastic=True)
def _piv():
    """Binary-tree pivotal sampling: exactly Σ p units; the sorted index array is the primary output."""
    p = np.array([0.5, 0.2, 0.8, 0.5, 0.3, 0.7])
    yield Case("sequential", (p,), {"rng": 0}, tol=EXACT, prop="indices from the exported uniforms (no coords: index order)")
    yield Case("round_off_root", (P_ROUND,), {"rng": 1}, tol=EXACT, tags=("pitfall:sum=k-delta",),
               prop="Σ p = 3 - δ in floating point: still exactly 3 units")
    yield Case("deterministic", (np.array([1.0, 0.5, 0.0, 0.5, 1.0]),), {"rng": 2}, tol=EXACT,
               tags=("pitfall:p=1", "zeros"), prop="p = 1 units always in, p = 0 never")
    coords = np.random.default_rng(7).uniform(-1, 1, (6, 2))
    yield Case("spatial", (p,), {"coords": coords, "rng": 3}, tol=EXACT, prop="the spatial tree on coords")
    yield Case("marginals", (p,), kind="statistical", statistic="inclusion_frequency", n_rep=2000, seed=100, theory=p,
               tol=_mc(p, 2000), prop="first-order inclusion probabilities equal p")
    yield Case("fixed_size", (P_ROUND,), kind="statistical", statistic="sample_size", n_rep=200, seed=200,
               theory=np.array([3.0, 3.0]), tol=Tolerance.exact("the sample size is Σ p in every run"),
               tags=("pitfall:sum=k-delta",), prop="every run returns exactly 3 units")


@cases_for("sampling.bernoulli_sample", primary="value", stochastic=True)
def _bern():
    p = np.array([0.1, 0.9, 0.5, 1.0, 0.0])
    yield Case("basic", (p,), {"rng": 0}, tol=EXACT, prop="unit i in iff u_i < p_i with the exported uniforms")
    yield Case("marginals", (p,), kind="statistical", statistic="inclusion_frequency", n_rep=1000, seed=10, theory=p,
               tol=_mc(p, 1000), prop="independent inclusions with probabilities p")


@cases_for("sampling.sample_with_replacement", primary="value", stochastic=True)
def _swr():
    s = np.array([1.0, 3.0, 0.0, 4.0])
    yield Case("basic", (s, 5), {"rng": 0}, tol=EXACT, prop="k i.i.d. draws from the exported uniforms")
    q = 5 * s / s.sum()
    yield Case("frequencies", (s, 5), kind="statistical", statistic="draw_frequency", n_rep=1000, seed=20, theory=q,
               tol=Tolerance.statistical(4.5 * np.sqrt(5 * 0.25 / 1000), why="4.5 s.e. of a binomial(5, q) mean"),
               prop="expected counts k q_i")


_V = np.linalg.qr(np.random.default_rng(8).standard_normal((8, 3)))[0]


@cases_for("sampling.projection_dpp_sample", primary="value", canonical={"value": "sort"}, stochastic=True)
def _dpp():
    """Projection DPP with K = V Vᵀ: exactly m = rank points, marginals diag(K)."""
    yield Case("basic", (_V,), {"rng": 0}, tol=EXACT, prop="chain-rule sample from the exported uniforms")
    diagK = np.sum(_V**2, axis=1)
    yield Case("marginals", (_V,), kind="statistical", statistic="inclusion_frequency", n_rep=1500, seed=30,
               theory=diagK, tol=_mc(diagK, 1500), prop="P(i in sample) = K_ii")
    e = np.eye(8)[:, :2]
    yield Case("coordinate", (e,), {"rng": 1}, tol=EXACT, tags=("degenerate",),
               prop="V spans coordinate vectors: the sample is {0, 1} deterministically")


@cases_for("sampling.volume_sample", primary="value", canonical={"value": "sort"}, stochastic=True)
def _vol():
    yield Case("n5", (_V, 5), {"rng": 0}, tol=EXACT, prop="volume-rescaled sample from the exported draws")
    yield Case("n_eq_m", (_V, 3), {"rng": 1}, tol=EXACT, prop="n = m: the projection DPP itself")


@cases_for("sampling.sketch_and_solve", primary="value", stochastic=True)
def _sks():
    b = np.random.default_rng(9).standard_normal(12)
    yield Case("gaussian", (A, b, 8), {"rng": 0}, tol=Tolerance.eps(1e3, 100, why="sketched lstsq", scale=1.0),
               prop="the sketched solution from the exported normals")


@cases_for("sampling.active_regression", primary="x", fields=("x", "sample", "weights", "n_queries", "rank"),
           canonical={"sample": "sort"}, stochastic=True)
def _ar():
    t = np.linspace(-1, 1, 30)
    Avand = np.vander(t, 3, increasing=True)
    labels = np.cos(2 * t)
    yield Case("pivotal", (Avand, labels, 6), {"coords": t[:, None], "rng": 0},
               tol=Tolerance.eps(1e3, 100, why="weighted lstsq on the sample", scale=1.0), prop="sample, weights and x")
    yield Case("bernoulli", (Avand, labels, 6), {"sampler": "bernoulli", "rng": 1},
               tol=Tolerance.eps(1e3, 100, why="weighted lstsq on the sample", scale=1.0), prop="Bernoulli sampler")
