"""Sphinx configuration for refimpl (build: ``sphinx-build -W docs docs/_build/html``)."""

from __future__ import annotations

import glob
import importlib.util
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
    "sphinx_gallery.gen_gallery",
    "refimpl.backends._docs",  # writes generated/backend_table.rst and the per-function capability tables
]
# Offline math: MathJax is bundled from the sphinx-mathjax-offline package (copied into _static at
# the end of the build; mathjax_path points there), so no page loads a script from a CDN.
if importlib.util.find_spec("sphinx-mathjax-offline") is not None:
    extensions.append("sphinx-mathjax-offline")
else:  # pragma: no cover - the docs extra installs it; without it math falls back to the CDN
    print("conf.py: sphinx-mathjax-offline not installed: math will load MathJax from a CDN")
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_typehints = "none"
bibtex_bibfiles = sorted(os.path.relpath(p, os.path.dirname(__file__))
                         for p in glob.glob(os.path.join(os.path.dirname(__file__), "refs", "*.bib")))
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip",
                    "auto_examples/*.md5", "auto_examples/*.codeobj.json", "sg_execution_times.rst",
                    "auto_examples/sg_execution_times.rst"]
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_css_files = ["wide.css"]  # wider content column for equations, tables and code
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
# no empty left column on the family pages (their navigation is the top bar and the page's table of
# contents on the right); the gallery keeps its list of examples on the left
# (exact page names, not a second wildcard: Sphinx warns when a page matches two wildcards)
html_sidebars = {os.path.splitext(os.path.basename(p))[0]: []
                 for p in glob.glob(os.path.join(os.path.dirname(__file__), "*.rst"))}
html_show_sourcelink = False

# The gallery: every examples/plot_*.py runs during the build and its figures go into the page.
# Keep each example small (seconds): the docs build is part of the test suite.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "show_memory": False,
    "remove_config_comments": True,
    "backreferences_dir": None,
    "reset_modules": ("matplotlib",),
    "abort_on_example_error": True,
    "write_computation_times": False,  # its page loads jQuery/DataTables from a CDN: not offline
}
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # examples time small problems; one thread is steadier
nitpicky = False


def _esc(text: str) -> str:
    """Escape claim text for RST: backslashes, substitutions (|), emphasis (*), roles (`), references (word_)."""
    text = " ".join(str(text).split()).replace("\\", "\\\\")
    for ch in "|*`":
        text = text.replace(ch, "\\" + ch)
    return re.sub(r"_(?=\W|$)", r"\\_", text)


def _generate(app):
    """Write docs/generated/*.rst from the claim manifest (never hand-edited); the backend tables come from refimpl.backends._docs."""
    from refimpl.validation import registered_claims
    from refimpl.validation._runner import format_duration

    out = os.path.join(app.srcdir, "generated")
    os.makedirs(out, exist_ok=True)
    claims = registered_claims()
    rows = [".. list-table::", "   :header-rows: 1", "", "   * - family / id", "     - claim", "     - reference",
            "     - target", "     - source", "     - modes (expected time per backend)"]
    for c in claims:
        modes = ", ".join(f"{m} ({format_duration(t)})" for m, on, t in
                          (("quick", c.quick, c.seconds[0]), ("full", c.full, c.seconds[1])) if on)
        if c.per_backend:
            modes += "; every backend"
        rows += [f"   * - {c.family} / {_esc(c.id)}", f"     - {_esc(c.title)}", f"     - {_esc(c.reference)}",
                 f"     - {_esc(c.target_text)}", f"     - {c.source}", f"     - {modes}"]
    with open(os.path.join(out, "claims.rst"), "w") as f:
        f.write("\n".join(rows) + "\n")
    with open(os.path.join(out, "claim_sources.rst"), "w") as f:
        f.write(_sources_table(claims) + "\n")
    with open(os.path.join(out, "claim_times.rst"), "w") as f:
        f.write(_times_table(claims) + "\n")


def _sources_table(claims) -> str:
    """How many claims rest on each kind of evidence, per family (from the registry)."""
    from refimpl.validation._claims import DISCOVERY_ERRORS, SOURCES

    families = sorted({c.family for c in claims})
    rows = [".. list-table::", "   :header-rows: 1", "", "   * - source", "     - meaning"]
    rows += [f"     - {fam}" for fam in families] + ["     - all"]
    for src, meaning in SOURCES.items():
        per = [sum(c.source == src and c.family == fam for c in claims) for fam in families]
        rows += [f"   * - {src}", f"     - {_esc(meaning)}"] + [f"     - {n}" for n in per] + [f"     - {sum(per)}"]
    rows += ["   * - **all**", "     - "] + [f"     - {sum(c.family == fam for c in claims)}" for fam in families]
    rows += [f"     - {len(claims)}"]
    if DISCOVERY_ERRORS:
        rows += ["", "Not counted (their claims could not be imported when the docs were built): "
                 + ", ".join(sorted(DISCOVERY_ERRORS)) + "."]
    return "\n".join(rows)


def _times_table(claims) -> str:
    """Expected run time per family and mode on 2 cores, from the claims' declared ``seconds``."""
    from refimpl.validation._runner import format_duration

    n_cpu_backends = 4  # numpy, numba, torch (CPU), array_api_strict: what a CPU machine with the extras runs
    rows = [".. list-table::", "   :header-rows: 1", "", "   * - family", "     - claims",
            "     - quick, one backend", "     - quick, 4 CPU backends", "     - full, one backend",
            "     - full, 4 CPU backends"]
    fams = sorted({c.family for c in claims})
    for fam in fams + ["all"]:
        cs = [c for c in claims if fam in ("all", c.family)]
        q1 = sum(c.seconds[0] for c in cs if c.quick)
        f1 = sum(c.seconds[1] for c in cs if c.full)
        q4 = sum(c.seconds[0] * (n_cpu_backends if c.per_backend else 1) for c in cs if c.quick)
        f4 = sum(c.seconds[1] * (n_cpu_backends if c.per_backend else 1) for c in cs if c.full)
        name = "**all**" if fam == "all" else fam
        rows += [f"   * - {name}", f"     - {len(cs)}"] + [f"     - {format_duration(t)}" for t in (q1, q4, f1, f4)]
    return "\n".join(rows)


def setup(app):
    app.connect("builder-inited", _generate)
