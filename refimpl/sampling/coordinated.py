"""Coordinated sampling sketches for matrix products AᵀB (Daliri, Freire, Li, Musco, ICLR 2025).

Paper
-----
Daliri, Freire, Li, Musco, *Matrix product sketching via coordinated sampling*, ICLR 2025,
arXiv:2501.17836, Sec. 2 (priority sampling sketches) [V at the level of the abstract and a
summary of the main theorem; the paper body was not available to us, so the details below are
reconstructed [R] and checked numerically by the tests and claims J-1, J-2].

Setting: A ∈ ℝ^{n×d} and B ∈ ℝ^{n×m} share a row key (a join key). Each side is sketched
*independently*, sharing only a random seed; from the two sketches W ≈ AᵀB with
‖W - AᵀB‖_F <= ε‖A‖_F‖B‖_F with probability 1 - δ when each sketch keeps k = 2/(δε²) + 1 rows
(the main theorem [V]).

What it implements
------------------
* a shared hash h(key) ∈ (0, 1) computed from (seed, key) by the SplitMix64 finaliser, never from
  the row position, so both parties agree on h for the same key [R: any good 64-bit mixer works;
  SplitMix64 is our choice];
* :func:`priority_sketch`: rank R_i = h(key_i)/‖a_i‖² (∞ for zero rows), keep the k smallest
  ranks, τ = the (k+1)-th smallest rank, p_i = min(1, ‖a_i‖² τ) (τ = ∞ and p = 1 when at most k
  rows are non-zero);
* :func:`threshold_sketch`: τ = k/‖A‖_F², keep row i when h(key_i) < p_i = min(1, τ‖a_i‖²)
  (expected size <= k);
* :func:`sketched_product`: W = Σ_{i ∈ K_A ∩ K_B} a_i b_iᵀ / min(p_i^A, p_i^B). With a shared
  hash, key i lands in both sketches exactly when h(i) < min(p_i^A, p_i^B), so dividing by the
  minimum (not the product p^A p^B, which is the independent-sampling estimator) is unbiased
  (conditionally on the thresholds for priority sampling).

Error of the threshold version (inclusions independent across keys):
E‖W - AᵀB‖_F² = Σ_i ‖a_i‖²‖b_i‖²(1/q_i - 1) <= 2‖A‖_F²‖B‖_F²/k with q_i = min(p_i^A, p_i^B).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import Status
from refimpl._results import Result, StatusEnum
from array_api_compat import device

from refimpl.backends import Boundary, capabilities, get_backend
from refimpl.backends.linalg import lstsq

from ._checks import check_tall, to_host

__all__ = [
    "CoordinatedRegressionResult",
    "CoordinatedRegressionStatus",
    "CoordinatedSketch",
    "LinearSketch",
    "coordinated_hash",
    "coordinated_regression",
    "linear_sketch",
    "priority_sketch",
    "sketched_product",
    "threshold_sketch",
]

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_HOST_REASON = "the shared hash h(seed, key) and the join of the key sets are computed in NumPy on the host"
_DASK_SKETCH = ("computed: the sketch (k rows, NumPy); each row partition is sketched independently with the shared "
                "hash and the partitions' candidates are merged (backends/dask/coordinated.py)")


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (Steele, Lea, Flood 2014), elementwise on uint64 with wrap-around."""
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _hash(keys: np.ndarray, seed: int) -> np.ndarray:
    salt = _splitmix64(np.array([seed], dtype=np.uint64))[0]
    z = _splitmix64(keys.astype(np.int64).view(np.uint64) ^ salt)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53  # in (0, 1), never 0 or 1


