"""The documentation builds with ``sphinx-build -W`` (warnings are errors), works offline, and its
examples (README, quickstart, docs index) run and print what they say."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def _build(tmp_path: pathlib.Path) -> pathlib.Path:
    for mod, dist in (("sphinx", "sphinx"), ("numpydoc", "numpydoc"), ("sphinxcontrib.bibtex", "sphinxcontrib-bibtex"),
                      ("sphinx_gallery", "sphinx-gallery"), ("pydata_sphinx_theme", "pydata-sphinx-theme")):
        pytest.importorskip(mod, reason=f"{dist} not installed: pip install \".[docs]\"")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", "-d", str(tmp_path / "doctrees"), str(DOCS),
         str(tmp_path / "html")],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,  # cwd outside the checkout: see test_cli
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return tmp_path / "html"


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    if not (DOCS / "conf.py").is_file():
        pytest.skip("docs/ not present next to tests/")
    return _build(tmp_path_factory.mktemp("docs"))


def test_sphinx_build_without_warnings(html):
    assert (html / "backends.html").is_file()
    assert (html / "quickstart.html").is_file()


def test_gallery_examples_are_built_with_their_figures(html):
    for name in ("plot_crc_synthetic", "plot_gp_kron_vs_dense", "plot_eim_error_decay", "plot_which_backend",
                 "plot_crc_nonexchangeable", "plot_eifmm_accuracy", "plot_pivotal_vs_bernoulli",
                 "plot_coordinated_sketch", "plot_lazy_newton_cost", "plot_damped_newton_schedules"):
        page = (html / "auto_examples" / f"{name}.html").read_text(encoding="utf-8")
        assert re.search(r'<img[^>]+sphx_glr_' + name, page), f"{name}: no figure in the page"


def test_docs_work_offline(html):
    """No page loads a script or a stylesheet from the network; MathJax is bundled."""
    import importlib.util

    if importlib.util.find_spec("sphinx-mathjax-offline") is None:
        pytest.skip('sphinx-mathjax-offline not installed (pip install ".[docs]"): math would load from a CDN')
    remote = []
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        remote += [(page.name, src) for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', text) if "//" in src]
        remote += [(page.name, href) for href in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', text)
                   if "//" in href]
    assert not remote, remote[:5]
    gp = (html / "gp.html").read_text(encoding="utf-8")
    src = re.search(r'<script[^>]*src="([^"]*mathjax[^"]*)"', gp, flags=re.I)
    assert src, "gp.html has math but loads no MathJax"
    assert (html / src.group(1).split("?")[0]).is_file(), src.group(1)


def test_claim_source_counts_are_generated(html):
    page = (html / "validation.html").read_text(encoding="utf-8")
    for src in ("paper", "authors-code", "identity", "peer", "design"):
        assert f"<p>{src}</p>" in page, src


# ---------------------------------------------------------------------------------------------
# examples in the README and the docs run and print what the text says they print


def _python_blocks(path: pathlib.Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".md":
        return re.findall(r"```python\n(.*?)```", text, flags=re.S)
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", text)
    return [re.sub(r"^   ", "", b, flags=re.M) for b in blocks]


_EXAMPLES = [(p, i, code) for p in (README, DOCS / "quickstart.rst", DOCS / "index.rst") if p.is_file()
             for i, code in enumerate(_python_blocks(p))]


@pytest.mark.parametrize(("path", "index", "code"), _EXAMPLES,
                         ids=[f"{p.name}-{i}" for p, i, _ in _EXAMPLES])
def test_documented_examples_run_and_print_what_they_say(path, index, code):
    from refimpl import BackendUnavailableError

    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{path.name}[{index}]", "exec"), {"__name__": "__doc_example__"})
    except BackendUnavailableError as exc:
        pytest.skip(f"needs a backend not available here: {exc}")
    expected = [line.split("# ->", 1)[1].strip() for line in code.splitlines() if line.strip().startswith("# ->")]
    assert out.getvalue().split("\n")[: len(expected)] == expected


def test_readme_has_examples_for_every_family():
    text = README.read_text(encoding="utf-8")
    for call in ("crc_lambda_hat", "kron_solve", "grid_lml", "eim_greedy", "eim_evaluate", "assert_backend_agrees"):
        assert call + "(" in text, call
    assert "--index-url https://download.pytorch.org/whl/cpu" in text


def test_readme_claim_counts_match_the_registry():
    """The README's "Claims by source" line is the registry's count (update the README when claims change)."""
    from refimpl.validation._claims import DISCOVERY_ERRORS, SOURCES, registered_claims

    claims = registered_claims()
    if DISCOVERY_ERRORS:
        pytest.fail(f"claim families failed to import, cannot count: {DISCOVERY_ERRORS}")
    m = re.search(r"\*\*Claims by source:\*\* (.*?) \((\d+) in all\)", README.read_text(encoding="utf-8"))
    assert m, "README lacks the '**Claims by source:** ... (N in all)' line"
    stated = {kind: int(n) for n, kind in re.findall(r"(\d+) ([a-z-]+)", m.group(1))}
    actual = {kind: sum(c.source == kind for c in claims) for kind in SOURCES}
    assert stated == actual and int(m.group(2)) == len(claims), (
        f"README says {stated} ({m.group(2)} in all); the registry has {actual} ({len(claims)} in all)")
