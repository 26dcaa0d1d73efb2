"""Shared test fixtures: the ``backend`` fixture, Hypothesis profiles, the ``gpu`` marker.

* ``backend``: parametrised over every backend refimpl knows; a backend that cannot run here is
  skipped with the reason (``pytest -rs`` lists them). The fixture activates the backend for the
  test body (``use_backend``) and yields it. ``REFIMPL_TEST_BACKENDS=numpy,numba`` narrows the set.
* Hypothesis profiles: ``ci`` (the default: derandomized, no deadline, no example database) and
  ``dev`` (random, for local exploration), chosen by ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from refimpl.backends import BACKEND_NAMES, available_backends, use_backend

settings.register_profile(
    "ci", derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_AVAILABLE = available_backends()


def _selected_backends() -> list[str]:
    env = os.environ.get("REFIMPL_TEST_BACKENDS", "").strip()
    if not env or env == "all":
        return list(BACKEND_NAMES)
    names = [n.strip() for n in env.split(",") if n.strip()]
    unknown = [n for n in names if n not in BACKEND_NAMES]
    if unknown:
        raise pytest.UsageError(f"REFIMPL_TEST_BACKENDS names unknown backends {unknown}; valid: {BACKEND_NAMES}")
    return names


def _backend_params():
    params = []
    for name in _selected_backends():
        marks = [pytest.mark.gpu] if name == "cupy" else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


@pytest.fixture(params=_backend_params())
def backend(request):
    """The backend under test, active for the test body; skipped with a reason if it cannot run here."""
    name = request.param
    reason = _AVAILABLE.get(name)
    if reason is not None:
        pytest.skip(f"backend {name} unavailable: {reason}")
    with use_backend(name) as be:
        yield be


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``gpu`` (with the reason) when no CUDA device is usable through CuPy."""
    reason = _AVAILABLE.get("cupy")
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"needs a CUDA device: {reason}")
    for item in items:
        if "gpu" in item.keywords and "backend" not in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
