r"""Message passing for tree-structured blocks of sparse quadratics: exact forest solves, forest blocks.

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster: Faster Greedy
Rules, Message-Passing, Active-Set Complexity, and Superlinear Convergence*, JMLR 23(131), 2022,
arXiv:1712.08859, Section 5 (message passing for huge-block updates) and the experiments of
Fig. 6.

For :math:`f(x) = \tfrac12 x^\top A x - b^\top x` with a sparse symmetric positive definite
:math:`A`, the exact update of a block :math:`\mathcal b` solves

.. math::

    A_{\mathcal b\mathcal b}\, x_{\mathcal b} = b_{\mathcal b} - A_{\mathcal b\bar{\mathcal b}}\, x_{\bar{\mathcal b}}
    \quad\Longleftrightarrow\quad
    A_{\mathcal b\mathcal b}\, \delta = -\nabla_{\mathcal b} f(x), \qquad x_{\mathcal b} \leftarrow x_{\mathcal b} + \delta .

When the graph of :math:`A` (an edge :math:`i - j` for each :math:`A_{ij} \ne 0`, :math:`i \ne j`)
restricted to :math:`\mathcal b` is a **forest**, Gaussian elimination from the leaves to the roots
creates no fill-in: with a root chosen in every tree and :math:`p(i)` the parent of node
:math:`i`,

.. math::

    d_{p(i)} \leftarrow d_{p(i)} - \frac{A_{i\,p(i)}^2}{d_i}, \qquad
    r_{p(i)} \leftarrow r_{p(i)} - \frac{A_{i\,p(i)}}{d_i} r_i
    \qquad\text{(leaves first)},

    x_i = \frac{r_i - A_{i\,p(i)} x_{p(i)}}{d_i} \qquad\text{(roots first)},

:math:`O(|\mathcal b|)` operations in all (the same arithmetic as Gaussian belief propagation on
the tree, which is exact there). :func:`forest_solve` checks acyclicity first (a breadth-first
search meets every edge of a forest exactly twice: once down, once back to the parent) and
raises ``ValueError`` naming the block otherwise; it never runs elimination on a graph with a
cycle.

Blocks whose induced graph is a forest
--------------------------------------
* :func:`red_black_partition`: independent sets (``A_bb`` diagonal): a 2-colouring by
  breadth-first search when the graph is bipartite (a lattice's checkerboard), else the greedy
  colouring in decreasing :math:`L_i = A_{ii}` order (or index order) with the least-used
  admissible colour, as the authors' code does;
* :func:`tree_partition`: a few forests covering every node once: lattice "combs" from grid
  coordinates, or greedy forests (each node, in decreasing :math:`L_i` or index order, joins the
  first forest in which it closes no cycle);
* :func:`greedy_tree_block`: variable block: scan by decreasing score (:math:`|\nabla_i f|`), keep
  node i when its already-kept neighbours lie in distinct trees (union-find);
* :func:`random_tree_block`: the same scan in a random order;
* the ``"general"`` baseline of :func:`message_passing_bcd`: the Gauss-Southwell block of size
  :math:`\lfloor n^{1/3} \rfloor` solved densely (the same :math:`O(n)` cost).

:func:`message_passing_bcd` runs block coordinate descent with exact block updates on any of these
strategies (the experiment of Fig. 6).

Leaf kernels
------------
``bcd.forest_solve`` (breadth-first ordering, cycle check, elimination, back substitution) and
``bcd.grow_forest`` (the union-find scan behind greedy forests) are scalar loops; the references
below are the oracle, and their Numba twins (``backends/numba/bcd.py``) run the same operations in
the same order, so they agree bit for bit.

Provenance
----------
[V] the block strategies (red-black, tree partitions with lattice combs and greedy forests on
general graphs, greedy and random trees, the :math:`n^{1/3}` general block) and their use in the
label-propagation experiments follow the authors' public code (``IssamLaradji/BlockCoordinateDescent``,
selection rules ``RedBlackTree``, ``TreePartitions``, ``GSTree``, ``RTree``, ``GSExactTree``).
[R] the elimination is textbook Gaussian elimination on a tree (the paper's Section 5 argument,
not checked against its equations); the breadth-first acyclicity test, the union-find forest
growth and the bipartite 2-colouring are ours (the authors' code tests acyclicity by a rank
identity of the block Laplacian and colours greedily).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl._iterative import check_callback, notify
from refimpl._results import Result, StatusEnum
from refimpl.backends import Boundary, capabilities, check_rng, leaf_kernel, to_numpy

__all__ = [
    "MessagePassingResult",
    "MessagePassingStatus",
    "forest_solve",
    "greedy_tree_block",
    "is_forest",
    "message_passing_bcd",
    "random_tree_block",
    "red_black_partition",
    "tree_partition",
]

_HOST = "graph algorithms (breadth-first search, union-find, colouring) and SciPy sparse products run on the host"
#: the block strategies of :func:`message_passing_bcd`
BLOCK_STRATEGIES = ("tree_partition", "red_black", "greedy_tree", "random_tree", "general")


# --------------------------------------------------------------------------------------------
# leaf kernels (references: scalar loops over host NumPy arrays; Numba twins in backends/numba/bcd.py)
# --------------------------------------------------------------------------------------------


@leaf_kernel("bcd.forest_solve")
def forest_solve_kernel(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, diag: np.ndarray,
                        block: np.ndarray, rhs: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Solve ``A[block, block] x = rhs`` when the block's graph is a forest.

    ``(indptr, indices, data)`` is the CSR pattern of the *off-diagonal* entries of A (no explicit
    zeros), ``diag`` A's diagonal. Returns ``(x, code, where)``: ``code`` 0 solved, 1 the block's
    graph has a cycle (through local node ``where``; ``x`` is all zeros), 2 a pivot ``d <= 0`` at
    local node ``where`` (A[block, block] is not positive definite).
    """
    # plain Python lists and floats (IEEE doubles): the same operations as the Numba twin, and much
    # faster than indexing NumPy scalars one by one
    indptr, indices, data, diag = indptr.tolist(), indices.tolist(), data.tolist(), diag.tolist()
    block, rhs = block.tolist(), rhs.tolist()
    m = len(block)
    local = dict(zip(block, range(m)))
    parent = [-1] * m
    off = [0.0] * m
    order = [0] * m
    seen = [False] * m
    head = 0
    tail = 0
    for s in range(m):  # breadth-first search from every unseen node: the roots
        if seen[s]:
            continue
        seen[s] = True
        order[tail] = s
        tail += 1
        while head < tail:
            i = order[head]
            head += 1
            gi = block[i]
            for q in range(indptr[gi], indptr[gi + 1]):
                j = local.get(indices[q], -1)
                if j < 0 or j == i or j == parent[i]:
                    continue
                if seen[j]:  # an edge that is neither down to a new child nor back to the parent
                    return np.zeros(m), 1, i
                seen[j] = True
                parent[j] = i
                off[j] = data[q]
                order[tail] = j
                tail += 1
    d = [diag[gi] for gi in block]
    r = list(rhs)
    for k in range(m - 1, -1, -1):  # leaves to roots: eliminate node i into its parent
        i = order[k]
        if not d[i] > 0.0:
            return np.zeros(m), 2, i
        p = parent[i]
        if p >= 0:
            w = off[i] / d[i]
            d[p] -= w * off[i]
            r[p] -= w * r[i]
    x = [0.0] * m
    for k in range(m):  # roots to leaves: back substitution
        i = order[k]
        p = parent[i]
        if p >= 0:
            x[i] = (r[i] - off[i] * x[p]) / d[i]
        else:
            x[i] = r[i] / d[i]
    return np.array(x, dtype=np.float64), 0, -1


