r"""Non-intrusive approximation of parametrised limits of matrix-power algorithms (paper C).

Casenave, Akkari, Charles & Rey, *Nonintrusive approximation of parametrized limits of matrix
power algorithms - application to matrix inverses and log-determinants*, arXiv:1710.02488.
Problem [V]; mechanism reconstructed ([R]).

For an affine SPD family :math:`A(\mu) = A_0 + \sum_{q=1}^Q \theta_q(\mu) A_q` and a constant
:math:`c`, :math:`B(\mu) = I - A(\mu)/c = B_0 - \sum_q \theta_q(\mu) A_q/c` with
:math:`B_0 = I - A_0/c`, so

.. math::

    B(\mu)^k = \sum_{|\alpha| \le k} \theta(\mu)^\alpha\, S^{(k)}_\alpha

with :math:`\mu`-independent :math:`S^{(k)}_\alpha`. The EIM of :mod:`refimpl.eim.greedy` on the
scalar monomials :math:`g(\alpha, \mu) = \theta(\mu)^\alpha`, :math:`|\alpha| \le K`, gives
parameters :math:`\mu_m` and weights :math:`\beta(\mu) = F^{-1}(\theta(\mu)^{\alpha_{i_l}})_l`
with :math:`\theta(\mu)^\alpha \approx \sum_m \beta_m(\mu)\theta(\mu_m)^\alpha`; hence for any limit
:math:`L(\mu) = \sum_k c_k\, \Phi(B(\mu)^k)` with linear :math:`\Phi`

.. math::

    L(\mu) \approx \sum_m \beta_m(\mu)\, L(\mu_m),

* :math:`\log\det A = n \log c - \sum_{k \ge 1} \operatorname{tr}(B^k)/k`,
* :math:`A^{-1} b = c^{-1} \sum_{k \ge 0} B^k b`.

The only matrix work is :math:`L(\mu_m)` at the :math:`M` selected parameters, by any black-box
solver (here: Cholesky). :math:`c` is independent of :math:`\mu`.

Error bound [R]: with :math:`r_\alpha(\mu) = \theta(\mu)^\alpha - \sum_m \beta_m
\theta(\mu_m)^\alpha` (computable online), :math:`b_0 = \|B_0\|_2`, :math:`b_q = \|A_q\|_2/c`,
:math:`\|S^{(k)}_\alpha\|_2 \le \binom{k}{k-|\alpha|,\alpha} b_0^{k-|\alpha|} \prod_q b_q^{\alpha_q}`
and :math:`\rho(\mu) \ge \|B(\mu)\|_2` from Weyl bounds on the spectrum,

.. math::

    |\log\det A(\mu) - \textstyle\sum_m \beta_m \log\det A(\mu_m)| \le
    n|\log c|\,|r_0| + \sum_{k=1}^{K} \frac{n}{k} \sum_{|\alpha| \le k} |r_\alpha|
    \|S^{(k)}_\alpha\|_2 + \frac{n}{K+1}\Big(\frac{\rho^{K+1}}{1-\rho} +
    \sum_m |\beta_m| \frac{\rho_m^{K+1}}{1-\rho_m}\Big)

(EIM part + series truncation). The paper's exact bound and whether its monomial norm is
degree-weighted were not available; this choice is documented and tested to hold.

Notation: :math:`\theta` (affine coefficients), :math:`\alpha` (multi-index, rows of
``exponents``), :math:`K` (``degree``), :math:`c` (``shift``), :math:`\beta` (weights).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import math
from math import factorial, log
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities

from ._host import host_array, matrix_list, to_caller, training_set
from refimpl._iterative import Status
from refimpl._results import Result

from .greedy import EIMResult, EIMStatus, _eim_greedy

__all__ = [
    "AffineLimitEIM",
    "LimitModel",
    "LimitPrediction",
    "affine_limit_eim",
    "affine_limit_weights",
    "inverse_eim",
    "logdet_eim",
    "monomial_exponents",
]


@capabilities(host_only="eigenvalue bounds, log-determinants and Cholesky solves of SciPy sparse / NumPy matrices on the host")
def monomial_exponents(Q: int, K: int) -> np.ndarray:
    r"""All multi-indices :math:`\alpha \in \mathbb N^Q` with :math:`|\alpha| \le K`, graded order."""
    Q = v.check_size(Q, "Q", low=1, limit=_MAX_Q, why="one nested loop level per coefficient")
    K = v.check_int(K, "K", low=0)
    count = math.comb(Q + K, K)
    if count > _MAX_MONOMIALS:
        raise ValueError(
            f"K must keep the number of monomials C(Q + K, K) at most {_MAX_MONOMIALS} (memory and the EIM greedy "
            f"on the monomials grow with it); got Q={Q}, K={K}: {count} monomials"
        )
    return _monomial_exponents(Q, K)


def _monomial_exponents(Q: int, K: int) -> np.ndarray:
    """:func:`monomial_exponents` on validated sizes."""
    out: list[tuple[int, ...]] = []

    def rec(prefix: tuple[int, ...], left: int, slots: int) -> None:
        if slots == 1:
            out.append(prefix + (left,))
            return
        for a in range(left, -1, -1):
            rec(prefix + (a,), left - a, slots - 1)

    for d in range(K + 1):
        rec((), d, Q)
    return np.asarray(out, dtype=np.int64).reshape(-1, Q)


#: size guards of :func:`monomial_exponents`
_MAX_Q, _MAX_MONOMIALS = 64, 200_000


def _monomials(theta: np.ndarray, E: np.ndarray) -> np.ndarray:
    """theta: (n, Q) -> (n_mono, n) values theta^alpha."""
    return np.prod(theta[None, :, :] ** E[:, None, :], axis=-1)


@dataclass(frozen=True, kw_only=True)
class AffineLimitEIM(Result):
    r"""EIM on the monomials :math:`\theta(\mu)^\alpha` (output of :func:`affine_limit_eim`).

    Attributes
    ----------
    status : EIMStatus
        The status of the greedy on the monomials (``greedy.status``).
    exponents : (n_mono, Q) int array
        The multi-indices :math:`\alpha`, :math:`|\alpha| \le K`.
    points : (M,) int array
        Selected monomials (rows of ``exponents``).
    params : (M,) int array
        Selected training parameters (indices into ``train_params``).
    theta_selected : (M, Q) array
        :math:`\theta(\mu_m)`.
    interp_matrix, upper : (M, M) arrays
        :math:`B` and :math:`U_J` with :math:`F = B U_J`.
    degree : int
        :math:`K`.
    greedy : EIMResult
    """

    status: EIMStatus

    exponents: np.ndarray
    points: np.ndarray
    params: np.ndarray
    theta_selected: np.ndarray
    interp_matrix: np.ndarray
    upper: np.ndarray
    degree: int
    greedy: EIMResult


def _theta_matrix(theta: Callable[[Any], Any], params: Sequence[Any]) -> np.ndarray:
    """(n_train, Q) real matrix of theta(mu) on the training set, each value checked."""
    v.check_callable(theta, "theta")
    rows = []
    for k, mu in enumerate(params):
        where = f"theta(train_params[{k}])"
        try:
            t = np.asarray(theta(mu))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{where} failed: theta must accept every training parameter and return real numbers "
                            f"({type(exc).__name__}: {exc})") from None
        if t.dtype.kind not in "biuf":
            raise TypeError(f"{where} must return real numbers; got dtype {t.dtype}")
        if t.ndim != 1:
            raise ValueError(f"{where} must return a 1-D array of the Q affine coefficients; "
                             f"got shape {tuple(t.shape)}")
        if rows and t.shape != rows[0].shape:
            raise ValueError(f"{where} returned {t.shape[0]} coefficients; theta(train_params[0]) returned "
                             f"{rows[0].shape[0]}")
        v.check_finite(t, where)
        rows.append(t.astype(float))
    return np.stack(rows)


def _check_degree(degree: Any, Q: int) -> int:
    K = v.check_int(degree, "degree", low=0)
    count = math.comb(Q + K, K)
    if count > _MAX_MONOMIALS:
        raise ValueError(f"degree must keep the number of monomials C(Q + degree, degree) at most {_MAX_MONOMIALS} "
                         f"(memory and the EIM greedy on the monomials grow with it); got Q={Q}, degree={K}: "
                         f"{count} monomials")
    return K


def _affine_limit_core(Th: np.ndarray, degree: int, tol: float | None) -> AffineLimitEIM:
    """The EIM on the monomials of the (already checked) theta matrix ``Th``."""
    if Th.shape[1] > _MAX_Q:
        raise ValueError(f"theta(mu) must return at most {_MAX_Q} coefficients (one nested loop level each); got {Th.shape[1]}")
    E = _monomial_exponents(Th.shape[1], degree)
    with np.errstate(over="ignore", invalid="ignore"):
        S = _monomials(Th, E)
    if not np.all(np.isfinite(S)):
        raise ValueError(f"the monomials theta(train_params)^alpha of degree <= {degree} overflow (max |theta| = "
                         f"{float(np.max(np.abs(Th))):.3g}); rescale theta or lower degree")
    res = _eim_greedy(S, atol=tol)
    J = np.asarray(res.params)
    return AffineLimitEIM(
        status=res.status,
        exponents=E,
        points=np.asarray(res.points),
        params=J,
        theta_selected=Th[J],
        interp_matrix=np.asarray(res.interp_matrix),
        upper=np.asarray(res.upper),
        degree=degree,
        greedy=res,
    )


@capabilities(host_only="eigenvalue bounds, log-determinants and Cholesky solves of SciPy sparse / NumPy matrices on the host")
def affine_limit_eim(
    theta: Callable[[Any], Any], train_params: Sequence[Any], *, degree: int, tol: float | None = None
) -> AffineLimitEIM:
    r"""Sup-norm EIM on :math:`g(\alpha, \mu) = \theta(\mu)^\alpha`, :math:`|\alpha| \le K`.

    Parameters
    ----------
    theta : callable
        ``theta(mu)`` returns the :math:`Q` real affine coefficients :math:`\theta_q(\mu)`.
    train_params : sequence
        Training parameters.
    degree : int
        :math:`K`, the largest power interpolated.
    tol : float, optional
        Greedy tolerance (default: run to round-off).

    Returns
    -------
    AffineLimitEIM
    """
    v.check_callable(theta, "theta")
    if tol is not None:
        tol = v.check_positive(tol, "tol")
    train = training_set(train_params)
    Th = _theta_matrix(theta, train)
    return _affine_limit_core(Th, _check_degree(degree, Th.shape[1]), tol)


@capabilities(host_only="eigenvalue bounds, log-determinants and Cholesky solves of SciPy sparse / NumPy matrices on the host")
def affine_limit_weights(model: AffineLimitEIM, theta_mu: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Weights :math:`\beta(\mu) = F^{-1}(\theta(\mu)^{\alpha_{i_l}})_l` and monomial residuals :math:`r_\alpha(\mu)`.

    Parameters
    ----------
    model : AffineLimitEIM
    theta_mu : (Q,) array_like
        :math:`\theta(\mu)`.

    Returns
    -------
    beta : (M,) ndarray
    residuals : (n_mono,) ndarray
        :math:`r_\alpha(\mu) = \theta(\mu)^\alpha - \sum_m \beta_m \theta(\mu_m)^\alpha`.
    """
    v.check_instance(model, "model", AffineLimitEIM, "the result of affine_limit_eim")
    bd = Boundary(theta_mu)
    t = np.asarray(host_array(bd, theta_mu, "theta_mu", ndim=(0, 1), real=True), dtype=float).reshape(1, -1)
    beta, r = _limit_weights(model, t)
    return to_caller(bd, beta), to_caller(bd, r)


