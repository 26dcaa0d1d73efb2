"""Fuzz specs for ``refimpl.newton.risk_parity`` (the risk-parity part of the newton family)."""

import numpy as np

from _harness import A, Spec
from refimpl import newton as nt

#: canonical (post-rename) name -> today's names; none here.
ALIASES: dict = {}

#: the 5-asset covariance of Bai, Scheinberg & Tütüncü (2016), §6.1 (Choi & Chen's Table 2 example)
_COV5 = np.array([
    [94.868, 33.750, 12.325, -1.178, 8.778],
    [33.750, 445.642, 98.955, -7.901, 84.954],
    [12.325, 98.955, 117.265, 0.503, 45.184],
    [-1.178, -7.901, 0.503, 5.460, 1.057],
    [8.778, 84.954, 45.184, 1.057, 34.126],
]) * 1e-4

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