@dataclass(frozen=True, kw_only=True)
class CoordinatedSketch(Result):
    """A coordinated sampling sketch of the rows of one matrix (from :func:`priority_sketch` or
    :func:`threshold_sketch`).

    Attributes
    ----------
    status : Status
        ``COMPLETED``.
    kind : {"priority", "threshold"}
    seed : int
        The shared seed of the hash.
    keys : int64 NumPy array, shape (s,)
        Keys of the kept rows, sorted.
    rows : array, shape (s, d)
        The kept rows (caller's array library), in the order of ``keys``.
    p : array, shape (s,)
        Their inclusion probabilities p_i = min(1, ‖a_i‖² τ).
    tau : float
        The threshold τ (``inf``: every non-zero row kept, p = 1).
    n : int
        Number of rows of the sketched matrix.
    k : int
        The sketch size parameter.
    """

    status: Status
    kind: str
    seed: int
    keys: Any
    rows: Any
    p: Any
    tau: float
    n: int
    k: int


@capabilities(host_only=_HOST_REASON)
def coordinated_hash(keys: Any, *, seed: int) -> Any:
    """The shared hash h(key) ∈ (0, 1) of integer keys, from (seed, key) only.

    Parameters
    ----------
    keys : integer array-like, shape (n,)
    seed : int >= 0

    Returns
    -------
    float64 NumPy array, shape (n,)

    Examples
    --------
    >>> h = coordinated_hash([3, 1, 2], seed=7)
    >>> bool(h[1] == coordinated_hash([1], seed=7)[0]), bool(0 < h.min() and h.max() < 1)
    (True, True)
    """
    seed = v.check_int(seed, "seed", 0, 2**63 - 1)
    keys = v.check_integer_array(keys, "keys", low=-(2**63), high=2**63 - 1)
    return _hash(np.asarray(to_host(keys), dtype=np.int64), seed)


def _prepare(A: Any, k: int, seed: int, keys: Any) -> tuple[Any, int, int, np.ndarray]:
    A = check_tall(A)
    n = int(A.shape[0])
    k = v.check_int(k, "k", 1)
    if k > n:
        raise ValueError(f"k must be at most n = {n} (the number of rows of A); got k = {k} (k larger than n)")
    seed = v.check_int(seed, "seed", 0, 2**63 - 1)
    if keys is None:
        host_keys = np.arange(n, dtype=np.int64)
    else:
        keys = v.check_integer_array(keys, "keys", low=-(2**63), high=2**63 - 1)
        if int(keys.shape[0]) != n:
            raise ValueError(f"keys must hold one key per row of A: shape ({n},); got shape {tuple(keys.shape)}")
        host_keys = np.asarray(to_host(keys), dtype=np.int64)
        if np.unique(host_keys).shape[0] != n:
            raise ValueError("keys must be unique (each key identifies one row of the join); got repeated keys")
    return A, k, seed, host_keys


_TINY = 2.0**-1022  # smallest normal double: a threshold below it has lost its digits


def _scaled_sq_norms(Ab: Any, xp: Any) -> tuple[int, Any]:
    """(e, sq) with ‖a_i‖² = 4^e · sq_i: the rows are divided by 2^e ≈ max|a_ij| (exact, a power of two)."""
    amax = float(xp.max(xp.abs(Ab)))
    e = math.frexp(amax)[1] if amax > 0 else 0
    As = Ab * math.ldexp(1.0, -e) if e else Ab
    return e, xp.sum(As * As, axis=1)


