"""Project-wide bad-input fuzz test (issue 9): every public name, valid and corrupted calls.

Each case is one call of a public refimpl name with one argument corrupted (see _harness.py for
the corruptions and outcome classes). Cases listed in known_failures.txt are strict xfails: a
fixed defect makes its case pass, which fails the run until its line is removed. The ``slow``
test reruns every case on every other available backend and requires the same outcome (same
exception type and message, or a return) as on NumPy, and, for the valid call, the same numbers.
"""
import pytest

from _harness import (DEFECTS, GOOD, KNOWN_TIMEOUT_S, TIMEOUT_S, all_specs, cases, known_failures, needs_spec,
                      run_case, same_values, warm_up)

SPECS = all_specs()
KNOWN = known_failures()
CASES = cases(SPECS)
BACKENDS = ("numba", "torch", "array_api_strict", "cupy")


def _param(case, prefix=""):
    return pytest.param(case, id=prefix + case.id)


def _known(cid, failed, detail):
    """A case listed in known_failures.txt is a strict expected failure: it must still fail.

    Imperative ``pytest.xfail``/``pytest.fail(pytrace=False)`` instead of an xfail mark: the same
    outcomes (XFAIL, or a failure for a fixed case whose line is still listed), without pytest
    formatting a full assertion traceback for each of the few hundred known failures.
    """
    if cid not in KNOWN:
        return
    if not failed:
        pytest.fail(f"[XPASS(strict)] {cid} is listed in known_failures.txt but passes now: remove its line",
                    pytrace=False)
    pytest.xfail(f"known defect (known_failures.txt): {detail}")


def _timeout(cid):
    return KNOWN_TIMEOUT_S if cid in KNOWN else TIMEOUT_S


def test_every_public_name_has_a_spec():
    """A public function or class without a fuzz spec fails here (add one to specs_<family>.py)."""
    missing = [q for q in needs_spec() if q not in SPECS]
    assert not missing, f"public names without a fuzz spec: {missing}"
    stale = [q for q in SPECS if q not in needs_spec()]
    assert not stale, f"fuzz specs for names that are not public (or are exempt): {stale}"


def test_known_failures_are_real_cases():
    """Every line of known_failures.txt names an existing case (catches renamed or deleted cases)."""
    ids = {c.id for c in CASES} | {f"{b}|{c.id}" for b in BACKENDS for c in CASES}
    assert not KNOWN - ids, f"known_failures.txt lists unknown cases: {sorted(KNOWN - ids)[:20]}"


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(case):
    """Only documented, clear errors from refimpl's validation; non-finite results need a status."""
    outcome = run_case(SPECS[case.qual], case, timeout=_timeout(case.id))
    bad = outcome.cls not in GOOD
    _known(case.id, bad, f"{DEFECTS.get(outcome.cls, outcome.cls)}: {outcome.detail}")
    assert not bad, f"{DEFECTS[outcome.cls]}: {outcome.detail}"


def _available(name):
    from refimpl.backends import available_backends

    return available_backends().get(name, "unknown") is None


_WARM = set()


def _slow_deselected(config) -> bool:
    """Whether ``-m`` deselects every ``slow`` test (then its ~12 000 items are not even generated)."""
    expr = config.getoption("markexpr", "") or ""
    if not expr:
        return False
    try:
        from _pytest.mark.expression import Expression

        compiled = Expression.compile(expr)
        try:  # pytest >= 8.2 passes keyword arguments to the matcher
            return not compiled.evaluate(lambda name, **kwargs: name == "slow")
        except TypeError:
            return not compiled.evaluate(lambda name: name == "slow")
    except Exception:  # noqa: BLE001 - a private API; fall back to generating every item
        return False


def pytest_generate_tests(metafunc):
    """Parametrize the backend comparison here, so that ``-m "not slow"`` skips building its items."""
    if metafunc.function.__name__ != "test_same_outcome_on_every_backend":
        return
    if _slow_deselected(metafunc.config):
        metafunc.parametrize("backend, case", [], ids=[])
        return
    metafunc.parametrize("backend", [b for b in BACKENDS if _available(b)])
    metafunc.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])


@pytest.mark.slow
def test_same_outcome_on_every_backend(backend, case):
    """The same bad input gives the same exception type and message (or a return) on every backend."""
    from refimpl.backends import use_backend

    if backend not in _WARM:
        warm_up(SPECS, backend)
        _WARM.add(backend)
    cid = f"{backend}|{case.id}"
    spec = SPECS[case.qual]
    reference = run_case(spec, case, timeout=_timeout(case.id))
    with use_backend(backend):
        outcome = run_case(spec, case, timeout=_timeout(cid))
    problem = ""
    if outcome.signature[:2] != reference.signature[:2]:
        problem = f"{backend}: {outcome.cls}: {outcome.detail}\n  numpy: {reference.cls}: {reference.detail}"
    elif case.arg is None:  # the valid call: the same numbers too (rtol 1e-6)
        diff = same_values(outcome.values, reference.values)
        problem = f"{backend}: valid call differs from numpy: {diff}" if diff else ""
    _known(cid, bool(problem), problem)
    assert not problem, problem
