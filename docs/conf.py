"""Sphinx configuration for refimpl (build: ``sphinx-build -W docs docs/_build/html``)."""

from __future__ import annotations

import glob
import os
import re

project = "refimpl"
author = "refimpl developers"
copyright = "2026, refimpl developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinxcontrib.bibtex",
]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_typehints = "none"
bibtex_bibfiles = sorted(os.path.relpath(p, os.path.dirname(__file__))
                         for p in glob.glob(os.path.join(os.path.dirname(__file__), "refs", "*.bib")))
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"
exclude_patterns = ["_build"]
html_theme = "alabaster"
nitpicky = False


def _esc(text: str) -> str:
    """Escape claim text for RST: backslashes, substitutions (|), emphasis (*), roles (`), references (word_)."""
    text = " ".join(str(text).split()).replace("\\", "\\\\")
    for ch in "|*`":
        text = text.replace(ch, "\\" + ch)
    return re.sub(r"_(?=\W|$)", r"\\_", text)


def _generate(app):
    """Write docs/generated/*.rst from the kernel registry and the claim manifest (never hand-edited)."""
    from refimpl.backends import BACKEND_NAMES, kernel_table
    from refimpl.validation import registered_claims

    out = os.path.join(app.srcdir, "generated")
    os.makedirs(out, exist_ok=True)
    table = kernel_table()
    rows = [".. list-table::", "   :header-rows: 1", "", "   * - kernel"] + [f"     - {b}" for b in BACKEND_NAMES]
    for name, per in table.items():
        rows.append(f"   * - ``{name}``")
        rows += [f"     - {per[b]}" for b in BACKEND_NAMES]
    if not table:
        rows = ["No leaf kernels are registered yet."]
    with open(os.path.join(out, "backend_table.rst"), "w") as f:
        f.write("\n".join(rows) + "\n")
    claims = registered_claims()
    rows = [".. list-table::", "   :header-rows: 1", "", "   * - family / id", "     - claim", "     - reference",
            "     - target", "     - modes"]
    for c in claims:
        modes = ", ".join(m for m, on in (("quick", c.quick), ("full", c.full)) if on)
        rows += [f"   * - {c.family} / {_esc(c.id)}", f"     - {_esc(c.title)}", f"     - {_esc(c.reference)}",
                 f"     - {_esc(c.target_text)}", f"     - {modes}"]
    with open(os.path.join(out, "claims.rst"), "w") as f:
        f.write("\n".join(rows) + "\n")


def setup(app):
    app.connect("builder-inited", _generate)
