"""Golden vectors: JSON layout read with ``json`` only, export/verify round trip, drift detection."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from refimpl.crosscheck import export_vectors, get_reference, materialize, reference_names, verify_vectors
from refimpl.crosscheck._core import compare_outputs, flatten_result

SUBSET = ["conformal.crc_lambda_hat", "conformal.conformal_quantile", "conformal.split_conformal_interval",
          "eim.eim_greedy", "gp.kron_solve", "sampling.bernoulli_sample", "newton.cubic_step", "newton.lazy_newton"]
REPO = Path(__file__).resolve().parents[2]


def _json_only_array(d):
    """The README's Python reader (json only): row-major flat data, complex pairs, non-finite strings."""
    def s(x):
        return float(x) if isinstance(x, str) else x
    flat = [complex(s(x[0]), s(x[1])) if isinstance(x, list) else s(x) for x in d["data"]]
    n = 1
    for k in d["shape"]:
        n *= k
    assert len(flat) == n
    return np.array(flat).reshape(d["shape"])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("vectors")
    # the export reads nothing from the source tree (only imports, done beforehand)
    from refimpl.crosscheck import load_case_modules

    load_case_modules()
    for name in SUBSET:
        for c in get_reference(name).cases():
            pass
    opened = []

    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes, Path)):
            opened.append(str(args[0]))

    hook.active = True
    sys.addaudithook(lambda e, a: hook(e, a) if hook.active else None)
    try:
        manifest = export_vectors(out, references=SUBSET)
    finally:
        hook.active = False
    src_reads = [p for p in opened if p.startswith(str(REPO)) and not p.startswith(str(out))
                 and not p.endswith((".py", ".pyc")) and "/.git" not in p]
    assert not src_reads, f"export read files from the source tree: {src_reads[:5]}"
    return out, manifest


def test_manifest_and_readme(exported):
    out, manifest = exported
    m = json.loads((out / "manifest.json").read_text())
    for key in ("refimpl_version", "git_revision", "numpy", "scipy", "cases", "n_cases"):
        assert key in m
    assert m["n_cases"] == len(m["cases"]) > 20
    entry = m["cases"][0]
    assert {"file", "reference", "function", "signature", "tolerance"} <= set(entry)
    assert "crc_lambda_hat(losses" in next(e["signature"] for e in m["cases"] if e["reference"] == "conformal.crc_lambda_hat")
    readme = (out / "README.md").read_text()
    for lang in ("## Python", "## Julia", "## MATLAB"):
        assert lang in readme
    # the README's example file exists
    assert (out / "conformal/crc_lambda_hat/ties.json").is_file()


def test_json_layout_read_with_json_only(exported):
    out, manifest = exported
    seen_inf = seen_complex = seen_draws = False
    for e in manifest["cases"]:
        d = json.loads((out / e["file"]).read_text())  # strict JSON: no NaN/Infinity literals
        for field, v in d["expected"].items():
            if isinstance(v, dict):
                a = _json_only_array(v)
                seen_inf |= bool(np.any(np.isinf(a.real))) if a.dtype.kind in "fc" else False
                seen_complex |= a.dtype.kind == "c"
        seen_draws |= "draws" in d
        ref = get_reference(d["reference"])
        assert d["primary"] == ref.primary and (d["primary"] in d["expected"] or d["kind"] == "statistical")
        assert d["tolerance"]["rule"]
    assert seen_inf and seen_complex and seen_draws
    q = json.loads((out / "conformal/conformal_quantile/n1_inf.json").read_text())
    assert q["expected"]["value"] == {"dtype": "float64", "shape": [], "data": ["inf"]}


