"""Fuzz specs for ``refimpl.eim``: one valid call per public name and its argument kinds."""
import functools

import numpy as np

from _harness import A, Spec
from refimpl import eim

#: canonical (post-rename) name -> today's names. Assumed renames: ``max_terms`` -> ``max_iter``;
#: the EIM greedy's absolute ``tol`` -> ``atol`` (``rtol`` stays; eifmm's ``tol`` stays).
ALIASES = {"max_iter": ("max_terms", "maxiter"), "atol": ("tol",)}

_x = np.linspace(0.0, 1.0, 12)
_mu = np.linspace(1.0, 3.0, 8)
_S = 1.0 / (1.0 + _mu[None, :] * _x[:, None])  # (12, 8), smooth family


def _kw(func, **names):
    """Keyword arguments with canonical names mapped to today's (for the factories below)."""
    import inspect

    params = inspect.signature(func).parameters
    out = {}
    for k, v in names.items():
        out[k if k in params else next(a for a in ALIASES.get(k, ()) if a in params)] = v
    return out


@functools.lru_cache(None)
def _greedy():
    return eim.eim_greedy(_S, **_kw(eim.eim_greedy, max_iter=4))


def _mat(mu):
    n = 6
    return (2.0 + mu) * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1) + np.diag(np.sin(mu * np.arange(n)) * 0.1)


@functools.lru_cache(None)
def _meim():
    return eim.matrix_eim(_mat, list(np.linspace(0.0, 1.0, 6)), **_kw(eim.matrix_eim, max_iter=3))


_A0 = 4.0 * np.eye(5) - np.eye(5, k=1) - np.eye(5, k=-1)
_TERMS = [np.diag([1.0, 1.0, 0.0, 0.0, 0.0]), np.diag([0.0, 0.0, 1.0, 1.0, 1.0])]
_P2 = [np.array([a, b]) for a in (0.0, 0.5, 1.0) for b in (0.0, 0.5, 1.0)]


@functools.lru_cache(None)
def _affine():
    return eim.affine_limit_eim(lambda m: np.asarray(m, dtype=float), _P2, degree=2)


def _rb_parts():
    V = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 2)))[0]
    return V


@functools.lru_cache(None)
def _R():
    return eim.affine_residual_terms([_A0] + _TERMS, [np.ones(5)], _rb_parts())


@functools.lru_cache(None)
def _dual():
    return eim.dual_norm_eim_offline(_R(), _A0)


@functools.lru_cache(None)
def _nirb():
    return eim.nonintrusive_rb(_mat, lambda mu: np.ones(6) * (1 + mu), list(np.linspace(0.0, 1.0, 6)), n_basis=2)


@functools.lru_cache(None)
def _rect():
    return eim.eim_rectangular(_greedy())


def _s(func, accept=None, call=None, skip=None, **args):
    return Spec(func, args, accept=accept or {}, skip=skip or {}, aliases=ALIASES, call=call)


_TARGETS = np.random.default_rng(1).uniform(0, 1, (10, 3))
_Q = np.random.default_rng(2).uniform(-1, 1, 10)
_GAMMA = np.array([1.0, 0.3, -0.2, 0.5, 0.1, 0.7, 0.2])  # length of _R().shape[1] (1 + Q*N) -> 1 + 3*2 = 7
#: reasons for legitimately accepted corruptions
_CPLX = "complex data are supported (conjugate transposes: sesquilinear forms)"
_BATCH = "(M, 1) is a batch of one function: (M,) or (M, n) values are documented"
_CVALS = "complex values of a real interpolant are valid (complex-valued functions; the result is complex)"
_BATCH_ENTRIES = "(M, 1) is a batch of one parameter: (M,) or (M, n) entries are documented"
_OPAQUE = "parameters are opaque here: only theta(mu) must be real (checked); this theta maps complex mu to reals"
_TERMS_NOT_SPD = "affine terms need not be SPD; A(mu) is checked SPD on the training set (Weyl bounds)"


