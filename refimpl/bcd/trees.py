r"""Message passing for tree-structured blocks of sparse quadratics: the exact O(|b|) forest solve.

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

The blocks whose induced graph is a forest are built in :mod:`refimpl.bcd.tree_blocks`, and
:func:`~refimpl.bcd.message_passing_bcd` (:mod:`refimpl.bcd.message_passing`) runs block coordinate
descent with these exact updates (the experiment of Fig. 6).

Leaf kernels
------------
``bcd.forest_solve`` (breadth-first ordering, cycle check, elimination, back substitution) and
``bcd.grow_forest`` (the union-find scan behind greedy forests) are scalar loops; the references
below are the oracle, and their Numba twins (``backends/numba/bcd.py``) run the same operations in
the same order, so they agree bit for bit.

Provenance
----------
[R] the elimination is textbook Gaussian elimination on a tree (the paper's Section 5 argument,
not checked against its equations); the breadth-first acyclicity test and the union-find forest
growth are ours (the authors' code tests acyclicity by a rank identity of the block Laplacian).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refimpl import _validate as v
from refimpl.backends import Boundary, capabilities, leaf_kernel, to_numpy

__all__ = ["forest_solve", "is_forest"]

_HOST = "graph algorithms (breadth-first search, union-find, colouring) and SciPy sparse products run on the host"


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


