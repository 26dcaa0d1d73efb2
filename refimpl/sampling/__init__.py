"""Leverage-score sampling family: exact and sketched leverage scores, independent and pivotal
(dependent) sampling, reweighted least squares and active regression, coordinated matrix-product
sketches.

* :mod:`refimpl.sampling.leverage`: exact (QR/SVD), ridge and sketched leverage scores.
* :mod:`refimpl.sampling.samplers`: capped inclusion probabilities, Bernoulli, i.i.d. and
  binary-tree pivotal sampling with the spatial tree (Shimizu et al., ICLR 2024).
* :mod:`refimpl.sampling.regression`: reweighted least squares on a sample, active regression.
* :mod:`refimpl.sampling.coordinated`: coordinated priority/threshold sketches and the AᵀB
  estimator (Daliri et al., ICLR 2025).
* :mod:`refimpl.sampling.dpp`: projection DPPs (chain rule) and generalised volume sampling
  on a finite candidate set (Nouy & Michel).
* :mod:`refimpl.sampling.sensitivity`: ℓp sensitivities by convex solves (Woodruff & Yasuda).
* :mod:`refimpl.sampling.lp`: root-leverage and mixture scores, sensitivity sampling with the
  π^{-1/p} reweighting, ℓp regression (Woodruff & Yasuda).
* :mod:`refimpl.sampling.sketch_solve`: sketch-and-solve regression (Gaussian, SRHT, CountSketch,
  leverage) and the ℓ∞ error ratio (Song et al., ICML 2023).
"""

from .coordinated import (
    CoordinatedRegressionResult,
    CoordinatedRegressionStatus,
    CoordinatedSketch,
    LinearSketch,
    coordinated_hash,
    coordinated_regression,
    linear_sketch,
    priority_sketch,
    sketched_product,
    threshold_sketch,
)
from .dpp import projection_dpp_sample, volume_sample
from .lp import (
    LpRegressionResult,
    LpSample,
    lp_mixture_scores,
    lp_regression,
    root_leverage_scores,
    sensitivity_sample,
)
from .leverage import RankDeficientError, leverage_scores, ridge_leverage_scores, sketch_sizes
from .regression import ActiveRegressionResult, RegressionStatus, active_regression, reweighted_lstsq
from .sensitivity import lp_sensitivities
from .sketch_solve import linf_error_ratio, sketch_and_solve
from .samplers import (
    bernoulli_sample,
    inclusion_probabilities,
    local_pivotal_sample,
    pivotal_sample,
    pivotal_tree,
    sample_with_replacement,
)

__all__ = [
    "LpRegressionResult",
    "LpSample",
    "lp_mixture_scores",
    "lp_regression",
    "root_leverage_scores",
    "sensitivity_sample",
    "ActiveRegressionResult",
    "CoordinatedRegressionResult",
    "CoordinatedRegressionStatus",
    "CoordinatedSketch",
    "LinearSketch",
    "RankDeficientError",
    "RegressionStatus",
    "active_regression",
    "reweighted_lstsq",
    "bernoulli_sample",
    "coordinated_hash",
    "coordinated_regression",
    "linear_sketch",
    "inclusion_probabilities",
    "leverage_scores",
    "linf_error_ratio",
    "local_pivotal_sample",
    "lp_sensitivities",
    "pivotal_sample",
    "pivotal_tree",
    "priority_sketch",
    "projection_dpp_sample",
    "ridge_leverage_scores",
    "sample_with_replacement",
    "sketch_and_solve",
    "sketch_sizes",
    "sketched_product",
    "threshold_sketch",
    "volume_sample",
]
