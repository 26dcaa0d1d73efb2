"""Cross-check cases of the message-passing and active-set parts of bcd (convention: "Cross-check cases"
in the architecture docs).

Edge cases: a single node, a path (one tree: the whole block in one O(n) solve), a forest of
several trees, a block of a cyclic graph that induces a forest, the K4 graph (greedy forests split
it), an odd cycle (red-black falls back to a greedy colouring), ties in the greedy-tree scores
(broken by the smaller index), and the Lawson-Hanson QP with an active bound and a singular H.
Matrices are dense NumPy arrays (SciPy sparse input is accepted by the functions too).
"""

from __future__ import annotations

import numpy as np

from refimpl.crosscheck import Call, Case, Tolerance, cases_for

#: path 0 - 1 - 2 - 3 (a tree), SPD, diagonally dominant
PATH = np.array([[3.0, -1.0, 0.0, 0.0], [-1.0, 3.0, -1.0, 0.0], [0.0, -1.0, 3.0, -1.0], [0.0, 0.0, -1.0, 3.0]])
#: two trees {0, 1, 2} (a star at 1) and {3, 4}
FOREST = np.array([[2.0, 0.5, 0.0, 0.0, 0.0], [0.5, 3.0, -0.7, 0.0, 0.0], [0.0, -0.7, 2.0, 0.0, 0.0],
                   [0.0, 0.0, 0.0, 1.5, 0.4], [0.0, 0.0, 0.0, 0.4, 1.0]])
#: the 4-cycle 0 - 1 - 2 - 3 - 0 (bipartite) and the triangle (odd cycle), SPD
CYCLE4 = np.array([[3.0, -1.0, 0.0, -1.0], [-1.0, 3.0, -1.0, 0.0], [0.0, -1.0, 3.0, -1.0], [-1.0, 0.0, -1.0, 3.0]])
TRIANGLE = np.ones((3, 3)) + 2.0 * np.eye(3)
K4 = np.ones((4, 4)) + 3.0 * np.eye(4)


def _lattice(side=4):
    n = side * side
    A = np.zeros((n, n))
    for i in range(n):
        r, c = divmod(i, side)
        if c + 1 < side:
            A[i, i + 1] = A[i + 1, i] = -1.0
        if r + 1 < side:
            A[i, i + side] = A[i + side, i] = -1.0
    A[np.diag_indices(n)] = 4.5
    grid = np.stack(np.divmod(np.arange(n), side), axis=1)
    return A, grid


LATTICE, GRID = _lattice()
ELIM = Tolerance.eps(64, 10, why="one leaf-to-root elimination and back substitution on a diagonally dominant "
                                 "forest (cond <= 10): a few roundings per entry")
SETS = Tolerance.exact("combinatorial output (index sets)")


@cases_for("bcd.forest_solve", primary="value")
def _forest_solve():
    """x = A_bb⁻¹ r by elimination on the block's forest (Nutini, Laradji & Schmidt 2022, §5)."""
    yield Case("path", (PATH, np.array([1.0, 0.0, -1.0, 2.0])), tol=ELIM, prop="a path: one tree, exact solve")
    yield Case("forest", (FOREST, np.array([1.0, 2.0, 3.0, -1.0, 0.5])), tol=ELIM,
               prop="two trees (a star and an edge) solved independently")
    yield Case("n1", (np.array([[4.0]]), np.array([2.0])), tol=Tolerance.exact("one division by a power of two"),
               tags=("n=1",), prop="a single node: x = r / a")
    yield Case("block_of_cycle", (CYCLE4, np.array([1.0, -1.0, 2.0]), np.array([0, 1, 2])), tol=ELIM,
               tags=("pitfall:cycle",), prop="three nodes of a 4-cycle induce a path: solve A[b, b] only")
    yield Case("lattice_comb", (LATTICE, np.arange(8.0), np.array([0, 1, 2, 4, 8, 9, 10, 12])), tol=ELIM,
               prop="a comb of the 4×4 lattice (rows 0 and 2 without the last column, plus column 0)")


@cases_for("bcd.is_forest", primary="value")
def _is_forest():
    """Whether the graph of A restricted to a block has no cycle."""
    yield Case("path", (PATH,), tol=SETS, prop="a path is a tree")
    yield Case("cycle", (CYCLE4,), tol=SETS, tags=("pitfall:cycle",), prop="a 4-cycle is not a forest")
    yield Case("cycle_block", (CYCLE4, np.array([0, 1, 3])), tol=SETS, prop="removing one node of a cycle: a path")


@cases_for("bcd.red_black_partition", primary="0")
def _red_black():
    """Independent sets covering every node once (checkerboard when bipartite, greedy colouring otherwise)."""
    yield Case("lattice", (LATTICE,), tol=SETS, prop="the 4×4 lattice: the two checkerboard colours")
    yield Case("triangle", (TRIANGLE,), tol=SETS, tags=("odd-cycle",),
               prop="an odd cycle is not bipartite: greedy colouring, three singletons")
    yield Case("forest_natural", (FOREST,), {"order": "natural"}, tol=SETS,
               prop="greedy colouring in index order, least-used admissible colour")


@cases_for("bcd.tree_partition", primary="0")
def _tree_partition():
    """A few blocks covering every node once, each inducing a forest."""
    yield Case("k4_natural", (K4,), {"order": "natural"}, tol=SETS, tags=("complete-graph",),
               prop="K4: first-fit greedy forests {0, 1}, {2, 3}")
    yield Case("lattice_greedy", (LATTICE,), tol=SETS, prop="greedy forests in decreasing A_ii order (ties: index)")
    yield Case("lattice_combs", (LATTICE,), {"grid": GRID}, tol=SETS, prop="the two lattice combs")


