"""Online non-X CRC with exponential weights: an O(m) update of λ̂ per new calibration point.

Papers
------
* Farinhas et al., *Non-Exchangeable Conformal Risk Control*, ICLR 2024, arXiv:2310.01262,
  eqs. (10)-(11) with the exponential weights w_i = rho^(n+1-i) of §3.2 / §4.
* Barber et al., *Conformal prediction beyond exchangeability*, Ann. Statist. 2023 (the weights).

The recursion
-------------
With w_i = rho^(n+1-i) the weighted sums of eq. (11) satisfy

    S_{n+1}(λ) = Σ_{i<=n+1} rho^(n+2-i) L_i(λ) = rho (S_n(λ) + L_{n+1}(λ)),
    N_{n+1}   = rho (N_n + 1),

so after each new calibration point λ̂ follows from the bound (S + B)/(N + 1) <= alpha in O(m),
independent of n. A time step without a calibration point (e.g. the odd/even split of the
papers' time-series experiments) multiplies S and N by rho (:meth:`OnlineCRC.skip`).

The recursion needs the *past losses to stay fixed*: it applies to a fixed predictor, or to
losses recorded when each point arrived. When the model is refitted at every step (the papers'
synthetic and ELEC2 experiments) the whole table changes and the batch
:func:`refimpl.conformal.crc_lambda_hat` is needed.

Notation: S (m,) weighted loss sums, N = N_w the effective size, rho the decay, B the loss bound.

Provenance
----------
[R] The recursion is not in the papers: it is derived here from Farinhas et al.'s eqs. (10)-(11)
with exponential weights, and tested to agree with the batch :func:`crc_lambda_hat` at every step
(tests/conformal/test_online_regions.py).
"""

from __future__ import annotations

from typing import Any

from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, leaf_kernel

from ._checks import check_alpha, check_bounds, check_grid, check_table_matches_grid
from .crc import CRCResult, _raise_defects, crc_risk_sums, result_from_sums

__all__ = ["OnlineCRC", "online_crc_path", "online_crc_scan"]


@capabilities()
class OnlineCRC:
    """Running state of non-X CRC with exponential weights (O(m) memory and time per update).

    Parameters
    ----------
    lambdas : array-like, shape (m,)
        Strictly increasing grid.
    alpha : float
        Target risk, A <= alpha <= B.
    rho : float
        Decay in (0, 1]; rho = 1 is unweighted CRC over all points seen so far.
    B, A : float
        Loss bounds.

    Attributes
    ----------
    S : array, shape (m,)
        Σ_i w_i L_i(λ_j) with w_i = rho^(n+1-i) (backend array).
    N_w : float
        Σ_i w_i.
    n : int
        Number of calibration points observed.

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.linspace(0, 1, 5)
    >>> state = OnlineCRC(grid, alpha=0.5, rho=0.9)
    >>> for s in [0.1, 0.7, 0.3, 0.2]:
    ...     state.observe((s > grid).astype(float))
    >>> state.result().lambda_hat
    0.5
    """

    def __init__(self, lambdas: Any, alpha: float, rho: float, *, B: float = 1.0, A: float = 0.0) -> None:
        self.A, self.B = check_bounds(A, B)
        self.alpha = check_alpha(alpha, "alpha", self.A, self.B, inclusive=True)
        self.rho = v.check_in_range(rho, "rho", 0.0, 1.0, high_inclusive=True)
        lambdas = v.check_array(lambdas, "lambdas", ndim=1, finite=False, real=True)
        self._bd = Boundary(lambdas)
        xp = self._bd.xp
        self.lambdas = self._bd.asarray(lambdas, name="lambdas")
        check_grid(self.lambdas, xp)
        self.S = xp.zeros(self.lambdas.shape[0], dtype=self.lambdas.dtype, device=device(self.lambdas))
        self.N_w = 0.0
        self.n = 0

    def observe(self, losses: Any) -> None:
        """Add the newest calibration point with losses L_{n+1}(λ_j), j = 1..m (one O(m) update).

        S <- rho (S + L_new),  N <- rho (N + 1): every older weight decays by rho and the new point
        gets weight rho relative to the next test point.
        """
        row = self._check_row(losses)
        self.S = self.rho * (self.S + row)
        self.N_w = self.rho * (self.N_w + 1.0)
        self.n += 1

    def skip(self, steps: int = 1) -> None:
        """Let ``steps`` time steps pass without a calibration point: S, N <- rho^steps (S, N)."""
        steps = v.check_int(steps, "steps", low=0)
        factor = self.rho**steps
        self.S = factor * self.S
        self.N_w = factor * self.N_w

    def result(self) -> CRCResult:
        """The current λ̂ and bound curve (O(m)); the same fields as :func:`crc_lambda_hat` returns."""
        if self.n == 0:
            raise ValueError("no calibration point observed yet: call observe() first (empty calibration set)")
        if self.N_w == 0.0:
            raise ValueError("the effective calibration size N_w underflowed to 0 (rho**steps too small)")
        return result_from_sums(self.S, self.N_w, self.lambdas, self.alpha, self.B, n=self.n, bd=self._bd)

    def _check_row(self, losses: Any) -> Any:
        losses = v.check_array(losses, "losses", ndim=1, finite=False, real=True)
        check_table_matches_grid(losses, self.lambdas)
        row = self._bd.asarray(losses, name="losses")
        xp = self._bd.xp
        _, defects = crc_risk_sums.reference(row[None, :], xp.ones(1, dtype=row.dtype, device=device(row)),
                                             self.A, self.B, False)
        if any(defects):
            _raise_defects(defects, self.A, self.B)
        return row


