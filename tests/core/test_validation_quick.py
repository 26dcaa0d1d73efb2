"""The quick validation claims of the foundation run as tests, so validation/ cannot rot."""

import math

import pytest

from refimpl.validation import run_claims
from refimpl.validation._claims import Outcome, Target, check_outcome, describe_targets


def test_core_quick_claims_pass():
    records = run_claims(["core"], quick=True)
    assert records, "no core claims ran"
    assert not [r for r in records if r.failed], [(r.id, r.backend, r.measured, r.error) for r in records]
    assert {r.backend for r in records} >= {"numpy", "numba", "array_api_strict"}


def test_claim_runner_reports_failures_and_skips(monkeypatch):
    from refimpl.validation import ClaimSkipped, _claims

    _claims.discover()  # import the real families first, so they register in the real registry
    monkeypatch.setattr(_claims, "_CLAIMS", dict(_claims._CLAIMS))

    @_claims.claim(id="T-fail", family="zz_test", title="t", reference="r", target=Target.at_most(1), source="design")
    def failing(ctx):
        return Outcome(measured=2.0)

    @_claims.claim(id="T-skip", family="zz_test", title="t", reference="r", target=Target.at_most(1), source="design")
    def skipping(ctx):
        raise ClaimSkipped("peer not installed")

    @_claims.claim(id="T-err", family="zz_test", title="t", reference="r", target=Target.at_most(1), source="design")
    def erroring(ctx):
        raise ZeroDivisionError("oops")

    @_claims.claim(id="T-form", family="zz_test", title="t", reference="r",
                   target={"a": Target.at_most(1)}, source="design")
    def wrong_form(ctx):
        return Outcome(measured=0.5)  # a single number for a named target set: a bug in the claim

    records = {r.id: r for r in run_claims(["zz_test"], quick=True)}
    assert records["T-fail"].verdict == "FAIL" and records["T-fail"].failed
    assert records["T-fail"].measured == 2.0 and records["T-fail"].measured_text == "2"
    assert records["T-fail"].target_text == "measured ≤ 1" and records["T-fail"].target == Target.at_most(1)
    assert records["T-skip"].verdict == "SKIP" and records["T-skip"].skip_reason == "peer not installed"
    assert not records["T-skip"].failed
    assert records["T-err"].verdict == "ERROR" and "ZeroDivisionError" in records["T-err"].error
    assert records["T-form"].verdict == "ERROR" and "named targets" in records["T-form"].error


@pytest.mark.parametrize(
    ("target", "inside", "outside", "text"),
    [
        (Target.at_most(1e-12, label="err"), [0.0, 1e-12], [1.1e-12, math.inf], "err ≤ 1e-12"),
        (Target.at_least(3.0), [3.0, 10.0], [2.99, -math.inf], "measured ≥ 3"),
        (Target.close(0.27, atol=0.03), [0.24, 0.3], [0.2399, 0.31], "measured = 0.27 ± 0.03"),
        (Target.close(100.0, rtol=0.3), [70.0, 130.0], [69.0, 131.0], "measured = 100 ± 30 %"),
        (Target.between(8.5, 11), [8.5, 11.0], [8.49, 11.01], "measured in [8.5, 11]"),
        (Target.equal(6), [6], [5, 7], "measured = 6 exactly"),
    ],
)
def test_target_check_and_text_come_from_one_object(target, inside, outside, text):
    assert all(target.check(m) for m in inside)
    assert not any(target.check(m) for m in outside)
    assert not target.check(math.nan)
    assert target.describe() == text


def test_named_targets_need_the_same_keys():
    targets = {"a": Target.at_most(1), "b": Target.at_least(0)}
    assert describe_targets(targets) == "a: measured ≤ 1; b: measured ≥ 0"
    assert check_outcome(targets, Outcome(measured={"a": 0.5, "b": 0.0}))
    assert not check_outcome(targets, Outcome(measured={"a": 1.5, "b": 0.0}))
    with pytest.raises(KeyError, match="differ"):
        check_outcome(targets, Outcome(measured={"a": 0.5}))
    with pytest.raises(TypeError, match="real number"):
        check_outcome(Target.at_most(1), Outcome(measured="0.5"))


def test_claim_rejects_text_targets_and_unknown_sources():
    from refimpl.validation import _claims

    with pytest.raises(TypeError, match="must be a Target"):
        _claims.claim(id="x", family="zz", title="t", reference="r", target="x < 1", source="design")
    with pytest.raises(ValueError, match="source must be one of"):
        _claims.claim(id="x", family="zz", title="t", reference="r", target=Target.at_most(1), source="vibes")
