"""Cross-check cases of the gp family (convention: "Cross-check cases" in the architecture docs).

Edge cases: one-point factors (n_j = 1), rank-one and near-singular factors (only the noise keeps
the system definite), ill-conditioned SE factors (tolerance scaled by the condition number), three
factors, and the row-major vec convention of vec(Y) for a grid tensor Y (the first axis is the
first Kronecker factor, the last axis varies fastest).
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Call, Case, Tolerance, cases_for


def _spd(n, seed, cond=10.0):
    r = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(r.standard_normal((n, n)))
    return (Q * np.geomspace(1.0, 1.0 / cond, n)) @ Q.T


def _cond_kron(factors, noise):
    lam = np.ones(1)
    for K in factors:
        lam = np.kron(lam, np.linalg.eigvalsh(K))
    lam = lam + noise
    return float(lam.max() / lam.min())


def _tol(factors, noise, c=64):
    return Tolerance.eps(c, _cond_kron(factors, noise), why="per-factor eigh then a diagonal solve", scale=1.0)


F2 = [_spd(3, 1), _spd(4, 2)]
Y2 = np.random.default_rng(3).standard_normal((3, 4))
ONE = np.ones((3, 1))
RANK1 = [ONE @ ONE.T, _spd(2, 4)]
Y_R1 = np.random.default_rng(5).standard_normal((3, 2))
F3 = [_spd(2, 6), _spd(3, 7), _spd(2, 8)]
Y3 = np.random.default_rng(9).standard_normal((2, 3, 2))
GRID = [np.linspace(0, 1, 5), np.linspace(0, 2, 4)]
KERN = [Call("gp.SquaredExponential", lengthscale=0.5), Call("gp.Matern", lengthscale=0.8, nu=1.5)]
YG = np.random.default_rng(10).standard_normal((5, 4))


def kron_strategy():
    """Random SPD factors with bounded conditioning (as in the Kronecker backend-agreement tests)."""
    from hypothesis import strategies as st

    @st.composite
    def problems(draw):
        d = draw(st.integers(1, 3))
        sizes = [draw(st.integers(1, 4)) for _ in range(d)]
        seed = draw(st.integers(0, 2**16))
        cond = draw(st.sampled_from([1.0, 10.0, 1e3]))
        noise = draw(st.sampled_from([1e-2, 0.1, 1.0]))
        factors = [_spd(n, seed + j, cond) for j, n in enumerate(sizes)]
        Y = np.random.default_rng(seed).standard_normal(sizes)
        return (factors, Y, noise), {}, _tol(factors, noise, c=256)

    return problems()


@cases_for("gp.kron_solve", primary="value", strategy=kron_strategy)
def _kron_solve():
    """α with (⊗K_j + σ²I) vec(α) = vec(Y) (row-major vec)."""
    yield Case("two", (F2, Y2, 0.1), tol=_tol(F2, 0.1), prop="matches the dense solve")
    yield Case("rank_one", (RANK1, Y_R1, 1e-3), tol=_tol(RANK1, 1e-3), tags=("rank-one", "ill-conditioned"),
               prop="a rank-one factor: only the noise keeps the system definite")
    yield Case("three", (F3, Y3, 0.5), tol=_tol(F3, 0.5), prop="three factors, vec order of a 3-D tensor")
    yield Case("n1", ([np.array([[2.0]]), _spd(3, 11)], np.ones((1, 3)), 0.25), tol=_tol([np.array([[2.0]]), _spd(3, 11)], 0.25),
               tags=("n=1",), prop="a 1x1 factor")


@cases_for("gp.kron_logdet", primary="value")
def _kron_logdet():
    """log det(⊗K_j + σ²I) = Σ log(Λ_i + σ²)."""
    yield Case("two", (F2, 0.1), tol=Tolerance.eps(64, 12, why="sum of 12 logs"), prop="dense log-determinant")
    yield Case("rank_one", (RANK1, 1e-3), tol=Tolerance.eps(64, 6, why="sum of 6 logs, tiny eigenvalues from eigh",
                                                           scale=1e3), tags=("rank-one",), prop="σ² dominates the zero eigenvalues")


@cases_for("gp.kron_mvm", primary="value")
def _kron_mvm():
    """(A_1 ⊗ … ⊗ A_d) vec(X) as a grid tensor."""
    r = np.random.default_rng(12)
    A = [r.standard_normal((2, 3)), r.standard_normal((4, 4))]
    yield Case("rect", (A, r.standard_normal((3, 4))), tol=Tolerance.eps(32, 10, why="mode products", scale=1.0),
               prop="non-square factors change the grid shape")
    yield Case("integers", ([np.array([[1.0, 3], [0, 2]]), np.eye(2)], np.array([[1.0, 2], [3, 4]])),
               tol=Tolerance.exact("small integers: every product and sum is exact"), prop="non-symmetric factor, exact")
    yield Case("three", (F3, Y3), tol=Tolerance.eps(32, 10, why="mode products", scale=1.0), prop="three factors")


@cases_for("gp.kron_diag", primary="value")
def _kron_diag():
    """diag(⊗A_j) = ⊗diag(A_j) as a grid tensor."""
    yield Case("two", (F2,), tol=Tolerance.eps(4, why="products of two numbers"), prop="outer product of diagonals")


@cases_for("gp.kron_eigh", primary="values.0", fields=("values.0", "values.1"))
def _kron_eigh():
    """Per-factor eigenvalues (eigenvectors are defined up to sign: not compared)."""
    yield Case("two", (F2,), tol=Tolerance.eps(64, 10, why="symmetric eigenvalues, cond 10", scale=1.0),
               prop="ascending eigenvalues of each factor")


@cases_for("gp.add_jitter", primary="0")
def _jit():
    """[K_j + εI]."""
    yield Case("two", (F2, 1e-6), tol=Tolerance.eps(2, why="one addition"), prop="per-factor jitter")


@cases_for("gp.kron_solve_kdiag", primary="value")
def _ksk():
    """(⊗K_j + ⊗D_j) vec(α) = vec(Y) for diagonal D_j."""
    D = [np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.5, 0.5, 2.0])]
    yield Case("two", (F2, Y2, D), tol=Tolerance.eps(256, 100, why="generalised eigenproblem per factor", scale=1.0),
               prop="heteroscedastic separable noise")


@cases_for("gp.kron_logdet_kdiag", primary="value")
def _kldk():
    """log|⊗K_j + ⊗D_j|."""
    D = [np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.5, 0.5, 2.0])]
    yield Case("two", (F2, D), tol=Tolerance.eps(256, 100, why="generalised eigenproblem per factor", scale=10.0),
               prop="separable-noise log-determinant")


@cases_for("gp.grid_lml_kdiag", primary="value")
def _glk():
    D = [np.array([0.1, 0.2, 0.3]), np.array([1.0, 0.5, 0.5, 2.0])]
    yield Case("two", (F2, Y2, D), tol=Tolerance.eps(256, 100, why="solve + logdet", scale=10.0),
               prop="exact LML with separable diagonal noise")


@cases_for("gp.grid_lml", primary="value")
def _glml():
    """Saatçi Alg. 16: -½ yᵀα - ½ log|K + σ²I| - N/2 log 2π."""
    yield Case("two", (F2, Y2, 0.1), tol=Tolerance.eps(256, 100, why="solve + logdet", scale=10.0), prop="dense LML")


@cases_for("gp.grid_lml_grad", primary="0")
def _glg():
    """LML and its gradient in the log-hyperparameters (analytic)."""
    yield Case("se_matern", (GRID, YG, KERN, 0.1), tol=Tolerance.eps(1e4, 100, why="trace identities", scale=10.0),
               prop="matches finite differences of grid_lml")


@cases_for("gp.grid_factors", primary="0")
def _gf():
    yield Case("se_matern", (GRID, KERN), tol=Tolerance.eps(16, why="kernel evaluations"), prop="K_j = κ_j(z - zᵀ)")
    yield Case("n1", ([np.array([0.3])], Call("gp.SquaredExponential", lengthscale=1.0, variance=2.0)), tol=Tolerance.eps(2, why="κ(0) = σ²"),
               tags=("n=1",), prop="a one-point grid gives [[σ²]]")


@cases_for("gp.kernel_matrix", primary="value")
def _km():
    x = np.array([0.0, 0.3, 1.0])
    z = np.array([0.1, 2.0])
    for name, k in [("se", Call("gp.SquaredExponential", lengthscale=0.7)), ("m12", Call("gp.Matern", nu=0.5)),
                    ("m52", Call("gp.Matern", nu=2.5)), ("sm", Call("gp.SpectralMixture", weights=(0.5, 0.5), scales=(1.0, 0.2), freqs=(0.0, 2.0))),
                    ("mc", Call("gp.MaternCosine", weights=(1.0,), scales=(0.5,), freqs=(1.0,)))]:
        yield Case(name, (k, x, z), tol=Tolerance.eps(64, why="exp/cos of O(1) arguments", scale=1.0), prop=f"{name} cross-covariance")
    yield Case("se_order2", (Call("gp.SquaredExponential", lengthscale=0.7), x), {"order": 2},
               tol=Tolerance.eps(64, why="second derivative in closed form", scale=1.0), prop="κ'' for the PDE operator")


@cases_for("gp.kron_sample", primary="value", stochastic=True)
def _ks():
    """Draws via per-factor square roots of the exported standard normals."""
    yield Case("two", (F2,), {"rng": 0, "noise": 0.1}, tol=Tolerance.eps(256, 10, why="matrix square roots", scale=1.0),
               prop="same normals -> same sample")
    yield Case("size", (F2,), {"rng": 1, "size": 3}, tol=Tolerance.eps(256, 10, why="matrix square roots", scale=1.0),
               prop="a batch of 3 draws")


@cases_for("gp.grid_gp_predict", primary="0")
def _ggp():
    """Predictive mean and latent variance (R&W eqs. 2.25-2.26)."""
    yield Case("train_grid", (GRID, YG, KERN, 0.1), {"test_grid": GRID}, tol=Tolerance.eps(1e3, 100, why="solve", scale=1.0),
               prop="prediction at the training grid")
    yield Case("points", (GRID, YG, KERN, 0.1), {"points": np.array([[0.5, 1.0], [0.05, 1.9]])},
               tol=Tolerance.eps(1e3, 100, why="solve", scale=1.0), prop="off-grid points")


@cases_for("gp.fit_grid_gp", primary="lml", fields=("lml", "noise", "status"))
def _fit():
    """L-BFGS-B on the grid LML: the optimum (to the optimiser's tolerance), not the path."""
    yield Case("se", (GRID, YG, [Call("gp.SquaredExponential", lengthscale=0.5)] * 2, 0.5), {"max_iter": 50},
               tol=Tolerance.absolute(1e-4, why="optimum to gtol 1e-6 of a smooth LML; the optimiser path is not compared"),
               prop="the maximised LML and noise")


@cases_for("gp.kron_cg_solve", primary="solution", fields=("solution", "status"))
def _kcg():
    """PCG with Kronecker MVMs; missing cells and heteroscedastic noise."""
    mask = np.ones((3, 4), dtype=bool)
    mask[1, 2] = mask[0, 0] = False
    yield Case("mask", (F2, Y2, 0.1), {"mask": mask},
               tol=Tolerance.absolute(1e-8, why="CG stopped at rtol 1e-10 on a cond ~100 system"),
               prop="solution on the observed cells")
    yield Case("hetero", (F2, Y2, np.linspace(0.1, 1.0, 12).reshape(3, 4)),
               tol=Tolerance.absolute(1e-8, why="CG stopped at rtol 1e-10"), prop="per-cell noise")


@cases_for("gp.kron_slq_logdet", primary="logdet", fields=("logdet", "stderr"), stochastic=True)
def _slq():
    """Stochastic Lanczos quadrature with exported Rademacher/normal probes."""
    yield Case("two", (F2, 0.1), {"rng": 0, "n_probes": 8},
               tol=Tolerance.eps(1e4, 100, why="Lanczos quadrature from the same probes", scale=10.0),
               prop="same probes -> same estimate")


@cases_for("gp.grid_lml_cg", primary="lml", fields=("lml", "logdet"), stochastic=True)
def _glcg():
    mask = np.ones((3, 4), dtype=bool)
    mask[2, 3] = False
    yield Case("mask", (F2, Y2, 0.1), {"mask": mask, "rng": 0, "n_probes": 8},
               tol=Tolerance.absolute(1e-6, why="CG to rtol 1e-10 and SLQ from the same probes"),
               prop="iterative LML with a missing cell")


@cases_for("gp.gpatt_logdet", primary="value")
def _gpatt():
    mask = np.ones((3, 4), dtype=bool)
    mask[0, 1] = False
    yield Case("mask", (F2, 0.1, mask), tol=Tolerance.eps(256, 100, why="scaled eigenvalues", scale=10.0),
               prop="GPatt's approximation (not the exact logdet)")


# ---------------------------------------------------------------- GP-HM (PDE solver)
_P = Call("gp.gphm_problem", "poisson_1d-single_sin", n=320)


@cases_for("gp.gphm_problem", primary="n")
def _gpp():
    """The authors' test problems on a small grid (the problem's grid and data)."""
    yield Case("poisson1d", ("poisson_1d-single_sin",), {"n": 320}, tol=Tolerance.exact("grid sizes"), prop="grid and parameters")


@cases_for("gp.gphm_init_kernels", primary="0.freqs", fields=None)
def _gpi():
    yield Case("stm", (1,), {"Q": 4, "freq_scale": 10.0}, tol=Tolerance.eps(8, why="linspace of frequencies"),
               prop="the authors' deterministic initial frequencies and weights")


@cases_for("gp.gphm_objective", primary="0")
def _gpo():
    """𝒥 and its analytic gradient at a given U and kernels."""
    U = np.sin(np.linspace(0, 3, 320))
    yield Case("poisson1d", (_P, U, Call("gp.gphm_init_kernels", 1, Q=3, freq_scale=5.0), 1.0, 1.0),
               tol=Tolerance.eps(1e6, why="Cholesky of a jittered kernel matrix (cond ~1e6)", scale=1.0),
               prop="objective and gradient")


@cases_for("gp.gphm_solve", primary="U", fields=("U", "n_iter", "loss_history"))
def _gps():
    """A few Adam steps (the path is deterministic)."""
    yield Case("poisson1d_5it", (_P,), {"Q": 3, "max_iter": 5, "n_test": 20},
               tol=Tolerance.eps(1e8, why="5 Adam steps through Cholesky solves of cond ~1e6", scale=1.0),
               prop="the iterates after 5 steps")


@cases_for("gp.gphm_predict", primary="value")
def _gpr():
    yield Case("poisson1d", (Call("gp.gphm_solve", _P, Q=3, max_iter=3, n_test=20), [np.linspace(0, 1, 7)]),
               tol=Tolerance.eps(1e8, why="3 Adam steps then a conditional mean", scale=1.0), prop="prediction on a test grid")


@cases_for("gp.fixed_kernel_solve", primary="U", fields=("U", "rel_l2"))
def _fks():
    yield Case("poisson1d", (_P, Call("gp.gphm_init_kernels", 1, Q=3, freq_scale=5.0)), {"n_test": 20},
               tol=Tolerance.eps(1e8, why="dense least squares with cond ~1e6", scale=1.0), prop="the fixed-kernel ceiling")
