"""Every docstring ``Examples`` section in the installed package runs and prints what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest


def _modules() -> list[str]:
    import refimpl.backends
    import refimpl.validation

    # walk the mapped packages explicitly: in an editable install refimpl.__path__ holds only refimpl/
    names = {"refimpl", "refimpl.backends", "refimpl.validation"}
    for pkg in (refimpl, refimpl.backends, refimpl.validation):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if ".backends.cupy" in info.name or ".backends.numba." in info.name:
                continue  # twins: tested by the agreement tests, need their library
            names.add(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} doctest examples failed in {name}"
