"""Sampling primitives with prescribed inclusion probabilities: capping, Bernoulli, i.i.d., tree pivotal.

Papers
------
* Shimizu, Cheng, Musco, Weare, *Improved active learning via dependent leverage score sampling*,
  ICLR 2024, arXiv:2310.04966. Algorithm 1 (binary-tree pivotal sampling) and Algorithm 2 (the
  spatial tree: PCA or coordinate-wise median splits, a rotated first split) [V: checked against
  the authors' code, ``sampling.jl`` of github.com/satsushi0/Spatially-Aware-Leverage-Score-Sampling:
  ``createBinaryTree``, ``btPivotalSampling``, ``bernoulliSampling``; the algorithm numbers are
  [V] from the OpenReview reviews, the paper body was not available to us].
* Deville, Tillé, *Unequal probability sampling without replacement through a splitting
  method*, Biometrika 85 (1998): the pivotal "match" of two units [V: the rule as coded by the
  authors above; its marginal-preservation identity is checked in the tests].

What it implements
------------------
:func:`inclusion_probabilities` caps p = k·s/Σs at 1 and rescales the rest until Σ p = k (the
authors' marginals; capped units are taken deterministically). :func:`bernoulli_sample`
(independent, random size), :func:`sample_with_replacement` (k i.i.d. draws), and
:func:`pivotal_sample`: a tournament on a complete binary tree whose leaves hold the units with
0 < p_i < 1; each internal node plays one match between the survivors of its children (the
match with p_l + p_r <= 1 merges the two into one unit of probability p_l + p_r; with
p_l + p_r > 1 one unit is selected and the other keeps p_l + p_r - 1). The result has exactly
Σ p units, marginals exactly p, and negatively associated inclusions.

Notation
--------
=============  ==========================================================================
``p``          inclusion probabilities, 0 <= p_i <= 1, Σ p_i = k
``k``          the sample size
``E``          tree height ⌈log₂ m⌉ for the m fractional units (0 < p_i < 1)
``u``          host uniforms, one per internal node (2^E - 1), level by level bottom-up
=============  ==========================================================================

Choices where the sources leave room [R]: units with p_i = 1 are output directly and units with
p_i = 0 are left out of the tree (the authors' code builds the tree on every unit); the root
survivor is output when its residual is > 1/2 (the authors' code outputs it when fewer than k
units were selected; the two agree whenever Σ p is an integer, and > 1/2 needs no k); without
``coords`` the leaves keep the given order and the padding leaves come last.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from array_api_compat import array_namespace, device

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, check_rng, leaf_kernel, register_twin

from ._checks import check_probabilities, check_scores, to_host

__all__ = [
    "bernoulli_sample",
    "inclusion_probabilities",
    "local_pivotal_sample",
    "pivotal_sample",
    "pivotal_tree",
    "sample_with_replacement",
]

#: Relative tolerance on Σ p being an integer (pivotal sampling needs an integer sample size).
SUM_RTOL = 1e-9
_HOST_REASON = ("uniforms are drawn on the host (SPEC 7) and, with coords=, the spatial tree "
                "(Algorithm 2) is built in NumPy on the host; the sweep runs on the backend")


# ---------------------------------------------------------------------------------------------
# inclusion probabilities
# ---------------------------------------------------------------------------------------------


@capabilities()
def inclusion_probabilities(scores: Any, k: int) -> Any:
    """Capped inclusion probabilities with Σ p = k from non-negative scores (e.g. leverage scores).

    Start from p = k·s/Σs; while some p_i >= 1, set those to 1 (taken deterministically) and
    rescale the others by (k - #{p = 1}) / Σ_{p < 1} p (the authors' capping loop, Shimizu et
    al. code). At most n passes; usually one or two.

    Parameters
    ----------
    scores : array-like, shape (n,)
        Non-negative, finite, not all zero.
    k : int
        Target sample size, 1 <= k <= number of positive scores.

    Returns
    -------
    array, shape (n,)
        p with 0 <= p <= 1, Σ p = k up to round-off, p_i = 0 exactly where s_i = 0 (float64).

    Examples
    --------
    >>> inclusion_probabilities([4.0, 1.0, 1.0, 2.0], 2).tolist()
    [1.0, 0.25, 0.25, 0.5]
    """
    scores = check_scores(scores)
    n = int(scores.shape[0])
    n_pos = int(np.count_nonzero(to_host(scores)))
    k = v.check_int(k, "k", 1)
    if k > n_pos:
        raise ValueError(f"k must be at most the number of positive scores ({n_pos} of n = {n}); got k = {k}"
                         + (" (k larger than n)" if k > n else ""))
    bd = Boundary(scores)
    xp = bd.xp
    s = bd.asarray(scores, dtype=xp.float64, name="scores")
    return bd.out(_capped(s, k, xp))


def _capped(s: Any, k: int, xp: Any) -> Any:
    p = k * s / xp.sum(s)
    capped = p >= 1.0
    for _ in range(s.shape[0]):
        if not bool(xp.any(capped)):
            return p  # nothing capped: no rescaling (so identical scores give identical p on every backend)
        n_cap = int(xp.sum(xp.astype(capped, xp.int64)))
        rest = xp.where(capped, xp.zeros_like(p), p)
        mass = float(xp.sum(rest))
        if mass == 0.0:  # every positive score is capped (k = number of positive scores)
            return xp.where(capped, xp.ones_like(p), rest)
        p = xp.where(capped, xp.ones_like(p), rest * ((k - n_cap) / mass))
        new = (p >= 1.0) & ~capped
        if not bool(xp.any(new)):
            break
        capped = capped | new
    return xp.where(p >= 1.0, xp.ones_like(p), p)


# ---------------------------------------------------------------------------------------------
# independent samplers
# ---------------------------------------------------------------------------------------------


@capabilities()
def bernoulli_sample(p: Any, *, rng: Any = None) -> Any:
    """Bernoulli (Poisson) sampling: unit i is included independently with probability p_i.

    One host uniform u_i per unit; i is included when u_i < p_i (as ``bernoulliSampling`` in the
    authors' code). The size is random with mean Σ p and variance Σ p(1 - p).

    Parameters
    ----------
    p : array-like, shape (n,)
        Inclusion probabilities in [0, 1].
    rng : None, int or numpy.random.Generator
        SPEC 7; the uniforms are drawn on the host, so every backend returns the same sample.

    Returns
    -------
    integer array
        Sorted indices of the included units (caller's array library).

    Examples
    --------
    >>> bernoulli_sample([0.0, 1.0, 1.0, 0.0], rng=0).tolist()
    [1, 2]
    """
    p = check_probabilities(p)
    gen = check_rng(rng)
    bd = Boundary(p)
    xp = bd.xp
    pb = bd.asarray(p, dtype=xp.float64, name="p")
    u = bd.asarray(gen.random(int(p.shape[0])), dtype=xp.float64, name="u")
    return bd.out(xp.nonzero(u < pb)[0])


@capabilities()
def sample_with_replacement(scores: Any, k: int, *, rng: Any = None) -> Any:
    """k i.i.d. draws with probabilities q_i = s_i / Σ s (with replacement; duplicates allowed).

    Inverse-CDF sampling: host uniforms u_j, index = #{i : Σ_{l<=i} q_l <= u_j}. For least squares
    the row weight of a draw of unit i is 1/sqrt(k q_i).

    Parameters
    ----------
    scores : array-like, shape (n,)
        Non-negative, not all zero.
    k : int
        Number of draws, >= 1.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    integer array, shape (k,)
        The drawn indices in draw order.

    Examples
    --------
    >>> sample_with_replacement([0.0, 1.0, 0.0], 3, rng=0).tolist()
    [1, 1, 1]
    """
    scores = check_scores(scores)
    k = v.check_size(k, "k", limit=10**9, why="one uniform is drawn per sample")
    gen = check_rng(rng)
    bd = Boundary(scores)
    xp = bd.xp
    s = bd.asarray(scores, dtype=xp.float64, name="scores")
    cdf = xp.cumulative_sum(s / xp.sum(s))
    u = bd.asarray(gen.random(k), dtype=xp.float64, name="u") * cdf[-1]
    idx = xp.searchsorted(cdf, u, side="right")
    # a uniform landing exactly on cdf[-1] (impossible for u < 1) or rounding past it: clamp
    idx = xp.minimum(idx, xp.asarray(s.shape[0] - 1, dtype=idx.dtype, device=device(idx)))
    return bd.out(idx)


# ---------------------------------------------------------------------------------------------
# binary-tree pivotal sampling (Algorithm 1) and the spatial tree (Algorithm 2)
# ---------------------------------------------------------------------------------------------


@leaf_kernel("sampling.pivotal_sweep")
def pivotal_sweep(leaf_idx: Any, leaf_p: Any, u: Any) -> Any:
    """Bottom-up tournament of Algorithm 1 on a complete binary tree with 2^E leaves (the oracle).

    A sequential loop over the internal nodes, bottom level first and left to right, as
    ``btPivotalSampling`` in the authors' code: the survivors of the two children (left: unit l
    with residual a, right: unit r with residual b) play one pivotal match with the node's
    uniform u, and the winner moves up.

    * a + b <= 1: the left unit takes a + b if u·(a + b) < a, else the right one does;
      the other drops out (padding leaves have a = 0 and never win);
    * a + b > 1: if u·(2 - a - b) < 1 - a the right unit is selected and the left keeps
      a + b - 1, else the left is selected and the right keeps a + b - 1.

    Both rules keep E[final inclusion] equal to the residuals' current values (Deville & Tillé).
    The root survivor is selected when its residual is > 1/2 (Σ p integer ⇒ it is 0 or 1 up to
    round-off).

    Twins (same comparisons on the same float64 values, so bit-for-bit the same output):
    on NumPy, torch, CuPy and array-api-strict the matches of one level, which are independent,
    run as one vectorised step (:func:`pivotal_sweep_levels`; a per-node loop on a GPU would be one
    kernel launch per node); the Numba twin is this loop compiled.

    Parameters
    ----------
    leaf_idx : int64 array, shape (2^E,)
        Unit index of each leaf, -1 for padding.
    leaf_p : float64 array, shape (2^E,)
        Residual probability of each leaf (0 for padding).
    u : float64 array, shape (2^E - 1,)
        Uniforms in [0, 1), one per internal node, bottom level first, left to right.

    Returns
    -------
    int64 array, shape (2^E,)
        Per internal node (same order as ``u``, then one slot for the root) the selected unit
        index, or -1: the caller keeps the entries >= 0.
    """
    xp = array_namespace(leaf_idx, leaf_p, u)
    L = int(leaf_idx.shape[0])
    idx = xp.asarray(leaf_idx, dtype=xp.int64, copy=True)  # survivors, overwritten level by level
    r = xp.asarray(leaf_p, dtype=xp.float64, copy=True)  # their residual probabilities
    chosen = xp.full((L,), -1, dtype=xp.int64, device=device(leaf_idx))
    width, node = L, 0
    while width > 1:  # one tree level: children 2j, 2j+1 -> parent j
        for j in range(width // 2):
            il, ir = int(idx[2 * j]), int(idx[2 * j + 1])
            a, b = float(r[2 * j]), float(r[2 * j + 1])
            uu = float(u[node])
            s = a + b
            if s <= 1.0:  # merge: one unit carries a + b on, the other drops out
                idx[j] = il if uu * s < a else ir
                r[j] = s
            else:  # one unit is selected, the other carries a + b - 1 on
                if uu * (2.0 - s) < 1.0 - a:
                    chosen[node] = ir
                    idx[j] = il
                else:
                    chosen[node] = il
                    idx[j] = ir
                r[j] = s - 1.0
            node += 1
        width //= 2
    if float(r[0]) > 0.5 and int(idx[0]) >= 0:  # root: authors' fix (residual 1 - δ counts as 1)
        chosen[L - 1] = int(idx[0])
    return chosen


def pivotal_sweep_levels(leaf_idx: Any, leaf_p: Any, u: Any) -> Any:
    """:func:`pivotal_sweep` with the matches of each tree level as one vectorised step (array API).

    The twin of the sequential reference on NumPy, torch, CuPy and array-api-strict: E steps of
    O(2^level) array work instead of 2^E - 1 scalar steps. Same float64 values and comparisons as
    the loop (u·(a + b) < a for a merge, u·(2 - a - b) < 1 - a for a selection, a + b - 1), so the
    output is the reference's bit for bit (tested).
    """
    xp = array_namespace(leaf_idx, leaf_p, u)
    idx, r = leaf_idx, leaf_p
    chosen = []
    off = 0
    while idx.shape[0] > 1:
        m = idx.shape[0] // 2
        il, ir = idx[0::2], idx[1::2]
        a = r[0::2]
        s = a + r[1::2]
        uu = u[off : off + m]
        off += m
        sel = s > 1.0  # Alg. 1: a match that selects one unit (else p_l + p_r <= 1, a merge)
        # one flag per node: "left wins" (u·s < a) for a merge, "right selected" (u·(2-s) < 1-a)
        # for a selection. In both cases the left unit survives when the flag is set.
        flag = xp.where(sel, 2.0 - s, s) * uu < xp.where(sel, 1.0 - a, a)
        chosen.append(xp.where(sel, xp.where(flag, ir, il), xp.full_like(il, -1)))
        idx = xp.where(flag, il, ir)
        r = xp.where(sel, s - 1.0, s)
    # root: authors' floating-point fix (residual 1 - δ counts as 1)
    root = xp.where((r > 0.5) & (idx >= 0), idx, xp.full_like(idx, -1))
    chosen.append(root)
    return xp.concat(chosen)


for _backend in ("numpy", "torch", "cupy", "array_api_strict"):  # levels, not O(n) scalar steps
    register_twin("sampling.pivotal_sweep", _backend)(pivotal_sweep_levels)
del _backend


def _split_order(X: np.ndarray, split: str, depth: int) -> np.ndarray:
    """Order of the points X (n_s, D) along which a node is split in half (Alg. 2)."""
    if split == "coordinate":
        return np.argsort(X[:, depth % X.shape[1]], kind="stable")
    Xc = X - X.mean(axis=0)
    if X.shape[0] < 2 or not np.any(Xc):
        return np.arange(X.shape[0])
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)  # first principal direction of the subset
    return np.argsort(Xc @ Vt[0], kind="stable")


def _fill(units: np.ndarray, X: np.ndarray, loc: int, out: np.ndarray, split: str, depth: int,
          first_order: np.ndarray | None) -> None:
    """Place ``units`` at leaf slots from ``loc`` on, as ``fillUp`` in the authors' code.

    The first ⌊n_s/2⌋ points along the split direction go to the left at ``loc``, the rest to
    ``loc + 2^(⌈log2 n_s⌉ - 1)``; a subtree with n_s points therefore spans 2^⌈log2 n_s⌉ slots.
    """
    n_s = units.shape[0]
    if n_s == 1:
        out[loc] = units[0]
        return
    order = first_order if first_order is not None else _split_order(X, split, depth)
    half = n_s // 2
    width = 1 << (math.ceil(math.log2(n_s)) - 1)
    left, right = order[:half], order[half:]
    _fill(units[left], X[left], loc, out, split, depth + 1, None)
    _fill(units[right], X[right], loc + width, out, split, depth + 1, None)


def _spatial_leaves(units: np.ndarray, coords: np.ndarray, split: str, first_rotation: float) -> np.ndarray:
    """Leaf array (2^E,) of unit indices (-1 padding) of the spatial tree of Algorithm 2."""
    m = units.shape[0]
    E = math.ceil(math.log2(m)) if m > 1 else 0
    out = np.full(1 << E, -1, dtype=np.int64)
    if m == 0:
        return out
    X = coords[units]
    first = None
    if split == "pca" and first_rotation != 0.0 and X.shape[1] >= 2:
        # authors' grid trick: rotate the last two coordinates by first_rotation degrees and split
        # the root along the second column (PCA is degenerate on isotropic grids)
        t = math.radians(first_rotation)
        D = X.shape[1]
        rot = np.eye(D)
        rot[D - 2 :, D - 2 :] = [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]]
        first = np.argsort((X @ rot)[:, 1], kind="stable")
    _fill(units, X, 0, out, split, 0, first)
    return out


@capabilities(host_only=_HOST_REASON)
def pivotal_tree(coords: Any, *, split: str = "pca", first_rotation: float = 45.0) -> Any:
    """Leaf order of the spatial binary tree of Algorithm 2 (Shimizu et al.) for points ``coords``.

    The points are split recursively in halves (⌊n_s/2⌋ left) along the first principal
    component of the subset (``split="pca"``) or along coordinate depth mod D
    (``split="coordinate"``, first coordinate at the root). With ``split="pca"`` and D >= 2 the
    root split is along the second column after rotating the last two coordinates by
    ``first_rotation`` degrees (the authors' default 45°; 0 disables it), which makes the first
    split well defined on regular grids. Build the tree on the raw inputs (the parameters),
    not on the feature rows.

    Parameters
    ----------
    coords : array-like, shape (n, D)
    split : {"pca", "coordinate"}
    first_rotation : float, degrees

    Returns
    -------
    int64 NumPy array, shape (2^⌈log₂ n⌉,)
        Point index per leaf slot, -1 for padding (what :func:`pivotal_sample` sweeps).

    Examples
    --------
    >>> pivotal_tree([[0.0], [3.0], [1.0], [2.0], [4.0]], split="coordinate").tolist()
    [0, 2, -1, -1, 3, -1, 1, 4]
    """
    coords = _check_coords(coords, None)
    split = v.check_choice(split, "split", ("pca", "coordinate"))
    first_rotation = v.check_real(first_rotation, "first_rotation")
    X = np.asarray(to_host(coords), dtype=np.float64)
    return _spatial_leaves(np.arange(X.shape[0]), X, split, first_rotation)


def _check_coords(coords: Any, n: int | None) -> Any:
    coords = v.check_array(coords, "coords", ndim=(1, 2), real=True)
    if coords.ndim == 1:
        coords = to_host(coords)[:, None]
    if n is not None and int(coords.shape[0]) != n:
        raise ValueError(f"coords must have one row per unit of p: shape ({n}, D); got shape {tuple(coords.shape)}")
    v.check_size(int(coords.shape[0]), "coords rows", limit=2**31 - 1, why="tree slots are int64 indices")
    return coords


def _check_tree(tree: Any, n: int) -> np.ndarray:
    tree = v.check_integer_array(tree, "tree", low=-1, high=n - 1)
    t = np.asarray(to_host(tree), dtype=np.int64)
    L = t.shape[0]
    if L < n or L & (L - 1):
        raise ValueError(f"tree must be a leaf array whose length is a power of two >= n = {n} (from pivotal_tree); "
                         f"got length {L}")
    if not np.array_equal(np.sort(t[t >= 0]), np.arange(n)):
        raise ValueError(f"tree must hold every unit 0..{n - 1} exactly once (and -1 for padding); "
                         "build it with pivotal_tree(coords) for the same units as p")
    return t


def _integer_sum(p_host: np.ndarray) -> int:
    total = float(np.sum(p_host))
    k = round(total)
    if abs(total - k) > SUM_RTOL * max(1.0, p_host.shape[0]) or k < 1:
        raise ValueError(
            "p must sum to a positive integer (the fixed sample size of pivotal sampling); got sum(p) = "
            f"{total!r}. Use inclusion_probabilities(scores, k) to get probabilities that sum to k, or "
            "bernoulli_sample for a random size"
        )
    return k


@capabilities(host=("cupy", "torch", "array_api_strict"), reason=_HOST_REASON,
              unsupported={"dask": "the pivotal sweep is a sequential leaf kernel (each duel depends on the previous "
                                   "one): it cannot run on chunks; compute the probabilities on dask and sample on NumPy"})
def pivotal_sample(p: Any, *, coords: Any = None, tree: Any = None, rng: Any = None, split: str = "pca",
                   first_rotation: float = 45.0) -> Any:
    """Binary-tree pivotal sampling (Algorithm 1 of Shimizu et al.): exactly Σ p units, marginals p.

    Units with p_i = 1 are taken, units with p_i = 0 left out; the others are put at the leaves
    of a complete binary tree, in the given order (``coords=None``) or in the order of the
    spatial tree of Algorithm 2 built on ``coords`` (:func:`pivotal_tree`), and a bottom-up
    tournament of pivotal matches (:func:`pivotal_sweep`, O(n)) decides the rest. Nearby leaves
    compete first, so a spatial tree spreads the sample over the domain; the inclusions are
    negatively associated (the ℓ∞-independence behind the paper's Theorem 1.1).

    Parameters
    ----------
    p : array-like, shape (n,)
        Inclusion probabilities in [0, 1] whose sum is an integer k >= 1 (up to a relative
        round-off of 1e-9·n); see :func:`inclusion_probabilities`.
    coords : array-like, shape (n, D) or (n,), optional
        Points (e.g. the raw inputs s_i in [-1, 1]^D) to build the spatial tree on.
    tree : integer array-like, shape (2^E,), optional
        A prebuilt leaf order over all n units, e.g. ``pivotal_tree(coords)``, reused across
        draws (it is never modified; units with p = 0 or 1 become padding leaves). Exclusive
        with ``coords``.
    rng : None, int or numpy.random.Generator
        SPEC 7. One host uniform per internal node (2^E - 1 of them, E = ⌈log₂ m⌉ for the m units
        with 0 < p < 1), so every backend returns the same sample.
    split, first_rotation
        The tree of :func:`pivotal_tree` (only with ``coords``).

    Returns
    -------
    integer array, shape (k,)
        Sorted indices of the sampled units (caller's array library).

    Raises
    ------
    ValueError
        p outside [0, 1], NaN/inf, Σ p not a positive integer, coords of the wrong length.

    Examples
    --------
    >>> s = pivotal_sample([0.5, 0.5, 0.25, 0.75, 1.0], rng=1)
    >>> len(s), 4 in s.tolist()
    (3, True)
    """
    p = check_probabilities(p)
    n = int(p.shape[0])
    p_host = np.asarray(to_host(p), dtype=np.float64)
    k = _integer_sum(p_host)
    split = v.check_choice(split, "split", ("pca", "coordinate"))  # checked with or without coords
    first_rotation = v.check_real(first_rotation, "first_rotation")
    if coords is not None:
        if tree is not None:
            raise ValueError("pass either coords (the tree is built from them) or a prebuilt tree, not both")
        coords = _check_coords(coords, n)
    host_tree = None if tree is None else _check_tree(tree, n)
    gen = check_rng(rng)
    bd = Boundary(p)
    xp = bd.xp
    pb = bd.asarray(p, dtype=xp.float64, name="p")
    host_coords = None if coords is None else np.asarray(to_host(coords), dtype=np.float64)
    sample = pivotal_core(pb, p_host, k, host_coords, gen, bd, split, first_rotation, host_tree)
    return bd.out(sample)


def pivotal_core(pb: Any, p_host: np.ndarray, k: int, coords: np.ndarray | None, gen: np.random.Generator,
                 bd: Boundary, split: str = "pca", first_rotation: float = 45.0,
                 tree: np.ndarray | None = None) -> Any:
    """Private core of :func:`pivotal_sample` on validated inputs (pb on the backend, float64)."""
    xp = bd.xp
    certain = xp.nonzero(pb == 1.0)[0]
    if tree is not None:
        frac = (p_host > 0.0) & (p_host < 1.0)
        leaves = np.where(tree >= 0, tree, 0)
        leaf_idx = bd.asarray(np.where((tree >= 0) & frac[leaves], tree, -1), dtype=xp.int64, name="tree")
    elif coords is not None:
        units = np.nonzero((p_host > 0.0) & (p_host < 1.0))[0]
        leaves = _spatial_leaves(units, coords, split, first_rotation)
        leaf_idx = bd.asarray(leaves, dtype=xp.int64, name="tree")
    else:
        units = xp.nonzero((pb > 0.0) & (pb < 1.0))[0]
        m = int(units.shape[0])
        E = math.ceil(math.log2(m)) if m > 1 else 0
        pad = xp.full(((1 << E) - m,), -1, dtype=xp.int64, device=device(pb))
        leaf_idx = xp.concat([xp.astype(units, xp.int64), pad])
    L = int(leaf_idx.shape[0])
    safe = xp.where(leaf_idx >= 0, leaf_idx, xp.zeros_like(leaf_idx))
    leaf_p = xp.where(leaf_idx >= 0, xp.take(pb, safe), xp.zeros((L,), dtype=xp.float64, device=device(pb)))
    u = bd.asarray(gen.random(L - 1), dtype=xp.float64, name="u")
    chosen = pivotal_sweep(leaf_idx, leaf_p, u)
    chosen = chosen[chosen >= 0]
    sample = xp.sort(xp.concat([xp.astype(certain, xp.int64), xp.astype(chosen, xp.int64)]))
    if int(sample.shape[0]) != k:  # only possible when Σ p is an integer only to within round-off
        raise RuntimeError(f"pivotal sampling returned {int(sample.shape[0])} units instead of sum(p) = {k}; "
                           "please report this with the input")
    return sample


# ---------------------------------------------------------------------------------------------
# local (distance) pivotal sampling, Grafström, Lundström, Schelin (2012)
# ---------------------------------------------------------------------------------------------


@leaf_kernel("sampling.local_pivotal_sweep")
def local_pivotal_sweep(X: Any, r: Any, u: Any) -> Any:
    """Local pivotal method (LPM2): repeatedly match a random undecided unit with its nearest one.

    Step t (at most m - 1 steps, one unit decided per step): i = the ⌊u[2t]·c⌋-th undecided unit in
    index order (c undecided units), j = its nearest undecided unit (squared Euclidean distance
    summed coordinate by coordinate in column order; ties to the smallest index), and the pivotal
    match of :func:`pivotal_sweep` with uniform u[2t+1] (i plays the left unit). A unit whose
    residual reaches 0 or 1 is decided; the last undecided unit is selected when its residual is
    > 1/2. Sequential: the reference loops in Python with one vectorised distance scan per step,
    O(m²D) work; the Numba twin runs the same comparisons on the same float64 values (bit-for-bit).

    Parameters
    ----------
    X : float64 array, shape (m, D)
        Coordinates of the m units with 0 < p < 1.
    r : float64 array, shape (m,)
        Their probabilities.
    u : float64 array, shape (2·max(m - 1, 0) + 1,)
        Host uniforms.

    Returns
    -------
    bool array, shape (m,)
        Which units are selected.
    """
    xp = array_namespace(X, r, u)
    m, D = X.shape
    r = xp.asarray(r, copy=True)
    active = xp.ones((m,), dtype=xp.bool)
    selected = xp.zeros((m,), dtype=xp.bool)
    inf = xp.full((m,), float("inf"), dtype=X.dtype, device=device(X))
    pos = xp.arange(m, device=device(X))
    count = m
    t = 0
    while count >= 2:
        act = xp.nonzero(active)[0]
        i = int(act[min(int(float(u[2 * t]) * count), count - 1)])
        d2 = (X[:, 0] - X[i, 0]) ** 2
        for c in range(1, D):
            d2 = d2 + (X[:, c] - X[i, c]) ** 2
        others = active & (pos != i)
        d2 = xp.where(others, d2, inf)
        j = int(xp.argmin(d2))
        if not float(d2[j]) < float("inf"):  # overflowing distances: the first other undecided unit
            j = int(xp.nonzero(others)[0][0])
        a, b, uu = float(r[i]), float(r[j]), float(u[2 * t + 1])
        s = a + b
        if s <= 1.0:
            win, lose = (i, j) if uu * s < a else (j, i)
            wr, lr = s, 0.0
        else:
            win, lose = (j, i) if uu * (2.0 - s) < 1.0 - a else (i, j)  # `win` is selected
            wr, lr = 1.0, s - 1.0
        r = xp.where(pos == win, xp.asarray(wr, dtype=r.dtype), xp.where(pos == lose, xp.asarray(lr, dtype=r.dtype), r))
        for q, val in ((win, wr), (lose, lr)):
            if val >= 1.0:
                selected = selected | (pos == q)
            if val >= 1.0 or val <= 0.0:
                active = active & (pos != q)
                count -= 1
        t += 1
    if count == 1:
        last = int(xp.nonzero(active)[0][0])
        if float(r[last]) > 0.5:  # Σ p integer ⇒ the residual is 0 or 1 up to round-off
            selected = selected | (pos == last)
    return selected


@capabilities(host=("cupy", "torch", "array_api_strict"),
              reason="a sequential loop with one scalar decision per match; uniforms drawn on the host (SPEC 7)")
def local_pivotal_sample(p: Any, coords: Any, *, rng: Any = None) -> Any:
    """Local pivotal sampling (Grafström, Lundström & Schelin 2012, LPM2): exactly Σ p units, marginals p.

    Units with p_i = 1 are taken and units with p_i = 0 left out. Among the others, repeatedly
    pick an undecided unit i uniformly at random, find its nearest undecided neighbour j in
    ``coords`` (Euclidean), and play the pivotal match of i and j (:func:`pivotal_sweep` rule),
    until every unit is decided (:func:`local_pivotal_sweep`). Nearby units compete, so the sample
    is spread over the domain (spatially balanced). This is the "distance pivotal" sampler of
    Shimizu et al.'s code (``distPivotalSampling``) [V: described there as matching each unit with
    its nearest unfinished neighbour in random order; LPM2 of Grafström et al. [V abstract]].
    Cost O(m²D) for m units with 0 < p < 1 (a nearest-neighbour scan per match): use
    :func:`pivotal_sample` with a spatial tree (O(m log m)) for large m.

    Parameters
    ----------
    p : array-like, shape (n,)
        Inclusion probabilities in [0, 1] with an integer sum k >= 1.
    coords : array-like, shape (n, D) or (n,)
        The points the distances are measured on (the raw inputs, not feature rows).
    rng : None, int or numpy.random.Generator
        SPEC 7: 2(m - 1) + 1 host uniforms, so every backend returns the same sample.

    Returns
    -------
    integer array, shape (k,)
        Sorted indices of the sampled units (caller's array library).

    Raises
    ------
    ValueError
        p outside [0, 1], NaN/inf, Σ p not a positive integer, coords of the wrong length or non-finite.

    Examples
    --------
    >>> s = local_pivotal_sample([0.5, 0.5, 0.5, 0.5], [0.0, 0.1, 5.0, 5.1], rng=0)
    >>> len(s), int((s < 2).sum())  # one unit from each pair of neighbours
    (2, 1)
    """
    p = check_probabilities(p)
    n = int(p.shape[0])
    p_host = np.asarray(to_host(p), dtype=np.float64)
    k = _integer_sum(p_host)
    coords = _check_coords(coords, n)
    gen = check_rng(rng)
    v.check_size(n, "p", limit=10**6, why="the local pivotal method does O(n^2) distance evaluations")
    bd = Boundary(p)
    xp = bd.xp
    units = np.nonzero((p_host > 0.0) & (p_host < 1.0))[0]
    m = int(units.shape[0])
    X = np.asarray(to_host(coords), dtype=np.float64)[units]
    u = gen.random(2 * max(m - 1, 0) + 1)
    certain = np.nonzero(p_host == 1.0)[0]
    if m:
        sel = local_pivotal_sweep(bd.asarray(X, dtype=xp.float64, name="coords"),
                                  bd.asarray(p_host[units], dtype=xp.float64, name="p"),
                                  bd.asarray(u, dtype=xp.float64, name="u"))
        chosen = units[np.asarray(to_host(sel), dtype=bool)]
    else:
        chosen = units
    sample = np.sort(np.concatenate([certain, chosen])).astype(np.int64)
    if sample.shape[0] != k:  # only possible when Σ p is an integer only to within round-off
        raise RuntimeError(f"local pivotal sampling returned {sample.shape[0]} units instead of sum(p) = {k}; "
                           "please report this with the input")
    return bd.out(bd.asarray(sample, dtype=xp.int64, name="sample"))
