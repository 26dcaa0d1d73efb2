r"""Smooth objectives for the optimisation families: how an objective is given, counted oracles, test problems.

Shared by the Newton families (:mod:`refimpl.newton`) and block coordinate descent
(:mod:`refimpl.bcd`); the one definition of each test problem in refimpl (logistic regression in
particular lives here and nowhere else).

How an objective is given
-------------------------
A method takes either callables ``fun(x) -> float``, ``grad(x) -> (d,)``, ``hess(x) -> (d, d)``
and optionally ``hessvec(x, v) -> (d,)``, or a **problem object** in place of ``fun`` with the
methods ``fun``, ``grad``, ``hess`` and optionally ``hessvec`` and ``fun_grad`` (value and
gradient in one pass). :func:`resolve_objective` turns either form into an :class:`Oracle`, which

* converts what the callables return into the method's backend and dtype (a callable written with
  NumPy still works under torch; the result is checked for shape: ``()``, ``(d,)``, ``(d, d)``);
* counts the calls under the standard names of :data:`refimpl._iterative.COUNT_FIELDS`
  (``n_fev``, ``n_grad``, ``n_hess``, ``n_hessvec``; ``n_factor`` is recorded by the method with
  :meth:`Oracle.record_factor`);
* checks Hessians for squareness and symmetry (``ValueError`` naming ``hess``) and symmetrises
  them, ``½(H + Hᵀ)``;
* raises :class:`NonFiniteOracleValue` when a value, gradient or Hessian holds NaN or inf. Methods
  catch it and stop with status ``NONFINITE`` (never a crash, never a silent NaN iterate).

Test problems
-------------
Each problem has ``fun``, ``grad``, ``hess``, ``hessvec`` (and ``fun_grad``), the dimension ``d``
and a default start ``x0`` (host NumPy). Data are stored on the host and moved once to the
namespace, device and dtype of the ``x`` the methods are called with (cached), so one problem
object serves every backend.

================================  ===========================================================
:class:`LogisticRegression`       ℓ2-regularised logistic loss, labels ±1 (mean or sum form)
:class:`LeastSquares`             ½‖Ax − b‖² (+ λ/2 ‖x‖²), sum or mean form; row subsets
:class:`Rosenbrock`               the chained Rosenbrock function
:class:`PolytopeFeasibility`      Σ max(0, aᵢᵀx − bᵢ)^p, p ≥ 2
:class:`SeparableQuartic`         ¼ Σ (xᵢ − cᵢ)⁴ + μ/2 ‖x‖²
================================  ===========================================================

Instance generators: :func:`lazy_hessians_logistic` (Doikov, Chayti & Jaggi 2023, experiments of
§5, reconstructed), :func:`peer_logistic` (the scikit-learn/SciPy comparison instance),
:func:`polytope_instance` (the instance of Doikov's public ``super-newton`` code used by Hanzely,
Abdukhakimov & Takáč 2024), :func:`linear_gaussian_regression` (Burkhart 2023, §5).

Provenance
----------
[V] the formulas (values, gradients, Hessians) are closed forms, checked in the tests against
finite differences and dense computations. [R] the instance generators: the papers' full texts
were not available; the logistic generator of the lazy-Hessian experiments is reconstructed (the
paper's data sets are not reproduced), the polytope instance follows the sizes and the seed of
Doikov's code but its draw order is ours, and the linear-Gaussian instance follows the settings
of Burkhart's public script (``burkh4rt/Filtered-Stochastic-Newton``) with the legacy global
NumPy generator in the script's draw order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl.backends import capabilities

__all__ = [
    "LeastSquares",
    "LogisticRegression",
    "NonFiniteOracleValue",
    "Oracle",
    "PolytopeFeasibility",
    "Rosenbrock",
    "SeparableQuartic",
    "SmoothProblem",
    "lazy_hessians_logistic",
    "linear_gaussian_regression",
    "peer_logistic",
    "polytope_instance",
    "resolve_objective",
]


class NonFiniteOracleValue(ArithmeticError):
    """An oracle returned NaN or inf; methods turn this into status ``NONFINITE``.

    Attributes
    ----------
    which : str
        ``"fun"``, ``"grad"``, ``"hess"`` or ``"hessvec"``.
    """

    def __init__(self, which: str) -> None:
        self.which = which
        super().__init__(f"{which} returned a NaN or infinite value")


# --------------------------------------------------------------------------------------------
# the counted oracle
# --------------------------------------------------------------------------------------------


def _shape(a: Any) -> tuple[int, ...]:
    return tuple(int(s) for s in getattr(a, "shape", ()))


def _is_complex(out: Any) -> bool:
    """Whether an oracle's output is complex (a Python complex, or an array or list with complex entries)."""
    if isinstance(out, complex):
        return True
    if hasattr(out, "dtype"):
        from refimpl.backends import is_complex

        try:
            return bool(is_complex(out))
        except Exception:  # noqa: BLE001 - an unknown array type: the conversion below decides
            return False
    if isinstance(out, (list, tuple)):
        try:
            return np.iscomplexobj(np.asarray(out))
        except Exception:  # noqa: BLE001 - ragged or non-numeric: the conversion below reports it
            return False
    return False


