"""Loss tables L[i, j] = L_i(λ_j) for conformal risk control.

Papers
------
* Angelopoulos et al., *Conformal Risk Control*, ICLR 2024, arXiv:2208.02814: §2.3 (miscoverage
  loss, reduction to conformal prediction), §3.1-3.2 (multilabel false-negative rate).
* Farinhas et al., *Non-Exchangeable Conformal Risk Control*, ICLR 2024, arXiv:2310.01262:
  eq. (14) (FNR), eq. (15) (λ-insensitive absolute error for intervals).

Every builder returns an (n, m) table that is non-increasing along the grid axis when the grid
is increasing, ready for :func:`refimpl.conformal.crc_lambda_hat`.

Notation
--------
=============  ===========================================================================
``f_ik``       score of label k for point i (multilabel), in [0, 1]
``Y_i``        set of positive labels of point i
``C_λ(x)``     prediction set (nested: λ <= λ' ⇒ C_λ ⊆ C_λ')
``s_i``        nonconformity score (miscoverage)
``r_i``        abs(y_i - f(x_i)), absolute residual (intervals)
=============  ===========================================================================

Every builder checks that ``lambdas`` is NaN-free and strictly increasing (the papers' grid
Λ = (λ_1 < ... < λ_m)); a decreasing grid would give an increasing table, which
:func:`refimpl.conformal.crc_lambda_hat` refuses later with a message about the losses.

Provenance
----------
[V] FNR and miscoverage follow the papers' definitions and the authors' code (a point without
positive labels has FNR 0); the FNR table agrees exactly with MAPIE's recall risk (claim C-9).
[R] The λ-insensitive loss uses the half-width λ (the authors' ELEC2 code uses the full width 2λ),
and the optional ``clip`` is ours (claim C-5 explains why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, numpy_dtype, to_numpy

from ._checks import check_grid, check_probabilities

__all__ = ["fnr_loss_table", "insensitive_abs_loss_table", "loss_table", "miscoverage_loss_table"]


@capabilities()
def fnr_loss_table(scores: Any, labels: Any, lambdas: Any) -> Any:
    """Multilabel false-negative rate L_i(λ) = 1 - #(Y_i ∩ C_λ(X_i)) / #Y_i.

    Angelopoulos et al. §3.1; Farinhas et al. eq. (14).

    C_λ(x) = {k : f_k(x) >= 1 - λ}, so λ = 0 keeps only labels with score 1 and λ = 1 keeps every
    label with a score in [0, 1] (loss 0 there, the condition L(λ_max) <= alpha of Angelopoulos et al., Theorem 1).
    A point without positive labels has loss 0 (the authors' code does this). The number of missed
    labels is counted in integers and divided once, so every loss lies exactly in [0, 1].

    Parameters
    ----------
    scores : array-like, shape (n, K)
        Label scores f_ik in [0, 1] (e.g. predicted probabilities).
    labels : array-like, shape (n, K)
        Positive-label indicators (bool or 0/1; other values are refused).
    lambdas : array-like, shape (m,)
        Grid, increasing (typically ``linspace(0, 1, m)``).

    Returns
    -------
    array, shape (n, m)
        Loss table with values in [0, 1], non-increasing along the grid.

    Examples
    --------
    >>> fnr_loss_table([[0.9, 0.2]], [[1, 1]], [0.0, 0.5, 1.0])
    array([[1. , 0.5, 0. ]])
    """
    scores = v.check_array(scores, "scores", ndim=2, real=True)
    labels = v.check_array(labels, "labels", ndim=2, real=True)
    if numpy_dtype(labels).kind != "b":  # 0/1 indicators: 0.5, -1 or 2 are refused, never rounded
        lxp = array_namespace(labels)
        bad = (labels != 0) & (labels != 1)
        if bool(lxp.any(bad)):
            n_bad = int(lxp.sum(lxp.astype(bad, lxp.int64)))
            raise ValueError(f"labels must be positive-label indicators (bool, or 0/1 values); got {n_bad} "
                             "entries other than 0 and 1")
    v.check_shape(labels, "labels", tuple(int(s) for s in scores.shape))
    lambdas = v.check_array(lambdas, "lambdas", ndim=1, real=True)
    bd = Boundary(scores, lambdas)
    xp = bd.xp
    f = bd.asarray(scores, name="scores")
    check_probabilities(f, xp, "scores")
    positive = bd.asarray(labels, name="labels") != 0
    lam = bd.asarray(lambdas, name="lambdas")
    check_grid(lam, xp)
    threshold = 1.0 - lam  # label k is in C_λ iff f_k >= 1 - λ
    n, K = f.shape
    missed = xp.zeros((n, threshold.shape[0]), dtype=f.dtype, device=device(f))
    for k in range(K):  # each positive label outside C_λ adds one miss
        miss_k = (f[:, k : k + 1] < threshold[None, :]) & positive[:, k : k + 1]
        missed = missed + xp.astype(miss_k, f.dtype)
    n_pos = xp.sum(xp.astype(positive, f.dtype), axis=1)
    safe = xp.where(n_pos > 0, n_pos, xp.ones_like(n_pos))
    return bd.out(xp.where(n_pos[:, None] > 0, missed / safe[:, None], xp.zeros_like(missed)))


@capabilities()
def miscoverage_loss_table(scores: Any, lambdas: Any) -> Any:
    """Miscoverage loss L_i(λ) = 1{s_i > λ} for C_λ = {y : s(x, y) <= λ} (Angelopoulos et al. §2.3).

    With B = 1, CRC on this table is split conformal prediction: λ̂ is the ⌈(n+1)(1-alpha)⌉-th
    smallest score when the grid contains the scores (and +∞).

    Parameters
    ----------
    scores : array-like, shape (n,)
        Nonconformity scores s_i.
    lambdas : array-like, shape (m,)
        Increasing grid.

    Returns
    -------
    array, shape (n, m)
        0/1 table, non-increasing along the grid.

    Examples
    --------
    >>> miscoverage_loss_table([0.2, 0.7], [0.5, 1.0])
    array([[0., 0.],
           [1., 0.]])
    """
    scores = v.check_array(scores, "scores", ndim=1, real=True)
    lambdas = v.check_array(lambdas, "lambdas", ndim=1, finite=False, real=True)
    bd = Boundary(scores, lambdas)
    xp = bd.xp
    s = bd.asarray(scores, name="scores")
    lam = bd.asarray(lambdas, name="lambdas")
    check_grid(lam, xp)
    return bd.out(xp.astype(s[:, None] > lam[None, :], bd.dtype))


@capabilities()
def insensitive_abs_loss_table(y: Any, y_pred: Any, lambdas: Any, *, clip: float | None = None) -> Any:
    """λ-insensitive absolute error L_i(λ) = max(0, abs(y_i - f(x_i)) - λ) (Farinhas et al. eq. (15)).

    The loss of the interval C_λ(x) = [f(x) - λ, f(x) + λ]: the distance from y to the interval.
    Here λ is the *half*-width (the authors' ELEC2 code parametrises the full width 2λ).
    Bounded by B = 1 when abs(y - f) <= 1 + λ_min (targets and predictions in [0, 1]); pass
    ``clip=B`` (B > 0) to use min(L, B), which keeps the CRC guarantee for the clipped loss.

    Parameters
    ----------
    y, y_pred : array-like, shape (n,)
        Targets and point predictions.
    lambdas : array-like, shape (m,)
        Increasing grid of half-widths, λ >= 0.
    clip : float, optional
        Upper clip B > 0 of the loss (a clip <= 0 would make every loss 0 or negative: refused).

    Raises
    ------
    ValueError
        Shapes that disagree, NaN/inf data, a NaN or non-increasing grid, ``clip`` <= 0 or NaN.

    Returns
    -------
    array, shape (n, m)

    Examples
    --------
    >>> insensitive_abs_loss_table([1.0], [0.5], [0.0, 0.25, 1.0])
    array([[0.5 , 0.25, 0.  ]])
    """
    y = v.check_array(y, "y", ndim=1, real=True)
    y_pred = v.check_array(y_pred, "y_pred", ndim=1, real=True)
    v.check_shape(y_pred, "y_pred", (y.shape[0],))
    lambdas = v.check_array(lambdas, "lambdas", ndim=1, real=True)
    if clip is not None:
        clip = v.check_positive(clip, "clip")  # the loss bound B: finite and > 0 (loss >= 0 = A)
    bd = Boundary(y, y_pred, lambdas)
    xp = bd.xp
    r = xp.abs(bd.asarray(y, name="y") - bd.asarray(y_pred, name="y_pred"))
    lam = bd.asarray(lambdas, name="lambdas")
    check_grid(lam, xp)
    L = xp.clip(r[:, None] - lam[None, :], min=0.0)
    if clip is not None:
        L = xp.clip(L, max=clip)
    return bd.out(L)


@capabilities()
def loss_table(loss: Callable[[float], Any], lambdas: Any) -> Any:
    """Generic builder: column j is ``loss(λ_j)``, the n calibration losses at grid point λ_j.

    Parameters
    ----------
    loss : callable
        ``loss(lam) -> array of shape (n,)``: the losses L_i(lam) of all calibration points for a
        Python float ``lam`` (e.g. ``lambda lam: 1 - recall(sets(lam), Y)``).
    lambdas : array-like, shape (m,)
        Increasing grid.

    Returns
    -------
    array, shape (n, m)
        In the array library ``loss`` returns.

    Raises
    ------
    TypeError
        ``loss`` is not callable, or returns something that is not a real numeric array.
    ValueError
        If ``loss`` returns arrays of varying length or non-1-D arrays, or the grid is NaN or not
        strictly increasing.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([0.1, 0.4])
    >>> loss_table(lambda lam: (r > lam).astype(float), [0.0, 0.2, 0.5])
    array([[1., 0., 0.],
           [1., 1., 0.]])
    """
    v.check_callable(loss, "loss")
    lambdas = v.check_array(lambdas, "lambdas", ndim=1, finite=False, real=True)
    grid_bd = Boundary(lambdas)
    check_grid(grid_bd.asarray(lambdas, name="lambdas"), grid_bd.xp)
    columns = []
    for j, lam in enumerate(to_numpy(lambdas).tolist()):
        col = v.check_array(loss(float(lam)), f"loss(lambdas[{j}])", ndim=1, min_size=0, finite=False, real=True)
        if columns and col.shape != columns[0].shape:
            raise ValueError(f"loss must return arrays of one length n; got shape {tuple(columns[0].shape)} at "
                             f"lambdas[0] and {tuple(col.shape)} at lambdas[{j}]")
        columns.append(col)
    bd = Boundary(columns[0])
    xp = bd.xp
    return bd.out(xp.stack([bd.asarray(c, name="loss") for c in columns], axis=1))
