"""Conformal prediction and conformal risk control, exchangeable and not.

Papers: Angelopoulos et al., *Conformal Risk Control* (ICLR 2024, arXiv:2208.02814);
Barber et al., *Conformal prediction beyond exchangeability* (Ann. Statist. 2023,
arXiv:2202.13415); Farinhas et al., *Non-Exchangeable Conformal Risk Control* (ICLR 2024,
arXiv:2310.01262); Tasar, *Quantum-Enhanced Conformal Methods for Multi-Output Uncertainty*
(arXiv:2501.10414; the classical norm-score method only).

Pure functions (the executable specification):

* :func:`conformal_quantile` — split-CP order statistic / nexCP weighted quantile;
* :func:`crc_lambda_hat` — CRC and non-X CRC on a loss table, :class:`CRCResult`;
* loss tables: :func:`fnr_loss_table`, :func:`miscoverage_loss_table`,
  :func:`insensitive_abs_loss_table`, :func:`loss_table`;
* weights: :func:`exponential_weights`, :func:`maxent_weights`, :func:`normalized_weights`,
  :func:`coverage_gap_bound`;
* online non-X CRC: :class:`OnlineCRC`, :func:`online_crc_path`;
* split-CP regions: scores and regions in :mod:`refimpl.conformal.regions`.

Thin estimator wrappers (MAPIE's verbs and ``confidence_level``) live in
:mod:`refimpl.conformal.wrappers`.
"""

from .crc import CRCResult, CRCStatus, crc_lambda_hat, monotonize_losses
from .losses import fnr_loss_table, insensitive_abs_loss_table, loss_table, miscoverage_loss_table
from .online import OnlineCRC, online_crc_path
from .quantile import alpha_from_confidence, conformal_quantile, order_statistic_rank
from .regions import (
    absolute_residual_scores,
    lac_prediction_sets,
    lac_scores,
    norm_ball_contains,
    norm_residual_scores,
    normalized_residual_scores,
    split_conformal_interval,
)
from .weights import coverage_gap_bound, exponential_weights, maxent_weights, normalized_weights

__all__ = [
    "CRCResult",
    "CRCStatus",
    "OnlineCRC",
    "absolute_residual_scores",
    "alpha_from_confidence",
    "conformal_quantile",
    "coverage_gap_bound",
    "crc_lambda_hat",
    "exponential_weights",
    "fnr_loss_table",
    "insensitive_abs_loss_table",
    "lac_prediction_sets",
    "lac_scores",
    "loss_table",
    "maxent_weights",
    "miscoverage_loss_table",
    "monotonize_losses",
    "norm_ball_contains",
    "norm_residual_scores",
    "normalized_residual_scores",
    "normalized_weights",
    "online_crc_path",
    "order_statistic_rank",
    "split_conformal_interval",
]
