"""Tests of refimpl.sampling.leverage: identities, peers (SciPy QR), sketch accuracy, backends, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import use_backend
from refimpl.sampling import RankDeficientError, leverage_scores, ridge_leverage_scores, sketch_sizes
from refimpl.testing import assert_backend_agrees


def tall(n=300, d=8, seed=0, heavy=True):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d))
    if heavy:  # non-uniform leverage: heavy-tailed row scales, cond ~ 1e2 column scales
        A = A * (np.abs(rng.standard_t(2, size=n)) + 1e-3)[:, None] * np.logspace(0, -2, d)
    return A


@pytest.mark.parametrize("method", ["qr", "svd"])
def test_exact_identities(method):
    A = tall()
    tau = leverage_scores(A, method=method)
    assert tau.shape == (300,) and tau.dtype == np.float64
    assert abs(tau.sum() - 8) <= 1e-12
    assert tau.min() >= 0 and tau.max() <= 1 + 1e-14
    # independent oracle: hat-matrix diagonal from SciPy's economic QR (the peer)
    Q, _ = scipy.linalg.qr(A, mode="economic")
    np.testing.assert_allclose(tau, (Q**2).sum(1), rtol=0, atol=1e-13)


def test_qr_equals_svd_and_closed_forms():
    A = tall(seed=3)
    np.testing.assert_allclose(leverage_scores(A), leverage_scores(A, method="svd"), atol=1e-12)
    # orthogonal rows and a duplicated row: [e1; e2; e2] -> 1, 1/2, 1/2
    assert np.allclose(leverage_scores([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]), [1.0, 0.5, 0.5])
    # invariance under column transformations A -> A G
    G = np.random.default_rng(1).standard_normal((8, 8))
    np.testing.assert_allclose(leverage_scores(A @ G), leverage_scores(A), atol=1e-10)
    # float32 input stays float32
    assert leverage_scores(A.astype(np.float32)).dtype == np.float32


def test_rank_deficient_error_and_column_space():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((60, 3)) @ rng.standard_normal((3, 5))  # rank 3, 5 columns
    with pytest.raises(RankDeficientError, match="rank-deficient: numerical rank 3 < 5"):
        leverage_scores(A)
    for method in ("qr", "svd"):
        tau = leverage_scores(A, method=method, rank_tol=1e-10)
        assert abs(tau.sum() - 3) <= 1e-10
        U = np.linalg.svd(A, full_matrices=False)[0][:, :3]
        np.testing.assert_allclose(tau, (U**2).sum(1), atol=1e-10)


def test_ridge_scores():
    A = tall(100, 6, seed=4)
    lam = 0.3
    ref = np.einsum("ij,ij->i", A, np.linalg.solve(A.T @ A + lam * np.eye(6), A.T).T)  # dense oracle
    tau = ridge_leverage_scores(A, lam)
    np.testing.assert_allclose(tau, ref, rtol=1e-10)
    s = np.linalg.svd(A, compute_uv=False)
    assert tau.sum() == pytest.approx((s**2 / (s**2 + lam)).sum(), rel=1e-12)
    # any rank is fine with lam > 0
    assert np.isfinite(ridge_leverage_scores(np.ones((5, 3)), 1.0)).all()


@pytest.mark.parametrize("embedding", ["sparse_sign", "gaussian", "srht"])
@pytest.mark.parametrize("jl", [False, True])
def test_sketched_within_eps(embedding, jl):
    A = tall(20000, 10, seed=5, heavy=False)
    tau = leverage_scores(A)
    for eps in (0.5, 0.25):
        m1, _ = sketch_sizes(*A.shape, eps, jl=jl)
        assert m1 < A.shape[0]  # the sketch really is smaller than A here
        approx = leverage_scores(A, method="sketch", eps=eps, rng=7, embedding=embedding, jl=jl)
        assert np.abs(approx / tau - 1).max() <= eps
    # reproducible from the seed
    a = leverage_scores(A, method="sketch", rng=3, embedding=embedding, jl=jl)
    b = leverage_scores(A, method="sketch", rng=3, embedding=embedding, jl=jl)
    np.testing.assert_array_equal(a, b)


def test_jl_projection_path():
    # JL is applied only when m2 < d: n = 20000, d = 200, eps = 0.9 gives m2 = 196
    A = tall(20000, 200, seed=8, heavy=False)
    assert sketch_sizes(20000, 200, 0.9, jl=True)[1] < 200
    tau = leverage_scores(A)
    approx = leverage_scores(A, method="sketch", eps=0.9, rng=1, jl=True)
    assert np.abs(approx / tau - 1).max() <= 0.9
    assert not np.allclose(approx, leverage_scores(A, method="sketch", eps=0.9, rng=1, jl=False))


def test_sketch_falls_back_to_exact_when_it_cannot_pay():
    A = tall(200, 5)
    assert sketch_sizes(200, 5, 0.1)[0] >= 200
    np.testing.assert_allclose(leverage_scores(A, method="sketch", eps=0.1, rng=0), leverage_scores(A), atol=1e-13)


def test_sparse_sign_twin_matches_reference():
    from refimpl.backends import get_kernel
    from refimpl.sampling.leverage import _distinct_rows, qr_r, sparse_sign_apply, thin_qr

    rng = np.random.default_rng(6)
    A = rng.standard_normal((500, 7))
    rows = rng.integers(0, 40, size=(500, 8))
    signs = (2.0 * rng.integers(0, 2, size=(500, 8)) - 1.0) / np.sqrt(8)
    ref = sparse_sign_apply.reference(A, rows, signs, 40)
    twin = get_kernel("sampling.sparse_sign_apply", "numpy")(A, rows, signs, 40)
    # same sums in another order: round-off of 8 * 500 / 40 terms of size |A|
    np.testing.assert_allclose(twin, ref, rtol=0, atol=1e-12)
    Q1, R1 = thin_qr.reference(A)
    Q2, R2 = get_kernel("sampling.thin_qr", "numpy")(A)
    np.testing.assert_allclose(np.abs(R1), np.abs(R2), atol=1e-12)
    np.testing.assert_allclose((Q1**2).sum(1), (Q2**2).sum(1), atol=1e-13)
    # R without Q (SciPy mode="r"): the same Householder R up to round-off
    np.testing.assert_allclose(get_kernel("sampling.qr_r", "numpy")(A), qr_r.reference(A), atol=1e-12)
    # the sparse sign columns have distinct target rows, so ||Phi e_i|| = 1 exactly
    rows = _distinct_rows(np.random.default_rng(0), 5000, 20, 8)
    assert all(len(set(r)) == 8 for r in rows.tolist())


# --------------------------------------------------------------------------------------------
# backend agreement
# --------------------------------------------------------------------------------------------


@st.composite
def tall_problems(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    d = draw(st.integers(1, 6))
    n = draw(st.integers(d, 60))
    # controlled conditioning: column scales in [1e-3, 1], so cond(A) <~ 1e4 and the scores carry
    # relative round-off <~ cond * eps
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, d)) * np.logspace(0, -draw(st.integers(0, 3)), d)
    return A


@settings(max_examples=15)
@given(A=tall_problems(), method=st.sampled_from(["qr", "svd"]))
def test_backend_agreement_exact(backend, A, method):
    with use_backend("numpy"):
        ref = leverage_scores(A, method=method)
    Ab = backend.asarray(A)
    # tolerance: scores are squared row norms of an orthonormal basis, error <~ cond(A) * eps <~ 1e-12
    assert_backend_agrees(leverage_scores(Ab, method=method), ref, rtol=1e-9, atol=1e-10, like=Ab)
    assert_backend_agrees(ridge_leverage_scores(Ab, 0.5), ridge_leverage_scores(A, 0.5), rtol=1e-9, atol=1e-10,
                          like=Ab)


@settings(max_examples=8)
@given(seed=st.integers(0, 2**31 - 1), embedding=st.sampled_from(["sparse_sign", "gaussian"]), jl=st.booleans())
def test_backend_agreement_sketch(backend, seed, embedding, jl):
    # the same host draws on every backend: the same Φ, so the same scores up to round-off
    A = np.random.default_rng(seed).standard_normal((3000, 4))
    with use_backend("numpy"):
        ref = leverage_scores(A, method="sketch", eps=0.5, rng=seed, embedding=embedding, jl=jl)
    Ab = backend.asarray(A)
    out = leverage_scores(Ab, method="sketch", eps=0.5, rng=seed, embedding=embedding, jl=jl)
    assert_backend_agrees(out, ref, rtol=1e-9, atol=1e-12, like=Ab)


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "A, kwargs, exc, match",
    [
        (np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]]), {}, ValueError, "finite"),
        (np.array([[1.0, np.inf], [0.0, 1.0], [1.0, 1.0]]), {}, ValueError, "finite"),
        (np.ones(4), {}, ValueError, "2-D"),
        (np.zeros((0, 3)), {}, ValueError, "at least"),
        (np.zeros((3, 0)), {}, ValueError, "at least"),
        (np.ones((2, 3)), {}, ValueError, "at least as many rows"),
        (np.ones((4, 2)), {}, RankDeficientError, "rank-deficient"),
        (np.zeros((4, 2)), {}, RankDeficientError, "rank-deficient"),
        (np.eye(3), {"method": "cholesky"}, ValueError, "method"),
        (np.eye(3), {"eps": 0.1}, ValueError, "eps applies only"),
        (np.eye(3), {"method": "sketch", "eps": 1.5}, ValueError, "eps"),
        (np.eye(3), {"method": "sketch", "eps": 0.0}, ValueError, "eps"),
        (np.eye(3), {"method": "sketch", "rank_tol": 1e-8}, ValueError, "rank_tol"),
        (np.eye(3), {"rank_tol": 2.0}, ValueError, "rank_tol"),
        (np.eye(3), {"embedding": "hadamard"}, ValueError, "embedding"),
        (np.eye(3), {"method": "sketch", "rng": "seed"}, TypeError, "rng"),
        # rng and jl are checked whatever the method (the exact methods ignore them)
        (np.eye(3), {"rng": "seed"}, TypeError, "rng"),
        (np.eye(3), {"rng": -1}, ValueError, "rng"),
        (np.eye(3), {"rng": 1.5}, TypeError, "rng"),
        (np.eye(3), {"jl": "yes"}, TypeError, "jl must be a bool"),
        (np.eye(3) * 1j, {}, TypeError, "real"),
        (np.array([["a", "b"]]), {}, TypeError, "numeric"),
        ([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], {"method": "svd"}, None, None),  # lists are accepted
    ],
)
def test_bad_input(A, kwargs, exc, match):
    if exc is None:
        assert leverage_scores(A, **kwargs).shape == (len(A),)
        return
    with pytest.raises(exc, match=match):
        leverage_scores(A, **kwargs)


@pytest.mark.parametrize("lam, match", [(0.0, "lam"), (-1.0, "lam"), (np.nan, "lam"), (np.inf, "lam"), ("1", "lam")])
def test_bad_ridge(lam, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ridge_leverage_scores(np.eye(3), lam)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"eps": 1e-300}, ValueError, "eps is too small"),  # was a ZeroDivisionError
        ({"eps": 1e-300, "jl": True}, ValueError, "eps is too small"),
        ({"eps": 1e-10}, ValueError, "eps is too small"),
        ({"eps": 0.1, "jl": "yes"}, TypeError, "jl must be a bool"),
        ({"eps": 0.0}, ValueError, "eps"),
    ],
)
def test_bad_sketch_sizes(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        sketch_sizes(1000, 5, **kwargs)


def test_srht_embedding_within_eps():
    A = np.random.default_rng(11).standard_normal((5000, 8))
    tau = leverage_scores(A)
    for eps in (0.5, 0.25):
        approx = leverage_scores(A, method="sketch", eps=eps, rng=3, embedding="srht")
        assert np.max(np.abs(approx / tau - 1)) <= eps


def test_rinv_row_norms_twin_matches_reference():
    from refimpl.backends import get_kernel
    from refimpl.sampling.leverage import rinv_row_sq_norms

    rng = np.random.default_rng(12)
    twin = get_kernel("sampling.rinv_row_sq_norms", "numpy")
    assert twin is not rinv_row_sq_norms.reference
    for n in (1, 200, 1300):  # one partial block, several blocks (the twin works on 512-row blocks)
        A = rng.standard_normal((n, 7))
        R = np.triu(rng.standard_normal((7, 7))) + 5 * np.eye(7)
        Rinv = np.linalg.inv(R)
        ref = rinv_row_sq_norms.reference(A, Rinv)
        np.testing.assert_allclose(ref, np.sum(np.linalg.solve(R.T, A.T) ** 2, axis=0), rtol=1e-12)
        np.testing.assert_allclose(twin(A, Rinv), ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(twin(np.asfortranarray(A), Rinv), ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(twin(A.astype(np.float32), Rinv.astype(np.float32)), ref, rtol=1e-4, atol=1e-5)


def test_sparse_sign_twin_column_blocks():
    # wide A: the NumPy twin multiplies column blocks (same sums, same order) -> equal to the one product
    from refimpl.backends import get_kernel
    from refimpl.sampling.leverage import sparse_sign_apply

    rng = np.random.default_rng(13)
    A = rng.standard_normal((300, 120))
    rows = rng.integers(0, 6000, size=(300, 8))
    signs = rng.choice([-1.0, 1.0], size=(300, 8)) / np.sqrt(8)
    twin = get_kernel("sampling.sparse_sign_apply", "numpy")
    out = twin(A, rows, signs, 6000)  # 6000 rows: blocks of 65 columns
    assert out.flags.f_contiguous
    np.testing.assert_allclose(out, sparse_sign_apply.reference(A, rows, signs, 6000), rtol=0, atol=1e-13)


def test_sketch_rank_shortcut_agrees_with_singular_values():
    from refimpl.sampling.leverage import _rank_from_R, _surely_full_rank

    rng = np.random.default_rng(14)
    for scale in (1.0, 1e-6, 1e-13, 0.0):
        R = np.triu(rng.standard_normal((6, 6))) + 3 * np.eye(6)
        R[-1, -1] *= scale
        with np.errstate(divide="ignore", invalid="ignore"):
            Rinv = np.linalg.inv(R) if scale else np.full((6, 6), np.inf)
        if _surely_full_rank(R, Rinv, 1000, np):  # the bound may only claim full rank when it holds
            assert _rank_from_R(R, 1000, np, None)[0] == 6
    R = np.triu(rng.standard_normal((6, 6))) + 3 * np.eye(6)
    assert _surely_full_rank(R, np.linalg.inv(R), 1000, np)
