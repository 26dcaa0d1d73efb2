r"""Bound-constrained nonlinear systems :math:`F(x) = 0`, :math:`l \le x \le u`, in closed form with Jacobians.

Test systems for :func:`~refimpl.newton.scaled_trust_region` from the literature of
bound-constrained nonlinear systems; the boxes and starting points marked [R] are our choice (the
paper of Ayanzadeh, Yazdanian & Shahamatnia (2019) gives none that we could verify), chosen so that
the start is strictly inside the box and the box contains the published root.

======================================  ====  =========================================================
:func:`chandrasekhar_h`                 n     Chandrasekhar's H-equation, midpoint rule (Kelley 1995)
:func:`powell_badly_scaled`             2     Powell (1970); Moré, Garbow & Hillstrom (1981) no. 3
:func:`brown_almost_linear`             n     Brown (1969); Moré, Garbow & Hillstrom (1981) no. 27
:func:`chemical_equilibrium`            5     propane combustion (Meintjes & Morgan 1990)
======================================  ====  =========================================================

Each function returns a :class:`BoxSystem`: ``F(x)`` and ``J(x)`` written once against the array
API (they work for NumPy, torch, CuPy and array-api-strict arrays of any floating dtype; constant
data are moved to the array's namespace, device and dtype once and cached), the box ``lb``, ``ub``
(host float arrays, ±inf for no bound), the start ``x0`` and, where one is published, the root
``x_star`` (None otherwise).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl.backends import capabilities

__all__ = ["brown_almost_linear", "chandrasekhar_h", "chemical_equilibrium", "powell_badly_scaled"]


class BoxSystem:
    """A square nonlinear system on a box (see the module docstring); built by the generators here.

    Attributes
    ----------
    name : str
    n : int
    lb, ub : (n,) float arrays
        The box (host NumPy; ``-inf``/``+inf`` where unbounded).
    x0 : (n,) float array
        The standard start, strictly inside the box.
    x_star : (n,) float array or None
        A published root inside the box (to the digits published), if any.
    source : str
        Where the system, the box and the start come from.
    """

    __refimpl_data__ = True

    def __init__(self, name: str, n: int, F: Any, J: Any, lb: np.ndarray, ub: np.ndarray, x0: np.ndarray,
                 x_star: np.ndarray | None, source: str, data: dict[str, np.ndarray] | None = None) -> None:
        self.name, self.n, self._F, self._J, self.source = name, int(n), F, J, source
        self.lb, self.ub = np.asarray(lb, dtype=float), np.asarray(ub, dtype=float)
        self.x0 = np.asarray(x0, dtype=float)
        self.x_star = None if x_star is None else np.asarray(x_star, dtype=float)
        self._host = data or {}
        self._cache: dict[Any, dict[str, Any]] = {}

    def _data(self, x: Any) -> tuple[Any, dict[str, Any]]:
        xp = array_namespace(x)
        key = (xp.__name__, str(x.dtype), str(device(x)))
        if key not in self._cache:
            self._cache[key] = {k: xp.asarray(a, dtype=x.dtype, device=device(x)) for k, a in self._host.items()}
        return xp, self._cache[key]

    def _check(self, x: Any) -> None:
        if getattr(x, "ndim", None) != 1 or int(x.shape[0]) != self.n:
            raise ValueError(f"x must be a 1-D array of length {self.n} for {self.name}; "
                             f"got shape {tuple(getattr(x, 'shape', ()))}")

    def F(self, x: Any) -> Any:
        """The residual :math:`F(x)`, an (n,) array in ``x``'s library."""
        self._check(x)
        xp, data = self._data(x)
        return self._F(xp, x, data)

    def J(self, x: Any) -> Any:
        """The Jacobian :math:`J(x)_{ij} = \\partial F_i / \\partial x_j`, an (n, n) array."""
        self._check(x)
        xp, data = self._data(x)
        return self._J(xp, x, data)

    def __repr__(self) -> str:
        return f"BoxSystem({self.name!r}, n={self.n})"