@leaf_kernel("conformal.online_crc_scan")
def online_crc_scan(losses: Any, rho: float, B: float, alpha: float) -> Any:
    """Grid indices of λ̂ after each observation, by the exponential-weight recursion (reference).

    Parameters
    ----------
    losses : array, shape (T, m)
        Row t holds the losses of the t-th calibration point (validated by the caller).
    rho, B, alpha : float

    Returns
    -------
    array of int64, shape (T,)
        index_t = number of grid points whose bound exceeds alpha after t+1 points (m means
        infeasible).
    """
    xp = array_namespace(losses)
    T, m = losses.shape
    S = xp.zeros(m, dtype=losses.dtype, device=device(losses))
    N = 0.0
    counts = []
    for t in range(T):  # O(m) per step: S <- rho (S + L_t), N <- rho (N + 1)
        S = rho * (S + losses[t, :])
        N = rho * (N + 1.0)
        counts.append(xp.sum(xp.astype((S + B) / (N + 1.0) > alpha, xp.int64)))
    return xp.stack(counts)


@capabilities()
def online_crc_path(losses: Any, lambdas: Any, alpha: float, rho: float, *, B: float = 1.0,
                    A: float = 0.0) -> tuple[Any, Any]:
    """λ̂_t for t = 1..T over a stream of calibration points, by the O(m)-per-step recursion.

    λ̂_t equals ``crc_lambda_hat(losses[:t], lambdas, alpha, B=B, weights=exponential_weights(t, rho))``
    (up to rounding ties), at O(m) instead of O(t m) cost per step.

    Parameters
    ----------
    losses : array-like, shape (T, m)
        Losses of the calibration points in arrival order (row t = point t+1), non-increasing
        along the grid, A <= L <= B.
    lambdas : array-like, shape (m,)
        Strictly increasing grid.
    alpha : float
        Target risk in [A, B].
    rho : float
        Decay in (0, 1].
    B, A : float
        Loss bounds.

    Returns
    -------
    lambda_hat : array, shape (T,)
        λ̂ after each new point (λ_max where infeasible).
    feasible : array of bool, shape (T,)

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.array([0.0, 0.5, 1.0])
    >>> lam, ok = online_crc_path(np.array([[1.0, 0.0, 0.0]] * 3), grid, alpha=0.4, rho=1.0)
    >>> lam, ok
    (array([1. , 0.5, 0.5]), array([False,  True,  True]))
    """
    A, B = check_bounds(A, B)
    alpha = check_alpha(alpha, "alpha", A, B, inclusive=True)
    rho = v.check_in_range(rho, "rho", 0.0, 1.0, high_inclusive=True)
    losses = v.check_array(losses, "losses", ndim=2, finite=False, real=True)
    lambdas = v.check_array(lambdas, "lambdas", ndim=1, finite=False, real=True)
    check_table_matches_grid(losses, lambdas)
    bd = Boundary(losses, lambdas)
    xp = bd.xp
    L = bd.asarray(losses, name="losses")
    lam = bd.asarray(lambdas, name="lambdas")
    check_grid(lam, xp)
    _, defects = crc_risk_sums(L, xp.ones(L.shape[0], dtype=L.dtype, device=device(L)), A, B, False)
    if any(defects):
        _raise_defects(defects, A, B)
    m = lam.shape[0]
    counts = online_crc_scan(L, rho, B, alpha)
    feasible = counts < m
    index = xp.where(feasible, counts, xp.full_like(counts, m - 1))
    return bd.out(xp.take(lam, index)), bd.out(feasible)
