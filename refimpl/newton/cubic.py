r"""The cubic-regularised Newton subproblem, solved globally from one eigendecomposition.

Minimise the cubic model

.. math::

    \phi(h) = g^\top h + \tfrac12 h^\top A h + \tfrac{M}{6}\|h\|^3, \qquad A = A^\top \text{ (possibly indefinite)}, \; M > 0,

the step of Nesterov & Polyak (2006) and of the lazy-Hessian methods of Doikov, Chayti & Jaggi,
*Second-Order Optimization with Lazy Hessians*, ICML 2023, arXiv:2212.00781 (Algorithms 1 and 3).

Convention: the cubic term is :math:`(M/6)\|h\|^3` (Nesterov–Polyak, Doikov et al.). Codes that
write :math:`(H/3)\|h\|^3` (e.g. Doikov's public ``cubic_newton_step``) correspond to :math:`M = 2H`.

Characterisation (Nesterov & Polyak 2006, Theorem 10; also Cartis, Gould & Toint 2011, Thm 3.1):
:math:`h^\*` is a global minimiser iff, with :math:`r = \|h^\*\|`,

.. math::

    (A + \tfrac{M r}{2} I)\,h^\* = -g, \qquad A + \tfrac{M r}{2} I \succeq 0 .

With :math:`A = U\operatorname{diag}(a)U^\top` and :math:`\hat g = U^\top g`,
:math:`h(r) = -U(\operatorname{diag}(a) + \tfrac{Mr}{2})^{-1}\hat g` and :math:`r` is the root of the
secular equation :math:`\chi(r) = 1/\|h(r)\| - 1/r = 0` on :math:`r > r_{\min} = \max(0, -2a_{\min}/M)`,
solved in the shift :math:`\mu = a_{\min} + Mr/2` with the gaps :math:`a_i - a_{\min}` (no cancellation
in :math:`a_i + Mr/2` near the hard case).
:math:`\chi` is increasing and concave there (:math:`1/\|h(r)\|` is concave, Moré & Sorensen 1983),
so Newton's method from any point of the bracket lands left of the root and then increases
monotonically to it; it is safeguarded by bisection on the bracket
:math:`[r_{\min}, r_{\max}]`, :math:`r_{\max} = (-a_{\min} + \sqrt{a_{\min}^2 + 2M\|g\|})/M` (at
:math:`r_{\max}`, :math:`\|h\| \le \|g\|/(a_{\min} + Mr_{\max}/2) = r_{\max}`). Each evaluation costs
:math:`O(d)` in the eigenbasis, so a step with a stored eigendecomposition costs :math:`O(d^2)` (the
two products with :math:`U`), which is what makes lazy Hessians pay.

Scaling: with :math:`h = t\tilde h`, :math:`t = \sqrt{\|g\|/M}`, the model becomes
:math:`t\|g\|\,\tilde\phi(\tilde h)` with the unit gradient :math:`g/\|g\|`, the matrix
:math:`A/\sqrt{M\|g\|}` and :math:`M = 1`; the secular equation is solved for that problem, so
extreme magnitudes of g, A or M neither overflow nor underflow inside the iteration ([R] ours).
A step that is itself not representable (longer than 1e150) raises :class:`CubicStepOverflow`.

*Hard case*: when :math:`\hat g` has no component (below ``1e-10·‖g‖``) on the eigenspace of
:math:`a_{\min} < 0` and :math:`\|h(r_{\min})\| \le r_{\min}` (computed on the other components),
the minimiser is :math:`h(r_{\min}) + \tau u_{\min}` with :math:`\tau \ge 0` chosen so that
:math:`\|h\| = r_{\min}` (the sign of an eigenvector is arbitrary: every such point is a global
minimiser, and backends may return the other one).

Provenance: [V] the optimality characterisation (Nesterov & Polyak 2006) and the secular-equation
method (standard; Moré & Sorensen 1983 for the trust-region analogue). [R] the safeguarding
details and tolerances are ours; Doikov et al. do not prescribe a subproblem solver.
"""

from __future__ import annotations

import math
from typing import Any

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities

__all__ = ["CubicStepOverflow", "cubic_step"]

#: components of Uᵀg on the a_min eigenspace below this fraction of ‖g‖ count as zero (hard case)
HARD_CASE_RTOL = 1e-10
#: steps longer than this overflow ‖h‖² in float64: FloatingPointError (lazy methods: status NONFINITE)
_R_LIMIT = 1e150


class CubicStepOverflow(FloatingPointError):
    """The cubic step is not representable in floating point (a step longer than 1e150).

    Raised by :func:`cubic_step` when ``M`` is tiny compared with the negative curvature of ``A`` or
    with ``‖g‖``; the lazy methods turn it into status ``NONFINITE``. A ``FloatingPointError``.
    """


