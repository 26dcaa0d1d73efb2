"""Importing the checkout's refimpl/ folder without the package_dir mapping gives a clear message."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Drop the editable-install finder (if any), so the checkout's refimpl/
# folder is all Python can see: the situation of an uninstalled checkout or a non-editable install
# shadowed by the checkout root.
CODE = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path_hooks[:] = [h for h in sys.path_hooks if "editable" not in repr(h).lower()]
sys.path_importer_cache.clear()
import refimpl
"""


@pytest.mark.skipif(not (ROOT / "refimpl" / "__init__.py").is_file(), reason="not run from a checkout")
def test_import_from_checkout_root_says_how_to_fix_it():
    proc = subprocess.run([sys.executable, "-c", CODE], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr, proc.stderr
    assert "pip install -e ." in proc.stderr and "another directory" in proc.stderr, proc.stderr
    assert "No module named 'refimpl.backends'" not in proc.stderr.splitlines()[-1]
