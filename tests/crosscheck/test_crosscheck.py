"""refimpl.testing.crosscheck / assert_crosscheck and the ``refimpl crosscheck`` command."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from refimpl.crosscheck import NotApplicable, UnknownReferenceError, flatten_result
from refimpl.testing import assert_crosscheck, crosscheck
from refimpl.validation.conformal.crosscheck import crc_without_plus_one, quantile_off_by_one


def good_crc(losses, lambdas, alpha, *, B=1.0, weights=None, A=0.0, monotonize=False):
    """An independent correct CRC (Angelopoulos et al. eq. (4), Farinhas et al. eq. (11))."""
    L = np.asarray(losses, dtype=float)
    if monotonize:
        L = np.maximum.accumulate(L[:, ::-1], axis=1)[:, ::-1]
    w = np.ones(len(L)) if weights is None else np.asarray(weights, dtype=float)
    bound = (w @ L + B) / (w.sum() + 1.0)
    ok = np.flatnonzero(bound <= alpha)
    return float(lambdas[ok[0]]) if ok.size else float(lambdas[-1])


def test_correct_candidate_passes():
    rep = crosscheck(good_crc, "conformal.crc_lambda_hat", max_examples=15)
    assert rep.passed, rep.table()
    assert rep.n_cases >= 9 and rep.hypothesis_examples > 0
    assert rep.max_error["lambda_hat"] == 0.0
    assert_crosscheck(good_crc, "conformal.crc_lambda_hat", cases="golden")


def test_dropped_plus_one_is_caught_with_a_minimal_counterexample():
    rep = crosscheck(crc_without_plus_one, "conformal.crc_lambda_hat", max_examples=25)
    assert not rep.passed
    assert {"plus_one", "plus_one_n1"} <= {o.case for o in rep.outcomes if not o.passed}
    # shrunk by Hypothesis to one calibration point with zero loss
    assert rep.minimal_counterexample is not None and "array([[0., 0.]])" in rep.minimal_counterexample
    with pytest.raises(AssertionError, match="first failing case: plus_one"):
        assert_crosscheck(crc_without_plus_one, "conformal.crc_lambda_hat", cases="golden")


def test_off_by_one_quantile_is_caught():
    rep = crosscheck(quantile_off_by_one, "conformal.conformal_quantile", max_examples=20)
    assert not rep.passed and "n1_inf" in {o.case for o in rep.outcomes if not o.passed}
    assert rep.minimal_counterexample is not None


def test_unknown_reference_lists_valid_names():
    with pytest.raises(ValueError, match="conformal.crc_lambda_hat") as exc:
        crosscheck(good_crc, "conformal.crc")
    assert isinstance(exc.value, UnknownReferenceError) and "valid references" in str(exc.value)
    with pytest.raises(ValueError, match="did you mean 'conformal.crc_lambda_hat'"):
        crosscheck(good_crc, "crc_lambda_hat")


def test_adapter_with_the_wrong_shape_names_the_field():
    def adapter(candidate, losses, lambdas, alpha, **kw):
        return {"lambda_hat": np.array([1.0, 2.0]), "bound": np.zeros(3)}

    rep = crosscheck(good_crc, "conformal.crc_lambda_hat", adapter=adapter, cases="golden")
    msg = rep.first_failure.message
    assert "field 'lambda_hat'" in msg and "shape (2,)" in msg
    assert "field 'bound'" in msg


def test_candidate_that_raises_is_a_failing_case():
    def boom(*args, **kwargs):
        raise RuntimeError("not implemented yet")

    rep = crosscheck(boom, "conformal.crc_lambda_hat", cases="golden")
    assert rep.n_passed == 0 and not rep.passed
    assert all("RuntimeError: not implemented yet" in o.message for o in rep.outcomes if o.kind == "golden")
    assert rep.first_failure.exception.startswith("RuntimeError")


def test_not_applicable_cases_are_skipped():
    def adapter(candidate, losses, lambdas, alpha, *, weights=None, **kw):
        if weights is not None:
            raise NotApplicable("unweighted only")
        return candidate(losses, lambdas, alpha, **kw)

    rep = crosscheck(good_crc, "conformal.crc_lambda_hat", adapter=adapter, cases="golden")
    assert rep.passed and rep.n_skipped == 2


def test_bad_options():
    with pytest.raises(ValueError, match="cases must be one of"):
        crosscheck(good_crc, cases="some")
    with pytest.raises(ValueError, match="max_examples"):
        crosscheck(good_crc, max_examples=0)
    with pytest.raises(ValueError, match="rtol"):
        crosscheck(good_crc, rtol=-1.0)
    with pytest.raises(TypeError, match="candidate must be a callable"):
        crosscheck(42)


def test_counts_are_compared_when_returned():
    """A refactor-per-step 'lazy' Newton converges to the same x; its counts betray it."""
    from refimpl.validation.newton.crosscheck import lazy_refactor_every_step

    rep = crosscheck(lazy_refactor_every_step, "newton.lazy_newton", cases="golden")
    failing = {o.case: o.message for o in rep.outcomes if not o.passed}
    assert "m4" in failing and "n_hess" in failing["m4"] and "m1" not in failing
    assert rep.max_error["x"] < 1e-6


def test_flatten_result_fields():
    from refimpl.conformal import crc_lambda_hat

    flat = flatten_result(crc_lambda_hat(np.zeros((3, 2)), np.array([0.0, 1.0]), 0.5))
    assert flat["status"] in ("FEASIBLE", "INFEASIBLE") and flat["lambda_hat"].shape == ()
    assert set(flatten_result((np.ones(2), 3.0))) == {"0", "1"}


def test_cli(tmp_path, capsys, monkeypatch):
    from refimpl.cli import main

    (tmp_path / "mycrc.py").write_text(textwrap.dedent('''
        import numpy as np
        def good(losses, lambdas, alpha, *, B=1.0, weights=None, A=0.0, monotonize=False):
            L = np.asarray(losses, dtype=float)
            if monotonize:
                L = np.maximum.accumulate(L[:, ::-1], axis=1)[:, ::-1]
            w = np.ones(len(L)) if weights is None else np.asarray(weights, dtype=float)
            ok = np.flatnonzero((w @ L + B) / (w.sum() + 1) <= alpha)
            return float(lambdas[ok[0]]) if ok.size else float(lambdas[-1])
        def bad(losses, lambdas, alpha, **kw):
            L = np.asarray(losses, dtype=float)
            ok = np.flatnonzero(L.mean(axis=0) <= alpha)
            return float(lambdas[ok[0]]) if ok.size else float(lambdas[-1])
    '''))
    monkeypatch.chdir(tmp_path)
    assert main(["crosscheck", "mycrc:good", "--reference", "conformal.crc_lambda_hat", "--max-examples", "5"]) == 0
    assert "cases passed" in capsys.readouterr().out
    assert main(["crosscheck", "mycrc:bad", "--reference", "conformal.crc_lambda_hat", "--max-examples", "15",
                 "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["passed"] is False and out["minimal_counterexample"]
    assert main(["crosscheck", "mycrc:good", "--reference", "conformal.nope"]) == 2
    assert "valid references" in capsys.readouterr().err
    assert main(["crosscheck", "nosuchmodule:f", "--reference", "conformal.crc_lambda_hat"]) == 2
    assert "cannot load" in capsys.readouterr().err


@pytest.mark.slow
def test_bernoulli_for_pivotal_is_caught_statistically():
    from refimpl.validation.sampling.crosscheck import bernoulli_instead_of_pivotal

    rep = crosscheck(bernoulli_instead_of_pivotal, "sampling.pivotal_sample", cases="statistical")
    failing = {o.case for o in rep.outcomes if not o.passed}
    assert failing == {"fixed_size"}  # right marginals, random sample size
