"""The convention every iterative method in refimpl follows: stop reasons, parameter names, counts, callbacks.

Optimistix and SciPy are the models: hyperparameters in the signature, iteration state in local
variables, one result enum whose members are actionable messages, evaluation counts in the
result, and an optional callback that lets users watch (and stop) the iteration.

Stop reasons
------------
A family's status enum (a :class:`refimpl._results.StatusEnum`) uses these **standard member
names** for these meanings, and adds family-specific members only for reasons outside them
(CRC's ``FEASIBLE``/``INFEASIBLE``, EIM's ``EXHAUSTED``):

==============  =====================================================================  ========
member          meaning                                                                success
==============  =====================================================================  ========
``CONVERGED``   the method's stopping test (``atol``/``rtol``/``gtol``/...) was met     yes
``MAX_ITER``    ``max_iter`` iterations ran before the stopping test was met            no [*]_
``BREAKDOWN``   the recurrence broke down (a zero pivot, pᵀAp ≤ 0 in CG, β = 0 ...)     no
``NONFINITE``   an iterate, objective or residual became NaN or infinite                no
``DIVERGED``    the iteration is moving away (residual or objective grew past a bound)  no
``CALLBACK``    the user's ``callback`` asked to stop                                   yes
``COMPLETED``   a direct (non-iterative) computation finished; no stopping test applies  yes
==============  =====================================================================  ========

.. [*] A method with no convergence test (GP-HM runs a fixed number of Adam steps) declares
   ``MAX_ITER`` a success by leaving it out of ``__failures__``, and says so in its docstring.

:class:`Status` is the plain enum with exactly these members, for methods that need no other.

Parameter names (SciPy's)
-------------------------
``max_iter`` (iteration cap, every method); ``atol`` / ``rtol`` (absolute / relative residual
tolerance of a solver: stop when ‖r‖ ≤ max(atol, rtol·‖r₀‖) unless the docstring says otherwise);
``gtol`` (gradient norm); ``ftol`` (residual or function-value test); ``xtol`` (step length);
``tol`` only where the paper's stopping rule is one generic tolerance. The names were changed
outright (``maxiter``, ``max_terms`` → ``max_iter``; CG's ``tol`` → ``rtol``) since refimpl has
not been released; nothing keeps the old names.

Counts
------
Results report the evaluations that apply, under these field names: ``n_iter`` (iterations),
``n_fev`` (objective values), ``n_grad`` (gradients), ``n_hess`` (Hessians), ``n_hessvec``
(Hessian-vector products), ``n_matvec`` (operator applications), ``n_factor``
(factorisations). See :data:`COUNT_FIELDS`.

Callbacks
---------
Every iterative method takes ``callback=None``. It is called once per iteration as
``callback(state)`` with an :class:`IterationState`: ``state.iteration`` and the method's named
quantities (``state.x``, ``state.residual_norm`` ...; each method's docstring lists them). A
callback that returns ``True`` (or raises :class:`StopIteration`) stops the method with status
``CALLBACK``; other return values are ignored. Use :func:`notify` to call it.

Examples
--------
>>> from refimpl._iterative import IterationState, Status, notify
>>> seen = []
>>> def watch(state):
...     seen.append(state.residual_norm)
...     return state.iteration >= 2
>>> [notify(watch, iteration=k, residual_norm=10.0 ** -k) for k in range(4)]
[False, False, True, True]
>>> seen[:3], Status.CALLBACK.success, Status.MAX_ITER.success
([1.0, 0.1, 0.01], True, False)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from refimpl._results import StatusEnum

__all__ = ["COUNT_FIELDS", "STANDARD_STATUS_NAMES", "IterationState", "Status", "check_callback", "notify"]

#: The standard stop-reason member names (see the module docstring for their meanings).
STANDARD_STATUS_NAMES: tuple[str, ...] = (
    "CONVERGED", "MAX_ITER", "BREAKDOWN", "NONFINITE", "DIVERGED", "CALLBACK", "COMPLETED",
)

#: The standard evaluation-count field names of result objects.
COUNT_FIELDS: tuple[str, ...] = ("n_iter", "n_fev", "n_grad", "n_hess", "n_hessvec", "n_matvec", "n_factor")


class Status(StatusEnum):
    """The standard stop reasons, for methods that need no family-specific member."""

    __failures__ = ("MAX_ITER", "BREAKDOWN", "NONFINITE", "DIVERGED")
    CONVERGED = "converged: the stopping test was met"
    MAX_ITER = "stopped: reached max_iter before the stopping test was met"
    BREAKDOWN = "breakdown: the recurrence cannot continue (a zero or negative pivot / curvature)"
    NONFINITE = "stopped: a NaN or infinite value appeared in the iteration"
    DIVERGED = "stopped: the iteration diverged"
    CALLBACK = "stopped: the callback asked to stop"
    COMPLETED = "completed: direct computation (no stopping test applies)"


class IterationState:
    """What a ``callback`` sees: ``iteration`` plus the method's named quantities, read-only.

    Attributes are whatever the method passes (its docstring lists them); arrays are the
    method's working arrays on the active backend and must not be modified.
    """

    __slots__ = ("_values",)

    def __init__(self, **values: Any) -> None:
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"this method's callback state has no {name!r}; it has: {', '.join(self._values)}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("IterationState is read-only")

    def keys(self) -> list[str]:
        """The names of the quantities this state carries."""
        return list(self._values)

    def __repr__(self) -> str:
        return "IterationState(" + ", ".join(self._values) + ")"


def check_callback(callback: Any, name: str = "callback") -> Callable[[IterationState], Any] | None:
    """Return ``callback`` after checking it is ``None`` or callable (``TypeError`` otherwise)."""
    if callback is not None and not callable(callback):
        raise TypeError(f"{name} must be None or a callable taking one IterationState; got {type(callback).__name__}")
    return callback


def notify(callback: Callable[[IterationState], Any] | None, **state: Any) -> bool:
    """Call ``callback(IterationState(**state))`` if given; return whether it asked to stop."""
    if callback is None:
        return False
    try:
        return callback(IterationState(**state)) is True
    except StopIteration:
        return True
