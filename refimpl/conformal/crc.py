"""Conformal risk control (CRC) and non-exchangeable CRC on a loss table.

Papers
------
* Angelopoulos, Bates, Fisch, Lei, Schuster, *Conformal Risk Control*, ICLR 2024,
  arXiv:2208.02814: the λ̂ rule (displayed equation ``eq:lhat``, restated as eq. (6) of
  Farinhas et al.), Theorem 1 (validity), Theorem 2 (tightness), Proposition 1 and Corollary 1
  (non-monotone losses and monotonisation), §2.3 (reduction to conformal prediction).
* Farinhas, Zerva, Ulmer, Martins, *Non-Exchangeable Conformal Risk Control*, ICLR 2024,
  arXiv:2310.01262: eqs. (8), (10)-(11) (weighted λ̂), Theorem 1 (risk bound, eq. (12)).

What it implements
------------------
:func:`crc_lambda_hat` takes the table L[i, j] = L_i(λ_j) of calibration losses on an increasing
grid Λ = (λ_1 < ... < λ_m) and returns

    λ̂ = min{ λ_j : (N_w/(N_w+1)) R̂(λ_j) + B/(N_w+1) <= alpha },   R̂(λ) = (1/N_w) Σ_i w_i L_i(λ),

with λ̂ = λ_m = λ_max (flagged infeasible) when no grid point qualifies. Unit weights give CRC
(N_w = n); raw weights w_i in [0, 1] give non-X CRC.

Notation
--------
==============  ==========================================================================
``L[i, j]``     loss of calibration point i at grid point λ_j, non-increasing in j
``lambdas``     grid λ_1 < ... < λ_m (λ_m = λ_max may be +inf)
``alpha``       target risk, A <= alpha <= B
``A, B``        loss bounds, A <= L <= B
``w_i``         raw weight in [0, 1] of calibration point i (test point: 1)
``N_w``         Σ_i w_i
``S_j``         Σ_i w_i L[i, j], so R̂(λ_j) = S_j / N_w
``bound_j``     (S_j + B) / (N_w + 1): the test point enters with the worst-case loss B
==============  ==========================================================================

The bound is evaluated as the single quotient (S_j + B)/(N_w + 1), never as
n/(n+1)·R̂ + B/(n+1): with unit weights and 0/1 losses numerator and denominator are exact
integers, so the comparison with alpha is exact (see :func:`refimpl.conformal.order_statistic_rank`
and the :ref:`floating-point note <conformal-floating-point>` of the docs).

Provenance
----------
[V] The λ̂ rule, the bound and the infeasible fallback λ_max are checked against both papers'
equations and against the authors' code (Farinhas et al.'s notebooks; reproduced numbers in claims
C-1 and C-5), and agree exactly with MAPIE's ``method="crc"`` (claim C-9). [R] The exact
floating-point form of the comparison (one quotient) and the input checks are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from array_api_compat import array_namespace

from refimpl import _validate as v
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, leaf_kernel

from ._checks import check_alpha, check_bounds, check_grid, check_table_matches_grid, check_weights

__all__ = ["CRCResult", "CRCStatus", "crc_lambda_hat", "crc_risk_sums", "monotonize_losses"]


class CRCStatus(StatusEnum):
    """Outcome of :func:`crc_lambda_hat`."""

    __failures__ = ("INFEASIBLE",)
    FEASIBLE = "feasible: lambda_hat is the smallest grid point whose risk bound is <= alpha"
    INFEASIBLE = (
        "infeasible: no grid point satisfies the risk bound (it needs at least B/(N_w+1) <= alpha, "
        "i.e. N_w >= B/alpha - 1); lambda_hat = lambda_max as the papers prescribe, and the "
        "risk guarantee does not apply"
    )


@dataclass(frozen=True, kw_only=True)
class CRCResult(Result):
    """Result of (non-exchangeable) conformal risk control.

    Attributes
    ----------
    status : CRCStatus
        FEASIBLE or INFEASIBLE (``success`` is False when infeasible).
    lambda_hat : float
        The chosen grid point λ̂ (λ_max when infeasible).
    feasible : bool
        Whether some grid point satisfies the bound.
    index : int
        Grid index of λ̂.
    bound : array, shape (m,)
        The bound curve (S_j + B)/(N_w + 1) at every grid point (caller's array library).
    risk : array, shape (m,)
        The weighted empirical risk R̂(λ_j) = S_j / N_w (eq. (11) of Farinhas et al.).
    N_w : float
        Effective calibration size Σ w_i (= n for unit weights).
    n : int
        Number of calibration points.
    alpha, B : float
        The target risk and the loss upper bound used.
    monotonized : bool
        Whether the losses were monotonised (Corollary 1 of Angelopoulos et al.).
    """

    lambda_hat: float
    feasible: bool
    index: int
    bound: Any
    risk: Any
    N_w: float
    n: int
    alpha: float
    B: float
    monotonized: bool = False


@capabilities(dask="native: a blockwise suffix maximum; the table stays lazy")
def monotonize_losses(losses: Any) -> Any:
    """L~_i(λ_j) = max_{j' >= j} L_i(λ_j'): the smallest non-increasing majorant (Corollary 1 of Angelopoulos et al.).

    Angelopoulos et al. (Proposition 1) show that CRC on non-monotone losses can have risk close
    to B; running it on the monotonised losses restores the guarantee for the original loss
    (L <= L~). Computed by a log-step (Hillis-Steele) suffix-max scan along the grid axis,
    ⌈log2 m⌉ vectorised passes, because the array API has no cumulative maximum.

    Parameters
    ----------
    losses : array-like, shape (n, m)
        Finite losses, n >= 1 (NaN and infinities are refused: CRC needs bounded losses).

    Returns
    -------
    array, shape (n, m)
        In the caller's array library.

    Examples
    --------
    >>> monotonize_losses([[0.2, 0.5, 0.1]])
    array([[0.5, 0.5, 0.1]])
    """
    losses = v.check_array(losses, "losses", ndim=2, real=True)  # bounded losses (Theorem 1): finite, n >= 1
    bd = Boundary(losses)
    return bd.out(_suffix_max(bd.asarray(losses, name="losses")))


def _suffix_max(losses: Any) -> Any:
    """The log-step suffix maximum along axis 1 (backend array in, backend array out)."""
    xp = array_namespace(losses)
    m = losses.shape[1]
    M = losses
    shift = 1
    while shift < m:
        # after this pass M[:, j] = max(L[:, j : j + 2*shift]) (clipped at m)
        M = xp.concat([xp.maximum(M[:, : m - shift], M[:, shift:]), M[:, m - shift :]], axis=1)
        shift *= 2
    return M


@leaf_kernel("conformal.crc_risk_sums")
def crc_risk_sums(losses: Any, weights: Any, A: float, B: float, monotonize: bool) -> tuple[Any, tuple[int, int, int, int]]:
    """Weighted risk sums S_j = Σ_i w_i L[i, j] with the input checks the sums rely on.

    Reference kernel (array API): two passes on valid input (monotonicity, then the sums) plus
    an exact per-entry diagnosis only when something is wrong. Twins: ``backends/numba/conformal.py``
    fuses the checks and the sums in one pass; ``backends/numpy/conformal.py`` fuses them over
    cache-sized blocks of rows (gemv + ``np.greater``).

    Parameters
    ----------
    losses : array, shape (n, m)
    weights : array, shape (n,)
    A, B : float
        Loss bounds.
    monotonize : bool
        Replace the losses by their suffix maximum (:func:`monotonize_losses`) before summing
        instead of counting non-monotone rows.

    Returns
    -------
    S : array, shape (m,) or None
        The sums (None when a defect was found).
    defects : tuple of int
        (non-finite entries, entries above B, entries below A, rows increasing somewhere in λ).
        All zero on valid input.
    """
    xp = array_namespace(losses, weights)
    if monotonize:
        defects = _range_defects(losses, A, B, xp)
        if any(defects):
            return None, defects
        return weights @ _suffix_max(losses), (0, 0, 0, 0)
    # Valid tables take the cheap path: for a non-increasing row the ends are its maximum and
    # minimum, and a NaN/inf entry propagates into S (0 * inf = NaN). Anything suspicious is
    # diagnosed exactly, range defects first.
    n_nonmonotone = int(xp.sum(xp.astype(xp.any(losses[:, 1:] > losses[:, :-1], axis=1), xp.int64)))
    S = weights @ losses  # S_j = Σ_i w_i L_i(λ_j): eq. (11) of Farinhas et al. times N_w
    ends_ok = bool(xp.all(losses[:, 0] <= B)) and bool(xp.all(losses[:, -1] >= A))
    if n_nonmonotone or not ends_ok or not bool(xp.all(xp.isfinite(S))):
        defects = _range_defects(losses, A, B, xp)
        if any(defects):
            return None, defects
        if n_nonmonotone:
            return None, (0, 0, 0, n_nonmonotone)
    return S, (0, 0, 0, 0)


def _range_defects(losses: Any, A: float, B: float, xp: Any) -> tuple[int, int, int, int]:
    """Exact counts of (non-finite, above B, below A) entries; zeros when A <= L <= B everywhere."""
    if bool(xp.all((losses >= A) & (losses <= B))):  # also false for NaN and ±inf
        return 0, 0, 0, 0
    n_nonfinite = int(xp.sum(xp.astype(~xp.isfinite(losses), xp.int64)))
    n_above = int(xp.sum(xp.astype(losses > B, xp.int64)))
    n_below = int(xp.sum(xp.astype(losses < A, xp.int64)))
    return n_nonfinite, n_above, n_below, 0


@capabilities(dask="computed: the CRCResult (lambda_hat and the bound/risk curves over the grid); the risk sums are "
                   "one reduction over the row chunks of the loss table")
def crc_lambda_hat(
    losses: Any,
    lambdas: Any,
    alpha: float,
    *,
    B: float = 1.0,
    weights: Any = None,
    A: float = 0.0,
    monotonize: bool = False,
) -> CRCResult:
    """Conformal risk control threshold λ̂ (CRC; with ``weights``, non-exchangeable CRC).

    The comparison with alpha is exact in floating point where the textbook form is not (a bound
    that equals alpha as a rational counts as equal): see :ref:`floating-point note <conformal-floating-point>`.

    .. math::

        \\hat\\lambda = \\inf\\Big\\{ \\lambda \\in \\Lambda :
            \\frac{N_w}{N_w+1} \\hat R(\\lambda) + \\frac{B}{N_w+1} \\le \\alpha \\Big\\},
        \\qquad \\hat R(\\lambda) = \\frac{1}{N_w} \\sum_{i=1}^n w_i L_i(\\lambda),
        \\quad N_w = \\sum_{i=1}^n w_i,

    (Angelopoulos et al., eq. ``lhat``, for w ≡ 1; Farinhas et al., eqs. (8), (10)-(11)).
    If no grid point qualifies, λ̂ = λ_max and the result says so (``feasible=False``).

    Guarantees: with exchangeable data, losses non-increasing and right-continuous in λ,
    L <= B and L(λ_max) <= alpha, E[L_{n+1}(λ̂)] <= alpha (Angelopoulos et al., Theorem 1). With
    weights and A <= L <= B, E[L_{n+1}(λ̂)] <= alpha + (B - A) Σ w~_i d_TV(Z, Z^i) (Farinhas et al.,
    Theorem 1; see
    :func:`refimpl.conformal.coverage_gap_bound`).

    Parameters
    ----------
    losses : array-like, shape (n, m)
        L[i, j] = L_i(λ_j), non-increasing along j, with A <= L <= B. See
        :mod:`refimpl.conformal.losses` for builders.
    lambdas : array-like, shape (m,)
        Strictly increasing grid (no NaN; λ_max = +inf is allowed).
    alpha : float
        Target risk, A <= alpha <= B.
    B : float, default 1.0
        Upper bound of the loss (the test point's worst case).
    weights : array-like, shape (n,), optional
        Raw weights in [0, 1] relative to the test point's weight 1 (non-X CRC). ``None``: unit
        weights (CRC).
    A : float, default 0.0
        Lower bound of the loss (checked; enters the non-X CRC bound).
    monotonize : bool, default False
        Replace non-monotone losses by L~_i(λ) = sup_{λ' >= λ} L_i(λ') (Angelopoulos et al.,
        Corollary 1) instead
        of raising.

    Returns
    -------
    CRCResult
        ``lambda_hat``, ``feasible``, ``index``, the ``bound`` and ``risk`` curves, ``N_w``.

    Raises
    ------
    ValueError
        Empty calibration set, a grid whose length differs from the table's number of columns,
        NaN/inf losses, losses above B or below A, losses increasing in λ (without
        ``monotonize``), unsorted or NaN grid, alpha outside [A, B] (with a hint when alpha looks
        like a percentage or a confidence level), weights outside [0, 1] or all zero.
    TypeError
        Non-numeric or complex ``losses``/``lambdas``/``weights`` (None, strings), a non-bool
        ``monotonize``.

    References
    ----------
    Angelopoulos et al., *Conformal Risk Control*, ICLR 2024. Farinhas et al.,
    *Non-Exchangeable Conformal Risk Control*, ICLR 2024.

    Examples
    --------
    Miscoverage losses L_i(λ) = 1{s_i > λ} reproduce the split-CP order statistic:

    >>> import numpy as np
    >>> s = np.array([0.5, 0.1, 0.4, 0.2, 0.3])
    >>> grid = np.array([0.1, 0.2, 0.3, 0.4, 0.5, np.inf])
    >>> res = crc_lambda_hat((s[:, None] > grid[None, :]).astype(float), grid, alpha=0.4)
    >>> res.lambda_hat, res.feasible
    (0.4, True)
    """
    A, B = check_bounds(A, B)
    alpha = check_alpha(alpha, "alpha", A, B, inclusive=True)
    monotonize = _check_flag(monotonize, "monotonize")
    losses = v.check_array(losses, "losses", ndim=2, min_size=0, finite=False, real=True)
    lambdas = v.check_array(lambdas, "lambdas", ndim=1, finite=False, real=True)
    n, m = int(losses.shape[0]), int(losses.shape[1])
    check_table_matches_grid(losses, lambdas)
    if n == 0:
        raise ValueError("losses must hold at least one calibration point (row); got an empty calibration set "
                         f"of shape {(n, m)}")
    bd = Boundary(losses, lambdas, weights)
    xp = bd.xp
    L = bd.asarray(losses, name="losses")
    lam = bd.asarray(lambdas, name="lambdas")
    check_grid(lam, xp)
    if weights is None:
        w = xp.ones_like(L[:, 0])  # unit weights, laid out like the table's rows (chunked on dask)
    else:
        w = check_weights(weights, n, bd)
    N_w = float(xp.sum(w))
    if N_w == 0.0:
        raise ValueError("weights must not all be zero: the effective calibration size N_w = sum(weights) is 0")
    S, defects = crc_risk_sums(L, w, A, B, monotonize)
    if S is None:
        _raise_defects(defects, A, B)
    return result_from_sums(S, N_w, lam, alpha, B, n=n, bd=bd, monotonized=monotonize)


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, int)) or (isinstance(value, int) and value not in (0, 1)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}")
    return bool(value)


def result_from_sums(S: Any, N_w: float, lam: Any, alpha: float, B: float, *, n: int, bd: Boundary,
                     monotonized: bool = False) -> CRCResult:
    """Build the :class:`CRCResult` from the weighted sums S_j in O(m) (also used by the online form)."""
    xp = bd.xp
    m = lam.shape[0]
    bound = (S + B) / (N_w + 1.0)  # Farinhas eq. (10): (N_w/(N_w+1)) R̂ + B/(N_w+1), as one quotient
    # The bound is non-increasing in λ, so the feasible grid points form a suffix: λ̂ is the first of them.
    n_infeasible = int(xp.sum(xp.astype(bound > alpha, xp.int64)))
    feasible = n_infeasible < m
    index = n_infeasible if feasible else m - 1
    return CRCResult(
        status=CRCStatus.FEASIBLE if feasible else CRCStatus.INFEASIBLE,
        lambda_hat=float(lam[index]),
        feasible=feasible,
        index=index,
        bound=bd.out(bound),
        risk=bd.out(S / N_w),
        N_w=float(N_w),
        n=int(n),
        alpha=float(alpha),
        B=float(B),
        monotonized=monotonized,
    )


def _raise_defects(defects: tuple[int, int, int, int], A: float, B: float) -> None:
    n_nonfinite, n_above, n_below, n_nonmonotone = defects
    if n_nonfinite:
        raise ValueError(f"losses must be finite; got {n_nonfinite} NaN or infinite entries")
    if n_above:
        raise ValueError(
            f"losses must be <= B = {B!r} (the bound the guarantee uses); got {n_above} entries above B. "
            "Pass the loss's true upper bound as B, or clip the loss"
        )
    if n_below:
        raise ValueError(f"losses must be >= A = {A!r}; got {n_below} entries below A. Pass the loss's lower bound as A")
    if n_nonmonotone:
        raise ValueError(
            f"losses must be non-increasing in lambda (nested sets); {n_nonmonotone} rows increase somewhere "
            "along the grid. Pass monotonize=True to use L~(λ) = max_{λ' >= λ} L(λ') (Corollary 1 of "
            "Angelopoulos et al.), or check the loss and the grid order"
        )

