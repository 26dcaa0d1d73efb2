r"""Equality-constrained test problems: closed-form Hock–Schittkowski problems, Poisson control, constrained logistic regression.

The test set of Hong, Na, Mahoney & Kolar, *Constrained Optimization via Exact Augmented Lagrangian
and Randomized Iterative Sketching* (ICML 2023), without CUTEst: problems of the form

.. math::

    \min_x f(x) \quad \text{s.t.} \quad c(x) = 0, \qquad f: \mathbb R^n \to \mathbb R,\;
    c: \mathbb R^n \to \mathbb R^m,

given as a **constrained problem object** with ``n``, ``m``, ``x0``, ``lam0`` and the methods

====================  =====================================================================
``f(x)``              objective value (0-d array)
``grad(x)``           :math:`\nabla f(x)`, shape ``(n,)``
``hess(x)``           :math:`\nabla^2 f(x)`, shape ``(n, n)``
``c(x)``              constraint values, shape ``(m,)``
``jac(x)``            Jacobian :math:`G(x) = \nabla c(x)^\top`, shape ``(m, n)``
``hess_c(x)``         constraint Hessians :math:`\nabla^2 c_i(x)`, stacked, shape ``(m, n, n)``
====================  =====================================================================

and, where one is published, the solution ``x_star`` and optimal value ``f_star`` (host NumPy;
None when unknown). Every formula is written against the array API of ``x`` (NumPy, torch,
CuPy, array_api_strict), so one problem object serves every backend. Your own problem is any
object with these attributes and methods, or :class:`ConstrainedProblem` built from callables.

Hock–Schittkowski problems (:func:`hs_problem`)
-----------------------------------------------
The closed-form members of the CUTEst equality-constrained set used in the paper's experiments:
HS6, HS7, HS28, HS40, HS42, HS47, HS48, HS50, HS51, HS52, HS56, HS77, HS78, HS79 and BOOTH, in the
original Hock & Schittkowski (1981) scaling (e.g. HS6 is :math:`(1 - x_1)^2`, not
:math:`\tfrac12(x_1 - 1)^2` as in OptimizationProblems.jl: same minimiser, twice the multiplier),
with the standard starting points and ``lam0 = 0`` (CUTEst's default multiplier start, which the
authors' runs use). Solutions are the published ones (Hock & Schittkowski 1981; Schittkowski 1987);
HS56's minimiser is one of a periodic family (compare ``f_star``), HS40's is unique only up to
signs.

Other instances
---------------
:func:`poisson_control_problem`: the discretised Poisson control problem of the paper's PDE
experiment; :func:`constrained_logistic_problem`: logistic regression with 10 random linear
equality constraints and the unit-sphere constraint, on synthetic data (the paper uses LIBSVM
data sets; the loss is :class:`refimpl._oracle.LogisticRegression`).

Provenance
----------
[V] the HS formulas and their published solutions (Hock & Schittkowski 1981), checked in the
tests against finite differences, feasibility and SciPy's solvers; the Poisson-control instance
follows the authors' public code (``IlgeeHong/AdaSketch-Newton``, ``PDE/``: grid, target state,
5-point Laplacian with h = 2/(N + 1), x0 = λ0 = 1, column-major grid ordering). [R] the synthetic
data of the constrained logistic regression (draw order ours).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl._oracle import LogisticRegression
from refimpl.backends import capabilities

__all__ = [
    "ConstrainedProblem",
    "HS_NAMES",
    "constrained_logistic_problem",
    "hs_problem",
    "poisson_control_problem",
]

#: the closed-form Hock–Schittkowski problems :func:`hs_problem` knows, in the paper's order
HS_NAMES: tuple[str, ...] = ("HS6", "HS7", "HS28", "HS40", "HS42", "HS47", "HS48", "HS50", "HS51", "HS52",
                             "HS56", "HS77", "HS78", "HS79", "BOOTH")


# --------------------------------------------------------------------------------------------
# array-API helpers: vectors and matrices from 0-d entries (Python floats or 0-d arrays)
# --------------------------------------------------------------------------------------------


def _vec(x: Any, *entries: Any) -> Any:
    xp = array_namespace(x)
    dev = device(x)
    return xp.stack([xp.asarray(e, dtype=x.dtype, device=dev) for e in entries])


def _mat(x: Any, rows: Any) -> Any:
    xp = array_namespace(x)
    return xp.stack([_vec(x, *r) for r in rows])


def _sym(x: Any, n: int, entries: dict[tuple[int, int], Any]) -> Any:
    """A symmetric (n, n) matrix from its upper-triangle entries ``{(i, j): value}`` (0-based, i <= j)."""
    rows = [[0.0] * n for _ in range(n)]
    for (i, j), val in entries.items():
        rows[i][j] = val
        rows[j][i] = val
    return _mat(x, rows)


def _stack(x: Any, mats: list[Any]) -> Any:
    return array_namespace(x).stack(mats)


def _zeros(x: Any, *shape: int) -> Any:
    return array_namespace(x).zeros(shape, dtype=x.dtype, device=device(x))


# --------------------------------------------------------------------------------------------
# the problem protocol
# --------------------------------------------------------------------------------------------


@capabilities()
class ConstrainedProblem:
    r"""An equality-constrained problem :math:`\min f(x)` s.t. :math:`c(x) = 0` from callables.

    Also the base class of the built-in problems (which override the methods).

    Parameters
    ----------
    f, grad, hess : callable
        ``f(x) -> scalar``, ``grad(x) -> (n,)``, ``hess(x) -> (n, n)``.
    c, jac, hess_c : callable
        ``c(x) -> (m,)``, ``jac(x) -> (m, n)``, ``hess_c(x) -> (m, n, n)``.
    x0 : (n,) array_like
        Default start.
    lam0 : (m,) array_like or None
        Default multiplier start (None: zeros).
    x_star : (n,) array_like or None
        Known solution, if any.
    f_star : float or None
        Known optimal value, if any.
    name : str

    Attributes
    ----------
    n, m : int
        Numbers of variables and constraints.
    x0, lam0, x_star : numpy.ndarray or None
        Host copies.
    f_star : float or None
    linear_constraints : bool
        Whether every constraint is affine (known for the built-in problems; False for callables).
    quadratic_objective : bool
        Whether f is quadratic (ditto).
    """

    name = "constrained problem"
    linear_constraints = False
    quadratic_objective = False

    def __init__(self, f: Callable, grad: Callable, hess: Callable, c: Callable, jac: Callable, hess_c: Callable,
                 x0: Any, lam0: Any = None, *, m: int | None = None, x_star: Any = None, f_star: float | None = None,
                 name: str = "constrained problem") -> None:
        for fn, nm in ((f, "f"), (grad, "grad"), (hess, "hess"), (c, "c"), (jac, "jac"), (hess_c, "hess_c")):
            v.check_callable(fn, nm)
        self._f, self._grad, self._hess, self._c, self._jac, self._hess_c = f, grad, hess, c, jac, hess_c
        x0 = np.asarray(_host(v.check_array(x0, "x0", ndim=1, real=True)), dtype=np.float64)
        self.n = int(x0.shape[0])
        if lam0 is None:
            if m is None:
                raise TypeError("lam0 or m must be given: the number of constraints")
            m = v.check_size(m, "m", limit=10**6, why="the KKT matrix is dense")
            lam0 = np.zeros(m)
        lam0 = np.asarray(_host(v.check_array(lam0, "lam0", ndim=1, real=True)), dtype=np.float64)
        if m is not None and int(m) != lam0.shape[0]:
            raise ValueError(f"lam0 must have shape ({int(m)},) to match m; got shape {lam0.shape}")
        self.m = int(lam0.shape[0])
        self.x0, self.lam0 = x0, lam0
        if x_star is not None:
            x_star = np.asarray(_host(v.check_array(x_star, "x_star", ndim=1, real=True)), dtype=np.float64)
            v.check_shape(x_star, "x_star", (self.n,))
        self.x_star = x_star
        self.f_star = None if f_star is None else v.check_real(f_star, "f_star")
        self.name = str(name)

    def f(self, x: Any) -> Any:
        """The objective value."""
        return self._f(x)

    def grad(self, x: Any) -> Any:
        """The objective gradient, ``(n,)``."""
        return self._grad(x)

    def hess(self, x: Any) -> Any:
        """The objective Hessian, ``(n, n)``."""
        return self._hess(x)

    def c(self, x: Any) -> Any:
        """The constraint values, ``(m,)``."""
        return self._c(x)

    def jac(self, x: Any) -> Any:
        """The constraint Jacobian :math:`G = \\nabla c^\\top`, ``(m, n)``."""
        return self._jac(x)

    def hess_c(self, x: Any) -> Any:
        """The constraint Hessians, ``(m, n, n)``."""
        return self._hess_c(x)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, n={self.n}, m={self.m})"


def _host(a: Any) -> np.ndarray:
    from refimpl.backends import to_numpy

    return np.asarray(to_numpy(a))


class _Builtin(ConstrainedProblem):
    """A built-in problem: the methods are overridden, x0/lam0/x_star set by the subclass."""

    def __init__(self) -> None:  # noqa: D107 - no callables to check
        self.n = int(self.x0.shape[0])
        self.m = int(self.lam0.shape[0])


# --------------------------------------------------------------------------------------------
# Hock–Schittkowski problems (0-based indices in the code, 1-based in the docstrings)
# --------------------------------------------------------------------------------------------


class _HS(_Builtin):
    x_star: np.ndarray | None = None
    f_star: float | None = None

    def __init__(self) -> None:
        self.x0 = np.asarray(self._x0, dtype=np.float64)
        self.lam0 = np.zeros(self._m)
        super().__init__()


class _HS6(_HS):
    """HS6: (1 − x₁)² s.t. 10(x₂ − x₁²) = 0."""

    name, _x0, _m, linear_constraints = "HS6", (-1.2, 1.0), 1, False
    x_star, f_star = np.array([1.0, 1.0]), 0.0

    def f(self, x):
        return (1.0 - x[0]) ** 2

    def grad(self, x):
        return _vec(x, -2.0 * (1.0 - x[0]), 0.0)

    def hess(self, x):
        return _sym(x, 2, {(0, 0): 2.0})

    def c(self, x):
        return _vec(x, 10.0 * (x[1] - x[0] ** 2))

    def jac(self, x):
        return _mat(x, [[-20.0 * x[0], 10.0]])

    def hess_c(self, x):
        return _stack(x, [_sym(x, 2, {(0, 0): -20.0})])


class _HS7(_HS):
    """HS7: log(1 + x₁²) − x₂ s.t. (1 + x₁²)² + x₂² − 4 = 0."""

    name, _x0, _m = "HS7", (2.0, 2.0), 1
    x_star, f_star = np.array([0.0, math.sqrt(3.0)]), -math.sqrt(3.0)

    def f(self, x):
        xp = array_namespace(x)
        return xp.log(1.0 + x[0] ** 2) - x[1]

    def grad(self, x):
        return _vec(x, 2.0 * x[0] / (1.0 + x[0] ** 2), -1.0)

    def hess(self, x):
        s = 1.0 + x[0] ** 2
        return _sym(x, 2, {(0, 0): 2.0 * (1.0 - x[0] ** 2) / (s * s)})

    def c(self, x):
        return _vec(x, (1.0 + x[0] ** 2) ** 2 + x[1] ** 2 - 4.0)

    def jac(self, x):
        return _mat(x, [[4.0 * x[0] * (1.0 + x[0] ** 2), 2.0 * x[1]]])

    def hess_c(self, x):
        return _stack(x, [_sym(x, 2, {(0, 0): 4.0 + 12.0 * x[0] ** 2, (1, 1): 2.0})])


class _Linear(_HS):
    """Affine constraints G x − h (constant Jacobian, zero constraint Hessians)."""

    linear_constraints = True
    _G: tuple = ()
    _h: tuple = ()

    def c(self, x):
        xp = array_namespace(x)
        G = xp.asarray(np.asarray(self._G, dtype=np.float64), dtype=x.dtype, device=device(x))
        h = xp.asarray(np.asarray(self._h, dtype=np.float64), dtype=x.dtype, device=device(x))
        return G @ x - h

    def jac(self, x):
        xp = array_namespace(x)
        return xp.asarray(np.asarray(self._G, dtype=np.float64), dtype=x.dtype, device=device(x))

    def hess_c(self, x):
        return _zeros(x, self.m, self.n, self.n)


class _HS28(_Linear):
    """HS28: (x₁ + x₂)² + (x₂ + x₃)² s.t. x₁ + 2x₂ + 3x₃ − 1 = 0."""

    name, _x0, _m, quadratic_objective = "HS28", (-4.0, 1.0, 1.0), 1, True
    _G, _h = ((1.0, 2.0, 3.0),), (1.0,)
    x_star, f_star = np.array([0.5, -0.5, 0.5]), 0.0

    def f(self, x):
        return (x[0] + x[1]) ** 2 + (x[1] + x[2]) ** 2

    def grad(self, x):
        p, q = 2.0 * (x[0] + x[1]), 2.0 * (x[1] + x[2])
        return _vec(x, p, p + q, q)

    def hess(self, x):
        return _sym(x, 3, {(0, 0): 2.0, (0, 1): 2.0, (1, 1): 4.0, (1, 2): 2.0, (2, 2): 2.0})


class _HS40(_HS):
    """HS40: −x₁x₂x₃x₄ s.t. x₁³ + x₂² − 1 = 0, x₁²x₄ − x₃ = 0, x₄² − x₂ = 0."""

    name, _x0, _m = "HS40", (0.8, 0.8, 0.8, 0.8), 3
    x_star = np.array([2.0 ** (-1 / 3), 2.0 ** (-1 / 2), 2.0 ** (-11 / 12), 2.0 ** (-1 / 4)])
    f_star = -0.25

    def f(self, x):
        return -x[0] * x[1] * x[2] * x[3]

    def grad(self, x):
        a, b, c, d = x[0], x[1], x[2], x[3]
        return _vec(x, -b * c * d, -a * c * d, -a * b * d, -a * b * c)

    def hess(self, x):
        a, b, c, d = x[0], x[1], x[2], x[3]
        return _sym(x, 4, {(0, 1): -c * d, (0, 2): -b * d, (0, 3): -b * c, (1, 2): -a * d, (1, 3): -a * c,
                           (2, 3): -a * b})

    def c(self, x):
        a, b, c, d = x[0], x[1], x[2], x[3]
        return _vec(x, a**3 + b**2 - 1.0, a**2 * d - c, d**2 - b)

    def jac(self, x):
        a, b, d = x[0], x[1], x[3]
        return _mat(x, [[3.0 * a**2, 2.0 * b, 0.0, 0.0], [2.0 * a * d, 0.0, -1.0, a**2], [0.0, -1.0, 0.0, 2.0 * d]])

    def hess_c(self, x):
        a, d = x[0], x[3]
        return _stack(x, [_sym(x, 4, {(0, 0): 6.0 * a, (1, 1): 2.0}), _sym(x, 4, {(0, 0): 2.0 * d, (0, 3): 2.0 * a}),
                          _sym(x, 4, {(3, 3): 2.0})])


class _HS42(_HS):
    """HS42: Σ (xᵢ − i)² s.t. x₁ − 2 = 0, x₃² + x₄² − 2 = 0."""

    name, _x0, _m, quadratic_objective = "HS42", (1.0, 1.0, 1.0, 1.0), 2, True
    x_star = np.array([2.0, 2.0, 0.6 * math.sqrt(2.0), 0.8 * math.sqrt(2.0)])
    f_star = 28.0 - 10.0 * math.sqrt(2.0)

    def f(self, x):
        return (x[0] - 1.0) ** 2 + (x[1] - 2.0) ** 2 + (x[2] - 3.0) ** 2 + (x[3] - 4.0) ** 2

    def grad(self, x):
        return _vec(x, 2.0 * (x[0] - 1.0), 2.0 * (x[1] - 2.0), 2.0 * (x[2] - 3.0), 2.0 * (x[3] - 4.0))

    def hess(self, x):
        return _sym(x, 4, {(i, i): 2.0 for i in range(4)})

    def c(self, x):
        return _vec(x, x[0] - 2.0, x[2] ** 2 + x[3] ** 2 - 2.0)

    def jac(self, x):
        return _mat(x, [[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0 * x[2], 2.0 * x[3]]])

    def hess_c(self, x):
        return _stack(x, [_zeros(x, 4, 4), _sym(x, 4, {(2, 2): 2.0, (3, 3): 2.0})])


class _Cubic3(_HS):
    """The constraints shared by HS47 and HS79: x₁ + x₂² + x₃³ − a, x₂ − x₃² + x₄ − b, x₁x₅ − e."""

    _a = _b = _e = 0.0
    _m = 3

    def c(self, x):
        return _vec(x, x[0] + x[1] ** 2 + x[2] ** 3 - self._a, x[1] - x[2] ** 2 + x[3] - self._b,
                    x[0] * x[4] - self._e)

    def jac(self, x):
        return _mat(x, [[1.0, 2.0 * x[1], 3.0 * x[2] ** 2, 0.0, 0.0], [0.0, 1.0, -2.0 * x[2], 1.0, 0.0],
                        [x[4], 0.0, 0.0, 0.0, x[0]]])

    def hess_c(self, x):
        return _stack(x, [_sym(x, 5, {(1, 1): 2.0, (2, 2): 6.0 * x[2]}), _sym(x, 5, {(2, 2): -2.0}),
                          _sym(x, 5, {(0, 4): 1.0})])


class _HS47(_Cubic3):
    """HS47: (x₁−x₂)² + (x₂−x₃)³ + (x₃−x₄)⁴ + (x₄−x₅)⁴ s.t. x₁+x₂²+x₃³ = 3, x₂−x₃²+x₄ = 1, x₁x₅ = 1."""

    name, _a, _b, _e = "HS47", 3.0, 1.0, 1.0
    _x0 = (2.0, math.sqrt(2.0), -1.0, 2.0 - math.sqrt(2.0), 0.5)
    x_star, f_star = np.ones(5), 0.0

    def f(self, x):
        return (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 3 + (x[2] - x[3]) ** 4 + (x[3] - x[4]) ** 4

    def grad(self, x):
        p, q, r, s = x[0] - x[1], x[1] - x[2], x[2] - x[3], x[3] - x[4]
        return _vec(x, 2.0 * p, -2.0 * p + 3.0 * q**2, -3.0 * q**2 + 4.0 * r**3, -4.0 * r**3 + 4.0 * s**3,
                    -4.0 * s**3)

    def hess(self, x):
        q, r, s = x[1] - x[2], x[2] - x[3], x[3] - x[4]
        r2, s2 = 12.0 * r**2, 12.0 * s**2
        return _sym(x, 5, {(0, 0): 2.0, (0, 1): -2.0, (1, 1): 2.0 + 6.0 * q, (1, 2): -6.0 * q, (2, 2): 6.0 * q + r2,
                           (2, 3): -r2, (3, 3): r2 + s2, (3, 4): -s2, (4, 4): s2})


class _HS48(_Linear):
    """HS48: (x₁−1)² + (x₂−x₃)² + (x₄−x₅)² s.t. Σxᵢ − 5 = 0, x₃ − 2(x₄ + x₅) + 3 = 0."""

    name, _x0, _m, quadratic_objective = "HS48", (3.0, 5.0, -3.0, 2.0, -2.0), 2, True
    _G, _h = ((1.0, 1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 1.0, -2.0, -2.0)), (5.0, -3.0)
    x_star, f_star = np.ones(5), 0.0

    def f(self, x):
        return (x[0] - 1.0) ** 2 + (x[1] - x[2]) ** 2 + (x[3] - x[4]) ** 2

    def grad(self, x):
        p, q = 2.0 * (x[1] - x[2]), 2.0 * (x[3] - x[4])
        return _vec(x, 2.0 * (x[0] - 1.0), p, -p, q, -q)

    def hess(self, x):
        return _sym(x, 5, {(0, 0): 2.0, (1, 1): 2.0, (1, 2): -2.0, (2, 2): 2.0, (3, 3): 2.0, (3, 4): -2.0,
                           (4, 4): 2.0})


class _HS50(_Linear):
    """HS50: (x₁−x₂)² + (x₂−x₃)² + (x₃−x₄)⁴ + (x₄−x₅)² s.t. xᵢ + 2xᵢ₊₁ + 3xᵢ₊₂ − 6 = 0 (i = 1, 2, 3)."""

    name, _x0, _m = "HS50", (35.0, -31.0, 11.0, 5.0, -5.0), 3
    _G = ((1.0, 2.0, 3.0, 0.0, 0.0), (0.0, 1.0, 2.0, 3.0, 0.0), (0.0, 0.0, 1.0, 2.0, 3.0))
    _h = (6.0, 6.0, 6.0)
    x_star, f_star = np.ones(5), 0.0

    def f(self, x):
        return (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4 + (x[3] - x[4]) ** 2

    def grad(self, x):
        p, q, r, s = x[0] - x[1], x[1] - x[2], x[2] - x[3], x[3] - x[4]
        return _vec(x, 2.0 * p, -2.0 * p + 2.0 * q, -2.0 * q + 4.0 * r**3, -4.0 * r**3 + 2.0 * s, -2.0 * s)

    def hess(self, x):
        r2 = 12.0 * (x[2] - x[3]) ** 2
        return _sym(x, 5, {(0, 0): 2.0, (0, 1): -2.0, (1, 1): 4.0, (1, 2): -2.0, (2, 2): 2.0 + r2, (2, 3): -r2,
                           (3, 3): r2 + 2.0, (3, 4): -2.0, (4, 4): 2.0})


class _HS51(_Linear):
    """HS51: (x₁−x₂)² + (x₂+x₃−2)² + (x₄−1)² + (x₅−1)² s.t. x₁+3x₂ = 4, x₃+x₄−2x₅ = 0, x₂−x₅ = 0."""

    name, _x0, _m, quadratic_objective = "HS51", (2.5, 0.5, 2.0, -1.0, 0.5), 3, True
    _G = ((1.0, 3.0, 0.0, 0.0, 0.0), (0.0, 0.0, 1.0, 1.0, -2.0), (0.0, 1.0, 0.0, 0.0, -1.0))
    _h = (4.0, 0.0, 0.0)
    x_star, f_star = np.ones(5), 0.0
    _w = 1.0  # the weight of x₁ in the first square: HS52 uses 4

    def f(self, x):
        return ((self._w * x[0] - x[1]) ** 2 + (x[1] + x[2] - 2.0) ** 2 + (x[3] - 1.0) ** 2
                + (x[4] - 1.0) ** 2)

    def grad(self, x):
        w = self._w
        p, q = self._w * x[0] - x[1], x[1] + x[2] - 2.0
        return _vec(x, 2.0 * w * p, -2.0 * p + 2.0 * q, 2.0 * q, 2.0 * (x[3] - 1.0), 2.0 * (x[4] - 1.0))

    def hess(self, x):
        w = self._w
        return _sym(x, 5, {(0, 0): 2.0 * w * w, (0, 1): -2.0 * w, (1, 1): 4.0, (1, 2): 2.0, (2, 2): 2.0,
                           (3, 3): 2.0, (4, 4): 2.0})


class _HS52(_HS51):
    """HS52: (4x₁−x₂)² + (x₂+x₃−2)² + (x₄−1)² + (x₅−1)² s.t. x₁+3x₂ = 0, x₃+x₄−2x₅ = 0, x₂−x₅ = 0."""

    name, _x0, _w = "HS52", (2.0, 2.0, 2.0, 2.0, 2.0), 4.0
    _h = (0.0, 0.0, 0.0)
    x_star, f_star = np.array([-33.0, 11.0, 180.0, -158.0, 11.0]) / 349.0, 1859.0 / 349.0


class _HS56(_HS):
    """HS56: −x₁x₂x₃ s.t. xᵢ − 4.2 sin²xᵢ₊₃ = 0 (i = 1, 2, 3), x₁ + 2x₂ + 2x₃ − 7.2 sin²x₇ = 0."""

    name, _m = "HS56", 4
    _a, _b = math.asin(math.sqrt(1.0 / 4.2)), math.asin(math.sqrt(5.0 / 7.2))
    _x0 = (1.0, 1.0, 1.0, _a, _a, _a, _b)
    x_star = np.array([2.4, 1.2, 1.2, math.asin(math.sqrt(4.0 / 7.0)), math.asin(math.sqrt(2.0 / 7.0)),
                       math.asin(math.sqrt(2.0 / 7.0)), 0.5 * math.pi])
    f_star = -3.456

    def f(self, x):
        return -x[0] * x[1] * x[2]

    def grad(self, x):
        return _vec(x, -x[1] * x[2], -x[0] * x[2], -x[0] * x[1], 0.0, 0.0, 0.0, 0.0)

    def hess(self, x):
        return _sym(x, 7, {(0, 1): -x[2], (0, 2): -x[1], (1, 2): -x[0]})

    def c(self, x):
        xp = array_namespace(x)
        s = [xp.sin(x[i]) ** 2 for i in (3, 4, 5, 6)]
        return _vec(x, x[0] - 4.2 * s[0], x[1] - 4.2 * s[1], x[2] - 4.2 * s[2],
                    x[0] + 2.0 * x[1] + 2.0 * x[2] - 7.2 * s[3])

    def jac(self, x):
        xp = array_namespace(x)
        d = [xp.sin(2.0 * x[i]) for i in (3, 4, 5, 6)]  # d/dt sin²t = sin 2t
        return _mat(x, [[1.0, 0.0, 0.0, -4.2 * d[0], 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, -4.2 * d[1], 0.0, 0.0],
                        [0.0, 0.0, 1.0, 0.0, 0.0, -4.2 * d[2], 0.0], [1.0, 2.0, 2.0, 0.0, 0.0, 0.0, -7.2 * d[3]]])

    def hess_c(self, x):
        xp = array_namespace(x)
        e = [2.0 * xp.cos(2.0 * x[i]) for i in (3, 4, 5, 6)]  # d²/dt² sin²t = 2 cos 2t
        return _stack(x, [_sym(x, 7, {(3, 3): -4.2 * e[0]}), _sym(x, 7, {(4, 4): -4.2 * e[1]}),
                          _sym(x, 7, {(5, 5): -4.2 * e[2]}), _sym(x, 7, {(6, 6): -7.2 * e[3]})])


class _HS77(_HS):
    """HS77: (x₁−1)² + (x₁−x₂)² + (x₃−1)² + (x₄−1)⁴ + (x₅−1)⁶ s.t. x₁²x₄ + sin(x₄−x₅) = 2√2, x₂ + x₃⁴x₄² = 8 + √2."""

    name, _x0, _m = "HS77", (2.0, 2.0, 2.0, 2.0, 2.0), 2
    x_star = np.array([1.166172, 1.182111, 1.380257, 1.506036, 0.6109203])
    f_star = 0.24150513

    def f(self, x):
        return ((x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[2] - 1.0) ** 2 + (x[3] - 1.0) ** 4
                + (x[4] - 1.0) ** 6)

    def grad(self, x):
        return _vec(x, 2.0 * (x[0] - 1.0) + 2.0 * (x[0] - x[1]), -2.0 * (x[0] - x[1]), 2.0 * (x[2] - 1.0),
                    4.0 * (x[3] - 1.0) ** 3, 6.0 * (x[4] - 1.0) ** 5)

    def hess(self, x):
        return _sym(x, 5, {(0, 0): 4.0, (0, 1): -2.0, (1, 1): 2.0, (2, 2): 2.0, (3, 3): 12.0 * (x[3] - 1.0) ** 2,
                           (4, 4): 30.0 * (x[4] - 1.0) ** 4})

    def c(self, x):
        xp = array_namespace(x)
        return _vec(x, x[0] ** 2 * x[3] + xp.sin(x[3] - x[4]) - 2.0 * math.sqrt(2.0),
                    x[1] + x[2] ** 4 * x[3] ** 2 - 8.0 - math.sqrt(2.0))

    def jac(self, x):
        xp = array_namespace(x)
        cs = xp.cos(x[3] - x[4])
        return _mat(x, [[2.0 * x[0] * x[3], 0.0, 0.0, x[0] ** 2 + cs, -cs],
                        [0.0, 1.0, 4.0 * x[2] ** 3 * x[3] ** 2, 2.0 * x[2] ** 4 * x[3], 0.0]])

    def hess_c(self, x):
        xp = array_namespace(x)
        sn = xp.sin(x[3] - x[4])
        return _stack(x, [_sym(x, 5, {(0, 0): 2.0 * x[3], (0, 3): 2.0 * x[0], (3, 3): -sn, (3, 4): sn, (4, 4): -sn}),
                          _sym(x, 5, {(2, 2): 12.0 * x[2] ** 2 * x[3] ** 2, (2, 3): 8.0 * x[2] ** 3 * x[3],
                                      (3, 3): 2.0 * x[2] ** 4})])


class _HS78(_HS):
    """HS78: x₁x₂x₃x₄x₅ s.t. Σxᵢ² − 10 = 0, x₂x₃ − 5x₄x₅ = 0, x₁³ + x₂³ + 1 = 0."""

    name, _x0, _m = "HS78", (-2.0, 1.5, 2.0, -1.0, -1.0), 3
    x_star = np.array([-1.717142, 1.595708, 1.827248, -0.7636429, -0.7636435])
    f_star = -2.91970041

    def f(self, x):
        return x[0] * x[1] * x[2] * x[3] * x[4]

    def _others(self, x, skip):
        out = 1.0
        for i in range(5):
            if i not in skip:
                out = out * x[i]
        return out

    def grad(self, x):
        return _vec(x, *[self._others(x, (i,)) for i in range(5)])

    def hess(self, x):
        return _sym(x, 5, {(i, j): self._others(x, (i, j)) for i in range(5) for j in range(i + 1, 5)})

    def c(self, x):
        xp = array_namespace(x)
        return _vec(x, xp.sum(x * x) - 10.0, x[1] * x[2] - 5.0 * x[3] * x[4], x[0] ** 3 + x[1] ** 3 + 1.0)

    def jac(self, x):
        return _mat(x, [[2.0 * x[0], 2.0 * x[1], 2.0 * x[2], 2.0 * x[3], 2.0 * x[4]],
                        [0.0, x[2], x[1], -5.0 * x[4], -5.0 * x[3]], [3.0 * x[0] ** 2, 3.0 * x[1] ** 2, 0.0, 0.0, 0.0]])

    def hess_c(self, x):
        return _stack(x, [_sym(x, 5, {(i, i): 2.0 for i in range(5)}), _sym(x, 5, {(1, 2): 1.0, (3, 4): -5.0}),
                          _sym(x, 5, {(0, 0): 6.0 * x[0], (1, 1): 6.0 * x[1]})])


class _HS79(_Cubic3):
    """HS79: (x₁−1)² + (x₁−x₂)² + (x₂−x₃)² + (x₃−x₄)⁴ + (x₄−x₅)⁴ s.t. x₁+x₂²+x₃³ = 2+3√2, x₂−x₃²+x₄ = −2+2√2, x₁x₅ = 2."""

    name, _x0 = "HS79", (2.0, 2.0, 2.0, 2.0, 2.0)
    _a, _b, _e = 2.0 + 3.0 * math.sqrt(2.0), -2.0 + 2.0 * math.sqrt(2.0), 2.0
    x_star = np.array([1.191127, 1.362603, 1.472818, 1.635017, 1.679081])
    f_star = 0.0787768209

    def f(self, x):
        return ((x[0] - 1.0) ** 2 + (x[0] - x[1]) ** 2 + (x[1] - x[2]) ** 2 + (x[2] - x[3]) ** 4
                + (x[3] - x[4]) ** 4)

    def grad(self, x):
        p, q, r, s = x[0] - x[1], x[1] - x[2], x[2] - x[3], x[3] - x[4]
        return _vec(x, 2.0 * (x[0] - 1.0) + 2.0 * p, -2.0 * p + 2.0 * q, -2.0 * q + 4.0 * r**3,
                    -4.0 * r**3 + 4.0 * s**3, -4.0 * s**3)

    def hess(self, x):
        r2, s2 = 12.0 * (x[2] - x[3]) ** 2, 12.0 * (x[3] - x[4]) ** 2
        return _sym(x, 5, {(0, 0): 4.0, (0, 1): -2.0, (1, 1): 4.0, (1, 2): -2.0, (2, 2): 2.0 + r2, (2, 3): -r2,
                           (3, 3): r2 + s2, (3, 4): -s2, (4, 4): s2})


class _BOOTH(_Linear):
    """BOOTH: f = 0 s.t. x₁ + 2x₂ − 7 = 0, 2x₁ + x₂ − 5 = 0 (a square linear system)."""

    name, _x0, _m, quadratic_objective = "BOOTH", (0.0, 0.0), 2, True
    _G, _h = ((1.0, 2.0), (2.0, 1.0)), (7.0, 5.0)
    x_star, f_star = np.array([1.0, 3.0]), 0.0

    def f(self, x):
        xp = array_namespace(x)
        return xp.sum(0.0 * x)

    def grad(self, x):
        return _zeros(x, 2)

    def hess(self, x):
        return _zeros(x, 2, 2)


# HS7's constraint c(x) = (1 + x₁²)² + x₂² − 4 is quartic (nonlinear); HS6's likewise.
_HS_CLASSES = {cls.name: cls for cls in (_HS6, _HS7, _HS28, _HS40, _HS42, _HS47, _HS48, _HS50, _HS51, _HS52, _HS56,
                                         _HS77, _HS78, _HS79, _BOOTH)}


@capabilities()
def hs_problem(name: str) -> ConstrainedProblem:
    r"""A closed-form Hock–Schittkowski test problem (or BOOTH) as a constrained problem object.

    Parameters
    ----------
    name : str
        One of ``HS6, HS7, HS28, HS40, HS42, HS47, HS48, HS50, HS51, HS52, HS56, HS77, HS78, HS79,
        BOOTH`` (case-insensitive; ``"HS028"``-style zero padding is accepted).

    Returns
    -------
    ConstrainedProblem
        With ``x0`` (the standard start), ``lam0`` (zeros), ``f``, ``grad``, ``hess``, ``c``,
        ``jac``, ``hess_c``, ``x_star`` and ``f_star`` (the published solution),
        ``linear_constraints`` and ``quadratic_objective``.

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid names).
    TypeError
        ``name`` is not a string.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.newton import hs_problem
    >>> p = hs_problem("HS28")
    >>> p.n, p.m, bool(np.allclose(p.c(p.x_star), 0.0))
    (3, 1, True)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of {', '.join(HS_NAMES)}; got {type(name).__name__} {name!r:.40}")
    key = name.strip().upper()
    if key.startswith("HS"):
        digits = key[2:].lstrip("0")
        key = "HS" + digits
    if key not in _HS_CLASSES:
        raise ValueError(f"name must be one of {', '.join(HS_NAMES)}; got {name!r:.40}")
    return _HS_CLASSES[key]()


