"""C-7..C-9: cross-checks against MAPIE and crepes (skipped with a reason when absent).

C-7  split-CP intervals equal MAPIE's ``SplitConformalRegressor`` (absolute score) exactly.
C-8  split-CP intervals equal crepes' ``ConformalRegressor`` except where (1 - confidence)(n + 1) is
     mathematically an integer: crepes truncates that product in floating point, lands just below
     the integer and picks the next order statistic (one more conservative). The claim counts the
     cases and requires every difference to be exactly that one-order-statistic shift.
C-8's pitfall (a rank computed from a floating-point product that is mathematically an integer) is
handled by :func:`refimpl.conformal.order_statistic_rank`; see the floating-point note of the docs.
C-9  CRC threshold equals MAPIE's ``MultiLabelClassificationController(risk="recall",
     method="crc")`` on the same loss table. MAPIE's sets are {k : p_k > t} with t increasing
     (loss increasing); refimpl's grid is μ = -t (sets growing with μ), so λ̂ = -t̂. MAPIE accepts
     bound < alpha, refimpl bound <= alpha: they can differ only when a bound equals alpha exactly.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np

from refimpl.conformal import alpha_from_confidence, conformal_quantile, crc_lambda_hat, loss_table, order_statistic_rank

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim

_LEVELS = (0.8, 0.9, 0.95)
_SIZES = (9, 19, 20, 99, 100, 1000)


def _require(*names: str) -> None:
    for name in names:
        if importlib.util.find_spec(name) is None:
            raise ClaimSkipped(f"{name} not installed: pip install 'refimpl[peers]'")


def _regression_data(rng, n_cal: int):
    beta = rng.standard_normal(5)
    X = rng.standard_normal((n_cal + 200, 5))
    y = X @ beta + (1 + np.abs(X[:, 0])) * rng.standard_normal(X.shape[0])
    return X[:n_cal], y[:n_cal], X[n_cal:], beta


@claim(
    id="C-7",
    family="conformal",
    title="split-CP interval half-widths equal MAPIE's SplitConformalRegressor",
    reference="MAPIE 1.6 (peer): SplitConformalRegressor, absolute score",
    target=Target.at_most(1e-12, label="max abs diff of the interval bounds"),
    source="peer",
    seconds=(2.5, 12.0),  # measured on 2 cores
)
def mapie_split(ctx: ClaimContext) -> Outcome:
    _require("mapie", "sklearn")
    import warnings

    from mapie.regression import SplitConformalRegressor
    from sklearn.base import BaseEstimator, RegressorMixin

    class Linear(RegressorMixin, BaseEstimator):
        def __init__(self, beta=None):
            self.beta = beta

        def fit(self, X, y):  # pragma: no cover - prefit
            return self

        def predict(self, X):
            return np.asarray(X) @ self.beta

        def __sklearn_is_fitted__(self):
            return True

    rng = ctx.rng(7)
    worst, n_cases, n_refused, n_refused_finite = 0.0, 0, 0, 0
    for n in _SIZES:
        X_cal, y_cal, X_test, beta = _regression_data(rng, n)
        for level in _LEVELS:
            q = conformal_quantile(np.abs(y_cal - X_cal @ beta), alpha_from_confidence(level))
            mapie = SplitConformalRegressor(Linear(beta), confidence_level=level, prefit=True)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    mapie.conformalize(X_cal, y_cal)
                    y_pred, y_pis = mapie.predict_interval(X_test)
            except ValueError:  # MAPIE refuses when 1/alpha or 1/(1-alpha) >= n, even if the order statistic exists
                n_refused += 1
                n_refused_finite += q != math.inf
                continue
            # MAPIE forms y_pred ± q̂: compare the bounds with the same floating-point sums
            worst = max(worst, float(np.max(np.abs(y_pis[:, 1, 0] - (y_pred + q)))),
                        float(np.max(np.abs(y_pis[:, 0, 0] - (y_pred - q)))))
            n_cases += 1
    return Outcome(measured=worst, text=f"max abs diff {worst:.3g} over {n_cases} cases",
                   detail=f"n in {_SIZES}, levels {_LEVELS}; MAPIE refuses {n_refused} small-n cases "
                   f"({n_refused_finite} of them with a finite order statistic; refimpl returns it, or +inf)")


@claim(
    id="C-8",
    family="conformal",
    title="split-CP intervals equal crepes' except its one-order-statistic shift at integer (1-c)(n+1)",
    reference="crepes 0.9 (peer): ConformalRegressor; equal where (1-c)(n+1) is not an integer, elsewhere equal "
    "or exactly one order statistic higher",
    target=Target.equal(0, label="other differences"),
    source="peer",
    seconds=(0.1, 0.3),  # measured on 2 cores
)
def crepes_split(ctx: ClaimContext) -> Outcome:
    _require("crepes")
    import warnings

    from crepes import ConformalRegressor

    rng = ctx.rng(8)
    n_equal, n_shifted, n_bad, n_integer = 0, 0, 0, 0
    for n in _SIZES:
        X_cal, y_cal, X_test, beta = _regression_data(rng, n)
        r = np.abs(y_cal - X_cal @ beta)
        r_sorted = np.sort(r)
        for level in _LEVELS:
            alpha = alpha_from_confidence(level)
            q = conformal_quantile(r, alpha)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cr = ConformalRegressor().fit(residuals=r)
                lo_hi = cr.predict_int(y_hat=np.zeros(1), confidence=level)  # y_hat = 0: the bound is q̂
            half = float(lo_hi[0, 1])
            integer = abs((n + 1) * (1 - level) - round((n + 1) * (1 - level))) < 1e-9
            n_integer += integer
            k = order_statistic_rank(n, alpha)
            if half == q or (math.isinf(half) and math.isinf(q)):
                n_equal += 1
            elif integer and (k + 1 <= n and half == r_sorted[k] or k + 1 > n and math.isinf(half)):
                n_shifted += 1
            else:
                n_bad += 1
    return Outcome(
        measured=n_bad,
        text=f"{n_equal} equal, {n_shifted} shifted by one order statistic, {n_bad} other",
        detail=f"{n_integer} of {len(_SIZES) * len(_LEVELS)} cases have an integer (1-c)(n+1)",
    )


@claim(
    id="C-9",
    family="conformal",
    title="CRC threshold equals MAPIE's recall risk control (method='crc') on the same loss table",
    reference="MAPIE 1.6 MultiLabelClassificationController (peer); Angelopoulos et al. 2024",
    target={"lambda_hat mismatches": Target.equal(0, label="cases with a different lambda_hat"),
            "loss-table diff": Target.at_most(1e-12, label="max abs loss-table diff")},
    source="peer",
    seconds=(1.5, 110.0),  # measured on 2 cores (MAPIE dominates)
)
def mapie_risk_control(ctx: ClaimContext) -> Outcome:
    _require("mapie", "sklearn")
    import warnings

    from mapie.risk_control import MultiLabelClassificationController

    rng = ctx.rng(9)
    t_grid = np.arange(0.0, 1.0, 0.01)  # MAPIE's default thresholds, sets {k : p_k > t}
    mu = -t_grid[::-1]  # refimpl's increasing grid: sets {k : p_k > -mu}
    n_cases, n_equal, table_err = 0, 0, 0.0
    sizes = (200,) if ctx.quick else (200, 1000, 5000)
    for n in sizes:
        for target in (0.8, 0.9):
            ctx.progress(n_cases, 2 * len(sizes), "cases")
            a = rng.normal(-1.5, 0.7, 20)
            B = 0.8 * rng.standard_normal((5, 20))
            S = 1 / (1 + np.exp(-(a + rng.standard_normal((n, 5)) @ B)))
            Y = rng.uniform(size=S.shape) < S
            Y[Y.sum(axis=1) == 0, 0] = True

            def recall_loss(m, S=S, Y=Y):
                chosen = S > -m
                return 1.0 - (chosen & Y).sum(axis=1) / Y.sum(axis=1)

            L = loss_table(recall_loss, mu)
            ours = crc_lambda_hat(L, mu, 1 - target)
            ctrl = MultiLabelClassificationController(predict_function=lambda X: X, risk="recall", method="crc",
                                                      target_level=target, predict_params=t_grid)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ctrl.calibrate(S, Y.astype(int))
            table_err = max(table_err, float(np.max(np.abs(np.asarray(ctrl._risks)[:, ::-1] - L))))
            theirs = float(np.ravel(ctrl.best_predict_param)[0])
            n_cases += 1
            n_equal += math.isclose(-ours.lambda_hat, theirs, abs_tol=1e-12)
    return Outcome(measured={"lambda_hat mismatches": n_cases - n_equal, "loss-table diff": table_err},
                   text=f"{n_equal}/{n_cases} equal; max loss-table diff {table_err:.2g}",
                   detail=f"n in {sizes}, 20 labels, MAPIE default grid arange(0, 1, 0.01)")
