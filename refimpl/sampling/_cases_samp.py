"""Cross-check cases of the second wave of the sampling family: ℓp sampling and regression, local
pivotal sampling, linear product sketches, coordinated regression (convention: "Cross-check cases"
in the architecture docs).

Edge cases: zero rows (σ = τ = 0), p = 1 units taken for sure, distance ties in the local pivotal
method (smallest index wins), Σ p = k - δ, a median (ℓ1) with an even/odd number of points, the
CountSketch bucket of every key, a join with keys missing on one side.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Call, Case, Tolerance, cases_for

EXACT = Tolerance.exact("a sample: indices selected from the exported draws")
_A = np.random.default_rng(21).standard_normal((12, 3))
_Z = np.vstack([_A[:6], np.zeros((1, 3)), _A[6:9]])  # one zero row
_P = np.array([0.5, 0.2, 0.8, 0.5, 0.3, 0.7])
_X1 = np.array([0.0, 0.1, 0.2, 5.0, 5.1, 5.2])


def _mc(p, n_rep, z=4.5):
    p = np.asarray(p, dtype=float)
    se = float(np.sqrt(np.max(p * (1 - p)) / n_rep))
    return Tolerance.statistical(max(z * se, 1e-12), why=f"{z} standard errors of a frequency over {n_rep} runs")


@cases_for("sampling.root_leverage_scores", primary="value")
def _root():
    """s_i = τ_i^{p/2} from the thin QR."""
    tol = Tolerance.eps(64, np.linalg.cond(_A), why="QR of a tall matrix, then a power <= 1", scale=1.0)
    yield Case("p1", (_A, 1.0), tol=tol, prop="√τ")
    yield Case("p1.5", (_A, 1.5), tol=tol, prop="τ^0.75")
    yield Case("zero_row", (_Z, 1.0), tol=tol, tags=("zeros",), prop="a zero row has score 0")


@cases_for("sampling.lp_mixture_scores", primary="value")
def _mix():
    """½σ/𝔖 + ½τ/d (σ given, so no convex solve: the mixture and the QR are checked)."""
    sig = np.linspace(0.1, 0.9, 12)
    yield Case("given_sigma", (_A, 4.0), {"sensitivities": sig},
               tol=Tolerance.eps(64, np.linalg.cond(_A), why="QR plus two normalisations", scale=1.0),
               prop="Σ s = 1, the even mixture of the two distributions")
    yield Case("p1_lp", (_A[:8, :2], 1.0), tol=Tolerance.absolute(1e-7, why="one LP per row solved by HiGHS to ~1e-9"),
               prop="sensitivities from the dual LPs")


@cases_for("sampling.sensitivity_sample", primary="sample", fields=("sample", "prob", "row_scale"), stochastic=True)
def _sens():
    """Bernoulli sample with capped π (Σ π = k), row scale π^{-1/p}."""
    s = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 0.0])
    yield Case("p1", (s, 3), {"p": 1.0, "rng": 0}, tol=EXACT, tags=("pitfall:capped", "zeros"),
               prop="unit i kept iff u_i < π_i; scale 1/π_i")
    yield Case("p3", (s, 2), {"p": 3.0, "rng": 1}, tol=EXACT, prop="scale π_i^{-1/3}, not π_i^{-1/2}")
    prob = np.array([0.25, 0.5, 0.75, 1.0, 0.5])
    yield Case("marginals", (np.array([1.0, 2.0, 3.0, 6.0, 2.0]), 3), {"p": 1.0}, kind="statistical",
               statistic="inclusion_frequency", n_rep=1500, seed=40, theory=prob, tol=_mc(prob, 1500),
               tags=("pitfall:capped",), prop="inclusion frequencies equal the capped π")


@cases_for("sampling.lp_regression", primary="x", fields=("x", "cost", "status"))
def _lpreg():
    """min Σ w|a_iᵀx - b_i|^p: the LP dual (p = 1) or BFGS (p > 1)."""
    b = _A @ np.array([1.0, -1.0, 0.5]) + np.random.default_rng(22).laplace(size=12)
    yield Case("median_odd", (np.ones((5, 1)), np.array([0.0, 1.0, 2.0, 3.0, 10.0]), 1.0),
               tol=Tolerance.absolute(1e-9, why="an LP vertex: the median"), tags=("n=1",), prop="ℓ1 fit of a constant = median")
    yield Case("l1", (_A, b, 1.0), tol=Tolerance.absolute(1e-8, why="HiGHS optimal basis: x from the multipliers"),
               prop="ℓ1 regression optimum (an interpolating vertex)")
    yield Case("weighted_l1", (_A, b, 1.0), {"weights": np.linspace(0.5, 2.0, 12)},
               tol=Tolerance.absolute(1e-8, why="HiGHS optimal basis"), prop="weighted ℓ1 optimum")
    yield Case("p3", (_A, b, 3.0), tol=Tolerance.absolute(1e-6, why="BFGS to gtol 1e-10 on the scaled cost"),
               prop="smooth convex ℓ3 optimum")


@cases_for("sampling.local_pivotal_sample", primary="value", stochastic=True)
def _lpm():
    """Local pivotal method (LPM2): exactly Σ p units, nearest-neighbour matches."""
    yield Case("clusters", (np.full(6, 0.5), _X1), {"rng": 0}, tol=EXACT,
               prop="one or two units per cluster of three, from the exported uniforms")
    yield Case("ties", (np.full(4, 0.5), np.array([0.0, 1.0, 2.0, 3.0])), {"rng": 1}, tol=EXACT,
               tags=("ties",), prop="equidistant neighbours: the smallest index is matched")
    yield Case("deterministic", (np.array([1.0, 0.5, 0.0, 0.5, 1.0]), np.arange(5.0)), {"rng": 2}, tol=EXACT,
               tags=("pitfall:p=1", "zeros"), prop="p = 1 units always in, p = 0 never")
    coords = np.random.default_rng(8).uniform(-1, 1, (6, 2))
    yield Case("marginals", (_P, coords), kind="statistical", statistic="inclusion_frequency", n_rep=1500, seed=50,
               theory=_P, tol=_mc(_P, 1500), prop="first-order inclusion probabilities equal p")


@cases_for("sampling.linear_sketch", primary="rows", fields=("rows", "t", "kind"))
def _lin():
    """SA with S from (seed, key): deterministic given the seed."""
    tol = Tolerance.eps(64, 12, why="a sum of 12 signed rows per sketch row", scale=1.0)
    yield Case("countsketch", (_A, 4), {"seed": 3}, tol=tol, prop="one ±1 per key, bucket from the hash")
    yield Case("jl", (_A, 4), {"seed": 3, "kind": "jl"}, tol=tol, prop="dense ±1/√t entries from the hash")
    yield Case("keys", (_A, 4), {"seed": 3, "keys": np.arange(12) * 7 - 30}, tol=tol, prop="S depends on the keys")


@cases_for("sampling.coordinated_regression", primary="x", fields=("x", "gram", "cross", "n_joined", "status"))
def _creg():
    """(G + λI)β = c from the coordinated sketches of two tables sharing a key."""
    y = _A @ np.array([1.0, -2.0, 0.5])
    keys_y = np.concatenate([np.arange(10), [100, 101]])  # keys 10, 11 of X are not in the y table
    cond = np.linalg.cond(_A[:10].T @ _A[:10])
    yield Case("join_all_kept", (Call("sampling.priority_sketch", _A, 12, seed=5),
                                 Call("sampling.priority_sketch", y[:, None], 12, seed=5, keys=keys_y)),
               tol=Tolerance.eps(64, cond, why="normal equations of the joined rows", scale=1.0),
               tags=("pitfall:join",), prop="every row kept: the least-squares fit on the 10 joined keys")
    yield Case("sketched", (Call("sampling.priority_sketch", _A, 6, seed=6),
                            Call("sampling.priority_sketch", y[:, None], 6, seed=6)), {"lam": 0.1},
               tol=Tolerance.eps(64, 1e3, why="ridge normal equations of a 6-row sketch", scale=1.0),
               prop="Gram and cross products estimated on the keys kept by both sketches")
