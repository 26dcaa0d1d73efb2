"""Result objects shared by every family: frozen dataclasses with a status enum.

Conventions (the Architecture page of the docs; iteration conventions in :mod:`refimpl._iterative`):

* an algorithm returns a frozen, keyword-only dataclass deriving from :class:`Result`;
* ``status`` is a member of a :class:`StatusEnum` subclass whose *value is the human-readable
  message* (``result.message``), e.g. ``"converged: gradient norm below gtol"``;
* failing to converge is a status, never an exception; ``result.success`` says whether the
  status counts as success. An enum marks its failure members by name in the dunder attribute
  ``__failures__`` (Enum reserves ``_sunder_`` names).

Examples
--------
>>> from dataclasses import dataclass
>>> from refimpl._results import Result, StatusEnum
>>> class Status(StatusEnum):
...     __failures__ = ("MAX_ITER",)
...     CONVERGED = "converged: residual below tol"
...     MAX_ITER = "stopped: reached max_iter before the residual fell below tol"
>>> @dataclass(frozen=True, kw_only=True)
... class SolveResult(Result):
...     x: float
...     n_iter: int
>>> r = SolveResult(status=Status.MAX_ITER, x=1.0, n_iter=50)
>>> r.success, r.message
(False, 'stopped: reached max_iter before the residual fell below tol')
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Result", "StatusEnum"]


class StatusEnum(enum.Enum):
    """Base of every status enum: the member's value is its message."""

    @property
    def message(self) -> str:
        """The human-readable message (the member's value)."""
        return str(self.value)

    @property
    def success(self) -> bool:
        """False for members named in the enum's ``__failures__`` tuple, True otherwise."""
        return self.name not in getattr(type(self), "__failures__", ())

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, kw_only=True)
class Result:
    """Base result: the ``status`` of the run; subclasses add the answer and histories.

    Attributes
    ----------
    status : StatusEnum
        Why the algorithm stopped.
    """

    status: StatusEnum

    @property
    def message(self) -> str:
        """Why the algorithm stopped, in words."""
        return self.status.message

    @property
    def success(self) -> bool:
        """Whether the stop reason counts as success (see :class:`StatusEnum`)."""
        return self.status.success
