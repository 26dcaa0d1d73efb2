"""G-X1, G-X2: the cross-check kit against linear_operator's Kronecker solve and a wrong vec convention.

G-X1  linear_operator ``KroneckerProductLinearOperator(*K).add_diagonal(σ²).solve(vec Y)`` passes
      every ``gp.kron_solve`` golden and Hypothesis case (row-major vec(Y), as refimpl and
      GPyTorch's grid data use).
G-X2  A wrong variant — the dense solve with a column-major vec(Y) (MATLAB/Julia ``Y(:)``) against
      row-major factors — must be caught on non-square grids, with the minimal counterexample.
"""

from __future__ import annotations

import warnings

import numpy as np

from refimpl.crosscheck import crosscheck

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim
from ..conformal.crosscheck import summarize


def linear_operator_kron_solve(factors, Y, noise):
    """α = (⊗K_j + σ²I)⁻¹ vec(Y) by linear_operator (float64 torch tensors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch
        from linear_operator.operators import KroneckerProductLinearOperator

    Y = np.asarray(Y, dtype=float)
    t = [torch.tensor(np.asarray(K, dtype=float), dtype=torch.float64) for K in factors]
    op = KroneckerProductLinearOperator(*t).add_diagonal(torch.tensor(float(noise), dtype=torch.float64))
    with torch.no_grad():
        alpha = op.solve(torch.tensor(Y.ravel(), dtype=torch.float64)[:, None])[:, 0].numpy()
    return alpha.reshape(Y.shape)


def kron_solve_column_major(factors, Y, noise):
    """WRONG: vec(Y) taken column-major (Fortran order) while the Kronecker product is row-major."""
    Y = np.asarray(Y, dtype=float)
    K = np.ones((1, 1))
    for F in factors:
        K = np.kron(K, np.asarray(F, dtype=float))
    a = np.linalg.solve(K + noise * np.eye(K.shape[0]), Y.ravel(order="F"))
    return a.reshape(Y.shape, order="F")


@claim(
    id="G-X1",
    family="gp",
    title="crosscheck: linear_operator's Kronecker solve passes every kron_solve case",
    reference="linear_operator KroneckerProductLinearOperator(...).add_diagonal(sigma^2).solve",
    target=Target.equal(0, label="failing cases"),
    source="peer",
    seconds=(3.0, 8.0),
)
def gx1_linear_operator(ctx: ClaimContext) -> Outcome:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import linear_operator  # noqa: F401
    except ImportError as exc:
        raise ClaimSkipped(f"linear_operator not installed ({exc}): pip install 'refimpl[peers]'") from None
    rep = crosscheck(linear_operator_kron_solve, "gp.kron_solve", max_examples=40 if ctx.quick else 200)
    bad = rep.n_cases - rep.n_passed - rep.n_skipped + (rep.minimal_counterexample is not None)
    return Outcome(measured=bad, text=summarize(rep),
                   detail=f"max abs error {rep.max_error.get('value', float('nan')):.2g}; "
                          f"{rep.hypothesis_examples} Hypothesis examples")


@claim(
    id="G-X2",
    family="gp",
    title="crosscheck catches a column-major vec(Y) in the Kronecker solve",
    reference="Saatci 2012 §5.2 (vec and Kronecker order must agree)",
    target=Target.equal(0, label="wrong variants not caught"),
    source="design",
    seconds=(1.0, 2.0),
)
def gx2_wrong(ctx: ClaimContext) -> Outcome:
    rep = crosscheck(kron_solve_column_major, "gp.kron_solve", max_examples=60)
    return Outcome(measured=int(rep.passed), text=summarize(rep))
