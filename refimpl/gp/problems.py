"""Test problems of GP-HM (Fang et al., ICLR 2024) with closed-form exact solutions and forcings.

The eleven configurations of the authors' code (``code/config/*.yaml``; Fang et al. 2024, §5): Poisson and
Allen–Cahn in 1-D and 2-D and 2-D advection, each with its grid, initial frequency range F and boundary
weight λ_b. Forcings are derived by hand from the exact solutions (the code uses autodiff); the tests
check them against finite differences. Also an aliasing rule of ours [R] (grid nodes per period; Nyquist).

Provenance: [V] configurations read from the authors' code; forcings checked by finite differences.

Notation: u exact solution, f = 𝒫[u] forcing, L_j box lengths, n_j nodes per axis (linspace incl.
endpoints), F = ``freq_scale`` (cycles per unit length), λ_b = ``lam_b``, β advection speed.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from refimpl import _validate as v
from refimpl.backends import capabilities

__all__ = ["AliasingWarning", "GPHM_PROBLEMS", "PDEProblem", "gphm_problem"]

TWO_PI = 2.0 * math.pi
#: the PDE operators of the test problems (Fang et al. 2024, §5)
OPERATORS = ("poisson", "allen_cahn", "advection")


@capabilities()
class AliasingWarning(UserWarning):
    """The grid resolves the solution's highest frequency with fewer than 3 nodes per period."""


# --------------------------------------------------------------------------------------------------
# test problems (Fang et al. 2024, §5, and the authors' configs; exact solutions and forcings in closed form)
# --------------------------------------------------------------------------------------------------


@capabilities()
@dataclass(frozen=True)
class PDEProblem:
    """A PDE on a box with Dirichlet data from its exact solution (Fang et al. 2024, §2 and §5).

    Attributes
    ----------
    name : str
    operator : {"poisson", "allen_cahn", "advection"}
        Poisson Σ_j u_{x_j x_j} = f; Allen–Cahn Σ_j u_{x_j x_j} + u(u² − 1) = f; advection
        β u_x + u_y = 0 (axis 1 plays time).
    lengths : tuple of float
        Box [0, L_j] per axis.
    n : tuple of int
        Grid nodes per axis (linspace including the endpoints).
    solution, forcing : callable
        ``solution(x)`` / ``forcing(x)`` with x a tuple of broadcastable host coordinate arrays.
    freq_scale : float
        F of the authors' config (initial μ_q = linspace(0, 1, Q)·F).
    lam_b : float
        Boundary weight λ_b.
    beta : float
        Advection speed (advection only).
    max_freq : float
        Highest frequency of the exact solution per axis, in cycles per unit length (aliasing check).
    max_iter : int
        Adam iterations of the authors' config (for reference).

    Raises
    ------
    TypeError, ValueError
        On construction, for a field of the wrong kind: an empty ``name``, an unknown ``operator``,
        ``lengths`` that are not positive finite numbers (one per axis of ``n``), grid sizes below 3,
        ``solution``/``forcing`` that are not callables returning finite numbers on the grid's
        corner nodes, a ``freq_scale`` that is not a finite positive number.
    """

    #: a problem definition (input data), not the result of a computation
    __refimpl_data__ = True

    name: str
    operator: str
    lengths: tuple
    n: tuple
    solution: Callable = field(repr=False)
    forcing: Callable = field(repr=False)
    freq_scale: float
    lam_b: float = 200.0
    beta: float = 0.0
    max_freq: tuple = ()
    max_iter: int = 100000

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string; got {type(self.name).__name__} {self.name!r:.60}")
        v.check_choice(self.operator, "operator", OPERATORS)
        if isinstance(self.n, (int, np.integer)) or not isinstance(self.n, Sequence) or len(self.n) == 0:
            raise TypeError(f"n must be a non-empty sequence of grid sizes (one per axis); got {self.n!r:.60}")
        n = tuple(v.check_int(k, f"n[{j}]", low=3) for j, k in enumerate(self.n))
        if self.operator == "advection" and len(n) != 2:
            raise ValueError(f"n must give 2 grid sizes for the advection operator (x and t); got {n}")
        lengths = v.check_array(self.lengths, "lengths", ndim=1, real=True)
        if lengths.shape[0] != len(n):
            raise ValueError(f"lengths must give one box length per axis ({len(n)}, the length of n); "
                             f"got {lengths.shape[0]}")
        lengths = tuple(v.check_positive(float(L), f"lengths[{j}]") for j, L in enumerate(np.asarray(lengths)))
        max_freq = tuple(v.check_positive(float(f), f"max_freq[{j}]", strict=False)
                         for j, f in enumerate(self.max_freq))
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "lengths", lengths)
        object.__setattr__(self, "max_freq", max_freq)
        object.__setattr__(self, "freq_scale", v.check_positive(self.freq_scale, "freq_scale"))
        object.__setattr__(self, "lam_b", v.check_positive(self.lam_b, "lam_b"))
        object.__setattr__(self, "beta", v.check_real(self.beta, "beta"))
        object.__setattr__(self, "max_iter", v.check_int(self.max_iter, "max_iter", low=1))
        corners = _mesh([np.array([0.0, L]) for L in lengths])
        for fname in ("solution", "forcing"):
            func = v.check_callable(getattr(self, fname), fname)
            try:
                val = func(corners)
            except Exception as exc:  # noqa: BLE001 - the user's callable; re-raised with its name
                raise TypeError(f"{fname} must accept a tuple of broadcastable coordinate arrays (one per "
                                f"axis); calling it on the box corners raised {type(exc).__name__}: {exc}") from exc
            try:
                if val is None:
                    raise TypeError
                val = np.asarray(val, dtype=float)
            except (TypeError, ValueError):
                raise TypeError(f"{fname} must return real numbers on the grid; got {type(val).__name__} "
                                f"{val!r:.60} on the box corners") from None
            if not np.all(np.isfinite(val)):
                raise ValueError(f"{fname} must return finite values on the grid; got non-finite values on the "
                                 "box corners")

    @property
    def d(self) -> int:
        return len(self.n)

    def grid(self) -> list[np.ndarray]:
        """Host coordinates z^{(j)} = linspace(0, L_j, n_j)."""
        return [np.linspace(0.0, L, n) for L, n in zip(self.lengths, self.n)]


