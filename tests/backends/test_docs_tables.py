"""The docs' backend tables are generated from the capability and kernel registries."""

from __future__ import annotations

import re

from refimpl.backends import BACKEND_NAMES, capability_table
from refimpl.backends._capabilities import PUBLIC_PACKAGES
from refimpl.backends._docs import _esc, capability_rst, write_backend_docs


def _rows(text: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("   * - "):
            rows.append([line[len("   * - "):]])
        elif line.startswith("     -") and rows:
            rows[-1].append(line[len("     -"):].strip())
    return rows


def test_write_backend_docs_writes_every_table(tmp_path):
    paths = write_backend_docs(str(tmp_path / "generated"))
    names = sorted(p.rsplit("/", 1)[-1] for p in paths)
    families = [p.rsplit(".", 1)[-1] for p in PUBLIC_PACKAGES]
    assert names == sorted(["capabilities.inc", "backend_table.rst"] + [f"capabilities_{f}.inc" for f in families])
    text = (tmp_path / "generated" / "capabilities.inc").read_text()
    rows = _rows(text)
    assert rows[0] == ["function", *BACKEND_NAMES, "why not native"]
    table = capability_table()
    assert len(rows) - 1 == len(table)  # one row per public name
    assert all(len(r) == len(BACKEND_NAMES) + 2 for r in rows)
    listed = {re.search(r"`~([^`]+)`", r[0]).group(1) for r in rows[1:]}
    assert listed == set(table)
    qr = next(r for r in rows if "qr_pivoted" in r[0])
    assert qr[3] == "host" and "scipy.linalg.qr" in qr[-1] and qr[0].startswith(":func:")
    kernels = _rows((tmp_path / "generated" / "backend_table.rst").read_text())
    assert kernels[0] == ["kernel", *BACKEND_NAMES]


def test_family_tables_hold_only_their_family():
    text = capability_rst("linalg")
    assert "refimpl.backends.linalg.cholesky" in text and "refimpl.gp." not in text
    assert capability_rst("no_such_family").startswith("No public functions")


def test_reasons_are_escaped_for_rst():
    assert _esc("a*b | c `d` e_ \\x") == "a\\*b \\| c \\`d\\` e\\_ \\\\x"


def test_sphinx_extension_writes_the_tables_when_the_build_starts(tmp_path):
    from refimpl.backends import _docs

    handlers = {}

    class App:
        srcdir = str(tmp_path)

        def connect(self, event, handler):
            handlers[event] = handler

    meta = _docs.setup(App())
    assert meta["parallel_read_safe"] is True
    handlers["builder-inited"](App())
    assert (tmp_path / "generated" / "capabilities_gp.inc").is_file()
    assert (tmp_path / "generated" / "backend_table.rst").is_file()
