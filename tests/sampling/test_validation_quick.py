"""The sampling family's quick validation claims run as a test, so validation/ cannot rot."""

import pytest

from refimpl.validation import _claims, _runner

import refimpl.validation.sampling  # noqa: F401  (registers the family's claims)


def _run(more):
    claims = [c for c in _claims._CLAIMS.values()
              if c.family == "sampling" and c.quick and c.func.__module__.endswith(".claims_more") == more]
    records = [_runner._run_one(c, "numpy", True, None) for c in claims]
    return claims, [(r.id, r.measured, r.error) for r in records if r.failed]


def test_sampling_quick_claims_pass():
    # run only this family's claims (other families' manifests are imported by run_claims)
    claims, failed = _run(False)
    assert len(claims) >= 7
    assert not failed, failed


@pytest.mark.slow
def test_sampling_quick_claims_more_pass():
    """G-2, H-3, I-3, J-3 in quick mode (about 30 s unloaded): `pytest -m slow`."""
    claims, failed = _run(True)
    assert len(claims) == 4
    assert not failed, failed
