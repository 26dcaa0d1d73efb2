"""Regression tests for the round-2 bad-input fixes of the host-side EIM drivers (issue 9).

Each row is a defect the project-wide fuzz found: the call must now fail early with a
ValueError/TypeError whose message names the argument (or, for overflow-prone formulas, return a
finite value computed in a scaled form). The last tests check that the host functions return in
the caller's array library (torch in, torch out).
"""

import numpy as np
import pytest

from refimpl import eim

_x = np.linspace(0.0, 1.0, 12)
_mu = np.linspace(1.0, 3.0, 8)
_S = 1.0 / (1.0 + _mu[None, :] * _x[:, None])
_A0 = 4.0 * np.eye(5) - np.eye(5, k=1) - np.eye(5, k=-1)
_TERMS = [np.diag([1.0, 1.0, 0.0, 0.0, 0.0]), np.diag([0.0, 0.0, 1.0, 1.0, 1.0])]
_P2 = np.array([[a, b] for a in (0.0, 0.5, 1.0) for b in (0.0, 0.5, 1.0)])
_theta = lambda m: np.asarray(m, dtype=float)  # noqa: E731
_V = np.linalg.qr(np.random.default_rng(0).standard_normal((5, 2)))[0]


def _mat(mu):
    n = 6
    return (2.0 + mu) * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1) + np.diag(np.sin(mu * np.arange(n)) * 0.1)


def _rhs(mu):
    return np.ones(6) * (1 + mu)


_TRAIN = np.linspace(0.0, 1.0, 6)
_R = eim.affine_residual_terms([_A0] + _TERMS, [np.ones(5)], _V)
_G = eim.dual_norm_classical_offline(_R, _A0)
_GAMMA = np.array([1.0, 0.3, -0.2, 0.5, 0.1, 0.7, 0.2])
_nonsym = _A0.copy()
_nonsym[0, -1] += 1.0

CASES = [
    # (call, exception, fragment of the message)
    (lambda: eim.matrix_eim(None, _TRAIN), TypeError, "assemble must be callable"),
    (lambda: eim.matrix_eim(lambda mu: None, _TRAIN), TypeError, r"assemble\(train_params\[0\]\)"),
    (lambda: eim.matrix_eim(_mat, None), TypeError, "train_params must be a sequence"),
    (lambda: eim.matrix_eim(_mat, np.float64(0.5)), TypeError, "train_params"),
    (lambda: eim.matrix_eim(_mat, np.full(6, "a")), TypeError, "train_params must hold numeric"),
    (lambda: eim.matrix_eim(_mat, np.r_[np.nan, _TRAIN]), ValueError, "train_params must contain only finite"),
    (lambda: eim.matrix_eim(_mat, _TRAIN, symmetric="yes"), TypeError, "symmetric must be True or False"),
    (lambda: eim.nonintrusive_rb(_mat, lambda mu: None, _TRAIN), TypeError, r"rhs\(train_params\[0\]\)"),
    (lambda: eim.nonintrusive_rb(lambda mu: None, _rhs, _TRAIN), TypeError, r"assemble\(train_params\[0\]\)"),
    (lambda: eim.nonintrusive_rb(_mat, _rhs, object()), TypeError, "train_params"),
    (lambda: eim.affine_limit_eim(_theta, None, degree=2), TypeError, "train_params"),
    (lambda: eim.affine_limit_eim(_theta, _P2[..., None], degree=2), ValueError, r"theta\(train_params\[0\]\)"),
    (lambda: eim.affine_limit_eim(_theta, _P2 * 1e300, degree=2), ValueError, r"theta\(train_params\)"),
    (lambda: eim.affine_limit_eim(_theta, _P2, degree=10**6), ValueError, "degree must keep"),
    (lambda: eim.logdet_eim(_A0, None, _theta, _P2, degree=2), TypeError, "A_terms must be a list"),
    (lambda: eim.logdet_eim(-_A0, _TERMS, _theta, _P2, degree=2), ValueError, "A0"),
    (lambda: eim.inverse_eim(_A0, _TERMS, _theta, _P2[:, 0], np.ones(5), degree=2), ValueError, "train_params"),
    (lambda: eim.rb_greedy(_S, tol="a"), TypeError, "tol must be a real number"),
    (lambda: eim.rb_greedy(_S, tol=0.0), ValueError, "tol must be a finite positive"),
    (lambda: eim.rb_greedy(_S, inner=np.eye(12)[:, :-1]), ValueError, r"inner must have shape \(12, 12\)"),
    (lambda: eim.rb_greedy(_S, inner=-np.eye(12)), ValueError, "inner must be positive definite"),
    (lambda: eim.rb_greedy(_S, inner=np.eye(12) + np.eye(12, k=3)), ValueError, "inner must be symmetric"),
    (lambda: eim.affine_residual_terms(None, [np.ones(5)], _V), TypeError, "A_terms must be a list"),
    (lambda: eim.affine_residual_terms([_A0], [], _V), ValueError, "f_terms must hold at least one"),
    (lambda: eim.affine_residual_terms([_A0], [np.ones((5, 1))], _V), ValueError, r"f_terms\[0\] must be a 1-D"),
    (lambda: eim.residual_coefficients([1.0, np.nan], [1.0], [0.5, 0.2]), ValueError, "theta_a"),
    (lambda: eim.residual_coefficients([1.0], None, [0.5]), TypeError, "theta_f"),
    (lambda: eim.residual_coefficients([1.0], [1.0], "ab"), TypeError, "uN"),
    (lambda: eim.dual_norm_classical(_G + np.eye(7, k=1), _GAMMA), ValueError,
     "G must be symmetric"),
    (lambda: eim.dual_norm_classical(_G - 10 * np.eye(7), _GAMMA), ValueError, "G must be positive semi-definite"),
    (lambda: eim.dual_norm_classical(_G, _GAMMA * 1e300), ValueError, "overflows"),
    (lambda: eim.dual_norm_classical(_G, _GAMMA[:, None]), ValueError, "gamma must be a 1-D"),
    (lambda: eim.dual_norm_classical_offline(_R * 1e300, _A0), ValueError, "R_terms is too large"),
    (lambda: eim.dual_norm_classical_offline(_R, _nonsym), ValueError, "X must be symmetric"),
    (lambda: eim.dual_norm_eim_offline(_R, _nonsym), ValueError, "X must be symmetric"),
    (lambda: eim.eifmm(np.random.default_rng(1).uniform(0, 1, (10, 3)) * 1e300,
                       np.random.default_rng(1).uniform(0, 1, (10, 3)), np.ones(10), tol=1e-3, depth=2, n_cell=3,
                       n_far=2), ValueError, "targets and sources must fit"),
    (lambda: eim.eim_rectangular(eim.eim_greedy(_S, max_iter=4), drop_points=[[1]]), ValueError, "drop_points"),
]


