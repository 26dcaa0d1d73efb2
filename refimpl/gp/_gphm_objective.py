"""GP-HM's objective on the backend: grid setup, per-axis kernel factors, the negative log joint and
its analytic gradient, and the conditional-mean prediction (Fang et al. 2024, eqs. 13-14).

Private module shared by :mod:`refimpl.gp.gphm` (training driver) and :mod:`refimpl.gp.fixed_kernel`
(the fixed-kernel solve). Provenance: [R] reconstructed from the authors' JAX code (the paper's full
text was not available), [V] gradients checked against central differences and the objective
against an independent dense implementation in ``tests/gp/test_gphm.py``.
"""
from __future__ import annotations

import math
import time
from typing import Any, NamedTuple

import numpy as np

from refimpl import _validate as v
from refimpl.backends import linalg
from refimpl.gp._checks import _unfold
from refimpl.gp.kernels import MaternCosine, SpectralMixture
from refimpl.gp.problems import PDEProblem, _mesh

Array = Any

# --------------------------------------------------------------------------------------------------
# the objective (Fang et al. 2024, eq. 14) on the backend
# --------------------------------------------------------------------------------------------------


def _diag_sums(xp, W):
    """S[k] = Σ_{a − b = k − (n − 1)} W[a, b], k = 0..2n−2 (sums along the diagonals of W).

    Flip the columns so diagonals become anti-diagonals, pad with n zero columns, and re-read the
    buffer with row length 2n − 1: entry (a, b') lands in column a + b'.
    """
    n = W.shape[0]
    Wf = xp.flip(W, axis=1)
    Z = xp.concat([Wf, xp.zeros_like(Wf)], axis=1)
    Z = xp.reshape(Z, (-1,))[: n * (2 * n - 1)]
    return xp.sum(xp.reshape(Z, (n, 2 * n - 1)), axis=0)


def _terms(problem):
    """Derivative terms of the residual operator: list of (axis, order, coefficient)."""
    if problem.operator == "advection":
        return [(0, 1, problem.beta), (1, 1, 1.0)]
    return [(j, 2, 1.0) for j in range(problem.d)]


class _Setup:
    """Everything fixed during training, on the backend (grid lags, Toeplitz index, data)."""

    def __init__(self, bd, problem, kernels, jitter, lam_b, n_test):
        xp = bd.xp
        self.bd, self.xp, self.problem = bd, xp, problem
        self.kernels = list(kernels)
        self.jitter, self.lam_b = jitter, lam_b
        self.terms = _terms(problem)
        self.orders = sorted({m for _, m, _ in self.terms})
        grid = problem.grid()
        self.N = math.prod(problem.n)
        self.lags, self.idx, self.eye = [], [], []
        for z, n in zip(grid, problem.n):
            h = z[1] - z[0]
            self.lags.append(bd.asarray((np.arange(2 * n - 1) - (n - 1)) * h))
            a = np.arange(n)
            self.idx.append(bd.asarray(a[:, None] - a[None, :] + (n - 1), dtype=xp.int64))
            self.eye.append(xp.eye(n, dtype=xp.float64, device=bd.backend.device))
        mesh = _mesh(grid)
        G = np.array(np.broadcast_to(problem.solution(mesh), problem.n), dtype=float)
        self.f = bd.asarray(np.array(np.broadcast_to(problem.forcing(mesh), problem.n), dtype=float))
        # boundary: the faces of every axis; corners / edges counted once per face (2-D code: twice)
        mult = np.zeros(problem.n)
        for j in range(problem.d):
            sl = [slice(None)] * problem.d
            for end in (0, -1):
                sl[j] = end
                mult[tuple(sl)] += 1.0
        self.N_b = float(mult.sum())
        self.mult = bd.asarray(mult)
        self.G = bd.asarray(G)
        # test grid (as the authors' code): n_test equispaced points per axis
        self.test = [np.linspace(0.0, L, n_test) for L in problem.lengths]
        u_test = np.broadcast_to(problem.solution(_mesh(self.test)), (n_test,) * problem.d)
        self.u_test = bd.asarray(np.array(u_test, dtype=float))
        self.test_lags = [bd.asarray(t[:, None] - z[None, :]) for t, z in zip(self.test, grid)]

    def toeplitz(self, vals, j):
        n = self.problem.n[j]
        return self.xp.reshape(self.xp.take(vals, self.xp.reshape(self.idx[j], (-1,)), axis=0), (n, n))


