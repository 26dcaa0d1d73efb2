r"""Second-order methods with lazy Hessians: cubic Newton, gradient-regularised Newton, adaptive M.

Doikov, Chayti & Jaggi, *Second-Order Optimization with Lazy Hessians*, ICML 2023 (PMLR 202:8138-8161),
arXiv:2212.00781.

The Hessian is computed only at *snapshot* points :math:`z_t = x_{\pi(t)}`,
:math:`\pi(t) = m\lfloor t/m \rfloor`, and reused for :math:`m` consecutive steps, while a fresh
gradient is taken every step. One eigendecomposition :math:`\nabla^2 f(z_t) = U\operatorname{diag}(a)U^\top`
per snapshot (:math:`O(d^3)`) makes every step :math:`O(d^2)`: the step is computed in the eigenbasis
(:math:`\hat g = U^\top g`, a diagonal solve, :math:`h = U\hat h`) and nothing is refactorised per step.

Algorithms
----------
Algorithm 1 (``variant="cubic"``), any smooth f:
    :math:`x_{t+1} = x_t + \arg\min_h \langle g_t, h\rangle + \tfrac12 h^\top \nabla^2 f(z_t) h + \tfrac{M}{6}\|h\|^3`
    (the global minimiser, :func:`refimpl.newton.cubic_step`'s solver; M/6 convention).
Algorithm 2 (``variant="regularized"``), convex f:
    :math:`x_{t+1} = x_t - (\nabla^2 f(z_t) + \lambda_t I)^{-1} g_t`, :math:`\lambda_t = \sqrt{M\|g_t\|}`
    (the gradient-regularised Newton step of Mishchenko 2023 / Doikov & Nesterov with a stale Hessian).
Algorithm 3 (``adaptive=True``): M is estimated. Cubic: accept the trial step when
    :math:`f(x_t + h) \le f(x_t) + \phi_t(h)` (actual value below the model value, the test of
    Doikov's public adaptive cubic Newton), otherwise double M and retry; after acceptance halve M
    (floor ``1e-8``). Regularised: accept when
    :math:`\langle \nabla f(x^+), x_t - x^+\rangle \ge \|\nabla f(x^+)\|^2/(4\lambda_t)` (the
    super-universal Newton test of Doikov, Mishchenko & Nesterov 2024), otherwise quadruple M;
    after acceptance divide M by 4. Retries reuse the snapshot's eigendecomposition (O(d²) each).

With ``m = 1`` the methods are the non-lazy cubic Newton (Nesterov & Polyak 2006) and
gradient-regularised Newton, iterate by iterate.

Cost model
----------
The paper's complexity argument charges a Hessian about d gradients and a factorisation
:math:`O(d^3)`; the result's ``flops`` uses

.. math::

    \text{flops} = n_{\rm hess}\,C_H + n_{\rm factor}\cdot 9d^3 + n_{\rm grad}\,C_g
    + \tfrac12 (n_{\rm fev} - n_{\rm grad})\,C_g + n_{\rm trial}\cdot 4d^2,

with :math:`(C_g, C_H)` = ``oracle_flops`` (a value-and-gradient pair, a Hessian; for a GLM with
an (n, d) data matrix :math:`(4nd, 2nd^2)`, which the problem objects of :mod:`refimpl._oracle`
report themselves), :math:`9d^3` for a symmetric eigendecomposition, :math:`4d^2` for the two
products with :math:`U` per trial step, and a lone function value charged half a pair. Without
``oracle_flops`` the default is :math:`C_g = 2d^2`, :math:`C_H = d\,C_g`. The minimum over m of
this cost lies near :math:`m \approx d` (the paper's :math:`\sqrt d` gain over m = 1).

Provenance
----------
[V] the algorithm structure (snapshots every m steps, cubic and gradient-regularised steps,
m = 1 reduces to the classical methods) from the paper's abstract and introduction. [R] the
constants: the paper's theory takes M proportional to m·L (the exact constant could not be
checked); here M is a user parameter. The adaptive rules (Algorithm 3) follow Doikov's public
non-lazy codes; the paper's exact acceptance test and update factors could not be verified.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import notify
from refimpl._oracle import NonFiniteOracleValue
from refimpl.backends import capabilities

from ._common import NewtonResult, NewtonStatus, setup
from .cubic import _eigen_cubic

__all__ = ["lazy_newton"]

#: floor of the adaptive regularisation estimate
M_MIN = 1e-8
#: retries of the adaptive rule per step before LINE_SEARCH_FAILED
MAX_ADAPTIVE_TRIALS = 60


@capabilities()
def lazy_newton(
    fun: Any,
    grad: Any = None,
    hess: Any = None,
    x0: Any = None,
    *,
    m: int = 1,
    M: float | None = None,
    variant: str = "cubic",
    adaptive: bool = False,
    gtol: float = 1e-8,
    max_iter: int = 1000,
    callback: Any = None,
    oracle_flops: tuple[float, float] | None = None,
) -> NewtonResult:
    r"""Cubic or gradient-regularised Newton with the Hessian refreshed every ``m`` steps (Algorithms 1-3).

    See the module docstring for the iterations and the cost model.

    Parameters
    ----------
    fun : callable or problem object
        ``fun(x) -> float``, or a problem object with ``fun``/``grad``/``hess`` methods (then
        ``grad`` and ``hess`` are omitted), e.g. :class:`refimpl.newton.LogisticRegression`.
    grad : callable
        ``grad(x) -> (d,) array``.
    hess : callable
        ``hess(x) -> (d, d)`` symmetric array.
    x0 : (d,) array_like
        Start.
    m : int, default 1
        Hessian refresh period (``m = 1``: the non-lazy method).
    M : float, optional
        Regularisation, ``M > 0``: the cubic coefficient of the ``(M/6)‖h‖³`` model (Alg. 1), or
        the constant of :math:`\lambda_t = \sqrt{M\|g_t\|}` (Alg. 2); the initial estimate when
        ``adaptive``. Default 1. The theory takes M proportional to m·L (L the Hessian's Lipschitz
        constant); too small an M can stall or diverge for large m — use ``adaptive=True`` then.
    variant : {"cubic", "regularized"}
        Algorithm 1/3 (any smooth f) or Algorithm 2 (convex f).
    adaptive : bool, default False
        Estimate M (Algorithm 3; see the module docstring).
    gtol : float, default 1e-8
        Stop when :math:`\|\nabla f(x_t)\|_2 \le` ``gtol``.
    max_iter : int, default 1000
    callback : callable, optional
        Called once per iteration with an :class:`~refimpl._iterative.IterationState` carrying
        ``iteration``, ``x``, ``fun``, ``grad_norm``, ``M`` (the regularisation used); returning
        True stops with status ``CALLBACK``.
    oracle_flops : (float, float), optional
        Modelled flops of one value-and-gradient pair and of one Hessian, for ``result.flops``;
        taken from the problem object's ``oracle_flops()`` when it has one.

    Returns
    -------
    NewtonResult
        ``x``, ``status``, ``n_iter``, ``n_hess`` (Hessian evaluations = snapshots), ``n_factor``
        (eigendecompositions), ``grad_norms``, ``fun_values``, ``step_sizes`` (‖x_{t+1} − x_t‖),
        ``reg`` (M_t or λ_t per step), ``n_backtracks`` (adaptive retries), ``flops``.
        Non-finite oracle values stop with status ``NONFINITE``; a non-positive-definite
        regularised Hessian (Algorithm 2 on a non-convex f) with ``BREAKDOWN``.

    Raises
    ------
    ValueError, TypeError
        Bad ``x0`` (not 1-D, non-finite, wrong length for the problem), ``m < 1``, ``M <= 0``,
        unknown ``variant``, oracles returning the wrong shape or a non-symmetric Hessian.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import lazy_newton, lazy_hessians_logistic
    >>> prob = lazy_hessians_logistic(200, 10, rng=0)
    >>> res = lazy_newton(prob, x0=np.zeros(10), m=5, M=0.1, variant="regularized", gtol=1e-10)
    >>> res.status.name, res.n_hess <= (res.n_iter + 4) // 5
    ('CONVERGED', True)
    """
    if x0 is None:
        raise TypeError("x0 must be given: the starting point, a (d,) array")
    m = v.check_size(m, "m", low=1, limit=10**9, why="the Hessian refresh period")
    M = 1.0 if M is None else v.check_positive(M, "M")
    v.check_choice(variant, "variant", ("cubic", "regularized"))
    if not isinstance(adaptive, bool):
        raise TypeError(f"adaptive must be True or False; got {type(adaptive).__name__} {adaptive!r}")
    bd, x, oracle, gtol, max_iter = setup(fun, grad, hess, x0, gtol=gtol, max_iter=max_iter, callback=callback)
    d = oracle.d
    if oracle_flops is None and not callable(fun) and hasattr(fun, "oracle_flops"):
        oracle_flops = fun.oracle_flops()
    if oracle_flops is None:
        c_g = 2.0 * d * d
        c_h = d * c_g
    else:
        try:
            pair = tuple(oracle_flops)
        except TypeError:
            raise TypeError(f"oracle_flops must be a pair (gradient flops, Hessian flops); got "
                            f"{type(oracle_flops).__name__} {oracle_flops!r:.60}") from None
        if len(pair) != 2:
            raise ValueError(f"oracle_flops must be a pair (gradient flops, Hessian flops); got {oracle_flops!r:.60}")
        oracle_flops = pair
        c_g = v.check_positive(oracle_flops[0], "oracle_flops[0]")
        c_h = v.check_positive(oracle_flops[1], "oracle_flops[1]")
    out = _lazy_core(oracle, x, m=m, M=M, cubic=(variant == "cubic"), adaptive=adaptive, gtol=gtol,
                     max_iter=max_iter, callback=callback)
    x, status, hist, n_trial, n_back = out
    flops = (oracle.n_hess * c_h + oracle.n_factor * 9.0 * d**3 + oracle.n_grad * c_g
             + 0.5 * max(oracle.n_fev - oracle.n_grad, 0) * c_g + n_trial * 4.0 * d * d)
    gns, fs, steps, regs = (np.asarray(h, dtype=float) for h in hist)
    return NewtonResult(
        status=status, x=bd.out(x), fun=float(fs[-1]) if fs.size else math.nan,
        grad_norm=float(gns[-1]) if gns.size else math.nan, n_iter=int(steps.size),
        **oracle.counts(), grad_norms=gns, fun_values=fs, step_sizes=steps, reg=regs,
        n_backtracks=n_back, flops=float(flops),
        method=f"lazy {variant} Newton (m={m}{', adaptive M' if adaptive else ''})",
    )


def _lazy_core(oracle: Any, x: Any, *, m: int, M: float, cubic: bool, adaptive: bool, gtol: float,
               max_iter: int, callback: Any) -> tuple[Any, NewtonStatus, tuple[list, list, list, list], int, int]:
    """The loop of Algorithms 1-3 (see :func:`lazy_newton`)."""
    xp = oracle.xp
    gns: list[float] = []
    fs: list[float] = []
    steps: list[float] = []
    regs: list[float] = []
    n_trial = n_back = 0
    status = NewtonStatus.MAX_ITER
    try:
        f, g = oracle.value_and_gradient(x)
        gn = float(xp.linalg.vector_norm(g))
        gns.append(gn)
        fs.append(f)
        a = U = None
        for t in range(max_iter + 1):
            if gn <= gtol:
                status = NewtonStatus.CONVERGED
                break
            if t == max_iter:
                break
            if t % m == 0:  # Alg. 1, snapshot: z_t = x_t, one Hessian and one eigendecomposition
                H = oracle.hessian(x)
                a, U = xp.linalg.eigh(H)
                oracle.record_factor()
                if not bool(xp.all(xp.isfinite(a))):
                    status = NewtonStatus.NONFINITE
                    break
            gh = g @ U  # Uᵀ g, O(d²)
            for trial in range(MAX_ADAPTIVE_TRIALS):
                n_trial += 1
                if cubic:  # Alg. 1 / 3: global minimiser of the cubic model with the snapshot Hessian
                    hh, _, model = _eigen_cubic(a, gh, M, xp)
                    reg = M
                else:  # Alg. 2: (H(z) + λ I)^{-1} g with λ = sqrt(M ‖g‖)
                    reg = math.sqrt(M * gn)
                    D = a + reg
                    if float(xp.min(D)) <= 0.0:
                        status = NewtonStatus.BREAKDOWN
                        raise _Stop
                    hh = -gh / D
                h = U @ hh
                x_new = x + h
                if not adaptive:
                    f_new, g_new = oracle.value_and_gradient(x_new)
                    break
                if cubic:  # Alg. 3: accept when f(x + h) <= f(x) + φ(h)
                    try:
                        f_new = oracle.value(x_new)
                    except NonFiniteOracleValue:  # a non-finite trial value rejects the trial
                        f_new = math.inf
                    if f_new <= f + model:
                        g_new = oracle.gradient(x_new)
                        M = max(M / 2.0, M_MIN)
                        break
                    M *= 2.0
                else:  # adaptive gradient regularisation: <g⁺, x − x⁺> >= ‖g⁺‖² / (4 λ)
                    f_new, g_new = oracle.value_and_gradient(x_new)
                    if float(-(g_new @ h)) >= float(g_new @ g_new) / (4.0 * reg):
                        M = max(M / 4.0, M_MIN)
                        break
                    M *= 4.0
                n_back += 1
            else:
                status = NewtonStatus.LINE_SEARCH_FAILED
                break
            x, f, g = x_new, f_new, g_new
            gn = float(xp.linalg.vector_norm(g))
            gns.append(gn)
            fs.append(f)
            steps.append(float(xp.linalg.vector_norm(h)))
            regs.append(reg)
            if notify(callback, iteration=t + 1, x=x, fun=f, grad_norm=gn, M=reg):
                status = NewtonStatus.CALLBACK
                break
    except (NonFiniteOracleValue, FloatingPointError):  # FloatingPointError: the cubic step overflows
        status = NewtonStatus.NONFINITE
    except _Stop:
        pass
    return x, status, (gns, fs, steps, regs), n_trial, n_back


class _Stop(Exception):
    """Internal: leave the loop with the status already set."""
