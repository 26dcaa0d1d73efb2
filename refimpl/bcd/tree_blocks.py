r"""Blocks of a sparse quadratic whose induced graph is a forest (so that an exact block update costs O(|b|)).

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster*, JMLR 23(131),
2022, arXiv:1712.08859, Section 5 (tree-structured blocks) and the strategies compared in Fig. 6.
The exact solve on such a block is :func:`refimpl.bcd.forest_solve` (:mod:`refimpl.bcd.trees`).

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

Provenance
----------
[V] the strategies (red-black, tree partitions with lattice combs and greedy forests on general
graphs, greedy and random trees) follow the authors' public code (``IssamLaradji/BlockCoordinateDescent``,
selection rules ``RedBlackTree``, ``TreePartitions``, ``GSTree``, ``RTree``). [R] the union-find
forest growth (leaf kernel ``bcd.grow_forest``) and the bipartite 2-colouring are ours (the authors'
code colours greedily).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl.backends import capabilities, check_rng, to_numpy

from .trees import _HOST, _check_matrix, _check_order, _forests, _Graph, _node_order, grow_forest_kernel

__all__ = ["greedy_tree_block", "random_tree_block", "red_black_partition", "tree_partition"]


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
