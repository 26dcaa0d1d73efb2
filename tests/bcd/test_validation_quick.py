"""The bcd family's quick validation claims run as a test, so validation/ cannot rot."""

import importlib

from refimpl.validation import _claims, run_claims


def test_bcd_quick_claims_pass(monkeypatch):
    # discover only this family (bcdtree's claim modules register under the same family when merged)
    monkeypatch.setattr(_claims, "discover", lambda: [importlib.import_module("refimpl.validation.bcd") and "bcd"])
    records = run_claims(families=["bcd"], quick=True, backend="numpy")
    assert len(records) >= 6
    failed = [(r.id, r.backend, r.measured, r.error, r.detail) for r in records if r.passed is False or r.error]
    assert not failed, failed