class _AxisFactor(NamedTuple):
    """One axis' kernel matrices: K_j (jittered), {order: K_j^{(m)}}, K_j^{-1}, log|K_j|, lag gradients."""

    K: Any
    Km: dict
    Kinv: Any
    logdet: Any
    lag_grads: dict


def _factors(S, thetas, timer, grad=False):
    """Per axis: K_j (jittered), K_j^{(m)} per order, K_j^{-1}, log|K_j| (Cholesky), and the per-lag
    parameter gradients {order: (2n_j − 1, p_j)} when ``grad``."""
    xp = S.xp
    out = []
    for j, (kern, th) in enumerate(zip(S.kernels, thetas)):
        t0 = time.perf_counter()
        lag_vals, lag_grads = {}, {}
        if grad:
            for m, (val, g) in kern.values_and_gradients(xp, S.lags[j], th, [0] + S.orders).items():
                lag_vals[m], lag_grads[m] = val, g
        else:
            for m in [0] + S.orders:
                lag_vals[m] = kern.evaluate(xp, S.lags[j], th, m)
        K = S.toeplitz(lag_vals[0], j) + S.jitter * S.eye[j]
        Km = {m: S.toeplitz(lag_vals[m], j) for m in S.orders}
        t1 = time.perf_counter()
        L = linalg.cholesky(K, check_finite=False)   # NaN K (a diverged step) -> NotPositiveDefiniteError
        Kinv = linalg.cho_solve(L, S.eye[j], check_finite=False)
        logdet = 2.0 * xp.sum(xp.log(xp.linalg.diagonal(L)))
        timer["kernel"] += t1 - t0
        timer["factor"] += time.perf_counter() - t1
        out.append(_AxisFactor(K, Km, Kinv, logdet, lag_grads))
    return out


def _objective(S, U, thetas, s, grad=True, timer=None):
    """𝒥 (negative eq. 14) and (optionally) its analytic gradient [∂U, ∂θ_1..∂θ_d, ∂s]."""
    xp = S.xp
    mp = linalg.mode_product
    timer = timer if timer is not None else {"kernel": 0.0, "factor": 0.0, "modes": 0.0}
    d, N = S.problem.d, S.N
    facs = _factors(S, thetas, timer, grad=grad)
    t0 = time.perf_counter()
    # A_j = U ×_j K_j^{-1};  α = U ×_1 K_1^{-1} ⋯ ×_d K_d^{-1} = K^{-1}u
    A = [mp(U, facs[j].Kinv, j) for j in range(d)]
    alpha = A[0]
    for j in range(1, d):
        alpha = mp(alpha, facs[j].Kinv, j)
    # eq. (13): ∂^m u/∂x_j^m = U ×_j (K_j^{(m)} K_j^{-1}) = A_j ×_j K_j^{(m)}
    resid = -S.f
    for j, m, c in S.terms:
        resid = resid + c * mp(A[j], facs[j].Km[m], j)
    if S.problem.operator == "allen_cahn":
        resid = resid + U * (U * U - 1.0)
    tau1, tau2 = xp.exp(s[0]), xp.exp(s[1])
    bres = U - S.G
    Eb = xp.sum(S.mult * bres * bres)               # ‖B u − g‖²
    Er = xp.sum(resid * resid)                       # ‖𝒫[U] − f‖²
    logdetK = sum((N / S.problem.n[j]) * facs[j].logdet for j in range(d))   # log|⊗K_j| = Σ (N/n_j) log|K_j|
    J = (0.5 * logdetK + 0.5 * xp.sum(U * alpha)
         - S.lam_b * (0.5 * S.N_b * s[0] - 0.5 * tau1 * Eb)
         - (0.5 * N * s[1] - 0.5 * tau2 * Er))
    if not grad:
        timer["modes"] += time.perf_counter() - t0
        return J, None
    # ∂𝒥/∂U = α + λ_b τ₁ Bᵀ(Bu − g) + τ₂ Σ_t c_t r ×_j (K_j^{-1} K_j^{(m)ᵀ}) + τ₂ 𝒫_u ⊙ r
    gU = alpha + (S.lam_b * tau1) * (S.mult * bres)
    betas = []
    for j, m, c in S.terms:
        Kmt = xp.permute_dims(facs[j].Km[m], (1, 0))
        b = mp(mp(resid, Kmt, j), facs[j].Kinv, j)
        betas.append(b)
        gU = gU + (tau2 * c) * b
    if S.problem.operator == "allen_cahn":
        gU = gU + tau2 * (3.0 * U * U - 1.0) * resid
    # kernel parameters: ∂𝒥/∂θ = Σ ∂K W^K + Σ_m Σ ∂K^{(m)} W^{(m)}   (d-D form)
    gth = []
    for j in range(d):
        Aj = _unfold(xp, A[j], j)
        AjT = xp.permute_dims(Aj, (1, 0))
        # W^K = (N/2n_j) K_j^{-1} + (−½ α − τ₂ Σ_t c_t β_t)_(j) A_(j)ᵀ   (one GEMM for both terms)
        # W^{(m)} = τ₂ Σ_t c_t r_(j) A_(j)ᵀ                                  (terms t acting on axis j)
        left = -0.5 * alpha
        Wm = {}
        for (jj, m, c), b in zip(S.terms, betas):
            if jj != j:
                continue
            left = left - (tau2 * c) * b
            Wm[m] = Wm.get(m, 0.0) + tau2 * c
        WK = (0.5 * N / S.problem.n[j]) * facs[j].Kinv + _unfold(xp, left, j) @ AjT
        if Wm:
            RA = _unfold(xp, resid, j) @ AjT
            Wm = {m: coef * RA for m, coef in Wm.items()}
        lag_grads = facs[j].lag_grads
        g = _diag_sums(xp, WK) @ lag_grads[0]
        for m, W in Wm.items():
            g = g + _diag_sums(xp, W) @ lag_grads[m]
        gth.append(g)
    gs = xp.stack([-S.lam_b * (0.5 * S.N_b - 0.5 * tau1 * Eb), -(0.5 * N - 0.5 * tau2 * Er)])
    timer["modes"] += time.perf_counter() - t0
    return J, [gU] + gth + [gs]


