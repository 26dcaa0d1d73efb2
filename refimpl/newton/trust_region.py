r"""Affine-scaling trust region for bound-constrained nonlinear systems (STRSCNE / CoDoSol framework).

Solves :math:`F(x) = 0` with :math:`x \in \Omega = \{l \le x \le u\}` (entries of :math:`l, u` may be
:math:`\mp\infty`; the interior of Ω must be non-empty), :math:`F: \mathbb R^n \to \mathbb R^n`
continuously differentiable with Jacobian :math:`J`, by decreasing the merit
:math:`f(x) = \tfrac12\|F(x)\|^2`, :math:`\nabla f(x) = J(x)^\top F(x)`, through **strictly feasible**
iterates (interior points: :math:`l < x_k < u` for every k).

Ayanzadeh, Yazdanian & Shahamatnia, *A New Class of Scaling Matrices for Scaled Trust Region
Algorithms*, J. Software Eng.: Theory and Practice 3(1), 2019 (arXiv:1904.09209), propose convex
combinations of known diagonal scaling matrices inside this framework. **Low confidence**: the
paper's full text was not available to us; the exact weights of its combination, its algorithmic
variant and its test results could not be verified. What is implemented is the standard framework
the paper builds on (Bellavia, Macconi & Morini, STRSCNE, *Comput. Optim. Appl.* 2003; Bellavia,
Macconi & Pieraccini, CoDoSol, *J. Comput. Appl. Math.* 2012) with the weights of the combination
exposed as a parameter (default: equal weights, our choice).

One iteration at :math:`x = x_k` (with :math:`F, J, g = J^\top F` and :math:`D = D(x)`,
:math:`G = D^{-1/2}`; trust region :math:`\|Gp\| \le \Delta` ("elliptical", STRSCNE) or
:math:`\|p\| \le \Delta` ("spherical", CoDoSol's other option)):

1. **Generalised Cauchy step.** :math:`s = -D g` (scaled steepest descent);
   :math:`\tau^* = \|D^{1/2} g\|^2 / \|J D g\|^2` minimises the linear model along s;
   :math:`\tau = \min(\tau^*, \Delta/\|G s\|)`. If :math:`x + \tau s` is strictly inside Ω,
   :math:`p_C = \tau s`; otherwise, with :math:`\lambda` the step to the boundary of Ω along s,
   :math:`p_C = \max(\theta, 1 - \|\lambda s\|)\, \lambda s` (θ = ``theta``).
2. **Projected and scaled Newton step.** :math:`p_N = -J^{-1}F` (one LU solve per iteration). If
   :math:`x + p_N` is strictly inside Ω it is used as it is; otherwise
   :math:`\bar p_N = \max(\sigma, 1 - \|P(x + p_N) - x\|)\,(P(x + p_N) - x)` with P the projection
   onto Ω (σ = ``sigma``), which is strictly feasible.
3. **Step** (``step=``). ``"dogleg"`` (CoDoSol's constrained dogleg): minimise the linear model
   :math:`\|F + Jp\|` on the segment :math:`p(\gamma) = p_C + \gamma(\bar p_N - p_C)`,
   :math:`\gamma \in [0, \gamma_{\max}]`, :math:`\gamma_{\max} \le 1` the largest γ inside the
   trust region; the segment joins two strictly feasible points of a convex box, so every
   :math:`x + p(\gamma)` is strictly feasible. γ = 1 is the (projected) Newton step, γ = 0 the
   Cauchy step. ``"newton_or_cauchy"`` (STRSCNE): :math:`\bar p_N` (cut back to the trust region
   when it is outside) if its linear-model decrease is at least ``beta1`` times the Cauchy step's,
   else :math:`p_C`.
4. **Acceptance and radius.** :math:`\rho = (\|F(x)\| - \|F(x + p)\|) / (\|F(x)\| - \|F(x) + Jp\|)`.
   Accept when :math:`\rho \ge` ``accept`` (0.25), and then enlarge
   :math:`\Delta \leftarrow \max(\Delta, \text{expand}\cdot\|Gp\|)` when :math:`\rho \ge` ``very_good``
   (0.75); on rejection :math:`\Delta \leftarrow \min(\text{shrink}\cdot\Delta, \tfrac12\|Gp\|)` and
   the step is recomputed (the Newton step is reused: it does not depend on Δ). A trial point where
   F is NaN or infinite is rejected like any other.
5. Stop when :math:`\|F(x_k)\|_2 \le` ``ftol`` (``CONVERGED``), after ``max_iter`` accepted steps
   (``MAX_ITER``), when Δ falls below ``delta_min`` without an acceptable step (``SMALL_RADIUS``),
   or when :math:`\|D^{1/2} g\| \le` ``gtol`` while :math:`\|F\| >` ``ftol`` (``STATIONARY``: a
   first-order point of the merit on Ω that is not a root).

Scaling matrices (``scaling=``, :math:`D = {\rm diag}(d_i)`, :math:`g = \nabla f(x)`)
-------------------------------------------------------------------------------------
``"cl"`` Coleman & Li (1996)
    :math:`d_i = u_i - x_i` if :math:`g_i < 0` and :math:`u_i < \infty`; :math:`x_i - l_i` if
    :math:`g_i > 0` and :math:`l_i > -\infty`; :math:`\min(x_i - l_i, u_i - x_i)` if :math:`g_i = 0`
    and a bound is finite; 1 otherwise. Discontinuous where :math:`g_i` changes sign.
``"huu"`` Heinkenschloss, Ulbrich & Ulbrich (1999), parameter p = ``huu_p`` > 1
    :math:`d_i = d_i^{\rm CL}` if :math:`|g_i| < \min(x_i - l_i, u_i - x_i)^p` or
    :math:`\min(x_i - l_i, u_i - x_i) < |g_i|^p`; 1 otherwise.
``"kk"`` Kanzow & Klug (2006), parameter γ = ``kk_gamma`` > 0
    :math:`d_i = \min\{x_i - l_i + \gamma\max(0, -g_i),\ u_i - x_i + \gamma\max(0, g_i)\}`
    (1 when both bounds are infinite): continuous, and zero only at a bound that the descent
    direction points to. [R] the form is the one in the literature as we remember it; not
    re-verified against Kanzow & Klug's paper.
``"convex"`` the paper's new class [intro]
    :math:`D = \omega_1 D^{\rm CL} + \omega_2 D^{\rm HUU} + \omega_3 D^{\rm KK}`, ω = ``weights``
    (non-negative, summing to 1; default (1/3, 1/3, 1/3), our choice). The properties the
    convergence theory asks of D (positive in int Ω, bounded on bounded sets, :math:`d_i` at most a
    multiple of the distance to the bound the descent direction points to, :math:`D g = 0` exactly
    at first-order points) are kept by convex combinations.

All scalings are floored at the dtype's smallest normal number (so :math:`G = D^{-1/2}` is finite)
and are total: a free variable has :math:`d_i = 1`.

Provenance
----------
[intro] the problem, the interior-point requirement and the convex-combination idea (abstract of
Ayanzadeh et al.). [R] everything else, reconstructed from the STRSCNE/CoDoSol literature without
the papers at hand: the Cauchy step and its truncation, the projected-and-scaled Newton step, the
two step rules, the acceptance ratio, the radius constants (Δ₀ = 1, Δ_min = √ε, 0.25/0.75,
shrink 0.25, expand 2), θ = σ = 0.99995; the HUU and KK formulas; the default weights. Ours (not
in those papers, as far as we know): using the unprojected Newton step as it is when it is already
strictly feasible (this keeps local quadratic convergence exact), the exact minimisation of the
linear model on the dogleg segment, and the round-off guard (a trial component that rounding puts
on or beyond a bound is moved half way to that bound, or left at its old value). Singular
Jacobian: when the LU solve fails or returns non-finite values the iteration continues with the
Cauchy step (counted in ``n_singular``), which needs only :math:`J^\top F`.

Backends: written once against the array API; the Newton step uses ``xp.linalg.solve`` (LAPACK
``gesv`` on NumPy and torch); the loop control (norms, ratios, the radius) is on the host.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._oracle import NonFiniteOracleValue, _is_complex
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, numpy_dtype

__all__ = ["TrustRegionResult", "TrustRegionStatus", "scaled_trust_region"]

SCALINGS = ("cl", "huu", "kk", "convex")
STEPS = ("dogleg", "newton_or_cauchy")
TRUST_REGIONS = ("elliptical", "spherical")
#: default weights of the convex combination (CL, HUU, KK): equal, our choice (the paper's are unverified)
DEFAULT_WEIGHTS = (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0)


class TrustRegionStatus(StatusEnum):
    """Why :func:`scaled_trust_region` stopped (the value is the message)."""

    __failures__ = ("MAX_ITER", "NONFINITE", "SMALL_RADIUS", "STATIONARY")
    CONVERGED = "converged: ||F(x)|| at or below ftol"
    MAX_ITER = "stopped: reached max_iter accepted steps before ||F(x)|| fell to ftol"
    NONFINITE = ("stopped: F or J returned NaN or inf at the starting point or at an accepted iterate "
                 "(trial points with non-finite F are rejected, not fatal)")
    CALLBACK = "stopped: the callback asked to stop"
    SMALL_RADIUS = ("stopped: the trust radius fell below delta_min without an acceptable step (near a local "
                    "minimiser of ||F|| that is not a root, or F is not smooth enough at this scale)")
    STATIONARY = ("stopped: the scaled gradient ||D^(1/2) J^T F|| fell to gtol while ||F|| > ftol "
                  "(a first-order point of ||F||^2/2 on the box that is not a root)")


@dataclass(frozen=True, kw_only=True)
class TrustRegionResult(Result):
    """Result of :func:`~refimpl.newton.scaled_trust_region`.

    ``x`` follows the caller's array library; histories are host NumPy arrays.

    Attributes
    ----------
    status : TrustRegionStatus
    x : (n,) array
        The last accepted iterate (strictly inside the box).
    fnorm : float
        :math:`\\|F(x)\\|_2`.
    n_iter : int
        Accepted steps.
    n_fev : int
        Evaluations of F (trial points included).
    n_grad : int
        Evaluations of the Jacobian J (SciPy's ``njev``).
    n_factor : int
        LU solves attempted for the Newton step (one per iteration).
    fnorms : (n_iter + 1,) float array
        :math:`\\|F(x_k)\\|_2`, k = 0, ..., n_iter.
    radii : (n_iter,) float array
        The trust radius Δ with which each accepted step was computed.
    steps : tuple of str
        Which step each iteration took: ``"newton"`` (the Newton step, projected and scaled if it
        left the box), ``"cauchy"`` (the generalised Cauchy step), ``"dogleg"`` (a point strictly
        between them on the dogleg segment, or the Newton step cut back to the trust region).
    rho : (n_iter,) float array
        The acceptance ratio of each accepted step.
    margins : (n_iter + 1,) float array
        :math:`\\min_i \\min(x_{k,i} - l_i, u_i - x_{k,i})` of each iterate (inf when every bound
        is infinite): positive throughout (strict feasibility).
    n_reject : int
        Rejected trial steps (each a radius reduction).
    n_singular : int
        Iterations whose Newton step was unavailable (the LU solve failed or gave non-finite
        values): the Cauchy step was used.
    scaling : str
    weights : tuple of float
        The weights (ω_CL, ω_HUU, ω_KK) of the scaling actually used ((1, 0, 0) for ``"cl"``, ...).
    method : str
    """

    x: Any
    fnorm: float
    n_iter: int
    n_fev: int
    n_grad: int
    n_factor: int
    fnorms: np.ndarray
    radii: np.ndarray
    steps: tuple
    rho: np.ndarray
    margins: np.ndarray
    n_reject: int = 0
    n_singular: int = 0
    scaling: str = "cl"
    weights: tuple = (1.0, 0.0, 0.0)
    method: str = ""


class _System:
    """F and J as counted, checked oracles on one backend (shape, realness, finiteness)."""

    def __init__(self, F: Any, J: Any, n: int, backend: Any, dtype: Any) -> None:
        self._F, self._J, self.n, self.backend, self.xp, self.dtype = F, J, n, backend, backend.xp, dtype
        self.n_fev = self.n_grad = self.n_factor = 0

    def _array(self, out: Any, which: str, shape: tuple[int, ...]) -> Any:
        if out is None or isinstance(out, (str, bytes)) or _is_complex(out):
            got = "complex values" if _is_complex(out) else type(out).__name__
            raise TypeError(f"{which} must return a real array of shape {shape}; got {got}")
        try:
            a = self.backend.asarray(out, dtype=self.dtype)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"{which} must return a real array of shape {shape}; got {type(out).__name__}") from None
        got = tuple(int(s) for s in a.shape)
        if got != shape:
            raise ValueError(f"{which} must return an array of shape {shape}; got shape {got}")
        if not bool(self.xp.all(self.xp.isfinite(a))):
            raise NonFiniteOracleValue(which)
        return a

    def F(self, x: Any) -> Any:
        self.n_fev += 1
        return self._array(self._F(x), "F", (self.n,))

    def J(self, x: Any) -> Any:
        self.n_grad += 1
        return self._array(self._J(x), "J", (self.n, self.n))


def _check_bound(b: Any, name: str, n: int, forbidden: float) -> np.ndarray:
    """A bound as a host float array of shape (n,): scalars broadcast, None is unbounded, no NaN, no ``forbidden``."""
    if b is None:
        return np.full(n, -forbidden)
    if isinstance(b, bool):
        raise TypeError(f"{name} must be a real number or a real array of shape ({n},); got bool")
    from array_api_compat import is_array_api_obj

    if not is_array_api_obj(b) and np.isscalar(b):
        b = np.asarray(b)
    b = v.check_array(b, name, ndim=(0, 1), finite=False, real=True)
    from refimpl.backends import to_numpy

    host = np.asarray(to_numpy(b) if is_array_api_obj(b) else b, dtype=float)
    if host.ndim == 0:
        host = np.full(n, float(host))
    if host.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have shape ({n},) like x0; got shape {host.shape}")
    if np.isnan(host).any():
        raise ValueError(f"{name} must not contain NaN; got NaN at index {int(np.flatnonzero(np.isnan(host))[0])}")
    bad = np.flatnonzero(host == forbidden)
    if bad.size:
        side = "lower" if forbidden > 0 else "upper"
        raise ValueError(f"{name} must not contain {forbidden:+}: a {side} bound of {forbidden:+} leaves no feasible "
                         f"point; got {forbidden:+} at index {int(bad[0])} (use {-forbidden:+} for 'unbounded')")
    return host


def _check_weights(weights: Any, scaling: str) -> tuple[float, float, float]:
    if scaling != "convex":
        if weights is not None:
            raise ValueError(f"weights apply only to scaling='convex' (the convex combination); got weights with "
                             f"scaling={scaling!r}")
        return {"cl": (1.0, 0.0, 0.0), "huu": (0.0, 1.0, 0.0), "kk": (0.0, 0.0, 1.0)}[scaling]
    if weights is None:
        return DEFAULT_WEIGHTS
    if isinstance(weights, dict):
        unknown = set(weights) - {"cl", "huu", "kk"}
        if unknown:
            raise ValueError(f"weights keys must be among 'cl', 'huu', 'kk'; got {sorted(map(str, unknown))}")
        weights = [weights.get(k, 0.0) for k in ("cl", "huu", "kk")]
    if isinstance(weights, (str, bytes)):
        raise TypeError(f"weights must be 3 non-negative numbers (CL, HUU, KK) summing to 1; got {type(weights).__name__}")
    w = v.check_array(weights, "weights", ndim=1, real=True)
    from refimpl.backends import to_numpy

    w = np.asarray(to_numpy(w), dtype=float)
    if w.shape != (3,):
        raise ValueError(f"weights must have 3 entries (CL, HUU, KK); got shape {w.shape}")
    if (w < 0).any():
        raise ValueError(f"weights must be non-negative; got {w.tolist()}")
    if abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"weights must sum to 1 (a convex combination); got sum {w.sum():.12g}")
    return tuple(float(t) for t in w)


@capabilities()
def scaled_trust_region(
    F: Any,
    J: Any,
    x0: Any,
    lb: Any,
    ub: Any,
    *,
    scaling: str = "cl",
    weights: Any = None,
    ftol: float = 1e-8,
    max_iter: int = 300,
    step: str = "dogleg",
    trust_region: str = "elliptical",
    delta0: float = 1.0,
    delta_min: float | None = None,
    theta: float = 0.99995,
    sigma: float = 0.99995,
    accept: float = 0.25,
    very_good: float = 0.75,
    shrink: float = 0.25,
    expand: float = 2.0,
    beta1: float = 0.1,
    huu_p: float = 2.0,
    kk_gamma: float = 1.0,
    gtol: float = 0.0,
    callback: Any = None,
) -> TrustRegionResult:
    r"""Solve :math:`F(x) = 0` on the box :math:`l \le x \le u` by an affine-scaling trust region with interior iterates.

    See the module :mod:`refimpl.newton.trust_region` for the iteration, the four scalings and
    the provenance. **Low confidence**: the exact weights of the convex-combination scaling of
    Ayanzadeh, Yazdanian & Shahamatnia (2019) could not be verified; they are a parameter here.

    Parameters
    ----------
    F : callable
        ``F(x) -> (n,)`` array, called with backend arrays (write it with the array API, or with
        NumPy for NumPy input).
    J : callable
        ``J(x) -> (n, n)`` Jacobian :math:`\partial F_i/\partial x_j`.
    x0 : (n,) array_like
        Starting point, **strictly** inside the box (:math:`l_i < x_{0,i} < u_i`).
    lb, ub : float or (n,) array_like or None
        Lower and upper bounds; ``-inf`` / ``+inf`` entries (or None) for unbounded; ``lb < ub``.
    scaling : {"cl", "huu", "kk", "convex"}, default "cl"
        Coleman–Li, Heinkenschloss–Ulbrich–Ulbrich, Kanzow–Klug, or their convex combination.
    weights : sequence of 3 floats or dict, optional
        ``scaling="convex"`` only: (ω_CL, ω_HUU, ω_KK), non-negative, summing to 1 (a dict with keys
        ``"cl"``, ``"huu"``, ``"kk"`` also works; missing keys are 0). Default equal weights.
    ftol : float, default 1e-8
        Stop when :math:`\|F(x_k)\|_2 \le` ``ftol``.
    max_iter : int, default 300
        Accepted steps.
    step : {"dogleg", "newton_or_cauchy"}, default "dogleg"
        CoDoSol's constrained dogleg or STRSCNE's choice between the Newton and the Cauchy step.
    trust_region : {"elliptical", "spherical"}, default "elliptical"
        :math:`\|D^{-1/2}p\| \le \Delta` or :math:`\|p\| \le \Delta`.
    delta0 : float, default 1
        Initial radius, > 0.
    delta_min : float, optional
        Smallest radius before ``SMALL_RADIUS``; default :math:`\sqrt{\varepsilon}` of the dtype.
    theta : float, default 0.99995
        Fraction of the way to the boundary for a Cauchy step that would leave the box, in (0, 1).
    sigma : float, default 0.99995
        The same for the projected Newton step, in (0, 1).
    accept, very_good : float, default 0.25, 0.75
        Acceptance threshold and radius-enlargement threshold on ρ, 0 < accept <= very_good < 1.
    shrink, expand : float, default 0.25, 2
        Radius factors on rejection (in (0, 1)) and on a very good step (>= 1).
    beta1 : float, default 0.1
        ``"newton_or_cauchy"``: the Newton step is taken when its model decrease is at least this
        fraction of the Cauchy step's, in (0, 1].
    huu_p : float, default 2
        The exponent p > 1 of the HUU scaling.
    kk_gamma : float, default 1
        The γ > 0 of the KK scaling.
    gtol : float, default 0
        ``STATIONARY`` when :math:`\|D^{1/2}J^\top F\|_2 \le` ``gtol`` and ‖F‖ > ``ftol`` (0: only an
        exactly vanishing scaled gradient).
    callback : callable, optional
        Called after each accepted step with ``iteration``, ``x``, ``fnorm``, ``radius`` (the Δ of
        the step), ``step`` (its kind), ``rho``; True stops with ``CALLBACK``.

    Returns
    -------
    TrustRegionResult
        ``x``, ``status``, ``n_iter``, ``fnorms`` (the ‖F‖ history), ``n_fev``, ``n_grad``
        (Jacobians), ``n_factor``, ``radii``, ``steps``, ``rho``, ``margins``, ``n_reject``,
        ``n_singular``.

    Raises
    ------
    ValueError, TypeError
        ``x0`` not strictly inside the box (outside it or on its boundary), ``lb >= ub`` somewhere,
        ``lb = +inf`` or ``ub = -inf``, NaN bounds, shapes that do not match ``x0``, non-finite
        ``x0``, unknown ``scaling``/``step``/``trust_region``, ``weights`` not a convex combination
        or given without ``scaling="convex"``, parameters out of range, F or J returning the wrong
        shape or type.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import scaled_trust_region, chandrasekhar_h
    >>> prob = chandrasekhar_h(n=50, c=0.9)
    >>> res = scaled_trust_region(prob.F, prob.J, prob.x0, prob.lb, prob.ub, scaling="convex")
    >>> res.status.name, bool(res.fnorm <= 1e-8), bool(np.all(res.margins > 0))
    ('CONVERGED', True, True)
    """
    check_callback(callback)
    F = v.check_callable(F, "F")
    J = v.check_callable(J, "J")
    v.check_choice(scaling, "scaling", SCALINGS)
    v.check_choice(step, "step", STEPS)
    v.check_choice(trust_region, "trust_region", TRUST_REGIONS)
    w = _check_weights(weights, scaling)
    ftol = v.check_positive(ftol, "ftol", strict=False)
    gtol = v.check_positive(gtol, "gtol", strict=False)
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**7, why="each iteration solves an n x n system")
    delta0 = v.check_positive(delta0, "delta0")
    if delta_min is not None:
        delta_min = v.check_positive(delta_min, "delta_min")
    theta = v.check_in_range(theta, "theta", 0.0, 1.0)
    sigma = v.check_in_range(sigma, "sigma", 0.0, 1.0)
    accept = v.check_in_range(accept, "accept", 0.0, 1.0)
    very_good = v.check_in_range(very_good, "very_good", 0.0, 1.0)
    if very_good < accept:
        raise ValueError(f"very_good must be >= accept; got very_good={very_good} < accept={accept}")
    shrink = v.check_in_range(shrink, "shrink", 0.0, 1.0)
    expand = v.check_in_range(expand, "expand", 1.0, math.inf, low_inclusive=True)
    beta1 = v.check_in_range(beta1, "beta1", 0.0, 1.0, high_inclusive=True)
    huu_p = v.check_in_range(huu_p, "huu_p", 1.0, math.inf)
    kk_gamma = v.check_positive(kk_gamma, "kk_gamma")

    x0 = v.check_array(x0, "x0", ndim=1, real=True)
    n = int(x0.shape[0])
    lo = _check_bound(lb, "lb", n, math.inf)
    hi = _check_bound(ub, "ub", n, -math.inf)
    bad = np.flatnonzero(~(lo < hi))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"lb must be strictly below ub in every component (the box needs an interior); got "
                         f"lb[{i}] = {lo[i]:g} >= ub[{i}] = {hi[i]:g}")
    bd = Boundary(x0)
    x = bd.asarray(x0, name="x0")
    from refimpl.backends import to_numpy

    xh = np.asarray(to_numpy(x), dtype=float)
    out = np.flatnonzero(~((xh > lo) & (xh < hi)))
    if out.size:
        i = int(out[0])
        where = "outside" if (xh[i] < lo[i] or xh[i] > hi[i]) else "on the boundary of"
        raise ValueError(f"x0 must lie strictly inside the box lb < x0 < ub (the iterates are interior points); "
                         f"x0[{i}] = {xh[i]:g} is {where} [lb[{i}], ub[{i}]] = [{lo[i]:g}, {hi[i]:g}]"
                         + (" (move it slightly inside)" if where.startswith("on") else ""))
    xp = bd.xp
    lbx = bd.backend.asarray(lo, dtype=bd.dtype)
    ubx = bd.backend.asarray(hi, dtype=bd.dtype)
    # the box in the working precision must still contain x strictly
    if not bool(xp.all((x > lbx) & (x < ubx))):
        raise ValueError(f"x0 must lie strictly inside the box lb < x0 < ub in the working precision {bd.dtype}; "
                         "it touches a bound after rounding")
    eps = float(np.finfo(numpy_dtype(x)).eps)
    if delta_min is None:
        delta_min = math.sqrt(eps)
    system = _System(F, J, n, bd.backend, bd.dtype)
    opts = dict(scaling_weights=w, ftol=ftol, gtol=gtol, max_iter=max_iter, step=step,
                elliptical=trust_region == "elliptical", delta0=delta0, delta_min=delta_min, theta=theta,
                sigma=sigma, accept=accept, very_good=very_good, shrink=shrink, expand=expand, beta1=beta1,
                huu_p=huu_p, kk_gamma=kk_gamma, callback=callback, eps=eps)
    x, status, hist, n_reject, n_singular = _tr_core(system, x, lbx, ubx, **opts)
    fnorms, radii, kinds, rhos, margins = hist
    return TrustRegionResult(
        status=status, x=bd.out(x), fnorm=float(fnorms[-1]) if fnorms else math.nan, n_iter=len(radii),
        n_fev=system.n_fev, n_grad=system.n_grad, n_factor=system.n_factor,
        fnorms=np.asarray(fnorms, dtype=float), radii=np.asarray(radii, dtype=float), steps=tuple(kinds),
        rho=np.asarray(rhos, dtype=float), margins=np.asarray(margins, dtype=float), n_reject=n_reject,
        n_singular=n_singular, scaling=scaling, weights=w,
        method=f"affine-scaling trust region ({scaling}, {step}, {trust_region})",
    )


def scaling_vector(x: Any, g: Any, lb: Any, ub: Any, weights: tuple[float, float, float], *, huu_p: float,
                   kk_gamma: float) -> Any:
    """The diagonal :math:`d(x)` of the scaling :math:`\\omega_1 D^{CL} + \\omega_2 D^{HUU} + \\omega_3 D^{KK}` (xp arrays)."""
    from array_api_compat import array_namespace

    xp = array_namespace(x)
    one = xp.ones_like(x)
    dl = x - lb  # +inf where lb = -inf
    du = ub - x
    m = xp.minimum(dl, du)
    m_or_1 = xp.where(xp.isfinite(m), m, one)
    d_cl = xp.where(g < 0, xp.where(xp.isfinite(du), du, one),
                    xp.where(g > 0, xp.where(xp.isfinite(dl), dl, one), m_or_1))
    d = xp.zeros_like(x)
    w_cl, w_huu, w_kk = weights
    if w_cl:
        d = d + w_cl * d_cl
    if w_huu:
        ag = xp.abs(g)
        cond = (ag < m**huu_p) | (m < ag**huu_p)
        d = d + w_huu * xp.where(cond, d_cl, one)
    if w_kk:
        zero = xp.zeros_like(x)
        kk = xp.minimum(dl + kk_gamma * xp.maximum(zero, -g), du + kk_gamma * xp.maximum(zero, g))
        d = d + w_kk * xp.where(xp.isfinite(kk), kk, one)
    tiny = float(xp.finfo(x.dtype).smallest_normal)
    return xp.maximum(d, xp.full_like(x, tiny))


def _norm(xp: Any, a: Any) -> float:
    return float(xp.linalg.vector_norm(a))


def _newton_step(system: _System, Jx: Any, Fx: Any) -> Any:
    """``-J^{-1} F`` by one LU solve, or None when the solve fails or is not finite (singular J)."""
    xp = system.xp
    system.n_factor += 1
    try:
        p = -xp.linalg.solve(Jx, Fx[:, None])[:, 0]
    except (ValueError, RuntimeError, ArithmeticError):  # numpy/array-api-strict LinAlgError, torch's _LinAlgError
        return None
    if not bool(xp.all(xp.isfinite(p))):
        return None
    return p


def _tr_core(system: _System, x: Any, lb: Any, ub: Any, *, scaling_weights: tuple, ftol: float, gtol: float,
             max_iter: int, step: str, elliptical: bool, delta0: float, delta_min: float, theta: float,
             sigma: float, accept: float, very_good: float, shrink: float, expand: float, beta1: float,
             huu_p: float, kk_gamma: float, callback: Any, eps: float) -> tuple:
    """The trust-region loop (see :func:`scaled_trust_region`)."""
    xp = system.xp
    fnorms: list[float] = []
    radii: list[float] = []
    kinds: list[str] = []
    rhos: list[float] = []
    margins: list[float] = []
    n_reject = n_singular = 0
    delta = delta0
    inf = math.inf

    def margin(z: Any) -> float:
        return float(xp.min(xp.minimum(z - lb, ub - z)))

    def inside(z: Any) -> bool:
        return bool(xp.all((z > lb) & (z < ub)))

    status = TrustRegionStatus.MAX_ITER
    try:
        Fx = system.F(x)
        fn = _norm(xp, Fx)
        fnorms.append(fn)
        margins.append(margin(x))
        Jx = None
        for k in range(max_iter + 1):
            if fn <= ftol:
                status = TrustRegionStatus.CONVERGED
                break
            if k == max_iter:
                break
            if Jx is None:
                Jx = system.J(x)
            g = Jx.T @ Fx
            d = scaling_vector(x, g, lb, ub, scaling_weights, huu_p=huu_p, kk_gamma=kk_gamma)
            sqd = xp.sqrt(d)
            Gn = (lambda p: _norm(xp, p / sqd)) if elliptical else (lambda p: _norm(xp, p))
            dg = _norm(xp, sqd * g)  # ||D^{1/2} g||
            if dg <= gtol:
                status = TrustRegionStatus.STATIONARY
                break
            s = -d * g  # scaled steepest descent
            Js = Jx @ s
            js2 = float(Js @ Js)
            tau_star = dg * dg / js2 if js2 > 0 else inf
            gs = Gn(s)
            # largest step along s to the boundary of the box
            with_lo = xp.where(s < 0, (lb - x) / xp.where(s < 0, s, xp.ones_like(s)), xp.full_like(s, inf))
            with_hi = xp.where(s > 0, (ub - x) / xp.where(s > 0, s, xp.ones_like(s)), xp.full_like(s, inf))
            lam = float(xp.min(xp.minimum(with_lo, with_hi)))
            # the Newton step (independent of the radius)
            pN = _newton_step(system, Jx, Fx)
            if pN is None:
                n_singular += 1
            else:
                xn = x + pN
                if not inside(xn):
                    pr = xp.clip(xn, lb, ub) - x
                    pN = max(sigma, 1.0 - _norm(xp, pr)) * pr
                gpN = Gn(pN)
                rN = Fx + Jx @ pN
                rN_norm = _norm(xp, rN)
            while True:
                tau = min(tau_star, delta / gs)
                if tau < lam:
                    pC = tau * s
                else:
                    pC = max(theta, 1.0 - lam * _norm(xp, s)) * lam * s
                rC = Fx + Jx @ pC
                rC_norm = _norm(xp, rC)
                kind = "cauchy"
                p, r_norm = pC, rC_norm
                if pN is not None:
                    if step == "dogleg":
                        dlt = pN - pC
                        gmax = 1.0
                        if gpN > delta:  # the segment leaves the trust region: ||G(pC + γ dlt)|| = Δ
                            a_ = Gn(dlt) ** 2
                            if elliptical:
                                b_ = 2.0 * float((pC / sqd) @ (dlt / sqd))
                            else:
                                b_ = 2.0 * float(pC @ dlt)
                            c_ = Gn(pC) ** 2 - delta * delta
                            gmax = 0.0 if a_ == 0 else max(0.0, min(1.0, (-b_ + math.sqrt(max(b_ * b_ - 4 * a_ * c_, 0.0))) / (2 * a_)))
                        w_ = rN - rC  # J dlt
                        ww = float(w_ @ w_)
                        gam = gmax if ww == 0 else min(max(-float(rC @ w_) / ww, 0.0), gmax)
                        # the Newton step when its model residual is within round-off of the segment's minimum
                        # (||rC + γw||² is quadratic in γ: the gap at γ = 1 is ww (1 − γ)²)
                        if gmax == 1.0 and math.sqrt(ww) * (1.0 - gam) <= 8.0 * eps * max(fn, rC_norm):
                            gam = 1.0
                        if gam >= 1.0:
                            p, r_norm, kind = pN, rN_norm, "newton"
                        elif gam > 0.0:
                            p = pC + gam * dlt
                            r_norm = _norm(xp, rC + gam * w_)
                            kind = "dogleg"
                    else:  # STRSCNE: the Newton step (cut to the region) if it gives a fraction of Cauchy decrease
                        if gpN > delta:
                            pT = (delta / gpN) * pN
                            rT = _norm(xp, Fx + Jx @ pT)
                            kind_t = "dogleg"
                        else:
                            pT, rT, kind_t = pN, rN_norm, "newton"
                        if fn - rT >= beta1 * (fn - rC_norm):
                            p, r_norm, kind = pT, rT, kind_t
                xt = x + p
                if not inside(xt):  # round-off guard: half way to the bound, else keep the old component
                    xt = xp.where(xt <= lb, 0.5 * (x + lb), xp.where(xt >= ub, 0.5 * (x + ub), xt))
                    xt = xp.where((xt > lb) & (xt < ub), xt, x)
                    p = xt - x
                    r_norm = _norm(xp, Fx + Jx @ p)
                pred = fn - r_norm
                try:
                    Ft = system.F(xt)
                    ft = _norm(xp, Ft)
                except NonFiniteOracleValue:
                    Ft, ft = None, inf
                ared = fn - ft
                if pred > 0:
                    rho = ared / pred
                else:
                    rho = 1.0 if ared > 0 else -inf
                gp = Gn(p)
                if rho >= accept and Ft is not None:
                    radius_used = delta
                    if rho >= very_good:
                        delta = max(delta, expand * gp)
                    break
                n_reject += 1
                delta = min(shrink * delta, 0.5 * gp) if gp > 0 else shrink * delta
                if delta < delta_min:
                    status = TrustRegionStatus.SMALL_RADIUS
                    break
            if status is TrustRegionStatus.SMALL_RADIUS:
                break
            x, Fx, fn = xt, Ft, ft
            Jx = None
            fnorms.append(fn)
            radii.append(radius_used)
            kinds.append(kind)
            rhos.append(rho)
            margins.append(margin(x))
            if notify(callback, iteration=k + 1, x=x, fnorm=fn, radius=radius_used, step=kind, rho=rho):
                status = TrustRegionStatus.CALLBACK
                break
    except NonFiniteOracleValue:
        status = TrustRegionStatus.NONFINITE
    return x, status, (fnorms, radii, kinds, rhos, margins), n_reject, n_singular
