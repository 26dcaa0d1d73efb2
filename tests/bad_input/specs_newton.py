"""Fuzz specs for ``refimpl.newton``: one valid call per public name and its argument kinds.

The methods take objectives as callables (kind ``oracle``: also corrupted to return NaN, inf, None,
a string, complex values or a wrong shape) or as problem objects (kind ``problem``). The valid
objective, :math:`f(x) = \\frac14\\sum (x_i - 1)^4 + \\frac12\\|x\\|^2`, is written with the array API so
that it runs on every backend and works for any length of ``x``.
"""
import functools

import numpy as np
from array_api_compat import array_namespace, device

from _harness import A, Spec
from refimpl import newton as nt

#: canonical (post-rename) name -> today's names; none in this family.
ALIASES: dict = {}


def _f(x):
    xp = array_namespace(x)
    t = x - 1.0
    return 0.25 * xp.sum(t**4) + 0.5 * xp.sum(x * x)


def _g(x):
    t = x - 1.0
    return t**3 + x


def _h(x):
    xp = array_namespace(x)
    dg = 3.0 * (x - 1.0) ** 2 + 1.0
    return xp.eye(x.shape[0], dtype=x.dtype, device=device(x)) * dg[None, :]


_X0 = np.array([0.5, -1.0, 2.0])
_A = np.array([[1.0, 0.2], [0.3, -0.5], [-1.0, 0.4], [0.7, 0.9], [0.1, -0.2]])
_Y = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
_AIND = np.array([[2.0, 1.0, 0.0], [1.0, -1.0, 0.5], [0.0, 0.5, 1.0]])  # symmetric, indefinite

_CALLBACK_OK = {"callback=returns_none": "a callback returning None means 'continue' (documented)"}


@functools.lru_cache(None)
def _lgr():
    return nt.linear_gaussian_regression(20, 2, seed=0)


def _s(func, accept=None, skip=None, **args):
    return Spec(func, args, accept=accept or {}, skip=skip or {}, aliases=ALIASES)


def _objective():
    return dict(fun=A("oracle", _f), grad=A("oracle", _g), hess=A("oracle", _h), x0=A("vec", _X0))


SPECS = {
    # ------------------------------------------------------------------ methods
    "newton.lazy_newton": _s(nt.lazy_newton, accept=_CALLBACK_OK, **_objective(), m=A("size", 2),
                             M=A("pos", 1.0, optional=True), variant=A("choice", "cubic"), adaptive=A("flag", False),
                             gtol=A("nonneg", 1e-8), max_iter=A("size", 50, min=0),
                             callback=A("callable", None, optional=True)),
    "newton.damped_newton": _s(nt.damped_newton,
                               accept={**_CALLBACK_OK, "alpha=one": "alpha = 1 (the undamped step) is valid: (0, 1]",
                                       "power=one": "power = 1 (super-universal's default exponent) is valid: (0, 1]"},
                               **_objective(), schedule=A("choice", "grls"), q=A("pos", 3.0), M=A("pos", 1.0),
                               alpha=A("unit", 1.0), c=A("unit", 1e-4), rho=A("pos", 2.0), theta0=A("pos", 1.0),
                               ls_tol=A("unit", 1e-4), ls_max_iter=A("size", 60), gtol=A("nonneg", 1e-8),
                               max_iter=A("size", 50, min=0), callback=A("callable", None, optional=True),
                               power=A("unit", 1.0)),
    "newton.cubic_step": _s(nt.cubic_step, g=A("vec", np.array([1.0, -0.5, 0.25]), tied=True),
                            A=A("mat", _AIND, tied=True), M=A("pos", 2.0)),
    "newton.stepsize_from_regularization": _s(nt.stepsize_from_regularization, sigma=A("nonneg", 2.0),
                                              decrement=A("nonneg", 0.5), beta=A("nonneg", 1.0)),
    "newton.filtered_stochastic_newton": _s(nt.filtered_stochastic_newton, accept=_CALLBACK_OK,
                                            problem=A("problem", make=_lgr), x0=A("vec", np.array([0.3, -0.2])),
                                            n_steps=A("size", 3, min=0), batch_size=A("size", 5),
                                            alpha=A("real", 0.9), beta=A("pos", 0.2), filtered=A("flag", True),
                                            armijo=A("pos", 0.95), ls_steps=A("size", 5), rng=A("rng", 0),
                                            callback=A("callable", None, optional=True)),
    # ------------------------------------------------------------------ problems
    "newton.LeastSquares": _s(nt.LeastSquares, A=A("mat", _A), b=A("vec", _Y, tied=True), lam=A("nonneg", 0.1),
                              mean=A("flag", False)),
    "newton.LogisticRegression": _s(nt.LogisticRegression, A=A("mat", _A), y=A("vec", _Y, tied=True),
                                    lam=A("nonneg", 0.1), mean=A("flag", True)),
    "newton.PolytopeFeasibility": _s(nt.PolytopeFeasibility, A=A("mat", _A), b=A("vec", _Y, tied=True),
                                     p=A("pos", 3.0)),
    "newton.Rosenbrock": _s(nt.Rosenbrock, d=A("size", 4, min=2)),
    "newton.SeparableQuartic": _s(nt.SeparableQuartic, c=A("vec", _X0), mu=A("nonneg", 1.0)),
    # ------------------------------------------------------------------ instance generators
    "newton.lazy_hessians_logistic": _s(nt.lazy_hessians_logistic, n=A("size", 20), d=A("size", 3),
                                        lam=A("nonneg", 1e-4), rng=A("rng", 0)),
    "newton.peer_logistic": _s(nt.peer_logistic, n=A("size", 20), d=A("size", 3), lam=A("nonneg", 1e-4)),
    "newton.polytope_instance": _s(nt.polytope_instance, n=A("size", 3), m=A("size", 5), p=A("pos", 3.0),
                                   rng=A("rng", 0)),
    "newton.linear_gaussian_regression": _s(nt.linear_gaussian_regression, n=A("size", 20), d=A("size", 2),
                                            seed=A("rng", 0)),
}
