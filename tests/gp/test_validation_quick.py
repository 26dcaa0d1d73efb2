"""The gp family's quick validation claims run as a test, so validation/ cannot rot; quick mode draws figures.

Discovery is narrowed to the gp claim package, so this test depends only on the gp family (another
family's claim module that fails to import does not fail it; the runner's own tests cover discovery).
"""
import importlib

from refimpl.validation import _claims, run_claims


def test_quick_claims_pass(tmp_path, monkeypatch):
    def discover_gp():
        importlib.import_module("refimpl.validation.gp")
        return ["gp"]

    monkeypatch.setattr(_claims, "discover", discover_gp)
    records = run_claims(families=["gp"], quick=True, report_dir=tmp_path)
    assert {r.id for r in records} >= {"G-1", "G-2", "G-3", "G-7", "G-8"}
    failed = [(r.id, r.measured, r.detail, r.error) for r in records if r.failed]
    assert not failed, failed
    figures = sorted(p.name for p in (tmp_path / "figures").glob("gp_*.png"))
    assert any("G-3" in f for f in figures) and any("G-7" in f for f in figures), figures
