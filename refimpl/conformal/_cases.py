"""Cross-check cases of the conformal family (convention: "Cross-check cases" in the architecture docs).

Edge cases a second implementation gets wrong: the test point's "+1" (Angelopoulos et al. eq. (4);
Farinhas et al. eq. (11)), ties in the loss table and the weighted quantile (CDF with <=, tied
weights summed, never interpolated), n = 1, an infeasible alpha (lambda_hat = lambda_max, flagged),
and the order statistic rank when (n+1)(1-alpha) is mathematically an integer (crepes computes it
in floating point and picks the next one).
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Case, Fixture, Tolerance, cases_for, fixture

EXACT = Tolerance.exact("order statistics and grid indices: selected, not computed")
SUMS = Tolerance.eps(8, 20, why="weighted sums of at most 20 terms in [0, 1] (error <= n eps)")


def _rng(seed):
    return np.random.default_rng(seed)


def _loss_table(n, m, seed):
    r = _rng(seed)
    return -np.sort(-np.round(r.random((n, m)) * 8) / 8, axis=1)


# ---------------------------------------------------------------- Hypothesis strategies
def crc_strategy():
    """Dyadic non-increasing loss tables (exact sums), optional dyadic weights (as the backend-agreement test)."""
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def problems(draw):
        n = draw(st.integers(1, 12))
        m = draw(st.integers(1, 6))
        rows = draw(arrays(np.int64, (n, m), elements=st.integers(0, 8)))
        L = -np.sort(-rows.astype(np.float64), axis=1) / 8.0
        alpha = draw(st.sampled_from([0.1, 0.2, 0.25, 0.5, 0.75]))
        kw = {}
        if draw(st.booleans()):
            kw["weights"] = draw(arrays(np.int64, n, elements=st.integers(1, 8))).astype(np.float64) / 8.0
        return (L, np.arange(m, dtype=np.float64) / 4.0, alpha), kw, EXACT

    return problems()


def quantile_strategy():
    """Scores with ties (small integers) and the split-CP alphas, unweighted or dyadic weights."""
    from hypothesis import strategies as st
    from hypothesis.extra.numpy import arrays

    @st.composite
    def problems(draw):
        n = draw(st.integers(1, 30))
        s = draw(arrays(np.int64, n, elements=st.integers(0, 6))).astype(np.float64)
        alpha = draw(st.sampled_from([0.05, 0.1, 0.2, 0.25, 0.5]))
        kw = {}
        if draw(st.booleans()):
            kw["weights"] = draw(arrays(np.int64, n, elements=st.integers(1, 8))).astype(np.float64) / 8.0
        return (s, alpha), kw, EXACT

    return problems()


def rank_strategy():
    from hypothesis import strategies as st

    @st.composite
    def problems(draw):
        n = draw(st.integers(1, 2000))
        alpha = draw(st.sampled_from([0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 0.9]))
        return (n, alpha), {}, EXACT

    return problems()


# ---------------------------------------------------------------- fixtures
@fixture("conformal.miscoverage_loss")
def _miscoverage_loss(scores):
    """lambda -> 1{scores > lambda} as a float array (the miscoverage loss of split CP)."""
    s = np.asarray(scores, dtype=float)
    return lambda lam: (s > lam).astype(float)


# ---------------------------------------------------------------- CRC
@cases_for("conformal.crc_lambda_hat", primary="lambda_hat", ignore=("status",), strategy=crc_strategy)
def _crc():
    """λ̂ = the smallest λ with (N_w R̂_w(λ) + B) / (N_w + 1) <= α (the "+1" is the test point)."""
    L = _loss_table(20, 9, 1)
    lam = np.linspace(0, 1, 9)
    yield Case("basic", (L, lam, 0.2), tol=EXACT, prop="lambda_hat, index and the bound on the grid")
    yield Case("ties", (np.repeat(np.array([[1, 1, .5, .5, 0, 0]]), 9, axis=0), np.arange(6.0), 0.3), tol=EXACT,
               tags=("ties",), prop="equal rows and flat segments: the first grid point meeting the bound")
    # n = 10, alpha = 0.1, one loss 1 at λ_0: with the "+1" (1 + 1)/11 > 0.1 so λ̂ = λ_1; without it R̂ = 0.1 <= 0.1
    L10 = np.zeros((10, 3))
    L10[0, 0] = 1.0
    yield Case("plus_one", (L10, np.arange(3.0), 0.1), tol=EXACT, tags=("pitfall:+1",),
               prop="the test point's +1 (B in the numerator, N+1 in the denominator) moves λ̂ from λ_0 to λ_1")
    yield Case("plus_one_n1", (np.zeros((1, 2)), np.array([0.0, 0.25]), 0.1), tol=EXACT, tags=("pitfall:+1", "n=1"),
               prop="one zero loss: B/(1+1) > alpha, infeasible; dropping the +1 makes λ_0 feasible")
    yield Case("n1", (np.array([[1.0, 0.5, 0.0]]), np.array([0.0, 0.5, 1.0]), 0.75), tol=EXACT, tags=("n=1",),
               prop="a single calibration point")
    yield Case("infeasible", (_loss_table(5, 4, 2), np.arange(4.0), 0.1), tol=EXACT, tags=("infeasible",),
               prop="B/(n+1) > alpha: no λ is feasible, λ̂ = λ_max and feasible is False")
    w = np.linspace(0.2, 1.0, 20)
    yield Case("weighted", (L, lam, 0.2), {"weights": w}, tol=SUMS, tags=("weights",),
               prop="non-exchangeable CRC, bound alpha with N_w = Σ w")
    yield Case("weighted_B_A", (L * 2 - 0.5, lam, 0.6), {"B": 1.5, "A": -0.5, "weights": w[::-1]}, tol=SUMS,
               prop="losses in [A, B] with A != 0")
    Lnm = _loss_table(12, 6, 3)
    Lnm[:, 3] = 1.0
    yield Case("monotonize", (Lnm, np.arange(6.0), 0.4), {"monotonize": True}, tol=EXACT, tags=("non-monotone",),
               prop="non-monotone losses replaced by their non-increasing majorant first")


@cases_for("conformal.conformal_quantile", primary="value", strategy=quantile_strategy)
def _cq():
    """q̂ = the ⌈(n+1)(1-α)⌉-th smallest score, +inf when the rank exceeds n; weighted (nexCP) variant."""
    s = _rng(4).standard_normal(19) ** 2
    yield Case("n19_a10", (s, 0.1), tol=EXACT, prop="(n+1)(1-alpha) = 18 exactly: the 18th order statistic",
               tags=("pitfall:crepes-shift",))
    yield Case("n20_a10", (_rng(5).random(20), 0.1), tol=EXACT, prop="rank ceil(18.9) = 19")
    yield Case("ties", (np.array([1.0, 2, 2, 2, 3, 3, 4, 5, 5, 6]), 0.3), tol=EXACT, tags=("ties",),
               prop="tied scores: the order statistic itself, never an interpolation")
    yield Case("n1_inf", (np.array([0.7]), 0.1), tol=EXACT, tags=("n=1", "+inf"),
               prop="rank 2 > n = 1: q̂ = +inf (the interval is the whole line)")
    yield Case("n1_ok", (np.array([0.7]), 0.5), tol=EXACT, tags=("n=1",), prop="rank ceil(2*0.5) = 1")
    yield Case("weighted_ties", (np.array([1.0, 1, 2, 2, 3]), 0.25), {"weights": np.array([0.5, 1, 0.25, 1, 0.75])},
               tol=EXACT, tags=("ties", "weights"),
               prop="nexCP weighted quantile: tied weights summed, CDF with <=, test mass 1 at +inf")
    yield Case("weighted_inf", (np.array([1.0, 2.0]), 0.1), {"weights": np.array([0.1, 0.1])}, tol=EXACT,
               tags=("+inf",), prop="the test point's mass 1 dominates: q̂ = +inf")


@cases_for("conformal.order_statistic_rank", primary="value", strategy=rank_strategy)
def _rank():
    """k = ⌈(n+1)(1-α)⌉ computed exactly (decimal α), where floating point lands one off."""
    for n, a in [(9, 0.1), (19, 0.05), (99, 0.01), (19, 0.1), (1, 0.5), (1, 0.1), (999, 0.3), (29, 0.7), (9, 0.7)]:
        yield Case(f"n{n}_a{a}", (n, a), tol=EXACT, tags=("pitfall:crepes-shift",),
                   prop="exact ceiling: (n+1)(1-alpha) integral in exact arithmetic is not rounded up")


@cases_for("conformal.alpha_from_confidence", primary="value")
def _alpha():
    """alpha = 1 - level on the printed decimals (1 - 0.9 is 0.09999999999999998 in floating point)."""
    for lv in (0.9, 0.95, 0.8, 0.99, 0.7):
        yield Case(f"c{lv}", (lv,), tol=EXACT, prop="the decimal difference, not the float subtraction")


@cases_for("conformal.coverage_gap_bound", primary="value")
def _gap():
    """alpha + (B - A) Σ w~_i d_i."""
    w = np.array([1.0, 0.5, 0.25, 0.125])
    d = np.array([0.1, 0.0, 0.3, 0.05])
    yield Case("basic", (w, d, 0.1), tol=SUMS, prop="Farinhas Theorem 1 gap")
    yield Case("A_B", (w, d, 0.1), {"A": -1.0, "B": 2.0}, tol=SUMS, prop="loss range scaling (B - A)")
    yield Case("n1", (np.array([1.0]), np.array([0.5]), 0.2), tol=SUMS, tags=("n=1",), prop="w~ = 1/2")


@cases_for("conformal.exponential_weights", primary="value")
def _expw():
    """w_i = rho^(n+1-i): the most recent point has weight rho."""
    yield Case("n5", (5, 0.9), tol=Tolerance.eps(8, why="powers of rho"), prop="oldest first, newest last")
    yield Case("n1", (1, 0.5), tol=EXACT, tags=("n=1",), prop="a single weight rho")
    yield Case("rho1", (4, 1.0), tol=EXACT, prop="rho = 1: all ones (exchangeable)")


@cases_for("conformal.maxent_weights", primary="value")
def _maxent():
    """w_i = exp(-kappa (B - A) d_i)."""
    d = np.array([0.0, 0.1, 0.5, 2.0])
    yield Case("basic", (d, 2.0), tol=Tolerance.eps(8, why="one exp per entry"), prop="eq. (13)")
    yield Case("A_B", (d, 0.5), {"A": -1.0, "B": 1.0}, tol=Tolerance.eps(8, why="one exp per entry"), prop="(B-A) = 2")


@cases_for("conformal.normalized_weights", primary="0")
def _normw():
    """w~_i = w_i / (1 + Σ w), w~_{n+1} = 1 / (1 + Σ w): the "+1"."""
    yield Case("basic", (np.array([1.0, 0.5, 0.25]),), tol=SUMS, tags=("pitfall:+1",),
               prop="the test point keeps weight 1: Σ w~ over calibration < 1")
    yield Case("n1", (np.array([0.3]),), tol=SUMS, tags=("n=1",), prop="single weight")


@cases_for("conformal.monotonize_losses", primary="value")
def _mono():
    """Smallest non-increasing majorant: reverse cumulative max along λ."""
    yield Case("basic", (np.array([[0.2, 0.5, 0.1, 0.3, 0.0], [1, 1, 0, 0, 0.0]]),), tol=EXACT, prop="row-wise suffix max")
    yield Case("n1", (np.array([[0.0, 1.0]]),), tol=EXACT, tags=("n=1",), prop="increasing row becomes flat")


@cases_for("conformal.loss_table", primary="value")
def _lt():
    """Column j is loss(λ_j)."""
    s = np.array([0.1, 0.4, 0.4, 0.9])
    yield Case("miscoverage", (Fixture("conformal.miscoverage_loss", scores=s), np.array([0.0, 0.4, 1.0])), tol=EXACT,
               tags=("ties", "callable"), prop="the generic builder evaluates the callable per grid point")


@cases_for("conformal.miscoverage_loss_table", primary="value")
def _mlt():
    """L_i(λ) = 1{s_i > λ} (strict: a score equal to λ is covered)."""
    yield Case("ties", (np.array([0.1, 0.4, 0.4, 0.9]), np.array([0.0, 0.4, 1.0])), tol=EXACT, tags=("ties",),
               prop="s = λ is not a miscoverage")


@cases_for("conformal.fnr_loss_table", primary="value")
def _fnr():
    """L_i(λ) = 1 - #(Y_i ∩ C_λ) / #Y_i with C_λ = {k : score_k >= ...} as refimpl defines it."""
    r = _rng(6)
    scores = r.random((6, 4))
    labels = r.random((6, 4)) < 0.5
    labels[:, 0] = True
    yield Case("basic", (scores, labels, np.linspace(-1, 0, 5)), tol=SUMS, prop="multilabel false-negative rate")


