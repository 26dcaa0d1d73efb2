"""Bad input for every public conformal function: a clear error naming the argument, never a silent
wrong answer (Reliability issue 9; newcomer issue 10 item 9). One row per defect found.
"""

from __future__ import annotations

import numpy as np
import pytest

from refimpl import conformal as cf
from refimpl.conformal import wrappers

GRID = [0.0, 0.5, 1.0]
TABLE = [[1.0, 0.5, 0.0], [0.5, 0.0, 0.0]]

CASES = [
    # (call, exception, message regex)
    # silent wrong answers fixed
    (lambda: cf.split_conformal_interval([1.0, 2.0], -1.0), ValueError, r"q must be >= 0 .*inverted"),
    (lambda: cf.split_conformal_interval([1.0, 2.0], q=-1), ValueError, r"q must be >= 0"),
    (lambda: cf.lac_prediction_sets([[0.5, 0.5]], -0.1), ValueError, r"q must be >= 0"),
    (lambda: cf.norm_ball_contains([[0.0]], [[0.0]], -1.0), ValueError, r"q must be >= 0"),
    (lambda: cf.split_conformal_interval([1.0], float("nan")), ValueError, r"q must be a real number; got NaN"),
    (lambda: cf.lac_scores([[0.7, 0.3], [0.2, 0.8]], [0.5, 1.0]), ValueError, r"y must hold integer values"),
    (lambda: cf.lac_scores([[0.7, 0.3]], [2]), ValueError, r"y must hold integers in \[0, 1\]"),
    (lambda: cf.lac_scores([[0.7, 0.3]], [True]), TypeError, r"y must hold integers"),
    (lambda: cf.insensitive_abs_loss_table([1.0], [0.5], GRID, clip=-1), ValueError, r"clip must be a finite positive"),
    (lambda: cf.insensitive_abs_loss_table([1.0], [0.5], GRID, clip=0.0), ValueError, r"clip must be a finite positive"),
    (lambda: cf.insensitive_abs_loss_table([1.0], [0.5], GRID, clip=np.nan), ValueError, r"clip must be a real number"),
    (lambda: cf.miscoverage_loss_table([0.2, 0.7], [np.nan, 1.0]), ValueError, r"lambdas must not contain NaN"),
    (lambda: cf.miscoverage_loss_table([0.2, 0.7], [1.0, 0.5]), ValueError, r"lambdas must be strictly increasing"),
    (lambda: cf.fnr_loss_table([[0.9, 0.2]], [[1, 1]], [0.5, 0.5]), ValueError, r"lambdas must be strictly increasing"),
    (lambda: cf.insensitive_abs_loss_table([1.0], [0.5], [0.5, 0.25]), ValueError, r"lambdas must be strictly increasing"),
    (lambda: cf.loss_table(lambda lam: np.zeros(2), [0.0, np.nan]), ValueError, r"lambdas must not contain NaN"),
    (lambda: cf.loss_table(lambda lam: np.zeros(2), [1.0, 0.0]), ValueError, r"lambdas must be strictly increasing"),
    # grid and table disagree (issue 10: was blamed on the losses alone)
    (lambda: cf.crc_lambda_hat(np.zeros((20, 12)), np.linspace(0, 1, 13), 0.1), ValueError,
     r"lambdas and losses disagree: lambdas has 13 grid points but losses has 12 columns \(shape \(20, 12\)\)"),
    (lambda: cf.online_crc_path(np.zeros((20, 12)), np.linspace(0, 1, 13), 0.1, 0.9), ValueError,
     r"lambdas and losses disagree: lambdas has 13 grid points"),
    # alpha given as a percentage
    (lambda: cf.conformal_quantile([1.0, 2.0, 3.0], 90), ValueError,
     r"alpha must lie in \(0, 1\); got 90\. alpha is a fraction, not a percentage: use 0\.1 for 90 % confidence "
     r"\(alpha_from_confidence\(0\.9\)"),
    (lambda: cf.crc_lambda_hat(TABLE, GRID, 10), ValueError, r"alpha is a fraction.*alpha=0\.1"),
    (lambda: cf.order_statistic_rank(10, 90), ValueError, r"alpha_from_confidence"),
    (lambda: cf.OnlineCRC(GRID, 5, 0.9), ValueError, r"alpha is a fraction"),
    (lambda: cf.coverage_gap_bound([1.0], [0.0], 20), ValueError, r"alpha is a fraction"),
    (lambda: cf.alpha_from_confidence(90), ValueError, r"confidence_level must lie in \(0, 1\)"),
    # shapes print as tuples
    (lambda: cf.conformal_quantile([1.0, 2.0], 0.1, weights=[1.0]), ValueError, r"weights must have shape \(2,\); got shape \(1,\)"),
    # None, strings, wrong ndim, non-callables: TypeError/ValueError naming the argument
    (lambda: cf.conformal_quantile(None, 0.1), TypeError, r"scores must be numeric"),
    (lambda: cf.conformal_quantile(["a", "b"], 0.1), TypeError, r"scores must be numeric"),
    (lambda: cf.conformal_quantile([[1.0, 2.0]], 0.1), ValueError, r"scores must be a 1-D array"),
    (lambda: cf.conformal_quantile([1.0, 2.0], None), TypeError, r"alpha must be a real number"),
    (lambda: cf.conformal_quantile([1.0, 2.0], "0.1"), TypeError, r"alpha must be a real number"),
    (lambda: cf.crc_lambda_hat(None, GRID, 0.1), TypeError, r"losses must be numeric"),
    (lambda: cf.crc_lambda_hat(TABLE, None, 0.1), TypeError, r"lambdas must be numeric"),
    (lambda: cf.crc_lambda_hat([1.0, 0.0], GRID, 0.1), ValueError, r"losses must be a 2-D array"),
    (lambda: cf.crc_lambda_hat(TABLE, GRID, 0.5, monotonize="yes"), TypeError, r"monotonize must be True or False"),
    (lambda: cf.crc_lambda_hat(TABLE, GRID, 0.5, weights="ab"), TypeError, r"weights must be numeric"),
    (lambda: cf.loss_table(None, GRID), TypeError, r"loss must be callable"),
    (lambda: cf.loss_table(lambda lam: "x", GRID), TypeError, r"loss\(lambdas\[0\]\) must be numeric"),
    (lambda: cf.monotonize_losses(None), TypeError, r"losses must be numeric"),
    (lambda: cf.monotonize_losses([1.0, 2.0]), ValueError, r"losses must be a 2-D array"),
    (lambda: cf.split_conformal_interval(None, 1.0), TypeError, r"y_pred must be numeric"),
    (lambda: cf.split_conformal_interval([1.0], None), TypeError, r"q must be a real number"),
    (lambda: cf.split_conformal_interval([1.0], "1"), TypeError, r"q must be a real number"),
    (lambda: cf.split_conformal_interval([1.0, 2.0], 1.0, sigma=[1.0]), ValueError, r"sigma must have shape \(2,\)"),
    (lambda: cf.normalized_residual_scores([1.0], [1.0], None), TypeError, r"sigma must be numeric"),
    (lambda: cf.lac_scores(None, [0]), TypeError, r"probs must be numeric"),
    (lambda: cf.norm_residual_scores([[1.0]], [[1.0]], ord=3), ValueError, r"ord must be one of"),
    (lambda: cf.exponential_weights(0, 0.9), ValueError, r"n must be an integer in \[1, inf\]"),
    (lambda: cf.exponential_weights(3, 1.5), ValueError, r"rho must lie in \(0, 1\]"),
    (lambda: cf.maxent_weights([0.0, -1.0], 1.0), ValueError, r"d must be non-negative"),
    (lambda: cf.normalized_weights(None), TypeError, r"weights must be numeric"),
    (lambda: cf.OnlineCRC(None, 0.1, 0.9), TypeError, r"lambdas must be numeric"),
    (lambda: cf.OnlineCRC([0.0, np.nan], 0.1, 0.9), ValueError, r"lambdas must not contain NaN"),
    (lambda: wrappers.SplitConformalRegressor(None, confidence_level=90), ValueError,
     r"confidence_level must lie in \(0, 1\); got 90 \(confidence_level is a fraction: 0\.9 for 90 %\)"),
    (lambda: wrappers.SplitConformalClassifier(None, confidence_level=None), TypeError, r"confidence_level must be"),
    (lambda: wrappers.MultiLabelRiskController(None, target_level=90), ValueError, r"target_level is a fraction"),
    (lambda: wrappers.MultiLabelRiskController(None, lambdas="abc"), TypeError, r"lambdas must be numeric"),
    (lambda: wrappers.MultiLabelRiskController(None, lambdas=[[0.0, 1.0]]), ValueError, r"lambdas must be a 1-D array"),
    (lambda: wrappers.SplitConformalRegressor(None).conformalize([[0.0]], [1.0]), TypeError,
     r"estimator must have a predict\(\) method; got NoneType"),
    # round-2 fuzz findings: -inf grid points, probabilities outside [0, 1], non-0/1 labels, non-finite losses
    (lambda: cf.crc_lambda_hat(TABLE, [-np.inf, 0.5, 1.0], 0.5), ValueError, r"lambdas must be finite except .*got -inf"),
    (lambda: cf.online_crc_path(TABLE, [-np.inf, 0.5, 1.0], 0.5, 0.9), ValueError, r"lambdas must be finite except"),
    (lambda: cf.OnlineCRC([-np.inf, 0.5, 1.0], 0.5, 0.9), ValueError, r"lambdas must be finite except"),
    (lambda: cf.miscoverage_loss_table([0.2], [-np.inf, 1.0]), ValueError, r"lambdas must be finite except"),
    (lambda: cf.loss_table(lambda lam: np.zeros(2), [-np.inf, 1.0]), ValueError, r"lambdas must be finite except"),
    (lambda: cf.lac_scores([[1.5, -0.5]], [0]), ValueError, r"probs must lie in \[0, 1\].*2 entries outside"),
    (lambda: cf.lac_prediction_sets([[-0.5, 0.5]], 0.5), ValueError, r"probs must lie in \[0, 1\]"),
    (lambda: cf.fnr_loss_table([[1.5, 0.2]], [[1, 1]], GRID), ValueError, r"scores must lie in \[0, 1\]"),
    (lambda: cf.fnr_loss_table([[0.9, 0.2]], [[0.5, 1]], GRID), ValueError, r"labels must be positive-label indicators"),
    (lambda: cf.fnr_loss_table([[0.9, 0.2]], [[-1, 1]], GRID), ValueError, r"labels must be .*1 entries other than 0"),
    (lambda: cf.fnr_loss_table([[0.9, 0.2]], [[2, 1]], GRID), ValueError, r"labels must be positive-label indicators"),
    (lambda: cf.monotonize_losses([[np.nan, 0.0]]), ValueError, r"losses must contain only finite values"),
    (lambda: cf.monotonize_losses([[np.inf, 0.0]]), ValueError, r"losses must contain only finite values"),
    (lambda: cf.monotonize_losses(np.empty((0, 3))), ValueError, r"losses"),
]


