"""What the equality-constrained methods share: status, result, the counted constrained oracle, input checks.

Used by :mod:`refimpl.newton.adasketch` and :mod:`refimpl.newton.sqp_baselines`. The oracle
mirrors :class:`refimpl._oracle.Oracle` (conversion into the method's backend and dtype, shape
checks, :class:`~refimpl._oracle.NonFiniteOracleValue` on NaN/inf) for the six callables of a
constrained problem (see :mod:`refimpl.newton.hs_problems`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import check_callback
from refimpl._oracle import NonFiniteOracleValue, _is_complex, _shape
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary

_METHODS = ("f", "grad", "hess", "c", "jac", "hess_c")


class SQPStatus(StatusEnum):
    """Why an equality-constrained method stopped (the value is the message)."""

    __failures__ = ("MAX_ITER", "NONFINITE", "SINGULAR_JACOBIAN", "LINE_SEARCH_FAILED", "BREAKDOWN")
    CONVERGED = "converged: KKT residual ||(grad_x L, c)|| at or below tol"
    MAX_ITER = "stopped: reached max_iter before the KKT residual fell to tol"
    NONFINITE = "stopped: an oracle (f, grad, hess, c, jac, hess_c) returned NaN or inf"
    SINGULAR_JACOBIAN = ("stopped: the constraint Jacobian is (numerically) rank-deficient: "
                         "lambda_min(G G^T) fell below singular_tol (LICQ fails; the KKT matrix may be singular)")
    LINE_SEARCH_FAILED = "stopped: the Armijo backtracking on the merit function found no acceptable step"
    BREAKDOWN = "breakdown: the inner solver cannot continue (a zero sketch denominator or a singular system)"
    CALLBACK = "stopped: the callback asked to stop"


@dataclass(frozen=True, kw_only=True)
class SQPResult(Result):
    """Result of :func:`~refimpl.newton.adasketch_newton` and the baselines.

    ``x`` and ``lam`` follow the caller's array library (NumPy when the start comes from the
    problem object); histories are host NumPy arrays.

    Attributes
    ----------
    status : SQPStatus
    x : (n,) array
        The last iterate.
    lam : (m,) array
        The last multiplier estimate.
    fun : float
        :math:`f(x)`.
    kkt_norm : float
        :math:`\\|(\\nabla_x L(x, \\lambda), c(x))\\|_2` at the last iterate.
    constraint_norm : float
        :math:`\\|c(x)\\|_2`.
    n_iter : int
        Outer iterations (accepted steps; for the augmented Lagrangian method: multiplier updates).
    n_inner : int
        Inner iterations in total (sketch steps; GMRES iterations; inner Newton steps).
    inner_iterations : (n_iter,) int array
        Inner iterations per outer iteration.
    kkt_history : (n_iter + 1,) float array
        The KKT residual at every iterate, the start included.
    constraint_history : (n_iter + 1,) float array
        :math:`\\|c(x_k)\\|_2`.
    step_sizes : (n_iter,) float array
        Armijo step sizes (augmented Lagrangian: the last inner step of each outer iteration).
    n_fev, n_grad, n_hess, n_matvec, n_factor : int
        Oracle counts: objective-and-constraint value pairs (f and c at one point), gradient and
        Jacobian pairs, Hessian sets (∇²f and every ∇²cᵢ at one point), products with the KKT or
        Newton matrix (2 per sketch step), eigen/QR factorisations.
    penalty : dict
        The final penalty parameters (AdaSketch: ``eta1``, ``eta2``, ``delta``; ℓ1-SQP: ``mu``;
        AL: ``mu``).
    n_penalty_updates : int
        How often the penalties were increased.
    n_inner_capped : int
        Inner solves stopped by their cap before their accuracy test held.
    hessian_shifts : (n_iter,) float array
        The Hessian modification :math:`t_k` (0 where the reduced Hessian was positive definite).
    method : str
    """

    x: Any
    lam: Any
    fun: float
    kkt_norm: float
    constraint_norm: float
    n_iter: int
    n_inner: int
    inner_iterations: np.ndarray
    kkt_history: np.ndarray
    constraint_history: np.ndarray
    step_sizes: np.ndarray
    n_fev: int
    n_grad: int
    n_hess: int
    n_matvec: int
    n_factor: int
    penalty: dict
    n_penalty_updates: int = 0
    n_inner_capped: int = 0
    hessian_shifts: np.ndarray = None  # type: ignore[assignment]
    method: str = ""


class ConstrainedOracle:
    """Counted, checked evaluations of a constrained problem on one backend.

    Counts: ``n_fev`` (f and c at a point), ``n_grad`` (∇f and G), ``n_hess`` (∇²f and the
    ∇²cᵢ), ``n_matvec`` and ``n_factor`` (recorded by the methods).
    """

    def __init__(self, problem: Any, *, n: int, m: int, backend: Any, dtype: Any) -> None:
        self.p, self.n, self.m = problem, n, m
        self.backend, self.xp, self.dtype = backend, backend.xp, dtype
        self.n_fev = self.n_grad = self.n_hess = self.n_matvec = self.n_factor = 0

    def _array(self, out: Any, which: str, shape: tuple[int, ...]) -> Any:
        if out is None or isinstance(out, (str, bytes)) or _is_complex(out):
            raise TypeError(f"problem.{which} must return a real array of shape {shape}; got "
                            f"{'complex values' if _is_complex(out) else type(out).__name__}")
        try:
            a = self.backend.asarray(out, dtype=self.dtype)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"problem.{which} must return a real array of shape {shape}; "
                            f"got {type(out).__name__}") from None
        if _shape(a) != shape:
            raise ValueError(f"problem.{which} must return an array of shape {shape}; got shape {_shape(a)}")
        if not bool(self.xp.all(self.xp.isfinite(a))):
            raise NonFiniteOracleValue(which)
        return a

    def values(self, x: Any) -> tuple[float, Any]:
        """``(f(x), c(x))``."""
        self.n_fev += 1
        f = self._array(self.p.f(x), "f", ())
        return float(f), self._array(self.p.c(x), "c", (self.m,))

    def derivatives(self, x: Any) -> tuple[Any, Any]:
        """``(∇f(x), G(x))``."""
        self.n_grad += 1
        return self._array(self.p.grad(x), "grad", (self.n,)), self._array(self.p.jac(x), "jac", (self.m, self.n))

    def hessians(self, x: Any) -> tuple[Any, Any]:
        """``(∇²f(x), ∇²c(x))``, symmetrised."""
        self.n_hess += 1
        H = self._array(self.p.hess(x), "hess", (self.n, self.n))
        Hc = self._array(self.p.hess_c(x), "hess_c", (self.m, self.n, self.n))
        return 0.5 * (H + H.T), 0.5 * (Hc + self.xp.permute_dims(Hc, (0, 2, 1)))

    def counts(self) -> dict[str, int]:
        return {"n_fev": self.n_fev, "n_grad": self.n_grad, "n_hess": self.n_hess, "n_matvec": self.n_matvec,
                "n_factor": self.n_factor}


def _host_vector(a: Any, name: str, size: int) -> Any:
    a = v.check_array(a, name, ndim=1, real=True)
    v.check_shape(a, name, (size,))
    return a


def setup(problem: Any, x0: Any, lam0: Any, *, tol: Any, max_iter: Any, callback: Any, backend: Any = None,
          ) -> tuple[Boundary, Any, Any, ConstrainedOracle, float, int]:
    """Shared boundary work: check the problem object, x0, lam0, tol, max_iter, callback.

    Returns ``(bd, x, lam, oracle, tol, max_iter)``.
    """
    missing = [m for m in _METHODS if not callable(getattr(problem, m, None))]
    if missing:
        raise TypeError(f"problem must be a constrained problem object with methods f, grad, hess, c, jac, hess_c "
                        f"(see refimpl.newton.hs_problem or ConstrainedProblem); got {type(problem).__name__} "
                        f"without {', '.join(missing)}")
    if x0 is None:
        x0 = getattr(problem, "x0", None)
        if x0 is None:
            raise TypeError("x0 must be given (the problem object has no x0)")
    x0 = v.check_array(x0, "x0", ndim=1, real=True)
    n = int(x0.shape[0])
    want = getattr(problem, "n", None)
    if want is not None and int(want) != n:
        raise ValueError(f"x0 must have shape ({int(want)},) to match the problem's n; got shape ({n},)")
    if lam0 is None:
        lam0 = getattr(problem, "lam0", None)
        if lam0 is None:
            m = getattr(problem, "m", None)
            if m is None:
                raise TypeError("lam0 must be given (the problem object has neither lam0 nor m)")
            lam0 = np.zeros(int(m))
    lam0 = v.check_array(lam0, "lam0", ndim=1, real=True)
    m = int(lam0.shape[0])
    want = getattr(problem, "m", None)
    if want is not None and int(want) != m:
        raise ValueError(f"lam0 must have shape ({int(want)},) to match the problem's m; got shape ({m},)")
    if m < 1:
        raise ValueError("problem must have at least one constraint (m >= 1); got m = 0 "
                         "(use an unconstrained method such as refimpl.newton.damped_newton)")
    if m > n:
        raise ValueError(f"problem must have at most n constraints for LICQ to hold; got m = {m} > n = {n}")
    tol = v.check_positive(tol, "tol", strict=False)
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**7, why="each iteration costs a Hessian")
    check_callback(callback)
    bd = Boundary(x0, lam0, backend=backend)
    x = bd.asarray(x0, name="x0")
    lam = bd.asarray(lam0, name="lam0")
    oracle = ConstrainedOracle(problem, n=n, m=m, backend=bd.backend, dtype=bd.dtype)
    return bd, x, lam, oracle, tol, max_iter


def fro(xp: Any, A: Any) -> float:
    """The Frobenius norm (the authors' Julia ``norm`` of a matrix) as a Python float."""
    return float(xp.linalg.matrix_norm(A, ord="fro"))


def norm(xp: Any, a: Any) -> float:
    return float(xp.linalg.vector_norm(a))


def finish(bd: Boundary, oracle: ConstrainedOracle, status: SQPStatus, x: Any, lam: Any, f: float, hist: dict,
           *, penalty: dict, method: str, n_penalty_updates: int = 0, n_inner_capped: int = 0) -> SQPResult:
    """Assemble the result from the loop's histories."""
    kkt = np.asarray(hist["kkt"], dtype=float)
    cn = np.asarray(hist["c"], dtype=float)
    inner = np.asarray(hist["inner"], dtype=np.int64)
    return SQPResult(
        status=status, x=bd.out(x), lam=bd.out(lam), fun=f, kkt_norm=float(kkt[-1]) if kkt.size else math.nan,
        constraint_norm=float(cn[-1]) if cn.size else math.nan, n_iter=int(len(hist["alpha"])),
        n_inner=int(inner.sum()), inner_iterations=inner, kkt_history=kkt, constraint_history=cn,
        step_sizes=np.asarray(hist["alpha"], dtype=float), **oracle.counts(), penalty=dict(penalty),
        n_penalty_updates=n_penalty_updates, n_inner_capped=n_inner_capped,
        hessian_shifts=np.asarray(hist.get("shift", []), dtype=float), method=method,
    )
