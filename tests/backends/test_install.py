"""The installed package layout: refimpl.backends and refimpl.validation come from the top-level folders."""

import importlib
import pathlib


def test_mapped_packages_import():
    import refimpl.backends
    import refimpl.validation

    assert pathlib.Path(refimpl.backends.__file__).parent.name == "backends"
    assert pathlib.Path(refimpl.validation.__file__).parent.name == "validation"
    for name in ("refimpl.backends.numba", "refimpl.backends.cupy", "refimpl.validation.core"):
        importlib.import_module(name)


def test_console_script_entry_point():
    from importlib.metadata import entry_points

    eps = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert eps.get("refimpl") == "refimpl.cli:main"
