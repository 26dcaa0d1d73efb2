"""Fuzz specs for ``refimpl.conformal``: one valid call per public name and its argument kinds."""
import numpy as np

from _harness import A, Spec
from refimpl import conformal as c

#: canonical (post-rename) name -> today's names; none in this family.
ALIASES: dict = {}

_Y = np.array([0.1, 0.5, 0.9, 1.3, 2.0])
_P = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4], [0.5, 0.25, 0.25]])
_LAM = np.linspace(0.0, 1.0, 6)
_LOSS = np.array([[1.0, 0.8, 0.5, 0.3, 0.1, 0.0]] * 4) * np.array([[1.0], [0.9], [0.5], [0.2]])


#: CRC's target risk is documented as A <= alpha <= B (Angelopoulos et al. Theorem 1 holds for any
#: alpha): alpha = A (= 0) is never feasible, alpha = B (= 1) always is, and both are honest answers.
_ALPHA_ENDS = {"alpha=zero": "alpha = A is a documented target (A <= alpha <= B): always infeasible",
               "alpha=one": "alpha = B is a documented target (A <= alpha <= B): trivially feasible"}
_RHO_ONE = {"rho=one": "rho = 1 is documented: unit weights (unweighted CRC / split CP)"}
#: q = +inf is what conformal_quantile returns when the quantile is not attainable: the whole space.
_Q_INF = {"q=inf": "q = +inf (conformal_quantile's 'not attainable') is documented: the region is everything"}
#: conformal_quantile documents +inf as the quantile when the calibration mass is below 1 - alpha.
_QUANTILE_INF = {"alpha=1e-300": "q̂ = +inf is documented when k > n (no score qualifies)",
                 "weights=bool": "zero weights can leave the calibration mass below 1 - alpha: q̂ = +inf (documented)",
                 "weights=1e-300": "tiny weights leave the calibration mass below 1 - alpha: q̂ = +inf (documented)"}


def _s(func, accept=None, inf_ok=None, **args):
    return Spec(func, args, accept=accept or {}, inf_ok=inf_ok or {}, aliases=ALIASES)


SPECS = {
    "conformal.OnlineCRC": _s(c.OnlineCRC, accept={**_ALPHA_ENDS, **_RHO_ONE}, lambdas=A("vec", _LAM), alpha=A("unit", 0.2), rho=A("unit", 0.9),
                              B=A("real", 1.0), A=A("real", 0.0)),
    "conformal.absolute_residual_scores": _s(c.absolute_residual_scores, y=A("vec", _Y, tied=True),
                                             y_pred=A("vec", _Y[::-1].copy(), tied=True)),
    "conformal.alpha_from_confidence": _s(c.alpha_from_confidence, confidence_level=A("unit", 0.9)),
    "conformal.conformal_quantile": _s(c.conformal_quantile, inf_ok=_QUANTILE_INF, scores=A("vec", _Y, tied=True), alpha=A("unit", 0.2),
                                       weights=A("vec", np.ones(5), tied=True, optional=True)),
    "conformal.coverage_gap_bound": _s(c.coverage_gap_bound, accept=_ALPHA_ENDS, weights=A("vec", np.ones(5), tied=True),
                                       d=A("vec", _Y, tied=True), alpha=A("unit", 0.2), A=A("real", 0.0),
                                       B=A("real", 1.0)),
    "conformal.crc_lambda_hat": _s(c.crc_lambda_hat, accept=_ALPHA_ENDS, losses=A("mat", _LOSS), lambdas=A("vec", _LAM, tied=True),
                                   alpha=A("unit", 0.3), B=A("real", 1.0), A=A("real", 0.0),
                                   weights=A("vec", np.ones(4), tied=True, optional=True),
                                   monotonize=A("flag", False)),
    "conformal.exponential_weights": _s(c.exponential_weights, accept=_RHO_ONE, n=A("size", 5), rho=A("unit", 0.9)),
    "conformal.fnr_loss_table": _s(c.fnr_loss_table, scores=A("prob", _P),
                                   labels=A("labels", (_P > 0.25).astype(int)), lambdas=A("vec", _LAM)),
    "conformal.insensitive_abs_loss_table": _s(c.insensitive_abs_loss_table, y=A("vec", _Y, tied=True),
                                               y_pred=A("vec", _Y[::-1].copy(), tied=True),
                                               lambdas=A("vec", _LAM), clip=A("pos", 1.0, optional=True)),
    "conformal.lac_prediction_sets": _s(c.lac_prediction_sets, accept=_Q_INF, probs=A("prob", _P), q=A("real", 0.5)),
    "conformal.lac_scores": _s(c.lac_scores, probs=A("prob", _P), y=A("labels", np.array([0, 1, 2, 0]), tied=True)),
    "conformal.loss_table": _s(c.loss_table, loss=A("callable", lambda lam: np.array([1.0, 0.5, 0.0]) * (1 - lam)),
                               lambdas=A("vec", _LAM)),
    "conformal.maxent_weights": _s(c.maxent_weights, d=A("vec", _Y), kappa=A("pos", 1.0), A=A("real", 0.0),
                                   B=A("real", 1.0)),
    "conformal.miscoverage_loss_table": _s(c.miscoverage_loss_table, scores=A("vec", _Y), lambdas=A("vec", _LAM)),
    "conformal.monotonize_losses": _s(c.monotonize_losses, losses=A("mat", _LOSS)),
    "conformal.norm_ball_contains": _s(c.norm_ball_contains, accept=_Q_INF, Y=A("mat", _P, tied=True), Y_pred=A("mat", _P[::-1].copy(), tied=True),
                                       q=A("nonneg", 0.3), ord=A("int", 2)),
    "conformal.norm_residual_scores": _s(c.norm_residual_scores, Y=A("mat", _P, tied=True),
                                         Y_pred=A("mat", _P[::-1].copy(), tied=True), ord=A("int", 2)),
    "conformal.normalized_residual_scores": _s(c.normalized_residual_scores, y=A("vec", _Y, tied=True),
                                               y_pred=A("vec", _Y[::-1].copy(), tied=True),
                                               sigma=A("vec", np.ones(5) * 0.5, tied=True)),
    "conformal.normalized_weights": _s(c.normalized_weights, weights=A("vec", np.ones(5))),
    "conformal.online_crc_path": _s(c.online_crc_path, accept={**_ALPHA_ENDS, **_RHO_ONE}, losses=A("mat", _LOSS), lambdas=A("vec", _LAM, tied=True),
                                    alpha=A("unit", 0.3), rho=A("unit", 0.9), B=A("real", 1.0), A=A("real", 0.0)),
    "conformal.order_statistic_rank": _s(c.order_statistic_rank, n=A("size", 5), alpha=A("unit", 0.2)),
    "conformal.split_conformal_interval": _s(c.split_conformal_interval, accept=_Q_INF, inf_ok=_Q_INF, y_pred=A("vec", _Y, tied=True),
                                             q=A("nonneg", 0.5),
                                             sigma=A("vec", np.ones(5), tied=True, optional=True)),
}
