"""The gp family's quick validation claims run as a test, so validation/ cannot rot; quick mode draws figures."""
from refimpl.validation import run_claims


def test_quick_claims_pass(tmp_path):
    records = run_claims(families=["gp"], quick=True, report_dir=tmp_path)
    assert {r.id for r in records} >= {"G-1", "G-2", "G-3", "G-7", "G-8"}
    failed = [(r.id, r.measured, r.detail, r.error) for r in records if r.failed]
    assert not failed, failed
    figures = sorted(p.name for p in (tmp_path / "figures").glob("gp_*.png"))
    assert any("G-3" in f for f in figures) and any("G-7" in f for f in figures), figures
