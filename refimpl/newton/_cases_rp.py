"""Cross-check cases of :func:`refimpl.newton.risk_parity` (convention: "Cross-check cases" in the architecture docs).

Edge cases: the exact sweep counts of the paper's 5-asset example (6 improved, 11 original at tol
1e-6: an implementation that tests before the rescaling, or recomputes nothing, counts differently),
long/short patterns (Table 4), general budgets, a singular covariance (CCD only needs C_ii = 1), a
diagonal covariance (closed form w ∝ √b/σ), one asset, and the net-short pattern whose normalised
weights flip sign.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Case, Tolerance, cases_for

from refimpl.newton.risk_parity import COV5
_r = np.random.default_rng(3)
_B = _r.standard_normal((6, 4))
SINGULAR = _B @ _B.T  # rank 4 of 6
TOL6 = Tolerance.absolute(2e-6, why="both stop at the paper's residual test 1e-6: weights agree to a few times tol")
TIGHT = Tolerance.absolute(1e-9, why="stopped at tol 1e-12 on well-conditioned 5-asset problems")


@cases_for("newton.risk_parity", primary="weights", fields=("weights", "n_iter", "n_fev", "n_factor", "status", "signs"))
def _risk_parity():
    """Risk budgeting weights w_i(Σw)_i / wᵀΣw = b_i, Σw = 1 (Choi & Chen 2022; Griveau-Billion et al. 2013)."""
    for method in ("ccd_improved", "ccd", "newton"):
        yield Case(f"five_assets_{method}", (COV5,), {"method": method, "tol": 1e-6}, tol=TOL6,
                   tags=("pitfall:stop-after-rescaling",),
                   prop=f"{method}: w = (0.125, 0.047, 0.083, 0.613, 0.132); sweeps 6 (improved) / 11 (original)")
    yield Case("long_short", (COV5,), {"signs": [-1, 1, 1, 1, 1], "tol": 1e-12}, tol=TIGHT, tags=("long-short",),
               prop="Table 4, pattern (-,+,+,+,+): w = (-0.223, 0.074, 0.125, 0.820, 0.204)")
    yield Case("budgets", (COV5, np.array([0.1, 0.1, 0.2, 0.3, 0.3])), {"method": "newton", "tol": 1e-12}, tol=TIGHT,
               prop="general budgets: w = (0.077, 0.025, 0.074, 0.648, 0.176)")
    yield Case("singular", (SINGULAR,), {"method": "ccd_improved", "tol": 1e-10, "max_iter": 5000},
               tol=Tolerance.absolute(1e-8, why="stopped at tol 1e-10 on a rank-4 covariance"), tags=("rank-deficient",),
               prop="a singular covariance: the CCD update needs only C_ii = 1")
    sig = np.array([0.1, 0.2, 0.4])
    yield Case("diagonal", (np.diag(sig**2), np.array([0.2, 0.3, 0.5])), {"tol": 1e-13},
               tol=Tolerance.absolute(1e-11, why="closed form w ∝ √b/σ; stopped at tol 1e-13"), tags=("diagonal",),
               prop="uncorrelated assets: w ∝ √b / σ")
    yield Case("one_asset", (np.array([[0.04]]),), {}, tol=Tolerance.exact("w = 1 after one sweep"), tags=("n=1",),
               prop="one asset: w = 1")
    yield Case("all_short", (COV5,), {"signs": [-1, -1, -1, -1, -1], "tol": 1e-12}, tol=TIGHT,
               tags=("pitfall:net-short",), prop="the all-short root normalised to Σw = 1 is the long-only portfolio")
