"""Exact Gaussian-process regression on a Cartesian grid (Saatçi-style Kronecker inference).

Data Y live on a full tensor grid z^{(1)} × … × z^{(d)}; the kernel is a product of 1-D stationary
kernels κ_j (one per axis, :mod:`refimpl.gp.kernels`), so K = K_1 ⊗ … ⊗ K_d. With the per-factor
eigendecompositions every quantity of exact GP regression costs O(Σ n_j³ + N Σ n_j) time and
O(N + Σ n_j²) memory (Saatçi 2012, ch. 5):

* log marginal likelihood and its analytic gradient in every kernel hyperparameter and the noise;
* the predictive mean and latent variance on a (rectangular) test grid and at scattered points;
* hyperparameter fitting by L-BFGS-B (SciPy on the host; the objective runs on the active backend).

Notation
--------
==============  ===================================================================
z^{(j)}         training coordinates on axis j (n_j of them), N = Π n_j
Y               data tensor (n_1, …, n_d);  y = vec(Y) (C order)
K_j, Q_j, λ_j   factor j, its eigenvectors and eigenvalues;  Λ = λ_1 ∘ … ∘ λ_d
σ²              Gaussian noise variance;  α = (K + σ²I)^{-1} y (a grid tensor)
θ_j             hyperparameters of κ_j (log-domain, :mod:`refimpl.gp.kernels`)
K_{*j}          cross-covariance κ_j(x*_a − z_b) between test and training coordinates
==============  ===================================================================

References
----------
Saatçi, Y. (2012). *Scalable inference for structured Gaussian process models*, PhD thesis,
ch. 5 (Algorithm 16 and §5.3.1 for the gradients). Rasmussen & Williams (2006), eqs. (2.25)–(2.26),
(2.30), (5.9). Wilson et al. (2014), GPatt, §3.

Provenance: [V] LML, gradients, mean and variance are checked against a dense Cholesky GP and
central differences (claims G-1, G-2) and against linear_operator / GPyTorch (G-6).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._results import Result, StatusEnum
from refimpl._iterative import check_callback, notify
from refimpl.backends import Boundary, capabilities, linalg, to_numpy
from refimpl.gp.kernels import Kernel1D
from refimpl.gp._checks import _check_flag, _eigh_backend, _outer, _solve_eig, _transpose, _unfold

__all__ = [
    "GridGPFit",
    "GridGPStatus",
    "fit_grid_gp",
    "grid_factors",
    "grid_gp_predict",
    "grid_lml_grad",
]

Array = Any


# --------------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------------


def _grid_inputs(grid, kernels):
    if not isinstance(grid, (list, tuple)) or len(grid) == 0:
        raise TypeError("grid must be a non-empty list or tuple of 1-D coordinate arrays (one per axis); "
                        f"got {type(grid).__name__}")
    d = len(grid)
    if isinstance(kernels, Kernel1D):
        kernels = [kernels] * d
    if not isinstance(kernels, (list, tuple)) or len(kernels) != d:
        raise ValueError(f"kernels must be one Kernel1D or a sequence of {d} (one per grid axis); got {kernels!r}")
    for j, k in enumerate(kernels):
        if not isinstance(k, Kernel1D):
            raise TypeError(f"kernels[{j}] must be a refimpl.gp Kernel1D; got {type(k).__name__}")
    return list(grid), list(kernels)


def _backend_grid(bd, grid):
    out = []
    for j, z in enumerate(grid):
        z = bd.asarray(v.check_array(z, f"grid[{j}]", ndim=1, real=True), name=f"grid[{j}]")
        out.append(z)
    return out


def _lags(xp, a, b):
    return a[:, None] - b[None, :]


def _contract_points(xp, T, rows):
    """Σ_{i_1..i_d} T[i_1..i_d] Π_j rows[j][p, i_j] for every point p (returns shape (P,)).

    The contraction is done axis by axis: first a GEMM with rows[0], then one broadcast-and-sum per
    further axis; memory O(P N / n_1).
    """
    d = T.ndim
    P = rows[0].shape[0]
    W = rows[0] @ xp.reshape(T, (T.shape[0], -1))          # (P, n_2 ⋯ n_d)
    for j in range(1, d):
        W = xp.reshape(W, (P, T.shape[j], -1))
        W = xp.sum(W * rows[j][:, :, None], axis=1)
    return xp.reshape(W, (P,))


def _factor_mats(xp, zs, kernels, thetas):
    return [k.evaluate(xp, _lags(xp, z, z), th, 0) for z, k, th in zip(zs, kernels, thetas)]


def _lml_terms(xp, zs, Y, kernels, thetas, noise, grad):
    """LML (Saatçi 2012, Algorithm 16) and, if ``grad``, its gradient (Saatçi 2012, §5.3.1) on the backend."""
    d = Y.ndim
    Ks = _factor_mats(xp, zs, kernels, thetas)
    vals, vecs = _eigh_backend(xp, Ks)
    alpha, S = _solve_eig(xp, vals, vecs, Y, noise)
    N = math.prod(Y.shape)
    lml = -0.5 * xp.sum(Y * alpha) - 0.5 * xp.sum(xp.log(S)) - 0.5 * N * math.log(2 * math.pi)
    if not grad:
        return lml, None
    invS = 1.0 / S
    grads = []
    for j in range(d):
        dK = kernels[j].gradient(xp, _lags(xp, zs[j], zs[j]), thetas[j], 0)   # (n_j, n_j, p_j)
        # data-fit term ½ αᵀ (K_1 ⊗ … ∂K_j … ⊗ K_d) α = ½ Σ_ab ∂K_j[a,b] M[a,b],
        # M = α_(j) C_(j)ᵀ with C = α ×_{i≠j} K_i
        C = alpha
        for i in range(d):
            if i != j:
                C = linalg.mode_product(C, Ks[i], i)
        M = _unfold(xp, alpha, j) @ _transpose(xp, _unfold(xp, C, j))
        data = 0.5 * xp.tensordot(M, dK, axes=([0, 1], [0, 1]))
        # log-det term ½ tr((K + σ²I)^{-1} ∂K) = ½ Σ_a diag(Q_jᵀ ∂K_j Q_j)[a] h[a],
        # h = (1/(Λ + σ²)) contracted with λ_i along every axis i ≠ j
        H = invS
        for i in range(d):
            if i != j:
                H = linalg.mode_product(H, xp.reshape(vals[i], (1, -1)), i)
        h = xp.reshape(H, (-1,))
        dKp = xp.permute_dims(dK, (2, 0, 1))
        dq = xp.sum((dKp @ vecs[j]) * vecs[j], axis=-2)                         # (p_j, n_j)
        grads.append(data - 0.5 * (dq @ h))
    # noise, parametrised by log σ²: σ² (½ αᵀα − ½ tr((K + σ²I)^{-1}))
    g_noise = noise * (0.5 * xp.sum(alpha * alpha) - 0.5 * xp.sum(invS))
    grads.append(xp.reshape(g_noise, (1,)))
    return lml, xp.concat(grads)


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


@capabilities()
def grid_factors(grid: Sequence[Array], kernels: Kernel1D | Sequence[Kernel1D]) -> list:
    """The Kronecker factors K_j = κ_j(z^{(j)} − z^{(j)ᵀ}) of a product kernel on a grid.

    Parameters
    ----------
    grid : sequence of 1-D arrays
        Coordinates z^{(j)} of each axis.
    kernels : Kernel1D or sequence of Kernel1D
        One kernel per axis (a single kernel is used on every axis).

    Returns
    -------
    list of (n_j, n_j) arrays in the caller's library
    """
    grid, kernels = _grid_inputs(grid, kernels)
    bd = Boundary(*grid)
    xp = bd.xp
    zs = _backend_grid(bd, grid)
    thetas = [bd.asarray(k.theta) for k in kernels]
    return [bd.out(K) for K in _factor_mats(xp, zs, kernels, thetas)]


@capabilities()
def grid_lml_grad(grid: Sequence[Array], Y: Array, kernels: Kernel1D | Sequence[Kernel1D],
                  noise: float) -> tuple[float, np.ndarray]:
    """Log marginal likelihood and its analytic gradient for a product kernel on a grid.

    The gradient (Saatçi 2012 §5.3.1) for a parameter θ of factor j is

    .. math:: \\frac{\\partial \\mathcal L}{\\partial\\theta} = \\tfrac12 \\alpha^\\top
              (K_1 \\otimes \\dots \\otimes \\partial K_j \\otimes \\dots \\otimes K_d)\\,\\alpha
              - \\tfrac12 \\sum_i \\frac{G_i}{\\Lambda_i + \\sigma^2},

    with G the outer product of λ_i (i ≠ j) and diag(Q_jᵀ ∂K_j Q_j) at position j; for log σ²:
    σ² (½ αᵀα − ½ Σ 1/(Λ + σ²)).

    Parameters
    ----------
    grid : sequence of 1-D arrays, lengths n_j
    Y : array, shape (n_1, …, n_d)
    kernels : Kernel1D or sequence of Kernel1D
    noise : float > 0
        Noise variance σ².

    Returns
    -------
    lml : float
    grad : numpy.ndarray
        ∂LML/∂(θ_1, …, θ_d, log σ²), host NumPy vector (θ_j in each kernel's ``theta`` order).

    Raises
    ------
    ValueError
        Shape mismatch between ``Y`` and the grid, non-finite data, non-positive noise.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import SquaredExponential, grid_lml_grad
    >>> grid = [np.linspace(0, 1, 5), np.linspace(0, 1, 4)]
    >>> Y = np.outer(np.sin(3 * grid[0]), np.cos(2 * grid[1]))
    >>> lml, g = grid_lml_grad(grid, Y, SquaredExponential(lengthscale=0.3), 0.01)
    >>> g.shape                      # (log σ², log ℓ) per axis, then log noise
    (5,)
    """
    lml, g = _lml_grad_impl(grid, Y, kernels, noise, grad=True)
    if not (math.isfinite(lml) and np.all(np.isfinite(g))):
        raise ValueError(f"grid_lml_grad: the LML or its gradient is not finite (lml = {lml}); rescale Y or "
                         "use less extreme hyperparameters")
    return lml, g


def _lml_grad_impl(grid, Y, kernels, noise, grad):
    noise = v.check_positive(noise, "noise")
    grid, kernels = _grid_inputs(grid, kernels)
    bd = Boundary(Y, *grid)
    xp = bd.xp
    zs = _backend_grid(bd, grid)
    Y = _check_Y(bd, Y, zs)
    thetas = [bd.asarray(k.theta) for k in kernels]
    lml, g = _lml_terms(xp, zs, Y, kernels, thetas, noise, grad)
    return float(lml), (None if g is None else np.asarray(to_numpy(g), dtype=float))


def _check_Y(bd, Y, zs):
    Y = bd.asarray(v.check_array(Y, "Y", real=True), name="Y")
    want = tuple(int(z.shape[0]) for z in zs)
    if tuple(Y.shape) != want:
        raise ValueError(f"Y must have the grid's shape {want} (axis j has one entry per grid[j] coordinate); "
                         f"got shape {tuple(Y.shape)}")
    return Y


@capabilities()
def grid_gp_predict(grid: Sequence[Array], Y: Array, kernels: Kernel1D | Sequence[Kernel1D],
                    noise: float, *, test_grid: Sequence[Array] | None = None,
                    points: Array | None = None) -> tuple[Array, Array]:
    """Predictive mean and latent variance of grid GP regression (Rasmussen & Williams 2006, eqs. 2.25–2.26).

    On a test grid: ``M* = α ×_1 K_{*1} ⋯ ×_d K_{*d}`` and
    ``V* = diag(K**) − (1/(Λ + σ²)) ×_1 ((K_{*1}Q_1)∘²) ⋯ ×_d ((K_{*d}Q_d)∘²)`` — one Kronecker MVM each.
    At scattered points the same contractions are done point by point in O(N) per point.

    Parameters
    ----------
    grid : sequence of 1-D arrays
        Training coordinates.
    Y : array, shape (n_1, …, n_d)
    kernels : Kernel1D or sequence of Kernel1D
    noise : float > 0
    test_grid : sequence of 1-D arrays, optional
        Test coordinates per axis (m_j of them); results have shape (m_1, …, m_d).
    points : array, shape (P, d), optional
        Scattered test points; results have shape (P,). Exactly one of ``test_grid`` / ``points``.

    Returns
    -------
    mean, var : arrays
        Posterior mean of f and latent variance Var[f(x*) | y] (add σ² for a new observation).

    Raises
    ------
    ValueError
        Both or neither of ``test_grid``/``points``, shape mismatches, non-finite inputs, indefinite
        factors, or a numerically singular K + σ²I (e.g. duplicate coordinates with noise 1e-300).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import Matern, grid_gp_predict
    >>> grid = [np.linspace(0, 1, 6), np.linspace(0, 1, 5)]
    >>> Y = np.add.outer(grid[0], grid[1])
    >>> mean, var = grid_gp_predict(grid, Y, Matern(nu=2.5, lengthscale=0.5), 1e-4,
    ...                             points=[[0.5, 0.5], [0.1, 0.9]])
    >>> np.round(mean, 1).tolist(), bool(np.all(var < 1e-2))
    ([1.0, 1.0], True)
    """
    noise = v.check_positive(noise, "noise")
    grid, kernels = _grid_inputs(grid, kernels)
    if (test_grid is None) == (points is None):
        raise ValueError("give exactly one of test_grid (a sequence of 1-D arrays) or points (a (P, d) array)")
    extra = list(test_grid) if test_grid is not None else [points]
    bd = Boundary(Y, *grid, *extra)
    xp = bd.xp
    zs = _backend_grid(bd, grid)
    Y = _check_Y(bd, Y, zs)
    d = Y.ndim
    thetas = [bd.asarray(k.theta) for k in kernels]
    Ks = _factor_mats(xp, zs, kernels, thetas)
    vals, vecs = _eigh_backend(xp, Ks)
    alpha, S = _solve_eig(xp, vals, vecs, Y, noise, "grid_gp_predict")
    invS = 1.0 / S
    if test_grid is not None:
        if len(test_grid) != d:
            raise ValueError(f"test_grid must have {d} coordinate arrays (one per axis); got {len(test_grid)}")
        ts = [bd.asarray(v.check_array(t, f"test_grid[{j}]", ndim=1, real=True), name=f"test_grid[{j}]")
              for j, t in enumerate(test_grid)]
        Kst = [k.evaluate(xp, _lags(xp, t, z), th, 0) for t, z, k, th in zip(ts, zs, kernels, thetas)]
        mean = linalg.kron_mvm(Kst, alpha)
        kss = [k.evaluate(xp, xp.zeros_like(t), th, 0) for t, k, th in zip(ts, kernels, thetas)]
        B = [(Ks_ @ Q) ** 2 for Ks_, Q in zip(Kst, vecs)]
        var = _outer(xp, kss) - linalg.kron_mvm(B, invS)
        return bd.out(mean), bd.out(var)
    X = bd.asarray(v.check_array(points, "points", ndim=2, real=True), name="points")
    if X.shape[1] != d:
        raise ValueError(f"points must have shape (P, {d}); got {tuple(X.shape)}")
    rows = [k.evaluate(xp, _lags(xp, X[:, j], zs[j]), th, 0) for j, (k, th) in enumerate(zip(kernels, thetas))]
    mean = _contract_points(xp, alpha, rows)
    kss = 1.0
    for k, th in zip(kernels, thetas):
        kss = kss * k.evaluate(xp, xp.zeros((1,), dtype=Y.dtype, device=bd.backend.device), th, 0)
    B = [(r @ Q) ** 2 for r, Q in zip(rows, vecs)]
    var = kss - _contract_points(xp, invS, B)
    return bd.out(mean), bd.out(var)


class GridGPStatus(StatusEnum):
    """Why :func:`fit_grid_gp` stopped."""

    CONVERGED = "converged: L-BFGS-B met its gradient / objective tolerance"
    MAX_ITER = "stopped: reached max_iter L-BFGS-B iterations"
    ABNORMAL = "stopped: L-BFGS-B line search failed (no further decrease found)"
    NONFINITE = ("stopped: the LML could not be evaluated at the optimiser's trial point (non-finite or a "
                 "failed eigendecomposition, e.g. constant Y drives the noise to 0); the last good point is returned")
    CALLBACK = "stopped: the callback asked to stop"
    __failures__ = ("MAX_ITER", "ABNORMAL", "NONFINITE")


@dataclass(frozen=True, kw_only=True)
class GridGPFit(Result):
    """Result of :func:`fit_grid_gp`.

    Attributes
    ----------
    kernels : tuple of Kernel1D
        Fitted kernels (one per axis).
    noise : float
        Fitted noise variance σ².
    lml : float
        Log marginal likelihood at the optimum.
    n_iter : int
        L-BFGS-B iterations.
    n_fev : int
        Objective (+ gradient) evaluations.
    lml_history : numpy.ndarray
        LML after every iteration.
    """

    kernels: tuple
    noise: float
    lml: float
    n_iter: int
    n_fev: int
    lml_history: np.ndarray


@capabilities(host_only="SciPy L-BFGS-B drives the outer loop on the host (the LML and its gradient run on the backend)")
def fit_grid_gp(grid: Sequence[Array], Y: Array, kernels: Kernel1D | Sequence[Kernel1D], noise: float,
                *, fit_noise: bool = True, max_iter: int = 200, gtol: float = 1e-6, callback=None) -> GridGPFit:
    """Fit kernel hyperparameters and noise by maximising the grid LML with L-BFGS-B.

    SciPy's L-BFGS-B runs on the host over x = (θ_1, …, θ_d, log σ²); every objective call runs
    :func:`grid_lml_grad` (value and analytic gradient) on the active backend. Note that the
    per-axis output variances of a product kernel are not separately identifiable (only their
    product is); L-BFGS-B copes with the flat direction.

    Parameters
    ----------
    grid, Y, kernels, noise
        As in :func:`grid_lml_grad`; ``kernels`` and ``noise`` are the starting point.
    fit_noise : bool, default True
        Optimise log σ² as well.
    max_iter : int
        L-BFGS-B iteration cap.
    gtol : float
        Projected-gradient tolerance of L-BFGS-B.
    callback : callable, optional
        Called after every L-BFGS-B iteration with an IterationState carrying ``iteration``, ``x``
        (host vector (θ_1, …, θ_d, log σ²)) and ``lml`` (float); return True to stop (status
        ``CALLBACK``).

    Returns
    -------
    GridGPFit

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import SquaredExponential, fit_grid_gp, grid_factors, kron_sample
    >>> grid = [np.linspace(0, 1, 15), np.linspace(0, 1, 12)]
    >>> truth = [SquaredExponential(lengthscale=0.2)] * 2
    >>> Y = kron_sample(grid_factors(grid, truth), noise=0.01, rng=0)
    >>> fit = fit_grid_gp(grid, Y, [SquaredExponential()] * 2, 0.1)
    >>> fit.success, round(fit.noise, 3) < 0.05
    (True, True)
    """
    from scipy.optimize import minimize

    noise = v.check_positive(noise, "noise")
    max_iter = v.check_size(max_iter, "max_iter", limit=10**6, why="each iteration evaluates the LML")
    gtol = v.check_positive(gtol, "gtol")
    fit_noise = _check_flag(fit_noise, "fit_noise")
    callback = check_callback(callback)
    grid, kernels = _grid_inputs(grid, kernels)
    bd = Boundary(Y, *grid)
    xp = bd.xp
    zs = _backend_grid(bd, grid)
    Yb = _check_Y(bd, Y, zs)
    sizes = [k.n_params for k in kernels]
    x0 = np.concatenate([k.theta for k in kernels] + [[math.log(noise)]])

    def split(x):
        th, o = [], 0
        for p in sizes:
            th.append(x[o:o + p])
            o += p
        return th, (math.exp(x[o]) if fit_noise else noise)

    history: list[float] = []

    class _Bad(Exception):
        pass

    last = {"x": x0}
    stopped = {"flag": False}
    n_fev = [0]

    def fun(x):
        n_fev[0] += 1
        th, s2 = split(x)
        try:
            lml, g = _lml_terms(xp, zs, Yb, kernels, [bd.asarray(t) for t in th], s2, True)
            g = np.asarray(to_numpy(g), dtype=float)
            lml = float(lml)
        except (np.linalg.LinAlgError, ValueError, ArithmeticError) as exc:   # eigh on non-finite factors
            raise _Bad(str(exc)) from None
        if not (math.isfinite(lml) and np.all(np.isfinite(g))):
            raise _Bad("non-finite LML")
        if not fit_noise:
            g[-1] = 0.0
        return -lml, -g

    def on_iter(intermediate_result):
        last["x"] = np.array(intermediate_result.x)
        history.append(-float(intermediate_result.fun))
        if notify(callback, iteration=len(history), x=last["x"], lml=history[-1]):
            stopped["flag"] = True
            raise StopIteration

    try:
        res = minimize(fun, x0, jac=True, method="L-BFGS-B", callback=on_iter,
                       options={"maxiter": max_iter, "gtol": gtol})
    except _Bad:
        th, s2 = split(last["x"])
        fitted = tuple(k.with_theta(t) for k, t in zip(kernels, th))
        return GridGPFit(status=GridGPStatus.NONFINITE, kernels=fitted, noise=float(s2),
                         lml=history[-1] if history else math.nan, n_iter=len(history), n_fev=n_fev[0],
                         lml_history=np.asarray(history, dtype=float))
    th, s2 = split(res.x)
    if stopped["flag"]:
        status = GridGPStatus.CALLBACK
    elif res.status == 0:
        status = GridGPStatus.CONVERGED
    elif res.status == 1:
        status = GridGPStatus.MAX_ITER
    elif not np.isfinite(res.fun):
        status = GridGPStatus.NONFINITE
    else:
        status = GridGPStatus.ABNORMAL
    fitted = tuple(k.with_theta(t) for k, t in zip(kernels, th))
    return GridGPFit(status=status, kernels=fitted, noise=float(s2), lml=-float(res.fun),
                     n_iter=int(res.nit), n_fev=int(res.nfev), lml_history=np.asarray(history, dtype=float))
