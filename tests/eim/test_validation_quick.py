"""The eim family's quick validation claims run as a test, so validation/ cannot rot."""

from refimpl.validation import run_claims


def test_eim_quick_claims_pass():
    records = run_claims(families=["eim"], quick=True)
    assert len(records) >= 13
    failed = [(r.id, r.backend, r.measured) for r in records if r.passed is False]
    assert not failed, failed
