"""The quick validation claims of the foundation run as tests, so validation/ cannot rot."""

from refimpl.validation import run_claims


def test_core_quick_claims_pass():
    records = run_claims(["core"], quick=True)
    assert records, "no core claims ran"
    assert not [r for r in records if r.failed], [(r.id, r.backend, r.measured, r.error) for r in records]
    assert {r.backend for r in records} >= {"numpy", "numba", "array_api_strict"}


def test_claim_runner_reports_failures_and_skips(monkeypatch):
    from refimpl.validation import ClaimSkipped, Outcome, _claims

    monkeypatch.setattr(_claims, "_CLAIMS", dict(_claims._CLAIMS))

    @_claims.claim(id="T-fail", family="zz_test", title="t", reference="r", target="x < 1")
    def failing(ctx):
        return Outcome(measured="2", passed=False)

    @_claims.claim(id="T-skip", family="zz_test", title="t", reference="r", target="x")
    def skipping(ctx):
        raise ClaimSkipped("peer not installed")

    @_claims.claim(id="T-err", family="zz_test", title="t", reference="r", target="x")
    def erroring(ctx):
        raise ZeroDivisionError("oops")

    records = {r.id: r for r in run_claims(["zz_test"], quick=True)}
    assert records["T-fail"].verdict == "FAIL" and records["T-fail"].failed
    assert records["T-skip"].verdict == "SKIP" and records["T-skip"].skip_reason == "peer not installed"
    assert not records["T-skip"].failed
    assert records["T-err"].verdict == "ERROR" and "ZeroDivisionError" in records["T-err"].error
