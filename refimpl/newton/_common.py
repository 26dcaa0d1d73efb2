"""What the Newton methods share: the status enum, the result class, the input checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import check_callback
from refimpl._oracle import Oracle, resolve_objective
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary


class NewtonStatus(StatusEnum):
    """Why a Newton method stopped (the value is the message)."""

    __failures__ = ("MAX_ITER", "BREAKDOWN", "NONFINITE", "DIVERGED", "LINE_SEARCH_FAILED")
    CONVERGED = "converged: gradient norm at or below gtol"
    MAX_ITER = "stopped: reached max_iter before the gradient norm fell to gtol"
    BREAKDOWN = ("breakdown: the (regularised) Hessian is not positive definite, so the step is undefined "
                 "(the gradient-regularised method needs a convex f)")
    NONFINITE = "stopped: an oracle (fun, grad or hess) returned NaN or inf, or the iterate became non-finite"
    DIVERGED = "stopped: the iteration diverged"
    CALLBACK = "stopped: the callback asked to stop"
    LINE_SEARCH_FAILED = "stopped: the line search / adaptive regularisation found no acceptable step"


@dataclass(frozen=True, kw_only=True)
class NewtonResult(Result):
    """Result of :func:`~refimpl.newton.lazy_newton` and :func:`~refimpl.newton.damped_newton`.

    ``x`` follows the caller's array library; histories are host NumPy arrays.

    Attributes
    ----------
    status : NewtonStatus
    x : (d,) array
        The last iterate.
    fun : float
        :math:`f(x)`.
    grad_norm : float
        :math:`\\|\\nabla f(x)\\|_2`.
    n_iter : int
        Iterations (accepted steps).
    n_fev, n_grad, n_hess, n_hessvec, n_factor : int
        Oracle counts (values, gradients, Hessians, Hessian-vector products) and factorisations
        (eigendecompositions or Cholesky factorisations, failed attempts included).
    grad_norms : (n_iter + 1,) float array
        :math:`\\|\\nabla f(x_k)\\|_2`, :math:`k = 0, \\dots, n_{\\rm iter}` (shorter by one if the
        last iterate's gradient could not be evaluated).
    fun_values : (n_iter + 1,) float array
        :math:`f(x_k)`.
    step_sizes : (n_iter,) float array
        Damped Newton: the step size :math:`\\alpha_k`. Lazy methods: :math:`\\|x_{k+1} - x_k\\|_2`.
    reg : (n_iter,) float array
        The regularisation of each accepted step: :math:`M_k` (cubic), :math:`\\lambda_k`
        (gradient-regularised), :math:`\\theta_k` (damped schedules with a θ; NaN otherwise).
    n_backtracks : int
        Rejected trial points (line search, adaptive M, UN's θ increases).
    shifts : (n_iter,) float array
        Damped Newton: the Hessian shift τ of the non-convex fallback (0 where it did not fire).
    n_shifts : int
        How often the fallback fired.
    flops : float or None
        Modelled arithmetic cost (lazy methods; see :func:`~refimpl.newton.lazy_newton`); None for
        damped Newton, which has no cost model.
    method : str
        Which method and variant ran.
    """

    x: Any
    fun: float
    grad_norm: float
    n_iter: int
    n_fev: int
    n_grad: int
    n_hess: int
    n_hessvec: int
    n_factor: int
    grad_norms: np.ndarray
    fun_values: np.ndarray
    step_sizes: np.ndarray
    reg: np.ndarray
    n_backtracks: int = 0
    shifts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_shifts: int = 0
    flops: float | None = None
    method: str = ""


def setup(fun: Any, grad: Any, hess: Any, x0: Any, *, gtol: Any, max_iter: Any, callback: Any,
          hessvec: Any = None) -> tuple[Boundary, Any, Oracle, float, int]:
    """Shared boundary work: check x0, gtol, max_iter, callback; build the counted oracle.

    Returns ``(bd, x, oracle, gtol, max_iter)`` with ``x`` the backend copy of ``x0``.
    """
    x0 = v.check_array(x0, "x0", ndim=1, real=True)
    d = int(x0.shape[0])
    want = getattr(fun, "d", None) if not callable(fun) else None
    if want is not None and int(want) != d:
        raise ValueError(f"x0 must have shape ({int(want)},) to match the problem's dimension; got shape ({d},)")
    gtol = v.check_positive(gtol, "gtol", strict=False)
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**7, why="each iteration costs a gradient")
    check_callback(callback)
    bd = Boundary(x0)
    x = bd.asarray(x0, name="x0")
    oracle = resolve_objective(fun, grad, hess, d=d, backend=bd.backend, dtype=bd.dtype, hessvec=hessvec)
    return bd, x, oracle, gtol, max_iter
