r"""AdaSketch-Newton: exact augmented Lagrangian merit + randomized iterative sketching for equality constraints.

Hong, Na, Mahoney & Kolar, *Constrained Optimization via Exact Augmented Lagrangian and Randomized
Iterative Sketching*, ICML 2023, PMLR 202:13174–13198, arXiv:2305.18379; authors' Julia code
``IlgeeHong/AdaSketch-Newton``.

Problem :math:`\min_x f(x)` s.t. :math:`c(x) = 0` (:math:`c: \mathbb R^n \to \mathbb R^m`,
Jacobian :math:`G = \nabla c^\top` of full row rank). Lagrangian :math:`L = f + \lambda^\top c`.

Notation
--------
=========================  ==================================================================
:math:`\mathcal L_\eta`    exact augmented Lagrangian :math:`f + \lambda^\top c + \tfrac{\eta_1}{2}\|c\|^2 + \tfrac{\eta_2}{2}\|\nabla_x L\|^2`
:math:`B_k`                modified Hessian :math:`\nabla^2_{xx}L + t_k I`
:math:`K_k, b_k`           KKT matrix :math:`[[B_k, G_k^\top], [G_k, 0]]`, right side :math:`-(\nabla_x L_k, c_k)`
:math:`z = (\Delta x, \Delta\lambda)`  the inexact Newton direction from the sketch solver
:math:`\Psi_k, \Upsilon_k`  :math:`20\max(\|B_k\|^2, 1)/(\min(\xi_G, 1)\min(\xi_B, 1))`, :math:`\max(\|G_k\|, \|\nabla^2_{xx}L_k\|, 1)` (Frobenius norms)
:math:`\xi_G`               :math:`\lambda_{\min}(G_k G_k^\top)`
:math:`\delta_k`            the accuracy parameter, non-increasing across iterations
=========================  ==================================================================

One outer iteration (the authors' code, in words):

1. :math:`\xi_G < 10^{-2}` (``singular_tol``) stops with ``SINGULAR_JACOBIAN``.
2. Hessian modification: :math:`t_k = \xi_B + \|\nabla^2_{xx}L\|_F` when the reduced Hessian
   :math:`Z^\top\nabla^2_{xx}L Z` (Z an orthonormal null-space basis of G from a complete QR of
   :math:`G^\top`) has smallest eigenvalue below ``reduced_hess_tol``, else :math:`t_k = 0`.
3. :math:`\delta_{\rm trial} = (\tfrac12 - \beta)\eta_2 / ((1 + \eta_1 + \eta_2)\Upsilon^2\Psi^2)`,
   :math:`\delta \leftarrow \max(\min(\delta, \delta_{\rm trial}), \delta_{\min})`.
4. Sketch-and-project iterations on :math:`Kz = b` from z = 0 until the **adaptive accuracy
   condition** :math:`\|K\|_F\,\Psi\,\|Kz - b\| \le \theta\,\delta\,\|b\|` holds (at most
   ``max_inner`` steps per solve): Gaussian vector sketch
   :math:`z \leftarrow z - \frac{s^\top r}{\|K^\top s\|^2}K^\top s`, :math:`s \sim N(0, I)`, or
   randomized Kaczmarz :math:`z \leftarrow z - \frac{r_i}{\|K_{i,:}\|^2}K_{i,:}^\top` with i uniform
   (:func:`sketch_and_project`; inner loop :func:`sketch_steps`, a leaf kernel with a Numba twin).
5. Descent test: if :math:`\nabla\mathcal L_\eta^\top z > -\tfrac{\eta_2}{2}\|b\|^2`, then
   :math:`\eta_1 \leftarrow \nu^2\eta_1`, :math:`\eta_2 \leftarrow \eta_2/\nu`,
   :math:`\delta \leftarrow \max(\min(\delta/\nu^4, \delta_{\rm trial}), \delta_{\min})` and the
   sketching **continues from the current z**; no more adjustments once :math:`\eta_1 > 10^8`
   or :math:`\eta_2 < 10^{-8}`. The penalties persist across iterations.
6. Armijo backtracking on the merit: α = 1, halved until
   :math:`\mathcal L_\eta(x + \alpha\Delta x, \lambda + \alpha\Delta\lambda) \le \mathcal L_\eta(x, \lambda) + \alpha\beta\nabla\mathcal L_\eta^\top z`.

The exact merit gradient is

.. math::

    \nabla_x\mathcal L_\eta = \nabla_x L + \eta_1 G^\top c + \eta_2\nabla^2_{xx}L\,\nabla_x L, \qquad
    \nabla_\lambda\mathcal L_\eta = c + \eta_2 G\nabla_x L .

**Code discrepancy.** The authors' CUTEst and PDE code use :math:`\nabla^2 f` instead of
:math:`\nabla^2_{xx}L` in the :math:`\eta_2` term of this gradient (the descent test and the
Armijo slope), while the merit *value* is exact. ``merit_gradient="exact"`` (default) uses the
exact formula; ``merit_gradient="authors"`` reproduces the code (identical for linear constraints).

Provenance
----------
[V] the algorithm, constants and norms follow the authors' public code (``CUTEst/AdaSketchNewtonGV``,
``...RK``, ``PDE/``): default constants η₁ = 1, η₂ = 0.1, δ₀ = 0.1, ξ_B = 0.1, β = 0.1, ν = 1.5,
θ = 1, δ floor 1e-6, inner cap 1e5, singular threshold 1e-2, reduced-Hessian threshold 1e-6;
the merit and its gradient are verified against finite differences in the tests. [R] the paper's
full text was not available to us: equation and algorithm numbers are not cited; the cap on Armijo
halvings (``max_backtracks``) and the random-number draw order (blocks of ``chunk`` sketches from
one host generator) are ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._oracle import NonFiniteOracleValue
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, check_rng, leaf_kernel

from ._sqp import SQPResult, SQPStatus, finish, fro, norm, setup

__all__ = ["SketchResult", "SketchStatus", "adasketch_newton", "sketch_and_project"]

SKETCHES = ("gaussian", "kaczmarz")
MERIT_GRADIENTS = ("exact", "authors")
#: sketches drawn per block (the host generator is advanced by whole blocks)
CHUNK = 64


# --------------------------------------------------------------------------------------------
# the inner loop: a leaf kernel
# --------------------------------------------------------------------------------------------


@leaf_kernel("newton.sketch_steps")
def sketch_steps(K: Any, b: Any, z: Any, r: Any, S: Any, idx: Any, row_norms2: Any, thr: float, gaussian: bool,
                 ) -> tuple[Any, Any, int, bool]:
    r"""Up to ``len(S)`` (Gaussian) or ``len(idx)`` (Kaczmarz) sketch-and-project steps on :math:`Kz = b`.

    Before each step the residual :math:`r = Kz - b` is compared with ``thr``; the loop stops as
    soon as :math:`\|r\|_2 \le` ``thr``. Gaussian step with the sketch :math:`s` = ``S[j]``:
    :math:`w = K^\top s`, :math:`z \leftarrow z - (s^\top r / w^\top w)\,w`; Kaczmarz step with the
    row :math:`i` = ``idx[j]``: :math:`z \leftarrow z - (r_i/\|K_{i,:}\|^2) K_{i,:}^\top`
    (``row_norms2`` holds :math:`\|K_{i,:}\|^2`; a zero row is skipped). The residual is recomputed
    as :math:`Kz - b` after every step (as in the authors' code).

    Returns
    -------
    z, r : arrays
        The updated iterate and residual (new arrays; the inputs are not modified).
    steps : int
        Steps taken.
    converged : bool
        Whether :math:`\|r\| \le` ``thr`` on return.
    """
    xp = array_namespace(K)
    n_steps = int(S.shape[0]) if gaussian else int(idx.shape[0])
    Kt = K.T
    for j in range(n_steps):
        if float(xp.linalg.vector_norm(r)) <= thr:
            return z, r, j, True
        if gaussian:
            s = S[j, :]
            w = Kt @ s
            den = float(w @ w)
            if den > 0.0:
                z = z - (float(s @ r) / den) * w
        else:
            i = int(idx[j])
            den = float(row_norms2[i])
            if den > 0.0:
                z = z - (float(r[i]) / den) * K[i, :]
        r = K @ z - b
    return z, r, n_steps, bool(float(xp.linalg.vector_norm(r)) <= thr)


def _sketch_solve(K: Any, b: Any, z: Any, r: Any, thr: float, max_steps: int, rng: np.random.Generator,
                  gaussian: bool, bd: Any, row_norms2: Any) -> tuple[Any, Any, int, bool]:
    """Sketch in blocks of CHUNK draws (host generator → backend) until ‖r‖ ≤ thr or max_steps."""
    N = int(K.shape[0])
    done = 0
    xp = bd.xp
    empty = xp.zeros((0,), dtype=K.dtype, device=device(K))
    while True:
        if float(xp.linalg.vector_norm(r)) <= thr:
            return z, r, done, True
        if done >= max_steps:
            return z, r, done, False
        k = min(CHUNK, max_steps - done)
        if gaussian:
            S = bd.backend.asarray(rng.standard_normal((CHUNK, N))[:k], dtype=K.dtype)
            idx = empty
        else:
            S = xp.zeros((0, N), dtype=K.dtype, device=device(K))
            idx = bd.backend.asarray(rng.integers(0, N, size=CHUNK)[:k], dtype=xp.int64)
        z, r, steps, ok = sketch_steps(K, b, z, r, S, idx, row_norms2, thr, gaussian)
        done += steps
        if ok:
            return z, r, done, True


# --------------------------------------------------------------------------------------------
# the stand-alone sketch solver
# --------------------------------------------------------------------------------------------


class SketchStatus(StatusEnum):
    """Why :func:`sketch_and_project` stopped."""

    __failures__ = ("MAX_ITER", "NONFINITE")
    CONVERGED = "converged: ||K z - b|| at or below rtol * ||b||"
    MAX_ITER = "stopped: reached max_iter sketch steps before the residual fell to rtol * ||b||"
    NONFINITE = "stopped: the residual became NaN or infinite"
    CALLBACK = "stopped: the callback asked to stop"


@dataclass(frozen=True, kw_only=True)
class SketchResult(Result):
    """Result of :func:`sketch_and_project`.

    Attributes
    ----------
    status : SketchStatus
    x : (N,) array
        The last iterate (caller's array library).
    residual_norm : float
        :math:`\\|Kx - b\\|_2`.
    n_iter : int
        Sketch steps taken.
    n_matvec : int
        Products with K or Kᵀ (2 per step, plus the initial residual).
    """

    x: Any
    residual_norm: float
    n_iter: int
    n_matvec: int


@capabilities()
def sketch_and_project(K: Any, b: Any, *, sketch: str = "gaussian", rtol: float = 1e-8, max_iter: int = 100000,
                       x0: Any = None, rng: Any = None, callback: Any = None) -> SketchResult:
    r"""Solve :math:`Kx = b` (K square, nonsingular) by randomized sketch-and-project iterations.

    ``sketch="gaussian"``: :math:`x \leftarrow x - \frac{s^\top r}{\|K^\top s\|^2}K^\top s` with
    :math:`s \sim N(0, I)`, :math:`r = Kx - b` (the Gaussian vector sketch of Hong et al. 2023);
    ``sketch="kaczmarz"``: randomized Kaczmarz, :math:`x \leftarrow x - \frac{r_i}{\|K_{i,:}\|^2}K_{i,:}^\top`
    with the row i uniform at random (Strohmer & Vershynin's variant samples by row norm; the
    authors' code samples uniformly). Both converge linearly in expectation for a nonsingular K
    (Gower & Richtárik 2015), at a rate governed by :math:`\sigma_{\min}(K)^2/\|K\|_F^2`.

    Parameters
    ----------
    K : (N, N) array
    b : (N,) array
    sketch : {"gaussian", "kaczmarz"}, default "gaussian"
    rtol : float, default 1e-8
        Stop when :math:`\|Kx - b\| \le` ``rtol`` :math:`\|b\|`.
    max_iter : int, default 100000
        Cap on sketch steps.
    x0 : (N,) array, optional
        Start (zeros by default).
    rng : int, numpy.random.Generator or None
        Host generator; sketches are drawn in blocks of 64 and moved to the backend, so every
        backend sees the same draws.
    callback : callable, optional
        Called after every block of (at most) 64 steps with ``iteration`` (steps so far), ``x``,
        ``residual_norm``; True stops with ``CALLBACK``. (Per-step callbacks would defeat the
        compiled inner loop.)

    Returns
    -------
    SketchResult

    Raises
    ------
    ValueError, TypeError
        K not square, b or x0 of the wrong length, non-finite entries, unknown ``sketch``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import sketch_and_project
    >>> K = np.array([[4.0, 1.0], [1.0, 3.0]]); b = np.array([1.0, 2.0])
    >>> res = sketch_and_project(K, b, rtol=1e-10, rng=0)
    >>> res.status.name, bool(np.allclose(K @ res.x, b))
    ('CONVERGED', True)
    """
    K = v.check_array(K, "K", ndim=2, real=True)
    N = int(K.shape[0])
    if int(K.shape[1]) != N:
        raise ValueError(f"K must be square (N, N); got shape {tuple(int(s) for s in K.shape)}")
    b = v.check_array(b, "b", ndim=1, real=True)
    v.check_shape(b, "b", (N,))
    if x0 is not None:
        x0 = v.check_array(x0, "x0", ndim=1, real=True)
        v.check_shape(x0, "x0", (N,))
    v.check_choice(sketch, "sketch", SKETCHES)
    rtol = v.check_positive(rtol, "rtol", strict=False)
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**9, why="each step costs two products with K")
    check_callback(callback)
    gen = check_rng(rng)
    bd = Boundary(K, b, x0)
    xp = bd.xp
    Kb, bb = bd.asarray(K, name="K"), bd.asarray(b, name="b")
    z = xp.zeros((N,), dtype=bd.dtype, device=device(Kb)) if x0 is None else bd.asarray(x0, name="x0")
    r = Kb @ z - bb
    n_mv = 1
    thr = rtol * norm(xp, bb)
    row_norms2 = xp.sum(Kb * Kb, axis=1)
    done = 0
    status = SketchStatus.MAX_ITER
    while True:
        rn = norm(xp, r)
        if not math.isfinite(rn):
            status = SketchStatus.NONFINITE
            break
        if rn <= thr:
            status = SketchStatus.CONVERGED
            break
        if done >= max_iter:
            break
        z, r, steps, ok = _sketch_solve(Kb, bb, z, r, thr, min(CHUNK, max_iter - done), gen, sketch == "gaussian",
                                        bd, row_norms2)
        done += steps
        n_mv += 2 * steps
        if notify(callback, iteration=done, x=z, residual_norm=norm(xp, r)):
            status = SketchStatus.CALLBACK if norm(xp, r) > thr else SketchStatus.CONVERGED
            break
    return SketchResult(status=status, x=bd.out(z), residual_norm=norm(xp, r), n_iter=done, n_matvec=n_mv)


# --------------------------------------------------------------------------------------------
# AdaSketch-Newton
# --------------------------------------------------------------------------------------------


def _merit(oracle: Any, x: Any, lam: Any, eta1: float, eta2: float) -> tuple[float, tuple]:
    r"""The exact augmented Lagrangian :math:`\mathcal L_\eta(x, \lambda)` and the evaluations it needed."""
    xp = oracle.xp
    f, c = oracle.values(x)
    g, G = oracle.derivatives(x)
    gL = g + lam @ G
    val = f + float(lam @ c) + 0.5 * eta1 * float(c @ c) + 0.5 * eta2 * float(gL @ gL)
    del xp
    return val, (f, c, g, G, gL)


def _merit_gradient(gL: Any, c: Any, G: Any, Hdir: Any, eta1: float, eta2: float, xp: Any) -> Any:
    r""":math:`\nabla\mathcal L_\eta = (\nabla_x L + \eta_1 G^\top c + \eta_2 H\nabla_x L,\; c + \eta_2 G\nabla_x L)` with H = ``Hdir``."""
    return xp.concat([gL + eta1 * (c @ G) + eta2 * (Hdir @ gL), c + eta2 * (G @ gL)])


@capabilities()
def adasketch_newton(
    problem: Any,
    *,
    sketch: str = "gaussian",
    tol: float = 1e-4,
    rng: Any = None,
    x0: Any = None,
    lam0: Any = None,
    eta1: float = 1.0,
    eta2: float = 0.1,
    delta0: float = 0.1,
    xi_B: float = 0.1,
    beta: float = 0.1,
    nu: float = 1.5,
    theta: float = 1.0,
    delta_min: float = 1e-6,
    reduced_hess_tol: float = 1e-6,
    singular_tol: float = 1e-2,
    merit_gradient: str = "exact",
    max_iter: int = 10000,
    max_inner: int = 100000,
    max_backtracks: int = 60,
    callback: Any = None,
) -> SQPResult:
    r"""AdaSketch-Newton (Hong, Na, Mahoney & Kolar 2023) for :math:`\min f(x)` s.t. :math:`c(x) = 0`.

    Inexact Newton–SQP steps from randomized sketch-and-project solves of the KKT system, run to
    an adaptive accuracy, globalised by Armijo backtracking on the exact augmented Lagrangian with
    adaptive penalties (the module docstring gives the iteration).

    Parameters
    ----------
    problem : constrained problem object
        With ``f``, ``grad``, ``hess``, ``c``, ``jac``, ``hess_c`` (see
        :mod:`refimpl.newton.hs_problems`) and, unless ``x0``/``lam0`` are given, ``x0``, ``lam0``.
    sketch : {"gaussian", "kaczmarz"}, default "gaussian"
        The sketch (GV or RK in the paper).
    tol : float, default 1e-4
        Stop when the KKT residual :math:`\|(\nabla_x L, c)\|_2 \le` ``tol``.
    rng : int, numpy.random.Generator or None
        Host generator of the sketches (all backends see the same draws).
    x0, lam0 : arrays, optional
        Starts (default: the problem's ``x0`` and ``lam0``).
    eta1, eta2 : float, default 1, 0.1
        Initial penalty parameters :math:`\eta_1, \eta_2 > 0`.
    delta0 : float, default 0.1
        Initial accuracy parameter δ.
    xi_B : float, default 0.1
        Hessian-modification shift :math:`\xi_B > 0`.
    beta : float, default 0.1
        Armijo constant, in (0, 1/2).
    nu : float, default 1.5
        Penalty growth factor, > 1.
    theta : float, default 1
        Accuracy factor :math:`\theta_k` (the paper lets it go to 0 for superlinear rates; its
        experiments keep 1).
    delta_min : float, default 1e-6
        Floor of δ (the authors' "numerical issue" guard).
    reduced_hess_tol : float, default 1e-6
        The Hessian is shifted when :math:`\lambda_{\min}(Z^\top\nabla^2_{xx}L Z) <` this
        (the authors use 1e-2 in the logistic runs).
    singular_tol : float, default 1e-2
        Stop with ``SINGULAR_JACOBIAN`` when :math:`\lambda_{\min}(GG^\top) <` this.
    merit_gradient : {"exact", "authors"}, default "exact"
        The η₂ term of the merit gradient with :math:`\nabla^2_{xx}L` (exact) or
        :math:`\nabla^2 f` (the authors' code).
    max_iter : int, default 10000
        Outer iterations.
    max_inner : int, default 100000
        Sketch steps per inner solve (an inner solve stopped by it is counted in
        ``n_inner_capped``; the direction is used as it is).
    max_backtracks : int, default 60
        Armijo halvings before ``LINE_SEARCH_FAILED``.
    callback : callable, optional
        Called once per outer iteration with ``iteration``, ``x``, ``lam``, ``kkt_norm``,
        ``alpha``, ``inner_iterations``, ``eta1``, ``eta2``, ``delta``; True stops with
        ``CALLBACK``.

    Returns
    -------
    SQPResult
        ``x``, ``lam``, ``n_iter`` (outer), ``n_inner`` and ``inner_iterations`` (sketch steps),
        ``kkt_history``, ``status``, oracle counts (``n_matvec`` = 2 per sketch step),
        ``penalty`` (final η₁, η₂, δ), ``hessian_shifts``.

    Raises
    ------
    ValueError, TypeError
        A problem object without the six methods, x0/lam0 of the wrong length or non-finite,
        m = 0 or m > n, out-of-range hyperparameters, unknown ``sketch``/``merit_gradient``, oracle
        outputs of the wrong shape. A rank-deficient Jacobian is a status (``SINGULAR_JACOBIAN``),
        not an error.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import adasketch_newton, hs_problem
    >>> p = hs_problem("HS28")
    >>> res = adasketch_newton(p, rng=0)
    >>> res.status.name, res.n_iter, bool(np.allclose(res.x, p.x_star, atol=1e-4))
    ('CONVERGED', 1, True)
    """
    v.check_choice(sketch, "sketch", SKETCHES)
    v.check_choice(merit_gradient, "merit_gradient", MERIT_GRADIENTS)
    opts = dict(
        eta1=v.check_positive(eta1, "eta1"), eta2=v.check_positive(eta2, "eta2"),
        delta=v.check_positive(delta0, "delta0"), xi_B=v.check_positive(xi_B, "xi_B"),
        beta=v.check_in_range(beta, "beta", 0.0, 0.5), nu=v.check_in_range(nu, "nu", 1.0, math.inf),
        theta=v.check_positive(theta, "theta"), delta_min=v.check_positive(delta_min, "delta_min", strict=False),
        reduced_hess_tol=v.check_real(reduced_hess_tol, "reduced_hess_tol"),
        singular_tol=v.check_positive(singular_tol, "singular_tol", strict=False),
        max_inner=v.check_size(max_inner, "max_inner", low=1, limit=10**9, why="each step costs two products"),
        max_backtracks=v.check_size(max_backtracks, "max_backtracks", low=0, limit=10**4, why="trials per step"),
        exact=merit_gradient == "exact", gaussian=sketch == "gaussian",
    )
    gen = check_rng(rng)
    bd, x, lam, oracle, tol, max_iter = setup(problem, x0, lam0, tol=tol, max_iter=max_iter, callback=callback)
    status, x, lam, f, hist, extra = _adasketch_core(oracle, bd, x, lam, tol=tol, max_iter=max_iter, rng=gen,
                                                     callback=callback, **opts)
    return finish(bd, oracle, status, x, lam, f, hist, penalty=extra["penalty"],
                  method=f"AdaSketch-Newton ({'GV' if sketch == 'gaussian' else 'RK'}, {merit_gradient} merit gradient)",
                  n_penalty_updates=extra["n_pen"], n_inner_capped=extra["n_capped"])


def _adasketch_core(oracle: Any, bd: Any, x: Any, lam: Any, *, tol: float, max_iter: int, rng: np.random.Generator,
                    callback: Any, eta1: float, eta2: float, delta: float, xi_B: float, beta: float, nu: float,
                    theta: float, delta_min: float, reduced_hess_tol: float, singular_tol: float, max_inner: int,
                    max_backtracks: int, exact: bool, gaussian: bool) -> tuple:
    xp = oracle.xp
    n, m = oracle.n, oracle.m
    dev = device(x)
    eye = xp.eye(n, dtype=x.dtype, device=dev)
    zeros_mm = xp.zeros((m, m), dtype=x.dtype, device=dev)
    hist: dict[str, list] = {"kkt": [], "c": [], "inner": [], "alpha": [], "shift": []}
    n_pen = n_capped = 0
    status = SQPStatus.MAX_ITER
    f = math.nan
    try:
        f, c = oracle.values(x)
        g, G = oracle.derivatives(x)
        gL = g + lam @ G
        hist["kkt"].append(math.hypot(norm(xp, gL), norm(xp, c)))
        hist["c"].append(norm(xp, c))
        for k in range(max_iter + 1):
            if hist["kkt"][-1] <= tol:
                status = SQPStatus.CONVERGED
                break
            if k == max_iter:
                break
            H, Hc = oracle.hessians(x)
            HL = H + xp.tensordot(lam, Hc, axes=1)
            # LICQ test: the least singular value squared of G
            oracle.n_factor += 1
            xi_G = float(xp.min(xp.linalg.eigvalsh(G @ G.T)))
            if not xi_G >= singular_tol:
                status = SQPStatus.SINGULAR_JACOBIAN
                break
            # Hessian modification from the reduced Hessian Z^T HL Z
            t = 0.0
            if m < n:
                oracle.n_factor += 2
                Q, _ = xp.linalg.qr(G.T, mode="complete")
                Z = Q[:, m:]
                if float(xp.min(xp.linalg.eigvalsh(Z.T @ HL @ Z))) < reduced_hess_tol:
                    t = xi_B + fro(xp, HL)
            B = HL + t * eye
            fb = fro(xp, B)
            psi = 20.0 * max(fb * fb, 1.0) / (min(xi_G, 1.0) * min(xi_B, 1.0))
            ups = max(fro(xp, G), fro(xp, HL), 1.0)
            d_trial = (0.5 - beta) * eta2 / ((1.0 + eta1 + eta2) * ups * ups * psi * psi)
            delta = max(min(delta, d_trial), delta_min)
            K = xp.concat([xp.concat([B, G.T], axis=1), xp.concat([G, zeros_mm], axis=1)], axis=0)
            b = -xp.concat([gL, c])
            bn, Kn = norm(xp, b), fro(xp, K)
            row_norms2 = xp.sum(K * K, axis=1)
            z = xp.zeros((n + m,), dtype=x.dtype, device=dev)
            r = -b
            Hdir = HL if exact else H
            inner = 0
            while True:
                thr = theta * delta * bn / (Kn * psi)  # ||K|| Psi ||r|| <= theta delta ||b||
                z, r, steps, ok = _sketch_solve(K, b, z, r, thr, max_inner, rng, gaussian, bd, row_norms2)
                inner += steps
                n_capped += 0 if ok else 1
                slope = float(_merit_gradient(gL, c, G, Hdir, eta1, eta2, xp) @ z)
                if eta1 > 1e8 or eta2 < 1e-8:
                    break
                if slope > -0.5 * eta2 * bn * bn:  # not a sufficient descent direction: raise the penalties
                    eta1 *= nu * nu
                    eta2 /= nu
                    d_trial = (0.5 - beta) * eta2 / ((1.0 + eta1 + eta2) * ups * ups * psi * psi)
                    delta = max(min(delta / (nu * nu * nu * nu), d_trial), delta_min)
                    n_pen += 1
                    continue
                break
            oracle.n_matvec += 2 * inner
            dx, dl = z[:n], z[n:]
            m0 = f + float(lam @ c) + 0.5 * eta1 * float(c @ c) + 0.5 * eta2 * float(gL @ gL)
            alpha = 1.0
            accepted = None
            for _ in range(max_backtracks + 1):
                xt, lt = x + alpha * dx, lam + alpha * dl
                try:
                    mt, ev = _merit(oracle, xt, lt, eta1, eta2)
                except NonFiniteOracleValue:
                    mt, ev = math.inf, None
                if mt <= m0 + alpha * beta * slope:
                    accepted = (xt, lt, ev)
                    break
                alpha *= 0.5
            if accepted is None:
                status = SQPStatus.LINE_SEARCH_FAILED
                break
            x, lam, (f, c, g, G, gL) = accepted
            hist["kkt"].append(math.hypot(norm(xp, gL), norm(xp, c)))
            hist["c"].append(norm(xp, c))
            hist["inner"].append(inner)
            hist["alpha"].append(alpha)
            hist["shift"].append(t)
            if notify(callback, iteration=k + 1, x=x, lam=lam, kkt_norm=hist["kkt"][-1], alpha=alpha,
                      inner_iterations=inner, eta1=eta1, eta2=eta2, delta=delta):
                status = SQPStatus.CALLBACK
                break
    except NonFiniteOracleValue:
        status = SQPStatus.NONFINITE
    return status, x, lam, f, hist, {"penalty": {"eta1": eta1, "eta2": eta2, "delta": delta}, "n_pen": n_pen,
                                     "n_capped": n_capped}
