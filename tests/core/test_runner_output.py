"""The runner's output for a newcomer: nothing cut, progress and ETA, provenance, report.json, --compare."""

from __future__ import annotations

import io
import json
import re

import pytest

from refimpl.cli import build_parser, main
from refimpl.validation import ClaimSkipped, Outcome, Target, _claims, run_claims
from refimpl.validation._report import compare_reports, provenance, records_to_json, write_report
from refimpl.validation._runner import format_table

LONG_REFERENCE = ("Angelopoulos, Bates, Fisch, Lei and Schuster (2024), Conformal Risk Control, ICLR, "
                  "Table 2, row 'CRC' and the text of Section 4.1 below the table")
LONG_SKIP = ("mapie not installed: pip install 'refimpl[peers]' (or pip install mapie>=1.0) to run this "
             "cross-check against an independent peer library")


@pytest.fixture
def fake_claims(monkeypatch):
    _claims.discover()  # import the real families first, so they register in the real registry
    monkeypatch.setattr(_claims, "_CLAIMS", dict(_claims._CLAIMS))

    @_claims.claim(id="T-long", family="zz_out", title="a claim with long texts everywhere, to be wrapped not cut",
                   reference=LONG_REFERENCE, source="paper", seconds=(2, 30),
                   target={"CRC": Target.close(0.181, atol=0.01, label="mean FNR"),
                           "non-X": Target.between(0.2, 0.3, label="mean FNR of the non-exchangeable variant")})
    def long_texts(ctx):
        for k in range(3):
            ctx.progress(k + 1, 3, "seeds")
        return Outcome(measured={"CRC": 0.183, "non-X": 0.25}, detail="3 seeds, 1000 calibration points each",
                       text="CRC 0.183 / non-X 0.25")

    @_claims.claim(id="T-skip", family="zz_out", title="a peer cross-check", reference="peer library mapie",
                   target=Target.at_most(1e-12, label="max abs. difference"), source="peer")
    def skipping(ctx):
        raise ClaimSkipped(LONG_SKIP)

    @_claims.claim(id="T-pb", family="zz_out", title="per backend", reference="exact identity",
                   target=Target.at_most(1e-12, label="max rel. error"), source="identity", per_backend=True)
    def per_backend(ctx):
        return Outcome(measured=1e-16, detail="one problem")

    return "zz_out"


def _words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize("width", [80, 100])
def test_nothing_is_cut_at_80_and_100_columns(fake_claims, width):
    records = run_claims([fake_claims], quick=True)
    out = format_table(records, width=width)
    assert all(len(line) <= width for line in out.splitlines()), max(out.splitlines(), key=len)
    flat = " ".join(out.split())
    for text in (LONG_REFERENCE, LONG_SKIP, records[0].target_text, "CRC 0.183 / non-X 0.25",
                 "3 seeds, 1000 calibration points each"):
        assert " ".join(text.split()) in flat, text
    assert "…" not in out
    # a per-backend claim is one block listing its backends
    assert out.count("zz_out/T-pb") == 1


def test_wide_terminal_gets_one_line_per_claim(fake_claims):
    records = run_claims([fake_claims], quick=True, backend="numpy")
    out = format_table(records, width=400)
    rows = [line for line in out.splitlines() if line.startswith("zz_out/")]
    assert len(rows) == len(records)
    assert LONG_SKIP in out
    assert format_table(records, width=400, view="blocks").count("zz_out/T-long") == 1
    with pytest.raises(ValueError, match="view must be"):
        format_table(records, view="table")


def test_progress_inside_claims_and_eta(fake_claims):
    seen = []
    stream = io.StringIO()
    records = run_claims([fake_claims], quick=True, backend="numpy", progress=stream,
                         progress_hook=lambda d, t, u: seen.append((d, t, u)))
    assert seen == [(1, 3, "seeds"), (2, 3, "seeds"), (3, 3, "seeds")]
    log = stream.getvalue()
    assert "[  1/3] zz_out/T-long (numpy)" in log and "PASS" in log
    assert records[0].expected_seconds == 2.0


