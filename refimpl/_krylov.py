"""Shared Krylov methods: preconditioned conjugate gradients and Lanczos / stochastic Lanczos quadrature.

Written once against the array API namespace ``xp``; the operator is a callable ``matvec(X)`` on
arrays of any shape (grid tensors, vectors, stacks), so the same code serves the Kronecker GP
solves (:mod:`refimpl.gp.noisy`) and, later, Newton-CG/Steihaug and block-coordinate updates.

* :func:`pcg` — preconditioned CG (Saad 2003, *Iterative methods for sparse linear systems*,
  Alg. 9.1) [V: textbook recurrence]. Inner products are sums over every axis.
* :func:`lanczos` — the symmetric Lanczos three-term recurrence run on k probes at once (probe axis
  last), optionally fully reorthogonalised; returns the tridiagonal coefficients (Golub & Van Loan,
  *Matrix computations*, 4th ed., Alg. 10.1.1) [V].
* :func:`slq_quadrature` — Gauss quadrature of zᵀ f(A) z from the Lanczos tridiagonals (Ubaru,
  Chen & Saad 2017, *Fast estimation of tr(f(A)) via stochastic Lanczos quadrature*, SIAM J.
  Matrix Anal. Appl. 38(4), Alg. 1) [V]. The small tridiagonal eigenproblems go to the host once,
  at the end.

No host round trip per step: step lengths stay device scalars; the stopping test (one boolean)
is read back once every ``check_every`` iterations, and iterations after the stopping point are
frozen (their step length is masked to 0), so the result does not depend on ``check_every``.
A ``callback`` needs the residual norm on the host, so with a callback the test runs every step.
The price of the deferred test is up to ``check_every − 1`` wasted operator applications after the
stopping point (counted in ``n_matvec``; the example below converges in 2 steps and applies A 4 times).

Breakdown is a status, never a division by zero: pᵀAp ≤ 0 (an indefinite or singular operator, or
an indefinite preconditioner) stops CG with ``BREAKDOWN``; a NaN or infinite pᵀAp, ρ = rᵀz or
residual with ``NONFINITE``. Statuses are the standard :class:`refimpl._iterative.Status`.

Examples
--------
>>> import numpy as np
>>> from refimpl._krylov import pcg
>>> A = np.array([[4.0, 1.0], [1.0, 3.0]])
>>> res = pcg(lambda x: A @ x, np.array([1.0, 2.0]), rtol=1e-12)
>>> res.status.name, bool(np.allclose(A @ res.x, [1.0, 2.0])), res.n_iter, res.n_matvec
('CONVERGED', True, 2, 4)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import Status, check_callback, notify
from refimpl._results import Result
from refimpl.backends import array_library, to_numpy

__all__ = ["CGResult", "LanczosResult", "lanczos", "pcg", "slq_quadrature"]

Array = Any


def _namespace(x, xp=None):
    """The array namespace of ``x``: ``xp`` if given, else the active backend's when ``x`` is one of
    its arrays, else array_api_compat's."""
    if xp is not None:
        return xp
    from refimpl.backends import get_backend

    be = get_backend()
    try:
        if be.library == array_library(x):
            return be.xp
    except AttributeError:
        pass
    import array_api_compat

    return array_api_compat.array_namespace(x)


def _host_float(x) -> float:
    return float(np.asarray(to_numpy(x), dtype=np.float64))


@dataclass(frozen=True, kw_only=True)
class CGResult(Result):
    """Result of :func:`pcg`.

    Attributes
    ----------
    x : array
        The last accepted iterate (same namespace, shape and dtype as ``b``).
    n_iter : int
        Iterations whose step was accepted (each one operator application).
    n_matvec : int
        Operator applications actually performed (≥ ``n_iter``: up to ``check_every − 1`` frozen
        iterations run after the stopping point before it is read back).
    residual_norms : numpy.ndarray
        ‖r_k‖ (recursively updated residual, 2-norm over all entries) after each accepted step.
    b_norm : float
        ‖b‖.
    """

    x: Any
    n_iter: int
    n_matvec: int
    residual_norms: np.ndarray
    b_norm: float