def _mesh(coords):
    d = len(coords)
    return tuple(np.reshape(c, tuple(-1 if i == j else 1 for i in range(d))) for j, c in enumerate(coords))


def _p1d(u, upp, nonlinear=False):
    if nonlinear:
        return u, (lambda x: upp(x[0]) + u(x) * (u(x) ** 2 - 1))
    return u, (lambda x: upp(x[0]))


def _problem_table():
    s, c = np.sin, np.cos
    T = {}
    # 1-D Poisson u'' = f; second derivatives in closed form
    u, f = _p1d(lambda x: s(100 * x[0]), lambda x: -1e4 * s(100 * x))
    T["poisson_1d-single_sin"] = dict(operator="poisson", lengths=(TWO_PI,), n=(400,), solution=u, forcing=f,
                                      freq_scale=20.0, max_freq=(100 / TWO_PI,))
    u, f = _p1d(lambda x: x[0] * s(200 * x[0]), lambda x: 400 * c(200 * x) - 4e4 * x * s(200 * x))
    T["poisson_1d-x_time_sinx"] = dict(operator="poisson", lengths=(TWO_PI,), n=(900,), solution=u, forcing=f,
                                       freq_scale=50.0, max_freq=(200 / TWO_PI,))
    u, f = _p1d(lambda x: s(6 * x[0]) * c(100 * x[0]),
                lambda x: -10036 * s(6 * x) * c(100 * x) - 1200 * c(6 * x) * s(100 * x))
    T["poisson_1d-sin_cos"] = dict(operator="poisson", lengths=(TWO_PI,), n=(400,), solution=u, forcing=f,
                                   freq_scale=20.0, max_freq=(106 / TWO_PI,))
    # mix_sin: the solver code uses 0.05 sin(100x) (README says cos); we follow the code
    u, f = _p1d(lambda x: s(x[0]) + 0.1 * s(20 * x[0]) + 0.05 * s(100 * x[0]),
                lambda x: -s(x) - 40 * s(20 * x) - 500 * s(100 * x))
    T["poisson_1d-mix_sin"] = dict(operator="poisson", lengths=(1.0,), n=(900,), solution=u, forcing=f,
                                   freq_scale=30.0, max_freq=(100 / TWO_PI,), max_iter=1000000)
    u, f = _p1d(lambda x: s(500 * x[0]) - 2 * (x[0] - 0.5) ** 2, lambda x: -2.5e5 * s(500 * x) - 4)
    T["poisson_1d-x2_add_sinx"] = dict(operator="poisson", lengths=(1.0,), n=(400,), solution=u, forcing=f,
                                       freq_scale=100.0, max_freq=(500 / TWO_PI,), max_iter=1000000)
    # 1-D Allen–Cahn u'' + u(u² − 1) = f
    u, f = _p1d(lambda x: s(100 * x[0]), lambda x: -1e4 * s(100 * x), nonlinear=True)
    T["allencahn_1d-single_sin"] = dict(operator="allen_cahn", lengths=(TWO_PI,), n=(400,), solution=u,
                                        forcing=f, freq_scale=20.0, max_freq=(100 / TWO_PI,))
    u, f = _p1d(lambda x: s(6 * x[0]) * c(100 * x[0]),
                lambda x: -10036 * s(6 * x) * c(100 * x) - 1200 * c(6 * x) * s(100 * x), nonlinear=True)
    T["allencahn_1d-sin_cos"] = dict(operator="allen_cahn", lengths=(TWO_PI,), n=(400,), solution=u,
                                     forcing=f, freq_scale=20.0, max_freq=(106 / TWO_PI,))
    # 2-D
    T["poisson_2d-sin_sin"] = dict(
        operator="poisson", lengths=(TWO_PI, TWO_PI), n=(400, 400),
        solution=lambda x: s(100 * x[0]) * s(100 * x[1]),
        forcing=lambda x: -2e4 * s(100 * x[0]) * s(100 * x[1]), freq_scale=20.0,
        max_freq=(100 / TWO_PI, 100 / TWO_PI))
    h = lambda t: s(6 * t) * c(20 * t)                                  # noqa: E731
    hpp = lambda t: -436 * s(6 * t) * c(20 * t) - 240 * c(6 * t) * s(20 * t)   # noqa: E731
    T["poisson_2d-sin_add_cos"] = dict(
        operator="poisson", lengths=(TWO_PI, TWO_PI), n=(200, 200),
        solution=lambda x: h(x[0]) + h(x[1]), forcing=lambda x: hpp(x[0]) + hpp(x[1]), freq_scale=20.0,
        max_freq=(26 / TWO_PI, 26 / TWO_PI), max_iter=1000000)
    a = lambda t: s(t) + 0.1 * s(20 * t) + c(100 * t)                    # noqa: E731
    app = lambda t: -s(t) - 40 * s(20 * t) - 1e4 * c(100 * t)            # noqa: E731
    T["allencahn_2d-mix-sincos"] = dict(
        operator="allen_cahn", lengths=(1.0, 1.0), n=(400, 400),
        solution=lambda x: a(x[0]) * a(x[1]),
        forcing=lambda x: (app(x[0]) * a(x[1]) + a(x[0]) * app(x[1])
                           + a(x[0]) * a(x[1]) * ((a(x[0]) * a(x[1])) ** 2 - 1)),
        freq_scale=30.0, max_freq=(100 / TWO_PI, 100 / TWO_PI), max_iter=1000000)
    beta = 200.0
    T["advection-sin"] = dict(
        operator="advection", lengths=(1.0, 1.0), n=(200, 200), beta=beta,
        solution=lambda x: s(x[0] - beta * x[1]), forcing=lambda x: 0.0 * x[0] * x[1],
        freq_scale=40.0, lam_b=500.0, max_freq=(1 / TWO_PI, beta / TWO_PI), max_iter=200000)
    return T


