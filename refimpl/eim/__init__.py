"""Empirical Interpolation Method family (Casenave and co-authors).

* :mod:`refimpl.eim.greedy`: discrete EIM greedy (sup / l2 / weighted norms, real and complex,
  stabilised variant; papers A, F), :mod:`refimpl.eim.streaming` its streaming form and
  :mod:`refimpl.eim.evaluate` the three online evaluation forms.
* :mod:`refimpl.eim.rectangular`: rectangular EIM, broken sensors (paper A).
* :mod:`refimpl.eim.matrix_eim`: non-intrusive matrix EIM (paper B).
* :mod:`refimpl.eim.matrix_power`: log-determinants and inverses of affine families (paper C).
* :mod:`refimpl.eim.rb`: RB a-posteriori dual norms (paper F), non-intrusive RB (paper D).
* :mod:`refimpl.eim.eifmm`: EIM-based fast multipole summation (paper E).
"""

from .eifmm import EIFMMResult, LevelEIM, direct_sum, eifmm, far_field_eim
from .evaluate import eim_evaluate, eim_evaluate_symmetric, eim_interpolate_newton
from .greedy import EIMResult, EIMStatus, eim_greedy
from .matrix_eim import (
    MatrixEIM,
    matrix_eim,
    matrix_eim_assemble,
    matrix_eim_reduce,
    matrix_eim_reduced_operator,
    matrix_eim_weights,
)
from .matrix_power import (
    AffineLimitEIM,
    LimitModel,
    LimitPrediction,
    affine_limit_eim,
    affine_limit_weights,
    inverse_eim,
    logdet_eim,
    monomial_exponents,
)
from .rb import (
    DualNormEIM,
    NonIntrusiveRB,
    affine_residual_terms,
    dual_norm_classical,
    dual_norm_classical_offline,
    dual_norm_eim,
    dual_norm_eim_offline,
    nonintrusive_rb,
    nonintrusive_rb_solve,
    rb_greedy,
    residual_coefficients,
)
from .streaming import eim_greedy_streaming
from .rectangular import RectangularEIM, eim_rectangular, eim_rectangular_evaluate

__all__ = [
    "EIFMMResult",
    "LevelEIM",
    "direct_sum",
    "eifmm",
    "far_field_eim",
    "AffineLimitEIM",
    "DualNormEIM",
    "EIMResult",
    "EIMStatus",
    "LimitModel",
    "LimitPrediction",
    "MatrixEIM",
    "NonIntrusiveRB",
    "RectangularEIM",
    "affine_limit_eim",
    "affine_limit_weights",
    "affine_residual_terms",
    "dual_norm_classical",
    "dual_norm_classical_offline",
    "dual_norm_eim",
    "dual_norm_eim_offline",
    "eim_evaluate",
    "eim_evaluate_symmetric",
    "eim_greedy",
    "eim_greedy_streaming",
    "eim_interpolate_newton",
    "eim_rectangular",
    "eim_rectangular_evaluate",
    "inverse_eim",
    "logdet_eim",
    "matrix_eim",
    "matrix_eim_assemble",
    "matrix_eim_reduce",
    "matrix_eim_reduced_operator",
    "matrix_eim_weights",
    "monomial_exponents",
    "nonintrusive_rb",
    "nonintrusive_rb_solve",
    "rb_greedy",
    "residual_coefficients",
]