def pcg(matvec: Callable[[Array], Array], b: Array, *, precond: Callable[[Array], Array] | None = None,
        x0: Array | None = None, rtol: float = 1e-10, atol: float = 0.0, max_iter: int | None = None,
        callback=None, check_every: int = 4, xp=None) -> CGResult:
    """Preconditioned conjugate gradients for A x = b, A symmetric positive definite.

    Stops when ‖r_k‖ ≤ max(atol, rtol·‖b‖) (Saad 2003, Alg. 9.1; the recursively updated residual).

    Parameters
    ----------
    matvec : callable
        X ↦ A X on arrays shaped like ``b``.
    b : array, any shape
        Right-hand side; inner products sum over every axis.
    precond : callable, optional
        X ↦ M⁻¹ X for a symmetric positive definite preconditioner M.
    x0 : array, optional
        Starting iterate (default 0).
    rtol, atol : float >= 0
        Relative (to ‖b‖) and absolute residual tolerances.
    max_iter : int, optional
        Iteration cap (default ``10 * b.size``, as SciPy).
    callback : callable, optional
        Called once per iteration with an IterationState carrying ``iteration``, ``x`` and
        ``residual_norm`` (a float); returning True stops with ``CALLBACK``. With a callback the
        stopping test is read every step.
    check_every : int
        Read the stopping test back to the host once every this many iterations.
    xp : namespace, optional
        The array namespace of ``b`` (default: inferred).

    Returns
    -------
    CGResult
        ``status``: ``CONVERGED``, ``MAX_ITER``, ``BREAKDOWN`` (pᵀAp ≤ 0 or ρ = rᵀM⁻¹r ≤ 0),
        ``NONFINITE`` or ``CALLBACK``.
    """
    if not callable(matvec):
        raise TypeError(f"matvec must be callable; got {type(matvec).__name__}")
    if precond is not None and not callable(precond):
        raise TypeError(f"precond must be None or callable; got {type(precond).__name__}")
    callback = check_callback(callback)
    rtol = v.check_positive(rtol, "rtol", strict=False)
    atol = v.check_positive(atol, "atol", strict=False)
    check_every = 1 if callback is not None else v.check_int(check_every, "check_every", low=1)
    xp = _namespace(b, xp)
    size = int(np.prod(tuple(b.shape))) if b.ndim else 1
    max_iter = 10 * max(size, 1) if max_iter is None else v.check_int(max_iter, "max_iter", low=1)

    def dot(a, c):
        return xp.sum(a * c)

    b_norm = _host_float(xp.sqrt(dot(b, b)))
    if not np.isfinite(b_norm):
        return CGResult(status=Status.NONFINITE, x=xp.zeros_like(b), n_iter=0, n_matvec=0,
                        residual_norms=np.zeros(0), b_norm=b_norm)
    tol = max(atol, rtol * b_norm)
    n_matvec = 0
    if x0 is None:
        x = xp.zeros_like(b)
        r = b
    else:
        x = x0
        r = b - matvec(x)
        n_matvec += 1
    r0 = _host_float(xp.sqrt(dot(r, r)))
    if r0 <= tol:
        return CGResult(status=Status.CONVERGED, x=x, n_iter=0, n_matvec=n_matvec, residual_norms=np.zeros(0),
                        b_norm=b_norm)
    z = precond(r) if precond is not None else r
    p = z
    rz = dot(r, z)
    zero = xp.zeros_like(rz)
    one = xp.ones_like(rz)
    active = rz == rz                      # True (on the device) unless rz is NaN
    flag = xp.zeros_like(rz)               # 0 running, 1 converged, 2 breakdown, 3 non-finite
    history = []
    status = Status.MAX_ITER
    n_iter = 0
    for k in range(1, max_iter + 1):
        Ap = matvec(p)
        n_matvec += 1
        pAp = dot(p, Ap)
        finite = xp.isfinite(pAp) & xp.isfinite(rz)
        ok = active & finite & (pAp > 0) & (rz > 0)
        flag = xp.where(active & ~finite, 3 * one, flag)
        flag = xp.where(active & finite & ~((pAp > 0) & (rz > 0)), 2 * one, flag)
        a = xp.where(ok, rz / xp.where(ok, pAp, one), zero)              # step length (masked)
        x = x + a * p
        r = r - a * Ap
        rnorm = xp.sqrt(dot(r, r))
        history.append(xp.where(ok, rnorm, -one))                      # −1 marks a frozen step
        nonfin = ok & ~xp.isfinite(rnorm)
        flag = xp.where(nonfin, 3 * one, flag)
        conv = ok & (rnorm <= tol)
        flag = xp.where(conv, one, flag)
        active = ok & ~conv & ~nonfin
        z = precond(r) if precond is not None else r
        rz_new = dot(r, z)
        beta = xp.where(active, rz_new / xp.where(active, rz, one), zero)
        p = xp.where(active, z + beta * p, p)
        rz = xp.where(active, rz_new, rz)
        stop = False
        if callback is not None:
            if notify(callback, iteration=k, x=x, residual_norm=_host_float(rnorm)):
                stop = True
        if stop or k % check_every == 0 or k == max_iter:
            f = int(_host_float(flag))
            if f or stop:
                status = {1: Status.CONVERGED, 2: Status.BREAKDOWN, 3: Status.NONFINITE}.get(f, Status.CALLBACK)
                if stop and f == 0:
                    status = Status.CALLBACK
                break
    hist = np.asarray(to_numpy(xp.stack(history)), dtype=np.float64) if history else np.zeros(0)
    hist = hist[hist >= 0]
    n_iter = int(hist.size)
    return CGResult(status=status, x=x, n_iter=n_iter, n_matvec=n_matvec, residual_norms=hist, b_norm=b_norm)


