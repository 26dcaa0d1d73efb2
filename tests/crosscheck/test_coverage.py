"""Every public algorithm (derived from the families' ``__all__``) has cross-check cases that run."""

from __future__ import annotations

import pytest

from refimpl.crosscheck import ALGORITHM_FAMILIES, get_reference, materialize, public_algorithms, reference_names

PUBLIC = public_algorithms()


def test_public_algorithms_rule():
    import refimpl.conformal as conformal

    assert "conformal.crc_lambda_hat" in PUBLIC
    assert "conformal.CRCResult" not in PUBLIC and "conformal.CRCStatus" not in PUBLIC  # classes excluded
    assert all(name.split(".")[0] in ALGORITHM_FAMILIES for name in PUBLIC)
    assert set(n for n in conformal.__all__ if f"conformal.{n}" in PUBLIC) <= set(conformal.__all__)


def test_every_public_algorithm_has_cases():
    missing = sorted(set(PUBLIC) - set(reference_names()))
    assert not missing, (
        f"{len(missing)} public algorithm(s) without cross-check cases: {', '.join(missing)}. Add a generator "
        "with @cases_for('family.function', primary=...) in refimpl/<family>/_cases*.py (see 'Cross-check cases' "
        "in docs/architecture.rst)")


def test_no_stale_references():
    stale = sorted(set(reference_names()) - set(PUBLIC))
    assert not stale, f"cross-check generators for names that are not public functions: {stale}"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_cases_materialize(name):
    if name not in reference_names():
        pytest.fail(f"{name} has no cross-check cases")
    ref = get_reference(name)
    cases = ref.cases()
    assert cases, f"{name}: the generator yields no case"
    for case in cases:
        assert case.prop, f"{case.id}: state the property checked (prop=...)"
        assert case.tol.rule, f"{case.id}: a tolerance needs its justification"
        if case.kind == "statistical":
            assert case.statistic and case.n_rep > 0 and case.theory is not None, f"{case.id}: incomplete statistical case"
            assert case.tol.kind in ("statistical", "exact"), f"{case.id}: a Monte-Carlo case needs a statistical tolerance"
            continue  # run (against its theory) in test_vectors.py::test_statistical_cases_hold (slow)
        materialize(ref, case)
        assert ref.primary in case.expected, f"{case.id}: no primary output"
