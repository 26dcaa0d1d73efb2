"""Assertions for checking a backend's result against the NumPy float64 oracle, and capability skips.

Public so that users cross-checking their own implementations can use the same criterion the
refimpl test suite uses.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .backends import array_library, to_numpy

__all__ = ["assert_backend_agrees", "assert_crosscheck", "crosscheck", "skip_unless_supported"]


def skip_unless_supported(func: Any, backend: Any) -> str:
    """Skip the calling pytest test when ``func`` declares itself ``"unsupported"`` on ``backend``.

    The skip reason is the declared one (:func:`refimpl.backends.capabilities`), so test skips
    follow the capability table instead of being written by hand. The test suite's
    ``@pytest.mark.uses([func])`` marker calls this for the ``backend`` fixture's backend.

    Parameters
    ----------
    func : callable
        A public refimpl function or class (it must declare capabilities).
    backend : str or Backend
        The backend the test runs on.

    Returns
    -------
    str
        ``"native"`` or ``"host"`` when the test may run.
    """
    from refimpl.backends import capability_of

    name = getattr(backend, "name", backend)
    level = capability_of(func, name)
    if level == "unsupported":
        import pytest

        reason = func.__refimpl_capabilities__.reasons.get(name, "declared unsupported")
        pytest.skip(f"{getattr(func, '__qualname__', func)} is declared unsupported on {name}: {reason}")
    return level


def assert_backend_agrees(actual: Any, expected: Any, *, rtol: float, atol: float = 0.0, like: Any = None) -> None:
    """Assert a backend's output agrees with the NumPy float64 oracle and follows the caller's library.

    Parameters
    ----------
    actual : array or scalar
        What the public function returned under the backend being tested.
    expected : array or scalar
        The oracle: the same call under the ``numpy`` backend on float64 host inputs.
    rtol, atol : float
        Tolerance of ``|actual - expected| <= atol + rtol * |expected|`` elementwise. State and
        justify it per algorithm (``rtol ~ c * eps * cond``).
    like : object, optional
        The array the caller passed in. When given, ``actual`` must belong to the same array
        library (NumPy in → NumPy out, torch in → torch out, ...); lists count as NumPy. For a dask
        input a NumPy result is accepted too (small results come back computed on dask).

    Raises
    ------
    AssertionError
        With the library mismatch or the largest deviation.
    """
    if like is not None and not np.isscalar(actual):
        want = array_library(like) or "numpy"
        got = array_library(actual)
        # dask input: n-row results stay lazy, small ones come back computed (Boundary.out)
        if got != want and not (want == "dask" and got == "numpy"):
            raise AssertionError(f"result is a {got or type(actual).__name__} object, but the input was {want}: "
                                 "public functions must return arrays in the caller's library")
    a = np.asarray(to_numpy(actual)) if not np.isscalar(actual) else np.asarray(actual)
    e = np.asarray(to_numpy(expected)) if not np.isscalar(expected) else np.asarray(expected)
    if a.shape != e.shape:
        raise AssertionError(f"shape mismatch: backend result {a.shape}, oracle {e.shape}")
    np.testing.assert_allclose(a.astype(np.result_type(a, np.float64)), e, rtol=rtol, atol=atol,
                               equal_nan=False, err_msg="backend result differs from the NumPy float64 oracle")


def crosscheck(candidate: Any, reference: str = "conformal.crc_lambda_hat", *, adapter: Any = None,
               cases: str = "all", max_examples: int = 200, rtol: float | None = None):
    """Cross-check a candidate implementation against a refimpl reference (see :doc:`/crosscheck`).

    Runs the reference's registered golden and statistical cases and ``max_examples``
    Hypothesis-generated inputs through ``candidate`` (directly, or through
    ``adapter(candidate, *args, **kwargs)``) and compares it with refimpl on the NumPy backend in
    float64, field by field, with each case's stated tolerance.

    Parameters
    ----------
    candidate : callable or str
        The implementation under test, or ``"module.path:function"``.
    reference : str
        ``"family.function"`` (an unknown name raises ``ValueError`` listing the valid ones).
    adapter : callable or str, optional
        ``adapter(candidate, *args, **kwargs) -> value | {field: value}``.
    cases : {"all", "golden", "statistical", "hypothesis"}
    max_examples : int
        Hypothesis examples in the property-based part.
    rtol : float, optional
        Override the relative tolerance of every case.

    Returns
    -------
    refimpl.crosscheck.CrosscheckReport
        ``passed``, ``n_passed``/``n_cases``, ``first_failure``, ``minimal_counterexample`` (shrunk
        by Hypothesis), ``max_error`` per output field, ``table()`` and ``to_json()``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing import crosscheck
    >>> def mine(losses, lambdas, alpha, *, B=1.0, weights=None, A=0.0, monotonize=False):
    ...     L = np.maximum.accumulate(np.asarray(losses)[:, ::-1], axis=1)[:, ::-1] if monotonize else np.asarray(losses)
    ...     w = np.ones(len(L)) if weights is None else np.asarray(weights)
    ...     bound = (w @ L + B) / (w.sum() + 1)
    ...     ok = np.flatnonzero(bound <= alpha)
    ...     return float(lambdas[ok[0]]) if ok.size else float(lambdas[-1])
    >>> crosscheck(mine, "conformal.crc_lambda_hat", max_examples=20).passed
    True
    """
    from .crosscheck import crosscheck as _crosscheck

    return _crosscheck(candidate, reference, adapter=adapter, cases=cases, max_examples=max_examples, rtol=rtol)


def assert_crosscheck(candidate: Any, reference: str = "conformal.crc_lambda_hat", **kwargs: Any):
    """:func:`crosscheck` that raises ``AssertionError`` with the readable report when they disagree.

    For use inside pytest: ``assert_crosscheck(mypkg.crc, "conformal.crc_lambda_hat")``.
    """
    from .crosscheck import assert_crosscheck as _assert

    return _assert(candidate, reference, **kwargs)