@leaf_kernel("bcd.grow_forest")
def grow_forest_kernel(indptr: np.ndarray, indices: np.ndarray, order: np.ndarray, n: int) -> np.ndarray:
    """Scan the nodes of ``order``; keep a node when its kept neighbours lie in distinct trees.

    ``(indptr, indices)`` is the CSR pattern of the off-diagonal entries of A (n nodes). Returns
    the boolean mask (length n) of the kept nodes: the greedy maximal forest in that order.
    """
    indptr, indices = indptr.tolist(), indices.tolist()
    uf = [-1] * n  # union-find parent; -1: not in the forest
    stamp = [-1] * n
    kept = np.zeros(n, dtype=np.bool_)
    for t, i in enumerate(order.tolist()):
        roots = []
        ok = True
        for q in range(indptr[i], indptr[i + 1]):
            j = indices[q]
            if j == i or uf[j] < 0:
                continue
            rj = j  # find with path halving
            while uf[rj] != rj:
                uf[rj] = uf[uf[rj]]
                rj = uf[rj]
            if stamp[rj] == t:  # two kept neighbours in one tree: i would close a cycle
                ok = False
                break
            stamp[rj] = t
            roots.append(rj)
        if not ok:
            continue
        uf[i] = i
        kept[i] = True
        for rj in roots:
            uf[rj] = i
    return kept


# --------------------------------------------------------------------------------------------
# host-side input handling
# --------------------------------------------------------------------------------------------


class _Graph:
    """A checked sparse symmetric matrix on the host: CSR, diagonal, off-diagonal pattern."""

    __slots__ = ("csr", "diag", "indptr", "indices", "data", "n")

    def __init__(self, csr: Any) -> None:
        import scipy.sparse as sp

        self.csr = csr
        self.n = int(csr.shape[0])
        self.diag = np.asarray(csr.diagonal(), dtype=np.float64)
        off = sp.csr_matrix(csr - sp.diags(self.diag))
        off.eliminate_zeros()
        off.sort_indices()
        self.indptr = np.asarray(off.indptr, dtype=np.int64)
        self.indices = np.asarray(off.indices, dtype=np.int64)
        self.data = np.asarray(off.data, dtype=np.float64)


