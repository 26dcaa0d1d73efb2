"""The installed package list in setup.cfg covers every package directory of the source tree.

A package missing from ``[options] packages`` works in an editable install and disappears from a
wheel (the cross-check kit did once); this catches it without building a wheel.
"""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: source folder -> installed package name (setup.cfg's package_dir)
ROOTS = {"refimpl": "refimpl", "backends": "refimpl.backends", "validation": "refimpl.validation"}


def _declared() -> set[str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return {line.strip() for line in cfg["options"]["packages"].splitlines() if line.strip()}


def test_every_package_directory_is_installed():
    found = set()
    for folder, name in ROOTS.items():
        base = ROOT / folder
        for init in base.rglob("__init__.py"):
            rel = init.parent.relative_to(base)
            if "__pycache__" in rel.parts:
                continue
            found.add(".".join((name, *rel.parts)) if rel.parts else name)
    missing = sorted(found - _declared())
    assert not missing, f"setup.cfg [options] packages lacks {missing}: they would be missing from a wheel"
