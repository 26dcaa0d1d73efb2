r"""Baselines for AdaSketch-Newton: the classical augmented Lagrangian method and a non-adaptive inexact ℓ1-merit SQP.

The comparison methods of Hong, Na, Mahoney & Kolar (ICML 2023), after the authors' public code
(``IlgeeHong/AdaSketch-Newton``, folders ``AL`` and ``GmresL1SQP``), for
:math:`\min f(x)` s.t. :math:`c(x) = 0`; inner linear systems are solved by SciPy's GMRES.

:func:`l1_sqp` (non-adaptive inexact ℓ1-SQP)
    Newton–KKT step :math:`K z = -(\nabla_x L, c)` with the same Hessian modification as
    AdaSketch-Newton, solved inexactly by GMRES: by default (``termination="tests"``, the
    authors' baseline) in warm-started blocks of 2 iterations until a termination test of Byrd,
    Curtis & Nocedal (2008) holds — with κ = 1 a loose, non-adaptive accuracy —, or
    (``termination="relative"``) by one GMRES solve to a fixed relative residual ``gmres_rtol``;
    merit :math:`\phi_\mu = f + \mu\|c\|_1` with the model-reduction penalty update
    :math:`\mu \leftarrow \max\bigl(\frac{\nabla f^\top\Delta x + \max(\frac12\Delta x^\top B\Delta x, 0)}{(1 - \tau)(\|c\|_1 - \|c + G\Delta x\|_1)}, \mu\bigr) + 10^{-4}`
    whenever the model reduction
    :math:`-\nabla f^\top\Delta x - \max(\frac12\Delta x^\top B\Delta x, 0) + \mu(\|c\|_1 - \|c + G\Delta x\|_1)`
    is below :math:`\sigma\mu\max(\|c\|_1, \|c + G\Delta x\|_1 - \|c\|_1)`, σ = τ(1 − ε) = 0.09;
    Armijo backtracking on :math:`\phi_\mu` with the slope
    estimate :math:`\nabla f^\top\Delta x - \mu(\|c\|_1 - \|c + G\Delta x\|_1)`, constant 1e-8.
:func:`augmented_lagrangian` (classical AL)
    Outer: :math:`\lambda \leftarrow \lambda + \mu c(x)`, :math:`\mu \leftarrow 1.5\mu`, inner
    tolerance ×0.1 (from 0.1). Inner: Newton on
    :math:`L_\mu(x) = f + \lambda^\top c + \frac\mu2\|c\|^2` with the Hessian
    :math:`\nabla^2 f + \sum_i(\lambda_i + \mu c_i)\nabla^2 c_i + \mu G^\top G` shifted to
    smallest eigenvalue 1, GMRES to relative accuracy 1e-4, Armijo (β = 0.1), until
    :math:`\|\nabla L_\mu\| \le` the inner tolerance (at most ``max_inner`` steps per outer
    iteration).

Both run on the host (NumPy/SciPy): they are reference points for the claims, not
backend-portable methods.

Provenance
----------
[V] constants and update rules as in the authors' code (μ₀ = 1; AL: β = 0.1, τ₀ = 0.1; ℓ1-SQP:
τ = 0.1, ε = 0.1, η = 1e-8, ξ_B = 0.1). With the termination tests our ℓ1-SQP reproduces the authors' outer counts on the
HS subset to within a few per cent in total (claim E-3). [R] ours: the residual test on the
multiplier block uses ‖r_c‖₁ (the authors' code reads one entry); the ``"relative"`` mode, and its
safeguard — when the direction is not a descent direction of the merit, the GMRES tolerance is
tightened ×0.1, down to 1e-12 —; the AL's shift is applied only when the smallest eigenvalue is
below 1 (the code always shifts to 1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from refimpl import _validate as v
from refimpl._iterative import notify
from refimpl._oracle import NonFiniteOracleValue
from refimpl.backends import capabilities, load_backend

from ._sqp import SQPResult, SQPStatus, finish, setup

__all__ = ["augmented_lagrangian", "l1_sqp"]

_HOST = "baseline for the claims: SciPy GMRES and LAPACK eigensolvers run on the host (NumPy)"


def _gmres(A: np.ndarray, b: np.ndarray, rtol: float, maxiter: int, restart: int | None = None,
           x0: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """GMRES (no restart within N steps by default) to ``‖Az − b‖ ≤ rtol‖b‖``; returns (z, iterations)."""
    count = [0]

    def cb(_):
        count[0] += 1

    N = b.shape[0]
    z, _ = scipy.sparse.linalg.gmres(A, b, x0=x0, rtol=rtol, atol=0.0, restart=restart or N, maxiter=maxiter,
                                     callback=cb, callback_type="pr_norm")
    return z, count[0]


def _kkt(g: np.ndarray, G: np.ndarray, lam: np.ndarray, c: np.ndarray) -> float:
    gL = g + lam @ G
    return math.sqrt(float(gL @ gL) + float(c @ c))


@capabilities(host_only=_HOST)
def l1_sqp(problem: Any, *, tol: float = 1e-4, termination: str = "tests", gmres_rtol: float = 0.1,
           kappa: float = 1.0, kappa1: float = 0.1, x0: Any = None, lam0: Any = None,
           mu0: float = 1.0, xi_B: float = 0.1, tau: float = 0.1, epsilon: float = 0.1, eta: float = 1e-8,
           reduced_hess_tol: float = 1e-6, singular_tol: float = 1e-6, max_iter: int = 10000,
           max_backtracks: int = 60, callback: Any = None) -> SQPResult:
    r"""Non-adaptive inexact ℓ1-merit SQP with GMRES at a fixed relative accuracy (the module docstring).

    Parameters
    ----------
    problem : constrained problem object
        As for :func:`~refimpl.newton.adasketch_newton`.
    tol : float, default 1e-4
        Stop when :math:`\|(\nabla_x L, c)\| \le` ``tol``.
    termination : {"tests", "relative"}, default "tests"
        How the inexact KKT solve stops. ``"relative"``: one full GMRES solve to the fixed
        relative residual ``gmres_rtol``. ``"tests"``: the authors' baseline, GMRES in blocks of 2
        iterations (warm-started) until one of the termination tests of Byrd, Curtis & Nocedal
        (2008) holds, test 1: :math:`\|r\|_1 \le \kappa\|b\|_1`,
        :math:`\|r_c\|_1 \le \max(\kappa_1\|b_x\|_1, \beta\|b_c\|_1)` and the model reduction
        condition; test 2: :math:`\|r_x\|_1 \le \epsilon\|c\|_1`, :math:`\|r_c\|_1 \le \beta\|c\|_1`,
        with :math:`\beta = \max(\|\nabla_x L_0\|_1/(\|c_0\|_1 + 1), 1)` (at most 10⁵ blocks).
    gmres_rtol : float, default 0.1
        ``"relative"``: the fixed relative residual of every KKT solve.
    kappa, kappa1 : float, default 1, 0.1
        ``"tests"``: the residual constants of test 1 (the authors' values).
    x0, lam0 : arrays, optional
    mu0 : float, default 1
        Initial ℓ1 penalty.
    xi_B : float, default 0.1
    tau, epsilon : float, default 0.1, 0.1
        Model-reduction constants (σ = τ(1 − ε)), in (0, 1).
    eta : float, default 1e-8
        Armijo constant, in (0, 1).
    reduced_hess_tol, singular_tol : float, default 1e-6, 1e-6
        As for AdaSketch-Newton (the authors' ℓ1-SQP uses 1e-6 for the Jacobian test).
    max_iter : int, default 10000
    max_backtracks : int, default 60
    callback : callable, optional
        Called once per iteration with ``iteration``, ``x``, ``lam``, ``kkt_norm``, ``alpha``,
        ``mu``, ``inner_iterations``; True stops with ``CALLBACK``.

    Returns
    -------
    SQPResult
        ``inner_iterations`` counts GMRES iterations; ``penalty = {"mu": ...}``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import hs_problem, l1_sqp
    >>> res = l1_sqp(hs_problem("HS7"))
    >>> res.status.name, bool(abs(res.fun + np.sqrt(3)) < 1e-4)
    ('CONVERGED', True)
    """
    v.check_choice(termination, "termination", ("relative", "tests"))
    gmres_rtol = v.check_in_range(gmres_rtol, "gmres_rtol", 0.0, 1.0)
    kappa = v.check_positive(kappa, "kappa")
    kappa1 = v.check_positive(kappa1, "kappa1")
    mu = v.check_positive(mu0, "mu0")
    xi_B = v.check_positive(xi_B, "xi_B")
    tau = v.check_in_range(tau, "tau", 0.0, 1.0)
    epsilon = v.check_in_range(epsilon, "epsilon", 0.0, 1.0)
    eta = v.check_in_range(eta, "eta", 0.0, 1.0)
    reduced_hess_tol = v.check_real(reduced_hess_tol, "reduced_hess_tol")
    singular_tol = v.check_positive(singular_tol, "singular_tol", strict=False)
    max_backtracks = v.check_size(max_backtracks, "max_backtracks", low=0, limit=10**4, why="trials per step")
    bd, x, lam, oracle, tol, max_iter = setup(problem, x0, lam0, tol=tol, max_iter=max_iter, callback=callback,
                                              backend=load_backend("numpy"))
    n, m = oracle.n, oracle.m
    sigma = tau * (1.0 - epsilon)
    hist: dict[str, list] = {"kkt": [], "c": [], "inner": [], "alpha": [], "shift": []}
    n_pen = 0
    status = SQPStatus.MAX_ITER
    f = math.nan
    try:
        f, c = oracle.values(x)
        g, G = oracle.derivatives(x)
        hist["kkt"].append(_kkt(g, G, lam, c))
        hist["c"].append(float(np.linalg.norm(c)))
        beta_c = max(float(np.abs(g + lam @ G).sum()) / (float(np.abs(c).sum()) + 1.0), 1.0)
        for k in range(max_iter + 1):
            if hist["kkt"][-1] <= tol:
                status = SQPStatus.CONVERGED
                break
            if k == max_iter:
                break
            H, Hc = oracle.hessians(x)
            HL = H + np.tensordot(lam, Hc, axes=1)
            oracle.n_factor += 1
            if not float(np.linalg.eigvalsh(G @ G.T)[0]) >= singular_tol:
                status = SQPStatus.SINGULAR_JACOBIAN
                break
            t = 0.0
            if m < n:
                oracle.n_factor += 2
                Z = scipy.linalg.qr(G.T)[0][:, m:]
                if float(np.linalg.eigvalsh(Z.T @ HL @ Z)[0]) < reduced_hess_tol:
                    t = xi_B + float(np.linalg.norm(HL))
            B = HL + t * np.eye(n)
            K = np.block([[B, G.T], [G, np.zeros((m, m))]])
            b = -np.concatenate([g + lam @ G, c])
            rtol, inner = gmres_rtol, 0
            c1 = float(np.abs(c).sum())
            if termination == "tests":
                z, inner = _bcn_solve(K, b, g, B, c, G, mu, n, c1, sigma, kappa, kappa1, epsilon, beta_c)
                oracle.n_matvec += inner
                rtol = 0.0  # no tightening below: the tests decide
            while True:
                if termination == "relative":
                    z, its = _gmres(K, b, rtol, maxiter=10 * (n + m))
                    inner += its
                    oracle.n_matvec += its + 1
                dx = z[:n]
                lin1 = float(np.abs(c + G @ dx).sum())
                quad = max(0.5 * float(dx @ B @ dx), 0.0)
                red = -float(g @ dx) - quad + mu * (c1 - lin1)
                if red < sigma * mu * max(c1, lin1 - c1) and c1 - lin1 > 0:
                    mu = max((float(g @ dx) + quad) / ((1.0 - tau) * (c1 - lin1)), mu) + 1e-4
                    n_pen += 1
                slope = float(g @ dx) - mu * (c1 - lin1)
                if slope < 0 or rtol <= 1e-12:
                    break
                rtol *= 0.1  # [R] safeguard: not a descent direction of the merit; solve more accurately
            dl = z[n:]
            phi0 = f + mu * c1
            alpha, accepted = 1.0, None
            for _ in range(max_backtracks + 1):
                xt = x + alpha * dx
                try:
                    ft, ct = oracle.values(xt)
                    val = ft + mu * float(np.abs(ct).sum())
                except NonFiniteOracleValue:
                    val = math.inf
                if val <= phi0 + eta * alpha * slope:
                    accepted = (xt, ft, ct)
                    break
                alpha *= 0.5
            if accepted is None:
                status = SQPStatus.LINE_SEARCH_FAILED
                break
            x, f, c = accepted
            lam = lam + alpha * dl
            g, G = oracle.derivatives(x)
            hist["kkt"].append(_kkt(g, G, lam, c))
            hist["c"].append(float(np.linalg.norm(c)))
            hist["inner"].append(inner)
            hist["alpha"].append(alpha)
            hist["shift"].append(t)
            if notify(callback, iteration=k + 1, x=x, lam=lam, kkt_norm=hist["kkt"][-1], alpha=alpha, mu=mu,
                      inner_iterations=inner):
                status = SQPStatus.CALLBACK
                break
    except NonFiniteOracleValue:
        status = SQPStatus.NONFINITE
    return finish(bd, oracle, status, x, lam, f, hist, penalty={"mu": mu}, method="inexact l1-SQP (GMRES, fixed accuracy)",
                  n_penalty_updates=n_pen)


def _model_reduction(g, B, c, G, dx, mu, c1):
    return -float(g @ dx) - max(0.5 * float(dx @ B @ dx), 0.0) + mu * (c1 - float(np.abs(c + G @ dx).sum()))


def _bcn_solve(K, b, g, B, c, G, mu, n, c1, sigma, kappa, kappa1, epsilon, beta_c, max_blocks=100000):
    """GMRES in warm-started blocks of 2 iterations until a Byrd–Curtis–Nocedal termination test holds."""
    z = np.zeros_like(b)
    b1, bx1, bc1 = float(np.abs(b).sum()), float(np.abs(b[:n]).sum()), float(np.abs(b[n:]).sum())
    its = 0
    for _ in range(max_blocks):
        z, k = _gmres(K, b, 0.0, maxiter=1, restart=2, x0=z)
        its += max(k, 1)
        r = K @ z - b
        rx1, rc1 = float(np.abs(r[:n]).sum()), float(np.abs(r[n:]).sum())
        dx = z[:n]
        lin1 = float(np.abs(c + G @ dx).sum())
        red = _model_reduction(g, B, c, G, dx, mu, c1)
        test1 = (float(np.abs(r).sum()) <= kappa * b1 and rc1 <= max(kappa1 * bx1, beta_c * bc1)
                 and red >= sigma * mu * max(c1, lin1 - c1))
        test2 = rx1 <= epsilon * c1 and rc1 <= beta_c * c1
        if test1 or test2 or float(np.linalg.norm(r)) <= 1e-14 * max(float(np.linalg.norm(b)), 1e-300):
            break
    return z, its


@capabilities(host_only=_HOST)
def augmented_lagrangian(problem: Any, *, tol: float = 1e-4, x0: Any = None, lam0: Any = None, mu0: float = 1.0,
                         mu_factor: float = 1.5, inner_tol0: float = 0.1, inner_tol_factor: float = 0.1,
                         gmres_rtol: float = 1e-4, beta: float = 0.1, max_iter: int = 1000, max_inner: int = 100,
                         max_backtracks: int = 60, callback: Any = None) -> SQPResult:
    r"""The classical augmented Lagrangian (method of multipliers) with an inexact Newton–GMRES inner solver.

    Parameters
    ----------
    problem : constrained problem object
    tol : float, default 1e-4
        Stop when :math:`\|(\nabla_x L, c)\| \le` ``tol`` after a multiplier update.
    x0, lam0 : arrays, optional
    mu0 : float, default 1
        Initial penalty.
    mu_factor : float, default 1.5
        Penalty growth per outer iteration, ≥ 1.
    inner_tol0, inner_tol_factor : float, default 0.1, 0.1
        Inner stopping tolerance on :math:`\|\nabla_x L_\mu\|` and its reduction per outer iteration.
    gmres_rtol : float, default 1e-4
        Relative accuracy of the inner Newton solves.
    beta : float, default 0.1
        Armijo constant, in (0, 1/2).
    max_iter : int, default 1000
        Outer iterations (multiplier updates).
    max_inner : int, default 100
        Newton steps per outer iteration (more: ``MAX_ITER``, as the authors' code gives up).
    max_backtracks : int, default 60
    callback : callable, optional
        Called once per outer iteration with ``iteration``, ``x``, ``lam``, ``kkt_norm``, ``mu``,
        ``inner_iterations``; True stops with ``CALLBACK``.

    Returns
    -------
    SQPResult
        ``n_iter`` = multiplier updates, ``inner_iterations`` = Newton steps per update,
        ``step_sizes`` the last inner Armijo step of each outer iteration (1 when no inner step was needed), ``penalty = {"mu": ...}``.

    Examples
    --------
    >>> from refimpl.newton import augmented_lagrangian, hs_problem
    >>> res = augmented_lagrangian(hs_problem("HS28"))
    >>> res.status.name
    'CONVERGED'
    """
    mu = v.check_positive(mu0, "mu0")
    mu_factor = v.check_in_range(mu_factor, "mu_factor", 1.0, math.inf, low_inclusive=True)
    inner_tol = v.check_positive(inner_tol0, "inner_tol0")
    inner_tol_factor = v.check_in_range(inner_tol_factor, "inner_tol_factor", 0.0, 1.0, high_inclusive=True)
    gmres_rtol = v.check_in_range(gmres_rtol, "gmres_rtol", 0.0, 1.0)
    beta = v.check_in_range(beta, "beta", 0.0, 0.5)
    max_inner = v.check_size(max_inner, "max_inner", low=1, limit=10**6, why="each step costs a Hessian")
    max_backtracks = v.check_size(max_backtracks, "max_backtracks", low=0, limit=10**4, why="trials per step")
    bd, x, lam, oracle, tol, max_iter = setup(problem, x0, lam0, tol=tol, max_iter=max_iter, callback=callback,
                                              backend=load_backend("numpy"))
    n = oracle.n
    hist: dict[str, list] = {"kkt": [], "c": [], "inner": [], "alpha": []}
    status = SQPStatus.MAX_ITER
    f = math.nan
    try:
        f, c = oracle.values(x)
        g, G = oracle.derivatives(x)
        hist["kkt"].append(_kkt(g, G, lam, c))
        hist["c"].append(float(np.linalg.norm(c)))
        for k in range(max_iter + 1):
            if hist["kkt"][-1] <= tol:
                status = SQPStatus.CONVERGED
                break
            if k == max_iter:
                break
            inner, last_alpha = 0, 1.0
            while True:
                gA = g + (lam + mu * c) @ G  # ∇L_mu
                if float(np.linalg.norm(gA)) <= inner_tol:
                    break
                if inner == max_inner:
                    raise _InnerFailed
                H, Hc = oracle.hessians(x)
                HA = H + np.tensordot(lam + mu * c, Hc, axes=1) + mu * (G.T @ G)
                oracle.n_factor += 1
                lmin = float(np.linalg.eigvalsh(HA)[0])
                if lmin < 1.0:
                    HA = HA + (1.0 - lmin) * np.eye(n)
                d, its = _gmres(HA, -gA, gmres_rtol, maxiter=10 * n)
                oracle.n_matvec += its + 1
                slope = float(gA @ d)
                LA0 = f + float(lam @ c) + 0.5 * mu * float(c @ c)
                alpha, accepted = 1.0, None
                for _ in range(max_backtracks + 1):
                    xt = x + alpha * d
                    try:
                        ft, ct = oracle.values(xt)
                        val = ft + float(lam @ ct) + 0.5 * mu * float(ct @ ct)
                    except NonFiniteOracleValue:
                        val = math.inf
                    if val <= LA0 + alpha * beta * slope:
                        accepted = (xt, ft, ct)
                        break
                    alpha *= 0.5
                if accepted is None:
                    raise _LineSearchFailed
                x, f, c = accepted
                g, G = oracle.derivatives(x)
                inner += 1
                last_alpha = alpha
            lam = lam + mu * c
            mu *= mu_factor
            inner_tol *= inner_tol_factor
            hist["kkt"].append(_kkt(g, G, lam, c))
            hist["c"].append(float(np.linalg.norm(c)))
            hist["inner"].append(inner)
            hist["alpha"].append(last_alpha)
            if notify(callback, iteration=k + 1, x=x, lam=lam, kkt_norm=hist["kkt"][-1], mu=mu,
                      inner_iterations=inner):
                status = SQPStatus.CALLBACK
                break
    except NonFiniteOracleValue:
        status = SQPStatus.NONFINITE
    except _InnerFailed:
        status = SQPStatus.MAX_ITER
    except _LineSearchFailed:
        status = SQPStatus.LINE_SEARCH_FAILED
    return finish(bd, oracle, status, x, lam, f, hist, penalty={"mu": mu}, method="augmented Lagrangian (Newton-GMRES)")


class _InnerFailed(Exception):
    pass


class _LineSearchFailed(Exception):
    pass