def _finish(kind: str, bd: Boundary, Ab: Any, sq: Any, keep: Any, tau: float, seed: int, host_keys: np.ndarray,
            n: int, k: int, e: int = 0) -> CoordinatedSketch:
    """The sketch from the scaled squared norms sq = ‖a_i‖²·4^-e and the scaled threshold tau (= τ·4^e)."""
    xp = bd.xp
    if tau != float("inf") and e:
        try:
            true_tau = math.ldexp(tau, -2 * e)
        except OverflowError:
            true_tau = math.inf
        if tau > 0 and not (_TINY <= true_tau < math.inf):
            raise ValueError(
                f"A is too {'small' if e < 0 else 'large'} to sketch: its entries (max |a_ij| about 2^{e}) put the "
                f"threshold τ (a 1/‖a_i‖² scale, about {tau:.3g}·2^{-2 * e}) outside the floating-point range; "
                "rescale A (the sketch of c·A keeps the same rows, scaled by c, with the same p)"
            )
    else:
        true_tau = tau
    keep_host = np.asarray(to_host(keep), dtype=np.int64)
    order = np.argsort(host_keys[keep_host], kind="stable")
    keep_sorted = bd.asarray(keep_host[order], dtype=xp.int64, name="keep")
    sq_kept = xp.take(sq, keep_sorted)
    p = xp.ones_like(sq_kept) if tau == float("inf") else xp.minimum(xp.ones_like(sq_kept), sq_kept * tau)
    return CoordinatedSketch(status=Status.COMPLETED, kind=kind, seed=seed, keys=host_keys[keep_host][order],
                             rows=bd.out(xp.take(Ab, keep_sorted, axis=0)), p=bd.out(p), tau=float(true_tau), n=n,
                             k=k)


@capabilities(host_only=_HOST_REASON, dask=_DASK_SKETCH)
def priority_sketch(A: Any, k: int, *, seed: int, keys: Any = None) -> CoordinatedSketch:
    """Priority-sampling sketch of the rows of A (Daliri et al., Sec. 2): the k rows of smallest rank.

    R_i = h(key_i)/‖a_i‖² (zero rows: rank ∞), keep the k smallest ranks, τ = the (k+1)-th smallest
    rank, p_i = min(1, ‖a_i‖²τ). If at most k rows are non-zero, all of them are kept with p = 1
    (τ = ∞) and the product estimate is exact. The squared row norms are computed in scaled form
    (rows divided by a power of two near the largest entry magnitude, exactly), so p is right at any scale; a matrix
    so large or small (entries near 1e±300) that τ itself leaves the float range is a ValueError.

    Parameters
    ----------
    A : array-like, shape (n, d)
    k : int
        Rows kept, 1 <= k <= n.
    seed : int
        The seed shared with the other party (same seed ⇒ same hash for the same key).
    keys : integer array-like, shape (n,), optional
        Unique join keys of the rows (default: the row positions 0..n-1, which is only right when
        both matrices list the same keys in the same order).

    Returns
    -------
    CoordinatedSketch

    Examples
    --------
    >>> import numpy as np
    >>> A = np.arange(12.0).reshape(6, 2)
    >>> S = priority_sketch(A, 6, seed=1)
    >>> S.tau, S.keys.tolist()
    (inf, [0, 1, 2, 3, 4, 5])
    """
    if get_backend().name == "dask":  # each row partition sketched independently
        from refimpl.backends.dask.coordinated import priority_sketch_dask

        return priority_sketch_dask(A, k, seed, keys, check_tall=check_tall, v=v, hash_fn=_hash, finish=_finish)
    A, k, seed, host_keys = _prepare(A, k, seed, keys)
    n = int(A.shape[0])
    bd = Boundary(A)
    xp = bd.xp
    Ab = bd.asarray(A, name="A")
    e, sq = _scaled_sq_norms(Ab, xp)  # ‖a_i‖² = 4^e · sq_i (no overflow or underflow of the squares)
    h = bd.asarray(_hash(host_keys, seed), dtype=sq.dtype, name="hash")
    nonzero = sq > 0
    rank = xp.where(nonzero, h / xp.where(nonzero, sq, xp.ones_like(sq)), xp.full_like(sq, float("inf")))
    n_nonzero = int(xp.sum(xp.astype(nonzero, xp.int64)))
    order = xp.argsort(rank, stable=True)
    if n_nonzero <= k:
        return _finish("priority", bd, Ab, sq, order[:n_nonzero], float("inf"), seed, host_keys, n, k, e)
    tau = float(rank[order[k]])  # in the scaled units: the true threshold is tau·4^-e
    return _finish("priority", bd, Ab, sq, order[:k], tau, seed, host_keys, n, k, e)