@cases_for("conformal.insensitive_abs_loss_table", primary="value")
def _ins():
    """L_i(λ) = max(0, |y - f| - λ), optionally clipped."""
    y, f = np.array([0.0, 1.0, 3.0]), np.array([0.5, 1.0, 0.0])
    yield Case("basic", (y, f, np.array([0.0, 0.5, 2.0])), tol=EXACT, prop="eq. (15)")
    yield Case("clip", (y, f, np.array([0.0, 0.5, 2.0])), {"clip": 1.0}, tol=EXACT, prop="losses clipped at 1")


@cases_for("conformal.absolute_residual_scores", primary="value")
def _abs():
    """s_i = |y_i - f(x_i)|."""
    yield Case("basic", (np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, 0.5])), tol=EXACT, prop="absolute residual")


@cases_for("conformal.normalized_residual_scores", primary="value")
def _nrs():
    """s_i = |y_i - f(x_i)| / sigma_i."""
    yield Case("basic", (np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, 0.5]), np.array([0.5, 2.0, 1.0])),
               tol=Tolerance.eps(2, why="one division"), prop="normalised residual")


@cases_for("conformal.norm_residual_scores", primary="value")
def _norm():
    """r_i = ||y_i - f(x_i)|| (l2 or l-inf)."""
    Y = _rng(7).standard_normal((5, 3))
    P = _rng(8).standard_normal((5, 3))
    yield Case("l2", (Y, P), tol=Tolerance.eps(8, why="3-term norm"), prop="Tasar eq. (1)")
    yield Case("linf", (Y, P), {"ord": "inf"}, tol=EXACT, prop="Tasar eq. (2): max abs")


