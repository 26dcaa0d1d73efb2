"""Shared test fixtures: the ``backend`` fixture, Hypothesis profiles, the ``gpu`` marker.

* ``backend``: parametrised over every backend that can run here; a backend that cannot is not
  parametrised at all, and the run's header says once per backend why (instead of one skip line
  per test). ``REFIMPL_TEST_BACKENDS=numpy,numba`` narrows the set; a backend named there that
  cannot run is kept and its tests skip with the reason, so an explicit request never passes
  silently (the GPU check relies on this). The fixture activates the backend for the test body
  (``use_backend``) and yields it.
* ``@pytest.mark.uses([func, ...])`` (a list: pytest takes a lone callable argument for the test): the test exercises these public functions; under a backend that
  one of them declares ``"unsupported"`` (:func:`refimpl.backends.capabilities`) the test skips
  with the declared reason (the skips are generated from the capability table, not hand-written).
* ``dask`` (when installed) is one of the backends: host inputs are split into row chunks of
  ``REFIMPL_DASK_CHUNK_ROWS`` rows, at most ``REFIMPL_DASK_MAX_CHUNKS`` of them (defaults here: 16
  and 4, so every algorithm sees several chunks and the graphs stay small), the
  synchronous scheduler runs the graphs (the LocalCluster tests in ``tests/backends/test_dask.py``
  start their own cluster), and a backend-parametrised test that calls a function not declared for
  dask (dask support is opt-in, :func:`refimpl.backends.capabilities`) skips with the declared
  reason instead of failing with :class:`refimpl.backends.BackendUnsupportedError`.
* Hypothesis profiles: ``ci`` (the default: derandomized, no deadline, no example database) and
  ``dev`` (random, for local exploration), chosen by ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

from refimpl.backends import BACKEND_NAMES, BackendUnsupportedError, available_backends, use_backend
from refimpl.testing import skip_unless_supported

settings.register_profile(
    "ci", derandomize=True, deadline=None, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

os.environ.setdefault("REFIMPL_DASK_CHUNK_ROWS", "16")
os.environ.setdefault("REFIMPL_DASK_MAX_CHUNKS", "4")
#: Hypothesis examples per property on the dask backend (see pytest_runtest_call).
DASK_MAX_EXAMPLES = 2
_AVAILABLE = available_backends()


def _selected_backends() -> list[str]:
    env = os.environ.get("REFIMPL_TEST_BACKENDS", "").strip()
    if not env or env == "all":
        return [name for name in BACKEND_NAMES if _AVAILABLE.get(name) is None]
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
    for marker in request.node.iter_markers("uses"):
        for arg in marker.args:  # @pytest.mark.uses([f, g]): a list, because pytest treats a lone callable as the test
            for func in (arg if isinstance(arg, (list, tuple)) else [arg]):
                skip_unless_supported(func, name)
    if name == "dask":
        import dask

        with dask.config.set(scheduler="synchronous"), use_backend(name) as be:
            yield be
        return
    with use_backend(name) as be:
        yield be


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """On the dask backend: a call of a function not declared for dask skips the test with the reason,
    and a Hypothesis property runs on at most ``DASK_MAX_EXAMPLES`` examples (every dask graph costs
    milliseconds of scheduling; the algorithms at scale are covered by tests/backends/test_dask.py)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    on_dask = params.get("backend") == "dask"
    func = getattr(item, "obj", None)
    saved = getattr(func, "_hypothesis_internal_use_settings", None) if on_dask else None
    if saved is not None:  # few examples, no shrinking (a dask failure is reported as found)
        func._hypothesis_internal_use_settings = settings(
            saved, max_examples=min(saved.max_examples, DASK_MAX_EXAMPLES),
            phases=[p for p in saved.phases if p is not Phase.shrink])
    try:
        return (yield)
    except BackendUnsupportedError as exc:
        if on_dask and "'dask' backend" in str(exc):
            pytest.skip(f"not declared for dask (opt-in): {exc}")
        raise
    finally:
        if saved is not None:
            func._hypothesis_internal_use_settings = saved


def pytest_report_header(config):
    """One line per backend that cannot run here (its tests are not generated), with the reason."""
    env = os.environ.get("REFIMPL_TEST_BACKENDS", "").strip() or "all"
    lines = [f"refimpl test backends ({'REFIMPL_TEST_BACKENDS=' + env if env != 'all' else 'all available'}): "
             + ", ".join(_selected_backends())]
    for name in BACKEND_NAMES:
        reason = _AVAILABLE.get(name)
        if reason is not None:
            lines.append(f"backend {name} unavailable, its tests are not run: {reason}")
    return lines


def pytest_collection_modifyitems(config, items):
    """Skip tests marked ``gpu`` (with the reason) when no CUDA device is usable through CuPy."""
    reason = _AVAILABLE.get("cupy")
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"needs a CUDA device: {reason}")
    for item in items:
        if "gpu" in item.keywords and "backend" not in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
