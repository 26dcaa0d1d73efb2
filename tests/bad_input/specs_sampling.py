"""Fuzz specs for ``refimpl.sampling``: one valid call per public name and its argument kinds.

Written against the sampling family's public API before it was merged: a spec whose name the
installed ``refimpl.sampling`` does not export is skipped (``SPECS`` only holds the names that
exist), so this file is harmless before the merge and active after it. The factories are lazy
(called only for existing names), because they look the functions up on the module.
"""
import functools

import numpy as np
import scipy.optimize  # noqa: F401  (lazy in lp.py; imported here so the 2 s limit times the call)

from _harness import A, Spec
import refimpl.sampling as sp

#: canonical (post-rename) name -> today's names; none in this family.
ALIASES: dict = {}

_rng = np.random.default_rng(0)
_A = _rng.standard_normal((8, 3))  # tall, full column rank
_A2 = _rng.standard_normal((12, 2))
_A16 = _rng.standard_normal((16, 2))
_b8 = _rng.standard_normal(8)
_b12 = _A2 @ np.array([1.0, -0.5]) + 0.1 * _rng.standard_normal(12)
_b16 = _A16 @ np.array([1.0, -0.5]) + 0.1 * _rng.standard_normal(16)
_V = np.linalg.qr(_A)[0]  # (8, 3) orthonormal columns
_SCORES = np.array([1.0, 2.0, 0.5, 3.0, 1.5, 2.5])
_P = np.array([0.2, 0.5, 0.9, 0.1, 0.3, 1.0])
_P_INT = np.array([0.5, 0.5, 0.25, 0.75, 1.0, 0.0])  # sums to 3
_COORDS6 = _rng.uniform(-1.0, 1.0, (6, 2))
_COORDS8 = _rng.uniform(-1.0, 1.0, (8, 2))
_COORDS12 = _rng.uniform(-1.0, 1.0, (12, 2))
_KEYS = np.arange(8) * 3 + 1
#: (A is not ``tied``: with the default keys any number of rows is valid; keys are tied to A's rows)
_KEYS_OK = {"keys=neglabel": "join keys are arbitrary 64-bit integers (negative ones too)",
            "keys=biglabel": "join keys are arbitrary 64-bit integers"}


def _s(func, accept=None, skip=None, **args):
    return Spec(func, args, accept=accept or {}, skip=skip or {}, aliases=ALIASES)


@functools.lru_cache(None)
def _sketch(which):
    B = _A if which == "A" else _rng.standard_normal((8, 2))
    return sp.priority_sketch(B, 4, seed=7)


@functools.lru_cache(None)
def _linsketch(which):
    B = _A if which == "A" else _rng.standard_normal((8, 2))
    return sp.linear_sketch(B, 3, seed=7)


@functools.lru_cache(None)
def _regsketch(which):
    X = _rng.standard_normal((10, 2))
    if which == "X":
        return sp.priority_sketch(X, 10, seed=3)
    return sp.priority_sketch((X @ np.array([1.0, 2.0]))[:, None], 10, seed=3)