@dataclass(frozen=True, kw_only=True)
class LanczosResult(Result):
    """Result of :func:`lanczos`: the Lanczos tridiagonals T_m of every probe (host arrays).

    Attributes
    ----------
    alphas : numpy.ndarray, shape (m, k)
        Diagonals of T_m (one column per probe).
    betas : numpy.ndarray, shape (m − 1, k)
        Off-diagonals (0 after an invariant subspace was found for that probe).
    n_iter : int
        Lanczos steps m.
    n_matvec : int
        Operator applications (each on all k probes at once).
    norms : numpy.ndarray, shape (k,)
        ‖z‖ of each starting probe (quadrature weights scale with ‖z‖²).
    """

    alphas: np.ndarray
    betas: np.ndarray
    n_iter: int
    n_matvec: int
    norms: np.ndarray


def lanczos(matvec: Callable[[Array], Array], Z: Array, n_steps: int, *, reorthogonalize: bool = False,
            breakdown_rtol: float = 1e-13, xp=None) -> LanczosResult:
    """Symmetric Lanczos on k probes at once (probe axis last).

    Parameters
    ----------
    matvec : callable
        X ↦ A X on arrays shaped like ``Z`` (A acts on every axis but the last).
    Z : array, shape (..., k)
        Starting vectors (one per trailing index); not normalised.
    n_steps : int
        Lanczos steps m (at most the dimension of the operator).
    reorthogonalize : bool
        Full reorthogonalisation against every previous Lanczos vector (memory m·size(Z)).
    breakdown_rtol : float
        A probe's recurrence stops (β set to 0: an invariant subspace was found, and the
        quadrature is then exact) when β_i ≤ breakdown_rtol · ‖A q_1‖ for that probe. This relative
        test replaces the absolute ``1e-13`` of earlier versions.
    xp : namespace, optional
        The array namespace of ``Z`` (default: inferred).

    Returns
    -------
    LanczosResult
        ``status``: ``COMPLETED`` (ran m steps), ``CONVERGED`` (every probe found an invariant
        subspace before m steps) or ``NONFINITE``.
    """
    if not callable(matvec):
        raise TypeError(f"matvec must be callable; got {type(matvec).__name__}")
    n_steps = v.check_int(n_steps, "n_steps", low=1)
    breakdown_rtol = v.check_positive(breakdown_rtol, "breakdown_rtol", strict=False)
    xp = _namespace(Z, xp)
    axes = tuple(range(Z.ndim - 1))
    dim = int(np.prod(tuple(Z.shape[:-1])))
    m = min(n_steps, dim)
    norms = xp.sqrt(xp.sum(Z * Z, axis=axes))
    q = Z / norms
    basis = [q] if reorthogonalize else None
    q_prev, beta = None, None
    alphas, betas = [], []
    scale = None
    all_dead = False
    n_matvec = 0
    for i in range(m):
        W = matvec(q)
        n_matvec += 1
        if scale is None:
            scale = xp.sqrt(xp.sum(W * W, axis=axes))
        a = xp.sum(W * q, axis=axes)
        W = W - a * q
        if q_prev is not None:
            W = W - beta * q_prev
        if reorthogonalize:
            for U in basis:
                W = W - xp.sum(U * W, axis=axes) * U
        alphas.append(a)
        if i == m - 1:
            break
        beta = xp.sqrt(xp.sum(W * W, axis=axes))
        alive = beta > breakdown_rtol * scale
        if i > 0:
            alive = alive & (betas[-1] > 0)
        beta = xp.where(alive, beta, xp.zeros_like(beta))
        betas.append(beta)
        q_prev, q = q, xp.where(alive, W / xp.where(alive, beta, xp.ones_like(beta)), xp.zeros_like(W))
        if reorthogonalize:
            basis.append(q)
    A = np.asarray(to_numpy(xp.stack(alphas)), dtype=np.float64)            # one transfer each, at the end
    B = (np.asarray(to_numpy(xp.stack(betas)), dtype=np.float64) if betas
         else np.zeros((0, A.shape[1])))
    if B.shape[0]:
        all_dead = bool(np.all(B[-1] == 0))
    nrm = np.asarray(to_numpy(norms), dtype=np.float64)
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(B)) and np.all(np.isfinite(nrm))):
        status = Status.NONFINITE
    elif all_dead and m > 1:
        status = Status.CONVERGED
    else:
        status = Status.COMPLETED
    return LanczosResult(status=status, alphas=A, betas=B, n_iter=m, n_matvec=n_matvec, norms=nrm)