class Oracle:
    """A counted, checked view of an objective on one backend (see the module docstring).

    Parameters
    ----------
    fun, grad : callable
        ``fun(x)`` returns a real scalar (Python float or 0-d array), ``grad(x)`` a ``(d,)`` array.
    hess : callable or None
        ``hess(x)`` returns a ``(d, d)`` symmetric array.
    hessvec : callable or None
        ``hessvec(x, v)`` returns ``∇²f(x) v``; without it :meth:`hessvec` forms the Hessian
        (counted as a Hessian evaluation).
    fun_grad : callable or None
        ``fun_grad(x)`` returns ``(f(x), ∇f(x))`` in one pass (counted as one of each).
    d : int
        Dimension of ``x``.
    backend : Backend
        Where the method computes; results of the callables are moved there.
    dtype : dtype
        The method's floating dtype (of ``backend.xp``).
    sym_rtol : float
        Hessians with ``max|H − Hᵀ| > sym_rtol · max(max|H|, tiny)`` are rejected as non-symmetric.

    Attributes
    ----------
    n_fev, n_grad, n_hess, n_hessvec, n_factor : int
        Evaluation counts so far (``n_factor`` counts the method's factorisations).
    """

    def __init__(self, fun: Callable, grad: Callable, hess: Callable | None, *, d: int, backend: Any, dtype: Any,
                 hessvec: Callable | None = None, fun_grad: Callable | None = None, sym_rtol: float = 1e-8) -> None:
        self._fun, self._grad, self._hess, self._hessvec, self._fun_grad = fun, grad, hess, hessvec, fun_grad
        self.d = int(d)
        self.backend = backend
        self.xp = backend.xp
        self.dtype = dtype
        self.sym_rtol = float(sym_rtol)
        self.n_fev = self.n_grad = self.n_hess = self.n_hessvec = self.n_factor = 0

    # -- conversion and checks ---------------------------------------------------------------
    def _array(self, out: Any, which: str, shape: tuple[int, ...]) -> Any:
        if _is_complex(out):
            raise TypeError(f"{which} must return a real array of shape {shape}; got complex values")
        if out is None or isinstance(out, (str, bytes)):
            raise TypeError(f"{which} must return a real array of shape {shape}; got {type(out).__name__}")
        try:
            a = self.backend.asarray(out, dtype=self.dtype)
        except (TypeError, ValueError, RuntimeError):  # the library's message differs between backends
            raise TypeError(f"{which} must return a real array of shape {shape}; got {type(out).__name__}") from None
        if _shape(a) != shape:
            raise ValueError(f"{which} must return an array of shape {shape}; got shape {_shape(a)}")
        if not bool(self.xp.all(self.xp.isfinite(a))):
            raise NonFiniteOracleValue(which)
        return a

    def _scalar(self, out: Any) -> float:
        if _is_complex(out):
            raise TypeError("fun must return a real scalar; got a complex value")
        if _shape(out) not in ((), (1,)):
            raise ValueError(f"fun must return a scalar; got an array of shape {_shape(out)}")
        try:
            val = float(out[0] if _shape(out) == (1,) else out)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"fun must return a real scalar; got {type(out).__name__} ({exc})") from None
        if not math.isfinite(val):
            raise NonFiniteOracleValue("fun")
        return val

    # -- the oracles -------------------------------------------------------------------------
    def value(self, x: Any) -> float:
        """``f(x)`` as a Python float (counted in ``n_fev``)."""
        self.n_fev += 1
        return self._scalar(self._fun(x))

    def gradient(self, x: Any) -> Any:
        """``∇f(x)``, a ``(d,)`` backend array (counted in ``n_grad``)."""
        self.n_grad += 1
        return self._array(self._grad(x), "grad", (self.d,))

    def value_and_gradient(self, x: Any) -> tuple[float, Any]:
        """``(f(x), ∇f(x))``, in one pass when the problem provides ``fun_grad``."""
        if self._fun_grad is None:
            return self.value(x), self.gradient(x)
        self.n_fev += 1
        self.n_grad += 1
        f, g = self._fun_grad(x)
        return self._scalar(f), self._array(g, "grad", (self.d,))

    def hessian(self, x: Any) -> Any:
        """``∇²f(x)``, symmetrised, a ``(d, d)`` backend array (counted in ``n_hess``).

        Raises
        ------
        TypeError
            No Hessian was given.
        ValueError
            The returned matrix is not square ``(d, d)`` or not symmetric.
        """
        if self._hess is None:
            raise TypeError("hess must be given (a callable hess(x) -> (d, d) array, or a problem object with a hess method)")
        self.n_hess += 1
        out = self._hess(x)
        if len(_shape(out)) == 2 and _shape(out)[0] != _shape(out)[1]:
            raise ValueError(f"hess must return a square (d, d) = {(self.d, self.d)} array; got shape {_shape(out)}")
        H = self._array(out, "hess", (self.d, self.d))
        xp = self.xp
        asym = float(xp.max(xp.abs(H - H.T)))
        scale = float(xp.max(xp.abs(H)))
        if asym > self.sym_rtol * max(scale, float(xp.finfo(self.dtype).smallest_normal)):
            raise ValueError(f"hess must return a symmetric matrix; got max|H - H^T| = {asym:.3g} "
                             f"(relative {asym / max(scale, 1e-300):.3g} > {self.sym_rtol:g})")
        return 0.5 * (H + H.T)

    def hessvec(self, x: Any, vec: Any) -> Any:
        """``∇²f(x) v`` (counted in ``n_hessvec``; forms the Hessian when no ``hessvec`` was given)."""
        if self._hessvec is None:
            return self.hessian(x) @ vec
        self.n_hessvec += 1
        return self._array(self._hessvec(x, vec), "hessvec", (self.d,))

    def record_factor(self, k: int = 1) -> None:
        """Record ``k`` matrix factorisations (eigendecompositions, Cholesky) done by the method."""
        self.n_factor += int(k)

    @property
    def has_hessvec(self) -> bool:
        """Whether a Hessian-vector product was given (else :meth:`hessvec` forms the Hessian)."""
        return self._hessvec is not None

    def counts(self) -> dict[str, int]:
        """``{"n_fev": ..., "n_grad": ..., "n_hess": ..., "n_hessvec": ..., "n_factor": ...}``."""
        return {"n_fev": self.n_fev, "n_grad": self.n_grad, "n_hess": self.n_hess,
                "n_hessvec": self.n_hessvec, "n_factor": self.n_factor}


