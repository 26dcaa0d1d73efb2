"""Cross-check cases of the eim family (convention: "Cross-check cases" in the architecture docs).

Edge cases: ties in the point argmax (first index wins), a rank-one snapshot set (the greedy stops
at the exact-rank pivot), ill-conditioned snapshots (stabilised vs plain pivot floor), complex
snapshots, the interpolation matrix being unit lower triangular (|B_ij| <= 1), point step max-abs
whatever the parameter-step norm, and n = 1 snapshots.
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Call, Case, Fixture, Tolerance, cases_for, fixture

_x = np.linspace(0.0, 1.0, 12)
_mu = np.linspace(1.0, 3.0, 8)
S = 1.0 / (1.0 + _mu[None, :] * _x[:, None])
A0 = 4.0 * np.eye(5) - np.eye(5, k=1) - np.eye(5, k=-1)
TERMS = [np.diag([1.0, 1.0, 0.0, 0.0, 0.0]), np.diag([0.0, 0.0, 1.0, 1.0, 1.0])]
P2 = np.array([[a, b] for a in (0.0, 0.5, 1.0) for b in (0.0, 0.5, 1.0)])
V = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 2)))[0]
TRAIN = np.linspace(0.0, 1.0, 6)
GAMMA = np.array([1.0, 0.3, -0.2, 0.5, 0.1, 0.7, 0.2])

SEL = Tolerance.eps(1e3, 1e2, why="greedy selections are exact (indices); values through triangular solves of "
                                  "cond(B) <= 2^k", scale=1.0)
EXACT = Tolerance.exact("selected indices and integer exponents")


@fixture("eim.tridiag_family")
def _tridiag_family():
    """mu -> (2 + mu) I - E - Eᵀ + 0.1 diag(sin(mu * i)), i = 0..5 (6 x 6, SPD for mu in [0, 1])."""
    def assemble(mu):
        n = 6
        return (2.0 + mu) * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1) + np.diag(np.sin(mu * np.arange(n)) * 0.1)
    return assemble


@fixture("eim.affine_rhs")
def _affine_rhs():
    """mu -> (1 + mu) * ones(6)."""
    return lambda mu: np.ones(6) * (1 + mu)


@fixture("eim.identity_theta")
def _identity_theta():
    """mu -> mu as a float array (theta(mu) = mu)."""
    return lambda m: np.asarray(m, dtype=float)


@fixture("eim.snapshot_columns")
def _snapshot_columns():
    """idx -> S[:, idx] for S[i, j] = 1 / (1 + mu_j x_i), x = linspace(0, 1, 12), mu = linspace(1, 3, 8)."""
    return lambda idx: S[:, np.asarray(idx)]


def greedy_strategy():
    """Smooth parametric snapshots with a random parameter grid (the eim backend-agreement problems)."""
    from hypothesis import strategies as st

    @st.composite
    def problems(draw):
        n = draw(st.integers(2, 15))
        m = draw(st.integers(1, 8))
        x = np.linspace(0, 1, n)
        mu = np.sort(np.array(draw(st.lists(st.floats(0.5, 4.0), min_size=m, max_size=m, unique=True))))
        Sx = 1.0 / (1.0 + mu[None, :] * x[:, None])
        return (Sx,), {"max_iter": min(n, m, 4)}, SEL

    return problems()


@cases_for("eim.eim_greedy", primary="points", fields=("points", "params", "interp_matrix", "errors", "n_iter", "status"),
           strategy=greedy_strategy)
def _greedy():
    """Discrete EIM (Barrault et al.; paper A eqs. (1a)/(1b)): points, parameters, B and the error history."""
    yield Case("smooth", (S,), {"max_iter": 5}, tol=SEL, prop="the first 5 points/params and the greedy errors")
    yield Case("rank_one", (np.outer(np.arange(1.0, 6), np.ones(4)),), tol=SEL, tags=("rank-one",),
               prop="rank one: one step, then the residual is exactly 0 and the greedy stops")
    T = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    yield Case("ties", (T,), tol=SEL, tags=("ties",), prop="equal |residual| maxima: the first index wins (argmax)")
    yield Case("l2_param_norm", (S,), {"max_iter": 4, "norm": "l2"}, tol=SEL, tags=("pitfall:point-norm",),
               prop="l2 in the parameter step, max-abs in the point step still")
    ill = np.vander(np.linspace(0, 1, 10), 8, increasing=True)
    yield Case("ill_conditioned", (ill,), {"stabilise": True}, tol=Tolerance.eps(1e3, 1e8, why="Vandermonde cond ~1e8",
                                                                                scale=1.0),
               tags=("ill-conditioned",), prop="monomials: stabilised stopping at the pivot floor")
    yield Case("complex", (S + 1j * S[::-1],), {"max_iter": 3}, tol=SEL, tags=("complex",), prop="complex snapshots")
    yield Case("n1", (np.array([[2.0, -3.0, 1.0]]),), tol=SEL, tags=("n=1",), prop="one point: one step")


_G = Call("eim.eim_greedy", S, max_iter=5)


@cases_for("eim.eim_evaluate", primary="value")
def _evaluate():
    """Online interpolant from the values at the magic points (forward substitution)."""
    yield Case("smooth", (_G, S[[0, 11, 5, 2, 8]][:, :3]), tol=SEL,
               prop="interpolant of 3 columns given values at the selected points (order as in the case)")


@cases_for("eim.eim_evaluate_symmetric", primary="value")
def _evaluate_sym():
    G = Call("eim.eim_greedy", S @ S.T, max_iter=4)
    yield Case("gram", (G, (S @ S.T)[:4, :4]), tol=SEL, prop="symmetric cross interpolation of a Gram matrix")


@cases_for("eim.eim_interpolate_newton", primary="value")
def _newton():
    yield Case("smooth", (_G, S[:, :3]), tol=SEL, prop="residual form equals the interpolant of fully known f")


@cases_for("eim.eim_greedy_streaming", primary="points", fields=("points", "params", "errors", "n_iter"))
def _stream():
    yield Case("batches", (Fixture("eim.snapshot_columns"), 8), {"max_iter": 5, "batch_size": 3}, tol=SEL,
               prop="streaming in batches of 3 selects what eim_greedy selects on S")


_RECT = Call("eim.eim_rectangular", _G, drop_points=[1])


@cases_for("eim.eim_rectangular", primary="points", fields=("points", "params", "cross_matrix"))
def _rect():
    yield Case("drop_point", (_G,), {"drop_points": [1]}, tol=SEL, prop="square EIM with one point removed")
    yield Case("add_point", (_G,), {"add_points": [3]}, tol=SEL, prop="one extra point: a least-squares interpolant")


@cases_for("eim.eim_rectangular_evaluate", primary="value")
def _rect_eval():
    yield Case("drop_point", (_RECT, S[[0, 5, 2, 8]][:, :2]), tol=Tolerance.eps(1e4, 1e3, why="min-norm lstsq", scale=1.0),
               prop="min-norm least-squares evaluation")


_MEIM = Call("eim.matrix_eim", Fixture("eim.tridiag_family"), TRAIN)


@cases_for("eim.matrix_eim", primary="params", fields=("rows", "cols", "params", "interp_matrix"))
def _meim():
    yield Case("tridiag", (Fixture("eim.tridiag_family"), TRAIN), tol=SEL, prop="entries and parameters selected")
    yield Case("symmetric", (Fixture("eim.tridiag_family"), TRAIN), {"symmetric": True}, tol=SEL, prop="upper triangle only")


@cases_for("eim.matrix_eim_weights", primary="value")
def _mw():
    from refimpl.eim import matrix_eim

    meim = matrix_eim(_tridiag_family(), TRAIN)
    entries = _tridiag_family()(0.37)[np.asarray(meim.rows), np.asarray(meim.cols)]
    yield Case("tridiag", (_MEIM, entries), tol=SEL, prop="β = F⁻¹ s(μ) from the entries of A(0.37) at the magic entries")


@cases_for("eim.matrix_eim_assemble", primary="value")
def _ma():
    yield Case("tridiag", (_MEIM, np.array([0.5, 0.25, 0.125, 0.125, 0.0, 0.0])), tol=SEL, prop="Σ β_m A_{μ_m}")


@cases_for("eim.matrix_eim_reduce", primary="value")
def _mr():
    W6 = np.linalg.qr(np.random.default_rng(1).standard_normal((6, 2)))[0]
    yield Case("galerkin", (_MEIM, W6), tol=SEL, prop="Vᵀ A_{μ_m} V for each m")


@cases_for("eim.matrix_eim_reduced_operator", primary="value")
def _mro():
    red = np.arange(12.0).reshape(3, 2, 2)
    yield Case("three", (red, np.array([1.0, 0.5, -0.25])), tol=Tolerance.exact("small dyadic sums"), prop="Σ β_m A_m")


@cases_for("eim.monomial_exponents", primary="value")
def _mono():
    yield Case("q2k2", (2, 2), tol=EXACT, prop="graded order of |α| <= 2 in 2 variables")
    yield Case("q1k0", (1, 0), tol=EXACT, tags=("n=1",), prop="only the zero exponent")


_LIM = Call("eim.affine_limit_eim", Fixture("eim.identity_theta"), P2, degree=2)


@cases_for("eim.affine_limit_eim", primary="points", fields=("exponents", "points", "params", "interp_matrix"))
def _ale():
    yield Case("deg2", (Fixture("eim.identity_theta"), P2), {"degree": 2}, tol=SEL, prop="sup-norm EIM on monomials")


@cases_for("eim.affine_limit_weights", primary="0")
def _alw():
    yield Case("deg2", (_LIM, np.array([0.25, 0.75])), tol=SEL, prop="β(μ) and the monomial residuals")


@cases_for("eim.logdet_eim", primary="values", fields=None, ignore=("theta",))
def _lde():
    yield Case("deg2", (A0, TERMS, Fixture("eim.identity_theta"), P2), {"degree": 2},
               tol=Tolerance.eps(1e4, 10, why="log-determinants of SPD 5x5 matrices", scale=10.0),
               prop="log det at the selected parameters and the EIM data")


@cases_for("eim.inverse_eim", primary="values", fields=None, ignore=("theta",))
def _ie():
    yield Case("deg2", (A0, TERMS, Fixture("eim.identity_theta"), P2, np.ones(5)), {"degree": 2},
               tol=Tolerance.eps(1e4, 10, why="SPD 5x5 solves", scale=1.0), prop="A(μ_m)⁻¹ b at the selected parameters")


_R = Call("eim.affine_residual_terms", [A0] + TERMS, [np.ones(5)], V)


@cases_for("eim.affine_residual_terms", primary="value")
def _art():
    yield Case("three", ([A0] + TERMS, [np.ones(5)], V), tol=Tolerance.eps(16, 10, why="matrix products", scale=1.0),
               prop="[f_1, -A_q v_n] in q-major order")


@cases_for("eim.residual_coefficients", primary="value")
def _rc():
    yield Case("basic", ([1.0, 0.5, 2.0], [1.0], [0.5, 0.2]), tol=Tolerance.exact("products of short decimals"),
               prop="γ = [θ^f, θ^a_q u_n] matching affine_residual_terms")


@cases_for("eim.dual_norm_classical_offline", primary="value")
def _dnco():
    yield Case("three", (_R, A0), tol=Tolerance.eps(64, 10, why="Rᵀ X⁻¹ R, cond(X) ~ 3", scale=1.0), prop="the Gram matrix")


@cases_for("eim.dual_norm_classical", primary="0")
def _dnc():
    yield Case("three", (Call("eim.dual_norm_classical_offline", _R, A0), GAMMA),
               tol=Tolerance.eps(1e3, 10, why="sqrt of a quadratic form with cancellation", scale=1.0),
               prop="(γᵀ G γ)^½ and its cancellation estimate")


@cases_for("eim.dual_norm_eim_offline", primary="points", fields=("points", "interp_matrix"))
def _dneo():
    yield Case("three", (_R, A0), tol=SEL, prop="EIM on the Riesz representers")


@cases_for("eim.dual_norm_eim", primary="value")
def _dne():
    yield Case("three", (Call("eim.dual_norm_eim_offline", _R, A0), GAMMA), tol=Tolerance.eps(1e4, 10, why="EIM dual norm",
                                                                                            scale=1.0),
               prop="EIM-based dual norm")


@cases_for("eim.rb_greedy", primary="1")
def _rbg():
    yield Case("max3", (S,), {"max_basis": 3}, tol=SEL, prop="selected snapshots, basis and errors")
    yield Case("rank_one", (np.outer(np.arange(1.0, 6), np.ones(4)),), tol=SEL, tags=("rank-one",),
               prop="one basis vector, then exact")


_NIRB = Call("eim.nonintrusive_rb", Fixture("eim.tridiag_family"), Fixture("eim.affine_rhs"), TRAIN, n_basis=3)


@cases_for("eim.nonintrusive_rb", primary="basis", fields=("basis", "rb_errors", "operator.rows", "operator.cols"))
def _nirb():
    yield Case("tridiag", (Fixture("eim.tridiag_family"), Fixture("eim.affine_rhs"), TRAIN), {"n_basis": 3},
               tol=Tolerance.eps(1e5, 10, why="Gram-Schmidt basis (sign fixed by the greedy)", scale=1.0),
               prop="reduced basis and the operator's entries")


@cases_for("eim.nonintrusive_rb_solve", primary="0")
def _nirbs():
    from refimpl.eim import nonintrusive_rb

    model = nonintrusive_rb(_tridiag_family(), _affine_rhs(), TRAIN, n_basis=3)
    A, f = _tridiag_family()(0.3), _affine_rhs()(0.3)
    entries = A[np.asarray(model.operator.rows), np.asarray(model.operator.cols)]
    rhs_values = f[np.asarray(model.rhs.points)]
    yield Case("mu03", (_NIRB, entries, rhs_values), tol=Tolerance.eps(1e5, 10, why="reduced solve", scale=1.0),
               prop="the reduced solution from the M sampled entries of A(0.3) and the rhs values at its points")


@cases_for("eim.far_field_eim", primary="rank", fields=("rank", "cell_points", "far_points", "errors"))
def _ffe():
    yield Case("laplace", ("laplace", 1.0), {"tol_abs": 1e-3, "n_cell": 4, "n_far": 2}, tol=SEL,
               prop="rank and selected points of the reference-cell EIM")


_CLOUD = np.random.default_rng(2).uniform(0, 1, (60, 3))
_Q = np.random.default_rng(3).standard_normal(60)


@cases_for("eim.direct_sum", primary="value")
def _ds():
    yield Case("laplace", (_CLOUD[:20], _CLOUD, _Q), tol=Tolerance.eps(256, why="sum of 60 terms 1/r", scale=60.0),
               prop="direct summation excluding r = 0")
    yield Case("yukawa", (_CLOUD[:10], _CLOUD[10:], _Q[10:]), {"kernel": "yukawa", "kernel_param": 2.0},
               tol=Tolerance.eps(256, why="sum of 50 terms", scale=50.0), prop="Yukawa kernel")


@cases_for("eim.eifmm", primary="potential", fields=("potential", "depth"))
def _fmm():
    yield Case("laplace", (_CLOUD, _CLOUD, _Q), {"tol": 1e-2, "depth": 2, "n_cell": 4, "n_far": 2},
               tol=Tolerance.eps(1e6, why="same tree and EIM ranks; FMM sums reordered", scale=10.0),
               prop="the fast sum (not the direct one): same ranks, same potential")