SPECS = {
    # ------------------------------------------------------------------ greedy and evaluation
    "eim.eim_greedy": _s(eim.eim_greedy, S=A("mat", _S, complex_ok=True), norm=A("choice", "sup"),
                         atol=A("pos", None, optional=True), rtol=A("pos", None, optional=True),
                         max_iter=A("size", 5, optional=True), stabilise=A("flag", False),
                         floor_factor=A("pos", 10.0)),
    "eim.eim_greedy_streaming": _s(eim.eim_greedy_streaming,
                                   skip={"n_params=1e6": "the spec's columns() has 8 columns and fails first"},
                                   columns=A("callable", lambda idx: _S[:, idx]),
                                   n_params=A("size", 8), norm=A("choice", "sup"),
                                   atol=A("pos", None, optional=True), max_iter=A("size", 5, optional=True),
                                   batch_size=A("size", 4)),
    "eim.eim_evaluate": _s(eim.eim_evaluate, accept={"values=ndim+1": _BATCH,
                                     "values=complex": _CVALS},
                           result=A("result", make=_greedy), values=A("vec", _S[:4, 0].copy(), tied=True)),
    "eim.eim_evaluate_symmetric": _s(eim.eim_evaluate_symmetric, accept={"values=ndim+1": _BATCH,
                                     "values=complex": _CVALS}, result=A("result", make=_greedy),
                                     values=A("vec", _S[:4, 0].copy(), tied=True)),
    "eim.eim_interpolate_newton": _s(eim.eim_interpolate_newton, accept={"f=ndim+1": _BATCH,
                                     "f=complex": _CVALS}, result=A("result", make=_greedy),
                                     f=A("vec", _S[:, 3].copy(), tied=True)),
    "eim.eim_rectangular": _s(eim.eim_rectangular, result=A("result", make=_greedy),
                              drop_points=A("indices", [1]), drop_params=A("indices", [2]),
                              add_points=A("indices", [5])),
    "eim.eim_rectangular_evaluate": _s(eim.eim_rectangular_evaluate, accept={"values=ndim+1": _BATCH,
                                     "values=complex": _CVALS}, rect=A("result", make=_rect),
                                       values=A("vec", _S[:4, 0].copy(), tied=True)),
    # ------------------------------------------------------------------ matrix EIM and RB
    "eim.matrix_eim": _s(eim.matrix_eim, accept={"train_params=ndim+1": "rows of a 2-D array are vector parameters, passed to assemble", "train_params=complex": "complex parameters (e.g. frequencies) go to assemble; the EIM supports complex entries"}, assemble=A("callable", _mat), train_params=A("vec", np.linspace(0, 1, 6)),
                         symmetric=A("flag", False), norm=A("choice", "sup"), max_iter=A("size", 3, optional=True)),
    "eim.matrix_eim_assemble": _s(eim.matrix_eim_assemble, accept={"beta=complex": _CPLX}, meim=A("result", make=_meim),
                                  beta=A("vec", np.array([1.0, 0.5, 0.25]), tied=True)),
    "eim.matrix_eim_weights": _s(eim.matrix_eim_weights, accept={"entries=ndim+1": _BATCH_ENTRIES, "entries=complex": _CPLX}, meim=A("result", make=_meim),
                                 entries=A("vec", np.array([2.5, 2.4, 2.6]), tied=True)),
    "eim.matrix_eim_reduce": _s(eim.matrix_eim_reduce, accept={"V=complex": _CPLX, "W=complex": _CPLX}, meim=A("result", make=_meim),
                                V=A("mat", np.eye(6)[:, :2].copy(), tied=True), W=A("mat", None, optional=True, sample=np.eye(6)[:, :2].copy())),
    "eim.matrix_eim_reduced_operator": _s(eim.matrix_eim_reduced_operator, accept={"beta=complex": _CPLX, "reduced=complex": _CPLX},
                                          reduced=A("mat", np.ones((3, 2, 2)), tied=True),
                                          beta=A("vec", np.array([1.0, 0.5, 0.25]), tied=True)),
    "eim.rb_greedy": _s(eim.rb_greedy, accept={"snapshots=complex": _CPLX}, snapshots=A("mat", _S), tol=A("pos", None, optional=True),
                        max_basis=A("size", 3, optional=True), inner=A("spd", None, optional=True, sample=np.eye(12))),
    "eim.nonintrusive_rb": _s(eim.nonintrusive_rb, accept={"train_params=ndim+1": "rows of a 2-D array are vector parameters, passed to assemble and rhs", "train_params=complex": "complex parameters (e.g. frequencies) go to assemble and rhs; complex problems are supported"}, assemble=A("callable", _mat),
                              rhs=A("callable", lambda mu: np.ones(6) * (1 + mu)),
                              train_params=A("vec", np.linspace(0.0, 1.0, 6)), n_basis=A("size", 2, optional=True)),
    "eim.nonintrusive_rb_solve": _s(eim.nonintrusive_rb_solve, accept={"entries=complex": _CPLX, "rhs_values=complex": _CPLX}, model=A("result", make=_nirb),
                                    entries=A("vec", make=lambda: np.ones(len(_nirb().operator.rows)) * 2.5, tied=True),
                                    rhs_values=A("vec", make=lambda: np.ones(len(_nirb().rhs.points)), tied=True)),
    # ------------------------------------------------------------------ matrix powers, dual norms
    "eim.monomial_exponents": _s(eim.monomial_exponents, Q=A("size", 2), K=A("size", 3, min=0)),
    "eim.affine_limit_eim": _s(eim.affine_limit_eim, accept={"train_params=complex": _OPAQUE}, theta=A("callable", lambda m: np.asarray(m, dtype=float)),
                               train_params=A("mat", np.array(_P2)), degree=A("size", 2, min=0),
                               tol=A("pos", None, optional=True)),
    "eim.affine_limit_weights": _s(eim.affine_limit_weights, model=A("result", make=_affine),
                                   theta_mu=A("vec", np.array([0.3, 0.6]), tied=True)),
    "eim.logdet_eim": _s(eim.logdet_eim, accept={"A_terms=0.indefinite": _TERMS_NOT_SPD, "train_params=complex": _OPAQUE}, A0=A("spd", _A0), A_terms=A("factors", _TERMS),
                         theta=A("callable", lambda m: np.asarray(m, dtype=float)), train_params=A("mat", np.array(_P2)),
                         degree=A("size", 2, min=0)),
    "eim.inverse_eim": _s(eim.inverse_eim, accept={"A_terms=0.indefinite": _TERMS_NOT_SPD, "train_params=complex": _OPAQUE}, A0=A("spd", _A0), A_terms=A("factors", _TERMS),
                          theta=A("callable", lambda m: np.asarray(m, dtype=float)),
                          train_params=A("mat", np.array(_P2)), b=A("vec", np.ones(5), tied=True), degree=A("size", 2, min=0)),
    "eim.affine_residual_terms": _s(eim.affine_residual_terms, accept={"A_terms=0.complex": _CPLX, "A_terms=0.indefinite": "affine terms need not be SPD (Helmholtz: K - k^2 M); only A(mu) matters", "A_terms=0.nonsym": "affine terms of a non-symmetric operator are valid (Petrov-Galerkin residuals)", "f_terms=0.complex": _CPLX, "V=complex": _CPLX}, A_terms=A("factors", [_A0] + _TERMS),
                                    f_terms=A("grid", [np.ones(5)]), V=A("mat", make=_rb_parts, tied=True)),
    "eim.residual_coefficients": _s(eim.residual_coefficients, accept={"theta_a=complex": _CPLX, "theta_f=complex": _CPLX, "uN=complex": _CPLX}, theta_a=A("vec", np.array([1.0, 0.3, 0.6])),
                                    theta_f=A("vec", np.array([1.0])), uN=A("vec", np.array([0.5, -0.2]))),
    "eim.dual_norm_classical_offline": _s(eim.dual_norm_classical_offline, accept={"R_terms=complex": _CPLX}, R_terms=A("mat", make=_R, tied=True),
                                          X=A("spd", _A0)),
    "eim.dual_norm_classical": _s(eim.dual_norm_classical, accept={"gamma=complex": _CPLX},
                                  G=A("spd", make=lambda: eim.dual_norm_classical_offline(_R(), _A0), tied=True),
                                  gamma=A("vec", _GAMMA, tied=True)),
    "eim.dual_norm_eim_offline": _s(eim.dual_norm_eim_offline, accept={"R_terms=complex": _CPLX}, R_terms=A("mat", make=_R, tied=True), X=A("spd", _A0),
                                    norm=A("choice", "sup"), rtol=A("pos", None, optional=True),
                                    floor_factor=A("pos", 1000.0)),
    "eim.dual_norm_eim": _s(eim.dual_norm_eim, accept={"gamma=complex": _CPLX}, model=A("result", make=_dual), gamma=A("vec", _GAMMA, tied=True)),
    # ------------------------------------------------------------------ EIFMM
    "eim.direct_sum": _s(eim.direct_sum, targets=A("mat", _TARGETS), sources=A("mat", _TARGETS, tied=True),
                         charges=A("vec", _Q, tied=True), kernel=A("choice", "laplace"), kernel_param=A("pos", 1.0),
                         block=A("size", 2048)),
    "eim.eifmm": _s(eim.eifmm, targets=A("mat", _TARGETS), sources=A("mat", _TARGETS, tied=True),
                    charges=A("vec", _Q, tied=True), kernel=A("choice", "laplace"), tol=A("pos", 1e-3),
                    kernel_param=A("pos", 1.0), depth=A("size", 2, optional=True, min=2), n_cell=A("size", 3),
                    n_far=A("size", 2)),
    "eim.far_field_eim": _s(eim.far_field_eim, name=A("choice", "laplace"), h=A("pos", 0.25), tol_abs=A("pos", 1e-3),
                            param=A("pos", 1.0), n_cell=A("size", 3), n_far=A("size", 2),
                            max_rank=A("size", 8, optional=True)),
}
