"""Generate the docs' backend tables from the declarations, so the docs cannot drift from the code.

:func:`write_backend_docs` runs at docs build time (list ``"refimpl.backends._docs"`` in the
``extensions`` of ``docs/conf.py``, or call it from a ``builder-inited`` handler) and writes, into
``docs/generated/``:

* ``capabilities.inc``: every public function and class, per backend ``native`` / ``host`` /
  ``unsupported`` (:func:`refimpl.backends.capability_table`) with the declared reasons;
* ``capabilities_<family>.inc``: the same table for one family (``conformal``, ``gp``, ``eim``,
  ``sampling``, ``bcd``, ``newton``, ``linalg``), included by that family's page;
* ``backend_table.rst``: per leaf kernel, which twin runs on each backend
  (:func:`refimpl.backends.kernel_table`).

The capability tables end in ``.inc``, not ``.rst``, so that Sphinx reads them only where a page
includes them (``.. include:: generated/capabilities_gp.inc``) and does not warn that they are in
no toctree.
"""

from __future__ import annotations

import os
import re

from ._capabilities import DASK_UNDECLARED, PUBLIC_PACKAGES, capability_notes, capability_reasons, capability_table, public_names
from ._kernels import kernel_table
from ._registry import BACKEND_NAMES

__all__ = ["capability_rst", "kernel_rst", "write_backend_docs"]


def _esc(text: str) -> str:
    """Escape free text for RST: backslashes, ``|``, ``*``, backquotes and trailing underscores."""
    text = " ".join(str(text).split()).replace("\\", "\\\\")
    for ch in "|*`":
        text = text.replace(ch, "\\" + ch)
    return re.sub(r"_(?=\W|$)", r"\\_", text)


def _family(qualname: str) -> str:
    for package in PUBLIC_PACKAGES:
        if qualname.startswith(package + "."):
            return package.rsplit(".", 1)[-1]
    return qualname.split(".")[1]


def capability_rst(family: str | None = None) -> str:
    """The per-function backend table (all families, or one family) as an RST ``list-table``."""
    table, reasons, objects, notes = capability_table(), capability_reasons(), public_names(), capability_notes()
    names = [q for q in table if family is None or _family(q) == family]
    if not names:
        return "No public functions are declared in this family yet.\n"
    rows = [".. list-table::", "   :header-rows: 1", "   :class: refimpl-capabilities", "",
            "   * - function"] + [f"     - {b}" for b in BACKEND_NAMES] + ["     - why not native"]
    for q in names:
        role = "class" if isinstance(objects.get(q), type) else "func"
        rows.append(f"   * - :{role}:`~{q}`")
        rows += [f"     - {table[q][b]}" for b in BACKEND_NAMES]
        why: dict[str, list[str]] = {}
        for b, r in reasons.get(q, {}).items():
            if r == DASK_UNDECLARED:
                r = "not declared (dask support is opt-in)"
            why.setdefault(r, []).append(b)
        note = "; ".join(f"{', '.join(bs)}: {r}" for r, bs in why.items())
        extra = "; ".join(f"{b} ({table[q][b]}): {r}" for b, r in notes.get(q, {}).items())
        note = "; ".join(t for t in (note, extra) if t)
        rows.append(f"     - {_esc(note)}" if note else "     -")
    legend = ("``native``: computed in the backend's namespace on its device; ``host``: part of the work runs in "
              "NumPy/SciPy on the host (results still return in the caller's library; a GPU backend warns once); "
              "``unsupported``: raises :class:`refimpl.backends.BackendUnsupportedError` with the reason. "
              "dask support is opt-in: ``native`` on dask means chunked input stays lazy and n-row results come back "
              "as dask arrays, ``computed`` that the function reduces chunked input to a small result returned as "
              "NumPy; undeclared functions are ``unsupported`` there (see :doc:`dask`).")
    return "\n".join(rows) + "\n\n" + legend + "\n"


def kernel_rst() -> str:
    """The leaf-kernel table (per kernel, per backend: twin / twin (numpy) / reference) as RST."""
    table = kernel_table()
    if not table:
        return "No leaf kernels are registered yet.\n"
    rows = [".. list-table::", "   :header-rows: 1", "", "   * - kernel"] + [f"     - {b}" for b in BACKEND_NAMES]
    for name, per in table.items():
        rows.append(f"   * - ``{name}``")
        rows += [f"     - {per[b]}" for b in BACKEND_NAMES]
    return "\n".join(rows) + "\n"


def write_backend_docs(out_dir: str) -> list[str]:
    """Write the generated backend tables into ``out_dir`` (created if missing); return the paths written."""
    os.makedirs(out_dir, exist_ok=True)
    files = {"capabilities.inc": capability_rst(), "backend_table.rst": kernel_rst()}
    for package in PUBLIC_PACKAGES:
        family = package.rsplit(".", 1)[-1]
        files[f"capabilities_{family}.inc"] = capability_rst(family)
    written = []
    for name, text in files.items():
        path = os.path.join(out_dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        written.append(path)
    return written


def _on_builder_inited(app: object) -> None:
    write_backend_docs(os.path.join(str(app.srcdir), "generated"))  # type: ignore[attr-defined]


def setup(app: object) -> dict[str, object]:
    """Sphinx extension entry point: list ``"refimpl.backends._docs"`` in ``extensions`` of docs/conf.py
    and the tables are written into ``docs/generated/`` when the build starts."""
    app.connect("builder-inited", _on_builder_inited)  # type: ignore[attr-defined]
    return {"parallel_read_safe": True, "parallel_write_safe": True}
