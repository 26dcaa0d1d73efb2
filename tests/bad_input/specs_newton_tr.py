"""Fuzz specs for the bound-constrained systems of ``refimpl.newton``: the affine-scaling trust region and its test systems.

The valid system, :math:`F(x) = x - 1/2 + \\tfrac1{10}\\sin x` on the box :math:`[0, 1]^3` (root
inside), is written with the array API so that it runs on every backend and for any length of
``x``; its Jacobian is diagonal.
"""
import numpy as np
from array_api_compat import array_namespace, device

from _harness import A, Spec
from refimpl import newton as nt

#: canonical (post-rename) name -> today's names; none here.
ALIASES: dict = {}


def _F(x):
    xp = array_namespace(x)
    return x - 0.5 + 0.1 * xp.sin(x)


def _J(x):
    xp = array_namespace(x)
    dg = 1.0 + 0.1 * xp.cos(x)
    return xp.eye(x.shape[0], dtype=x.dtype, device=device(x)) * dg[None, :]


_X0 = np.array([0.2, 0.7, 0.9])


def _s(func, accept=None, skip=None, **args):
    return Spec(func, args, accept=accept or {}, skip=skip or {}, aliases=ALIASES)


_INF_BOUND = "an infinite bound on the unbounded side is valid (no bound)"
_SCALAR_BOUND = "a scalar bound applies to every component (documented)"

SPECS = {
    "newton.scaled_trust_region": _s(
        nt.scaled_trust_region,
        accept={"callback=returns_none": "a callback returning None means 'continue' (documented)",
                "lb=-inf": _INF_BOUND, "ub=inf": _INF_BOUND,
                "lb=none": "None means no lower bound (documented)", "ub=none": "None means no upper bound (documented)",
                "lb=ndim-1": _SCALAR_BOUND, "ub=ndim-1": _SCALAR_BOUND},
        F=A("oracle", _F), J=A("oracle", _J), x0=A("vec", _X0),
        lb=A("vec", np.zeros(3), tied=True, optional=True), ub=A("vec", np.ones(3), tied=True, optional=True),
        scaling=A("choice", "convex"), weights=A("any", None), ftol=A("nonneg", 1e-8),
        max_iter=A("size", 50, min=0), step=A("choice", "dogleg"), trust_region=A("choice", "elliptical"),
        delta0=A("pos", 1.0), theta=A("unit", 0.99995), sigma=A("unit", 0.99995), shrink=A("unit", 0.25),
        beta1=A("pos", 0.1), huu_p=A("pos", 2.0), kk_gamma=A("pos", 1.0), gtol=A("nonneg", 0.0),
        callback=A("callable", None, optional=True)),
    "newton.chandrasekhar_h": _s(nt.chandrasekhar_h, n=A("size", 8), c=A("unit", 0.9)),
    "newton.brown_almost_linear": _s(nt.brown_almost_linear, n=A("size", 5, min=2)),
    "newton.powell_badly_scaled": _s(nt.powell_badly_scaled),
    "newton.chemical_equilibrium": _s(nt.chemical_equilibrium),
}
