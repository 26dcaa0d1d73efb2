"""Paper A claims (Casenave, Ern & Lelièvre 2016, arXiv:1508.05330): identities, decay, sensor failure,
and the pyMOR cross-check of the greedy."""

from __future__ import annotations

import numpy as np

from refimpl.backends import to_numpy
from refimpl.eim import (
    eim_evaluate,
    eim_evaluate_symmetric,
    eim_greedy,
    eim_interpolate_newton,
    eim_rectangular,
    eim_rectangular_evaluate,
)

from .._claims import ClaimContext, ClaimSkipped, Outcome, Target, claim, pyplot

from ._common import grepl_snapshots, invdist_1d, shifted_snapshots


@claim(
    id="A-1",
    family="eim",
    title="triangular, symmetric and residual forms agree; B unit lower triangular; interpolation at I and J",
    reference="paper A Eqs. (2), (3a)/(3b) and the symmetric formulation (exact identities; sup, l2 and weighted norms)",
    target={"forms": Target.at_most(1e-12, label="max rel. deviation between forms"),
            "triangularity": Target.at_most(1e-13, label="max |strict upper(B)|, |diag(B) - 1|"),
            "interpolation": Target.at_most(1e-12, label="max rel. error at I and J")},
    source="identity",
    per_backend=True,
    seconds=(0.5, 0.5),
)
def a1_identities(ctx: ClaimContext) -> Outcome:
    S = shifted_snapshots()
    scale = np.abs(S).max()
    worst_forms = worst_tri = worst_interp = 0.0
    for norm in ("sup", "l2", np.linspace(0.5, 2.0, S.shape[0])):
        res = eim_greedy(ctx.backend.asarray(S), norm=norm, max_iter=8)
        I, J = np.asarray(res.points), np.asarray(res.params)
        vals = ctx.backend.asarray(S[I, :])
        tri = to_numpy(eim_evaluate(res, vals))
        sym = to_numpy(eim_evaluate_symmetric(res, vals))
        newton = to_numpy(eim_interpolate_newton(res, ctx.backend.asarray(S)))
        B = to_numpy(res.interp_matrix)
        worst_forms = max(worst_forms, np.abs(tri - sym).max() / scale, np.abs(tri - newton).max() / scale)
        worst_tri = max(worst_tri, np.abs(np.triu(B, 1)).max(), np.abs(np.diag(B) - 1).max())
        worst_interp = max(worst_interp, np.abs(tri[I, :] - S[I, :]).max() / scale,
                           np.abs(tri[:, J] - S[:, J]).max() / scale)
    return Outcome(measured={"forms": worst_forms, "triangularity": worst_tri, "interpolation": worst_interp},
                   text=f"{worst_forms:.1e} / {worst_tri:.1e} / {worst_interp:.1e}",
                   detail="f=((x-y-2)^2+0.3)^-1/2, 200x150, d=8; forms / triangularity / interpolation")


@claim(
    id="A-2",
    family="eim",
    title="greedy error decay on the Grepl function tracks sigma_{M+1}/sigma_1",
    reference="paper A's choice of norms on the Grepl-type function; the error values are our prototype's "
              "(eps_30 = 9.8e-7, eps_40 = 1.9e-8), not numbers from the paper",
    target={"eps_30": Target.at_most(2e-6, label="sup greedy eps_30/eps_0"),
            "eps_40": Target.at_most(5e-8, label="sup greedy eps_40/eps_0"),
            "l2 vs sup": Target.at_most(4, label="max factor l2/sup (M <= 40)"),
            "vs sigma": Target.at_most(10, label="max factor vs sigma_{M+1}/sigma_1 (10 <= M <= 40)")},
    source="design",
    seconds=(1.5, 1.5),
)
def a2_decay(ctx: ClaimContext) -> Outcome:
    S = grepl_snapshots(40, 20)
    sup = eim_greedy(S, max_iter=40)
    l2 = eim_greedy(S, norm="l2", max_iter=40)
    e_sup = sup.errors / sup.errors[0]
    # the l2 greedy is measured like the table: max-abs training residual / first greedy (sup) error
    e_l2 = np.empty(41)
    R = S.copy()
    Q = np.asarray(l2.basis)
    e_l2[0] = np.abs(S).max()
    for k, i in enumerate(np.asarray(l2.points)):
        R = R - np.outer(Q[:, k], R[i, :])
        e_l2[k + 1] = np.abs(R).max()
    e_l2 /= e_l2[0]
    sv = np.linalg.svd(S, compute_uv=False)
    sig = sv[1:42] / sv[0]
    Ms = np.arange(10, 41)
    ratio_l2 = np.max(np.maximum(e_l2[1:41] / e_sup[1:41], e_sup[1:41] / e_l2[1:41]))
    within = max(np.max(np.maximum(e_sup[Ms] / sig[Ms - 1], sig[Ms - 1] / e_sup[Ms])),
                 np.max(np.maximum(e_l2[Ms] / sig[Ms - 1], sig[Ms - 1] / e_l2[Ms])))
    path = ctx.figure_path("eim_a2_decay.png")
    if path is not None:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(5.5, 3.5))
        M = np.arange(41)
        ax.semilogy(M, e_sup, "o-", ms=3, label="sup-norm greedy")
        ax.semilogy(M, e_l2, "s-", ms=3, label="l2 greedy (max-abs residual)")
        ax.semilogy(M[1:], sig[:40], "k--", label=r"$\sigma_{M+1}/\sigma_1$")
        ax.semilogy([5, 10, 20, 30, 40], [6.9e-3, 8.6e-4, 2.2e-5, 9.8e-7, 1.9e-8], "r*", ms=9,
                    label="our prototype (sup)")
        ax.set_xlabel("M")
        ax.set_ylabel("relative error")
        ax.set_title("EIM greedy error, Grepl function")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return Outcome(measured={"eps_30": float(e_sup[30]), "eps_40": float(e_sup[40]), "l2 vs sup": float(ratio_l2),
                             "vs sigma": float(within)},
                   text=f"eps30={e_sup[30]:.1e}, eps40={e_sup[40]:.1e}, l2/sup <= {ratio_l2:.2f}, vs sigma <= x{within:.1f}",
                   detail="x: 40x40 grid, mu: 20x20 grid; prototype values 9.8e-7 / 1.9e-8")


