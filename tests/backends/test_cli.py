"""The refimpl command: info and validate, including their error paths."""

from __future__ import annotations

import subprocess
import sys

import pytest

from refimpl.cli import main


def test_info_lists_backends(capsys, monkeypatch):
    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "active backend: numpy" in out
    for name in ("numpy", "numba", "cupy", "torch", "array_api_strict"):
        assert f"  {name}" in out
    assert "BLAS threads" in out and "GPU devices" in out


def test_info_reports_env_backend(capsys, monkeypatch):
    monkeypatch.setenv("REFIMPL_BACKEND", "array_api_strict")
    assert main(["info"]) == 0
    assert "active backend: array_api_strict" in capsys.readouterr().out


def test_bad_backend_exits_2_without_traceback(capsys, monkeypatch):
    monkeypatch.setenv("REFIMPL_BACKEND", "nope")
    assert main(["info"]) == 2
    err = capsys.readouterr().err
    assert "valid names are: numpy, numba, cupy, torch, array_api_strict" in err
    assert "Traceback" not in err


def test_unavailable_backend_via_subprocess(tmp_path):
    """``REFIMPL_BACKEND=cupy refimpl info`` on a machine without a GPU: clear message, exit 2."""
    from refimpl import available_backends

    if available_backends()["cupy"] is None:
        pytest.skip("cupy is usable on this machine")
    import os

    env = {**os.environ, "REFIMPL_BACKEND": "cupy"}
    # cwd outside the checkout: `python -m` puts the cwd first on sys.path, and the source folder
    # refimpl/ alone (without the package_dir mapping of backends/) is not the installed package
    proc = subprocess.run([sys.executable, "-m", "refimpl.cli", "info"], capture_output=True, text=True, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 2
    assert "cupy" in proc.stderr and "Traceback" not in proc.stderr


def test_validate_runs_core_claim_and_writes_report(tmp_path, capsys):
    assert main(["validate", "core", "--quick", "--report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "core/K-1" in out and "PASS" in out and "0 failed" in out
    report = (tmp_path / "report.md").read_text()
    assert "K-1" in report and "![core/K-1]" in report
    assert len(list((tmp_path / "figures").glob("*.png"))) == 1  # one figure per claim, not one per backend
    assert (tmp_path / "report.json").is_file()


def test_validate_unknown_family(capsys):
    assert main(["validate", "nosuchfamily", "--quick"]) == 2
    assert "unknown family nosuchfamily" in capsys.readouterr().err


def test_validate_list(capsys):
    assert main(["validate", "--list"]) == 0
    assert "core/K-1" in capsys.readouterr().out


def test_validate_backend_option(capsys):
    assert main(["validate", "core", "--quick", "--backend", "array_api_strict"]) == 0
    out = capsys.readouterr().out
    assert "backends run: array_api_strict\n" in out  # the header names the backends that ran
    assert not [line for line in out.splitlines() if line.startswith("core/K-1") and "numba" in line]


def test_backend_option_has_no_lasting_side_effect(monkeypatch, capsys):
    import os

    from refimpl import get_backend

    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    assert main(["--backend", "array_api_strict", "info"]) == 0
    assert "active backend: array_api_strict" in capsys.readouterr().out
    assert "REFIMPL_BACKEND" not in os.environ and get_backend().name == "numpy"