def _overflow(M: float, r: float, what: str) -> CubicStepOverflow:
    return CubicStepOverflow(f"the cubic step overflows: M = {M!r} is too small for {what} (step length "
                             f"{r:.3g} > {_R_LIMIT:g}); increase M or rescale g and A")


def _eigen_cubic(a: Any, gh: Any, M: float, xp: Any, *, max_iter: int = 100) -> tuple[Any, float, float]:
    r"""Solve the cubic subproblem in the eigenbasis of A, in a scaled form (see below).

    With :math:`h = t\tilde h`, :math:`t = \sqrt{\|g\|/M}`, the model is
    :math:`t\|g\|\,\tilde\phi(\tilde h)` where :math:`\tilde\phi` has the unit gradient
    :math:`g/\|g\|`, the matrix :math:`A/\sqrt{M\|g\|}` and M = 1: the secular equation is solved
    with O(1) gradient and cubic coefficient whatever the magnitudes of g, A and M (no overflow of
    ``M‖g‖`` or ``‖g‖²``, no underflow of the step). Same returns as :func:`_eigen_cubic_unscaled`.
    """
    gmax = float(xp.max(xp.abs(gh)))
    if gmax == 0.0:
        return _eigen_cubic_unscaled(a, gh, M, xp, max_iter=max_iter)
    gnorm = gmax * float(xp.linalg.vector_norm(gh / gmax))  # no overflow of the squares
    sqrt_m, sqrt_g = math.sqrt(M), math.sqrt(gnorm)
    s = sqrt_m * sqrt_g  # sqrt(M ||g||)
    t = sqrt_g / sqrt_m  # step scale sqrt(||g|| / M)
    if not (s > 0.0 and math.isfinite(s) and math.isfinite(t)):
        return _eigen_cubic_unscaled(a, gh, M, xp, max_iter=max_iter)
    a1 = a / s
    if not bool(xp.all(xp.isfinite(a1))):
        raise _overflow(M, math.inf, "the curvature of A")
    try:
        hh1, r1, _ = _eigen_cubic_unscaled(a1, gh / gnorm, 1.0, xp, max_iter=max_iter)
    except CubicStepOverflow:
        raise _overflow(M, math.inf, "the negative curvature of A") from None
    r = t * r1
    if not r <= _R_LIMIT:
        raise _overflow(M, r, "this g and A")
    hh = t * hh1
    return hh, r, _model(a, gh, hh, r, M, xp)


def _eigen_cubic_unscaled(a: Any, gh: Any, M: float, xp: Any, *, max_iter: int = 100) -> tuple[Any, float, float]:
    """Solve the cubic subproblem in the eigenbasis of A (as given: no rescaling).

    Parameters
    ----------
    a : (d,) array
        Eigenvalues of A.
    gh : (d,) array
        ``Uᵀ g``.
    M : float
        Cubic regularisation (the ``M/6`` convention).

    Returns
    -------
    hh : (d,) array
        The minimiser in the eigenbasis (``h = U hh``).
    r : float
        ``‖h‖``.
    model : float
        The model value φ(h) (≤ 0).
    """
    # Work with the shift mu = a_min + M r / 2 >= max(a_min, 0) and the gaps delta = a - a_min >= 0,
    # so that D = a + M r / 2 = delta + mu has no cancellation near the hard case (mu -> 0).
    gnorm = float(xp.linalg.vector_norm(gh))
    amin = float(xp.min(a))
    r_min = max(0.0, -2.0 * amin / M)
    zero = xp.zeros_like(gh)
    if gnorm == 0.0 and amin >= 0.0:
        return zero, 0.0, 0.0
    delta = a - amin
    eps = float(xp.finfo(a.dtype).eps)
    scale = max(float(xp.max(xp.abs(a))), 1e-300)
    if amin < 0.0:
        is_min = delta <= 64 * eps * scale
        g_min = float(xp.linalg.vector_norm(xp.where(is_min, gh, zero)))
        if g_min <= HARD_CASE_RTOL * gnorm or gnorm == 0.0:
            hh = xp.where(is_min, zero, -gh / xp.where(is_min, xp.ones_like(delta), delta))  # h(r_min), mu = 0
            nr = float(xp.linalg.vector_norm(hh))
            if not r_min <= _R_LIMIT:
                raise _overflow(M, r_min, "the negative curvature of A")
            if nr <= r_min:  # hard case: add the a_min eigenvector so that ||h|| = r_min
                tau = math.sqrt(max(r_min * r_min - nr * nr, 0.0))
                first = xp.argmax(xp.astype(is_min, xp.int32))
                e = xp.astype(xp.arange(a.shape[0], device=_device(a)) == first, a.dtype)
                hh = hh + tau * e
                return hh, r_min, _model(a, gh, hh, r_min, M, xp)
    lo = max(amin, 0.0)
    root = math.hypot(amin, math.sqrt(2.0 * M) * math.sqrt(gnorm))  # sqrt(a_min² + 2M‖g‖) without overflow
    hi = 0.5 * (amin + root) if amin >= 0 else (M / (root - amin)) * gnorm  # mu at r_max, no cancellation
    r_max = 2.0 * (hi - amin) / M
    if not r_max <= _R_LIMIT:  # ‖h‖² would overflow (or r_max is NaN)
        raise _overflow(M, r_max, "this g and A")
    mu = hi
    for _ in range(max_iter):
        D = delta + mu
        r = 2.0 * (mu - amin) / M
        q = gh / D
        w = float(xp.sum(q * q))
        nh = math.sqrt(w)
        if r <= 0.0 or w == 0.0:  # M r / 2 is below round-off of a_min: the cubic term is negligible
            break
        chi = 1.0 / nh - 1.0 / r if nh > 0 else math.inf
        if chi < 0:
            lo = mu
        else:
            hi = mu
        if abs(nh - r) <= 4 * eps * r or hi - lo <= 4 * eps * hi:
            break
        # d chi / d mu = w^{-3/2} sum(q^2 / D) + 2 / (M r^2)
        try:
            dchi = float(xp.sum(q * q / D)) / w / nh + 2.0 / (M * r * r)
            mu_new = mu - chi / dchi
        except ZeroDivisionError:  # underflow of M r² or of chi's slope: bisect
            mu_new = math.nan
        if not (lo < mu_new < hi) or not math.isfinite(mu_new):
            mu_new = 0.5 * (lo + hi)
        mu = mu_new
    hh = -gh / (delta + mu)
    r = float(xp.linalg.vector_norm(hh))
    return hh, r, _model(a, gh, hh, r, M, xp)


