r"""The five test problems of Nutini, Laradji & Schmidt (JMLR 2022, §7 and Appendix), seeded and scalable.

The recipes follow the authors' public code (``IssamLaradji/BlockCoordinateDescent``, MATLAB data
generation scripts); the draw order is ours, from one ``numpy.random.default_rng(rng)`` (the
paper's runs use seed 1, so the defaults are ``rng=1``; the values do not equal the paper's).

======  ==========================================================================================
A       least squares, A ∈ R^{m×p}: entries N(0,1) + 1, column j scaled by 10·N(0,1), each entry
        kept with probability 10 log(m)/m; w* N(0,1) kept w.p. 0.1; b = A w* + N(0,1)
B       binary logistic, the same A; y = sign(A w*) with each label flipped w.p. 0.1
C       softmax logistic, A ∈ R^{m×p} the same recipe, W* ∈ R^{p×K} N(0,1), labels the argmax of
        A W* + N(0,1)
D       label propagation on a side×side 4-neighbour lattice, edge weight 1e5, ``n_labelled``
        random labelled nodes with labels 10·N(0,1)
E       label propagation on two moons (radius 1, noise variance 0.04), symmetrised 5-NN graph with
        unit weights, ``n_labelled`` labelled points with labels 1 and 2 (the moon)
L1      dataset A with the non-negative L1 objective (λ = 50 000 in the paper)
======  ==========================================================================================

Label propagation (D, E), restricted to the unlabelled nodes U with labelled nodes ℓ and weights W:
:math:`f(x) = \frac12 x^\top Q x - c^\top x`, :math:`Q_{ii} = \sum_j W_{ij}` (all neighbours),
:math:`Q_{ij} = -W_{ij}` (i ≠ j in U), :math:`c_i = \sum_{j\in\ell} W_{ij} y_j`.

Provenance: [R] reconstructed from the authors' code as summarised for us; sizes scale down with
the arguments (the validation claims use smaller instances).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from refimpl import _validate as v
from refimpl.backends import capabilities, check_rng
from refimpl.bcd._sparse import _host_matrix
from refimpl.bcd.problems import LeastSquaresProblem, LogisticProblem, QuadraticProblem, SoftmaxProblem

__all__ = ["dataset_a", "dataset_b", "dataset_c", "dataset_d", "dataset_e", "dataset_l1"]

_HOST = "the generators draw on the host with numpy.random.Generator (SPEC 7)"


def _design(g: np.random.Generator, m: int, p: int) -> sp.csc_matrix:
    A = g.standard_normal((m, p)) + 1.0
    A *= 10.0 * g.standard_normal(p)
    keep = g.random((m, p)) < min(1.0, 10.0 * math.log(m) / m) if m > 1 else np.ones((m, p), bool)
    return sp.csc_matrix(np.where(keep, A, 0.0))


def _sizes(m: Any, p: Any) -> tuple[int, int]:
    m = v.check_size(m, "m", limit=10**6, why="the design matrix is generated densely")
    p = v.check_size(p, "p", limit=10**6, why="the design matrix is generated densely")
    if m * p > 10**7:
        raise ValueError(f"m * p must be at most 1e7 (the design matrix is generated densely; the paper's "
                         f"datasets have 1e7 entries); got {m} * {p}")
    return m, p


@capabilities(host_only=_HOST)
def dataset_a(m: int = 1000, p: int = 10000, *, rng: Any = 1) -> LeastSquaresProblem:
    """Dataset A: sparse least squares (see the module table). Returns the problem with ``.w_star``.

    Examples
    --------
    >>> from refimpl.bcd import dataset_a
    >>> prob = dataset_a(50, 200)
    >>> prob.n, prob.A.shape
    (200, (50, 200))
    """
    m, p = _sizes(m, p)
    g = check_rng(rng)
    A = _design(g, m, p)
    w = g.standard_normal(p) * (g.random(p) < 0.1)
    b = A @ w + g.standard_normal(m)
    prob = LeastSquaresProblem(_host_matrix(A, "A"), b)
    prob.w_star = w
    return prob


@capabilities(host_only=_HOST)
def dataset_b(m: int = 1000, p: int = 10000, *, rng: Any = 1) -> LogisticProblem:
    """Dataset B: binary logistic regression on the dataset-A design (10% label flips).

    Examples
    --------
    >>> from refimpl.bcd import dataset_b
    >>> sorted(set(dataset_b(50, 200).y.tolist()))
    [-1.0, 1.0]
    """
    m, p = _sizes(m, p)
    g = check_rng(rng)
    A = _design(g, m, p)
    w = g.standard_normal(p) * (g.random(p) < 0.1)
    y = np.where(A @ w >= 0, 1.0, -1.0)
    y = np.where(g.random(m) < 0.1, -y, y)
    prob = LogisticProblem(_host_matrix(A, "A"), y)
    prob.w_star = w
    return prob


@capabilities(host_only=_HOST)
def dataset_c(m: int = 1000, p: int = 1000, n_classes: int = 50, *, rng: Any = 1) -> SoftmaxProblem:
    """Dataset C: multinomial logistic regression, ``p * n_classes`` variables.

    Examples
    --------
    >>> from refimpl.bcd import dataset_c
    >>> dataset_c(60, 20, 4).n
    80
    """
    m, p = _sizes(m, p)
    K = v.check_size(n_classes, "n_classes", low=2, limit=10**4, why="the scores are dense (m, K)")
    g = check_rng(rng)
    A = _design(g, m, p)
    W = g.standard_normal((p, K))
    labels = np.argmax(A @ W + g.standard_normal((m, K)), axis=1).astype(np.int64)
    return SoftmaxProblem(_host_matrix(A, "A"), labels, K)


def _label_propagation(W: sp.csr_matrix, labelled: np.ndarray, y: np.ndarray) -> QuadraticProblem:
    N = W.shape[0]
    mask = np.zeros(N, dtype=bool)
    mask[labelled] = True
    U = np.flatnonzero(~mask)
    deg = np.asarray(W.sum(axis=1)).ravel()
    WU = W[U][:, U]
    Q = (sp.diags(deg[U]) - WU).tocsc()
    c = np.asarray(W[U][:, labelled] @ y).ravel()
    prob = QuadraticProblem(Q, c)
    prob.graph = W.tocsr()
    prob.labelled = labelled
    prob.unlabelled = U
    prob.y_labelled = y
    return prob


@capabilities(host_only=_HOST)
def dataset_d(side: int = 50, n_labelled: int = 100, weight: float = 1e5, *, rng: Any = 1) -> QuadraticProblem:
    """Dataset D: label propagation on a ``side × side`` 4-neighbour lattice.

    Returns a :class:`~refimpl.bcd.problems.QuadraticProblem` over the unlabelled nodes with
    ``.graph`` (the lattice's weight matrix over all nodes, node ``r*side + c``), ``.labelled``,
    ``.unlabelled`` (node ids) and ``.y_labelled``.

    Examples
    --------
    >>> from refimpl.bcd import dataset_d
    >>> prob = dataset_d(10, 5)
    >>> prob.n, prob.graph.shape
    (95, (100, 100))
    """
    side = v.check_size(side, "side", low=2, limit=5000, why="the lattice has side**2 nodes")
    N = side * side
    n_lab = v.check_int(n_labelled, "n_labelled", low=1, high=N - 1)
    weight = v.check_positive(weight, "weight")
    g = check_rng(rng)
    idx = np.arange(N).reshape(side, side)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    W = sp.coo_matrix((np.full(rows.size, weight), (rows, cols)), shape=(N, N))
    W = (W + W.T).tocsr()
    labelled = np.sort(g.choice(N, n_lab, replace=False))
    y = 10.0 * g.standard_normal(n_lab)
    prob = _label_propagation(W, labelled, y)
    prob.side = side
    return prob


@capabilities(host_only=_HOST)
def dataset_e(n_points: int = 2000, n_labelled: int = 100, *, rng: Any = 1) -> QuadraticProblem:
    """Dataset E: label propagation on two moons with a symmetrised 5-nearest-neighbour graph.

    Moons as scikit-learn's ``make_moons`` (upper: (cos t, sin t), lower: (1 − cos t, 0.5 − sin t),
    t evenly spaced on [0, π]) plus N(0, 0.04) noise; ``.points`` and ``.moon`` are attached, and
    the attributes of :func:`dataset_d`.

    Examples
    --------
    >>> from refimpl.bcd import dataset_e
    >>> prob = dataset_e(200, 10)
    >>> prob.n, prob.graph.shape
    (190, (200, 200))
    """
    from scipy.spatial import cKDTree

    N = v.check_size(n_points, "n_points", low=12, limit=10**5, why="a k-d tree and a 5-NN graph are built over the points")
    n_lab = v.check_int(n_labelled, "n_labelled", low=1, high=N - 1)
    g = check_rng(rng)
    n_up = N // 2
    n_low = N - n_up
    t_up = np.linspace(0.0, np.pi, n_up)
    t_low = np.linspace(0.0, np.pi, n_low)
    X = np.vstack([np.column_stack([np.cos(t_up), np.sin(t_up)]),
                   np.column_stack([1.0 - np.cos(t_low), 0.5 - np.sin(t_low)])])
    X += math.sqrt(0.04) * g.standard_normal(X.shape)
    moon = np.concatenate([np.zeros(n_up, np.int64), np.ones(n_low, np.int64)])
    _, nbr = cKDTree(X).query(X, k=6)
    rows = np.repeat(np.arange(N), 5)
    cols = nbr[:, 1:].ravel()
    W = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(N, N)).tocsr()
    W = W.maximum(W.T).tocsr()
    labelled = np.sort(g.choice(N, n_lab, replace=False))
    y = (moon[labelled] + 1).astype(np.float64)
    prob = _label_propagation(W, labelled, y)
    prob.points = X
    prob.moon = moon
    return prob


@capabilities(host_only=_HOST)
def dataset_l1(m: int = 1000, p: int = 10000, lam: float = 50000.0, *, rng: Any = 1) -> LeastSquaresProblem:
    """The non-negative L1 problem of the active-set experiments: dataset A with
    :math:`\\frac12\\|Ax - b\\|^2 + \\lambda\\sum_i x_i`, :math:`x \\ge 0`.

    Examples
    --------
    >>> from refimpl.bcd import dataset_l1
    >>> dataset_l1(50, 200, 10.0).nonsmooth
    'nonneg_l1'
    """
    lam = v.check_positive(lam, "lam", strict=False)
    prob = dataset_a(m, p, rng=rng)
    prob.lam = lam
    prob.nonsmooth = "nonneg_l1"
    return prob