_FACTORIES = {
    # ------------------------------------------------------------------ leverage scores
    "leverage_scores": lambda: _s(sp.leverage_scores, A=A("mat", _A), method=A("choice", "qr"),
                                  eps=A("unit", None, optional=True), rng=A("rng", 0),
                                  rank_tol=A("pos", None, optional=True), embedding=A("choice", "sparse_sign"),
                                  jl=A("flag", False)),
    "ridge_leverage_scores": lambda: _s(sp.ridge_leverage_scores, A=A("mat", _A), lam=A("pos", 0.5)),
    "sketch_sizes": lambda: _s(sp.sketch_sizes, n=A("size", 1000), d=A("size", 5), eps=A("unit", 0.5),
                               jl=A("flag", False)),
    # ------------------------------------------------------------------ samplers
    "inclusion_probabilities": lambda: _s(sp.inclusion_probabilities, scores=A("vec", _SCORES), k=A("size", 3)),
    "bernoulli_sample": lambda: _s(sp.bernoulli_sample, p=A("prob", _P), rng=A("rng", 0)),
    "sample_with_replacement": lambda: _s(sp.sample_with_replacement, scores=A("vec", _SCORES), k=A("size", 4),
                                          rng=A("rng", 0)),
    "pivotal_tree": lambda: _s(sp.pivotal_tree, accept={"coords=ndim-1": "(n,) coords are n points in 1-D (documented)"},
                               coords=A("mat", _COORDS8), split=A("choice", "pca"),
                               first_rotation=A("real", 45.0)),
    "pivotal_sample": lambda: _s(sp.pivotal_sample, p=A("prob", _P_INT),
                                 coords=A("mat", _COORDS6, tied=True, optional=True), rng=A("rng", 0),
                                 split=A("choice", "pca"), first_rotation=A("real", 45.0)),
    "local_pivotal_sample": lambda: _s(sp.local_pivotal_sample, p=A("prob", _P_INT, tied=True), coords=A("mat", _COORDS6, tied=True),
                                       rng=A("rng", 0)),
    # ------------------------------------------------------------------ regression
    "reweighted_lstsq": lambda: _s(sp.reweighted_lstsq, A_S=A("mat", _A2[:5].copy(), tied=True),
                                   b_S=A("vec", _b12[:5].copy(), tied=True),
                                   p_S=A("vec", np.array([0.5, 0.4, 0.9, 0.3, 0.6]), tied=True)),
    "active_regression": lambda: _s(sp.active_regression, A=A("mat", _A2, tied=True), labels=A("vec", _b12, tied=True),
                                    k=A("size", 4), sampler=A("choice", "pivotal"),
                                    coords=A("mat", None, optional=True, tied=True, sample=_COORDS12),
                                    scores=A("vec", None, optional=True, tied=True, sample=np.ones(12)),
                                    rng=A("rng", 0), split=A("choice", "pca"), first_rotation=A("real", 45.0)),
    # ------------------------------------------------------------------ coordinated sketches
    "coordinated_hash": lambda: _s(sp.coordinated_hash,
                                   accept={**_KEYS_OK, "keys=empty": "no keys: an empty hash (one value per key)"},
                                   keys=A("labels", _KEYS),
                                   seed=A("size", 7, min=0)),
    "priority_sketch": lambda: _s(sp.priority_sketch, accept=_KEYS_OK, A=A("mat", _A), k=A("size", 4),
                                  seed=A("size", 7, min=0), keys=A("labels", None, optional=True, tied=True, sample=_KEYS)),
    "threshold_sketch": lambda: _s(sp.threshold_sketch, accept=_KEYS_OK, A=A("mat", _A), k=A("size", 4),
                                   seed=A("size", 7, min=0), keys=A("labels", None, optional=True, tied=True, sample=_KEYS)),
    "sketched_product": lambda: _s(sp.sketched_product, sketch_A=A("result", make=lambda: _sketch("A")),
                                   sketch_B=A("result", make=lambda: _sketch("B"))),
    "linear_sketch": lambda: _s(sp.linear_sketch, accept=_KEYS_OK, A=A("mat", _A), t=A("size", 3),
                                seed=A("size", 7, min=0), kind=A("choice", "countsketch"),
                                keys=A("labels", None, optional=True, tied=True, sample=_KEYS)),
    "coordinated_regression": lambda: _s(sp.coordinated_regression, sketch_X=A("result", make=lambda: _regsketch("X")),
                                         sketch_y=A("result", make=lambda: _regsketch("y")), lam=A("nonneg", 0.0)),
    # ------------------------------------------------------------------ DPPs and volume sampling
    "projection_dpp_sample": lambda: _s(sp.projection_dpp_sample, V=A("mat", _V), rng=A("rng", 0)),
    "volume_sample": lambda: _s(sp.volume_sample, V=A("mat", _V), n=A("size", 4, min=3), rng=A("rng", 0)),
    # ------------------------------------------------------------------ sensitivities, sketch-and-solve
    "root_leverage_scores": lambda: _s(sp.root_leverage_scores, A=A("mat", _A), p=A("pos", 1.0)),
    "lp_mixture_scores": lambda: _s(sp.lp_mixture_scores, A=A("mat", _A2[:8].copy()), p=A("pos", 1.0),
                                    sensitivities=A("vec", None, optional=True, tied=True,
                                                    sample=np.linspace(0.1, 0.5, 8))),
    "sensitivity_sample": lambda: _s(sp.sensitivity_sample, scores=A("vec", _SCORES), k=A("size", 3),
                                     p=A("pos", 1.0), rng=A("rng", 0)),
    "lp_regression": lambda: _s(sp.lp_regression,
                                accept={"callback=returns_none": "a callback returning None means 'continue' (documented)"},
                                A=A("mat", _A2, tied=True), b=A("vec", _b12, tied=True),
                                p=A("pos", 1.5), weights=A("vec", None, optional=True, tied=True, sample=np.ones(12)),
                                gtol=A("pos", 1e-10), max_iter=A("size", 200),
                                callback=A("callable", None, optional=True, sample=lambda state: None)),
    "lp_sensitivities": lambda: _s(sp.lp_sensitivities, A=A("mat", _A2[:8].copy()), p=A("pos", 1.5)),
    "sketch_and_solve": lambda: _s(sp.sketch_and_solve, A=A("mat", _A16, tied=True), b=A("vec", _b16, tied=True),
                                   m=A("size", 8), sketch=A("choice", "gaussian"), rng=A("rng", 0)),
    "linf_error_ratio": lambda: _s(sp.linf_error_ratio, A=A("mat", _A[:, :2].copy(), tied=True),
                                   b=A("vec", _b8, tied=True), x=A("vec", np.array([0.3, -0.2]), tied=True)),
}

#: the specs of the names the installed refimpl.sampling exports (none before the sampling merge)
SPECS = {f"sampling.{name}": make() for name, make in _FACTORIES.items() if name in getattr(sp, "__all__", ())}
#: specs written for names the installed refimpl.sampling does not export (re-check after the merge)
SKIPPED = sorted(name for name in _FACTORIES if name not in getattr(sp, "__all__", ()))
