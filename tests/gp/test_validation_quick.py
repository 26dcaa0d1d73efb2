"""The gp family's quick validation claims run as a test, so validation/ cannot rot."""
from refimpl.validation import run_claims


def test_quick_claims_pass():
    records = run_claims(families=["gp"], quick=True)
    assert {r.id for r in records} >= {"G-1", "G-2", "G-3", "G-7", "G-8"}
    failed = [(r.id, r.measured, r.detail, r.error) for r in records if r.failed]
    assert not failed, failed