@cases_for("bcd.greedy_tree_block", primary="value")
def _greedy_tree():
    """Scan by decreasing score, keep the nodes that close no cycle."""
    yield Case("triangle", (TRIANGLE, np.array([3.0, 1.0, 2.0])), tol=SETS, prop="the two best-scored nodes of a triangle")
    yield Case("ties", (CYCLE4, np.ones(4)), tol=SETS, tags=("ties",),
               prop="equal scores: index order, so node 3 (closing the cycle) is dropped")
    yield Case("lattice", (LATTICE, np.abs(np.sin(np.arange(16.0)))), tol=SETS, prop="a maximal forest of the lattice")


@cases_for("bcd.random_tree_block", primary="value", stochastic=True)
def _random_tree():
    """The greedy scan in a uniformly random order (one permutation drawn)."""
    yield Case("lattice", (LATTICE,), {"rng": 3}, tol=SETS, prop="the forest grown in the drawn order")
    yield Case("k4", (K4,), {"rng": 0}, tol=SETS, tags=("complete-graph",), prop="two nodes of K4")


@cases_for("bcd.message_passing_bcd", primary="x", fields=("x", "f_history", "block_sizes", "n_iter", "status"),
           stochastic=True)
def _message_passing():
    """BCD with exact forest-block updates on ½xᵀAx − bᵀx (the paper's Fig. 6 experiment)."""
    b = np.linspace(-1.0, 1.0, 16)
    tol = Tolerance.absolute(1e-10, why="exact block minimisation to gtol = 1e-11 on cond ≈ 5: |x − x*| ≤ 1e-10")
    yield Case("path_one_step", (PATH, np.ones(4)), {"blocks": "greedy_tree", "gtol": 1e-12}, tol=ELIM,
               prop="a tree is one block: converged after one exact step (n_iter = 1)")
    for blocks, kw in (("tree_partition", {"grid": GRID}), ("red_black", {}), ("greedy_tree", {}),
                       ("random_tree", {"rng": 1})):
        yield Case(blocks, (LATTICE, b), {"blocks": blocks, "gtol": 1e-11, "max_iter": 500, **kw}, tol=tol,
                   prop=f"{blocks} blocks: the same iterates, block sizes and iteration count")
    yield Case("general", (LATTICE, b), {"blocks": "general", "max_iter": 20}, tol=Tolerance.absolute(
        1e-12, why="20 dense 2×2 block solves"), prop="Gauss-Southwell blocks of size floor(n^(1/3)) = 2")


A_NN = np.array([[1.0, 0.2, 0.0, 0.5], [0.3, 1.0, 0.4, 0.0], [0.0, 0.1, 1.0, 0.2], [0.5, 0.0, 0.3, 1.0],
                 [0.2, 0.4, 0.0, 0.1], [0.0, 0.3, 0.6, 0.2]])
B_NN = np.array([1.0, -0.5, 2.0, 0.3, 0.0, 1.0])
NN = Call("bcd.nonneg_l1_problem", A_NN, B_NN, 0.3)


@cases_for("bcd.active_set_bcd", primary="x",
           fields=("x", "f_history", "active_set_iter", "support_sizes", "n_iter", "n_factor", "status"),
           stochastic=True)
def _active_set():
    """GS-q greedy proximal BCD on ½‖Ax−b‖² + λΣx, x ≥ 0, with PN / TMP / PG block updates (§6)."""
    tol = Tolerance.absolute(1e-9, why="converged to max|min(x, g)| <= 1e-11 on a well-conditioned 6×4 problem")
    for update in ("pn", "tmp", "pg"):
        yield Case(f"gsq_{update}", (NN,), {"update": update, "block_size": 2, "gtol": 1e-11, "max_iter": 500},
                   tol=tol, prop=f"GS-q + {update}: the support (active set), the identification iteration and x*")
    yield Case("fixed_pn", (NN,), {"update": "pn", "blocks": "fixed", "block_size": 2, "gtol": 1e-11,
                                   "max_iter": 500}, tol=tol, prop="fixed Sort blocks with GS-q block scores")
    yield Case("random_pg", (NN,), {"update": "pg", "selection": "random", "block_size": 2, "max_iter": 30,
                                    "rng": 2}, tol=Tolerance.absolute(1e-12, why="30 projected-gradient steps"),
               prop="random blocks from the drawn indices")


@cases_for("bcd.nonneg_qp", primary="value")
def _nonneg_qp():
    """argmin_{y ≥ 0} ½yᵀHy + cᵀy (Lawson-Hanson active set; the projected-Newton block problem)."""
    H = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 1.5]])
    tol = Tolerance.eps(64, 10, why="one or two symmetric solves on a free set, cond(H) < 10", scale=1.0)
    yield Case("interior", (H, np.array([-1.0, -1.0, -1.0])), tol=tol, prop="the unconstrained minimiser is feasible")
    yield Case("active_bound", (H, np.array([-1.0, 2.0, -0.5])), tol=tol, tags=("active-set",),
               prop="one bound active at the solution")
    yield Case("singular", (np.ones((2, 2)), np.array([-1.0, -1.0])), tol=tol, tags=("rank-one",),
               prop="rank-one H: a minimiser on the face (y0 + y1 = 1; refimpl picks y = (1, 0))")
