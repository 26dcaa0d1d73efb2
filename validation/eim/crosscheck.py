"""E-X1, E-X2: the cross-check kit against pyMOR's ``ei_greedy`` and against a deliberately wrong EIM.

E-X1  pyMOR ``ei_greedy(error_norm='sup')`` passes the ``eim.eim_greedy`` cases it applies to
      (sup norm; no stabilised stopping / pivot floor, which pyMOR does not have) on the
      ``points`` (the magic DOFs): golden cases and Hypothesis-generated snapshot sets.
E-X2  A wrong variant — the point step takes the argmax of the snapshot column instead of the
      residual (the interpolant is never subtracted) — must be caught, with Hypothesis' minimal
      counterexample.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import NotApplicable, crosscheck

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim
from ..conformal.crosscheck import summarize


def pymor_eim(S, *, norm="sup", atol=None, rtol=None, max_iter=None, pivot_tol=None, stabilise=False, **kw):
    """Magic points by pyMOR's ei_greedy on the columns of S."""
    import logging

    from pymor.algorithms.ei import ei_greedy
    from pymor.vectorarrays.numpy import NumpyVectorSpace

    if norm != "sup" or stabilise or pivot_tol is not None or kw:
        raise NotApplicable("pyMOR's ei_greedy is compared with the sup norm and no pivot floor")
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise NotApplicable("complex snapshots are not compared with pyMOR")
    logging.getLogger("pymor").setLevel(logging.ERROR)
    # refimpl stops by default when the residual is at round-off level (floor_factor * eps * max|S|); pyMOR has
    # no such floor and would pick a round-off pivot: the adapter passes the same floor as pyMOR's atol
    floor = 10.0 * np.finfo(float).eps * float(np.max(np.abs(S))) * max(S.shape)
    dofs, _, data = ei_greedy(NumpyVectorSpace.from_numpy(S), error_norm="sup", atol=max(atol or 0.0, floor),
                              rtol=rtol, max_interpolation_dofs=max_iter)
    return {"points": np.asarray(dofs, dtype=np.int64)}


def eim_residual_bug(S, *, norm="sup", atol=None, rtol=None, max_iter=None, **kw):
    """WRONG: parameters chosen by the residual, but the point is the argmax of the raw snapshot."""
    S = np.asarray(S, dtype=float)
    n, m = S.shape
    k_max = min(n, m) if max_iter is None else min(max_iter, n, m)
    pts, prm, basis = [], [], np.zeros((n, 0))
    for _ in range(k_max):
        if basis.shape[1]:
            coef = np.linalg.solve(basis[pts, :], S[pts, :])
            R = S - basis @ coef
        else:
            R = S
        j = int(np.argmax(np.max(np.abs(R), axis=0)))
        if np.max(np.abs(R[:, j])) == 0:
            break
        i = int(np.argmax(np.abs(S[:, j])))      # BUG: should be np.abs(R[:, j])
        if i in pts:
            break
        pts.append(i)
        prm.append(j)
        basis = np.column_stack([basis, R[:, j] / R[i, j]])
    return {"points": np.array(pts, dtype=np.int64), "params": np.array(prm, dtype=np.int64)}


@claim(
    id="E-X1",
    family="eim",
    title="crosscheck: pyMOR ei_greedy selects refimpl's magic points on every applicable eim_greedy case",
    reference="pyMOR src/pymor/algorithms/ei.py ei_greedy(error_norm='sup')",
    target=Target.equal(0, label="failing cases"),
    source="peer",
    seconds=(4.0, 10.0),
)
def ex1_pymor(ctx: ClaimContext) -> Outcome:
    import importlib.util

    if importlib.util.find_spec("pymor") is None:
        raise ClaimSkipped("pyMOR not installed: pip install 'refimpl[peers]'")
    rep = crosscheck(pymor_eim, "eim.eim_greedy", max_examples=30 if ctx.quick else 150)
    bad = rep.n_cases - rep.n_passed - rep.n_skipped + (rep.minimal_counterexample is not None)
    return Outcome(measured=bad, text=summarize(rep), detail=f"{rep.hypothesis_examples} Hypothesis examples")


@claim(
    id="E-X2",
    family="eim",
    title="crosscheck catches an EIM whose point step ignores the residual",
    reference="Barrault et al. 2004 / Maday et al. 2009: the point is the argmax of |r_k|, the residual",
    target=Target.equal(0, label="wrong variants not caught"),
    source="design",
    seconds=(1.0, 2.0),
)
def ex2_wrong(ctx: ClaimContext) -> Outcome:
    rep = crosscheck(eim_residual_bug, "eim.eim_greedy", max_examples=60)
    return Outcome(measured=int(rep.passed), text=summarize(rep))
