"""Fuzz specs for ``refimpl.newton.risk_parity`` (the risk-parity part of the newton family)."""

import numpy as np

from _harness import A, Spec
from refimpl import newton as nt

#: canonical (post-rename) name -> today's names; none here.
ALIASES: dict = {}

from refimpl.newton.risk_parity import COV5 as _COV5

SPECS = {
    "newton.risk_parity": Spec(
        nt.risk_parity,
        dict(cov=A("spd", _COV5), budgets=A("prob", np.full(5, 0.2), tied=True, optional=True),
             method=A("choice", "ccd_improved"),
             signs=A("vec", None, optional=True, tied=True, sample=np.array([1.0, -1.0, 1.0, 1.0, 1.0])),
             tol=A("pos", 1e-6), max_iter=A("size", 50), callback=A("callable", None, optional=True)),
        accept={"callback=returns_none": "a callback returning None means 'continue' (documented)"},
        aliases=ALIASES,
    ),
}
