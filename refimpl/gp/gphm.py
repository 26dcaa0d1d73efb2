"""GP-HM: Gaussian-process solver for high-frequency and multi-scale PDEs (Fang et al., ICLR 2024).

Fang, Cooley, Long, Li, Kirby, Zhe (2024), *Solving High Frequency and Multi-Scale PDEs with
Gaussian Processes*, ICLR, arXiv:2311.04465; authors' JAX code
``xuangu-fang/Gaussian-Process-Slover-for-High-Freq-PDE`` (HEAD 6b978f1). The paper's full text was
not available when this module was written, so the equations are [R] reconstructed from the
authors' code and cited by the paper's numbering as the code implements them: eq. (6) spectral
mixture → kernel, eq. (13) derivatives from the conditional mean, eq. (14) the log joint that
training maximises. [V] the analytic gradients are checked against central differences, and the
100-step smoke runs against the authors' logs (0.2756 in 1-D, 0.4676 in 2-D).

What this module implements
---------------------------
* the solution values U on a full tensor grid are free parameters with prior vec(U) ~ N(0, K),
  K = ⊗_j (K_j + εI) (per-factor jitter ε = 1e-6, as the code);
* solution derivatives on the grid by kernel differentiation of the conditional mean (eq. 13):
  ∂^m u/∂x_j^m = U ×_j (K_j^{(m,0)} K_j^{-1}), with closed-form κ^{(m)} (no autodiff through |τ|);
* the objective 𝒥 (negative eq. 14) and its analytic gradient in U, every kernel
  parameter and the log-precisions s₁, s₂;
* Adam (lr 0.01, β = 0.9/0.999, ε = 1e-8, optax's defaults as the authors' code), the authors'
  deterministic initialisation, the final-iterate and best-checkpoint relative L2 errors on a
  300-per-axis test grid;
* the "fixed-kernel ceiling" linear solve (ours [R]) lives in :mod:`refimpl.gp.fixed_kernel`; the
  objective, its gradient and the prediction in the private :mod:`refimpl.gp._gphm_objective`.

On a uniform axis K_j, K_j^{(2,0)} are symmetric Toeplitz and K_j^{(1,0)} skew-Toeplitz: the kernel
is evaluated at the 2n_j − 1 distinct lags only, the matrices are gathered from that vector, and
parameter gradients sum the weight matrices along their diagonals before one small GEMV.

Notation
--------
==================  ==============================================================================
U                   solution values on the grid, shape (n_1, …, n_d), N = Π n_j
K_j, K_j^{(m)}      κ_j(z_a − z_b) + εδ_ab and κ_j^{(m)}(z_a − z_b) on axis j
D_j^{(m)}           K_j^{(m)} K_j^{-1}, the learned differentiation matrix
A_j                 U ×_j K_j^{-1};  α = U ×_1 K_1^{-1} ⋯ ×_d K_d^{-1} = K^{-1} u
𝒫[U], f, r          PDE operator on the grid, forcing, residual r = 𝒫[U] − f
B, g, N_b           boundary selection (faces of every axis; 2-D corners counted twice), data, count
s₁, s₂; τ = e^s     log-precisions of the boundary and residual likelihoods
λ_b                 boundary weight (``llk_weight``; 200, advection 500)
Q, F                mixture components per axis and the initial frequency range (freq_scale)
==================  ==============================================================================
"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, to_numpy
from refimpl.backends.linalg import NotPositiveDefiniteError
from refimpl.gp._checks import _check_flag
from refimpl.gp._gphm_objective import (_check_kernels, _check_problem, _objective, _predict_at, _PredictSetup,
                                       _rel_l2, _Setup)
from refimpl.gp.fixed_kernel import FixedKernelResult, FixedKernelStatus, fixed_kernel_solve
from refimpl.gp.kernels import Kernel1D, MaternCosine, SpectralMixture
from refimpl.gp.problems import GPHM_PROBLEMS, AliasingWarning, PDEProblem, _check_aliasing, gphm_problem

__all__ = [
    "FixedKernelResult",
    "FixedKernelStatus",
    "GPHMResult",
    "GPHMStatus",
    "fixed_kernel_solve",
    "gphm_init_kernels",
    "gphm_objective",
    "gphm_predict",
    "gphm_solve",
    # re-exported from refimpl.gp.fixed_kernel and refimpl.gp.problems
    "AliasingWarning",
    "GPHM_PROBLEMS",
    "PDEProblem",
    "gphm_problem",
]

logger = logging.getLogger(__name__)
Array = Any



def _adam_step(xp, p, g, m1, m2, it, lr, beta1, beta2, eps):
    """One Adam update (Kingma & Ba 2015, Alg. 1); returns (p, m1, m2)."""
    m1 = beta1 * m1 + (1 - beta1) * g
    m2 = beta2 * m2 + (1 - beta2) * g * g
    mhat = m1 / (1 - beta1**it)
    vhat = m2 / (1 - beta2**it)
    return p - lr * mhat / (xp.sqrt(vhat) + eps), m1, m2


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


@capabilities()
def gphm_init_kernels(d: int, kernel: str = "stm", Q: int = 30, freq_scale: float = 20.0) -> list:
    """The authors' deterministic initialisation (their code's defaults), one kernel per axis.

    ``"stm"`` (GP-HM-StM, Matérn-5/2×cos) and ``"gm"`` (GP-HM-GM, spectral mixture): w_q = 1/Q,
    ρ_q (resp. γ_q) = 1, μ_q = linspace(0, 1, Q)·F. ``"matern"`` / ``"se"`` (GP-Matern / GP-SE
    baselines): Q = 1, w = 1, scale 1, μ = 0 (μ is then frozen by :func:`gphm_solve`).

    Returns
    -------
    list of Kernel1D
    """
    v.check_choice(kernel, "kernel", ("stm", "gm", "matern", "se"))
    d = v.check_size(d, "d", limit=16, why="one kernel per axis of a tensor grid")
    if kernel not in ("matern", "se"):
        Q = v.check_size(Q, "Q", limit=10**4, why="mixture components per axis")
        freq_scale = v.check_positive(freq_scale, "freq_scale")
    return _init_kernels(d, kernel, Q, freq_scale)


def _init_kernels(d, kernel, Q, freq_scale):
    if kernel in ("matern", "se"):
        Q, mu = 1, np.zeros(1)
    else:
        mu = np.linspace(0.0, 1.0, Q) * freq_scale
    cls = MaternCosine if kernel in ("stm", "matern") else SpectralMixture
    return [cls(weights=np.full(Q, 1.0 / Q), scales=np.ones(Q), freqs=mu) for _ in range(d)]


@capabilities()
def gphm_objective(problem: PDEProblem, U: Array, kernels: Sequence[Kernel1D], s1: float, s2: float, *,
                   jitter: float = 1e-6, lam_b: float | None = None):
    """𝒥 (negative paper eq. 14 without constants) and its analytic gradient.

    .. math:: 𝒥 = \\tfrac12\\log|K| + \\tfrac12 u^\\top K^{-1}u
              - λ_b\\big[\\tfrac{N_b}2 s_1 - \\tfrac{e^{s_1}}2\\|Bu - g\\|^2\\big]
              - \\big[\\tfrac{N}2 s_2 - \\tfrac{e^{s_2}}2\\|𝒫[U] - f\\|^2\\big]

    with K = ⊗(K_j + εI) and 𝒫[U] built from U ×_j (K_j^{(m)}K_j^{-1}) (eq. 13).

    Parameters
    ----------
    problem : PDEProblem
    U : array, shape problem.n
        Upcast to float64: GP-HM needs it (cond(K_j) reaches 1e7–1e8 with the authors' jitter 1e-6).
    kernels : sequence of MaternCosine or SpectralMixture, one per axis
    s1, s2 : float
        Log-precisions of the boundary and residual terms.
    jitter : float >= 0
        Per-factor jitter ε (1e-6 in the authors' code); 0 adds none (a K_j that is not positive
        definite is then a ValueError).
    lam_b : float, optional
        Boundary weight (default ``problem.lam_b``).

    Returns
    -------
    J : float
    grads : dict
        ``"U"`` (array like U), ``"theta"`` (list of host vectors, each kernel's θ order),
        ``"s1"``, ``"s2"`` (floats).
    """
    _check_problem(problem)
    kernels = _check_kernels(kernels, problem.d)
    s1, s2 = v.check_real(s1, "s1"), v.check_real(s2, "s2")
    if U is None or isinstance(U, (str, bytes)):
        raise TypeError(f"U must be a numeric array of shape {problem.n}; got {type(U).__name__}")
    bd = Boundary(U)
    xp = bd.xp
    Ub = bd.asarray(v.check_array(U, "U", real=True), dtype=xp.float64, name="U")
    if tuple(Ub.shape) != tuple(problem.n):
        raise ValueError(f"U must have the problem's grid shape {problem.n}; got {tuple(Ub.shape)}")
    jitter = v.check_positive(jitter, "jitter", strict=False)
    lam_b = problem.lam_b if lam_b is None else v.check_positive(lam_b, "lam_b")
    S = _Setup(bd, problem, kernels, jitter, lam_b, n_test=2)
    thetas = [bd.asarray(k.theta, dtype=xp.float64) for k in kernels]
    s = bd.asarray(np.array([float(s1), float(s2)]), dtype=xp.float64)
    try:
        J, g = _objective(S, Ub, thetas, s)
    except NotPositiveDefiniteError as exc:
        raise ValueError(f"gphm_objective: a kernel matrix K_j + jitter*I is not positive definite for these "
                         f"kernel parameters ({exc}); increase jitter") from None
    gs = np.asarray(to_numpy(g[-1]), dtype=float)
    if not math.isfinite(float(J)):
        raise ValueError(f"gphm_objective: the objective is not finite ({float(J)}) at these inputs "
                         "(overflow in exp(s1), exp(s2) or the kernel)")
    return float(J), {"U": bd.out(g[0]), "theta": [np.asarray(to_numpy(t), dtype=float) for t in g[1:-1]],
                      "s1": float(gs[0]), "s2": float(gs[1])}


class GPHMStatus(StatusEnum):
    """Why :func:`gphm_solve` stopped.

    GP-HM has **no convergence test** (the authors run a fixed number of Adam steps), so
    ``MAX_ITER`` — ran ``max_iter`` iterations — is the normal, successful outcome.
    """

    MAX_ITER = "finished: ran max_iter Adam iterations (GP-HM has no convergence test)"
    NONFINITE = ("stopped: the objective or its gradient became non-finite, or a kernel matrix lost positive "
                 "definiteness (lower lr or raise jitter)")
    CALLBACK = "stopped: the callback asked to stop"
    __failures__ = ("NONFINITE",)


@dataclass(frozen=True, kw_only=True)
class GPHMResult(Result):
    """Result of :func:`gphm_solve`.

    Attributes
    ----------
    U : array
        Final solution values on the training grid (caller's library; NumPy by default).
    kernels : tuple of Kernel1D
        Final kernels (host parameters).
    s1, s2 : float
        Final log-precisions (τ₁ = e^{s1}, τ₂ = e^{s2}).
    rel_l2 : float
        Relative L2 error of the final iterate on the test grid.
    best_rel_l2 : float
        Smallest error over the checkpoints (the authors' reported "min_err"; test-set selection).
    best_iter : int
        Iteration of the best checkpoint.
    best_U : array
        Solution values at the best checkpoint.
    n_iter : int
        Adam iterations performed.
    loss_history : numpy.ndarray
        𝒥 at every iteration (before the update).
    checkpoint_iters, checkpoint_errors : numpy.ndarray
        Iterations and relative L2 errors of the checkpoints (the final iterate included).
    timings : dict
        Seconds spent in kernel evaluation, factorisations and mode products (host wall time).
    problem : PDEProblem
    jitter : float
    """

    U: Any
    kernels: tuple
    s1: float
    s2: float
    rel_l2: float
    best_rel_l2: float
    best_iter: int
    best_U: Any
    n_iter: int
    loss_history: np.ndarray
    checkpoint_iters: np.ndarray
    checkpoint_errors: np.ndarray
    timings: dict
    problem: PDEProblem
    jitter: float


@capabilities()
def gphm_solve(problem: PDEProblem, *, kernel: str = "stm", Q: int = 30, freq_scale: float | None = None,
               max_iter: int = 1000, lr: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
               adam_eps: float = 1e-8, eval_every: int | None = None, n_test: int = 300,
               jitter: float = 1e-6, lam_b: float | None = None,
               kernels: Sequence[Kernel1D] | None = None, callback=None) -> GPHMResult:
    """Train GP-HM with Adam on the negative log joint (Fang et al. 2024, eq. 14).

    Trainable: U (initialised at 0), every axis' kernel parameters (log w, log scale, μ; μ frozen
    for the ``"matern"`` / ``"se"`` baselines) and s₁, s₂ (initialised at 0). Adam as optax
    defaults (β₁ = 0.9, β₂ = 0.999, ε = 1e-8), constant learning rate, full batch. Deterministic.
    Always computes in float64 on the active backend (float32 is not viable: cond(K_j) reaches
    1e7–1e8 with jitter 1e-6). There is no convergence test: the run stops after ``max_iter``
    iterations with status ``MAX_ITER`` (a success), or earlier with ``NONFINITE`` / ``CALLBACK``.

    Parameters
    ----------
    problem : PDEProblem
        From :func:`gphm_problem` (or your own).
    kernel : {"stm", "gm", "matern", "se"}
        GP-HM-StM (default), GP-HM-GM, or the GP-Matern / GP-SE baselines.
    Q : int
        Mixture components per axis (30 in the configs).
    freq_scale : float, optional
        F of the initial μ range (default ``problem.freq_scale``).
    max_iter : int
        Adam iterations (all of them run: GP-HM has no convergence test).
    lr : float
        Learning rate (0.01 in the configs).
    beta1, beta2, adam_eps : float
        Adam's moment decay rates and denominator offset (optax defaults 0.9, 0.999, 1e-8).
    eval_every : int, optional
        Checkpoint spacing for the test error (default max_iter // 20, as the authors' code).
    n_test : int
        Test points per axis (300, as the authors' code).
    jitter : float >= 0
        Per-factor jitter ε (1e-6); 0 adds none (a K_j that is not positive definite then stops
        the run with NONFINITE or raises at the start).
    lam_b : float, optional
        Boundary weight (default ``problem.lam_b``).
    kernels : sequence of Kernel1D, optional
        Override the initial kernels (MaternCosine / SpectralMixture, one per axis).
    callback : callable, optional
        Called after every Adam step with an IterationState carrying ``iteration``, ``x`` (U,
        backend array), ``loss`` (𝒥 before the step, float) and ``s`` (the two log-precisions,
        backend array); return True to stop (status ``CALLBACK``).

    Returns
    -------
    GPHMResult

    Warns
    -----
    AliasingWarning
        The grid has fewer than 3 nodes per period of the solution's highest frequency.

    Examples
    --------
    >>> from refimpl.gp import gphm_problem, gphm_solve
    >>> res = gphm_solve(gphm_problem("poisson_1d-single_sin"), max_iter=100)   # ~2 s
    >>> round(res.rel_l2, 2)          # authors' log: 0.2756 (min over checkpoints)
    0.26
    """
    _check_problem(problem)
    max_iter = v.check_size(max_iter, "max_iter", limit=10**7, why="each iteration factorises every K_j")
    lr = v.check_positive(lr, "lr")
    beta1, beta2 = _check_unit(beta1, "beta1"), _check_unit(beta2, "beta2")
    adam_eps = v.check_positive(adam_eps, "adam_eps")
    callback = check_callback(callback)
    n_test = v.check_size(n_test, "n_test", low=2, limit=10**5, why="the test grid has n_test^d points")
    jitter = v.check_positive(jitter, "jitter", strict=False)
    lam_b = problem.lam_b if lam_b is None else v.check_positive(lam_b, "lam_b")
    F = problem.freq_scale if freq_scale is None else v.check_positive(freq_scale, "freq_scale")
    eval_every = max(1, max_iter // 20) if eval_every is None else v.check_int(eval_every, "eval_every", low=1)
    _check_aliasing(problem)
    v.check_choice(kernel, "kernel", ("stm", "gm", "matern", "se"))
    if kernel not in ("matern", "se"):
        Q = v.check_size(Q, "Q", limit=10**4, why="mixture components per axis")
    init = _init_kernels(problem.d, kernel, Q, F) if kernels is None else _check_kernels(kernels, problem.d)
    bd = Boundary()
    xp = bd.xp
    S = _Setup(bd, problem, init, jitter, lam_b, n_test)
    f64 = xp.float64
    params = ([xp.zeros(problem.n, dtype=f64, device=bd.backend.device)]
              + [bd.asarray(k.theta, dtype=f64) for k in init]
              + [xp.zeros((2,), dtype=f64, device=bd.backend.device)])
    masks = [None] * len(params)
    if kernel in ("matern", "se") and kernels is None:
        for j, k in enumerate(init):            # baselines: μ ≡ 0 is not trained
            mk = np.ones(k.n_params)
            mk[2 * k.Q:] = 0.0
            masks[1 + j] = bd.asarray(mk, dtype=f64)
    m1 = [xp.zeros_like(p) for p in params]
    m2 = [xp.zeros_like(p) for p in params]
    timer = {"kernel": 0.0, "factor": 0.0, "modes": 0.0}
    losses, ck_it, ck_err = [], [], []
    best = (math.inf, 0, params[0])
    status = GPHMStatus.MAX_ITER
    it = 0
    last_good = params
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # non-finite → NONFINITE below
        for it in range(1, max_iter + 1):
            try:
                J, grads = _objective(S, params[0], params[1:-1], params[-1], timer=timer)
            except NotPositiveDefiniteError:        # the last step made a K_j indefinite (e.g. lr = 1e308)
                J, grads = math.nan, None
            Jf = float(J)
            if not math.isfinite(Jf) or grads is None or not all(bool(xp.all(xp.isfinite(g))) for g in grads):
                status = GPHMStatus.NONFINITE
                it -= 1
                params = last_good
                break
            losses.append(Jf)
            last_good = params
            new = []
            for i, (p, g) in enumerate(zip(params, grads)):
                if masks[i] is not None:
                    g = g * masks[i]
                p, m1[i], m2[i] = _adam_step(xp, p, g, m1[i], m2[i], it, lr, beta1, beta2, adam_eps)
                new.append(p)
            params = new
            stop = notify(callback, iteration=it, x=params[0], loss=Jf, s=params[-1])
            if it % eval_every == 0 or it == max_iter or stop:
                try:
                    err = _rel_l2(S, params[0], params[1:-1])
                except NotPositiveDefiniteError:     # the step just taken broke a K_j
                    status, params = GPHMStatus.NONFINITE, last_good
                    break
                ck_it.append(it)
                ck_err.append(err)
                if err < best[0]:
                    best = (err, it, params[0])
                logger.debug("GP-HM iter %d: J = %.6g, rel. L2 = %.4g", it, Jf, err)
            if stop:
                status = GPHMStatus.CALLBACK
                break
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            final_err = _rel_l2(S, params[0], params[1:-1]) if it > 0 else math.nan
    except NotPositiveDefiniteError:
        final_err, status = math.nan, GPHMStatus.NONFINITE
    if not ck_it or ck_it[-1] != it:
        ck_it.append(it)
        ck_err.append(final_err)
        if final_err < best[0]:
            best = (final_err, it, params[0])
    s_host = np.asarray(to_numpy(params[-1]), dtype=float)
    kern_out = tuple(k.with_theta(np.asarray(to_numpy(t), dtype=float)) for k, t in zip(init, params[1:-1]))
    return GPHMResult(status=status, U=bd.out(params[0]), kernels=kern_out, s1=float(s_host[0]),
                      s2=float(s_host[1]), rel_l2=final_err, best_rel_l2=best[0], best_iter=best[1],
                      best_U=bd.out(best[2]), n_iter=it, loss_history=np.asarray(losses),
                      checkpoint_iters=np.asarray(ck_it, dtype=int), checkpoint_errors=np.asarray(ck_err),
                      timings=dict(timer), problem=problem, jitter=jitter)


def _check_unit(x, name):
    x = v.check_real(x, name)
    if not 0.0 <= x < 1.0:
        raise ValueError(f"{name} must be in [0, 1) (an Adam moment decay rate); got {x!r}")
    return x


@capabilities()
def gphm_predict(result: GPHMResult, test_grid: Sequence[Array], *, best: bool = False) -> Array:
    """Predict the solution on a test grid from a trained GP-HM (conditional mean, eq. 13 with m = 0).

    ``Û* = U ×_1 (K_{*1} K_1^{-1}) ⋯ ×_d (K_{*d} K_d^{-1})``, with ``K_{*j} = κ_j(x*_j − z^{(j)ᵀ})``.

    Parameters
    ----------
    result : GPHMResult
    test_grid : sequence of 1-D arrays (one per axis)
        Coordinates inside the problem's box, axis j in [0, L_j] (the solution is defined there).
    best : bool
        Use the best-checkpoint U (with the final kernels; the kernels are not checkpointed).

    Returns
    -------
    array of shape (m_1, …, m_d)

    Raises
    ------
    TypeError, ValueError
        ``result`` not a GPHMResult; ``test_grid`` not one real 1-D array per axis, or with
        coordinates outside the box; ``best`` not a bool.
    """
    if not isinstance(result, GPHMResult):
        raise TypeError(f"result must be a GPHMResult; got {type(result).__name__}")
    problem = result.problem
    if not isinstance(test_grid, (list, tuple)) or len(test_grid) != problem.d:
        raise ValueError(f"test_grid must be a list of {problem.d} 1-D coordinate arrays; got "
                         f"{type(test_grid).__name__}")
    best = _check_flag(best, "best")
    hosts = []
    for j, (t, L) in enumerate(zip(test_grid, problem.lengths)):
        t = v.check_array(t, f"test_grid[{j}]", ndim=1, real=True)
        lo, hi = float(np.min(to_numpy(t))), float(np.max(to_numpy(t)))
        tol = 1e-9 * L
        if lo < -tol or hi > L + tol:
            raise ValueError(f"test_grid[{j}] must lie in the problem's box [0, {L:g}] (axis {j}); got values in "
                             f"[{lo:.4g}, {hi:.4g}]")
        hosts.append(t)
    bd = Boundary(*test_grid)
    xp = bd.xp
    U = bd.asarray(result.best_U if best else result.U, dtype=xp.float64)
    ts = [bd.asarray(t, dtype=xp.float64, name=f"test_grid[{j}]") for j, t in enumerate(hosts)]
    S = _PredictSetup(bd, problem, result.kernels, result.jitter)
    test_lags = [t[:, None] - bd.asarray(z, dtype=xp.float64)[None, :] for t, z in zip(ts, problem.grid())]
    thetas = [bd.asarray(k.theta, dtype=xp.float64) for k in result.kernels]
    return bd.out(_predict_at(S, U, thetas, test_lags))
