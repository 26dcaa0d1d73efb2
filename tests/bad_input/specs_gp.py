"""Fuzz specs for ``refimpl.gp``: one valid call per public name and its argument kinds."""
import functools

import numpy as np

from _harness import A, Spec
from refimpl import gp

#: canonical (post-rename) name -> today's names. Assumed renames: ``maxiter`` and GP-HM's
#: ``n_iter`` input -> ``max_iter``; CG ``tol`` -> ``rtol``.
ALIASES = {"max_iter": ("maxiter", "n_iter"), "rtol": ("tol",)}


def _spd(n, shift=0.5, seed=0):
    x = np.linspace(0.0, 1.0, n)
    return np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / 0.3**2) + shift * np.eye(n)


_F = [_spd(3), _spd(2)]
_Y = np.arange(6.0).reshape(3, 2) / 6.0 - 0.4
_GRID = [np.linspace(0.0, 1.0, 3), np.linspace(0.0, 1.0, 2)]
_NOISE_F = [np.array([0.1, 0.2, 0.1]), np.array([1.0, 0.5])]


@functools.lru_cache(None)
def _problem():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny grid aliases on purpose (AliasingWarning)
        return gp.gphm_problem("poisson_1d-single_sin", n=12)


@functools.lru_cache(None)
def _result():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny grid aliases on purpose (AliasingWarning)
        return gp.gphm_solve(_problem(), Q=2, **{_max_iter_name(): 2}, n_test=8)


def _max_iter_name():
    import inspect

    return "max_iter" if "max_iter" in inspect.signature(gp.gphm_solve).parameters else "n_iter"


def _kernels():
    return gp.gphm_init_kernels(1, Q=2)


#: Kronecker products act on any square factors: SPD-only corruptions are valid there.
_GENERAL = {"factors=0.indefinite": "any square factor", "factors=0.nonsym": "any square factor",
            "factors=0.singular": "any square factor"}

#: jitter = 0 is valid (no jitter); only a factor that is then not positive definite is an error.
_JITTER0 = {"jitter=zero": "jitter >= 0 is documented: 0 adds no jitter (a K_j that is not PD then raises)"}
#: CG with rtol = 0 runs to atol (or max_iter, reported as MAX_ITER): a valid, if strict, request.
_RTOL0 = {"rtol=zero": "rtol = 0 is valid (the test is then max(atol, 0); CG reports MAX_ITER if unmet)"}
#: a repeated coordinate on an axis of its own (nothing ties its length to Y) is a valid grid.
_LEN1 = "the axis has no length tied to Y; a repeated coordinate is a valid (if singular) grid"
#: add_jitter is plain algebra, K + eps*I, defined for any square factor (the solvers check symmetry and PSD).
_JITTER_ANY = {"factors=0.indefinite": "K + eps*I is defined for any square factor; the solvers check PSD",
               "factors=0.nonsym": "K + eps*I is defined for any square factor; the solvers check symmetry"}
#: the labels corruption writes -1 / 1e6 into a *boolean* mask, which stores True: still a valid mask.
_MASK_TRUE = {f"mask={lab}": "storing -1 or 1e6 into a boolean mask stores True: a valid mask"
              for lab in ("neglabel", "biglabel")}
#: 1e6 Adam steps is a valid, long run (the authors' configs use up to 1e6); no size guard can reject it.
_LONG_RUN = {"max_iter=1e6": "a valid long run (the authors' configs use up to 1e6 Adam steps)"}


def _s(func, accept=None, call=None, skip=None, **args):
    return Spec(func, args, accept=accept or {}, skip=skip or {}, aliases=ALIASES, call=call)


def _pde_kwargs():
    p = _problem()
    return dict(name=A("str", "p"), operator=A("choice", "poisson"), lengths=A("vec", np.array([1.0])),
                n=A("any", (12,)), solution=A("callable", p.solution), forcing=A("callable", p.forcing),
                freq_scale=A("pos", 5.0))