def resolve_objective(fun: Any, grad: Any = None, hess: Any = None, *, d: int, backend: Any, dtype: Any,
                      hessvec: Any = None, need_hess: bool = True) -> Oracle:
    """Build an :class:`Oracle` from callables or from a problem object passed as ``fun``.

    Parameters
    ----------
    fun : callable or problem object
        ``fun(x) -> float``; or an object with methods ``fun``, ``grad`` (and ``hess``,
        optionally ``hessvec``, ``fun_grad``), in which case ``grad`` and ``hess`` must be None.
    grad, hess, hessvec : callable or None
    d : int
        Dimension of ``x``.
    backend, dtype
        The method's backend and floating dtype.
    need_hess : bool
        Whether the method needs ``hess`` (a missing one is a ``TypeError`` naming ``hess``).

    Raises
    ------
    TypeError
        A callable is missing or is not callable; both a problem object and callables were given.
    """
    fun_grad = None
    if not callable(fun) and hasattr(fun, "fun") and hasattr(fun, "grad"):
        problem = fun
        if grad is not None or hess is not None:
            raise TypeError("pass either a problem object as fun (with fun/grad/hess methods) and grad=hess=None, "
                            "or three callables fun, grad, hess; got a problem object and callables")
        fun, grad = problem.fun, problem.grad
        hess = getattr(problem, "hess", None)
        hessvec = hessvec if hessvec is not None else getattr(problem, "hessvec", None)
        fun_grad = getattr(problem, "fun_grad", None)
    if fun is None or not callable(fun):
        raise TypeError(f"fun must be a callable fun(x) -> float or a problem object with fun/grad/hess methods; "
                        f"got {type(fun).__name__}")
    if grad is None:
        raise TypeError("grad must be given: a callable grad(x) -> (d,) array")
    v.check_callable(grad, "grad")
    if hess is None and need_hess:
        raise TypeError("hess must be given: a callable hess(x) -> (d, d) array")
    if hess is not None:
        v.check_callable(hess, "hess")
    if hessvec is not None:
        v.check_callable(hessvec, "hessvec")
    return Oracle(fun, grad, hess, d=d, backend=backend, dtype=dtype, hessvec=hessvec, fun_grad=fun_grad)


# --------------------------------------------------------------------------------------------
# problems
# --------------------------------------------------------------------------------------------