# --------------------------------------------------------------------------------------------
# Poisson control and constrained logistic regression
# --------------------------------------------------------------------------------------------


class _HostData(_Builtin):
    """Host matrices moved once to the namespace/device/dtype of x (cached, as refimpl._oracle.SmoothProblem)."""

    def _host_data(self) -> dict[str, np.ndarray]:  # pragma: no cover - overridden
        return {}

    def _data(self, x: Any) -> dict[str, Any]:
        xp = array_namespace(x)
        dev = device(x)
        cache = self.__dict__.setdefault("_cache", {})
        key = (xp.__name__, x.dtype, str(dev))
        if key not in cache:
            cache[key] = {k: xp.asarray(a, dtype=x.dtype, device=dev) for k, a in self._host_data().items()}
        return cache[key]


class _PoissonControl(_HostData):
    name = "Poisson control"
    linear_constraints = True
    quadratic_objective = True

    def __init__(self, N: int, alpha: float) -> None:
        self.N, self.alpha = N, alpha
        h = 2.0 / (N + 1)
        T = -2.0 * np.eye(N) + np.eye(N, k=1) + np.eye(N, k=-1)
        lap = (np.kron(np.eye(N), T) + np.kron(T, np.eye(N))) / h**2  # 5-point Laplacian, zero boundary
        self.G = np.hstack([lap, np.eye(N * N)])
        i = np.arange(N) + 1.0
        s = 0.1 / math.sqrt(15.0)
        W = np.sin(4.0 + s * (i[:, None] - (N + 1) / 2)) + np.cos(3.0 + s * (i[None, :] - (N + 1) / 2))
        self.w_true = W.reshape(-1, order="F")  # column-major, as the authors' reshape
        self.weights = np.concatenate([np.ones(N * N), alpha * np.ones(N * N)])
        self.target = np.concatenate([self.w_true, np.zeros(N * N)])
        self.x0, self.lam0 = np.ones(2 * N * N), np.ones(N * N)
        self.x_star, self.f_star = self._solve()
        super().__init__()

    def _solve(self) -> tuple[np.ndarray, float]:
        n, m = self.G.shape[1], self.G.shape[0]
        K = np.block([[np.diag(self.weights), self.G.T], [self.G, np.zeros((m, m))]])
        z = np.linalg.solve(K, np.concatenate([self.weights * self.target, np.zeros(m)]))
        x = z[:n]
        return x, float(0.5 * np.sum(self.weights * (x - self.target) ** 2))

    def _host_data(self) -> dict[str, np.ndarray]:
        return {"G": self.G, "w": self.weights, "t": self.target}

    def f(self, x):
        D = self._data(x)
        r = x - D["t"]
        return 0.5 * array_namespace(x).sum(D["w"] * r * r)

    def grad(self, x):
        D = self._data(x)
        return D["w"] * (x - D["t"])

    def hess(self, x):
        xp = array_namespace(x)
        D = self._data(x)
        return xp.eye(self.n, dtype=x.dtype, device=device(x)) * D["w"][None, :]

    def c(self, x):
        return self._data(x)["G"] @ x

    def jac(self, x):
        return self._data(x)["G"]

    def hess_c(self, x):
        return _zeros(x, self.m, self.n, self.n)