@capabilities(host_only=_HOST_REASON, dask=_DASK_SKETCH)
def threshold_sketch(A: Any, k: int, *, seed: int, keys: Any = None) -> CoordinatedSketch:
    """Threshold-sampling sketch: keep row i when h(key_i) < p_i = min(1, k‖a_i‖²/‖A‖_F²).

    The expected number of kept rows is Σ p_i <= k; inclusions are independent across keys and
    coordinated across parties through h.

    Parameters
    ----------
    A, k, seed, keys
        As for :func:`priority_sketch`.

    Returns
    -------
    CoordinatedSketch

    Examples
    --------
    >>> import numpy as np
    >>> S = threshold_sketch(np.eye(4), 4, seed=0)
    >>> S.keys.tolist(), S.p.tolist()
    ([0, 1, 2, 3], [1.0, 1.0, 1.0, 1.0])
    """
    if get_backend().name == "dask":  # each row partition sketched independently
        from refimpl.backends.dask.coordinated import threshold_sketch_dask

        return threshold_sketch_dask(A, k, seed, keys, check_tall=check_tall, v=v, hash_fn=_hash, finish=_finish)
    A, k, seed, host_keys = _prepare(A, k, seed, keys)
    n = int(A.shape[0])
    bd = Boundary(A)
    xp = bd.xp
    Ab = bd.asarray(A, name="A")
    e, sq = _scaled_sq_norms(Ab, xp)  # ‖a_i‖² = 4^e · sq_i
    total = float(xp.sum(sq))
    if total == 0.0:
        raise ValueError("A must not be identically zero (a threshold sketch of a zero matrix is empty)")
    tau = k / total
    p = xp.minimum(xp.ones_like(sq), sq * tau)
    h = bd.asarray(_hash(host_keys, seed), dtype=sq.dtype, name="hash")
    keep = xp.nonzero(h < p)[0]
    return _finish("threshold", bd, Ab, sq, keep, tau, seed, host_keys, n, k, e)


@capabilities(host_only=_HOST_REASON, dask="computed: the d x m estimate (from two small sketches)")
def sketched_product(sketch_A: CoordinatedSketch, sketch_B: CoordinatedSketch) -> Any:
    """Estimate AᵀB from two coordinated sketches: W = Σ_{i∈K_A∩K_B} a_i b_iᵀ / min(p_i^A, p_i^B).

    With two :class:`LinearSketch` (JL or CountSketch baselines) the estimate is (SA)ᵀ(SB).

    Parameters
    ----------
    sketch_A, sketch_B : CoordinatedSketch or LinearSketch
        Sketches of A (n_A, d) and B (n_B, m) built with the same ``seed`` (and, for linear
        sketches, the same kind and size t); rows are matched by key.

    Returns
    -------
    array, shape (d, m)
        In the array library of ``sketch_A.rows``; zeros when the sketches share no key.

    Raises
    ------
    TypeError
        An argument is not a CoordinatedSketch (or both not LinearSketch).
    ValueError
        The sketches were built with different seeds (their hashes are unrelated, so the estimator
        would be biased), or linear sketches of different kinds or sizes.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.arange(8.0).reshape(4, 2); B = np.ones((4, 3))
    >>> W = sketched_product(priority_sketch(A, 4, seed=3), priority_sketch(B, 4, seed=3))
    >>> bool(np.allclose(W, A.T @ B))
    True
    """
    if isinstance(sketch_A, LinearSketch) or isinstance(sketch_B, LinearSketch):
        return _linear_product(sketch_A, sketch_B)
    hint = "the result of priority_sketch, threshold_sketch or linear_sketch"
    v.check_instance(sketch_A, "sketch_A", CoordinatedSketch, hint)
    v.check_instance(sketch_B, "sketch_B", CoordinatedSketch, hint)
    if sketch_A.seed != sketch_B.seed:
        raise ValueError(
            f"sketch_A and sketch_B must be built with the same seed (the shared hash); got seeds {sketch_A.seed} "
            f"and {sketch_B.seed}"
        )
    _, ia, ib = np.intersect1d(sketch_A.keys, sketch_B.keys, assume_unique=True, return_indices=True)
    bd = Boundary(sketch_A.rows, sketch_B.rows)
    xp = bd.xp
    RA = bd.asarray(sketch_A.rows, name="sketch_A.rows")
    RB = bd.asarray(sketch_B.rows, name="sketch_B.rows")
    ia_b = bd.asarray(ia, dtype=xp.int64, name="ia")
    ib_b = bd.asarray(ib, dtype=xp.int64, name="ib")
    q = xp.minimum(xp.take(bd.asarray(sketch_A.p, name="p"), ia_b), xp.take(bd.asarray(sketch_B.p, name="p"), ib_b))
    Ai = xp.take(RA, ia_b, axis=0) / q[:, None]
    W = Ai.mT @ xp.take(RB, ib_b, axis=0) if hasattr(Ai, "mT") else xp.linalg.matrix_transpose(Ai) @ xp.take(RB, ib_b, axis=0)
    return bd.out(W)