def _check_matrix(A: Any, name: str = "A") -> _Graph:
    """A as a checked host CSR matrix: square, real, finite, symmetric."""
    import scipy.sparse as sp

    if sp.issparse(A):
        if A.ndim != 2:
            raise ValueError(f"{name} must be a 2-D sparse matrix; got {A.ndim}-D")
        if A.dtype.kind not in "biuf":
            kind = "complex" if A.dtype.kind == "c" else "non-numeric"
            raise TypeError(f"{name} must be a real sparse matrix; got {kind} dtype {A.dtype}")
        csr = sp.csr_matrix(A, dtype=np.float64)
        csr.sum_duplicates()
        if not np.all(np.isfinite(csr.data)):
            raise ValueError(f"{name} must contain only finite values; got NaN or infinite entries")
    else:
        A = v.check_array(A, name, ndim=2, real=True)
        dense = np.asarray(to_numpy(A), dtype=np.float64)
        csr = sp.csr_matrix(dense)
    n0, n1 = (int(s) for s in csr.shape)
    if n0 != n1 or n0 == 0:
        raise ValueError(f"{name} must be a non-empty square (n, n) matrix; got shape ({n0}, {n1})")
    asym = abs(csr - csr.T)
    scale = float(abs(csr).max()) if csr.nnz else 0.0
    if asym.nnz and float(asym.max()) > 1e-12 * max(scale, np.finfo(float).tiny):
        raise ValueError(f"{name} must be symmetric; got max |A_ij - A_ji| = {float(asym.max()):.3g} "
                         f"(max |A_ij| = {scale:.3g})")
    return _Graph(csr)


def _check_block(block: Any, n: int, name: str = "block") -> np.ndarray:
    if block is None:
        return np.arange(n, dtype=np.int64)
    block = v.check_integer_array(block, name, low=0, high=n - 1, ndim=1)
    b = np.asarray(to_numpy(block), dtype=np.int64)
    if b.size == 0:
        raise ValueError(f"{name} must hold at least one index in [0, {n - 1}]; got an empty block")
    if np.unique(b).size != b.size:
        raise ValueError(f"{name} must hold distinct indices; got repeated indices")
    return b