@pytest.mark.parametrize("call, exc, match", CASES)
def test_bad_input_is_rejected_clearly(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_online_observe_names_both_lengths():
    state = cf.OnlineCRC(np.linspace(0, 1, 13), 0.2, 0.9)
    with pytest.raises(ValueError, match=r"lambdas has 13 grid points but losses has 12 columns \(shape \(12,\)\)"):
        state.observe(np.zeros(12))


def test_valid_edge_cases_still_work():
    # q = 0 and q = +inf are valid half-widths; integer-valued float labels are valid class indices
    lo, hi = cf.split_conformal_interval([1.0, 2.0], 0.0)
    np.testing.assert_array_equal(lo, hi)
    lo, hi = cf.split_conformal_interval([1.0], np.inf)
    assert lo[0] == -np.inf and hi[0] == np.inf
    np.testing.assert_allclose(cf.lac_scores([[0.7, 0.3], [0.2, 0.8]], [0.0, 1.0]), [0.3, 0.2])
    L = cf.insensitive_abs_loss_table([1.0], [0.0], [0.0, 0.5], clip=0.75)
    np.testing.assert_allclose(L, [[0.75, 0.5]])
    # a grid ending in +inf is fine for the miscoverage table
    np.testing.assert_array_equal(cf.miscoverage_loss_table([0.2], [0.1, np.inf]), [[1.0, 0.0]])
    # boolean labels and probabilities at the ends of [0, 1] are valid
    np.testing.assert_allclose(cf.fnr_loss_table([[1.0, 0.0]], [[True, False]], GRID), [[0.0, 0.0, 0.0]])
    # alpha at the ends of [A, B] and rho = 1 are documented targets (trivially infeasible / feasible)
    assert cf.crc_lambda_hat(TABLE, GRID, 1.0).lambda_hat == 0.0
    lam, ok = cf.online_crc_path(TABLE, GRID, 0.0, 1.0)
    assert not ok.any()


def test_norm_scores_do_not_overflow():
    # the plain sum of squares overflows at 1e300; the scaled form gives the exact norm
    Y = np.array([[3e300, 4e300], [3.0, 4.0], [3e-300, 4e-300]])
    r = cf.norm_residual_scores(Y, np.zeros_like(Y))
    np.testing.assert_allclose(r, [5e300, 5.0, 5e-300], rtol=1e-15)
    assert cf.norm_residual_scores([[3.0, 4.0]], [[0.0, 0.0]])[0] == 5.0  # ordinary rows are unchanged
    assert cf.norm_ball_contains(Y, np.zeros_like(Y), 1e301).all()


def test_docstrings_link_the_floating_point_note():
    for func in (cf.conformal_quantile, cf.crc_lambda_hat, cf.order_statistic_rank):
        first_paragraph = func.__doc__.split("\n\n")[:2]
        assert any("conformal-floating-point" in p for p in first_paragraph), func.__name__