def _limit_weights(model: AffineLimitEIM, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Q = model.exponents.shape[1]
    if t.shape[1] != Q:
        raise ValueError(f"theta_mu must have shape ({Q},): one value per coefficient; got {t.shape[1]} values")
    with np.errstate(over="ignore", invalid="ignore"):
        g = _monomials(t, model.exponents)[:, 0]
    if not np.all(np.isfinite(g)):
        raise ValueError(f"theta_mu is too large: its monomials of degree <= {model.degree} overflow "
                         f"(max |theta_mu| = {float(np.max(np.abs(t))):.3g})")
    lam = scipy.linalg.solve_triangular(model.interp_matrix, g[model.points], lower=True, unit_diagonal=True,
                                        check_finite=False)
    beta = scipy.linalg.solve_triangular(model.upper, lam, lower=False, check_finite=False)
    G = _monomials(model.theta_selected, model.exponents)  # (n_mono, M)
    return beta, g - G @ beta


@dataclass(frozen=True, kw_only=True)
class LimitPrediction(Result):
    """Online output: the approximate limit and its computable error bound.

    Attributes
    ----------
    status : Status
        ``COMPLETED``, or ``NONFINITE`` when the predicted value is not finite (an infinite
        ``bound`` alone is not a failure: the series bound does not apply there, ``rho >= 1``).
    value : float or ndarray
        :math:`\\sum_m \\beta_m L(\\mu_m)`.
    bound : float
        Upper bound on the error (``inf`` when the Neumann series bound does not converge).
    eim_part, truncation_part : float
        The two parts of the bound.
    weights : ndarray
        :math:`\\beta(\\mu)`.
    """

    status: Status

    value: Any
    bound: float
    eim_part: float
    truncation_part: float
    weights: np.ndarray


def _eigen_bounds(A: Any) -> tuple[float, float]:
    """Smallest and largest eigenvalue of a symmetric matrix (dense: eigvalsh)."""
    D = A.toarray() if sp.issparse(A) else np.asarray(A)
    w = np.linalg.eigvalsh(D)
    return float(w[0]), float(w[-1])


def _logdet_spd(A: Any) -> float:
    D = A.toarray() if sp.issparse(A) else np.asarray(A)
    L = scipy.linalg.cholesky(D, lower=True)  # log det = 2 sum log diag L
    return 2.0 * float(np.sum(np.log(np.diag(L))))


@dataclass(frozen=True, kw_only=True)
class _AffineSPD:
    terms: list
    n: int
    shift: float
    lam: np.ndarray  # (Q+1, 2) eigenvalue bounds of A_0..A_Q
    b0: float
    bq: np.ndarray


def _prepare(A0: Any, A_terms: Sequence[Any], Th: np.ndarray, shift: float | None) -> _AffineSPD:
    if not sp.issparse(A0):
        A0 = np.asarray(v.check_array(A0, "A0", ndim=2))
    elif not np.all(np.isfinite(A0.data)):
        raise ValueError("A0 must contain only finite values")
    A_terms = matrix_list(A_terms, "A_terms")
    for k, A in enumerate(A_terms):
        if sp.issparse(A) and not np.all(np.isfinite(A.data)):
            raise ValueError(f"A_terms[{k}] must contain only finite values")
    A_terms = [A if sp.issparse(A) else np.asarray(v.check_array(A, f"A_terms[{k}]", ndim=2))
               for k, A in enumerate(A_terms)]
    if Th.shape[1] != len(A_terms):
        raise ValueError(f"theta(mu) must return one coefficient per term of A_terms ({len(A_terms)}); "
                         f"got {Th.shape[1]} coefficients")
    terms = [A0, *A_terms]
    if len(A0.shape) != 2 or A0.shape[0] != A0.shape[1]:
        raise ValueError(f"A0 must be a square matrix; got shape {tuple(A0.shape)}")
    n = int(A0.shape[0])
    for k, A in enumerate(terms):
        name = "A0" if k == 0 else f"A_terms[{k - 1}]"
        if tuple(A.shape) != (n, n):
            raise ValueError(f"all affine terms must have shape {(n, n)}; {name} has {tuple(A.shape)}")
        if np.iscomplexobj(A.data if sp.issparse(A) else np.asarray(A)):
            raise TypeError(f"{name} must be real symmetric; got a complex matrix")
        asym = abs(A - A.T).max() if sp.issparse(A) else float(np.max(np.abs(A - A.T)))
        scale = abs(A).max() if sp.issparse(A) else float(np.max(np.abs(A)))
        if asym > 1e-12 * max(scale, 1e-300):
            raise ValueError(f"{name} must be symmetric (the log-det/inverse series needs a symmetric family); "
                             f"got max |A - A^T| = {asym:.3g}")
    lam = np.array([_eigen_bounds(A) for A in terms])
    lo = lam[0, 0] + np.minimum(Th * lam[1:, 0], Th * lam[1:, 1]).sum(axis=1)
    hi = lam[0, 1] + np.maximum(Th * lam[1:, 0], Th * lam[1:, 1]).sum(axis=1)
    if np.any(lo <= 0):
        raise ValueError("A(mu) = A0 + sum_q theta_q(mu) A_terms[q] must be SPD on the training set; the Weyl "
                         f"lower bound of its spectrum is {float(lo.min()):.3g} <= 0 (check A0, A_terms, theta)")
    c = 0.5 * (float(lo.min()) + float(hi.max())) if shift is None else v.check_positive(shift, "shift")
    D0 = np.eye(n) - (A0.toarray() if sp.issparse(A0) else np.asarray(A0)) / c
    b0 = float(np.max(np.abs(np.linalg.eigvalsh(D0))))
    bq = np.max(np.abs(lam[1:]), axis=1) / c
    return _AffineSPD(terms=terms, n=n, shift=c, lam=lam, b0=b0, bq=bq)


def _rho(model: _AffineSPD, t: np.ndarray) -> float:
    lo = model.lam[0, 0] + float(np.sum(np.minimum(t * model.lam[1:, 0], t * model.lam[1:, 1])))
    hi = model.lam[0, 1] + float(np.sum(np.maximum(t * model.lam[1:, 0], t * model.lam[1:, 1])))
    return max(1.0 - lo / model.shift, hi / model.shift - 1.0)


def _power_norm_bounds(E: np.ndarray, K: int, b0: float, bq: np.ndarray) -> np.ndarray:
    r"""W[k, a] = multinomial(k; k-|alpha|, alpha) b0^(k-|alpha|) prod bq^alpha  (>= ||S_alpha^(k)||_2)."""
    deg = E.sum(axis=1)
    W = np.zeros((K + 1, E.shape[0]))
    fac_alpha = np.array([np.prod([factorial(int(a)) for a in row]) for row in E], dtype=float)
    pw = np.prod(bq[None, :] ** E, axis=1)
    for k in range(K + 1):
        ok = deg <= k
        W[k, ok] = factorial(k) / (np.array([factorial(k - int(d)) for d in deg[ok]]) * fac_alpha[ok]) * (
            b0 ** (k - deg[ok])
        ) * pw[ok]
    return W


@capabilities(host_only="eigenvalue bounds, log-determinants and Cholesky solves on the host")
class LimitModel:
    """Shared online logic of :func:`logdet_eim` and :func:`inverse_eim`."""

    def __init__(self, eim: AffineLimitEIM, spd: _AffineSPD, values: list, theta: Callable, kind: str, b_norm=1.0):
        self.eim, self.spd, self.values, self.theta, self.kind = eim, spd, values, theta, kind
        self.W = _power_norm_bounds(eim.exponents, eim.degree, spd.b0, spd.bq)
        self.rho_sel = np.array([_rho(spd, t) for t in eim.theta_selected])
        self.b_norm = b_norm

    def predict(self, mu: Any) -> LimitPrediction:
        t = np.asarray(v.check_array(self.theta(mu), "theta(mu)", ndim=(0, 1), real=True), dtype=float).reshape(-1)
        beta, r = _limit_weights(self.eim, t.reshape(1, -1))
        vals = self.values
        value = sum(b * L for b, L in zip(beta, vals))
        K, n, c = self.eim.degree, self.spd.n, self.spd.shift
        absr = np.abs(r)
        if self.kind == "logdet":
            eim_part = n * abs(log(c)) * absr[0] + sum(n / k * float(self.W[k] @ absr) for k in range(1, K + 1))
        else:
            eim_part = self.b_norm / c * sum(float(self.W[k] @ absr) for k in range(K + 1))
        rho = _rho(self.spd, t)
        if rho >= 1.0 or np.any(self.rho_sel >= 1.0):
            trunc = float("inf")
        else:
            tail = rho ** (K + 1) / (1 - rho) + float(np.sum(np.abs(beta) * self.rho_sel ** (K + 1) / (1 - self.rho_sel)))
            trunc = n / (K + 1) * tail if self.kind == "logdet" else self.b_norm / c * tail
        status = Status.COMPLETED if bool(np.all(np.isfinite(value))) else Status.NONFINITE
        return LimitPrediction(status=status, value=value, bound=eim_part + trunc, eim_part=eim_part, truncation_part=trunc, weights=beta)


@capabilities(host_only="eigenvalue bounds, log-determinants and Cholesky solves of SciPy sparse / NumPy matrices on the host")
def logdet_eim(
    A0: Any,
    A_terms: Sequence[Any],
    theta: Callable[[Any], Any],
    train_params: Sequence[Any],
    *,
    degree: int,
    shift: float | None = None,
) -> LimitModel:
    r"""Non-intrusive :math:`\mu \mapsto \log\det A(\mu)` for an affine SPD family (paper C).

    Parameters
    ----------
    A0 : (n, n) array or sparse matrix
        Constant term.
    A_terms : sequence of (n, n) arrays or sparse matrices
        :math:`A_1..A_Q` (real symmetric).
    theta : callable
        ``theta(mu)`` -> :math:`(\theta_1(\mu), \dots, \theta_Q(\mu))`.
    train_params : sequence
        Training parameters.
    degree : int
        :math:`K`.
    shift : float, optional
        :math:`c`; default :math:`(\lambda_{lo} + \lambda_{hi})/2` from Weyl bounds over the
        training set (minimises :math:`\rho`).

    Returns
    -------
    model
        ``model.predict(mu)`` returns a :class:`LimitPrediction` (value, bound). ``model.eim`` is
        the :class:`AffineLimitEIM`; ``model.values`` the :math:`\log\det A(\mu_m)`.

    Raises
    ------
    ValueError
        Shapes differ, or :math:`A(\mu)` is not provably SPD on the training set.
    TypeError
        Complex matrices or coefficients.
    """
    v.check_callable(theta, "theta")
    train = training_set(train_params)
    Th = _theta_matrix(theta, train)
    spd = _prepare(A0, A_terms, Th, shift)
    eim = _affine_limit_core(Th, _check_degree(degree, Th.shape[1]), None)
    vals = []
    for t in eim.theta_selected:
        A = spd.terms[0] + sum(tq * Aq for tq, Aq in zip(t, spd.terms[1:]))
        vals.append(_logdet_spd(A))
    return LimitModel(eim, spd, vals, theta, "logdet")


@capabilities(host_only="eigenvalue bounds, log-determinants and Cholesky solves of SciPy sparse / NumPy matrices on the host")
def inverse_eim(
    A0: Any,
    A_terms: Sequence[Any],
    theta: Callable[[Any], Any],
    train_params: Sequence[Any],
    b: Any,
    *,
    degree: int,
    shift: float | None = None,
) -> LimitModel:
    r"""Non-intrusive :math:`\mu \mapsto A(\mu)^{-1} b` for an affine SPD family (paper C).

    Same parameters as :func:`logdet_eim` plus the right-hand side ``b`` (n,). ``predict(mu)``
    returns :math:`\sum_m \beta_m(\mu) A(\mu_m)^{-1} b` and a bound on its 2-norm error.
    """
    bvec = v.check_array(b, "b", ndim=1, real=True)
    v.check_callable(theta, "theta")
    train = training_set(train_params)
    Th = _theta_matrix(theta, train)
    spd = _prepare(A0, A_terms, Th, shift)
    eim = _affine_limit_core(Th, _check_degree(degree, Th.shape[1]), None)
    if bvec.shape[0] != spd.n:
        raise ValueError(f"b must have length {spd.n}; got {bvec.shape[0]}")
    vals = []
    for t in eim.theta_selected:
        A = spd.terms[0] + sum(tq * Aq for tq, Aq in zip(t, spd.terms[1:]))
        D = A.toarray() if sp.issparse(A) else np.asarray(A)
        vals.append(scipy.linalg.cho_solve(scipy.linalg.cho_factor(D, lower=True), bvec))
    return LimitModel(eim, spd, vals, theta, "inverse", b_norm=float(np.linalg.norm(bvec)))
