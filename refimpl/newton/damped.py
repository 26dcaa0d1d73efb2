r"""Damped Newton: stepsize schedules and line searches with global rates up to O(k⁻³), and the baselines.

Hanzely, Abdukhakimov & Takáč, *Newton Method Revisited: Global Convergence Rates up to O(k⁻³) for
Stepsize Schedules and Linesearch Procedures*, arXiv:2405.18926 (we follow the later versions under
this title, whose method names are RN, GRLS, GN and UN; v1 was titled *Damped Newton Method with
Near-Optimal Global O(k⁻³) Convergence Rate*).

Every method here is :math:`x_{k+1} = x_k - \alpha_k n_k` with the Newton direction
:math:`n_k = [\nabla^2 f(x_k)]^{-1}\nabla f(x_k)` from **one Cholesky factorisation per iteration**,
reused by every trial point, and the local (Hessian-weighted) dual norm, the Newton decrement
:math:`g_k = \|\nabla f(x_k)\|^*_{x_k} = (\nabla f(x_k)^\top n_k)^{1/2}`.

Stepsize ↔ regularisation duality (§2 of the paper): the minimiser of the local-norm regularised model
:math:`f(x) + \langle\nabla f(x), y - x\rangle + \tfrac12\|y - x\|_x^2 + \tfrac{\sigma}{2+\beta}\|y - x\|_x^{2+\beta}`
is :math:`x - \alpha n_x` with α the root in (0, 1] of :math:`1 - \alpha - \sigma g_x^\beta \alpha^{1+\beta} = 0`
(:func:`stepsize_from_regularization`); with :math:`\theta = \sigma g_x^\beta\alpha^\beta`, :math:`\alpha = 1/(1+\theta)`.

Schedules (``schedule=``)
-------------------------
``"rn"`` (root Newton)
    :math:`\theta_k = (9M)^{1/(q-1)}\, g_k^{(q-2)/(q-1)}`, :math:`\alpha_k = 1/(1+\theta_k)`, for
    :math:`q \in [2, 4]` (q = p + ν: Hölder continuity of the p-th derivative in local norms, constant
    ``M``); global rate :math:`O(k^{-(q-1)})`, i.e. :math:`O(k^{-3})` for q = 4.
``"grls"`` (gradient-regulated line search)
    :math:`\alpha_k \in (0, 1]` minimising :math:`[f(x_k - \alpha n_k) - f(x_k)] / (\|\nabla f(x_k - \alpha n_k)\|^*_{x_k})^2`
    (dual norm at :math:`x_k`: the same factorisation), by golden-section search plus the end point 1
    (α = 1 at once when the value at 1 is not above the value at 1 − ``ls_tol``);
    needs no smoothness constant. For GN and GRLS (ours, [R]): when the full step changes f only at
    round-off level (|f(x − n) − f(x)| ≤ 8ε|f(x)|) the full step is taken without a search, and when
    the search finds no decrease, α is halved until f does not increase.
``"gn"`` (greedy Newton, exact line search)
    :math:`\alpha_k = \arg\min_{\alpha\in(0,1]} f(x_k - \alpha n_k)` (golden section plus the end point).
``"un"`` (universal Newton, backtracking)
    :math:`\theta \leftarrow \theta_{k-1}/\rho` (``theta0`` at k = 0); :math:`\alpha = 1/(1+\theta)`;
    accept :math:`x^+ = x_k - \alpha n_k` when :math:`\langle\nabla f(x^+), n_k\rangle \ge (\|\nabla f(x^+)\|^*_{x_k})^2/(2\alpha\theta)`,
    otherwise :math:`\theta \leftarrow \rho\theta`. [R] the initialisation :math:`\theta_{k,0} = \theta_{k-1}/\rho`, ρ = 2, is our choice.
``"aicn"`` (affine-invariant cubic Newton, Hanzely et al. 2022)
    :math:`\alpha_k = 2/(1 + \sqrt{1 + 2Mg_k})` (M the semi-strong self-concordance constant).
``"armijo"``
    backtracking from α = 1, halving until :math:`f(x_k - \alpha n_k) \le f(x_k) - c\,\alpha\, g_k^2`.
``"constant"``
    :math:`\alpha_k` = ``alpha``.
``"super_universal"`` (gradient-regularised Newton; Doikov, Mishchenko & Nesterov 2024)
    The baseline Hanzely et al. compare with: *Super-universal regularized Newton method*, SIAM J.
    Optim. 34(1), 2024 (arXiv:2208.05888).
    :math:`x^+ = x_k - (\nabla^2 f(x_k) + \lambda_k I)^{-1}\nabla f(x_k)` with
    :math:`\lambda_k = H_k\|\nabla f(x_k)\|_2^{a}` (Euclidean norms, ``power`` = a; the paper's
    theory takes a ∈ [2/3, 1], a = 2/3 and a = 1 being its two highlighted choices) and the adaptive
    estimate :math:`H_k` (initial value ``M``): accept the trial point when
    :math:`\langle\nabla f(x^+), x_k - x^+\rangle \ge \|\nabla f(x^+)\|_2^2/(4\lambda_k)`, then
    :math:`H \leftarrow \max(H/4, 10^{-5})`; otherwise :math:`H \leftarrow 4H` and retry (at most
    ``ls_max_iter`` trials, then ``LINE_SEARCH_FAILED``). Not of the form :math:`x - \alpha n`: each
    trial factorises :math:`\nabla^2 f + \lambda I` (one Cholesky per trial, counted in
    ``n_factor``); the result's ``step_sizes`` hold :math:`\|x_{k+1} - x_k\|_2` and ``reg`` holds
    :math:`\lambda_k`. [V] the iteration and the acceptance test (the paper's adaptive search, also in
    the authors' public ``doikov/super-newton`` code, whose factors 4, 1/4, floor 1e-5 we use);
    [R] stopping after ``ls_max_iter`` rejected trials (the authors' code takes the last trial).

Non-convex fallback: when the Cholesky factorisation fails or is numerically singular (smallest
pivot² ≤ 1e-10·max|Hᵢᵢ|: the Hessian is not positive definite, outside the paper's theory, e.g.
on Rosenbrock, or rank-deficient, as on polytope feasibility when fewer than d constraints are
violated), the Hessian is shifted, :math:`\nabla^2 f + \tau I`,
with τ increased from :math:`\max(0, \beta - \min_i H_{ii})` by doubling (Nocedal & Wright 2006,
Algorithm 3.3, β = 1e-3·max|Hᵢᵢ|) until the factorisation succeeds; the direction and every local
norm then use the shifted matrix, and τ is recorded in ``result.shifts``.

Provenance
----------
[V] the duality identity (verified numerically in the validation claims), the classical
baselines (Armijo, constant damping), AICN's stepsize (Hanzely et al. 2022, also in OPTAMI).
[R] RN's constant :math:`(9M)^{1/(q-1)}`, GRLS's objective and UN's acceptance test come from public
notes on the paper (its full text was not available to us; equation numbers not verified); the
search procedures (golden section, tolerances, the θ initialisation of UN) are ours.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import notify
from refimpl._oracle import NonFiniteOracleValue
from refimpl.backends import capabilities, linalg

from ._common import NewtonResult, NewtonStatus, setup

__all__ = ["damped_newton", "stepsize_from_regularization"]

SCHEDULES = ("rn", "grls", "gn", "un", "aicn", "armijo", "constant", "super_universal")
_GOLD = (math.sqrt(5.0) - 1.0) / 2.0
#: a Cholesky factor with min pivot² ≤ SINGULAR_RTOL · max|Hᵢᵢ| counts as singular (the fallback shifts H)
SINGULAR_RTOL = 1e-10
#: floor of the super-universal estimate H_k (as in Doikov's public code)
SU_H_MIN = 1e-5


@capabilities()
def stepsize_from_regularization(sigma: float, decrement: float, beta: float) -> float:
    r"""The step size α ∈ (0, 1] dual to local-norm regularisation: the root of :math:`1 - \alpha - \sigma g^\beta \alpha^{1+\beta}`.

    Minimising :math:`\langle\nabla f, h\rangle + \tfrac12\|h\|_x^2 + \tfrac{\sigma}{2+\beta}\|h\|_x^{2+\beta}`
    gives :math:`h = -\alpha n_x` with this α (Hanzely et al., §2); :math:`g` is the Newton
    decrement :math:`\|\nabla f(x)\|^*_x`.

    Parameters
    ----------
    sigma : float
        Regularisation σ ≥ 0.
    decrement : float
        :math:`g_x \ge 0`.
    beta : float
        Exponent β ≥ 0 (β = 1: AICN).

    Returns
    -------
    alpha : float
        Decreasing in σ; 1 when σ g^β = 0.

    Examples
    --------
    >>> from refimpl.newton import stepsize_from_regularization
    >>> a = stepsize_from_regularization(2.0, 0.5, 1.0)   # 1 - a - a^2 = 0
    >>> round(a, 12) == round((5 ** 0.5 - 1) / 2, 12)
    True
    """
    sigma = v.check_positive(sigma, "sigma", strict=False)
    g = v.check_positive(decrement, "decrement", strict=False)
    beta = v.check_positive(beta, "beta", strict=False)
    return _alpha_root(sigma * g**beta, beta)


def _alpha_root(s: float, beta: float) -> float:
    """Root in (0, 1] of p(α) = 1 − α − s α^{1+β} (p decreasing, p(0) = 1, p(1) = −s): Newton + bisection."""
    if s == 0.0:
        return 1.0
    lo, hi = 0.0, 1.0
    a = 1.0 / (1.0 + s)  # exact for beta = 0
    for _ in range(200):
        p = 1.0 - a - s * a ** (1.0 + beta)
        if p > 0:
            lo = a
        else:
            hi = a
        if p == 0.0 or hi - lo <= 4e-16 * hi:
            break
        dp = -1.0 - s * (1.0 + beta) * a**beta
        a_new = a - p / dp
        a = a_new if lo < a_new < hi else 0.5 * (lo + hi)
    return a


@capabilities()
def damped_newton(
    fun: Any,
    grad: Any = None,
    hess: Any = None,
    x0: Any = None,
    *,
    schedule: str = "grls",
    q: float = 3.0,
    M: float = 1.0,
    alpha: float = 1.0,
    c: float = 1e-4,
    rho: float = 2.0,
    theta0: float = 1.0,
    ls_tol: float = 1e-4,
    ls_max_iter: int = 60,
    gtol: float = 1e-8,
    max_iter: int = 1000,
    callback: Any = None,
    power: float = 1.0,
) -> NewtonResult:
    r"""Damped Newton :math:`x_{k+1} = x_k - \alpha_k [\nabla^2 f(x_k)]^{-1}\nabla f(x_k)` with a stepsize schedule.

    See the module docstring for the schedules (Hanzely, Abdukhakimov & Takáč, arXiv:2405.18926,
    and the baselines) and the non-convex fallback.

    Parameters
    ----------
    fun : callable or problem object
        ``fun(x) -> float``, or a problem object with ``fun``/``grad``/``hess`` (then omit
        ``grad`` and ``hess``).
    grad, hess : callable
        ``grad(x) -> (d,)``, ``hess(x) -> (d, d)`` symmetric.
    x0 : (d,) array_like
    schedule : {"rn", "grls", "gn", "un", "aicn", "armijo", "constant", "super_universal"}, default "grls"
    q : float, default 3
        RN's smoothness order, in [2, 4].
    M : float, default 1
        RN's smoothness constant :math:`M_q`; AICN's self-concordance constant; the initial
        estimate :math:`H_0` of ``"super_universal"``. > 0.
    alpha : float, default 1
        The constant step size of ``"constant"``, in (0, 1].
    c : float, default 1e-4
        Armijo's sufficient-decrease constant, in (0, 1).
    rho : float, default 2
        UN's θ increase factor, > 1.
    theta0 : float, default 1
        UN's initial θ, > 0.
    ls_tol : float, default 1e-4
        Golden-section tolerance on α (GN, GRLS).
    ls_max_iter : int, default 60
        Trial cap per iteration (Armijo halvings, UN's θ increases, super-universal trials) before
        ``LINE_SEARCH_FAILED``.
    gtol : float, default 1e-8
        Stop when :math:`\|\nabla f(x_k)\|_2 \le` ``gtol``.
    max_iter : int, default 1000
    callback : callable, optional
        Called once per iteration with ``iteration``, ``x``, ``fun``, ``grad_norm``, ``alpha``,
        ``decrement`` (the Newton decrement :math:`g_k`; both NaN for ``"super_universal"``, which
        has neither) and ``reg`` (θ_k, or λ_k for ``"super_universal"``); True stops with ``CALLBACK``.
    power : float, default 1
        The exponent a of ``"super_universal"``'s :math:`\lambda_k = H_k\|\nabla f(x_k)\|^a`, in
        (0, 1] (the paper's theory: [2/3, 1]).

    Returns
    -------
    NewtonResult
        With ``step_sizes`` (α_k; ‖x_{k+1} − x_k‖ for ``"super_universal"``), ``reg`` (θ_k =
        1/α_k − 1; λ_k for ``"super_universal"``), ``shifts`` and ``n_shifts`` (the
        non-convex fallback), ``n_backtracks`` (rejected trials), counts (``n_factor`` counts
        every Cholesky attempt), ``grad_norms``, ``fun_values``.

    Raises
    ------
    ValueError, TypeError
        Unknown ``schedule``, ``q`` outside [2, 4], non-positive ``M``/``theta0``, ``alpha``
        or ``power`` outside (0, 1], ``c`` outside (0, 1), ``rho <= 1``, bad ``x0``, bad oracle
        outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import damped_newton, peer_logistic
    >>> prob = peer_logistic(500, 10)
    >>> res = damped_newton(prob, x0=np.zeros(10), schedule="grls", gtol=1e-10)
    >>> res.status.name, bool(res.grad_norm <= 1e-10)
    ('CONVERGED', True)
    """
    if x0 is None:
        raise TypeError("x0 must be given: the starting point, a (d,) array")
    v.check_choice(schedule, "schedule", SCHEDULES)
    q = v.check_in_range(q, "q", 2.0, 4.0, low_inclusive=True, high_inclusive=True)
    M = v.check_positive(M, "M")
    alpha = v.check_in_range(alpha, "alpha", 0.0, 1.0, high_inclusive=True)
    c = v.check_in_range(c, "c", 0.0, 1.0)
    rho = v.check_in_range(rho, "rho", 1.0, math.inf)
    theta0 = v.check_positive(theta0, "theta0")
    ls_tol = v.check_in_range(ls_tol, "ls_tol", 0.0, 1.0)
    ls_max_iter = v.check_size(ls_max_iter, "ls_max_iter", low=1, limit=10**4, why="trials per iteration")
    power = v.check_in_range(power, "power", 0.0, 1.0, high_inclusive=True)
    bd, x, oracle, gtol, max_iter = setup(fun, grad, hess, x0, gtol=gtol, max_iter=max_iter, callback=callback)
    opts = dict(schedule=schedule, q=q, M=M, alpha=alpha, c=c, rho=rho, theta0=theta0, ls_tol=ls_tol,
                ls_max_iter=ls_max_iter, power=power)
    x, status, hist, n_back = _damped_core(oracle, x, gtol=gtol, max_iter=max_iter, callback=callback, **opts)
    gns, fs, steps, shifts, regs = (np.asarray(h, dtype=float) for h in hist)
    if schedule == "super_universal":
        thetas = regs
    else:
        with np.errstate(divide="ignore"):
            thetas = 1.0 / steps - 1.0 if steps.size else np.zeros(0)
    return NewtonResult(
        status=status, x=bd.out(x), fun=float(fs[-1]) if fs.size else math.nan,
        grad_norm=float(gns[-1]) if gns.size else math.nan, n_iter=int(steps.size), **oracle.counts(),
        grad_norms=gns, fun_values=fs, step_sizes=steps, reg=thetas, n_backtracks=n_back,
        shifts=shifts, n_shifts=int(np.count_nonzero(shifts)), method=f"damped Newton ({schedule})",
    )


def _factor(oracle: Any, H: Any) -> tuple[Any, float]:
    """Cholesky of H, or of H + τI with the smallest doubling τ that works (Nocedal & Wright, Alg. 3.3)."""
    xp = oracle.xp
    diag = xp.linalg.diagonal(H)
    hmax = max(float(xp.max(xp.abs(diag))), 1e-300)
    oracle.record_factor()
    try:
        L = linalg.cholesky(H)
        if float(xp.min(xp.linalg.diagonal(L))) ** 2 > SINGULAR_RTOL * hmax:
            return L, 0.0
    except linalg.NotPositiveDefiniteError:
        pass
    beta = 1e-3 * max(hmax, 1e-12)
    min_diag = float(xp.min(diag))
    tau = 0.0 if min_diag > 0 else -min_diag + beta
    tau = max(tau, beta)
    eye = xp.eye(H.shape[0], dtype=H.dtype, device=_device(H))
    for _ in range(200):
        oracle.record_factor()
        try:
            return linalg.cholesky(H + tau * eye), tau
        except linalg.NotPositiveDefiniteError:
            tau *= 2.0
    raise NonFiniteOracleValue("hess")  # pragma: no cover - a finite symmetric matrix is shifted to PD long before


def _device(x: Any) -> Any:
    from array_api_compat import device

    return device(x)


def _golden(phi: Any, tol: float) -> tuple[float, float]:
    """Minimise phi on (0, 1] by golden-section search, compared with the end point α = 1.

    First the end point: if phi(1) <= phi(1 - tol), a unimodal phi has its minimiser in
    [1 - tol, 1] and α = 1 is returned after two evaluations (the common case near the solution).
    """
    f1 = phi(1.0)
    if f1 <= phi(1.0 - tol):
        return 1.0, f1
    lo, hi = 0.0, 1.0
    a, b = hi - _GOLD * (hi - lo), lo + _GOLD * (hi - lo)
    fa, fb = phi(a), phi(b)
    while hi - lo > tol:
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - _GOLD * (hi - lo)
            fa = phi(a)
        else:
            lo, a, fa = a, b, fb
            b = lo + _GOLD * (hi - lo)
            fb = phi(b)
    best, fbest = (a, fa) if fa <= fb else (b, fb)
    return (1.0, f1) if f1 <= fbest else (best, fbest)


def _super_universal_step(oracle: Any, x: Any, f: float, g: Any, gn: float, H: Any, Hk: float, power: float,
                          ls_max_iter: int) -> tuple[Any, float, Any, float, float, float, int] | None:
    """One step of the super-universal Newton method (Doikov, Mishchenko & Nesterov 2024), adaptive H_k.

    Returns ``(x⁺, f⁺, ∇f⁺, λ, H_next, τ, rejected trials)``, or None when ``ls_max_iter`` trials fail.
    """
    xp = oracle.xp
    eye = xp.eye(H.shape[0], dtype=H.dtype, device=_device(H))
    ga = gn**power
    for trial in range(ls_max_iter):
        lam = Hk * ga
        L, tau = _factor(oracle, H + lam * eye)
        h = -linalg.cho_solve(L, g)
        xt = x + h
        try:
            ft, gt = oracle.value_and_gradient(xt)
        except NonFiniteOracleValue:
            ft, gt = math.inf, None
        if gt is not None and float(-(gt @ h)) >= float(gt @ gt) / (4.0 * lam):
            return xt, ft, gt, lam, max(Hk / 4.0, SU_H_MIN), tau, trial
        Hk *= 4.0
    return None


def _damped_core(oracle: Any, x: Any, *, schedule: str, q: float, M: float, alpha: float, c: float, rho: float,
                 theta0: float, ls_tol: float, ls_max_iter: int, gtol: float, max_iter: int,
                 callback: Any, power: float = 1.0) -> tuple[Any, NewtonStatus, tuple[list, ...], int]:
    """The damped Newton loop (see :func:`damped_newton`)."""
    xp = oracle.xp
    gns: list[float] = []
    fs: list[float] = []
    steps: list[float] = []
    shifts: list[float] = []
    regs: list[float] = []
    n_back = 0
    Hk = M  # super-universal: the adaptive estimate H_k
    theta_prev = theta0 * rho  # UN: theta_{0,0} = theta0
    status = NewtonStatus.MAX_ITER
    try:
        f, g = oracle.value_and_gradient(x)
        gn = float(xp.linalg.vector_norm(g))
        gns.append(gn)
        fs.append(f)
        for k in range(max_iter + 1):
            if gn <= gtol:
                status = NewtonStatus.CONVERGED
                break
            if k == max_iter:
                break
            H = oracle.hessian(x)
            if schedule == "super_universal":  # its own factorisations: one per trial of H + λI
                out = _super_universal_step(oracle, x, f, g, gn, H, Hk, power, ls_max_iter)
                if out is None:
                    n_back += ls_max_iter
                    status = NewtonStatus.LINE_SEARCH_FAILED
                    break
                x_new, f, g, lam, Hk, tau, n_rej = out
                n_back += n_rej
                step = float(xp.linalg.vector_norm(x_new - x))
                x = x_new
                gn = float(xp.linalg.vector_norm(g))
                gns.append(gn)
                fs.append(f)
                steps.append(step)
                shifts.append(tau)
                regs.append(lam)
                if notify(callback, iteration=k + 1, x=x, fun=f, grad_norm=gn, alpha=math.nan, decrement=math.nan,
                          reg=lam):
                    status = NewtonStatus.CALLBACK
                    break
                continue
            L, tau = _factor(oracle, H)  # one factorisation per iteration, reused below
            n = linalg.cho_solve(L, g)  # Newton direction n_k
            dec2 = float(g @ n)  # g_k^2 = ||∇f||*² (local dual norm)
            dec = math.sqrt(max(dec2, 0.0))
            cache: dict[float, tuple[float, Any]] = {}

            def trial(a: float, need_grad: bool) -> tuple[float, Any]:
                """f and (optionally) ∇f at x − a n; non-finite values count as +inf (the trial is rejected)."""
                if a in cache and (cache[a][1] is not None or not need_grad or not math.isfinite(cache[a][0])):
                    return cache[a]
                xt = x - a * n
                try:
                    if a in cache:  # value known, the gradient is needed now
                        val = (cache[a][0], oracle.gradient(xt))
                    else:
                        val = oracle.value_and_gradient(xt) if need_grad else (oracle.value(xt), None)
                except NonFiniteOracleValue:
                    val = (math.inf, None)
                cache[a] = val
                return val

            if schedule == "rn":
                theta = (9.0 * M) ** (1.0 / (q - 1.0)) * dec ** ((q - 2.0) / (q - 1.0))
                a = 1.0 / (1.0 + theta)
            elif schedule == "aicn":
                a = 2.0 / (1.0 + math.sqrt(1.0 + 2.0 * M * dec))
            elif schedule == "constant":
                a = alpha
            elif schedule == "armijo":
                a = 1.0
                for _ in range(ls_max_iter):
                    if trial(a, False)[0] <= f - c * a * dec2:
                        break
                    a *= 0.5
                    n_back += 1
                else:
                    status = NewtonStatus.LINE_SEARCH_FAILED
                    break
            elif schedule in ("gn", "grls") and abs(trial(1.0, schedule == "grls")[0] - f) <= 8e-16 * abs(f):
                a = 1.0  # [R] the full step changes f only at round-off level: f cannot guide a search, take it
            elif schedule == "gn":
                a, _ = _golden(lambda s: trial(s, False)[0], ls_tol)
            elif schedule == "grls":
                def ratio(s: float) -> float:
                    ft, gt = trial(s, True)
                    if not math.isfinite(ft):
                        return math.inf
                    den = float(gt @ linalg.cho_solve(L, gt))  # dual norm at x_k: same factorisation
                    return (ft - f) / den if den > 0 else (-math.inf if ft < f else math.inf)
                a, _ = _golden(ratio, ls_tol)
            f_tol = f + 4e-16 * abs(f)  # "no increase" up to round-off
            if schedule in ("gn", "grls") and not trial(a, False)[0] <= f_tol:
                # [R] safeguard (ours): the search found no decrease (the 1-D function is not unimodal);
                # halve alpha until f decreases
                for _ in range(ls_max_iter):
                    a *= 0.5
                    n_back += 1
                    if trial(a, False)[0] <= f_tol:
                        break
                else:
                    status = NewtonStatus.LINE_SEARCH_FAILED
                    break
            if schedule == "un":
                theta = theta_prev / rho
                for _ in range(ls_max_iter):
                    a = 1.0 / (1.0 + theta)
                    ft, gt = trial(a, True)
                    if math.isfinite(ft):
                        lhs = float(gt @ n)
                        rhs = float(gt @ linalg.cho_solve(L, gt)) / (2.0 * a * theta)
                        if lhs >= rhs:
                            break
                    theta *= rho
                    n_back += 1
                else:
                    status = NewtonStatus.LINE_SEARCH_FAILED
                    break
                theta_prev = theta
            f_new, g_new = trial(a, True)
            if g_new is None:  # the accepted point itself is non-finite
                status = NewtonStatus.NONFINITE
                break
            x, f, g = x - a * n, f_new, g_new
            gn = float(xp.linalg.vector_norm(g))
            gns.append(gn)
            fs.append(f)
            steps.append(a)
            shifts.append(tau)
            regs.append(1.0 / a - 1.0)
            if notify(callback, iteration=k + 1, x=x, fun=f, grad_norm=gn, alpha=a, decrement=dec, reg=1.0 / a - 1.0):
                status = NewtonStatus.CALLBACK
                break
    except NonFiniteOracleValue:
        status = NewtonStatus.NONFINITE
    return x, status, (gns, fs, steps, shifts, regs), n_back