# ---------------------------------------------------------------------------------------------
# linear product sketches (JL, CountSketch): the baselines at equal storage
# ---------------------------------------------------------------------------------------------

_LINEAR_KINDS = ("jl", "countsketch")


def _sub_seed(seed: int, j: int) -> int:
    """An independent 63-bit seed for hash stream j, derived from (seed, j) by SplitMix64."""
    z = _splitmix64(np.array([seed ^ ((j + 1) * 0x5851F42D4C957F2D & 0x7FFFFFFFFFFFFFFF)], dtype=np.uint64))[0]
    return int(z & np.uint64(0x7FFFFFFFFFFFFFFF))


@dataclass(frozen=True, kw_only=True)
class LinearSketch(Result):
    """A linear sketch SA of one matrix (from :func:`linear_sketch`), S built from (seed, key).

    Attributes
    ----------
    status : Status
        ``COMPLETED``.
    kind : {"jl", "countsketch"}
    seed : int
    rows : array, shape (t, d)
        SA (caller's array library): t·d stored floats.
    t : int
        Sketch size.
    n : int
        Number of rows of the sketched matrix.
    """

    status: Status
    kind: str
    seed: int
    rows: Any
    t: int
    n: int


@capabilities(host_only="S is generated from the shared hash h(seed, key) in NumPy on the host")
def linear_sketch(A: Any, t: int, *, seed: int, kind: str = "countsketch", keys: Any = None) -> LinearSketch:
    """Linear sketch SA (t x d) whose column S[:, i] depends only on (seed, key_i): a product-sketch baseline.

    Two parties with the same seed get the same S on shared keys, so (SA)ᵀ(SB) estimates AᵀB
    (:func:`sketched_product`), unbiased, with E‖(SA)ᵀSB - AᵀB‖_F² <= 2‖A‖_F²‖B‖_F²/t for both
    kinds. ``kind="jl"``: dense ±1/√t entries (a Rademacher JL matrix), entry (j, i) from hash
    stream j of (seed, key_i); ``kind="countsketch"``: one ±1 per column, at row ⌊t·h(key_i)⌋.
    These are the linear baselines Daliri et al. compare against [V abstract: JL and CountSketch
    need O(d/ε²) stored numbers where coordinated sampling needs O(s/ε²) for s-sparse rows]; the
    hash-derived construction is ours [R].

    Parameters
    ----------
    A : array-like, shape (n, d)
    t : int
        Sketch rows, t >= 1 (storage t·d floats).
    seed : int
        The shared seed.
    kind : {"jl", "countsketch"}
    keys : integer array-like, shape (n,), optional
        Unique join keys (default 0..n-1).

    Returns
    -------
    LinearSketch

    Examples
    --------
    >>> import numpy as np
    >>> A = np.random.default_rng(0).standard_normal((100, 3))
    >>> S = linear_sketch(A, 10, seed=1)
    >>> S.rows.shape, bool(np.isclose((S.rows**2).sum(), (A**2).sum(), rtol=1.0))
    ((10, 3), True)
    """
    kind = v.check_choice(kind, "kind", _LINEAR_KINDS)
    A = check_tall(A)
    n = int(A.shape[0])
    t = v.check_size(t, "t", limit=10**6, why="the sketch SA has t rows")
    if kind == "jl":
        v.check_size(t * n, "t * n", limit=10**9, why="the dense JL matrix has t·n hashed entries")
    A, _, seed, host_keys = _prepare(A, 1, seed, keys)
    bd = Boundary(A)
    xp = bd.xp
    Ab = bd.asarray(A, name="A")
    if kind == "countsketch":
        bucket = np.minimum((_hash(host_keys, _sub_seed(seed, 0)) * t).astype(np.int64), t - 1)
        sign = np.where(_hash(host_keys, _sub_seed(seed, 1)) < 0.5, -1.0, 1.0)
        S = np.zeros((t, n))
        S[bucket, np.arange(n)] = sign
    else:
        S = np.empty((t, n))
        for j in range(t):
            S[j] = np.where(_hash(host_keys, _sub_seed(seed, j + 2)) < 0.5, -1.0, 1.0)
        S /= math.sqrt(t)
    SA = bd.asarray(S, dtype=Ab.dtype, name="S") @ Ab
    return LinearSketch(status=Status.COMPLETED, kind=kind, seed=seed, rows=bd.out(SA), t=t, n=n)