SPECS = {
    # ------------------------------------------------------------------ kernels and Kronecker algebra
    "gp.Matern": _s(gp.Matern, lengthscale=A("pos", 1.0), variance=A("pos", 1.0), nu=A("pos", 2.5)),
    "gp.SquaredExponential": _s(gp.SquaredExponential, lengthscale=A("pos", 1.0), variance=A("pos", 1.0)),
    "gp.SpectralMixture": _s(gp.SpectralMixture, weights=A("vec", np.array([1.0, 0.5]), tied=True),
                             scales=A("vec", np.array([1.0, 2.0]), tied=True), freqs=A("vec", np.array([0.0, 1.0]), tied=True)),
    "gp.MaternCosine": _s(gp.MaternCosine, weights=A("vec", np.array([1.0, 0.5]), tied=True),
                          scales=A("vec", np.array([1.0, 2.0]), tied=True), freqs=A("vec", np.array([0.0, 1.0]), tied=True)),
    "gp.kernel_matrix": _s(gp.kernel_matrix, kernel=A("kernel", gp.SquaredExponential(0.5)),
                           x=A("vec", np.linspace(0, 1, 4)), z=A("vec", np.linspace(0, 1, 3), optional=True),
                           order=A("int", 0)),
    "gp.add_jitter": _s(gp.add_jitter, accept=_JITTER_ANY, factors=A("factors", _F), eps=A("nonneg", 1e-6)),
    "gp.grid_factors": _s(gp.grid_factors, accept={"grid=0.len+1": _LEN1}, grid=A("grid", _GRID),
                          kernels=A("kernels", gp.SquaredExponential(0.5))),
    "gp.kron_diag": _s(gp.kron_diag, accept=_GENERAL, factors=A("factors", _F)),
    "gp.kron_eigh": _s(gp.kron_eigh, factors=A("factors", _F)),
    "gp.kron_logdet": _s(gp.kron_logdet, factors=A("factors", _F), noise=A("nonneg", 0.1)),
    "gp.kron_mvm": _s(gp.kron_mvm, accept=_GENERAL, factors=A("factors", _F), X=A("mat", _Y, tied=True)),
    "gp.kron_solve": _s(gp.kron_solve, factors=A("factors", _F), Y=A("mat", _Y, tied=True), noise=A("nonneg", 0.1)),
    "gp.kron_sample": _s(gp.kron_sample, factors=A("factors", _F), size=A("size", 2, optional=True),
                         noise=A("nonneg", 0.0), rng=A("rng", 0)),
    "gp.grid_lml": _s(gp.grid_lml, factors=A("factors", _F), Y=A("mat", _Y, tied=True), noise=A("pos", 0.1),
                      return_alpha=A("flag", False)),
    "gp.grid_lml_grad": _s(gp.grid_lml_grad, grid=A("grid", _GRID), Y=A("mat", _Y, tied=True),
                           kernels=A("kernels", gp.SquaredExponential(0.5)), noise=A("pos", 0.1)),
    "gp.grid_gp_predict": _s(gp.grid_gp_predict, accept={"test_grid=0.len+1": _LEN1},
                             grid=A("grid", _GRID), Y=A("mat", _Y, tied=True),
                             kernels=A("kernels", gp.SquaredExponential(0.5)), noise=A("pos", 0.1),
                             test_grid=A("grid", [np.array([0.25, 0.75]), np.array([0.5])], optional=True)),
    "gp.fit_grid_gp": _s(gp.fit_grid_gp, grid=A("grid", _GRID), Y=A("mat", _Y, tied=True),
                         kernels=A("kernels", gp.SquaredExponential(0.5)), noise=A("pos", 0.1),
                         fit_noise=A("flag", True), max_iter=A("size", 3), gtol=A("pos", 1e-6)),
    # ------------------------------------------------------------------ noisy / CG / SLQ
    "gp.kron_cg_solve": _s(gp.kron_cg_solve, accept=_RTOL0, factors=A("factors", _F), Y=A("mat", _Y, tied=True),
                           noise=A("pos", 0.1),
                           mask=A("any", None), rtol=A("pos", 1e-10), max_iter=A("size", 50, optional=True),
                           precondition=A("flag", True)),
    "gp.kron_slq_logdet": _s(gp.kron_slq_logdet, factors=A("factors", _F), noise=A("pos", 0.1),
                             n_probes=A("size", 4), n_lanczos=A("size", 6, optional=True), rng=A("rng", 0)),
    "gp.grid_lml_cg": _s(gp.grid_lml_cg, accept=_RTOL0, factors=A("factors", _F), Y=A("mat", _Y, tied=True),
                         noise=A("pos", 0.1),
                         logdet=A("choice", "slq"), rtol=A("pos", 1e-10), max_iter=A("size", 50, optional=True),
                         n_probes=A("size", 4), rng=A("rng", 0)),
    "gp.gpatt_logdet": _s(gp.gpatt_logdet, accept=_MASK_TRUE, factors=A("factors", _F), noise=A("pos", 0.1),
                          mask=A("labels", np.array([[1, 1], [1, 0], [0, 1]], dtype=bool), tied=True)),
    "gp.kron_logdet_kdiag": _s(gp.kron_logdet_kdiag, factors=A("factors", _F), noise_factors=A("grid", _NOISE_F)),
    "gp.kron_solve_kdiag": _s(gp.kron_solve_kdiag, factors=A("factors", _F), Y=A("mat", _Y, tied=True),
                              noise_factors=A("grid", _NOISE_F)),
    "gp.grid_lml_kdiag": _s(gp.grid_lml_kdiag, factors=A("factors", _F), Y=A("mat", _Y, tied=True),
                            noise_factors=A("grid", _NOISE_F)),
    # ------------------------------------------------------------------ GP-HM
    "gp.PDEProblem": _s(gp.PDEProblem, accept={"name=bogus": "name is a free label of the problem"},
                        **_pde_kwargs()),
    "gp.gphm_problem": _s(gp.gphm_problem, name=A("str", "poisson_1d-single_sin"), n=A("size", 12, optional=True)),
    "gp.gphm_init_kernels": _s(gp.gphm_init_kernels, d=A("size", 1), kernel=A("choice", "stm"), Q=A("size", 2),
                               freq_scale=A("pos", 5.0)),
    "gp.gphm_objective": _s(gp.gphm_objective, accept=_JITTER0, problem=A("result", make=_problem),
                            U=A("vec", np.sin(np.linspace(0, 1, 12)), tied=True), kernels=A("kernels", make=_kernels),
                            s1=A("real", 0.0), s2=A("real", 0.0), jitter=A("pos", 1e-6),
                            lam_b=A("pos", None, optional=True)),
    "gp.gphm_solve": _s(gp.gphm_solve, accept=_JITTER0, skip=_LONG_RUN, problem=A("result", make=_problem),
                        kernel=A("choice", "stm"), Q=A("size", 2),
                        max_iter=A("size", 2), lr=A("pos", 0.01), n_test=A("size", 8), jitter=A("pos", 1e-6)),
    "gp.gphm_predict": _s(gp.gphm_predict,
                          accept={"test_grid=0.len+1": "prediction points are free; a repeated one is valid"},
                          result=A("result", make=_result),
                          test_grid=A("grid", [np.linspace(0.0, 1.0, 5)]), best=A("flag", False)),
    "gp.fixed_kernel_solve": _s(gp.fixed_kernel_solve, accept=_JITTER0, problem=A("result", make=_problem),
                                kernels=A("kernels", make=_kernels), tau1=A("pos", 1.0), tau2=A("pos", 1.0),
                                jitter=A("pos", 1e-6), n_test=A("size", 8), max_dense=A("size", 4096)),
}