class SmoothProblem:
    """Base of the test problems: host data moved once to the namespace/device/dtype of ``x``.

    Subclasses define :meth:`fun`, :meth:`grad`, :meth:`hess`, :meth:`hessvec` (and may override
    :meth:`fun_grad`), and set ``d`` and ``x0``.
    """

    d: int
    x0: np.ndarray
    name: str = "problem"

    def __init__(self) -> None:
        self._cache: dict[tuple, dict[str, Any]] = {}

    def _host_data(self) -> dict[str, np.ndarray]:  # pragma: no cover - overridden
        return {}

    def _data(self, x: Any) -> tuple[Any, dict[str, Any]]:
        xp = array_namespace(x)
        dev = device(x)
        key = (xp.__name__, x.dtype, str(dev))
        data = self._cache.get(key)
        if data is None:
            data = {k: xp.asarray(a, dtype=x.dtype, device=dev) for k, a in self._host_data().items()}
            self._cache[key] = data
        return xp, data

    def fun_grad(self, x: Any) -> tuple[float, Any]:
        """``(f(x), ∇f(x))``."""
        return self.fun(x), self.grad(x)

    def fun(self, x: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def grad(self, x: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def hess(self, x: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def hessvec(self, x: Any, vec: Any) -> Any:
        """``∇²f(x) v`` (from the Hessian unless the problem has a cheaper form)."""
        return self.hess(x) @ vec

    def __repr__(self) -> str:
        return f"{type(self).__name__}(d={self.d})"


def _restricted(problem: Any, data: dict[str, np.ndarray], n: int) -> Any:
    """A copy of ``problem`` on other (already checked) host data rows, without re-validation (mini-batches)."""
    new = object.__new__(type(problem))
    new.__dict__.update({k: val for k, val in problem.__dict__.items() if k != "_cache"})
    new.__dict__.update(data)
    new._cache = {}
    new.n = n
    return new


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r:.60}")
    return bool(value)


def _host_matrix(A: Any, name: str) -> np.ndarray:
    from refimpl.backends import to_numpy

    A = v.check_array(A, name, ndim=2, real=True)
    return np.asarray(to_numpy(A), dtype=np.float64)


def _host_vector(b: Any, name: str, n: int | None = None) -> np.ndarray:
    from refimpl.backends import to_numpy

    b = v.check_array(b, name, ndim=1, real=True)
    if n is not None:
        v.check_shape(b, name, (n,))
    return np.asarray(to_numpy(b), dtype=np.float64)


@capabilities()
class LogisticRegression(SmoothProblem):
    r"""ℓ2-regularised binary logistic regression, labels :math:`y_i \in \{-1, +1\}`.

    .. math::

        f(w) = \frac{1}{s} \sum_{i=1}^n \log\bigl(1 + e^{-y_i a_i^\top w}\bigr) + \frac{\lambda}{2}\|w\|^2,
        \qquad s = n \text{ (``mean=True``) or } 1,

    .. math::

        \nabla f(w) = -\frac{1}{s} A^\top \bigl(y \odot \sigma(-y \odot Aw)\bigr) + \lambda w, \qquad
        \nabla^2 f(w) = \frac{1}{s} A^\top \operatorname{diag}\bigl(\sigma(z)\sigma(-z)\bigr) A + \lambda I,

    with :math:`z = Aw` and :math:`\sigma(t) = 1/(1 + e^{-t})`, evaluated in overflow-free forms
    (:math:`\log(1+e^{-m}) = \mathrm{logaddexp}(0, -m)`, :math:`\sigma(-m) = e^{-\mathrm{logaddexp}(0, m)}`).
    scikit-learn's ``LogisticRegression(C=C, fit_intercept=False)`` minimises the sum form with
    :math:`\frac{1}{2}\|w\|^2` and weight ``C`` on the loss, i.e. this mean form with
    :math:`\lambda = 1/(C n)`.

    Parameters
    ----------
    A : (n, d) array
        Features (rows :math:`a_i`).
    y : (n,) array
        Labels in {-1, +1}.
    lam : float, default 0
        :math:`\lambda \ge 0`.
    mean : bool, default True
        Average the loss over the rows (else sum it, the form of block coordinate descent papers).
    """

    name = "logistic regression"

    def __init__(self, A: Any, y: Any, lam: float = 0.0, *, mean: bool = True) -> None:
        super().__init__()
        self.A = _host_matrix(A, "A")
        n, d = self.A.shape
        self.y = _host_vector(y, "y", n)
        if not np.all(np.isin(self.y, (-1.0, 1.0))):
            bad = self.y[~np.isin(self.y, (-1.0, 1.0))]
            raise ValueError(f"y must hold labels -1 or +1; got values such as {bad[0]!r}")
        self.lam = v.check_positive(lam, "lam", strict=False)
        self.mean = _check_flag(mean, "mean")
        self.n, self.d = n, d
        self.x0 = np.zeros(d)

    def _host_data(self) -> dict[str, np.ndarray]:
        return {"A": self.A, "y": self.y}

    def _scale(self) -> float:
        return 1.0 / self.n if self.mean else 1.0

    def fun(self, w: Any) -> Any:
        """The objective value (a 0-d array)."""
        xp, D = self._data(w)
        m = D["y"] * (D["A"] @ w)
        return self._scale() * xp.sum(xp.logaddexp(xp.zeros_like(m), -m)) + 0.5 * self.lam * xp.sum(w * w)

    def fun_grad(self, w: Any) -> tuple[Any, Any]:
        """Value and gradient from one product :math:`Aw`."""
        xp, D = self._data(w)
        m = D["y"] * (D["A"] @ w)
        zero = xp.zeros_like(m)
        f = self._scale() * xp.sum(xp.logaddexp(zero, -m)) + 0.5 * self.lam * xp.sum(w * w)
        r = D["y"] * xp.exp(-xp.logaddexp(zero, m))  # y ⊙ σ(−m)
        return f, -self._scale() * (r @ D["A"]) + self.lam * w

    def grad(self, w: Any) -> Any:
        """The gradient."""
        return self.fun_grad(w)[1]

    def _curvature(self, w: Any) -> tuple[Any, dict[str, Any], Any]:
        xp, D = self._data(w)
        z = D["A"] @ w
        zero = xp.zeros_like(z)
        return xp, D, xp.exp(-xp.logaddexp(zero, z) - xp.logaddexp(zero, -z))  # σ(z)σ(−z)

    def hess(self, w: Any) -> Any:
        """The Hessian :math:`\\frac{1}{s} A^\\top \\mathrm{diag}(\\sigma\\sigma') A + \\lambda I`."""
        xp, D, c = self._curvature(w)
        A = D["A"]
        H = self._scale() * (A.T @ (c[:, None] * A))
        return H + self.lam * xp.eye(self.d, dtype=w.dtype, device=device(w))

    def hessvec(self, w: Any, vec: Any) -> Any:
        """:math:`\\nabla^2 f(w) v` in :math:`O(nd)` without forming the Hessian."""
        xp, D, c = self._curvature(w)
        A = D["A"]
        return self._scale() * ((c * (A @ vec)) @ A) + self.lam * vec

    def lipschitz_coordinates(self) -> np.ndarray:
        """Coordinate-wise gradient Lipschitz constants :math:`\\frac{1}{4s}\\|A_{:,i}\\|^2 + \\lambda` (host)."""
        return self._scale() * 0.25 * np.sum(self.A**2, axis=0) + self.lam

    def oracle_flops(self) -> tuple[float, float]:
        """Modelled flops of (a value and gradient, a Hessian): :math:`(4nd, 2nd^2)`."""
        return 4.0 * self.n * self.d, 2.0 * self.n * self.d**2

    def subsample(self, rows: Any) -> "LogisticRegression":
        """The same problem on a subset (or multiset) of rows."""
        rows = np.asarray(rows)
        return _restricted(self, {"A": self.A[rows], "y": self.y[rows]}, len(rows))


@capabilities()
class LeastSquares(SmoothProblem):
    r"""Linear least squares :math:`f(x) = \frac{1}{s}\cdot\frac{1}{2}\|Ax - b\|^2 + \frac{\lambda}{2}\|x\|^2`.

    :math:`s = 1` (``mean=False``, the default) or :math:`s = n` (``mean=True``: the mean of
    :math:`\frac12 (b_j - a_j^\top x)^2`, the linear-Gaussian regression loss of Burkhart 2023,
    §5). Gradient :math:`\frac1s A^\top(Ax - b) + \lambda x`, Hessian :math:`\frac1s A^\top A + \lambda I`.

    Parameters
    ----------
    A : (n, d) array
    b : (n,) array
    lam : float, default 0
    mean : bool, default False
    """

    name = "least squares"

    def __init__(self, A: Any, b: Any, lam: float = 0.0, *, mean: bool = False) -> None:
        super().__init__()
        self.A = _host_matrix(A, "A")
        n, d = self.A.shape
        self.b = _host_vector(b, "b", n)
        self.lam = v.check_positive(lam, "lam", strict=False)
        self.mean = _check_flag(mean, "mean")
        self.n, self.d = n, d
        self.x0 = np.zeros(d)

    def _host_data(self) -> dict[str, np.ndarray]:
        return {"A": self.A, "b": self.b}

    def _scale(self) -> float:
        return 1.0 / self.n if self.mean else 1.0

    def fun_grad(self, x: Any) -> tuple[Any, Any]:
        """Value and gradient from one residual."""
        xp, D = self._data(x)
        r = D["A"] @ x - D["b"]
        f = 0.5 * self._scale() * xp.sum(r * r) + 0.5 * self.lam * xp.sum(x * x)
        return f, self._scale() * (r @ D["A"]) + self.lam * x

    def fun(self, x: Any) -> Any:
        """The objective value."""
        xp, D = self._data(x)
        r = D["A"] @ x - D["b"]
        return 0.5 * self._scale() * xp.sum(r * r) + 0.5 * self.lam * xp.sum(x * x)

    def grad(self, x: Any) -> Any:
        """The gradient."""
        return self.fun_grad(x)[1]

    def hess(self, x: Any) -> Any:
        """The (constant) Hessian."""
        xp, D = self._data(x)
        return self._scale() * (D["A"].T @ D["A"]) + self.lam * xp.eye(self.d, dtype=x.dtype, device=device(x))

    def hessvec(self, x: Any, vec: Any) -> Any:
        """:math:`\\frac1s A^\\top(Av) + \\lambda v`."""
        xp, D = self._data(x)
        return self._scale() * ((D["A"] @ vec) @ D["A"]) + self.lam * vec

    def lipschitz_coordinates(self) -> np.ndarray:
        """Coordinate-wise gradient Lipschitz constants :math:`\\frac1s\\|A_{:,i}\\|^2 + \\lambda` (host)."""
        return self._scale() * np.sum(self.A**2, axis=0) + self.lam

    def minimizer(self) -> np.ndarray:
        """The minimiser from a least-squares solve (host, for tests)."""
        if self.lam == 0:
            return np.linalg.lstsq(self.A, self.b, rcond=None)[0]
        s = self._scale()
        return np.linalg.solve(s * self.A.T @ self.A + self.lam * np.eye(self.d), s * self.A.T @ self.b)

    def oracle_flops(self) -> tuple[float, float]:
        """Modelled flops of (a value and gradient, a Hessian): :math:`(4nd, 2nd^2)`."""
        return 4.0 * self.n * self.d, 2.0 * self.n * self.d**2

    def subsample(self, rows: Any) -> "LeastSquares":
        """The same problem on a subset (or multiset) of rows (a mini-batch)."""
        rows = np.asarray(rows)
        return _restricted(self, {"A": self.A[rows], "b": self.b[rows]}, len(rows))


@capabilities()
class Rosenbrock(SmoothProblem):
    r"""Chained Rosenbrock function :math:`f(x) = \sum_{i=1}^{d-1} 100(x_{i+1} - x_i^2)^2 + (1 - x_i)^2`.

    Non-convex; minimiser :math:`x^* = \mathbf 1`, :math:`f^* = 0`. Hessian tridiagonal.
    Default start :math:`x_0 = (-1.2, 1, -1.2, 1, \dots)`.

    Parameters
    ----------
    d : int, default 40
        Dimension (at least 2; the Hanzely et al. experiments use d = 40).
    """

    name = "Rosenbrock"

    def __init__(self, d: int = 40) -> None:
        super().__init__()
        self.d = v.check_size(d, "d", low=2, limit=10**6, why="the Hessian is dense")
        self.x0 = np.where(np.arange(self.d) % 2 == 0, -1.2, 1.0)

    def fun(self, x: Any) -> Any:
        """The objective value."""
        xp = array_namespace(x)
        a, b = x[:-1], x[1:]
        return xp.sum(100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2)

    def grad(self, x: Any) -> Any:
        """The gradient."""
        xp = array_namespace(x)
        a, b = x[:-1], x[1:]
        t = b - a * a
        zero = xp.zeros((1,), dtype=x.dtype, device=device(x))
        head = -400.0 * t * a - 2.0 * (1.0 - a)  # ∂/∂x_i of term i
        tail = 200.0 * t  # ∂/∂x_{i+1} of term i
        return xp.concat([head, zero]) + xp.concat([zero, tail])

    def _bands(self, x: Any) -> tuple[Any, Any]:
        xp = array_namespace(x)
        a, b = x[:-1], x[1:]
        zero = xp.zeros((1,), dtype=x.dtype, device=device(x))
        diag = xp.concat([1200.0 * a * a - 400.0 * b + 2.0, zero]) + xp.concat([zero, 200.0 + 0.0 * a])
        off = -400.0 * a
        return diag, off

    def hess(self, x: Any) -> Any:
        """The tridiagonal Hessian, dense."""
        xp = array_namespace(x)
        diag, off = self._bands(x)
        d = self.d
        idx = xp.arange(d, device=device(x))
        H = xp.where(idx[:, None] == idx[None, :], diag[:, None], xp.zeros((d, d), dtype=x.dtype, device=device(x)))
        offcol = xp.concat([off, xp.zeros((1,), dtype=x.dtype, device=device(x))])  # off[i] at (i, i+1)
        up = idx[None, :] == idx[:, None] + 1
        H = xp.where(up, offcol[:, None], H)
        H = xp.where(up.T, offcol[None, :], H)
        return H

    def hessvec(self, x: Any, vec: Any) -> Any:
        """Tridiagonal product in :math:`O(d)`."""
        xp = array_namespace(x)
        diag, off = self._bands(x)
        zero = xp.zeros((1,), dtype=x.dtype, device=device(x))
        return diag * vec + xp.concat([off * vec[1:], zero]) + xp.concat([zero, off * vec[:-1]])


@capabilities()
class PolytopeFeasibility(SmoothProblem):
    r"""Polytope feasibility :math:`f(x) = \sum_{i=1}^m \max(0, a_i^\top x - b_i)^p`, :math:`p \ge 2`.

    With :math:`r = \max(0, Ax - b)`: :math:`\nabla f = p A^\top r^{p-1}`,
    :math:`\nabla^2 f = p(p-1) A^\top \operatorname{diag}(r^{p-2}) A` (for p = 2 the indicator
    :math:`[Ax > b]`). Convex; :math:`f^* = 0` when the polytope :math:`Ax \le b` is non-empty. For
    p = 3 the Hessian is Lipschitz but the third derivative is not (Hanzely et al. 2024, §7).

    Parameters
    ----------
    A : (m, d) array
    b : (m,) array
    p : float, default 3
    """

    name = "polytope feasibility"

    def __init__(self, A: Any, b: Any, p: float = 3.0) -> None:
        super().__init__()
        self.A = _host_matrix(A, "A")
        m, d = self.A.shape
        self.b = _host_vector(b, "b", m)
        self.p = v.check_in_range(p, "p", 2.0, math.inf, low_inclusive=True)
        self.d = d
        self.x0 = np.ones(d)

    def _host_data(self) -> dict[str, np.ndarray]:
        return {"A": self.A, "b": self.b}

    def _r(self, x: Any) -> tuple[Any, dict[str, Any], Any]:
        xp, D = self._data(x)
        s = D["A"] @ x - D["b"]
        return xp, D, xp.where(s > 0, s, xp.zeros_like(s))

    def fun(self, x: Any) -> Any:
        """The objective value."""
        xp, _, r = self._r(x)
        return xp.sum(r**self.p)

    def grad(self, x: Any) -> Any:
        """The gradient."""
        xp, D, r = self._r(x)
        return self.p * (r ** (self.p - 1) @ D["A"])

    def _weights(self, x: Any) -> tuple[Any, dict[str, Any], Any]:
        xp, D, r = self._r(x)
        if self.p == 2:
            w = xp.astype(r > 0, x.dtype)
        else:
            w = r ** (self.p - 2)
        return xp, D, self.p * (self.p - 1) * w

    def hess(self, x: Any) -> Any:
        """The Hessian."""
        xp, D, w = self._weights(x)
        A = D["A"]
        return A.T @ (w[:, None] * A)

    def hessvec(self, x: Any, vec: Any) -> Any:
        """:math:`p(p-1) A^\\top (r^{p-2} \\odot Av)`."""
        xp, D, w = self._weights(x)
        return (w * (D["A"] @ vec)) @ D["A"]


@capabilities()
class SeparableQuartic(SmoothProblem):
    r"""Separable quartic :math:`f(x) = \frac14\sum_i (x_i - c_i)^4 + \frac{\mu}{2}\|x\|^2`.

    Convex, three times differentiable with a Lipschitz third derivative (the q = 4 case of
    Hanzely et al. 2024); strongly convex for μ > 0. Gradient :math:`(x - c)^3 + \mu x`, Hessian
    :math:`\operatorname{diag}(3(x - c)^2 + \mu)`. The minimiser solves :math:`t^3 + \mu t + \mu c_i = 0`
    per coordinate with :math:`t = x_i - c_i` (one real root): :meth:`minimizer`.

    Parameters
    ----------
    c : (d,) array
    mu : float, default 1
    """

    name = "separable quartic"

    def __init__(self, c: Any, mu: float = 1.0) -> None:
        super().__init__()
        self.c = _host_vector(c, "c")
        self.mu = v.check_positive(mu, "mu", strict=False)
        self.d = self.c.shape[0]
        self.x0 = np.zeros(self.d)

    def _host_data(self) -> dict[str, np.ndarray]:
        return {"c": self.c}

    def fun(self, x: Any) -> Any:
        """The objective value."""
        xp, D = self._data(x)
        t = x - D["c"]
        return 0.25 * xp.sum(t**4) + 0.5 * self.mu * xp.sum(x * x)

    def grad(self, x: Any) -> Any:
        """The gradient."""
        xp, D = self._data(x)
        t = x - D["c"]
        return t**3 + self.mu * x

    def hess(self, x: Any) -> Any:
        """The diagonal Hessian, dense."""
        xp, D = self._data(x)
        t = x - D["c"]
        dg = 3.0 * t * t + self.mu
        idx = xp.arange(self.d, device=device(x))
        return xp.where(idx[:, None] == idx[None, :], dg[:, None], xp.zeros((self.d, self.d), dtype=x.dtype, device=device(x)))

    def hessvec(self, x: Any, vec: Any) -> Any:
        """Diagonal product."""
        xp, D = self._data(x)
        t = x - D["c"]
        return (3.0 * t * t + self.mu) * vec

    def minimizer(self) -> np.ndarray:
        """The minimiser (host), from the real root of :math:`t^3 + \\mu t + \\mu c_i = 0` (Cardano)."""
        mu, c = self.mu, self.c
        if mu == 0:
            return c.copy()
        q = mu * c  # t^3 + p t + q = 0 with p = mu > 0: one real root
        disc = np.sqrt((q / 2) ** 2 + (mu / 3) ** 3)
        t = np.cbrt(-q / 2 + disc) + np.cbrt(-q / 2 - disc)
        for _ in range(3):  # polish with Newton
            t = t - (t**3 + mu * t + q) / (3 * t * t + mu)
        return c + t


# --------------------------------------------------------------------------------------------
# instances
# --------------------------------------------------------------------------------------------


@capabilities()
def lazy_hessians_logistic(n: int = 2000, d: int = 100, *, lam: float = 1e-4, rng: Any = 0) -> LogisticRegression:
    """Synthetic ℓ2-logistic instance for the lazy-Hessian experiments (reconstructed).

    Gaussian features with column scales linearly spaced in [0.1, 3]; labels from a noisy linear
    model, :math:`y = \\mathrm{sign}(A w_\\star + \\varepsilon)` with :math:`w_\\star \\sim N(0, I/d)`
    and :math:`\\varepsilon \\sim N(0, 1)`; mean loss, :math:`\\lambda` = ``lam``, start 0. [R] The
    paper's experiments use real data sets; this generator is ours (the draw order is: features,
    then :math:`w_\\star`, then the noise, from ``numpy.random.default_rng(rng)``).
    """
    from refimpl.backends import check_rng

    n = v.check_size(n, "n", limit=10**7, why="the data matrix is dense")
    d = v.check_size(d, "d", limit=10**5, why="the Hessian is dense")
    g = check_rng(rng)
    A = g.standard_normal((n, d)) * np.linspace(0.1, 3.0, d)
    w = g.standard_normal(d) / np.sqrt(d)
    y = np.where(A @ w + g.standard_normal(n) >= 0, 1.0, -1.0)
    return LogisticRegression(A, y, lam)


@capabilities()
def peer_logistic(n: int = 10000, d: int = 500, *, lam: float = 1e-4) -> LogisticRegression:
    """The ℓ2-logistic instance of the scikit-learn / SciPy comparison (seed ``n + d``).

    ``rng = numpy.random.default_rng(n + d)``; ``X = rng.standard_normal((n, d)) * logspace(0, -1, d)``;
    ``w* = rng.standard_normal(d) * 3/sqrt(d) / logspace(0, -1, d)``; ``y = +1`` where
    ``rng.uniform(size=n) < sigmoid(X w*)``, else −1; mean loss with λ = 1e-4, no intercept, start 0.
    """
    n = v.check_size(n, "n", limit=10**7, why="the data matrix is dense")
    d = v.check_size(d, "d", limit=10**5, why="the Hessian is dense")
    g = np.random.default_rng(n + d)
    scale = np.logspace(0, -1, d)
    X = g.standard_normal((n, d)) * scale
    w = g.standard_normal(d) * 3.0 / np.sqrt(d) / scale
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    y = np.where(g.uniform(size=n) < p, 1.0, -1.0)
    return LogisticRegression(X, y, lam)


@capabilities()
def polytope_instance(n: int = 100, m: int = 200, p: float = 3.0, *, rng: Any = 3124) -> PolytopeFeasibility:
    """Polytope feasibility instance: ``A`` (m, n) and ``b`` (m,) uniform on [−1, 1], start all-ones.

    Sizes, exponent, start and seed follow Doikov's public ``super-newton`` experiments (used by
    Hanzely et al. 2024); [R] the draw order (``A`` then ``b`` from ``numpy.random.default_rng``) is ours.
    """
    from refimpl.backends import check_rng

    n = v.check_size(n, "n", limit=10**5, why="the Hessian is dense")
    m = v.check_size(m, "m", limit=10**7, why="the constraint matrix is dense")
    g = check_rng(rng)
    A = g.uniform(-1.0, 1.0, (m, n))
    b = g.uniform(-1.0, 1.0, m)
    return PolytopeFeasibility(A, b, p)


@capabilities()
def linear_gaussian_regression(n: int = 100, d: int = 2, *, seed: int = 0) -> LeastSquares:
    r"""The linear-Gaussian regression of Burkhart (2023), §5: mean of :math:`\frac12(y_j - x_j^\top\theta)^2`.

    In the draw order of the authors' script (``burkh4rt/Filtered-Stochastic-Newton``, legacy
    global generator ``numpy.random.seed(seed)``, here an equivalent ``RandomState(seed)``):
    :math:`\theta_{\rm true} \sim N(\mathbf 1, I)` (``normal(loc=1, size=d)``), rows
    :math:`x_j \sim N(0, 0.9 I + 0.1\,\mathbf 1\mathbf 1^\top)` (``multivariate_normal``), noise
    :math:`N(0, 1)`, :math:`y = X\theta_{\rm true} + \zeta`; then the script's start
    :math:`\theta_0 \sim N(0, I)`. The returned problem carries ``theta_true``, ``theta0`` and the
    generator ``state`` positioned after these draws (the batch draws of the script continue from
    it); its ``subsample(rows)`` is the mini-batch objective.
    """
    n = v.check_size(n, "n", limit=10**7, why="the data matrix is dense")
    d = v.check_size(d, "d", limit=10**4, why="the Hessian is dense")
    seed = v.check_int(seed, "seed", low=0, high=2**32 - 1)  # the legacy generator's seed range
    state = np.random.RandomState(seed)
    theta = state.normal(loc=1.0, size=d)
    X = state.multivariate_normal(np.zeros(d), 0.9 * np.eye(d) + 0.1 * np.ones((d, d)), size=n)
    y = X @ theta + state.normal(size=n)
    prob = LeastSquares(X, y, mean=True)
    prob.theta_true = theta
    prob.theta0 = state.normal(size=d)
    prob.x0 = prob.theta0.copy()
    prob.state = state
    return prob


# --------------------------------------------------------------------------------------------
# loss terms from linear scores (appended for refimpl.bcd: coordinate methods keep the scores
# z = Aw up to date and evaluate the loss from them; same overflow-free formulas as above)
# --------------------------------------------------------------------------------------------


def logistic_terms(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Sum-form logistic loss terms from the scores :math:`z = Aw` (host NumPy), labels ±1.

    Returns ``(loss, dz, hz)``: :math:`\sum_i \log(1 + e^{-y_i z_i})`, the derivative
    :math:`-y \odot \sigma(-y \odot z)` and the second derivative :math:`\sigma(z)\sigma(-z)`, by
    the overflow-free forms of :class:`LogisticRegression` (so :math:`\nabla f = A^\top dz`,
    :math:`\nabla^2 f = A^\top \operatorname{diag}(hz) A`).
    """
    m = y * z
    loss = float(np.sum(np.logaddexp(0.0, -m)))
    dz = -y * np.exp(-np.logaddexp(0.0, m))
    hz = np.exp(-np.logaddexp(0.0, z) - np.logaddexp(0.0, -z))
    return loss, dz, hz


def softmax_terms(Z: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    r"""Sum-form multinomial (softmax) logistic loss from the scores :math:`Z = AW` (host NumPy).

    ``Z`` is (m, K), ``labels`` (m,) integers in [0, K). Returns ``(loss, dZ, P)``:
    :math:`\sum_i (\operatorname{logsumexp}(Z_{i,:}) - Z_{i, y_i})`, its derivative
    :math:`P - Y` (``P`` the row-wise softmax, ``Y`` the one-hot labels) and ``P``
    (the Hessian is :math:`\sum_i a_i a_i^\top \otimes (\operatorname{diag}(p_i) - p_i p_i^\top)`).
    """
    zmax = np.max(Z, axis=1, keepdims=True)
    E = np.exp(Z - zmax)
    s = np.sum(E, axis=1, keepdims=True)
    lse = np.log(s)[:, 0] + zmax[:, 0]
    rows = np.arange(Z.shape[0])
    loss = float(np.sum(lse - Z[rows, labels]))
    P = E / s
    dZ = P.copy()
    dZ[rows, labels] -= 1.0
    return loss, dZ, P
