r"""Problems for block coordinate descent: what BCD needs from an objective, and the paper's problems.

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster: Faster Greedy
Rules, Message-Passing, Active-Set Complexity, and Superlinear Convergence*, JMLR 23(131), 2022
(arXiv:1712.08859), §2–§4 and the experiments of §7 / Appendix; the authors' public code
(``IssamLaradji/BlockCoordinateDescent``) fixes the conventions reproduced here.

The problem protocol
--------------------
BCD minimises :math:`F(x) = f(x) + \sum_i g_i(x_i)` with a smooth :math:`f` and an optional
separable non-smooth part (``nonsmooth``: ``None``, ``"l1"`` for :math:`\lambda\|x\|_1`,
``"nonneg_l1"`` for :math:`\lambda\sum_i x_i` plus the constraint :math:`x \ge 0`). A problem
(a :class:`BCDProblem`) keeps a **state** ``s`` that makes one block update cheap (the residual
:math:`Ax - b`, the scores :math:`Ax`, or :math:`Qx`) and provides, on host NumPy arrays:

==========================================  =======================================================
``n``, ``x0``, ``lam``, ``nonsmooth``       dimension, start (zeros), non-smooth weight and kind
``init_state(x)``                           the state of ``x``
``update_state(s, b, delta)``               the state after :math:`x_b \leftarrow x_b + \delta`
``value(x, s)``                             :math:`F(x)` (smooth part + non-smooth part)
``smooth_value(x, s)``                      :math:`f(x)`
``gradient(x, s)``                          :math:`\nabla f(x)`, all coordinates
``block_gradient(x, b, s)``                 :math:`\nabla_b f(x)`
``hessian_block(x, b, s)``                  :math:`\nabla^2_{bb} f(x)` (Newton updates)
``lipschitz()``                             :math:`L_i` (coordinate Lipschitz constants of ∇f)
``block_bound(b)``                          :math:`H_b \succeq \nabla^2_{bb} f(x)` for all x
``block_lipschitz(b)``                      :math:`L_b = \lambda_{\max}(H_b)`
``bound_row_sums()``                        :math:`D_{ii} = \sum_j |H_{ij}|` of the global bound H
``bound_matvec(v)``, ``bound_norm()``       :math:`Hv` and :math:`\lambda_{\max}(H)` (GSQ by IHT)
``bound_columns(idx, v, base)``             ``base`` + :math:`H_{:,idx}v` (IHT steps; τ columns)
==========================================  =======================================================

Curvature bounds (§2 and the authors' code): least squares :math:`L_i = \|A_{:,i}\|^2`,
:math:`H_b = A_b^\top A_b`; logistic :math:`L_i = \frac14\|A_{:,i}\|^2`, :math:`H_b = \frac14 A_b^\top A_b`;
softmax with K classes, variable (feature f, class c): :math:`L_{f,c} = \frac14\|A_{:,f}\|^2` and the
Böhning-type bound :math:`H[(f,c),(f',c')] = s(c,c')(A^\top A)_{ff'}` with
:math:`s = \frac12(1 - 1/k)` on equal classes and :math:`-1/(2k)` otherwise (:math:`k` = min(K,
distinct classes in the block + 1) for a block, :math:`k = K` globally, whose row sums are
:math:`(1 - 1/K)\sum_{f'}|(A^\top A)_{ff'}|`, computed without forming the bound);
quadratic :math:`\frac12 x^\top Qx - c^\top x`: :math:`L_i = Q_{ii}`, :math:`H_b = Q_{bb}`.

Matrices are held on the host as dense NumPy arrays or SciPy CSC matrices (sparse input stays
sparse). Everything in this module is host NumPy/SciPy. The public constructors
(``least_squares_problem`` ...) are in :mod:`refimpl.bcd.constructors`, the fixed partitions in
:mod:`refimpl.bcd.partitions`, the shared column products and Gram kernels in
:mod:`refimpl.bcd._sparse`.

Provenance
----------
[V] the values, gradients, Hessian blocks and bounds are closed forms, checked in the tests
against dense computations and finite differences. [R] the paper's full text was not available;
the bounds follow the authors' public code.
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from refimpl._oracle import logistic_terms, softmax_terms
from refimpl.backends import capabilities

from ._sparse import (
    _TINY,
    _abs_gram_row_sums,
    _columns,
    _combo,
    _lambda_max_sym,
    _tdot,
    add_rows,
    gram_combo,
)

__all__ = ["BCDProblem", "LeastSquaresProblem", "LogisticProblem", "QuadraticProblem", "SoftmaxProblem"]

_HOST = "BCD problems hold their data (dense or SciPy sparse) on the host and are evaluated in NumPy/SciPy"

#: Default memory budget (bytes) of a least-squares / logistic problem for Gram data
#: :math:`A^\top A`: the whole Gram matrix when it fits (8n² bytes, i.e. n ≤ 4096 by default),
#: else a cache of Gram columns (8n bytes each, least recently used evicted). Per problem:
#: the attribute ``gram_budget``.
GRAM_BUDGET = 8 * 4096 * 4096

NONSMOOTH_KINDS = (None, "l1", "nonneg_l1")


# --------------------------------------------------------------------------------------------
# the protocol
# --------------------------------------------------------------------------------------------


class BCDProblem:
    r"""Base of the BCD problems: :math:`F(x) = f(x) + g(x)` with the methods of the module table.

    Subclasses implement the smooth part; this class adds the non-smooth part
    (``nonsmooth`` ∈ {None, ``"l1"``, ``"nonneg_l1"``}, weight ``lam``) and caches :math:`L_i`,
    the bound's row sums and :math:`\lambda_{\max}(H)`.

    Attributes
    ----------
    n : int
        Number of variables.
    x0 : (n,) ndarray
        Default start (zeros, as in the paper's experiments).
    lam : float
    nonsmooth : str or None
    name : str
    """

    n: int
    name: str = "problem"
    lam: float = 0.0
    nonsmooth: str | None = None
    __refimpl_data__ = True

    def __init__(self) -> None:
        self._L: np.ndarray | None = None
        self._rowsums: np.ndarray | None = None
        self._norm: float | None = None

    @property
    def x0(self) -> np.ndarray:
        """The default start, zeros."""
        return np.zeros(self.n)

    # -- to implement -----------------------------------------------------------------------
    def _not_implemented(self, what: str) -> NoReturn:
        method = what.split("(")[0]
        raise NotImplementedError(f"{type(self).__name__}.{method} is not implemented: a BCD problem must provide "
                                  f"{what} (the protocol table of refimpl.bcd.problems lists what each rule and "
                                  f"update needs)")

    def init_state(self, x: np.ndarray) -> Any:
        self._not_implemented("init_state(x), the state (e.g. the residual Ax - b) of x")

    def update_state(self, s: Any, b: np.ndarray, delta: np.ndarray) -> Any:
        self._not_implemented("update_state(s, b, delta), the state after x_b += delta")

    def smooth_value(self, x: np.ndarray, s: Any = None) -> float:
        self._not_implemented("smooth_value(x, s), the smooth part f(x)")

    def gradient(self, x: np.ndarray, s: Any = None) -> np.ndarray:
        self._not_implemented("gradient(x, s), the full gradient of f")

    def block_gradient(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        """:math:`\\nabla_b f(x)` (default: from the full gradient)."""
        return self.gradient(x, s)[b]

    def hessian_block(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        self._not_implemented("hessian_block(x, b, s), the Hessian block (Newton updates)")

    def _lipschitz(self) -> np.ndarray:
        self._not_implemented("_lipschitz(), the coordinate Lipschitz constants L_i")

    def block_bound(self, b: np.ndarray) -> np.ndarray:
        self._not_implemented("block_bound(b), a curvature bound H_b of the block")

    def _row_sums(self) -> np.ndarray:
        self._not_implemented("_row_sums(), the row sums of |H| of the global bound (GSL-VB)")

    def bound_matvec(self, vec: np.ndarray) -> np.ndarray:
        self._not_implemented("bound_matvec(v), the product Hv with the global bound (GSQ-VB)")

    def bound_columns(self, idx: np.ndarray, vals: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        r"""``base`` + :math:`H_{:, idx}\,v` (a product with a vector supported on ``idx``; ``base``
        default 0; a new array; default implementation: one dense product)."""
        vec = np.zeros(self.n)
        vec[idx] = vals
        out = self.bound_matvec(vec)
        return out if base is None else base + out

    # -- shared -------------------------------------------------------------------------------
    def nonsmooth_value(self, x: np.ndarray) -> float:
        """:math:`g(x)`: 0, :math:`\\lambda\\|x\\|_1`, or :math:`\\lambda\\sum x_i` (+inf if some x_i < 0)."""
        if self.nonsmooth is None:
            return 0.0
        if self.nonsmooth == "l1":
            return self.lam * float(np.sum(np.abs(x)))
        if np.any(x < 0):
            return float("inf")
        return self.lam * float(np.sum(x))

    def value(self, x: np.ndarray, s: Any = None) -> float:
        """:math:`F(x) = f(x) + g(x)`."""
        if s is None:
            s = self.init_state(x)
        return self.smooth_value(x, s) + self.nonsmooth_value(x)

    def lipschitz(self) -> np.ndarray:
        """:math:`L_i`, coordinate Lipschitz constants of ∇f (cached; strictly positive: a zero
        column gets the smallest positive float so that 1/L stays finite)."""
        if self._L is None:
            L = np.asarray(self._lipschitz(), dtype=np.float64)
            self._L = np.where(L > 0, L, _TINY)
        return self._L

    def block_lipschitz(self, b: np.ndarray) -> float:
        """:math:`L_b = \\lambda_{\\max}(H_b)` (one symmetric eigenvalue problem)."""
        b = np.asarray(b)
        if b.size == 1:
            return float(self.lipschitz()[b[0]])
        H = self.block_bound(b)
        return max(float(np.linalg.eigvalsh(H)[-1]), _TINY)

    def bound_row_sums(self) -> np.ndarray:
        """:math:`D_{ii} = \\sum_j |H_{ij}|` of the global curvature bound (cached)."""
        if self._rowsums is None:
            self._rowsums = np.maximum(np.asarray(self._row_sums(), dtype=np.float64), _TINY)
        return self._rowsums

    def bound_norm(self) -> float:
        """:math:`\\lambda_{\\max}(H)` of the global bound (cached)."""
        if self._norm is None:
            self._norm = _lambda_max_sym(self.bound_matvec, self.n)
        return self._norm

    def __repr__(self) -> str:
        extra = f", nonsmooth={self.nonsmooth!r}, lam={self.lam:g}" if self.nonsmooth else ""
        return f"{type(self).__name__}(n={self.n}{extra})"


class _LinearModel(BCDProblem):
    """Shared by least squares and logistic: data A (m, n), state holds the scores / residual."""

    def __init__(self, A: Any) -> None:
        super().__init__()
        self.A = A
        self.m, self.n = A.shape
        self._gram: np.ndarray | None = None
        self._csr: Any = None
        self._cols: dict[str, Any] | None = None
        self.gram_budget = GRAM_BUDGET
        self._colsq = np.asarray(A.multiply(A).sum(axis=0)).ravel() if sp.issparse(A) else np.sum(A * A, axis=0)

    def _gram_matrix(self) -> np.ndarray | None:
        if self._gram is None and 8 * self.n * self.n <= self.gram_budget:
            G = self.A.T @ self.A
            self._gram = G.toarray() if sp.issparse(G) else np.asarray(G)
        return self._gram

    def clear_gram_cache(self, release: bool = True) -> None:
        """Drop the cached Gram matrix or Gram columns (they are rebuilt on demand).

        ``release=False`` forgets the cached columns but keeps the column buffer's memory (its pages
        are already mapped), so the next run recomputes every column it needs without the first-touch
        cost of fresh memory.
        """
        self._gram = None
        c = self._cols
        if release or c is None:
            self._cols = None
            return
        c["slot"].clear()
        c["owner"][:] = -1
        c["used"][:] = 0
        c["clock"] = c["filled"] = c["misses"] = 0

    def _gram_column_cache(self, need: int) -> dict[str, Any] | None:
        """The Gram-column cache (None when the whole Gram is used or fewer than ``need`` columns fit)."""
        cap = int(self.gram_budget // (8 * self.n))
        if 8 * self.n * self.n <= self.gram_budget or cap < need:
            return None
        c = self._cols
        if c is None or c["store"].shape[0] != cap:
            # np.empty: pages are only committed as columns are written
            c = self._cols = {"store": np.empty((cap, self.n)), "slot": {}, "owner": np.full(cap, -1, np.int64),
                              "used": np.zeros(cap, np.int64), "clock": 0, "filled": 0, "misses": 0}
        return c

    def _gram_column(self, j: int, out: np.ndarray) -> None:
        r"""``out`` ← :math:`(A^\top A)_{:,j} = A^\top a_j` (sparse A: through the rows a_j touches)."""
        if self._sparse_gram_combo(np.array([j], dtype=np.int64), np.ones(1), out=out) is None:
            out[...] = self.A.T @ self.A[:, j]

    def _gram_times(self, b: np.ndarray, delta: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        r"""``base`` + :math:`A^\top A_b\delta` (n,) (base default 0): whole Gram, cached Gram columns
        (LRU under ``gram_budget``) or, when not even |b| columns fit, straight through the touched
        rows (sparse) or :math:`A^\top(A_b\delta)` (dense)."""
        G = self._gram_matrix()
        if G is not None:
            out = G[:, b] @ delta
            return out if base is None else base + out
        c = self._gram_column_cache(len(b))
        if c is None or len(b) == 0:
            out = self._sparse_gram_combo(b, delta)
            if out is None:
                out = self._matvec_T(_combo(self.A, b, delta))
            return out if base is None else base + out
        store, slot, owner, used = c["store"], c["slot"], c["owner"], c["used"]
        c["clock"] += 1
        idx = np.empty(len(b), dtype=np.int64)
        for k, j in enumerate(b):
            j = int(j)
            s_ = slot.get(j)
            if s_ is None:
                c["misses"] += 1
                if c["filled"] < store.shape[0]:
                    s_ = c["filled"]
                    c["filled"] += 1
                else:  # evict the least recently used column (not one of this block's)
                    s_ = int(np.argmin(used))
                    del slot[int(owner[s_])]
                self._gram_column(j, store[s_])
                slot[j] = s_
                owner[s_] = j
            used[s_] = c["clock"]
            idx[k] = s_
        return add_rows(np.zeros(self.n) if base is None else base, store, idx, np.asarray(delta, dtype=np.float64))

    def _Ab(self, b: np.ndarray) -> np.ndarray:
        return _columns(self.A, b)

    def _sparse_gram_combo(self, b: np.ndarray, delta: np.ndarray, out: np.ndarray | None = None) -> np.ndarray | None:
        r""":math:`A^\top A_b\delta` through the touched rows of a CSR copy (sparse A only, else None)."""
        if not sp.issparse(self.A):
            return None
        if self._csr is None:
            R = self.A.tocsr()
            R.sort_indices()
            # column indices in the smallest unsigned type that holds n: a Gram column reads about
            # nnz(column)·nnz(row) (index, value) pairs, and uint16 indices cut those bytes by a sixth
            cols = R.indices.astype(np.uint16) if self.n <= 1 << 16 else R.indices
            self._csr = (R.indptr, cols, R.data)
        A, (rindptr, rindices, rdata) = self.A, self._csr
        return gram_combo(A.indptr, A.indices, A.data, rindptr, rindices, rdata,
                          np.asarray(b, dtype=np.int64), np.asarray(delta, dtype=np.float64), self.n, out=out)

    def _matvec_T(self, r: np.ndarray) -> np.ndarray:
        return np.asarray(self.A.T @ r).ravel()


@capabilities(host_only=_HOST)
class LeastSquaresProblem(_LinearModel):
    r"""Least squares :math:`f(x) = \frac12\|Ax - b\|^2` (+ an optional non-smooth part).

    State: the residual :math:`r = Ax - b` and, once a full gradient has been requested, the
    gradient :math:`A^\top r`, kept current per block update by
    :math:`g \leftarrow g + A^\top A_b\delta = g + \sum_{j\in b}\delta_j (A^\top A)_{:,j}` (:math:`O(n|b|)`):
    from the whole Gram matrix when it fits ``gram_budget`` (bytes; default ``GRAM_BUDGET``,
    128 MiB, i.e. n ≤ 4096), else from a least-recently-used cache of Gram columns under the
    same budget (the LIBSVM kernel-cache idea). A missing column :math:`A^\top a_j` of a sparse A
    is computed through only the rows :math:`a_j` touches (leaf kernel ``bcd.gram_combo``: about
    nnz(column)·nnz(row) multiply-adds instead of nnz(A)). ``clear_gram_cache()`` frees it.
    """

    name = "least squares"

    def __init__(self, A: Any, b: Any, lam: float = 0.0, nonsmooth: str | None = None) -> None:
        super().__init__(A)
        self.b = b
        self.lam = lam
        self.nonsmooth = nonsmooth

    def init_state(self, x: np.ndarray) -> dict[str, Any]:
        return {"r": np.asarray(self.A @ x).ravel() - self.b, "g": None}

    def update_state(self, s: dict[str, Any], b: np.ndarray, delta: np.ndarray) -> dict[str, Any]:
        g = s["g"]
        if g is not None:
            g = self._gram_times(b, delta, base=g)
        return {"r": s["r"] + _combo(self.A, b, delta), "g": g}

    def smooth_value(self, x: np.ndarray, s: Any = None) -> float:
        r = (s or self.init_state(x))["r"]
        return 0.5 * float(r @ r)

    def gradient(self, x: np.ndarray, s: Any = None) -> np.ndarray:
        if s is None:
            s = self.init_state(x)
        if s["g"] is None:
            g = self._matvec_T(s["r"])
            if (self._gram_matrix() is not None or sp.issparse(self.A)
                    or self._gram_column_cache(1) is not None):
                s["g"] = g
            return g.copy()
        return s["g"].copy()

    def block_gradient(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        if s is None:
            s = self.init_state(x)
        if s["g"] is not None:
            return s["g"][b].copy()
        return _tdot(self.A, b, s["r"])

    def hessian_block(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        return self.block_bound(b)

    def _lipschitz(self) -> np.ndarray:
        return self._colsq

    def block_bound(self, b: np.ndarray) -> np.ndarray:
        G = self._gram
        if G is not None:
            return G[np.ix_(b, b)].copy()
        Ab = self._Ab(b)
        return Ab.T @ Ab

    def _row_sums(self) -> np.ndarray:
        G = self._gram_matrix()
        return np.abs(G).sum(axis=1) if G is not None else _abs_gram_row_sums(self.A)

    def bound_matvec(self, vec: np.ndarray) -> np.ndarray:
        return self._matvec_T(np.asarray(self.A @ vec).ravel())

    def bound_columns(self, idx: np.ndarray, vals: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        return self._gram_times(idx, vals, base)


@capabilities(host_only=_HOST)
class LogisticProblem(_LinearModel):
    r"""Binary logistic loss :math:`f(w) = \sum_i \log(1 + e^{-y_i a_i^\top w})` (sum form, labels ±1).

    The loss terms are those of :class:`refimpl._oracle.LogisticRegression`
    (:func:`refimpl._oracle.logistic_terms`). State: the scores :math:`z = Aw`.
    """

    name = "logistic regression"

    def __init__(self, A: Any, y: np.ndarray, lam: float = 0.0, nonsmooth: str | None = None) -> None:
        super().__init__(A)
        self.y = y
        self.lam = lam
        self.nonsmooth = nonsmooth

    def init_state(self, x: np.ndarray) -> dict[str, Any]:
        return {"z": np.asarray(self.A @ x).ravel(), "t": None}

    def _terms(self, s: dict[str, Any]) -> tuple[float, np.ndarray, np.ndarray]:
        if s["t"] is None:
            s["t"] = logistic_terms(s["z"], self.y)
        return s["t"]

    def update_state(self, s: dict[str, Any], b: np.ndarray, delta: np.ndarray) -> dict[str, Any]:
        return {"z": s["z"] + _combo(self.A, b, delta), "t": None}

    def smooth_value(self, x: np.ndarray, s: Any = None) -> float:
        return self._terms(s or self.init_state(x))[0]

    def gradient(self, x: np.ndarray, s: Any = None) -> np.ndarray:
        return self._matvec_T(self._terms(s or self.init_state(x))[1])

    def block_gradient(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        return _tdot(self.A, b, self._terms(s or self.init_state(x))[1])

    def hessian_block(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        hz = self._terms(s or self.init_state(x))[2]
        Ab = self._Ab(b)
        return Ab.T @ (hz[:, None] * Ab)

    def _lipschitz(self) -> np.ndarray:
        return 0.25 * self._colsq

    def block_bound(self, b: np.ndarray) -> np.ndarray:
        G = self._gram
        if G is not None:
            return 0.25 * G[np.ix_(b, b)]
        Ab = self._Ab(b)
        return 0.25 * (Ab.T @ Ab)

    def _row_sums(self) -> np.ndarray:
        G = self._gram_matrix()
        return 0.25 * (np.abs(G).sum(axis=1) if G is not None else _abs_gram_row_sums(self.A))

    def bound_matvec(self, vec: np.ndarray) -> np.ndarray:
        return 0.25 * self._matvec_T(np.asarray(self.A @ vec).ravel())

    def bound_columns(self, idx: np.ndarray, vals: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        # ¼(A^T A)_{:,idx} v = (A^T A)_{:,idx}(¼v) exactly (a power of two), so base is added in the same pass
        return self._gram_times(idx, 0.25 * np.asarray(vals, dtype=np.float64), base)


@capabilities(host_only=_HOST)
class SoftmaxProblem(BCDProblem):
    r"""Multinomial (softmax) logistic loss :math:`\sum_i \operatorname{logsumexp}(a_i^\top W) - a_i^\top W_{:, y_i}`.

    Variables :math:`W \in \mathbb R^{p \times K}` flattened row-major: variable ``f*K + c`` is
    (feature f, class c). State: the scores :math:`Z = AW` (m, K). Böhning-type bounds as in the
    module docstring; the global bound is never formed (its row sums are analytic).
    """

    name = "softmax regression"

    def __init__(self, A: Any, labels: np.ndarray, n_classes: int) -> None:
        super().__init__()
        self.A = A
        self.m, self.p = A.shape
        self.K = int(n_classes)
        self.labels = labels
        self.n = self.p * self.K
        self._colsq = np.asarray(A.multiply(A).sum(axis=0)).ravel() if sp.issparse(A) else np.sum(A * A, axis=0)
        self._gram: np.ndarray | None = None

    def _fc(self, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        b = np.asarray(b)
        return b // self.K, b % self.K

    def init_state(self, x: np.ndarray) -> dict[str, Any]:
        Z = np.asarray(self.A @ x.reshape(self.p, self.K))
        return {"Z": Z, "t": None}

    def _terms(self, s: dict[str, Any]) -> tuple[float, np.ndarray, np.ndarray]:
        if s["t"] is None:
            s["t"] = softmax_terms(s["Z"], self.labels)
        return s["t"]

    def update_state(self, s: dict[str, Any], b: np.ndarray, delta: np.ndarray) -> dict[str, Any]:
        f, c = self._fc(b)
        Z = s["Z"].copy()
        Af = _columns(self.A, f)
        for j in range(len(b)):
            Z[:, c[j]] += Af[:, j] * delta[j]
        return {"Z": Z, "t": None}

    def smooth_value(self, x: np.ndarray, s: Any = None) -> float:
        return self._terms(s or self.init_state(x))[0]

    def gradient(self, x: np.ndarray, s: Any = None) -> np.ndarray:
        dZ = self._terms(s or self.init_state(x))[1]
        return np.asarray(self.A.T @ dZ).ravel()

    def block_gradient(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        dZ = self._terms(s or self.init_state(x))[1]
        f, c = self._fc(b)
        return np.sum(_columns(self.A, f) * dZ[:, c], axis=0)

    def hessian_block(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        P = self._terms(s or self.init_state(x))[2]
        f, c = self._fc(b)
        Af = _columns(self.A, f)
        AP = Af * P[:, c]
        return (AP.T @ Af) * (c[:, None] == c[None, :]) - AP.T @ AP

    def _lipschitz(self) -> np.ndarray:
        return np.repeat(0.25 * self._colsq, self.K)

    def _gram_sub(self, f: np.ndarray) -> np.ndarray:
        Af = _columns(self.A, f)
        return Af.T @ Af

    def block_bound(self, b: np.ndarray) -> np.ndarray:
        f, c = self._fc(b)
        k = min(self.K, len(np.unique(c)) + 1)
        S = np.where(c[:, None] == c[None, :], 0.5 * (1.0 - 1.0 / k), -0.5 / k)
        return S * self._gram_sub(f)

    def _row_sums(self) -> np.ndarray:
        return np.repeat((1.0 - 1.0 / self.K) * _abs_gram_row_sums(self.A), self.K)

    def bound_matvec(self, vec: np.ndarray) -> np.ndarray:
        V = vec.reshape(self.p, self.K)
        X = np.asarray(self.A.T @ np.asarray(self.A @ V))
        return (0.5 * (X - X.mean(axis=1, keepdims=True))).ravel()

    def bound_norm(self) -> float:
        if self._norm is None:
            Am = lambda u: np.asarray(self.A.T @ np.asarray(self.A @ u).ravel()).ravel()  # noqa: E731
            self._norm = 0.5 * _lambda_max_sym(Am, self.p)
        return self._norm


@capabilities(host_only=_HOST)
class QuadraticProblem(BCDProblem):
    r"""Quadratic :math:`f(x) = \frac12 x^\top Q x - c^\top x` with symmetric positive semidefinite Q.

    State: :math:`Qx` (so the full gradient :math:`Qx - c` costs O(n) and one block update
    O(nnz of the block's columns)). The label-propagation problems of the paper's §5 and §7 are
    of this form (datasets D and E).
    """

    name = "quadratic"

    def __init__(self, Q: Any, c: np.ndarray) -> None:
        super().__init__()
        self.Q = Q
        self.c = c
        self.n = Q.shape[0]
        self._diag = np.asarray(Q.diagonal()).ravel().copy()

    def init_state(self, x: np.ndarray) -> dict[str, Any]:
        return {"Qx": np.asarray(self.Q @ x).ravel()}

    def update_state(self, s: dict[str, Any], b: np.ndarray, delta: np.ndarray) -> dict[str, Any]:
        col = self.Q[:, b] @ delta
        return {"Qx": s["Qx"] + np.asarray(col).ravel()}

    def smooth_value(self, x: np.ndarray, s: Any = None) -> float:
        Qx = (s or self.init_state(x))["Qx"]
        return 0.5 * float(x @ Qx) - float(self.c @ x)

    def gradient(self, x: np.ndarray, s: Any = None) -> np.ndarray:
        return (s or self.init_state(x))["Qx"] - self.c

    def block_gradient(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        return (s or self.init_state(x))["Qx"][b] - self.c[b]

    def hessian_block(self, x: np.ndarray, b: np.ndarray, s: Any = None) -> np.ndarray:
        return self.block_bound(b)

    def _lipschitz(self) -> np.ndarray:
        return self._diag

    def block_bound(self, b: np.ndarray) -> np.ndarray:
        B = self.Q[np.ix_(b, b)] if not sp.issparse(self.Q) else self.Q[b][:, b]
        return B.toarray() if sp.issparse(B) else np.array(B)

    def _row_sums(self) -> np.ndarray:
        if sp.issparse(self.Q):
            return np.asarray(abs(self.Q).sum(axis=1)).ravel()
        return np.abs(self.Q).sum(axis=1)

    def bound_matvec(self, vec: np.ndarray) -> np.ndarray:
        return np.asarray(self.Q @ vec).ravel()

    def bound_columns(self, idx: np.ndarray, vals: np.ndarray, base: np.ndarray | None = None) -> np.ndarray:
        out = np.asarray(self.Q[:, idx] @ vals).ravel()
        return out if base is None else base + out

    def minimizer(self) -> np.ndarray:
        """:math:`Q^{-1}c` by a direct (sparse) solve (for tests and claims)."""
        if sp.issparse(self.Q):
            return np.asarray(spla.spsolve(self.Q.tocsc(), self.c)).ravel()
        return np.linalg.solve(self.Q, self.c)