@capabilities()
def poisson_control_problem(N: int = 3, *, alpha: float = 0.1) -> ConstrainedProblem:
    r"""Discretised Poisson control: :math:`\min \tfrac12(\|w - w_{\rm true}\|^2 + \alpha\|z\|^2)` s.t. :math:`\Delta_h w + z = 0`.

    The PDE-constrained experiment of Hong et al. (2023) as in the authors' code: on an N × N
    interior grid of :math:`[-1, 1]^2` (h = 2/(N + 1), zero boundary values) the state
    :math:`w \in \mathbb R^{N^2}` and the control :math:`z \in \mathbb R^{N^2}` (x = (w, z),
    n = 2N², m = N²) are coupled by the 5-point Laplacian; the target is
    :math:`w_{\rm true}(i, j) = \sin(4 + \tfrac{0.1}{\sqrt{15}}(i - \tfrac{N+1}{2})) + \cos(3 + \tfrac{0.1}{\sqrt{15}}(j - \tfrac{N+1}{2}))`
    (grid vectors in column-major order). Start x0 = 1, λ0 = 1. The solution (``x_star``) is
    computed once from the KKT system (a convex QP).

    Parameters
    ----------
    N : int, default 3
        Interior grid points per side (the paper's experiment: N = 3, n = 18, m = 9).
    alpha : float, default 0.1
        Control cost, > 0.

    Examples
    --------
    >>> from refimpl.newton import poisson_control_problem
    >>> p = poisson_control_problem(3)
    >>> p.n, p.m, p.linear_constraints
    (18, 9, True)
    """
    N = v.check_size(N, "N", limit=100, why="the KKT matrix (3N² × 3N²) is dense")
    alpha = v.check_positive(alpha, "alpha")
    return _PoissonControl(N, alpha)