def test_readme_python_snippet_runs(exported):
    out, _ = exported
    readme = (out / "README.md").read_text()
    code = re.search(r"## Python \(json only\)\n```python\n(.*?)```", readme, re.S).group(1)
    ns = {}
    import os

    cwd = os.getcwd()
    os.chdir(out)
    try:
        exec(code, ns)
    finally:
        os.chdir(cwd)
    ref = materialize(get_reference("conformal.crc_lambda_hat"),
                      next(c for c in get_reference("conformal.crc_lambda_hat").cases() if c.name == "ties"))
    assert ns["lam_hat"] == float(ref.expected["lambda_hat"])


def test_verify_roundtrip_and_drift(exported, tmp_path):
    out, manifest = exported
    rows = verify_vectors(out)
    bad = [r for r in rows if not r["ok"]]
    assert not bad, bad[:3]
    # tamper one expected value: verify reports drift naming the field
    import shutil

    tampered = tmp_path / "t"
    shutil.copytree(out, tampered)
    f = tampered / "conformal/crc_lambda_hat/basic.json"
    d = json.loads(f.read_text())
    d["expected"]["lambda_hat"]["data"][0] += 0.125
    f.write_text(json.dumps(d))
    rows = verify_vectors(tampered)
    bad = [r for r in rows if not r["ok"]]
    assert [r["id"] for r in bad] == ["conformal.crc_lambda_hat/basic"]
    assert "lambda_hat" in bad[0]["fields"][[x["field"] for x in bad[0]["fields"]].index("lambda_hat")]["message"]
    from refimpl.cli import main

    assert main(["vectors", "verify", str(tampered)]) == 1


def test_cli_export_and_errors(tmp_path, capsys):
    from refimpl.cli import main

    assert main(["vectors", "export", "nosuchfamily", "--out", str(tmp_path / "x")]) == 2
    assert "unknown family" in capsys.readouterr().err
    assert main(["vectors", "verify", str(tmp_path)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


@pytest.mark.slow
def test_statistical_cases_hold():
    """Every Monte-Carlo case passes against its theory with refimpl itself (the tolerance is honest)."""
    failures = []
    for name in reference_names():
        ref = get_reference(name)
        for case in ref.cases():
            if case.kind != "statistical":
                continue
            materialize(ref, case)
            comps = compare_outputs({"statistic": case.expected["theory"]}, {"statistic": case.expected["statistic"]},
                                    ["statistic"], case.tol)
            failures += [f"{case.id}: {c.message}" for c in comps if not c.ok]
    assert not failures, failures


@pytest.mark.slow
def test_full_export_verify(tmp_path):
    """Every case reproduces within its stated tolerance on every backend available here."""
    from refimpl.backends import available_backends

    export_vectors(tmp_path)
    for name, why_not in available_backends().items():
        if why_not is not None or name == "cupy":
            continue
        rows = verify_vectors(tmp_path, backend=name)
        bad = [r for r in rows if not r["ok"]]
        assert not bad, (name, [(r["id"], r["error"] or [f["message"] for f in r["fields"] if not f["ok"]])
                                for r in bad[:5]])
        skipped = [r for r in rows if r["skipped"]]
        if name == "dask":  # dask support is opt-in: undeclared functions are skipped with the reason, not drift
            assert skipped and all("dask" in r["skipped"] for r in skipped)
        else:
            assert not skipped, (name, skipped[:3])


@pytest.mark.slow
def test_non_editable_install(tmp_path):
    """Export and verify from a plain (non-editable) install into a temporary target, outside the repo."""
    import shutil

    src = tmp_path / "src"  # build from a copy: no build/ or egg-info left in the working tree
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    for name in ("refimpl", "backends", "validation"):
        shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-q",
                        "--target", str(target), str(src)], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        pytest.skip(f"pip could not build/install here: {r.stderr[-300:]}")
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"}
    code = ("import refimpl, sys; assert 'site' in refimpl.__file__, refimpl.__file__; from refimpl.cli import main; "
            f"sys.exit(main(['vectors', 'export', 'conformal', 'newton', '--out', {str(tmp_path / 'v')!r}]) or "
            f"main(['vectors', 'verify', {str(tmp_path / 'v')!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "cases reproduce" in r.stdout
