r"""Risk parity (risk budgeting) portfolios: cyclical coordinate descent, improved CCD and Newton.

Choi & Chen, *Improved iterative methods for solving risk parity portfolio*, Journal of
Derivatives and Quantitative Studies 30(2):114-124, 2022, doi:10.1108/JDQS-12-2021-0031,
arXiv:2203.00148; the authors' Python implementation is ``PyFE/PyFENG``
(``pyfeng/assetalloc.py``, class ``RiskParity``), whose conventions (starting points, stopping
rules, sweep counting) are followed here.

Problem
-------
Given a covariance :math:`\Sigma` (N × N, symmetric positive semidefinite with a positive
diagonal) and budgets :math:`b_i > 0`, :math:`\sum_i b_i = 1`, find weights :math:`w`,
:math:`\sum_i w_i = 1`, whose risk contributions are the budgets,

.. math::

    \frac{w_i(\Sigma w)_i}{w^\top\Sigma w} = b_i, \qquad i = 1, \dots, N .

Spinu (2013): up to scale this is :math:`\Sigma x = b / x` (componentwise), the stationarity
condition of :math:`\tfrac12 x^\top\Sigma x - \sum_i b_i\log x_i`, strictly convex on
:math:`x > 0`, whose minimiser satisfies :math:`x^\top\Sigma x = \sum b_i = 1`; then
:math:`w = x/\sum x`. In correlation form, :math:`\sigma = \sqrt{\operatorname{diag}\Sigma}`,
:math:`C = \Sigma/(\sigma\sigma^\top)`, solve :math:`C\tilde x = b/\tilde x` and map
:math:`x = \tilde x/\sigma`. The system has one root in every orthant: a sign pattern
:math:`s \in \{\pm1\}^N` (``signs``, Bai, Scheinberg & Tütüncü 2016) selects the long/short
portfolio with :math:`\operatorname{sign} w_i = s_i`; ``signs=None`` is long-only.

Methods (``method=``)
---------------------
``"ccd_improved"`` (Choi & Chen)
    In correlation form the coordinate equation :math:`x_i(Cx)_i = b_i` is
    :math:`x_i^2 + 2a_ix_i - b_i = 0` with :math:`a_i = ((Cx)_i - x_i)/2`; a sweep sets, for
    i = 1..N in turn (Gauss-Seidel, fresh values), :math:`x_i \leftarrow s_i\sqrt{a_i^2 + b_i} - a_i`,
    then **rescales** :math:`x \leftarrow x/\sqrt{x^\top Cx}` (the key step: it enforces the
    solution's :math:`x^\top Cx = 1`; :math:`Cx` is kept current by the sweep's rank-one updates,
    so the rescaling costs O(N), where the authors' code recomputes :math:`Cx`) and evaluates the stopping
    quantity :math:`\max_i|x_i(Cx)_i - b_i|` *after* the rescaling. Start:
    :math:`x = s/\sqrt{s^\top Cs}` (equal weights of unit variance).
``"ccd"`` (original CCD of Griveau-Billion, Richard & Roncalli 2013)
    On :math:`\Sigma` itself: :math:`a_i = ((\Sigma w)_i - \Sigma_{ii}w_i)/2`,
    :math:`w_i \leftarrow (s_i\sqrt{a_i^2 + \Sigma_{ii}\,v\,b_i} - a_i)/\Sigma_{ii}` with the
    portfolio volatility :math:`v = \sqrt{w^\top\Sigma w}` **recomputed after every coordinate**;
    stop after a sweep when :math:`\max_i|w_i(\Sigma w)_i/v - b_i|` is below ``tol``. Start:
    :math:`w = s\,(1/\sigma)/\sum(1/\sigma)`.
``"newton"`` (Spinu's formulation, Choi & Chen's improved start)
    Newton's method on :math:`F(x) = Cx - b/x` with Jacobian :math:`C + \operatorname{diag}(b/x^2)`
    (one dense solve per step), started from one simultaneous (Jacobi) CCD update of the equal
    weight point: :math:`a_i = ((Cz)_i - z_i)/2`, :math:`z = s/\sqrt{s^\top Cs}`,
    :math:`x_{0,i} = s_i\sqrt{a_i^2 + b_i} - a_i`. Stops when :math:`\max_i|x_i(Cx)_i - b_i|` is
    below ``tol``; ``n_iter`` counts function evaluations of F (the unit the paper reports for its
    SciPy ``root`` runs). The full (undamped) Newton step can leave the requested orthant and
    converge to the root of *another* sign pattern: the result then has status
    ``WRONG_SIGN_PATTERN`` (never silently returned as converged).

How to choose and failure modes
-------------------------------
The improved CCD is the default: O(N²) per sweep, no factorisation, about 40 % fewer sweeps
than the original CCD and a cheaper sweep (no volatility recomputation); each coordinate update
needs only :math:`C_{ii} = 1`, so it also converges for a singular (positive semidefinite) C.
The original CCD is the baseline (an O(N²) sweep too, but with a volatility reduction after every
coordinate, and more sweeps). Newton converges quadratically near the root but costs an O(N³) solve per step and can
jump to another sign pattern from a poor start (reported as ``WRONG_SIGN_PATTERN``); a singular
Jacobian stops it with ``BREAKDOWN``. CCD never leaves the sign pattern: each update has the
sign :math:`s_i` by construction.

Provenance
----------
[V] the problem and Spinu's equivalence (closed forms, checked in the tests: 2 assets, diagonal
covariance :math:`w_i \propto \sqrt{b_i}/\sigma_i`); the three iterations, their starting points
and stopping rules as implemented in the authors' ``PyFE/PyFENG`` (read, not copied); the
5-asset example (Bai et al. 2016, §6.1) weights and sweep counts (6 improved, 11 original at
tol 1e-6) reproduced in the validation claims. [R] the sign-aware starting points for
``signs`` other than all +1 (the authors' code starts every pattern from the long-only point)
and the stopping rule of our Newton iteration (the paper's runs use SciPy ``root``'s own test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg
from array_api_compat import array_namespace

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, leaf_kernel, linalg, to_numpy

__all__ = ["RiskParityResult", "RiskParityStatus", "risk_parity"]

METHODS = ("ccd_improved", "ccd", "newton")
#: the covariance counts as symmetric when max|Σ - Σᵀ| <= SYM_RTOL · max|Σ|
SYM_RTOL = 1e-10
#: positive semidefinite test: the correlation matrix plus PSD_SHIFT·N·I must have a Cholesky factor
PSD_SHIFT = 1e-10
#: budgets must sum to 1 within this
BUDGET_ATOL = 1e-8
#: the 5-asset covariance of Bai, Scheinberg & Tütüncü (2016), §6.1 (entries × 1e-4), Choi & Chen's
#: (2022) example of Tables 2-4; one copy for the tests, the claims and the cross-check cases
COV5 = np.array([
    [94.868, 33.750, 12.325, -1.178, 8.778],
    [33.750, 445.642, 98.955, -7.901, 84.954],
    [12.325, 98.955, 117.265, 0.503, 45.184],
    [-1.178, -7.901, 0.503, 5.460, 1.057],
    [8.778, 84.954, 45.184, 1.057, 34.126],
]) * 1e-4


class RiskParityStatus(StatusEnum):
    """Why :func:`risk_parity` stopped (the value is the message)."""

    __failures__ = ("MAX_ITER", "BREAKDOWN", "NONFINITE", "WRONG_SIGN_PATTERN")
    CONVERGED = "converged: the risk-contribution residual fell below tol, with the requested sign pattern"
    MAX_ITER = "stopped: reached max_iter before the risk-contribution residual fell below tol"
    BREAKDOWN = "breakdown: the Newton Jacobian C + diag(b/x²) is not numerically positive definite, the step is undefined"
    NONFINITE = "stopped: the iterate became NaN or infinite (a weight reached 0 in Newton's b/x)"
    CALLBACK = "stopped: the callback asked to stop"
    WRONG_SIGN_PATTERN = ("stopped: Newton converged to the root of another sign pattern than the requested one "
                          "(the full step left the orthant; use a CCD method, which keeps the signs)")


@dataclass(frozen=True, kw_only=True)
class RiskParityResult(Result):
    """Result of :func:`risk_parity`.

    ``weights`` and ``risk_contributions`` follow the caller's array library; histories are host
    NumPy arrays.

    Attributes
    ----------
    status : RiskParityStatus
    weights : (N,) array
        The portfolio, :math:`\\sum_i w_i = 1` (the last iterate, normalised, whatever the status).
    risk_contributions : (N,) array
        :math:`w_i(\\Sigma w)_i / w^\\top\\Sigma w` (sums to 1; equals ``budgets`` at the solution).
    residual : float
        :math:`\\max_i |w_i(\\Sigma w)_i / w^\\top\\Sigma w - b_i|` of the returned weights
        (scale-free: comparable across methods).
    residuals : (n_iter,) float array
        Per sweep (CCD) or per function evaluation (Newton) the method's own stopping quantity
        (see :func:`risk_parity`); the run stops at the first value below ``tol``.
    n_iter : int
        Sweeps (CCD) or function evaluations of F (Newton, the initial one included).
    n_fev : int
        Function evaluations of F (Newton; 0 for CCD).
    n_factor : int
        Jacobian solves (Newton; 0 for CCD).
    signs : (N,) int array
        The sign pattern of ``weights``. It is the requested pattern s, or -s when the root's net
        exposure :math:`\\sum x` is negative: s and -s define the same portfolio up to the sign of
        :math:`\\sum w = 1` (all-short requests give the long-only portfolio).
    budgets : (N,) float array
    method : str
    """

    weights: Any
    risk_contributions: Any
    residual: float
    residuals: np.ndarray
    n_iter: int
    n_fev: int
    n_factor: int
    signs: np.ndarray
    budgets: np.ndarray
    method: str


# ---------------------------------------------------------------------------------------------
# input checks (host)
# ---------------------------------------------------------------------------------------------


def _check_cov(cov: Any) -> np.ndarray:
    v.check_array(cov, "cov", ndim=2, real=True)
    S = np.asarray(to_numpy(cov), dtype=np.float64)
    n, m = S.shape
    if n != m:
        raise ValueError(f"cov must be a square (N, N) covariance matrix; got shape {S.shape}")
    scale = float(np.max(np.abs(S)))
    asym = float(np.max(np.abs(S - S.T)))
    if asym > SYM_RTOL * scale:
        raise ValueError(f"cov must be symmetric; got max|cov - cov.T| = {asym:.3g} (max|cov| = {scale:.3g})")
    d = np.diag(S)
    if not np.all(d > 0):
        i = int(np.argmin(d))
        raise ValueError(f"cov must have a positive diagonal (every asset needs a positive variance); "
                         f"got cov[{i}, {i}] = {d[i]!r}")
    sig = np.sqrt(d)
    R = S / np.outer(sig, sig)
    R += R.T
    R *= 0.5
    R.flat[:: n + 1] += PSD_SHIFT * n
    try:  # O(N³/3): the cheapest exact test (and the dominant cost of a call for large N)
        scipy.linalg.cholesky(R, lower=True, overwrite_a=True, check_finite=False)
    except scipy.linalg.LinAlgError:
        R = S / np.outer(sig, sig)
        lam = float(np.linalg.eigvalsh(0.5 * (R + R.T))[0])
        raise ValueError(f"cov must be positive semidefinite; its correlation matrix has the eigenvalue "
                         f"{lam:.3g} < 0") from None
    return S


def _check_budgets(budgets: Any, n: int) -> np.ndarray:
    if budgets is None:
        return np.full(n, 1.0 / n)
    v.check_array(budgets, "budgets", ndim=1, real=True)
    b = np.asarray(to_numpy(budgets), dtype=np.float64)
    if b.shape[0] != n:
        raise ValueError(f"budgets must have shape ({n},) to match cov ({n} assets); got shape {b.shape}")
    if not np.all(b > 0):
        i = int(np.argmin(b))
        raise ValueError(f"budgets must be positive (every asset takes a share of the risk); got budgets[{i}] = {b[i]!r}")
    total = float(np.sum(b))
    if abs(total - 1.0) > BUDGET_ATOL:
        raise ValueError(f"budgets must sum to 1 (they are shares of the total risk); got sum {total!r}")
    return b


def _check_signs(signs: Any, n: int) -> np.ndarray:
    if signs is None:
        return np.ones(n)
    v.check_array(signs, "signs", ndim=1, real=True)
    s = np.asarray(to_numpy(signs), dtype=np.float64)
    if s.shape[0] != n:
        raise ValueError(f"signs must have shape ({n},) to match cov ({n} assets); got shape {s.shape}")
    bad = ~((s == 1.0) | (s == -1.0))
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(f"signs must hold only +1 (long) and -1 (short); got signs[{i}] = {s[i]!r}")
    return s


# ---------------------------------------------------------------------------------------------
# the CCD sweep (leaf kernel; Numba twin in backends/numba/newton.py)
# ---------------------------------------------------------------------------------------------


@leaf_kernel("newton.rp_ccd_sweep")
def ccd_sweep(S: Any, x: Any, Sx: Any, b: Any, s: Any, original: bool) -> tuple[Any, Any]:
    """One cyclical coordinate-descent sweep, i = 1..N in turn (Gauss-Seidel).

    ``original=False`` (improved CCD, ``S`` a correlation matrix, unit diagonal):
    :math:`a = ((Sx)_i - S_{ii}x_i)/2`, :math:`x_i \\leftarrow s_i\\sqrt{a^2 + b_i} - a`.
    ``original=True`` (Griveau-Billion et al., ``S`` the covariance):
    :math:`x_i \\leftarrow (s_i\\sqrt{a^2 + S_{ii}vb_i} - a)/S_{ii}` with
    :math:`v = \\sqrt{x^\\top Sx}` recomputed after every coordinate. In both, :math:`Sx` is kept
    current by the rank-one update :math:`Sx \\mathrel{+}= S_{:,i}(x_i^{new} - x_i)`.

    Parameters
    ----------
    S : (N, N) float array, symmetric
    x, Sx : (N,) float arrays
        The iterate and :math:`Sx` (not modified: the sweep works on copies).
    b, s : (N,) float arrays
        Budgets and signs (±1).
    original : bool

    Returns
    -------
    (x, Sx) after the sweep.
    """
    xp = array_namespace(S, x, Sx)
    x = xp.asarray(x, copy=True)
    Sx = xp.asarray(Sx, copy=True)
    n = x.shape[0]
    vol = xp.sqrt(xp.vecdot(x, Sx)) if original else None
    for i in range(n):
        d = S[i, i]
        a = (Sx[i] - d * x[i]) / 2.0
        if original:
            new = (s[i] * xp.sqrt(a * a + d * vol * b[i]) - a) / d
        else:
            new = s[i] * xp.sqrt(a * a + b[i]) - a
        Sx = Sx + S[i, :] * (new - x[i])
        x[i] = new
        if original:
            vol = xp.sqrt(xp.vecdot(x, Sx))
    return x, Sx


# ---------------------------------------------------------------------------------------------
# public entry point
# ---------------------------------------------------------------------------------------------


@capabilities()
def risk_parity(
    cov: Any,
    budgets: Any = None,
    *,
    method: str = "ccd_improved",
    signs: Any = None,
    tol: float = 1e-6,
    max_iter: int = 1000,
    callback: Any = None,
) -> RiskParityResult:
    r"""Risk budgeting portfolio :math:`w_i(\Sigma w)_i/w^\top\Sigma w = b_i`, :math:`\sum w = 1`, by CCD or Newton.

    See the module docstring for the problem, the three methods (Choi & Chen 2022; Griveau-Billion
    et al. 2013; Spinu 2013) and their failure modes.

    Parameters
    ----------
    cov : (N, N) array_like
        Covariance: symmetric (to relative round-off, then symmetrised), positive semidefinite
        (singular is fine for the CCD methods), positive diagonal.
    budgets : (N,) array_like, optional
        Risk budgets :math:`b_i > 0` summing to 1 (within 1e-8). Default: equal risk, 1/N.
    method : {"ccd_improved", "ccd", "newton"}, default "ccd_improved"
    signs : (N,) array_like of ±1, optional
        The sign pattern of the root x (long/short risk parity); default all +1 (long only). The
        returned weights :math:`x/\sum x` have this pattern, or its negative when :math:`\sum x < 0`.
    tol : float, default 1e-6
        Stop when the method's residual (``result.residuals``) is below ``tol``: improved CCD and
        Newton :math:`\max_i|x_i(Cx)_i - b_i|` (x in correlation units, after the rescaling for
        CCD), original CCD :math:`\max_i|w_i(\Sigma w)_i/v - b_i|` (the paper's rules).
    max_iter : int, default 1000
        Sweeps (CCD) or Newton steps.
    callback : callable, optional
        Called once per sweep / Newton step with ``iteration``, ``x`` (the current iterate,
        unnormalised, in the method's units) and ``residual``; True stops with ``CALLBACK``.

    Returns
    -------
    RiskParityResult
        ``weights``, ``n_iter`` (sweeps, or function evaluations for Newton), ``status``,
        ``risk_contributions``, ``residual``, ``residuals``, ``signs``. A run that stops at a
        root of another sign pattern than ``signs`` has status ``WRONG_SIGN_PATTERN``.

    Raises
    ------
    ValueError, TypeError
        ``cov`` not a square, real, finite, symmetric, positive semidefinite matrix with a
        positive diagonal; ``budgets`` of the wrong shape, not positive or not summing to 1;
        ``signs`` not ±1 or of the wrong shape; unknown ``method``; ``tol <= 0``; bad ``max_iter``
        or ``callback``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import risk_parity
    >>> cov = np.array([[0.04, 0.006], [0.006, 0.09]])
    >>> res = risk_parity(cov)
    >>> res.status.name, np.round(res.weights, 4).tolist()
    ('CONVERGED', [0.6, 0.4])
    >>> bool(np.allclose(res.risk_contributions, 0.5, atol=1e-6))
    True
    """
    v.check_choice(method, "method", METHODS)
    S = _check_cov(cov)
    n = S.shape[0]
    b = _check_budgets(budgets, n)
    s = _check_signs(signs, n)
    tol = v.check_positive(tol, "tol")
    max_iter = v.check_size(max_iter, "max_iter", low=1, limit=10**7, why="each sweep costs O(N²)")
    check_callback(callback)
    bd = Boundary(cov)
    xp = bd.xp
    Sb = bd.asarray(0.5 * (S + S.T), name="cov")
    bb = bd.asarray(b, name="budgets")
    sb = bd.asarray(s, name="signs")
    if method == "newton":
        x, errs, status, nfev, nfac = _newton(xp, Sb, bb, sb, tol, max_iter, callback)
    else:
        x, errs, status = _ccd(xp, Sb, bb, sb, tol, max_iter, callback, original=(method == "ccd"))
        nfev = nfac = 0
    # the sign check is on the root x itself: w = x / Σx flips every sign when the net exposure Σx < 0
    # (s and -s give the same normalised portfolio)
    root_signs = np.sign(np.asarray(to_numpy(x), dtype=np.float64)).astype(np.int64)
    w = x / xp.sum(x)
    Sw = Sb @ w
    var = xp.vecdot(w, Sw)
    rc = w * Sw / var
    rc_host = np.asarray(to_numpy(rc), dtype=np.float64)
    w_host = np.asarray(to_numpy(w), dtype=np.float64)
    if not np.all(np.isfinite(w_host)) and status is RiskParityStatus.CONVERGED:  # pragma: no cover - guard
        status = RiskParityStatus.NONFINITE
    got_signs = np.sign(w_host).astype(np.int64)
    if status is RiskParityStatus.CONVERGED and not np.array_equal(root_signs, s.astype(np.int64)):
        status = RiskParityStatus.WRONG_SIGN_PATTERN
    errs_arr = np.asarray(errs, dtype=np.float64)
    return RiskParityResult(
        status=status, weights=bd.out(w), risk_contributions=bd.out(rc),
        residual=float(np.max(np.abs(rc_host - b))), residuals=errs_arr,
        n_iter=int(nfev if method == "newton" else errs_arr.size), n_fev=int(nfev), n_factor=int(nfac),
        signs=got_signs, budgets=b, method=method,
    )


def _correlation(xp: Any, S: Any) -> tuple[Any, Any]:
    sig = xp.sqrt(xp.linalg.diagonal(S))
    C = S / (sig[:, None] * sig[None, :])
    return C, sig


def _ccd(xp: Any, S: Any, b: Any, s: Any, tol: float, max_iter: int, callback: Any, *,
         original: bool) -> tuple[Any, list, RiskParityStatus]:
    """Original or improved CCD (see the module docstring); returns the unnormalised root in Σ units."""
    errs: list[float] = []
    status = RiskParityStatus.MAX_ITER
    if original:
        M = S
        sig = xp.sqrt(xp.linalg.diagonal(S))
        x = s * (1.0 / sig) / xp.sum(1.0 / sig)
    else:
        M, sig = _correlation(xp, S)
        x = s / xp.sqrt(xp.vecdot(s, M @ s))
    Mx = M @ x
    for k in range(1, max_iter + 1):
        x, Mx = ccd_sweep(M, x, Mx, b, s, original)
        if original:
            vol = xp.sqrt(xp.vecdot(x, Mx))
            err = float(xp.max(xp.abs(x * Mx / vol - b)))
        else:
            vol = xp.sqrt(xp.vecdot(x, Mx))  # Cx kept current by the sweep's rank-one updates
            x, Mx = x / vol, Mx / vol  # the rescaling step: x^T C x = 1 = sum(b)
            err = float(xp.max(xp.abs(x * Mx - b)))
        errs.append(err)
        if not math.isfinite(err):
            status = RiskParityStatus.NONFINITE
            break
        if err < tol:
            status = RiskParityStatus.CONVERGED
            break
        if notify(callback, iteration=k, x=x, residual=err):
            status = RiskParityStatus.CALLBACK
            break
    return (x if original else x / sig), errs, status


def _newton(xp: Any, S: Any, b: Any, s: Any, tol: float, max_iter: int,
            callback: Any) -> tuple[Any, list, RiskParityStatus, int, int]:
    """Newton on F(x) = Cx − b/x from the improved start (see the module docstring)."""
    C, sig = _correlation(xp, S)
    z = s / xp.sqrt(xp.vecdot(s, C @ s))
    a = (C @ z - z) / 2.0
    x = s * xp.sqrt(a * a + b) - a  # one Jacobi CCD update of the equal-weight point
    errs: list[float] = []
    status = RiskParityStatus.MAX_ITER
    nfev = nfac = 0
    eye = None
    for k in range(max_iter + 1):
        Cx = C @ x
        F = Cx - b / x
        nfev += 1
        err = float(xp.max(xp.abs(x * Cx - b)))
        errs.append(err)
        if not (math.isfinite(err) and bool(xp.all(xp.isfinite(F)))):
            status = RiskParityStatus.NONFINITE
            break
        if err < tol:
            status = RiskParityStatus.CONVERGED
            break
        if k > 0 and notify(callback, iteration=k, x=x, residual=err):
            status = RiskParityStatus.CALLBACK
            break
        if k == max_iter:
            break
        if eye is None:
            eye = xp.eye(C.shape[0], dtype=C.dtype, device=_device(C))
        J = C + eye * (b / (x * x))[None, :]
        nfac += 1
        try:  # J is symmetric positive definite when C is PSD: one Cholesky factorisation per step
            step = linalg.cho_solve(linalg.cholesky(J, check_finite=False), F)
        except (linalg.NotPositiveDefiniteError, ValueError):
            status = RiskParityStatus.BREAKDOWN
            break
        if not bool(xp.all(xp.isfinite(step))):
            status = RiskParityStatus.BREAKDOWN
            break
        x = x - step
    return x / sig, errs, status, nfev, nfac


def _device(x: Any) -> Any:
    from array_api_compat import device

    return device(x)