def _predict(S, U, thetas):
    """Û* = U ×_1 (K_{*1} K_1^{-1}) ⋯ ×_d (K_{*d} K_d^{-1}) on the test grid (eq. 13 with m = 0)."""
    return _predict_at(S, U, thetas, S.test_lags)


def _predict_at(S, U, thetas, test_lags):
    xp = S.xp
    out = U
    for j, (kern, th) in enumerate(zip(S.kernels, thetas)):
        K = S.toeplitz(kern.evaluate(xp, S.lags[j], th, 0), j) + S.jitter * S.eye[j]
        Kinv = linalg.cho_solve(linalg.cholesky(K, check_finite=False), S.eye[j], check_finite=False)
        Kst = kern.evaluate(xp, test_lags[j], th, 0)
        out = linalg.mode_product(out, Kst @ Kinv, j)
    return out


def _rel_l2(S, U, thetas):
    xp = S.xp
    e = _predict(S, U, thetas) - S.u_test
    den = float(xp.sum(S.u_test * S.u_test))
    num = float(xp.sum(e * e))
    if den == 0.0:                       # the exact solution vanishes on the test grid: absolute error
        return math.sqrt(num)
    return math.sqrt(num / den)


class _PredictSetup:
    """The part of :class:`_Setup` prediction needs: grid lags, Toeplitz index, identity (no data)."""

    def __init__(self, bd, problem, kernels, jitter):
        xp = bd.xp
        self.bd, self.xp, self.problem = bd, xp, problem
        self.kernels, self.jitter = list(kernels), jitter
        self.lags, self.idx, self.eye = [], [], []
        for z, n in zip(problem.grid(), problem.n):
            h = z[1] - z[0]
            self.lags.append(bd.asarray((np.arange(2 * n - 1) - (n - 1)) * h, dtype=xp.float64))
            a = np.arange(n)
            self.idx.append(bd.asarray(a[:, None] - a[None, :] + (n - 1), dtype=xp.int64))
            self.eye.append(xp.eye(n, dtype=xp.float64, device=bd.backend.device))

    toeplitz = None  # set below (shared with _Setup)


_PredictSetup.toeplitz = _Setup.toeplitz


def _check_problem(problem):
    if not isinstance(problem, PDEProblem):
        raise TypeError(f"problem must be a PDEProblem (see gphm_problem); got {type(problem).__name__}")
    v.check_choice(problem.operator, "problem.operator", ("poisson", "allen_cahn", "advection"))
    if problem.operator == "advection" and problem.d != 2:
        raise ValueError("the advection operator needs a 2-D problem (x, t)")


def _check_kernels(kernels, d):
    if not isinstance(kernels, (list, tuple)) or len(kernels) != d or not all(isinstance(k, (MaternCosine, SpectralMixture)) for k in kernels):
        raise TypeError(f"kernels must be {d} MaternCosine / SpectralMixture kernels (one per axis)")
    return list(kernels)
