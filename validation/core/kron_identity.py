"""K-1: the Kronecker mode-product helper equals the dense Kronecker product, on every backend.

The identity (C-order vectorisation, factor ``A_1`` on axis 0)

.. math:: (A_1 \\otimes A_2 \\otimes A_3)\\,\\mathrm{vec}(X) = \\mathrm{vec}(X \\times_1 A_1 \\times_2 A_2 \\times_3 A_3)

is exact; the claim measures the relative deviation of :func:`refimpl.backends.linalg.kron_mvm`
(run on the active backend) from ``numpy.kron`` applied densely on the host, over random
rectangular 1-, 2- and 3-factor problems, and requires it to be at round-off level.

Provenance: [V] the identity is the C-order (row-major) form of vec(A X Bᵀ) = (A ⊗ B) vec(X)
(C. F. Van Loan, *The ubiquitous Kronecker product*, J. Comput. Appl. Math. 123, 2000), checked
here numerically against ``numpy.kron``.
"""

from __future__ import annotations

import numpy as np

from refimpl.backends import linalg, to_numpy

from .._claims import ClaimContext, Outcome, Target, claim, pyplot

TOL = 1e-12


def _problems(rng: np.random.Generator, quick: bool):
    shapes = [[(7, 5)], [(6, 4), (5, 7)], [(4, 3), (5, 6), (3, 4)]]
    if not quick:
        shapes += [[(20, 20), (30, 30)], [(9, 8), (7, 10), (6, 5)]]
    for dims in shapes:
        factors = [rng.standard_normal(s) for s in dims]
        X = rng.standard_normal(tuple(n for _, n in dims))
        yield factors, X


@claim(
    id="K-1",
    family="core",
    title="Kronecker mode-product MVM equals dense numpy.kron",
    reference="exact identity vec(A X B^T) = (A ⊗ B) vec(X) in C order (Van Loan, The ubiquitous Kronecker product, 2000)",
    target=Target.at_most(TOL, label="max rel. error"),
    source="identity",
    seconds=(0.1, 0.3),  # measured on 2 cores: <= 0.06 s quick, <= 0.2 s full per backend (torch the slowest)
    per_backend=True,
)
def kron_mode_product_identity(ctx: ClaimContext) -> Outcome:
    rng = ctx.rng(0)
    errors, sizes = [], []
    for factors, X in _problems(rng, ctx.quick):
        dense = factors[0]
        for A in factors[1:]:
            dense = np.kron(dense, A)
        expected = dense @ X.ravel()
        got = to_numpy(linalg.kron_mvm([ctx.backend.asarray(A) for A in factors], ctx.backend.asarray(X))).ravel()
        errors.append(float(np.linalg.norm(got - expected) / np.linalg.norm(expected)))
        sizes.append(X.size)
    worst = max(errors)
    path = ctx.figure_path("kron_error.png")
    if path is not None:
        plt = pyplot()

        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.semilogy(range(1, len(errors) + 1), np.maximum(errors, 1e-18), "o-", label=ctx.backend.name)
        ax.axhline(TOL, color="k", ls="--", lw=1, label="tolerance")
        ax.set_xticks(range(1, len(errors) + 1), [f"d={len(f)}\nN={n}" for (f, _), n in zip(_problems(ctx.rng(0), ctx.quick), sizes)])
        ax.set_ylabel("relative error vs numpy.kron")
        ax.set_title("Kronecker mode-product identity")
        ax.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return Outcome(measured=worst,
                   detail=f"{len(errors)} random rectangular problems, N up to {max(sizes)}")
