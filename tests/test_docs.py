"""The documentation builds with ``sphinx-build -W`` (warnings are errors), from the repository's docs/."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.skipif(not (DOCS / "conf.py").is_file(), reason="docs/ not present next to tests/")
def test_sphinx_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="sphinx not installed: pip install \".[docs]\"")
    pytest.importorskip("numpydoc", reason="numpydoc not installed: pip install \".[docs]\"")
    pytest.importorskip("sphinxcontrib.bibtex", reason="sphinxcontrib-bibtex not installed: pip install \".[docs]\"")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "-d", str(tmp_path / "doctrees"), str(DOCS),
         str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,  # cwd outside the checkout: see test_cli
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / "html" / "backends.html").is_file()
