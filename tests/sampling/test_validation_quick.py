"""The sampling family's quick validation claims run as a test, so validation/ cannot rot."""

from refimpl.validation import _claims, _runner

import refimpl.validation.sampling  # noqa: F401  (registers the family's claims)


def test_sampling_quick_claims_pass():
    # run only this family's claims (other families' manifests are imported by run_claims)
    claims = [c for c in _claims._CLAIMS.values() if c.family == "sampling" and c.quick]
    assert len(claims) >= 7
    records = [_runner._run_one(c, "numpy", True, None) for c in claims]
    failed = [(r.id, r.measured, r.error) for r in records if r.failed]
    assert not failed, failed
