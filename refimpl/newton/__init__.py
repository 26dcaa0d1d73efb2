"""Newton-type methods (unconstrained): cubic subproblem, lazy-Hessian cubic/regularised Newton, damped Newton.

* :mod:`refimpl.newton.cubic`: :func:`cubic_step`, the global minimiser of the cubic model
  (Nesterov & Polyak 2006) from one eigendecomposition.
* :mod:`refimpl.newton.lazy`: :func:`lazy_newton`, Algorithms 1-3 of Doikov, Chayti & Jaggi,
  *Second-Order Optimization with Lazy Hessians* (ICML 2023).
* :mod:`refimpl.newton.damped`: :func:`damped_newton`, the stepsize schedules and line searches
  of Hanzely, Abdukhakimov & Takáč (arXiv:2405.18926) and the classical baselines.
* :mod:`refimpl.newton.filtered`: :func:`filtered_stochastic_newton`, Burkhart's (2023)
  discriminative-Kalman-filtered stochastic Newton and the plain stochastic Newton baseline.

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
    "stepsize_from_regularization",
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