# ----------------------------------------------------------------------------- H-equation


def _h_F(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    return x - 1.0 / (1.0 - data["A"] @ x)


def _h_J(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    A = data["A"]
    s = 1.0 - A @ x
    n = x.shape[0]
    return xp.eye(n, dtype=x.dtype, device=device(x)) - A / (s * s)[:, None]


@capabilities()
def chandrasekhar_h(n: int = 100, c: float = 0.99) -> BoxSystem:
    r"""Chandrasekhar's H-equation discretised by the midpoint rule, on :math:`x \ge 0`.

    :math:`F_i(x) = x_i - \bigl(1 - \tfrac{c}{2n}\sum_j \mu_i x_j/(\mu_i + \mu_j)\bigr)^{-1}`,
    :math:`\mu_i = (i - \tfrac12)/n` (Kelley, *Iterative Methods for Linear and Nonlinear
    Equations*, SIAM 1995, §5.6). For :math:`0 < c < 1` the system has a solution with positive
    entries (the physical one, reached from :math:`x_0 = 1`); at c = 1 its Jacobian is singular, so
    c = 0.9999 is a nearly singular problem. Box :math:`[0, \infty)^n`, :math:`x_0 = (1, \dots, 1)`
    (the standard start; the box is the usual one in the bound-constrained literature [R]).

    Parameters
    ----------
    n : int, default 100
        Number of unknowns, 1 <= n <= 20000 (the Jacobian is dense).
    c : float, default 0.99
        In (0, 1); the literature uses 0.9, 0.99, 0.9999.

    Returns
    -------
    BoxSystem

    Examples
    --------
    >>> from refimpl.newton import chandrasekhar_h
    >>> prob = chandrasekhar_h(20, 0.9)
    >>> prob.F(prob.x0).shape, prob.J(prob.x0).shape
    ((20,), (20, 20))
    """
    n = v.check_size(n, "n", low=1, limit=20000, why="the Jacobian is a dense n x n matrix")
    c = v.check_in_range(c, "c", 0.0, 1.0)
    mu = (np.arange(1, n + 1) - 0.5) / n
    A = (c / (2.0 * n)) * mu[:, None] / (mu[:, None] + mu[None, :])
    return BoxSystem(f"H-equation (n={n}, c={c:g})", n, _h_F, _h_J, np.zeros(n), np.full(n, np.inf), np.ones(n),
                     None, "Kelley (1995), §5.6; box [0, inf)^n and x0 = 1 [R]", data={"A": A})


# ----------------------------------------------------------------------------- Powell badly scaled


def _pbs_F(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    f1 = 1e4 * x[0] * x[1] - 1.0
    f2 = xp.exp(-x[0]) + xp.exp(-x[1]) - 1.0001
    return xp.stack([f1, f2])


def _pbs_J(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    return xp.stack([xp.stack([1e4 * x[1], 1e4 * x[0]]), xp.stack([-xp.exp(-x[0]), -xp.exp(-x[1])])])


@capabilities()
def powell_badly_scaled() -> BoxSystem:
    r"""Powell's badly scaled system, n = 2, on the box :math:`[0, 1] \times [1, 10]`.

    :math:`F_1 = 10^4 x_1 x_2 - 1`, :math:`F_2 = e^{-x_1} + e^{-x_2} - 1.0001` (Powell 1970; Moré,
    Garbow & Hillstrom, *ACM TOMS* 7, 1981, problem 3), root
    :math:`x^* \approx (1.098159\cdot10^{-5}, 9.106146)`. The MGH start (0, 1) is a corner of the
    box, so we start from :math:`x_0 = (10^{-3}, 1.5)` instead [R]; the box is ours [R] (it
    contains the root and excludes the mirror root with the coordinates swapped).

    Returns
    -------
    BoxSystem
    """
    return BoxSystem("Powell badly scaled", 2, _pbs_F, _pbs_J, np.array([0.0, 1.0]), np.array([1.0, 10.0]),
                     np.array([1e-3, 1.5]), np.array([1.09815932969975976e-05, 9.10614673986700218]),
                     "Moré, Garbow & Hillstrom (1981), problem 3; box and x0 [R]")


# ----------------------------------------------------------------------------- Brown almost-linear


def _brown_F(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    n = x.shape[0]
    head = x[:-1] + xp.sum(x) - (n + 1.0)
    return xp.concat([head, xp.reshape(xp.prod(x) - 1.0, (1,))])


def _brown_J(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    n = x.shape[0]
    dev = device(x)
    top = xp.ones((n - 1, n), dtype=x.dtype, device=dev) + xp.eye(n - 1, n, dtype=x.dtype, device=dev)
    # d(prod x)/dx_j = prod_{i != j} x_i, without dividing by x_j (zeros allowed)
    idx = xp.arange(n, device=dev)
    mask = idx[None, :] == idx[:, None]
    others = xp.where(mask, xp.ones((n, n), dtype=x.dtype, device=dev), xp.broadcast_to(x[None, :], (n, n)))
    last = xp.prod(others, axis=1)
    return xp.concat([top, xp.reshape(last, (1, n))], axis=0)


@capabilities()
def brown_almost_linear(n: int = 10) -> BoxSystem:
    r"""Brown's almost-linear system on the box :math:`[0, 1.1]^n`.

    :math:`F_i = x_i + \sum_j x_j - (n + 1)` for i < n, :math:`F_n = \prod_j x_j - 1` (Brown 1969;
    Moré, Garbow & Hillstrom 1981, problem 27), start :math:`x_0 = (\tfrac12, \dots, \tfrac12)`
    (MGH). The root :math:`x^* = (1, \dots, 1)` is interior to the box; the box [R] is ours: it
    excludes the other roots :math:`(\alpha, \dots, \alpha, \alpha^{1-n})`, α the root in (0, 1) of
    :math:`n\alpha^n - (n+1)\alpha^{n-1} + 1` (last entry 2 at n = 2, 1.206 at n = 10, 1.102 at
    n = 20), and those with negative entries.

    Parameters
    ----------
    n : int, default 10
        2 <= n <= 20 (for larger n the second root's last entry falls inside the box).

    Returns
    -------
    BoxSystem
    """
    n = v.check_size(n, "n", low=2, limit=20, why="beyond 20 the box [0, 1.1]^n holds a second root")
    return BoxSystem(f"Brown almost-linear (n={n})", n, _brown_F, _brown_J, np.zeros(n), np.full(n, 1.1),
                     np.full(n, 0.5), np.ones(n), "Moré, Garbow & Hillstrom (1981), problem 27; box [R]")


# ----------------------------------------------------------------------------- chemical equilibrium

_R = 10.0
_R5 = 0.193
_R6 = 0.002597 / math.sqrt(40.0)
_R7 = 0.003448 / math.sqrt(40.0)
_R8 = 0.00001799 / 40.0
_R9 = 0.0002155 / math.sqrt(40.0)
_R10 = 0.00003846 / 40.0
#: the positive root (our computation: trust region, then Newton to round-off; ||F|| ~ 1e-16)
_CHEM_ROOT = np.array([0.0031141022659849646, 34.59792453029007, 0.06504177869743802, 0.8593780505779406,
                       0.03695185914804602])


def _chem_F(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    x1, x2, x3, x4, x5 = (x[i] for i in range(5))
    f1 = x1 * x2 + x1 - 3.0 * x5
    f2 = (2.0 * x1 * x2 + x1 + x2 * x3**2 + _R8 * x2 - _R * x5 + 2.0 * _R10 * x2**2 + _R7 * x2 * x3
          + _R9 * x2 * x4)
    f3 = 2.0 * x2 * x3**2 + 2.0 * _R5 * x3**2 - 8.0 * x5 + _R6 * x3 + _R7 * x2 * x3
    f4 = _R9 * x2 * x4 + 2.0 * x4**2 - 4.0 * _R * x5
    f5 = (x1 * x2 + x1 + _R10 * x2**2 + x2 * x3**2 + _R8 * x2 + _R5 * x3**2 + x4**2 - 1.0 + _R6 * x3
          + _R7 * x2 * x3 + _R9 * x2 * x4)
    return xp.stack([f1, f2, f3, f4, f5])


def _chem_J(xp: Any, x: Any, data: dict[str, Any]) -> Any:
    x1, x2, x3, x4, x5 = (x[i] for i in range(5))
    z = 0.0 * x1
    row1 = [x2 + 1.0, x1 + z, z, z, z - 3.0]
    row2 = [2.0 * x2 + 1.0, 2.0 * x1 + x3**2 + _R8 + 4.0 * _R10 * x2 + _R7 * x3 + _R9 * x4,
            2.0 * x2 * x3 + _R7 * x2, _R9 * x2, z - _R]
    row3 = [z, 2.0 * x3**2 + _R7 * x3, 4.0 * x2 * x3 + 4.0 * _R5 * x3 + _R6 + _R7 * x2, z, z - 8.0]
    row4 = [z, _R9 * x4, z, _R9 * x2 + 4.0 * x4, z - 4.0 * _R]
    row5 = [x2 + 1.0, x1 + 2.0 * _R10 * x2 + x3**2 + _R8 + _R7 * x3 + _R9 * x4,
            2.0 * x2 * x3 + 2.0 * _R5 * x3 + _R6 + _R7 * x2, 2.0 * x4 + _R9 * x2, z]
    return xp.stack([xp.stack(r) for r in (row1, row2, row3, row4, row5)])


@capabilities()
def chemical_equilibrium() -> BoxSystem:
    r"""The propane-combustion chemical equilibrium system of Meintjes & Morgan (1990), n = 5, on :math:`x \ge 0`.

    The reduced 5-unknown form (Meintjes & Morgan, *ACM TOMS* 16, 1990) with R = 10,
    :math:`R_5 = 0.193`, :math:`R_6 = 0.002597/\sqrt{40}`, :math:`R_7 = 0.003448/\sqrt{40}`,
    :math:`R_8 = 0.00001799/40`, :math:`R_9 = 0.0002155/\sqrt{40}`, :math:`R_{10} = 0.00003846/40`:

    .. math::

        F_1 &= x_1x_2 + x_1 - 3x_5,\\
        F_2 &= 2x_1x_2 + x_1 + x_2x_3^2 + R_8x_2 - Rx_5 + 2R_{10}x_2^2 + R_7x_2x_3 + R_9x_2x_4,\\
        F_3 &= 2x_2x_3^2 + 2R_5x_3^2 - 8x_5 + R_6x_3 + R_7x_2x_3,\\
        F_4 &= R_9x_2x_4 + 2x_4^2 - 4Rx_5,\\
        F_5 &= x_1(x_2 + 1) + R_{10}x_2^2 + x_2x_3^2 + R_8x_2 + R_5x_3^2 + x_4^2 - 1 + R_6x_3 + R_7x_2x_3 + R_9x_2x_4.

    Only the root with positive entries is physical; box :math:`[0, \infty)^5` and start
    :math:`x_0 = (\tfrac12, \dots, \tfrac12)` are ours [R]. ``x_star`` is the positive root as we
    computed it (Newton to round-off; it agrees with the root quoted in the literature,
    :math:`x^* \approx (0.0031141, 34.5979, 0.0650418, 0.859378, 0.0369518)`, to those digits).

    Returns
    -------
    BoxSystem
    """
    return BoxSystem("chemical equilibrium (propane)", 5, _chem_F, _chem_J, np.zeros(5), np.full(5, np.inf),
                     np.full(5, 0.5), _CHEM_ROOT, "Meintjes & Morgan (1990); box and x0 [R]")