@claim(
    id="A-3",
    family="eim",
    title="broken sensor: rectangular min-norm interpolant beats dropping sensor and field",
    reference="paper A rectangular extension [R]; our prototype measured 1.1-3.5x better, exact at the sensors",
    target={"ratio": Target.at_least(1.0, label="min over the first 8 sensors of err_square/err_rect"),
            "interpolation": Target.at_most(1e-12, label="max rel. error at the remaining sensors")},
    source="design",
    seconds=(0.3, 0.3),
)
def a3_sensor_failure(ctx: ClaimContext) -> Outcome:
    S = shifted_snapshots()
    res = eim_greedy(S, max_iter=8)
    ratios, interp = [], 0.0
    for r in range(8):
        rect = eim_rectangular(res, drop_points=[r])
        square = eim_rectangular(res, drop_points=[r], drop_params=[r])
        a = eim_rectangular_evaluate(rect, S[rect.points])
        b = eim_rectangular_evaluate(square, S[square.points])
        ratios.append(np.abs(b - S).max() / np.abs(a - S).max())
        interp = max(interp, np.abs(a[rect.points] - S[rect.points]).max() / np.abs(S).max())
    return Outcome(measured={"ratio": float(min(ratios)), "interpolation": float(interp)},
                   text=f"ratio square/rect in [{min(ratios):.2f}, {max(ratios):.2f}], interp {interp:.1e}",
                   detail="same f and d = 8 as A-1")


@claim(
    id="PEER-1",
    family="eim",
    title="eim_greedy(norm='sup') selects pyMOR ei_greedy's points with the same error history",
    reference="pyMOR src/pymor/algorithms/ei.py ei_greedy(error_norm='sup'); DOFs of pyMOR on 1d_invdist",
    target={"point mismatches": Target.equal(0, label="points differing from pyMOR's and from the listed DOFs"),
            "rel": Target.at_most(1e-10, label="max rel. error difference where eps_k >= 1e-5 eps_0"),
            "abs": Target.at_most(1e-14, label="max abs. error difference / eps_0")},
    source="peer",
    seconds=(3.0, 3.0),
)
def peer_pymor(ctx: ClaimContext) -> Outcome:
    try:
        import logging

        from pymor.algorithms.ei import ei_greedy
        from pymor.vectorarrays.numpy import NumpyVectorSpace
    except ImportError:
        raise ClaimSkipped("pyMOR not installed: pip install 'refimpl[peers]'") from None
    logging.getLogger("pymor").setLevel(logging.ERROR)
    S = invdist_1d()
    dofs, _, data = ei_greedy(NumpyVectorSpace.from_numpy(S), error_norm="sup", atol=1e-8)
    res = eim_greedy(S, atol=1e-8)
    same = np.array_equal(np.asarray(res.points), np.asarray(dofs))
    e_ref = np.asarray(data["errors"])
    n = len(e_ref)
    big = e_ref >= 1e-5 * e_ref[0]
    rel = float(np.max(np.abs(res.errors[:n][big] - e_ref[big]) / e_ref[big]))
    absd = float(np.max(np.abs(res.errors[:n] - e_ref)) / e_ref[0])
    listed = [0, 72, 382, 1471, 21, 177, 756, 1999, 259, 5, 1067, 112, 540, 1783, 39, 901, 314, 12, 1914]
    pts = list(np.asarray(res.points))
    mismatches = _mismatches(pts, list(np.asarray(dofs))) + _mismatches(pts, listed)
    return Outcome(measured={"point mismatches": mismatches, "rel": rel, "abs": absd},
                   text=f"same points: {same} (M={res.n_iter}), rel {rel:.1e}, abs {absd:.1e}",
                   detail="1d_invdist 2000x400, atol 1e-8; points also equal the DOFs listed in peer-baselines.md")


def _mismatches(a: list, b: list) -> int:
    """Positions where two index lists differ, counting a length difference as mismatches."""
    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