def _device(x: Any) -> Any:
    from array_api_compat import device

    return device(x)


def _model(a: Any, gh: Any, hh: Any, r: float, M: float, xp: Any) -> float:
    """φ(h) in the eigenbasis: ĝᵀĥ + ½ Σ aᵢĥᵢ² + (M/6) r³."""
    return float(xp.sum(gh * hh) + 0.5 * xp.sum(a * hh * hh)) + M * r**3 / 6.0


def _check_M(M: Any) -> float:
    return v.check_positive(M, "M")


@capabilities()
def cubic_step(g: Any, A: Any, M: float) -> Any:
    r"""Global minimiser of :math:`g^\top h + \tfrac12 h^\top A h + \tfrac{M}{6}\|h\|^3` (the **M/6** convention).

    Computed from one symmetric eigendecomposition of ``A`` and a safeguarded Newton iteration on
    the secular equation, including the hard case (see the module docstring). If your code writes
    the cubic term as :math:`(H/3)\|h\|^3`, pass ``M = 2 * H``.

    Parameters
    ----------
    g : (d,) array_like
        Gradient.
    A : (d, d) array_like
        Symmetric matrix (Hessian), possibly indefinite; symmetric to ``1e-8`` relative.
    M : float
        Cubic regularisation, ``M > 0``.

    Returns
    -------
    h : (d,) array
        The global minimiser, in the caller's array library. In the hard case (``g`` orthogonal
        to the eigenspace of a negative smallest eigenvalue) the minimiser is not unique; one of
        them is returned.

    Raises
    ------
    ValueError
        ``A`` not square ``(d, d)`` or not symmetric, ``g`` not of shape ``(d,)``, non-finite
        entries, ``M <= 0``.
    CubicStepOverflow
        (a ``FloatingPointError``) The minimiser is not representable (``M`` tiny: a step longer
        than 1e150).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import cubic_step
    >>> h = cubic_step(np.array([1.0, 0.0]), np.diag([1.0, -1.0]), 2.0)
    >>> g, A, r = np.array([1.0, 0.0]), np.diag([1.0, -1.0]), np.linalg.norm(h)
    >>> bool(np.allclose(g + A @ h + 0.5 * 2.0 * r * h, 0))
    True
    """
    g = v.check_array(g, "g", ndim=1, real=True)
    A = v.check_array(A, "A", ndim=2, real=True)
    d = g.shape[0]
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square (d, d) matrix; got shape {tuple(int(s) for s in A.shape)}")
    v.check_shape(A, "A", (d, d))
    M = _check_M(M)
    bd = Boundary(g, A)
    xp = bd.xp
    gb, Ab = bd.asarray(g, name="g"), bd.asarray(A, name="A")
    asym = float(xp.max(xp.abs(Ab - Ab.T)))
    scale = float(xp.max(xp.abs(Ab)))
    if asym > 1e-8 * max(scale, 1e-300):
        raise ValueError(f"A must be symmetric; got max|A - A^T| = {asym:.3g} (relative {asym / max(scale, 1e-300):.3g} > 1e-8)")
    a, U = xp.linalg.eigh(0.5 * (Ab + Ab.T))
    hh, _, _ = _eigen_cubic(a, gb @ U, M, xp)
    return bd.out(U @ hh)