def _check_order(order: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(order, str):
        raise TypeError(f"order must be one of {', '.join(map(repr, choices))}; got {type(order).__name__} {order!r:.40}")
    return v.check_choice(order, "order", choices)


def _node_order(g: _Graph, order: str) -> np.ndarray:
    """Nodes in decreasing L_i = A_ii (stable) or index order."""
    if order == "lipschitz":
        return np.argsort(-g.diag, kind="stable").astype(np.int64)
    return np.arange(g.n, dtype=np.int64)


def _block_text(b: np.ndarray) -> str:
    head = ", ".join(str(int(i)) for i in b[:8])
    return f"[{head}{', ...' if b.size > 8 else ''}] ({b.size} indices)"


def _solve(g: _Graph, block: np.ndarray, rhs: np.ndarray, name: str = "block") -> np.ndarray:
    x, code, where = forest_solve_kernel(g.indptr, g.indices, g.data, g.diag, block, rhs)
    if code == 1:
        raise ValueError(f"{name} must induce a forest (no cycles) in the graph of A for the O(|b|) solve; got "
                         f"{name} = {_block_text(block)}, whose graph has a cycle through index {int(block[where])}")
    if code == 2:
        raise ValueError(f"A[{name}, {name}] must be positive definite for the forest solve; elimination met a "
                         f"pivot <= 0 at index {int(block[where])} of {name} = {_block_text(block)}")
    return x


def _forests(g: _Graph, order: np.ndarray) -> list[np.ndarray]:
    """First-fit greedy forests over ``order`` (grow one maximal forest, repeat on the rest)."""
    blocks = []
    rest = order
    while rest.size:
        kept = grow_forest_kernel(g.indptr, g.indices, rest, g.n)
        mine = kept[rest]
        blocks.append(np.sort(rest[mine]))
        rest = rest[~mine]
    return blocks


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------


@capabilities(host_only=_HOST)
def forest_solve(A: Any, rhs: Any, block: Any = None) -> Any:
    r"""Solve :math:`A_{\mathcal b\mathcal b} x = r` exactly in :math:`O(|\mathcal b|)` when the block's graph is a forest.

    Leaf-to-root elimination and root-to-leaf back substitution (module docstring); the graph of
    :math:`A` restricted to the block is checked for cycles first.

    Parameters
    ----------
    A : (n, n) SciPy sparse matrix or array_like
        Symmetric; :math:`A_{\mathcal b\mathcal b}` positive definite. Zero off-diagonal entries are
        not edges.
    rhs : (m,) array_like
        Right-hand side, ordered like ``block`` (m = its length).
    block : (m,) integer array_like, optional
        Distinct indices in ``[0, n)``; all of them by default.

    Returns
    -------
    (m,) array
        :math:`x_{\mathcal b}`, in the caller's array library (float64).

    Raises
    ------
    ValueError
        The block's graph has a cycle (the message names the block and an index on the cycle);
        :math:`A_{\mathcal b\mathcal b}` is not positive definite (a pivot ≤ 0); A not square,
        not symmetric or not finite; ``rhs`` of the wrong length; ``block`` empty, repeated or out
        of range.
    TypeError
        Non-numeric or complex input.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[2., -1, 0], [-1, 2, -1], [0, -1, 2]])      # a path: a tree
    >>> x = forest_solve(A, [1., 0, 1])
    >>> bool(np.allclose(A @ x, [1, 0, 1]))
    True
    """
    g = _check_matrix(A)
    b = _check_block(block, g.n)
    rhs = v.check_array(rhs, "rhs", ndim=1, real=True)
    if int(rhs.shape[0]) != b.size:
        raise ValueError(f"rhs must have shape ({b.size},) (one entry per block index); got shape {tuple(rhs.shape)}")
    bd = Boundary(rhs)
    r = np.asarray(to_numpy(rhs), dtype=np.float64)
    x = _solve(g, b, r)
    return bd.out(bd.backend.asarray(x, dtype=bd.xp.float64))


@capabilities(host_only=_HOST)
def is_forest(A: Any, block: Any = None) -> bool:
    """Whether the graph of A (edges :math:`A_{ij} \\ne 0`, i ≠ j) restricted to ``block`` has no cycle.

    Parameters
    ----------
    A : (n, n) SciPy sparse matrix or array_like
        Symmetric.
    block : integer array_like, optional
        Distinct indices in ``[0, n)``; all of them by default.

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> C = np.ones((3, 3)) + 2 * np.eye(3)          # a triangle
    >>> is_forest(C), is_forest(C, [0, 2])
    (False, True)
    """
    g = _check_matrix(A)
    b = _check_block(block, g.n)
    kept = grow_forest_kernel(g.indptr, g.indices, b, g.n)
    return bool(np.all(kept[b]))


@capabilities(host_only=_HOST)
def red_black_partition(A: Any, *, order: str = "auto") -> tuple[Any, ...]:
    r"""Partition the nodes into independent sets of the graph of A (each :math:`A_{\mathcal b\mathcal b}` diagonal).

    Parameters
    ----------
    A : (n, n) SciPy sparse matrix or array_like
        Symmetric.
    order : {"auto", "lipschitz", "natural"}
        ``"auto"``: the 2-colouring by breadth-first search when the graph is bipartite (the
        red-black checkerboard of a lattice, two blocks), else as ``"lipschitz"``.
        ``"lipschitz"`` / ``"natural"``: greedy colouring visiting nodes in decreasing
        :math:`L_i = A_{ii}` / in index order, each node taking the least-used colour not used by
        its neighbours (a new colour if none; the authors' code's rule).

    Returns
    -------
    tuple of int64 NumPy arrays
        The blocks (sorted indices), covering every index exactly once.

    Raises
    ------
    ValueError
        A not square, symmetric and finite; unknown ``order``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> P = sp.diags([-np.ones(4), 2 * np.ones(5), -np.ones(4)], [-1, 0, 1])   # a path
    >>> [b.tolist() for b in red_black_partition(P)]
    [[0, 2, 4], [1, 3]]
    """
    g = _check_matrix(A)
    order = _check_order(order, ("auto", "lipschitz", "natural"))
    return _red_black(g, order)


def _red_black(g: _Graph, order: str) -> tuple[np.ndarray, ...]:
    if order == "auto":
        colour = _two_colouring(g)
        if colour is not None:
            return tuple(b for b in (np.flatnonzero(colour == 0), np.flatnonzero(colour == 1)) if b.size)
        order = "lipschitz"
    colour = np.full(g.n, -1, dtype=np.int64)
    counts: list[int] = []
    for i in _node_order(g, order):
        used = set(int(c) for c in colour[g.indices[g.indptr[i]:g.indptr[i + 1]]] if c >= 0)
        free = [c for c in range(len(counts)) if c not in used]
        if free:
            c = min(free, key=lambda c: (counts[c], c))
        else:
            c = len(counts)
            counts.append(0)
        colour[i] = c
        counts[c] += 1
    return tuple(np.flatnonzero(colour == c).astype(np.int64) for c in range(len(counts)))


def _two_colouring(g: _Graph) -> np.ndarray | None:
    """BFS 2-colouring (component roots red), or None when the graph has an odd cycle."""
    colour = np.full(g.n, -1, dtype=np.int64)
    queue = np.zeros(g.n, dtype=np.int64)
    for s in range(g.n):
        if colour[s] >= 0:
            continue
        colour[s] = 0
        queue[0] = s
        head, tail = 0, 1
        while head < tail:
            i = queue[head]
            head += 1
            for j in g.indices[g.indptr[i]:g.indptr[i + 1]]:
                if colour[j] < 0:
                    colour[j] = 1 - colour[i]
                    queue[tail] = j
                    tail += 1
                elif colour[j] == colour[i]:
                    return None
    return colour


@capabilities(host_only=_HOST)
def tree_partition(A: Any, *, order: str = "lipschitz", grid: Any = None) -> tuple[Any, ...]:
    r"""Partition the nodes into a few blocks whose induced graphs are forests.

    Parameters
    ----------
    A : (n, n) SciPy sparse matrix or array_like
        Symmetric.
    order : {"lipschitz", "natural"}
        Greedy forests (``grid`` not given): nodes are visited in decreasing :math:`L_i = A_{ii}`
        (stable) or in index order; each joins the first forest in which it closes no cycle, a new
        forest when there is none.
    grid : (n, 2) integer array_like, optional
        Lattice coordinates (row, column) of each node, for a graph that is a subgraph of the
        4-neighbour lattice (the unlabelled nodes of a lattice, say). Then the two **combs** are
        used: comb 1 = the even rows without the last column plus column 0 of the odd rows; comb 2
        = the rest (odd rows without column 0, plus the last column of the even rows). Each is a
        tree on the full lattice, so a forest on any subset.

    Returns
    -------
    tuple of int64 NumPy arrays
        The blocks (sorted indices), covering every index exactly once.

    Raises
    ------
    ValueError
        A not square, symmetric and finite; unknown ``order``; ``grid`` of the wrong shape,
        negative or repeated coordinates, or a graph with an edge between non-adjacent grid cells
        (a comb would then have a cycle).

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> C = sp.csr_matrix(np.ones((4, 4)) + 3 * np.eye(4))     # the complete graph K4
    >>> [b.tolist() for b in tree_partition(C, order="natural")]
    [[0, 1], [2, 3]]
    """
    g = _check_matrix(A)
    order = _check_order(order, ("lipschitz", "natural"))
    return _tree_partition(g, order, grid)


def _tree_partition(g: _Graph, order: str, grid: Any) -> tuple[np.ndarray, ...]:
    if grid is None:
        return tuple(_forests(g, _node_order(g, order)))
    grid = v.check_integer_array(grid, "grid", low=0, high=2**31, ndim=2)
    rc = np.asarray(to_numpy(grid), dtype=np.int64)
    if rc.shape != (g.n, 2):
        raise ValueError(f"grid must have shape ({g.n}, 2) (row and column of each node); got shape {rc.shape}")
    if np.unique(rc, axis=0).shape[0] != g.n:
        raise ValueError("grid must give distinct (row, column) coordinates; got repeated cells")
    rows = np.repeat(np.arange(g.n), np.diff(g.indptr))
    if np.any(np.abs(rc[rows] - rc[g.indices]).sum(axis=1) != 1):
        raise ValueError("grid: the graph of A must only join 4-neighbour lattice cells (|dr| + |dc| = 1); got an "
                         "edge between non-adjacent cells")
    r, c = rc[:, 0], rc[:, 1]
    last = int(c.max())
    comb1 = ((r % 2 == 0) & ((c < last) | (last == 0))) | ((r % 2 == 1) & (c == 0))
    return tuple(b for b in (np.flatnonzero(comb1), np.flatnonzero(~comb1)) if b.size)


@capabilities(host_only=_HOST)
def greedy_tree_block(A: Any, scores: Any) -> Any:
    r"""The greedy forest block: scan by decreasing score, keep a node closing no cycle.

    Nodes are visited in decreasing ``scores`` (ties by index); node i is kept when its
    already-kept neighbours all lie in distinct trees, so the kept set induces a forest (maximal
    for that order). With ``scores = |∇f(x)|`` this is the paper's greedy tree (Fig. 6, "Greedy
    Tree"; the authors' ``GSTree``).

    Parameters
    ----------
    A : (n, n) SciPy sparse matrix or array_like
        Symmetric.
    scores : (n,) array_like
        Finite real scores (e.g. :math:`|\nabla_i f(x)|` or :math:`|\nabla_i f(x)|/\sqrt{L_i}`).

    Returns
    -------
    int64 NumPy array
        The block (sorted indices).

    Examples
    --------
    >>> import numpy as np
    >>> C = np.ones((3, 3)) + 2 * np.eye(3)                    # a triangle
    >>> greedy_tree_block(C, [3.0, 1.0, 2.0]).tolist()
    [0, 2]
    """
    g = _check_matrix(A)
    scores = v.check_array(scores, "scores", ndim=1, real=True)
    if int(scores.shape[0]) != g.n:
        raise ValueError(f"scores must have shape ({g.n},) (one per node of A); got shape {tuple(scores.shape)}")
    s = np.asarray(to_numpy(scores), dtype=np.float64)
    return _greedy_tree(g, s)


def _greedy_tree(g: _Graph, s: np.ndarray) -> np.ndarray:
    order = np.argsort(-s, kind="stable").astype(np.int64)
    return np.flatnonzero(grow_forest_kernel(g.indptr, g.indices, order, g.n)).astype(np.int64)


@capabilities(host_only=_HOST)
def random_tree_block(A: Any, *, rng: Any = None) -> Any:
    """The random forest block: the greedy scan of :func:`greedy_tree_block` in a uniformly random order.

    Parameters
    ----------
    A : (n, n) SciPy sparse matrix or array_like
        Symmetric.
    rng : int, numpy.random.Generator or None
        One permutation of ``n`` is drawn.

    Returns
    -------
    int64 NumPy array
        The block (sorted indices).

    Examples
    --------
    >>> import numpy as np
    >>> C = np.ones((3, 3)) + 2 * np.eye(3)
    >>> len(random_tree_block(C, rng=0))
    2
    """
    g = _check_matrix(A)
    gen = check_rng(rng)
    order = gen.permutation(g.n).astype(np.int64)
    return np.flatnonzero(grow_forest_kernel(g.indptr, g.indices, order, g.n)).astype(np.int64)


# --------------------------------------------------------------------------------------------
# block coordinate descent with exact (message-passing) block updates
# --------------------------------------------------------------------------------------------


class MessagePassingStatus(StatusEnum):
    """Why :func:`message_passing_bcd` stopped (the value is the message)."""

    __failures__ = ("MAX_ITER", "NONFINITE", "BREAKDOWN")
    CONVERGED = "converged: the gradient's max-norm is at or below gtol"
    MAX_ITER = "stopped: reached max_iter before the gradient's max-norm fell to gtol"
    BREAKDOWN = "breakdown: a block matrix A_bb is not positive definite (a pivot <= 0), so A is not SPD"
    NONFINITE = "stopped: the iterate or objective became NaN or infinite"
    CALLBACK = "stopped: the callback asked to stop"


@dataclass(frozen=True, kw_only=True)
class MessagePassingResult(Result):
    """Result of :func:`message_passing_bcd`.

    Attributes
    ----------
    status : MessagePassingStatus
    x : (n,) array
        The last iterate, in the caller's array library.
    fun : float
        :math:`f(x) = \\tfrac12 x^\\top A x - b^\\top x`.
    f_history : (n_iter + 1,) float array
        :math:`f(x_k)`, :math:`f(x_0)` first.
    block_sizes : (n_iter,) int array
        :math:`|\\mathcal b_k|`.
    n_iter : int
    n_matvec : int
        Products with the full matrix A (one gradient per iteration, plus one at the start).
    n_factor : int
        Block solves (forest eliminations or, for ``"general"``, dense factorisations).
    blocks : str
        The block strategy that ran.
    """

    x: Any
    fun: float
    f_history: np.ndarray
    block_sizes: np.ndarray
    n_iter: int
    n_matvec: int
    n_factor: int
    blocks: str


@capabilities(host_only=_HOST)
def message_passing_bcd(
    A: Any,
    b: Any,
    *,
    blocks: str = "greedy_tree",
    order: str | None = None,
    grid: Any = None,
    x0: Any = None,
    max_iter: int = 500,
    gtol: float = 0.0,
    rng: Any = None,
    callback: Any = None,
) -> MessagePassingResult:
    r"""Block coordinate descent on :math:`\tfrac12 x^\top A x - b^\top x` with exact block updates (Fig. 6).

    Each iteration picks a block :math:`\mathcal b_k` and minimises exactly over it,
    :math:`A_{\mathcal b\mathcal b}\delta = -\nabla_{\mathcal b} f(x)`,
    :math:`x_{\mathcal b} \leftarrow x_{\mathcal b} + \delta`, by the :math:`O(|\mathcal b|)` forest
    solve (or a dense solve for ``"general"``).

    Parameters
    ----------
    A : (n, n) SciPy sparse matrix or array_like
        Symmetric positive definite (e.g. a label-propagation Laplacian system).
    b : (n,) array_like
    blocks : {"greedy_tree", "random_tree", "tree_partition", "red_black", "general"}
        ``"greedy_tree"``: :func:`greedy_tree_block` with scores :math:`|\nabla_i f(x_k)|`;
        ``"random_tree"``: :func:`random_tree_block`; ``"tree_partition"`` /
        ``"red_black"``: cycle through :func:`tree_partition` / :func:`red_black_partition`
        (with ``order`` and, for tree partitions, ``grid``); ``"general"``: the
        :math:`\lfloor n^{1/3}\rfloor` coordinates of largest :math:`|\nabla_i f|`, solved densely.
    order : str, optional
        Passed to the partition: ``"lipschitz"`` (the default for tree partitions) or
        ``"natural"``; red-black also ``"auto"`` (its default).
    grid : (n, 2) integer array_like, optional
        Lattice coordinates for the comb tree partition (see :func:`tree_partition`).
    x0 : (n,) array_like, optional
        Start; zeros by default (the paper's setting).
    max_iter : int, default 500
    gtol : float, default 0
        Stop when :math:`\|\nabla f(x_k)\|_\infty \le` ``gtol`` (0: run ``max_iter`` iterations
        unless the gradient vanishes exactly).
    rng : int, numpy.random.Generator or None
        Draws of ``"random_tree"`` (one permutation per iteration).
    callback : callable, optional
        Called once per iteration with ``iteration``, ``x`` (host NumPy), ``fun``, ``block``;
        returning True stops with status ``CALLBACK``.

    Returns
    -------
    MessagePassingResult
        ``x``, ``fun``, ``f_history``, ``block_sizes``, counts, ``status``.

        A block matrix that is not positive definite (A not SPD) stops with status ``BREAKDOWN``.

    Raises
    ------
    ValueError
        Bad A, b or x0 (A not square, symmetric and finite); unknown ``blocks``/``order``.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> n = 30
    >>> A = sp.diags([-np.ones(n - 1), 3 * np.ones(n), -np.ones(n - 1)], [-1, 0, 1], format="csr")
    >>> res = message_passing_bcd(A, np.ones(n), blocks="greedy_tree", max_iter=3, gtol=1e-12)
    >>> bool(np.allclose(A @ res.x, 1.0)), res.n_iter            # a path is one tree: one exact step
    (True, 1)
    """
    g = _check_matrix(A)
    n = g.n
    b = v.check_array(b, "b", ndim=1, real=True)
    if int(b.shape[0]) != n:
        raise ValueError(f"b must have shape ({n},) to match A; got shape {tuple(b.shape)}")
    if not isinstance(blocks, str):
        raise TypeError(f"blocks must be one of {', '.join(map(repr, BLOCK_STRATEGIES))}; got {type(blocks).__name__}")
    v.check_choice(blocks, "blocks", BLOCK_STRATEGIES)
    if order is None:
        order = "auto" if blocks == "red_black" else "lipschitz"
    order = _check_order(order, ("auto", "lipschitz", "natural") if blocks == "red_black" else ("lipschitz", "natural"))
    if x0 is not None:
        x0 = v.check_array(x0, "x0", ndim=1, real=True)
        if int(x0.shape[0]) != n:
            raise ValueError(f"x0 must have shape ({n},) to match A; got shape {tuple(x0.shape)}")
    max_iter = v.check_size(max_iter, "max_iter", low=0, limit=10**7, why="each iteration costs a product with A")
    gtol = v.check_positive(gtol, "gtol", strict=False)
    check_callback(callback)
    gen = check_rng(rng)
    bd = Boundary(b, x0)
    bh = np.asarray(to_numpy(b), dtype=np.float64)
    x = np.zeros(n) if x0 is None else np.array(to_numpy(x0), dtype=np.float64)
    partition: tuple[np.ndarray, ...] = ()
    if blocks == "tree_partition":
        partition = _tree_partition(g, order, grid)
    elif blocks == "red_black":
        partition = _red_black(g, order)
    elif grid is not None:
        raise ValueError(f"grid is used only with blocks='tree_partition'; got blocks={blocks!r}")
    x, status, fs, sizes, n_it = _mp_core(g, bh, x, blocks=blocks, partition=partition, max_iter=max_iter,
                                          gtol=gtol, gen=gen, callback=callback)
    return MessagePassingResult(status=status, x=bd.out(bd.backend.asarray(x, dtype=bd.xp.float64)),
                                fun=float(fs[-1]), f_history=np.asarray(fs, dtype=float),
                                block_sizes=np.asarray(sizes, dtype=np.int64), n_iter=n_it, n_matvec=n_it + 1,
                                n_factor=n_it, blocks=blocks)


def _mp_core(g: _Graph, b: np.ndarray, x: np.ndarray, *, blocks: str, partition: tuple[np.ndarray, ...],
             max_iter: int, gtol: float, gen: np.random.Generator, callback: Any
             ) -> tuple[np.ndarray, MessagePassingStatus, list[float], list[int], int]:
    A = g.csr
    grad = A @ x - b
    fs = [0.5 * float(x @ (grad - b))]  # f = ½xᵀAx − bᵀx = ½xᵀ(∇f − b)
    sizes: list[int] = []
    status = MessagePassingStatus.MAX_ITER
    k_general = max(1, int(math.floor(g.n ** (1.0 / 3.0) + 1e-9)))
    k = 0
    while True:
        if not math.isfinite(fs[-1]):
            status = MessagePassingStatus.NONFINITE
            break
        if float(np.max(np.abs(grad))) <= gtol:
            status = MessagePassingStatus.CONVERGED
            break
        if k == max_iter:
            break
        if blocks == "greedy_tree":
            blk = _greedy_tree(g, np.abs(grad))
        elif blocks == "random_tree":
            blk = np.flatnonzero(grow_forest_kernel(g.indptr, g.indices, gen.permutation(g.n).astype(np.int64), g.n))
        elif blocks == "general":
            blk = np.sort(np.argpartition(-np.abs(grad), k_general - 1)[:k_general]).astype(np.int64)
        else:
            blk = partition[k % len(partition)]
        if blocks == "general":
            Abb = A[blk][:, blk].toarray()
            try:
                delta = np.linalg.solve(Abb, -grad[blk])
            except np.linalg.LinAlgError:
                status = MessagePassingStatus.BREAKDOWN
                break
            if not float(delta @ (Abb @ delta)) > 0.0:
                status = MessagePassingStatus.BREAKDOWN
                break
        else:
            delta, code, _ = forest_solve_kernel(g.indptr, g.indices, g.data, g.diag, blk, -grad[blk])
            if code != 0:  # blocks from the strategies are forests: only a pivot <= 0 can occur here
                status = MessagePassingStatus.BREAKDOWN
                break
        x[blk] += delta
        grad = A @ x - b
        fs.append(0.5 * float(x @ (grad - b)))
        sizes.append(int(blk.size))
        k += 1
        if notify(callback, iteration=k, x=x, fun=fs[-1], block=blk):
            status = MessagePassingStatus.CALLBACK
            break
    return x, status, fs, sizes, k


# --------------------------------------------------------------------------------------------
# plug-ins for refimpl.bcd.minimize (rules "red_black", "tree_partition", "greedy_tree",
# "random_tree", "general"; update "tree"; partitions "red_black", "tree_partition")
# --------------------------------------------------------------------------------------------

from ._core import Partition, register_partition, register_rule, register_update  # noqa: E402

import weakref  # noqa: E402

_GRAPHS: "weakref.WeakKeyDictionary[Any, _Graph]" = weakref.WeakKeyDictionary()


def _problem_graph(problem: Any) -> _Graph:
    """The checked graph of a quadratic problem's Q (cached per problem object)."""
    Q = getattr(problem, "Q", None)
    if Q is None:
        raise ValueError(f"problem must be a quadratic problem (refimpl.bcd.quadratic_problem) for the tree rules and "
                         f"the 'tree' update; got {problem!r:.80}")
    try:
        g = _GRAPHS.get(problem)
    except TypeError:  # an object that cannot be weakly referenced: no cache
        return _check_matrix(Q, "problem.Q")
    if g is None:
        g = _check_matrix(Q, "problem.Q")
        _GRAPHS[problem] = g
    return g


@register_partition("tree_partition")
def _tree_partition_plugin(problem: Any, block_size: int, rng: Any) -> Partition:
    g = _problem_graph(problem)
    return Partition(blocks=_tree_partition(g, "lipschitz", getattr(problem, "grid", None)), n=g.n,
                     kind="tree_partition")


@register_partition("red_black")
def _red_black_plugin(problem: Any, block_size: int, rng: Any) -> Partition:
    g = _problem_graph(problem)
    return Partition(blocks=_red_black(g, "auto"), n=g.n, kind="red_black")


def _cycle_rule(make: Any) -> Any:
    def factory(problem: Any, *, block_size: int, partition: Any, norm: str, rng: Any) -> Any:
        blocks = make(_problem_graph(problem), problem)
        return lambda ctx: blocks[ctx.k % len(blocks)]
    return factory


register_rule("tree_partition", blocks=("fixed", "variable"))(
    _cycle_rule(lambda g, p: _tree_partition(g, "lipschitz", getattr(p, "grid", None))))
register_rule("red_black", blocks=("fixed", "variable"))(_cycle_rule(lambda g, p: _red_black(g, "auto")))


@register_rule("greedy_tree", blocks=("variable",))
def _greedy_tree_rule(problem: Any, *, block_size: int, partition: Any, norm: str, rng: Any) -> Any:
    g = _problem_graph(problem)
    return lambda ctx: _greedy_tree(g, np.abs(ctx.grad()))


@register_rule("random_tree", blocks=("variable",))
def _random_tree_rule(problem: Any, *, block_size: int, partition: Any, norm: str, rng: Any) -> Any:
    g = _problem_graph(problem)
    return lambda ctx: np.flatnonzero(grow_forest_kernel(g.indptr, g.indices,
                                                         ctx.rng.permutation(g.n).astype(np.int64), g.n))


@register_rule("general", blocks=("variable",))
def _general_rule(problem: Any, *, block_size: int, partition: Any, norm: str, rng: Any) -> Any:
    k = max(1, int(math.floor(problem.n ** (1.0 / 3.0) + 1e-9)))

    def select(ctx: Any) -> np.ndarray:
        a = np.abs(ctx.grad())
        return np.sort(np.argpartition(-a, k - 1)[:k]).astype(np.int64)
    return select


@register_update("tree")
def _tree_update(problem: Any, *, block_size: int) -> Any:
    g = _problem_graph(problem)
    if getattr(problem, "nonsmooth", None) is not None:
        raise ValueError("update='tree' needs a smooth quadratic problem; got a problem with a non-smooth part")

    def step(ctx: Any, b: np.ndarray) -> None:
        delta = _solve(g, np.asarray(b, dtype=np.int64), -np.asarray(ctx.block_grad(b), dtype=np.float64),
                       name="the selected block")
        ctx.record_factor()
        ctx.apply(b, delta)
    return step
