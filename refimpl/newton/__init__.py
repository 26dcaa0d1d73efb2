"""Newton-type methods (unconstrained): cubic subproblem, lazy-Hessian cubic/regularised Newton, damped Newton.

* :mod:`refimpl.newton.cubic`: :func:`cubic_step`, the global minimiser of the cubic model
  (Nesterov & Polyak 2006) from one eigendecomposition.
* :mod:`refimpl.newton.lazy`: :func:`lazy_newton`, Algorithms 1-3 of Doikov, Chayti & Jaggi,
  *Second-Order Optimization with Lazy Hessians* (ICML 2023).
* :mod:`refimpl.newton.damped`: :func:`damped_newton`, the stepsize schedules and line searches
  of Hanzely, Abdukhakimov & Takáč (arXiv:2405.18926) and the classical baselines.
* :mod:`refimpl.newton.filtered`: :func:`filtered_stochastic_newton`, Burkhart's (2023)
  discriminative-Kalman-filtered stochastic Newton and the plain stochastic Newton baseline.
* :mod:`refimpl.newton.trust_region`: :func:`scaled_trust_region`, the affine-scaling trust region
  for bound-constrained nonlinear systems (STRSCNE / CoDoSol framework; the scalings of Ayanzadeh,
  Yazdanian & Shahamatnia 2019); test systems in :mod:`refimpl.newton.box_systems`.
* :mod:`refimpl.newton.risk_parity`: :func:`risk_parity`, risk budgeting portfolios by the
  improved CCD of Choi & Chen (2022), the original CCD (Griveau-Billion et al. 2013) and Newton
  on Spinu's formulation.

Objectives are given as callables ``fun, grad, hess`` or as a problem object (see
:mod:`refimpl._oracle`, which also holds the test problems re-exported here).
"""

from refimpl._oracle import (
    LeastSquares,
    LogisticRegression,
    PolytopeFeasibility,
    Rosenbrock,
    SeparableQuartic,
    lazy_hessians_logistic,
    linear_gaussian_regression,
    peer_logistic,
    polytope_instance,
)

from ._common import NewtonResult, NewtonStatus
from .cubic import CubicStepOverflow, cubic_step
from .damped import damped_newton, stepsize_from_regularization
from .filtered import FilteredNewtonResult, FilteredNewtonStatus, filtered_stochastic_newton
from .lazy import lazy_newton
from .box_systems import brown_almost_linear, chandrasekhar_h, chemical_equilibrium, powell_badly_scaled
from .trust_region import TrustRegionResult, TrustRegionStatus, scaled_trust_region
from .risk_parity import RiskParityResult, RiskParityStatus, risk_parity
from ._sqp import SQPResult, SQPStatus
from .adasketch import SketchResult, SketchStatus, adasketch_newton, sketch_and_project
from .sqp_baselines import augmented_lagrangian, l1_sqp
from .hs_problems import ConstrainedProblem, constrained_logistic_problem, hs_problem, poisson_control_problem

__all__ = [
    "CubicStepOverflow",
    "LeastSquares",
    "LogisticRegression",
    "PolytopeFeasibility",
    "Rosenbrock",
    "SeparableQuartic",
    "lazy_hessians_logistic",
    "linear_gaussian_regression",
    "peer_logistic",
    "polytope_instance",
    "FilteredNewtonResult",
    "FilteredNewtonStatus",
    "NewtonResult",
    "NewtonStatus",
    "cubic_step",
    "damped_newton",
    "filtered_stochastic_newton",
    "lazy_newton",
    "RiskParityResult",
    "RiskParityStatus",
    "risk_parity",
    "stepsize_from_regularization",
    # bound-constrained systems: affine-scaling trust region
    "TrustRegionResult",
    "TrustRegionStatus",
    "brown_almost_linear",
    "chandrasekhar_h",
    "chemical_equilibrium",
    "powell_badly_scaled",
    "scaled_trust_region",
    # equality constraints: AdaSketch-Newton (Hong, Na, Mahoney & Kolar 2023) and its test problems
    "ConstrainedProblem",
    "SQPResult",
    "SQPStatus",
    "SketchResult",
    "SketchStatus",
    "adasketch_newton",
    "augmented_lagrangian",
    "l1_sqp",
    "constrained_logistic_problem",
    "hs_problem",
    "poisson_control_problem",
    "sketch_and_project",
]
