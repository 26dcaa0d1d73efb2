"""The newton family's quick validation claims run as a test, so validation/ cannot rot."""

import importlib

from refimpl.validation import _claims, run_claims


def test_newton_quick_claims_pass(monkeypatch):
    # discover only this family, so that another family's claim module cannot break this test
    monkeypatch.setattr(_claims, "discover", lambda: [importlib.import_module("refimpl.validation.newton") and "newton"])
    records = run_claims(families=["newton"], quick=True, backend="numpy")
    assert len(records) >= 8
    failed = [(r.id, r.backend, r.measured, r.error, r.detail) for r in records if r.passed is False or r.error]
    assert not failed, failed