@pytest.mark.parametrize("call, exc, match", CASES, ids=[f"case{k}" for k in range(len(CASES))])
def test_bad_input_is_rejected_by_name(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_overflow_prone_formulas_use_scaled_forms():
    # rb_greedy on huge snapshots: the relative errors and the basis are scale invariant
    V1, sel1, err1 = eim.rb_greedy(_S, max_basis=3)
    V2, sel2, err2 = eim.rb_greedy(_S * 1e300, max_basis=3)
    assert np.array_equal(sel1, sel2) and np.allclose(err1, err2) and np.allclose(V1, V2)
    # the EIM dual norm of huge coefficients is finite and homogeneous
    model = eim.dual_norm_eim_offline(_R, _A0)
    small = eim.dual_norm_eim(model, _GAMMA)
    assert np.isfinite(eim.dual_norm_eim(model, _GAMMA * 1e300))
    assert eim.dual_norm_eim(model, _GAMMA * 1e300) == pytest.approx(small * 1e300, rel=1e-12)


def test_matrix_eim_callback_stops_the_greedy():
    seen = []

    def watch(state):
        seen.append(state.iteration)
        return state.iteration >= 1

    meim = eim.matrix_eim(_mat, _TRAIN, atol=1e-14, callback=watch)
    assert meim.status.name == "CALLBACK" and seen == [1] and len(meim.params) == 1


def test_host_functions_return_in_the_callers_library():
    torch = pytest.importorskip("torch")
    t = torch.tensor
    meim = eim.matrix_eim(_mat, list(_TRAIN), max_iter=3)
    M = len(meim.params)
    assert isinstance(eim.matrix_eim_assemble(meim, t(np.ones(M))), torch.Tensor)
    assert isinstance(eim.matrix_eim_reduce(meim, t(np.eye(6)[:, :2])), torch.Tensor)
    out = eim.rb_greedy(t(_S), max_basis=3)
    assert all(isinstance(o, torch.Tensor) for o in out)
    np.testing.assert_allclose(out[0].numpy(), eim.rb_greedy(_S, max_basis=3)[0])
    R = eim.affine_residual_terms([_A0] + _TERMS, [np.ones(5)], t(_V))
    assert isinstance(R, torch.Tensor)
    np.testing.assert_allclose(R.numpy(), _R)
    assert isinstance(eim.residual_coefficients(t([1.0, 0.3, 0.6]), t([1.0]), t([0.5, -0.2])), torch.Tensor)
    G = eim.dual_norm_classical_offline(t(_R), _A0)
    assert isinstance(G, torch.Tensor)
    norm, sq = eim.dual_norm_classical(G, t(_GAMMA))
    assert norm == pytest.approx(eim.dual_norm_classical(_G, _GAMMA)[0], rel=1e-12)