def _linear_product(sketch_A: Any, sketch_B: Any) -> Any:
    hint = "two results of linear_sketch (or two coordinated sketches)"
    v.check_instance(sketch_A, "sketch_A", LinearSketch, hint)
    v.check_instance(sketch_B, "sketch_B", LinearSketch, hint)
    if (sketch_A.seed, sketch_A.kind, sketch_A.t) != (sketch_B.seed, sketch_B.kind, sketch_B.t):
        raise ValueError(
            "sketch_A and sketch_B must be linear sketches with the same seed, kind and size t (the same S); got "
            f"(seed, kind, t) = {(sketch_A.seed, sketch_A.kind, sketch_A.t)} and {(sketch_B.seed, sketch_B.kind, sketch_B.t)}"
        )
    bd = Boundary(sketch_A.rows, sketch_B.rows)
    xp = bd.xp
    SA, SB = bd.asarray(sketch_A.rows, name="sketch_A.rows"), bd.asarray(sketch_B.rows, name="sketch_B.rows")
    return bd.out(xp.linalg.matrix_transpose(SA) @ SB)


# ---------------------------------------------------------------------------------------------
# sketched regression across two tables that share a key
# ---------------------------------------------------------------------------------------------


class CoordinatedRegressionStatus(StatusEnum):
    """Outcome of :func:`coordinated_regression`."""

    __failures__ = ("RANK_DEFICIENT",)
    COMPLETED = "completed: the estimated Gram matrix is positive definite"
    RANK_DEFICIENT = ("rank-deficient: the estimated Gram matrix (plus lam·I) is singular; the minimum-norm solution "
                      "is returned (increase k or lam)")


@dataclass(frozen=True, kw_only=True)
class CoordinatedRegressionResult(Result):
    """Result of :func:`coordinated_regression`.

    Attributes
    ----------
    status : CoordinatedRegressionStatus
    x : array, shape (d,)
        The coefficients (caller's array library).
    gram : array, shape (d, d)
        The estimate of XᵀX over the joined keys.
    cross : array, shape (d,)
        The estimate of Xᵀy over the joined keys.
    n_joined : int
        Keys kept by both sketches (the rows the estimate uses).
    """

    status: CoordinatedRegressionStatus
    x: Any
    gram: Any
    cross: Any
    n_joined: int


