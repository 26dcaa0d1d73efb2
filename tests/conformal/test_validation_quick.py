"""The conformal family's quick validation claims run as a test, so validation/ cannot rot."""

from refimpl.validation import run_claims


def test_quick_claims_pass():
    records = run_claims(families=["conformal"], quick=True)
    assert records, "no conformal claims registered"
    bad = [(r.id, r.backend, r.verdict, r.measured, r.error) for r in records if r.passed is False or r.error]
    assert not bad, bad
