"""Fuzz specs for the equality-constrained part of ``refimpl.newton``: AdaSketch-Newton, its sketch solver,
the baselines and the constrained test problems (the valid calls use BOOTH, the cheapest problem)."""
import functools

import numpy as np

from _harness import A, Spec
from refimpl import newton as nt

ALIASES: dict = {}
_CALLBACK_OK = {"callback=returns_none": "a callback returning None means 'continue' (documented)"}
_K = np.array([[4.0, 1.0], [1.0, 3.0]])


@functools.lru_cache(None)
def _booth():
    return nt.hs_problem("BOOTH")


def _s(func, accept=None, **args):
    return Spec(func, args, accept=accept or {}, aliases=ALIASES)


def _common():
    return dict(problem=A("problem", make=_booth), tol=A("nonneg", 1e-4), max_iter=A("size", 5, min=0),
                callback=A("callable", None, optional=True))


SPECS = {
    "newton.adasketch_newton": _s(nt.adasketch_newton, accept=_CALLBACK_OK, **_common(),
                                  sketch=A("choice", "gaussian"), rng=A("rng", 0),
                                  x0=A("vec", None, optional=True, sample=np.zeros(2)),
                                  lam0=A("vec", None, optional=True, sample=np.zeros(2)),
                                  eta1=A("pos", 1.0), eta2=A("pos", 0.1), delta0=A("pos", 0.1), xi_B=A("pos", 0.1),
                                  beta=A("unit", 0.1), nu=A("pos", 1.5), theta=A("pos", 1.0),
                                  delta_min=A("nonneg", 1e-6), singular_tol=A("nonneg", 1e-2),
                                  merit_gradient=A("choice", "exact"), max_inner=A("size", 2000),
                                  max_backtracks=A("size", 20, min=0)),
    "newton.l1_sqp": _s(nt.l1_sqp, accept=_CALLBACK_OK, **_common(), termination=A("choice", "tests"),
                        gmres_rtol=A("unit", 0.1), mu0=A("pos", 1.0), eta=A("unit", 1e-8),
                        max_backtracks=A("size", 20, min=0)),
    "newton.augmented_lagrangian": _s(nt.augmented_lagrangian, accept=_CALLBACK_OK, **_common(), mu0=A("pos", 1.0),
                                      mu_factor=A("pos", 1.5), inner_tol0=A("pos", 0.1), gmres_rtol=A("unit", 1e-4),
                                      beta=A("unit", 0.1), max_inner=A("size", 20)),
    "newton.sketch_and_project": _s(nt.sketch_and_project, accept=_CALLBACK_OK, K=A("mat", _K, tied=True),
                                    b=A("vec", np.array([1.0, 2.0]), tied=True), sketch=A("choice", "gaussian"),
                                    rtol=A("nonneg", 1e-8), max_iter=A("size", 200, min=0),
                                    x0=A("vec", None, optional=True, sample=np.zeros(2), tied=True), rng=A("rng", 0),
                                    callback=A("callable", None, optional=True)),
    "newton.hs_problem": _s(nt.hs_problem, name=A("choice", "HS28")),
    "newton.poisson_control_problem": _s(nt.poisson_control_problem, N=A("size", 3), alpha=A("pos", 0.1)),
    "newton.constrained_logistic_problem": _s(nt.constrained_logistic_problem, n=A("size", 30), d=A("size", 13, min=12),
                                              n_linear=A("size", 10, min=0), rng=A("rng", 0)),
    "newton.ConstrainedProblem": _s(nt.ConstrainedProblem, accept={
        f"{k}=returns_none": "the constructor only stores the callables; the methods check their outputs when called"
        for k in ("f", "grad", "hess", "c", "jac", "hess_c")}, f=A("callable", lambda x: x @ x),
                                    grad=A("callable", lambda x: 2 * x), hess=A("callable", lambda x: 2 * np.eye(2)),
                                    c=A("callable", lambda x: x[:1] - 1.0),
                                    jac=A("callable", lambda x: np.array([[1.0, 0.0]])),
                                    hess_c=A("callable", lambda x: np.zeros((1, 2, 2))), x0=A("vec", np.zeros(2)),
                                    m=A("size", 1, optional=True)),
}