def slq_quadrature(lz: LanczosResult, f: Callable[[np.ndarray], np.ndarray] = np.log) -> np.ndarray:
    """Gauss-quadrature estimates zᵀ f(A) z ≈ ‖z‖² Σ_k (e₁ᵀ s_k)² f(θ_k) per probe (host).

    (θ_k, s_k) are the eigenpairs of each probe's tridiagonal T_m (Ubaru, Chen & Saad 2017, Alg. 1);
    after a breakdown the decoupled trailing block has zero weight and is ignored. For ``f = log``
    Ritz values are floored at the smallest positive normal number (round-off only: Ritz values of
    a positive definite operator are positive).

    Returns
    -------
    numpy.ndarray, shape (k,)
    """
    A, B = lz.alphas, lz.betas
    k = A.shape[1]
    est = np.empty(k)
    for c in range(k):
        T = np.diag(A[:, c]) + np.diag(B[:, c], 1) + np.diag(B[:, c], -1)
        theta, S = np.linalg.eigh(T)
        w2 = S[0, :] ** 2
        keep = w2 > 0
        th = theta[keep]
        if f is np.log:
            th = np.maximum(th, np.finfo(np.float64).tiny)
        est[c] = lz.norms[c] ** 2 * np.sum(w2[keep] * f(th))
    return est
