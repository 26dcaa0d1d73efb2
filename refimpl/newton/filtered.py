r"""Filtered stochastic Newton: a discriminative Kalman filter over batch gradient/Hessian pairs.

Burkhart, *Discriminative Bayesian filtering lends momentum to the stochastic Newton method for
minimizing log-convex functions*, Optimization Letters 17 (2023), doi:10.1007/s11590-022-01895-5,
arXiv:2104.12949; authors' code ``burkh4rt/Filtered-Stochastic-Newton``.

Problem: :math:`\min_\theta \ell(\theta) = \frac1n\sum_j \log g_j(\theta)`. Stochastic Newton draws a
batch :math:`S_t` (with replacement) and forms :math:`f_t = \nabla \ell_{S_t}(\theta_{t-1})`,
:math:`Q_t = \nabla^2 \ell_{S_t}(\theta_{t-1})`; its direction is :math:`-(Q_t + 10^{-12}I)^{-1} f_t`.

The filtered method treats :math:`(f_t, Q_t)` as a discriminative observation
:math:`p(z_t \mid \text{data}_t) \approx N(z_t; f_t, Q_t)` of a latent :math:`z_t` with state model
:math:`z_t = A z_{t-1} + w_t`, :math:`w_t \sim N(0, \Gamma)`, stationary prior :math:`N(0, S)`,
:math:`S = A S A^\top + \Gamma`, and runs the discriminative Kalman filter (Burkhart et al., Neural
Comput. 32 (2020)):

.. math::

    P_t = A\Sigma_{t-1}A^\top + \Gamma, \quad
    \Sigma_t = (P_t^{-1} + Q_t^{-1} - S^{-1})^{-1}, \quad
    \mu_t = \Sigma_t (P_t^{-1} A\mu_{t-1} + Q_t^{-1} f_t),

with :math:`\mu_1 = f_1`, :math:`\Sigma_1 = Q_1` (the first step is the stochastic Newton step) and
the robustification of the authors' code: when :math:`Q_t^{-1} - S^{-1}` has an eigenvalue
:math:`\le 10^{-6}`, :math:`Q_t` is replaced by :math:`(Q_t^{-1} + S^{-1})^{-1}`. The step direction is
:math:`d_t = -(\Sigma_t + 10^{-12}I)^{-1}\mu_t`. Since :math:`\Sigma_t^{-1}\mu_t = Q_t^{-1}f_t + P_t^{-1}A\mu_{t-1}`,
:math:`d_t = -Q_t^{-1}f_t + \mathbb M_t d_{t-1}` with the momentum matrix
:math:`\mathbb M_t = (A\Sigma_{t-1}A^\top + \Gamma)^{-1}A\Sigma_{t-1}`; for :math:`A = \alpha I`,
:math:`\Gamma = \beta I` the code logs :math:`\alpha(\alpha^2\Sigma_t + \beta I)^{-1}\Sigma_t` (from the
current Σ, the matrix that multiplies the *next* direction), whose spectral radius is reported.

Line search (the authors' code): try :math:`s = 2^{-k}`, k = 0, …, 4; accept the first with
:math:`\ell_{S_t}(\theta + s d) - \ell_{S_t}(\theta) \le c\, s\, d^\top f_t` (c = 0.95 in the published
version, 0.99 in an earlier commit); if none passes, :math:`s = 1/16` is used anyway. Both
constants are parameters (``armijo``, ``ls_steps``).

Provenance: [V] the filter recursion, robustification, initialisation, line search and the logged
𝕄_t from the authors' public script. [R] the parameterisation A = αI, Γ = βI only (the paper's
example; general matrices are not supported).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, check_rng

__all__ = ["FilteredNewtonResult", "FilteredNewtonStatus", "filtered_stochastic_newton"]


class FilteredNewtonStatus(StatusEnum):
    """Why :func:`filtered_stochastic_newton` stopped (it runs a fixed number of steps)."""

    __failures__ = ("NONFINITE", "BREAKDOWN")
    MAX_ITER = "completed: ran the requested n_steps (the method has no stopping test)"
    NONFINITE = "stopped: a batch value, gradient or Hessian became NaN or inf"
    BREAKDOWN = "stopped: a batch Hessian or filter covariance is singular (batch smaller than the dimension?)"
    CALLBACK = "stopped: the callback asked to stop"


@dataclass(frozen=True, kw_only=True)
class FilteredNewtonResult(Result):
    """Result of :func:`filtered_stochastic_newton`.

    Attributes
    ----------
    x : (d,) array
        The last iterate (caller's library).
    path : (n_iter + 1, d) float array
        The iterates θ_0, …, θ_T (host).
    directions : (n_iter, d) float array
        The step directions :math:`d_t`.
    step_sizes : (n_iter,) float array
        The line-search step lengths.
    spectral_radius : (n_iter,) float array
        Spectral radius of the logged momentum matrix 𝕄_t (0 for the unfiltered method, which has
        no momentum term: 𝕄_t = 0).
    n_robustified : int
        How often the robustification replaced :math:`Q_t`.
    n_iter : int
    batches : (n_iter, batch_size) int array
        The drawn batch indices.
    filtered : bool
    """

    x: Any
    path: np.ndarray
    directions: np.ndarray
    step_sizes: np.ndarray
    spectral_radius: np.ndarray
    n_robustified: int
    n_iter: int
    batches: np.ndarray
    filtered: bool


@capabilities()
def filtered_stochastic_newton(
    problem: Any,
    x0: Any,
    *,
    n_steps: int = 30,
    batch_size: int = 5,
    alpha: float = 0.9,
    beta: float = 0.2,
    filtered: bool = True,
    armijo: float = 0.95,
    ls_steps: int = 5,
    rng: Any = None,
    callback: Any = None,
) -> FilteredNewtonResult:
    r"""Stochastic Newton with (``filtered=True``) or without the discriminative Kalman filter.

    Parameters
    ----------
    problem : problem object
        Mean-of-losses objective with ``n`` rows and ``subsample(rows)`` returning the batch
        objective (``fun``, ``grad``, ``hess``): :class:`refimpl.newton.LeastSquares` (``mean=True``)
        or :class:`refimpl.newton.LogisticRegression`.
    x0 : (d,) array_like
    n_steps : int, default 30
    batch_size : int, default 5
        Rows per batch, drawn with replacement.
    alpha, beta : float
        State model :math:`A = \alpha I` (:math:`|\alpha| < 1` for a stationary prior), :math:`\Gamma = \beta I`
        (β > 0); :math:`S = \beta/(1-\alpha^2)\, I`.
    filtered : bool, default True
        False: the plain stochastic Newton baseline (same batches, same line search).
    armijo : float, default 0.95
        The line search's sufficient-decrease constant (the authors' 0.95; 0.99 in an earlier commit).
    ls_steps : int, default 5
        Trial step lengths :math:`1, 1/2, \dots, 2^{-(\text{ls\_steps}-1)}`; the last is used if none passes.
    rng : int, numpy Generator or numpy RandomState, optional
        Batch draws: ``rng.choice(n, batch_size)`` per step (a legacy ``RandomState`` reproduces
        the authors' script, which draws from the global legacy generator).
    callback : callable, optional
        Called once per step with ``iteration``, ``x``, ``direction``, ``step_size``; True stops.

    Returns
    -------
    FilteredNewtonResult

    Raises
    ------
    ValueError, TypeError
        ``problem`` without ``subsample``/``n``, ``|alpha| >= 1``, ``beta <= 0``, bad sizes, bad ``x0``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import filtered_stochastic_newton, linear_gaussian_regression
    >>> prob = linear_gaussian_regression()
    >>> res = filtered_stochastic_newton(prob, prob.theta0, rng=np.random.RandomState(0))
    >>> res.path.shape, res.status.name
    ((31, 2), 'MAX_ITER')
    """
    if not (hasattr(problem, "subsample") and hasattr(problem, "n")):
        raise TypeError("problem must be a problem object with n rows and subsample(rows) (e.g. refimpl.newton.LeastSquares); "
                        f"got {type(problem).__name__}")
    x0 = v.check_array(x0, "x0", ndim=1, real=True)
    d = int(x0.shape[0])
    if int(problem.d) != d:
        raise ValueError(f"x0 must have shape ({int(problem.d)},) to match the problem's dimension; got shape ({d},)")
    n_steps = v.check_size(n_steps, "n_steps", low=0, limit=10**5,
                           why="each step solves d x d systems; the paper's runs take tens of steps")
    batch_size = v.check_size(batch_size, "batch_size", low=1, limit=10**8, why="rows per batch")
    alpha = v.check_in_range(alpha, "alpha", -1.0, 1.0)
    beta = v.check_positive(beta, "beta")
    armijo = v.check_in_range(armijo, "armijo", 0.0, 1.0, high_inclusive=True)
    ls_steps = v.check_size(ls_steps, "ls_steps", low=1, limit=60, why="step lengths down to 2^-(ls_steps-1)")
    if not isinstance(filtered, bool):
        raise TypeError(f"filtered must be True or False; got {type(filtered).__name__}")
    check_callback(callback)
    if not isinstance(rng, np.random.RandomState):
        rng = check_rng(rng)
    bd = Boundary(x0)
    x = bd.asarray(x0, name="x0")
    return _fsn_core(problem, x, bd, n_steps=n_steps, batch_size=batch_size, alpha=alpha, beta=beta,
                     filtered=filtered, armijo=armijo, ls_steps=ls_steps, rng=rng, callback=callback)


def _fsn_core(problem: Any, x: Any, bd: Boundary, *, n_steps: int, batch_size: int, alpha: float, beta: float,
              filtered: bool, armijo: float, ls_steps: int, rng: Any, callback: Any) -> FilteredNewtonResult:
    xp = bd.xp
    d = x.shape[0]
    eye = xp.eye(d, dtype=x.dtype, device=_device(x))
    s_inv = (1.0 - alpha * alpha) / beta  # S = beta / (1 - alpha^2) I
    path = [bd.backend.to_numpy(x).copy()]
    dirs, steps, radii, batches = [], [], [], []
    n_rob = 0
    mu = Sigma = None
    status = FilteredNewtonStatus.MAX_ITER
    for t in range(n_steps):
        idx = np.asarray(rng.choice(problem.n, batch_size))
        batches.append(idx)
        batch = problem.subsample(idx)
        if not all(callable(getattr(batch, name, None)) for name in ("fun", "grad", "hess")):
            raise TypeError("problem.subsample(rows) must return a problem object with fun, grad and hess methods; "
                            f"got {type(batch).__name__}")
        f_b = float(batch.fun(x))
        f_t, Q_t = batch.grad(x), batch.hess(x)
        if tuple(getattr(f_t, "shape", ())) != (d,) or tuple(getattr(Q_t, "shape", ())) != (d, d):
            raise ValueError(f"problem's batch grad and hess must return shapes ({d},) and ({d}, {d}); got "
                             f"{tuple(getattr(f_t, 'shape', ()))} and {tuple(getattr(Q_t, 'shape', ()))}")
        if not (math.isfinite(f_b) and bool(xp.all(xp.isfinite(f_t))) and bool(xp.all(xp.isfinite(Q_t)))):
            status = FilteredNewtonStatus.NONFINITE
            break
        try:
            if not filtered:
                direction = -xp.linalg.solve(Q_t + 1e-12 * eye, f_t)
            else:
                if mu is None:  # t = 1: mu_1 = f_1, Sigma_1 = Q_1 (no predict step)
                    mu, Sigma = f_t, Q_t
                else:
                    mu_pred = alpha * mu  # predict: A mu, A Sigma A^T + Gamma
                    P = alpha * alpha * Sigma + beta * eye
                    Q_inv = xp.linalg.inv(Q_t)
                    if not bool(xp.all(xp.linalg.eigvalsh(0.5 * (Q_inv + Q_inv.T) - s_inv * eye) > 1e-6)):
                        Q_t = xp.linalg.inv(Q_inv + s_inv * eye)  # robustification of the authors' code
                        Q_inv = xp.linalg.inv(Q_t)
                        n_rob += 1
                    cov_inv = xp.linalg.inv(P) + Q_inv - s_inv * eye
                    mu = xp.linalg.solve(cov_inv, xp.linalg.solve(P, mu_pred) + Q_inv @ f_t)
                    Sigma = xp.linalg.inv(cov_inv)
                    Sigma = 0.5 * (Sigma + Sigma.T)
                direction = -xp.linalg.solve(Sigma + 1e-12 * eye, mu)
        except Exception:  # singular batch Hessian / covariance on any backend
            status = FilteredNewtonStatus.BREAKDOWN
            break
        if not bool(xp.all(xp.isfinite(direction))):
            status = FilteredNewtonStatus.BREAKDOWN
            break
        slope = float(direction @ f_t)
        for k in range(ls_steps):  # the authors' line search on the batch objective
            s = 2.0**-k
            if float(batch.fun(x + s * direction)) - f_b <= armijo * s * slope:
                break
        x = x + s * direction
        if filtered:
            # 𝕄 = α(α²Σ + βI)⁻¹Σ commutes with Σ: its eigenvalues are α s / (α² s + β), s in spec(Σ)
            sig = xp.linalg.eigvalsh(Sigma)
            radii.append(float(xp.max(xp.abs(alpha * sig / (alpha * alpha * sig + beta)))))
        else:
            radii.append(0.0)  # plain stochastic Newton: no momentum, M_t = 0
        path.append(bd.backend.to_numpy(x).copy())
        dirs.append(bd.backend.to_numpy(direction).copy())
        steps.append(s)
        if notify(callback, iteration=t + 1, x=x, direction=direction, step_size=s):
            status = FilteredNewtonStatus.CALLBACK
            break
    return FilteredNewtonResult(
        status=status, x=bd.out(x), path=np.array(path), directions=np.array(dirs).reshape(-1, d),
        step_sizes=np.array(steps), spectral_radius=np.array(radii), n_robustified=n_rob, n_iter=len(steps),
        batches=np.array(batches).reshape(-1, batch_size), filtered=filtered,
    )


def _device(x: Any) -> Any:
    from array_api_compat import device

    return device(x)