_PROBLEMS = _problem_table()
#: names of the authors' test configurations (Fang et al. 2024, §5)
GPHM_PROBLEMS = tuple(_PROBLEMS)


@capabilities()
def gphm_problem(name: str, n: int | Sequence[int] | None = None) -> PDEProblem:
    """One of the authors' test problems (Fang et al. 2024, §5), optionally on a different grid.

    Parameters
    ----------
    name : str
        One of :data:`GPHM_PROBLEMS`, e.g. ``"poisson_1d-single_sin"``.
    n : int or sequence of int, optional
        Nodes per axis (default: the config's). A grid too coarse for the solution's frequency
        triggers an :class:`AliasingWarning` in the solvers.

    Returns
    -------
    PDEProblem
    """
    v.check_choice(name, "name", GPHM_PROBLEMS)
    cfg = dict(_PROBLEMS[name])
    if n is not None:
        d = len(cfg["n"])
        if isinstance(n, (list, tuple)):
            n = tuple(n)
        elif hasattr(n, "shape") and len(n.shape) == 1:
            n = tuple(n.tolist())
        else:
            n = (v.check_int(n, "n", low=3),) * d
        if len(n) != d:
            raise ValueError(f"n must give {d} grid sizes for {name}; got {n}")
        cfg["n"] = tuple(v.check_int(k, "n", low=3) for k in n)
    return PDEProblem(name=name, **cfg)


def _check_aliasing(problem: PDEProblem):
    for j, (L, n) in enumerate(zip(problem.lengths, problem.n)):
        if j < len(problem.max_freq) and problem.max_freq[j] > 0:
            h = L / (n - 1)
            per_period = 1.0 / (problem.max_freq[j] * h)
            if per_period < 3.0:
                warnings.warn(
                    f"{problem.name}: axis {j} has {per_period:.2f} grid nodes per period of the highest "
                    f"solution frequency ({problem.max_freq[j]:.3g} cycles/unit, h = {h:.4g}); below ~3 the "
                    "derivatives alias (Nyquist at 2). Use at least ~4 nodes per period (Nyquist: 2 nodes per period).",
                    AliasingWarning, stacklevel=3)