@capabilities(host_only=_HOST_REASON)
def coordinated_regression(sketch_X: CoordinatedSketch, sketch_y: CoordinatedSketch, *,
                           lam: float = 0.0) -> CoordinatedRegressionResult:
    """Least squares y ≈ Xβ across two tables joined on a key, from their coordinated sketches.

    Party 1 holds X (keys, features), party 2 holds y (keys, target), each sketches its own table
    (:func:`priority_sketch` or :func:`threshold_sketch` with the same seed; y as an (n, 1)
    matrix). With q_i = min(p_i^X, p_i^y) on the keys K kept by both,
    G = Σ_{i∈K} x_i x_iᵀ/q_i and c = Σ_{i∈K} x_i y_i/q_i are unbiased for XᵀX and Xᵀy over the
    joined keys (a key lands in both sketches exactly when h(key) < q_i), and β solves
    (G + λI)β = c (SVD least squares: minimum-norm if singular). Daliri et al. Sec. 3 estimate the
    products needed by the normal equations from the sketches [V: the section title and the idea;
    which products and estimator they use is [R], this is our choice].

    Parameters
    ----------
    sketch_X : CoordinatedSketch
        Sketch of the feature table X (n_X, d).
    sketch_y : CoordinatedSketch
        Sketch of the target table, a one-column matrix (n_y, 1).
    lam : float
        Ridge λ >= 0.

    Returns
    -------
    CoordinatedRegressionResult

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((40, 2)); y = X @ np.array([1.0, -2.0])
    >>> r = coordinated_regression(priority_sketch(X, 40, seed=5), priority_sketch(y[:, None], 40, seed=5))
    >>> np.round(r.x, 10).tolist()
    [1.0, -2.0]
    """
    hint = "the result of priority_sketch or threshold_sketch"
    v.check_instance(sketch_X, "sketch_X", CoordinatedSketch, hint)
    v.check_instance(sketch_y, "sketch_y", CoordinatedSketch, hint)
    lam = v.check_positive(lam, "lam", strict=False)
    if sketch_X.seed != sketch_y.seed:
        raise ValueError(f"sketch_X and sketch_y must be built with the same seed (the shared hash); got seeds "
                         f"{sketch_X.seed} and {sketch_y.seed}")
    if int(sketch_y.rows.shape[1]) != 1:
        raise ValueError(f"sketch_y must sketch a one-column matrix (the target y as shape (n, 1)); got "
                         f"{int(sketch_y.rows.shape[1])} columns")
    _, ia, ib = np.intersect1d(sketch_X.keys, sketch_y.keys, assume_unique=True, return_indices=True)
    bd = Boundary(sketch_X.rows, sketch_y.rows)
    xp = bd.xp
    RX = bd.asarray(sketch_X.rows, name="sketch_X.rows")
    Ry = bd.asarray(sketch_y.rows, name="sketch_y.rows")
    d = int(RX.shape[1])
    ia_b, ib_b = bd.asarray(ia, dtype=xp.int64, name="ia"), bd.asarray(ib, dtype=xp.int64, name="ib")
    q = xp.minimum(xp.take(bd.asarray(sketch_X.p, name="p"), ia_b), xp.take(bd.asarray(sketch_y.p, name="p"), ib_b))
    Xi = xp.take(RX, ia_b, axis=0)
    yi = xp.take(Ry, ib_b, axis=0)[:, 0]
    XiT = xp.linalg.matrix_transpose(Xi / q[:, None])
    G = XiT @ Xi + lam * xp.eye(d, dtype=RX.dtype, device=device(RX))
    c = XiT @ yi
    s = xp.linalg.svdvals(G)
    smax = float(s[0]) if d else 0.0
    rank = int(xp.sum(xp.astype(s > d * float(xp.finfo(G.dtype).eps) * smax, xp.int64))) if smax > 0 else 0
    x = lstsq(G, c)
    status = CoordinatedRegressionStatus.COMPLETED if rank == d else CoordinatedRegressionStatus.RANK_DEFICIENT
    return CoordinatedRegressionResult(status=status, x=bd.out(x), gram=bd.out(G), cross=bd.out(c),
                                       n_joined=int(ia.shape[0]))