@cases_for("conformal.norm_ball_contains", primary="value")
def _nbc():
    """y_i in {y : ||y - f(x_i)|| <= q} (boundary included)."""
    Y = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    P = np.zeros((3, 2))
    yield Case("boundary", (Y, P, 5.0), tol=EXACT, tags=("ties",), prop="a point on the sphere is inside")
    yield Case("inf_q", (Y, P, float("inf")), tol=EXACT, tags=("+inf",), prop="q = +inf contains everything")
    yield Case("linf", (Y, P, 1.0), {"ord": "inf"}, tol=EXACT, prop="l-inf ball")


@cases_for("conformal.lac_scores", primary="value")
def _lac():
    """s_i = 1 - p_{y_i}(x_i)."""
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    yield Case("basic", (P, np.array([0, 1])), tol=EXACT, prop="one minus the true class probability")


@cases_for("conformal.lac_prediction_sets", primary="value")
def _lacs():
    """C(x) = {k : 1 - p_k <= q}."""
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    yield Case("basic", (P, 0.8), tol=EXACT, tags=("ties",), prop="<= at the threshold (1 - 0.2 = 0.8 included)")
    yield Case("inf", (P, float("inf")), tol=EXACT, tags=("+inf",), prop="q = +inf: every class")


@cases_for("conformal.split_conformal_interval", primary="0")
def _sci():
    """[f - q sigma, f + q sigma]; infinite when q = +inf."""
    f = np.array([0.0, 1.0, -2.0])
    yield Case("basic", (f, 0.5), tol=EXACT, prop="symmetric interval")
    yield Case("sigma", (f, 0.5), {"sigma": np.array([1.0, 2.0, 0.5])}, tol=EXACT, prop="normalised interval")
    yield Case("inf", (f, float("inf")), tol=EXACT, tags=("+inf",), prop="q = +inf gives (-inf, +inf)")


@cases_for("conformal.online_crc_path", primary="0")
def _online():
    """λ̂_t of non-X CRC with exponential weights, by the O(m) recursion (equal to the batch λ̂ at every t)."""
    L = _loss_table(30, 7, 9)
    yield Case("basic", (L, np.linspace(0, 1, 7), 0.2, 0.9), tol=SUMS, prop="the stream of thresholds, warm-up infeasible")
    yield Case("rho1", (L[:10], np.linspace(0, 1, 7), 0.3, 1.0), tol=SUMS, prop="rho = 1: exchangeable CRC at each t")
