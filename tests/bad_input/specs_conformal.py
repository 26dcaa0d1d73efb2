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


def _s(func, accept=None, **args):
    return Spec(func, args, accept=accept or {}, aliases=ALIASES)


SPECS = {
    "conformal.OnlineCRC": _s(c.OnlineCRC, lambdas=A("vec", _LAM), alpha=A("unit", 0.2), rho=A("unit", 0.9),
                              B=A("real", 1.0), A=A("real", 0.0)),
    "conformal.absolute_residual_scores": _s(c.absolute_residual_scores, y=A("vec", _Y, tied=True),
                                             y_pred=A("vec", _Y[::-1].copy(), tied=True)),
    "conformal.alpha_from_confidence": _s(c.alpha_from_confidence, confidence_level=A("unit", 0.9)),
    "conformal.conformal_quantile": _s(c.conformal_quantile, scores=A("vec", _Y, tied=True), alpha=A("unit", 0.2),
                                       weights=A("vec", np.ones(5), tied=True, optional=True)),
    "conformal.coverage_gap_bound": _s(c.coverage_gap_bound, weights=A("vec", np.ones(5), tied=True),
                                       d=A("vec", _Y, tied=True), alpha=A("unit", 0.2), A=A("real", 0.0),
                                       B=A("real", 1.0)),
    "conformal.crc_lambda_hat": _s(c.crc_lambda_hat, losses=A("mat", _LOSS), lambdas=A("vec", _LAM, tied=True),
                                   alpha=A("unit", 0.3), B=A("real", 1.0), A=A("real", 0.0),
                                   weights=A("vec", np.ones(4), tied=True, optional=True),
                                   monotonize=A("flag", False)),
    "conformal.exponential_weights": _s(c.exponential_weights, n=A("size", 5), rho=A("unit", 0.9)),
    "conformal.fnr_loss_table": _s(c.fnr_loss_table, scores=A("prob", _P),
                                   labels=A("labels", (_P > 0.25).astype(int)), lambdas=A("vec", _LAM)),
    "conformal.insensitive_abs_loss_table": _s(c.insensitive_abs_loss_table, y=A("vec", _Y, tied=True),
                                               y_pred=A("vec", _Y[::-1].copy(), tied=True),
                                               lambdas=A("vec", _LAM), clip=A("pos", 1.0, optional=True)),
    "conformal.lac_prediction_sets": _s(c.lac_prediction_sets, probs=A("prob", _P), q=A("real", 0.5)),
    "conformal.lac_scores": _s(c.lac_scores, probs=A("prob", _P), y=A("labels", np.array([0, 1, 2, 0]), tied=True)),
    "conformal.loss_table": _s(c.loss_table, loss=A("callable", lambda lam: np.array([1.0, 0.5, 0.0]) * (1 - lam)),
                               lambdas=A("vec", _LAM)),
    "conformal.maxent_weights": _s(c.maxent_weights, d=A("vec", _Y), kappa=A("pos", 1.0), A=A("real", 0.0),
                                   B=A("real", 1.0)),
    "conformal.miscoverage_loss_table": _s(c.miscoverage_loss_table, scores=A("vec", _Y), lambdas=A("vec", _LAM)),
    "conformal.monotonize_losses": _s(c.monotonize_losses, losses=A("mat", _LOSS)),
    "conformal.norm_ball_contains": _s(c.norm_ball_contains, Y=A("mat", _P, tied=True), Y_pred=A("mat", _P[::-1].copy(), tied=True),
                                       q=A("nonneg", 0.3), ord=A("int", 2)),
    "conformal.norm_residual_scores": _s(c.norm_residual_scores, Y=A("mat", _P, tied=True),
                                         Y_pred=A("mat", _P[::-1].copy(), tied=True), ord=A("int", 2)),
    "conformal.normalized_residual_scores": _s(c.normalized_residual_scores, y=A("vec", _Y, tied=True),
                                               y_pred=A("vec", _Y[::-1].copy(), tied=True),
                                               sigma=A("vec", np.ones(5) * 0.5, tied=True)),
    "conformal.normalized_weights": _s(c.normalized_weights, weights=A("vec", np.ones(5))),
    "conformal.online_crc_path": _s(c.online_crc_path, losses=A("mat", _LOSS), lambdas=A("vec", _LAM, tied=True),
                                    alpha=A("unit", 0.3), rho=A("unit", 0.9), B=A("real", 1.0), A=A("real", 0.0)),
    "conformal.order_statistic_rank": _s(c.order_statistic_rank, n=A("size", 5), alpha=A("unit", 0.2)),
    "conformal.split_conformal_interval": _s(c.split_conformal_interval, y_pred=A("vec", _Y, tied=True),
                                             q=A("nonneg", 0.5),
                                             sigma=A("vec", np.ones(5), tied=True, optional=True)),
}
