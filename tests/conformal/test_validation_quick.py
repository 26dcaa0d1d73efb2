"""The conformal family's quick validation claims run as a test, so validation/ cannot rot."""

import importlib

from refimpl.validation import _claims, run_claims


def _conformal_only():
    """Import only this family's claims (another family's broken claim module must not fail this test)."""
    importlib.import_module("refimpl.validation.conformal")
    return ["conformal"]


def test_quick_claims_pass(monkeypatch):
    monkeypatch.setattr(_claims, "discover", _conformal_only)
    records = run_claims(families=["conformal"], quick=True)
    assert records, "no conformal claims registered"
    bad = [(r.id, r.backend, r.verdict, r.measured, r.error) for r in records if r.passed is False or r.error]
    assert not bad, bad


def test_claims_declare_numeric_targets_and_times(monkeypatch):
    monkeypatch.setattr(_claims, "discover", _conformal_only)
    claims = [c for c in _claims.registered_claims() if c.family == "conformal"]
    assert {c.id for c in claims} >= {"C-1", "C-1q", "C-2", "C-3", "C-4", "C-5", "C-6", "C-7", "C-8", "C-9"}
    for c in claims:
        assert c.source in _claims.SOURCES
        assert "spec" not in c.reference.lower()
        assert (c.seconds[0] > 0) == c.quick and (c.seconds[1] > 0) == c.full, c.id


def test_elec2_skip_says_where_to_get_the_data(monkeypatch, tmp_path):
    monkeypatch.setattr(_claims, "discover", _conformal_only)
    monkeypatch.setenv("REFIMPL_DATA_DIR", str(tmp_path))
    from refimpl.validation.conformal import elec2

    claim = next(c for c in _claims.registered_claims() if c.id == "C-5")
    from refimpl.backends import get_backend

    ctx = _claims.ClaimContext(quick=False, backend=get_backend(), report_dir=None, claim=claim)
    try:
        elec2.elec2(ctx)
    except _claims.ClaimSkipped as exc:
        reason = str(exc)
    else:  # pragma: no cover - the folder is empty
        raise AssertionError("C-5 ran without its data file")
    for word in ("OpenML", "electricity", "electricity-normalized.csv", "REFIMPL_DATA_DIR", "ELEC2"):
        assert word in reason
