"""The eim family's quick validation claims run as a test, so validation/ cannot rot."""

import importlib

from refimpl.validation import _claims, run_claims


def _discover_eim_only():
    # only this family's claims are imported: a broken claim module of another family must not
    # fail the eim tests (the project-wide runner test covers discovery of every family)
    importlib.import_module("refimpl.validation.eim")
    return ["eim"]


def test_eim_quick_claims_pass(monkeypatch):
    monkeypatch.setattr(_claims, "discover", _discover_eim_only)
    records = run_claims(families=["eim"], quick=True)
    assert len(records) >= 13
    failed = [(r.id, r.backend, r.measured) for r in records if r.passed is False]
    assert not failed, failed
    sources = {c.source for c in _claims.registered_claims() if c.family == "eim"}
    assert sources <= {"identity", "peer", "design"}, sources  # no eim target is a paper-table number