class _ConstrainedLogistic(_HostData):
    name = "constrained logistic regression"

    def __init__(self, loss: LogisticRegression, C: np.ndarray, e: np.ndarray) -> None:
        self.loss, self.C, self.e = loss, C, e
        d = C.shape[1]
        self.x0, self.lam0 = np.ones(d), np.ones(C.shape[0] + 1)
        self.x_star, self.f_star = None, None
        super().__init__()

    def _host_data(self) -> dict[str, np.ndarray]:
        return {"C": self.C, "e": self.e}

    def f(self, x):
        return self.loss.fun(x)

    def grad(self, x):
        return self.loss.grad(x)

    def hess(self, x):
        return self.loss.hess(x)

    def c(self, x):
        xp = array_namespace(x)
        D = self._data(x)
        return xp.concat([D["C"] @ x - D["e"], xp.reshape(xp.sum(x * x) - 1.0, (1,))])

    def jac(self, x):
        xp = array_namespace(x)
        return xp.concat([self._data(x)["C"], 2.0 * x[None, :]], axis=0)

    def hess_c(self, x):
        xp = array_namespace(x)
        H = _zeros(x, self.m, self.n, self.n)
        eye = xp.eye(self.n, dtype=x.dtype, device=device(x))
        return xp.concat([H[:-1, ...], 2.0 * eye[None, ...]], axis=0)


