"""Tests of the discrete EIM core (refimpl.eim.greedy): identities, brute force, backends, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.eim import (
    EIMStatus,
    eim_evaluate,
    eim_evaluate_symmetric,
    eim_greedy,
    eim_greedy_streaming,
    eim_interpolate_newton,
)
from refimpl.backends import to_numpy
from refimpl.testing import assert_backend_agrees


def grepl_snapshots(n_x: int = 20, n_mu: int = 10) -> np.ndarray:
    """Grepl-Maday-Nguyen-Patera 2007 function on [0,1]^2 x [-1,-0.01]^2."""
    x = np.linspace(0, 1, n_x)
    X = np.stack(np.meshgrid(x, x, indexing="ij"), -1).reshape(-1, 2)
    m = np.linspace(-1, -0.01, n_mu)
    P = np.stack(np.meshgrid(m, m, indexing="ij"), -1).reshape(-1, 2)
    return 1.0 / np.sqrt(((X[:, None, :] - P[None, :, :]) ** 2).sum(-1))


def shifted_snapshots(n_x=200, n_y=150):
    """f(x, y) = ((x - y - 2)^2 + 0.3)^(-1/2), the identity example of claim A-1."""
    x = np.linspace(0, 1, n_x)
    y = np.linspace(0, 1, n_y)
    return ((x[:, None] - y[None, :] - 2.0) ** 2 + 0.3) ** -0.5


def brute_force_greedy(S, M, norm="sup", w=None):
    """Independent EIM: residual by a dense cross-approximation solve, no rank-one updates."""
    I, J, errs = [], [], []
    for _ in range(M + 1):
        if I:
            F = S[np.ix_(I, J)]
            R = S - S[:, J] @ np.linalg.solve(F, S[I, :])
        else:
            R = S.copy()
        if norm == "sup":
            e = np.abs(R).max(axis=0)
        elif norm == "l2":
            e = np.sqrt((np.abs(R) ** 2).sum(axis=0))
        else:
            e = np.sqrt((w[:, None] * np.abs(R) ** 2).sum(axis=0))
        j = int(np.argmax(e))
        errs.append(e[j])
        if len(I) == M:
            break
        I.append(int(np.argmax(np.abs(R[:, j]))))
        J.append(j)
    return np.array(I), np.array(J), np.array(errs)


NORMS = ["sup", "l2", "weighted"]


def _norm_arg(norm, n_x):
    return np.linspace(0.5, 2.0, n_x) if norm == "weighted" else norm


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("complex_data", [False, True])
def test_identities_three_forms(norm, complex_data):
    # claim A-1: triangular, symmetric and residual forms agree; interpolation at I and J
    S = shifted_snapshots()
    if complex_data:
        S = S * np.exp(1j * np.linspace(0, 3, S.shape[0]))[:, None]
    res = eim_greedy(S, norm=_norm_arg(norm, S.shape[0]), max_iter=8)
    assert res.n_iter == 8
    I, J = res.points, res.params
    vals = S[I, :]
    tri = eim_evaluate(res, vals)
    sym = eim_evaluate_symmetric(res, vals)
    newton = eim_interpolate_newton(res, S)
    scale = np.abs(S).max()
    assert np.abs(tri - sym).max() <= 1e-12 * scale
    assert np.abs(tri - newton).max() <= 1e-12 * scale
    # interpolation at I for every y (Eq. (3a)) and at J for every x (Eq. (3b))
    assert np.abs(tri[I, :] - S[I, :]).max() <= 1e-12 * scale
    assert np.abs(tri[:, J] - S[:, J]).max() <= 1e-12 * scale
    B = res.interp_matrix
    assert np.array_equal(np.diag(B), np.ones(8))
    assert np.abs(np.triu(B, 1)).max() <= 1e-13
    assert np.abs(res.basis).max() <= 1.0 + 1e-14  # max-abs point step
    # Q = S[:, J] T with T upper triangular
    T = res.coefficients
    assert np.abs(np.tril(T, -1)).max() == 0.0
    # forming S_J T costs eps * |S_J| |T| (|T| ~ 1/|last pivot|): a relative check
    bound = 1e-14 * np.abs(S[:, J]).sum(1).max() * np.abs(T).sum(0).max()
    assert np.abs(res.basis - S[:, J] @ T).max() <= bound
    assert np.allclose(np.diag(res.upper), res.pivots)
    assert res.errors.shape == (9,)


@pytest.mark.parametrize("norm", NORMS)
def test_matches_brute_force(norm):
    S = grepl_snapshots(12, 8)
    w = np.linspace(0.5, 2.0, S.shape[0])
    res = eim_greedy(S, norm=_norm_arg(norm, S.shape[0]), max_iter=12)
    I, J, errs = brute_force_greedy(S, 12, norm, w)
    np.testing.assert_array_equal(res.points, I)
    np.testing.assert_array_equal(res.params, J)
    np.testing.assert_allclose(res.errors, errs, rtol=1e-7, atol=1e-12 * errs[0])


def test_sup_norm_is_complete_pivoting_and_singular_value_bound():
    # paper A Eqs. (1a)/(1b): with the sup norm (i_k, j_k) is the global max-abs entry of R^(k-1), and
    # eps_k >= sigma_{k+1}(S) / sqrt(N_x N_y)
    S = grepl_snapshots(10, 8)
    res = eim_greedy(S, max_iter=15)
    R = S.copy()
    for k, (i, j) in enumerate(zip(res.points, res.params)):
        a, c = np.unravel_index(np.argmax(np.abs(R)), R.shape)
        assert (a, c) == (i, j)
        assert res.errors[k] == pytest.approx(np.abs(R).max(), rel=1e-12)
        R = R - np.outer(R[:, c] / R[a, c], R[a, :])
    sv = np.linalg.svd(S, compute_uv=False)
    assert np.all(res.errors[:15] >= sv[1:16] / np.sqrt(S.size) * (1 - 1e-10))


def test_status_and_stopping():
    S = grepl_snapshots(12, 8)
    r = eim_greedy(S, atol=1e-6)
    assert r.status is EIMStatus.CONVERGED and r.success
    assert r.errors[-1] <= 1e-6 < r.errors[-2]
    r = eim_greedy(S, rtol=1e-4)
    assert r.status is EIMStatus.CONVERGED and r.errors[-1] <= 1e-4 * r.errors[0]
    r = eim_greedy(S, atol=1e-14, max_iter=3)
    assert r.status is EIMStatus.MAX_ITER and not r.success and r.n_iter == 3
    r = eim_greedy(S, max_iter=3)
    assert r.status is EIMStatus.COMPLETED and r.success
    # rank-deficient snapshots: the greedy stops at the rank (zero pivot or exhausted)
    rng = np.random.default_rng(1)
    low = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 25))
    r = eim_greedy(low)
    assert r.n_iter == 3
    assert r.status in (EIMStatus.ZERO_PIVOT, EIMStatus.EXHAUSTED, EIMStatus.REPEATED_POINT)
    # exactly representable: identical columns -> residual exactly zero after one step
    r = eim_greedy(np.ones((5, 4)))
    assert r.n_iter == 1 and r.status is EIMStatus.EXHAUSTED and r.errors[-1] == 0.0


def test_streaming_matches_in_memory():
    S = grepl_snapshots(15, 10)
    calls = []

    def columns(idx):
        calls.append(len(idx))
        return S[:, idx]

    for norm in ("sup", "l2"):
        a = eim_greedy(S, norm=norm, atol=1e-7)
        b = eim_greedy_streaming(columns, S.shape[1], norm=norm, atol=1e-7, batch_size=17)
        np.testing.assert_array_equal(a.points, b.points)
        np.testing.assert_array_equal(a.params, b.params)
        np.testing.assert_allclose(a.errors, b.errors, rtol=1e-6, atol=1e-13 * a.errors[0])
        # the interpolation form carries round-off / pivot in B's upper part (paper F): 1e-7
        np.testing.assert_allclose(a.basis, b.basis, atol=1e-7)
        np.testing.assert_allclose(a.upper, b.upper, rtol=1e-7, atol=1e-10)
    assert max(calls) <= 17


def test_stabilised_streaming_reduces_triangularity_error():
    # paper F diagnosis: the interpolation-form greedy loses the zeros of B's upper
    # part once pivots are small; re-interpolation restores them
    x = np.linspace(0, 1, 300)
    mu = np.linspace(1, 2, 120)
    S = np.exp(-np.outer(x, mu))  # singular values decay to round-off
    plain = eim_greedy_streaming(lambda idx: S[:, idx], S.shape[1], pivot_tol=1e-300)
    stab = eim_greedy_streaming(lambda idx: S[:, idx], S.shape[1], stabilise=True)
    assert stab.status is EIMStatus.ROUNDOFF_FLOOR or stab.status is EIMStatus.ZERO_PIVOT
    assert stab.triangularity_errors.max() <= 1e-13
    assert plain.triangularity_errors.max() >= 1e3 * max(stab.triangularity_errors.max(), 1e-16)
    # the Schur-complement core keeps B exactly triangular
    assert eim_greedy(S).triangularity_errors.max() == 0.0


def test_pymor_cross_check():
    pytest.importorskip("pymor", reason="pyMOR not installed: pip install 'refimpl[peers]'")
    from pymor.algorithms.ei import ei_greedy
    from pymor.vectorarrays.numpy import NumpyVectorSpace

    x = np.linspace(0, 1, 500)
    m1, m2 = np.meshgrid(np.linspace(-1, -0.01, 10), np.linspace(0.01, 1, 10), indexing="ij")
    S = 1 / np.sqrt((x[:, None] - m1.ravel()[None, :]) ** 2 + m2.ravel()[None, :] ** 2)
    dofs, _, data = ei_greedy(NumpyVectorSpace.from_numpy(S), error_norm="sup", atol=1e-8)
    res = eim_greedy(S, atol=1e-8)
    np.testing.assert_array_equal(res.points, np.asarray(dofs))
    n = len(data["errors"])
    # the residual carries absolute round-off ~ eps * max|S| (pyMOR scales by a reciprocal, we
    # divide): 1e-10 relative per entry where eps_k >= 1e-5 eps_0, 1e-14 eps_0 absolute throughout
    e_ref = np.asarray(data["errors"])
    big = e_ref >= 1e-5 * e_ref[0]
    np.testing.assert_allclose(res.errors[:n][big], e_ref[big], rtol=1e-10)
    np.testing.assert_allclose(res.errors[:n], e_ref, rtol=0, atol=1e-14 * e_ref[0])


# --------------------------------------------------------------------------------------------
# backend agreement
# --------------------------------------------------------------------------------------------


@st.composite
def snapshot_problems(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    n_x = draw(st.integers(8, 40))
    n_y = draw(st.integers(6, 30))
    rank = draw(st.integers(2, 6))
    norm = draw(st.sampled_from(["sup", "l2", "weighted"]))
    cplx = draw(st.booleans())
    rng = np.random.default_rng(seed)
    decay = np.logspace(0, -6, rank)  # controlled conditioning: cond(F) <~ 1e6
    S = (rng.standard_normal((n_x, rank)) * decay) @ rng.standard_normal((rank, n_y))
    if cplx:
        S = S + 1j * (rng.standard_normal((n_x, rank)) * decay) @ rng.standard_normal((rank, n_y))
    return S, norm


@settings(max_examples=15)
@given(problem=snapshot_problems())
def test_backend_agreement(backend, problem):
    # tolerance: complete-pivoting elimination with |Q| <= 1 has element growth <= 2^M; with
    # M <= 6 and the same operations on every backend, 1e-9 relative is a generous bound
    S, norm = problem
    w = _norm_arg(norm, S.shape[0])
    with use_backend("numpy"):
        ref = eim_greedy(S, norm=w, atol=1e-9 * np.abs(S).max())
        ref_eval = eim_evaluate(ref, S[ref.points])
    Sb = backend.asarray(S)
    res = eim_greedy(Sb, norm=w, atol=1e-9 * np.abs(S).max())
    np.testing.assert_array_equal(res.points, ref.points)
    np.testing.assert_array_equal(res.params, ref.params)
    np.testing.assert_allclose(res.errors, ref.errors, rtol=1e-9, atol=1e-13 * ref.errors[0])
    # q_k = residual / pi_k: a last-bit difference (complex division differs between NumPy and
    # Numba) in the residual is amplified by max|S| / |pi_k|, so the basis gets atol ~ eps * that
    scale = np.abs(S).max()
    amp = scale / np.abs(ref.pivots).min()
    assert_backend_agrees(res.basis, ref.basis, rtol=1e-9, atol=1e-14 * amp, like=Sb)
    vals = backend.asarray(S[ref.points])
    assert_backend_agrees(eim_evaluate(res, vals), ref_eval, rtol=1e-9, atol=1e-14 * amp * scale, like=vals)
    assert_backend_agrees(eim_evaluate_symmetric(res, vals), ref_eval, rtol=1e-7, atol=1e-13 * amp * scale,
                          like=vals)


def test_numba_twin_matches_reference_bitwise():
    pytest.importorskip("numba")
    from refimpl.backends import get_kernel
    from refimpl.eim.greedy import greedy_step

    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.complex128):
        R = rng.standard_normal((25, 17)).astype(dtype)
        if dtype == np.complex128:
            R = R + 1j * rng.standard_normal((25, 17))
        w = rng.uniform(0.5, 2.0, 25)
        for code in (0, 1, 2):
            ref = greedy_step.reference(R.copy(), 4, 7, code, w)
            twin = get_kernel("eim.greedy_step", "numba")(R.copy(), 4, 7, code, w)
            # real data: bitwise (same operations, no contraction); complex multiplication and
            # division are implemented differently by NumPy and LLVM: last-bit differences
            exact = dtype == np.float64
            for a, b in zip(twin[:3], ref[:3]):
                if exact:
                    np.testing.assert_array_equal(a, b)
                else:
                    np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-14)
            tol = 0.0 if (code == 0 and exact) else 1e-14
            np.testing.assert_allclose(twin[3], ref[3], rtol=tol, atol=0 if tol == 0 else 1e-14 * ref[3].max())


@pytest.mark.parametrize("block", [None, 64])
@pytest.mark.parametrize("shape", [(25, 17), (2000, 40), (3, 40000), (1, 1)])
def test_numpy_twin_matches_reference_bitwise(shape, block, monkeypatch):
    # the blocked twin runs the reference's operations: bit for bit, every norm, real and complex;
    # block=64 entries forces many blocks (and a ragged last one) on every shape
    from refimpl.backends import get_kernel
    from refimpl.eim.greedy import greedy_step

    if block is not None:
        import refimpl.backends.numpy.eim as numpy_eim

        monkeypatch.setattr(numpy_eim, "_BLOCK_ENTRIES", block)

    twin_step = get_kernel("eim.greedy_step", "numpy")
    assert twin_step is not greedy_step.reference
    rng = np.random.default_rng(5)
    n_x, n_y = shape
    for dtype in (np.float64, np.complex128):
        R = rng.standard_normal(shape).astype(dtype)
        if dtype == np.complex128:
            R = R + 1j * rng.standard_normal(shape)
        w = rng.uniform(0.5, 2.0, n_x)
        i, j = n_x // 2, n_y // 3
        for code in (0, 1, 2):
            ref = greedy_step.reference(R.copy(), i, j, code, w)
            twin = twin_step(R.copy(), i, j, code, w)
            for a, b in zip(twin, ref):
                np.testing.assert_array_equal(a, b)
                # bit for bit, except possibly the sign of a zero (the real update's products come
                # from BLAS ger into a zeroed buffer: 0 + (-0) = +0)
                a, b = np.asarray(a), np.asarray(b)
                differ = a.view(np.uint8).reshape(a.shape + (-1,)) != b.view(np.uint8).reshape(b.shape + (-1,))
                assert np.all((b == 0)[differ.any(axis=-1)])


def test_numpy_twin_greedy_agrees_with_reference_ties_included():
    from refimpl.backends import _kernels

    key = ("eim.greedy_step", "numpy")
    _kernels.get_kernel(*key)
    twin = _kernels._TWINS[key]
    x = np.linspace(0, 1, 120)
    problems = [
        shifted_snapshots(60, 40),
        np.hstack([shifted_snapshots(60, 20)] * 2),  # every column twice: exact column ties
        np.exp(2j * np.pi * np.outer(x, np.arange(1, 9))),  # plane waves: |S| = 1 everywhere
        np.array([[1.0, 3.0, 3.0], [-3.0, 1.0, 1.0], [0.5, 0.5, 0.5]]),
    ]
    for S in problems:
        with_twin = eim_greedy(S, atol=1e-9 * np.abs(S).max())
        del _kernels._TWINS[key]
        try:
            ref = eim_greedy(S, atol=1e-9 * np.abs(S).max())
        finally:
            _kernels._TWINS[key] = twin
        np.testing.assert_array_equal(with_twin.points, ref.points)
        np.testing.assert_array_equal(with_twin.params, ref.params)
        np.testing.assert_array_equal(with_twin.errors, ref.errors)


def test_ties_take_first_index(backend):
    # two identical columns and two rows of equal modulus: the first index wins on every backend
    S = np.array([[1.0, 3.0, 3.0], [-3.0, 1.0, 1.0], [0.5, 0.5, 0.5]])
    res = eim_greedy(backend.asarray(S), max_iter=1)
    assert res.params[0] == 0 and res.points[0] == 1  # |−3| at (1, 0) comes before (0, 1) column-wise
    S2 = np.array([[2.0, -2.0], [2.0, 1.0]])
    res = eim_greedy(backend.asarray(S2), max_iter=1)
    assert (res.params[0], res.points[0]) == (0, 0)


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "S, kwargs, exc, match",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0]]), {}, ValueError, "finite"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), {}, ValueError, "finite"),
        (np.zeros((0, 3)), {}, ValueError, "at least"),
        (np.ones(4), {}, ValueError, "2-D"),
        (np.eye(3), {"atol": 0.0}, ValueError, "atol"),
        (np.eye(3), {"atol": -1.0}, ValueError, "atol"),
        (np.eye(3), {"rtol": 0.0}, ValueError, "rtol"),
        (np.eye(3), {"rtol": 90}, ValueError, r"rtol must be in \(0, 1\)"),  # issue 10 item 9
        (np.eye(3), {"rtol": 1.0}, ValueError, "rtol"),
        (np.eye(3), {"callback": 3}, TypeError, "callback"),
        (np.eye(3), {"stabilise": "yes"}, TypeError, "stabilise"),
        (np.eye(3), {"floor_factor": 0}, ValueError, "floor_factor"),
        ([[1.0, 2.0], [3.0, 5.0]], {"max_iter": 0}, ValueError, "max_iter"),  # plain lists accepted
        (np.eye(3), {"max_iter": 0}, ValueError, "max_iter"),
        (np.eye(3), {"norm": "frobenius"}, ValueError, "norm"),
        (np.eye(3), {"norm": np.array([1.0, -1.0, 1.0])}, ValueError, "positive"),
        (np.eye(3), {"norm": np.ones(4)}, ValueError, "shape"),
        (np.array([["a", "b"]]), {}, TypeError, "numeric"),
        (np.zeros((4, 3)), {}, ValueError, "identically zero"),
    ],
)
def test_bad_input(S, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        eim_greedy(S, **kwargs)


def test_plain_lists_accepted():
    res = eim_greedy([[1.0, 2.0], [3.0, 5.0]])
    assert res.n_iter == 2
    vals = [[1.0, 3.0][i] for i in res.points]  # column 0 at the selected points, as a list
    np.testing.assert_allclose(eim_evaluate(res, vals), [1.0, 3.0])


def test_callback_stops_and_sees_the_state():
    S = shifted_snapshots(30, 20)
    seen = []

    def cb(state):
        seen.append((state.iteration, state.point, state.param, state.error))
        return state.iteration == 3

    r = eim_greedy(S, callback=cb)
    assert r.status is EIMStatus.CALLBACK and r.success and r.n_iter == 3 and len(r.errors) == 4
    assert [s[0] for s in seen] == [1, 2, 3] and [s[1] for s in seen] == list(r.points)
    ref = eim_greedy(S, max_iter=3)
    np.testing.assert_array_equal(r.errors, ref.errors)
    rs = eim_greedy_streaming(lambda idx: S[:, idx], S.shape[1], callback=cb)
    assert rs.status is EIMStatus.CALLBACK and rs.n_iter == 3 and len(rs.errors) == 4


def test_results_of_the_wrong_type_are_rejected():
    for f in (eim_evaluate, eim_evaluate_symmetric, eim_interpolate_newton):
        with pytest.raises(TypeError, match="result must be a EIMResult"):
            f(None, np.ones(3))


def test_pivots_are_read_before_the_in_place_update(backend):
    # issue 9 item 1: on torch R[i, j] is a view; read after the update it was 0 for every pivot
    S = shifted_snapshots(40, 30)
    ref = eim_greedy(S, max_iter=6)
    res = eim_greedy(backend.asarray(S), max_iter=6)
    assert np.all(np.abs(res.pivots) > 0)
    np.testing.assert_allclose(res.pivots, ref.pivots, rtol=1e-12)
    np.testing.assert_allclose(np.diag(to_numpy(res.upper)), ref.pivots, rtol=1e-9, atol=1e-14 * np.abs(S).max())
    rs = eim_greedy_streaming(lambda idx: backend.asarray(S[:, idx]), S.shape[1], max_iter=6)
    np.testing.assert_allclose(rs.pivots, ref.pivots, rtol=1e-6, atol=1e-14 * np.abs(S).max())


def test_bad_evaluate_values():
    res = eim_greedy(shifted_snapshots(30, 20), max_iter=4)
    with pytest.raises(ValueError, match="one value per selected point"):
        eim_evaluate(res, np.ones(5))
    with pytest.raises(ValueError, match="finite"):
        eim_evaluate(res, np.array([1.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match="values must contain only finite values"):
        eim_evaluate_symmetric(res, np.array([1.0, 0.0, np.inf, 0.0]))
    with pytest.raises(ValueError, match="one value per selected point"):
        eim_evaluate_symmetric(res, np.ones((3, 2)))
    with pytest.raises(ValueError, match="f must have shape"):
        eim_interpolate_newton(res, np.ones(7))
    with pytest.raises(ValueError, match="columns"):
        eim_greedy_streaming(lambda idx: np.ones((5, len(idx) + 1)), 10)


@settings(max_examples=10)
@given(problem=snapshot_problems(), batch=st.integers(1, 9))
def test_streaming_backend_agreement(backend, problem, batch):
    # same greedy from columns generated on the backend; interpolation-form round-off is
    # amplified by max|S| / |pi_k| as in test_backend_agreement
    S, norm = problem
    w = _norm_arg(norm, S.shape[0])
    tol = 1e-6 * np.abs(S).max()
    with use_backend("numpy"):
        ref = eim_greedy_streaming(lambda idx: S[:, idx], S.shape[1], norm=w, atol=tol, batch_size=batch)
    Sb = backend.asarray(S)
    res = eim_greedy_streaming(lambda idx: backend.asarray(S[:, idx]), S.shape[1], norm=w, atol=tol,
                               batch_size=batch)
    np.testing.assert_array_equal(res.points, ref.points)
    np.testing.assert_array_equal(res.params, ref.params)
    amp = np.abs(S).max() / np.abs(ref.pivots).min() if ref.n_iter else 1.0
    assert_backend_agrees(res.basis, ref.basis, rtol=1e-9, atol=1e-13 * amp, like=Sb)