def test_list_shows_expected_times_and_totals(fake_claims, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    assert main(["validate", "--list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"zz_out/T-long \[quick/full; 2 s / 30 s; paper\]", out)
    assert "expected run time on 2 cores" in out and re.search(r"total\s+\d+ claims", out)


def test_broken_family_is_one_error_record(monkeypatch):
    monkeypatch.setattr(_claims, "DISCOVERY_ERRORS", {})
    real = _claims.importlib.import_module

    def fake_import(name, *a, **k):
        if name.endswith(".core"):
            raise ImportError("cannot import name 'gone' from 'refimpl.gp'")
        return real(name, *a, **k)

    monkeypatch.setattr(_claims.importlib, "import_module", fake_import)
    monkeypatch.setattr(_claims, "_CLAIMS", {k: v for k, v in _claims._CLAIMS.items() if k[0] != "core"})
    _claims.discover()
    assert "ImportError" in _claims.DISCOVERY_ERRORS["core"]
    records = run_claims(["core"], quick=True)
    assert [r.verdict for r in records] == ["ERROR"] and records[0].family == "core"
    assert "cannot import name 'gone'" in records[0].error and records[0].failed


def test_plural():
    assert _claims.plural(1, "seed") == "1 seed" and _claims.plural(4, "seed") == "4 seeds"
    assert _claims.plural(0, "step") == "0 steps"


def test_report_json_and_markdown(fake_claims, tmp_path):
    records = run_claims([fake_claims], quick=True, backend="numpy")
    prov = provenance(quick=True, records=records, argv=["validate", "--quick", fake_claims])
    path = write_report(records, tmp_path, quick=True, prov=prov)
    md = path.read_text(encoding="utf-8")
    assert md.startswith("# refimpl validation report") and "Python" in md and "command: refimpl validate" in md
    assert "{'" not in md and "1 seeds" not in md
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert doc["schema"] == 1
    for key in ("refimpl", "git_revision", "python", "packages", "blas", "machine", "date_utc", "mode", "backends",
                "claim_backends", "command"):
        assert key in doc["provenance"], key
    rec = {r["id"]: r for r in doc["records"]}
    assert rec["T-long"]["measured"] == {"CRC": 0.183, "non-X": 0.25}
    assert rec["T-long"]["target"]["named"]["CRC"] == {"op": "close", "value": 0.181, "atol": 0.01, "rtol": 0.0,
                                                       "label": "mean FNR", "text": "mean FNR = 0.181 ± 0.01"}
    assert rec["T-long"]["source"] == "paper" and rec["T-long"]["verdict"] == "PASS"
    assert rec["T-skip"]["verdict"] == "SKIP" and rec["T-skip"]["measured"] is None


def test_compare_reports_flags_regressions(fake_claims, tmp_path, capsys):
    records = run_claims([fake_claims], quick=True, backend="numpy")
    old = records_to_json(records, provenance(quick=True, records=records))
    new = json.loads(json.dumps(old))
    t_long = next(r for r in new["records"] if r["id"] == "T-long")
    t_long["verdict"], t_long["measured"]["CRC"] = "FAIL", 0.3
    new["records"] = [r for r in new["records"] if r["id"] != "T-skip"]
    new["records"].append({**t_long, "id": "T-new", "verdict": "PASS"})
    lines, regressed = compare_reports(old, new)
    text = "\n".join(lines)
    assert regressed and "REGRESSED zz_out/T-long (numpy): PASS -> FAIL" in text
    assert "moved     zz_out/T-long (numpy)[CRC]: 0.183 -> 0.3" in text
    assert "removed   zz_out/T-skip" in text and "added     zz_out/T-new" in text
    assert compare_reports(old, old) == (lines[:2] + [compare_reports(old, old)[0][-1]], False)
    (tmp_path / "a.json").write_text(json.dumps(old))
    (tmp_path / "b.json").write_text(json.dumps(new))
    assert main(["validate", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 1
    assert main(["validate", "--compare", str(tmp_path / "a.json"), str(tmp_path / "a.json")]) == 0
    assert "no changes" in capsys.readouterr().out


def test_cli_help_is_plain_text():
    parser = build_parser()
    texts = [parser.format_help()]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    texts += [p.format_help() for p in sub.choices.values()]
    for text in texts:
        assert "``" not in text and ":func:" not in text, text


def test_progress_on_a_terminal_rewrites_one_line(fake_claims, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setenv("COLUMNS", "100")
    stream = Tty()
    run_claims([fake_claims], quick=True, backend="numpy", progress=stream)
    log = stream.getvalue()
    assert "\r\033[K" in log and "3/3 seeds" in log and "run ETA" in log
    assert log.count("\n") == 1 + 3  # the plan line, then one final line per claim
    assert log.startswith("refimpl validate: quick mode, 3 runs of 3 claims on numpy; expected about")