@capabilities()
def constrained_logistic_problem(n: int = 200, d: int = 20, *, n_linear: int = 10, rng: Any = 0) -> ConstrainedProblem:
    r"""Logistic regression with linear and spherical equality constraints, on synthetic data.

    :math:`\min_w \frac1N\sum_i \log(1 + e^{-y_i a_i^\top w})` s.t. :math:`Cw = e` and
    :math:`\|w\|^2 = 1`, with :math:`C \in \mathbb R^{10 \times d}`, :math:`e \in \mathbb R^{10}`
    standard normal (m = 11), start w0 = 1, λ0 = 1: the setting of the paper's constrained
    logistic experiments (Hong et al. 2023, §5), here on synthetic data instead of the LIBSVM
    sets. [R] Data (ours): features :math:`a_i \sim N(0, I_d)`, labels
    :math:`y = \mathrm{sign}(A w_\star + \varepsilon)` with :math:`w_\star \sim N(0, I/d)`,
    :math:`\varepsilon \sim N(0, 1)`; draw order A, :math:`w_\star`, ε, C, e from
    ``numpy.random.default_rng(rng)``. The loss is :class:`refimpl._oracle.LogisticRegression`
    (mean form, λ = 0).

    Parameters
    ----------
    n : int, default 200
        Data points.
    d : int, default 20
        Features; at least ``n_linear + 2`` so that the feasible set is a sphere of positive dimension.
    n_linear : int, default 10
        Number of linear constraints (the paper: 10).
    rng : int, numpy.random.Generator or None, default 0

    Examples
    --------
    >>> from refimpl.newton import constrained_logistic_problem
    >>> p = constrained_logistic_problem(100, 15)
    >>> p.n, p.m
    (15, 11)
    """
    from refimpl.backends import check_rng

    n = v.check_size(n, "n", limit=10**7, why="the data matrix is dense")
    n_linear = v.check_size(n_linear, "n_linear", low=0, limit=10**4, why="the KKT matrix is dense")
    d = v.check_size(d, "d", low=n_linear + 2, limit=10**4, why="the KKT matrix is dense")
    g = check_rng(rng)
    A = g.standard_normal((n, d))
    w = g.standard_normal(d) / math.sqrt(d)
    y = np.where(A @ w + g.standard_normal(n) >= 0, 1.0, -1.0)
    C = g.standard_normal((n_linear, d))
    e = g.standard_normal(n_linear)
    return _ConstrainedLogistic(LogisticRegression(A, y, 0.0), C, e)
