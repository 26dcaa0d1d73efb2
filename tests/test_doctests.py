"""Every docstring ``Examples`` section in the installed package runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest


def _walk(pkg_name: str, path, names: set[str]) -> None:
    """Like pkgutil.walk_packages, but a package that fails to import is listed, not fatal:
    its test then fails with the import error while every other module is still checked."""
    for info in pkgutil.iter_modules(path, pkg_name + "."):
        if ".backends.cupy" in info.name or ".backends.numba." in info.name:
            continue  # twins: tested by the agreement tests, need their library
        names.add(info.name)
        if info.ispkg:
            try:
                sub = importlib.import_module(info.name)
            except Exception:  # noqa: BLE001 - reported by test_docstring_examples for this name
                continue
            _walk(info.name, sub.__path__, names)


def _modules() -> list[str]:
    import refimpl.backends
    import refimpl.validation

    # walk the mapped packages explicitly: in an editable install refimpl.__path__ holds only refimpl/
    names = {"refimpl", "refimpl.backends", "refimpl.validation"}
    for pkg in (refimpl, refimpl.backends, refimpl.validation):
        _walk(pkg.__name__, pkg.__path__, names)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"
