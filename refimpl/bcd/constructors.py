r"""Public constructors of the BCD problems: checked input in, a :class:`~refimpl.bcd.problems.BCDProblem` out.

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster*, JMLR 23(131),
2022 (arXiv:1712.08859): the problems of its experiments (least squares, binary and multinomial
logistic regression, label propagation, non-negative L1 least squares) and, with proximal
coordinate updates, the Lasso and L1-logistic regression. Every constructor validates on the host
(shape, finiteness, labels, ``lam`` ≥ 0) and raises a ``ValueError`` / ``TypeError`` naming the
argument; the problem classes and their closed forms are in :mod:`refimpl.bcd.problems`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from refimpl import _validate as v
from refimpl.backends import capabilities, to_numpy

from ._sparse import _check_lam, _host_matrix, _host_vector
from .problems import _HOST, LeastSquaresProblem, LogisticProblem, QuadraticProblem, SoftmaxProblem

__all__ = [
    "l1_logistic_problem",
    "lasso_problem",
    "least_squares_problem",
    "logistic_problem",
    "nonneg_l1_problem",
    "quadratic_problem",
    "softmax_problem",
]


# --------------------------------------------------------------------------------------------
# public constructors
# --------------------------------------------------------------------------------------------


@capabilities(host_only=_HOST)
def least_squares_problem(A: Any, b: Any) -> LeastSquaresProblem:
    r"""Least squares :math:`f(x) = \frac12\|Ax - b\|^2` for BCD (the paper's dataset A problem).

    Parameters
    ----------
    A : (m, n) array or scipy.sparse matrix
        Kept sparse (CSC) when sparse.
    b : (m,) array

    Returns
    -------
    LeastSquaresProblem
        :math:`L_i = \|A_{:,i}\|^2`, :math:`H_b = A_b^\top A_b`.

    Raises
    ------
    ValueError
        ``A`` not 2-D, empty or non-finite; ``b`` of the wrong shape or non-finite.
    TypeError
        Non-numeric or complex data.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import least_squares_problem
    >>> prob = least_squares_problem(np.eye(3), np.ones(3))
    >>> prob.value(np.zeros(3)), prob.lipschitz().tolist()
    (1.5, [1.0, 1.0, 1.0])
    """
    A = _host_matrix(A, "A")
    return LeastSquaresProblem(A, _host_vector(b, "b", A.shape[0]))


def _check_labels(y: Any, m: int) -> np.ndarray:
    y = _host_vector(y, "y", m)
    ok = np.isin(y, (-1.0, 1.0))
    if not np.all(ok):
        raise ValueError(f"y must hold labels -1 or +1; got values such as {y[~ok][0]!r}")
    return y


@capabilities(host_only=_HOST)
def logistic_problem(A: Any, y: Any) -> LogisticProblem:
    r"""Binary logistic loss :math:`f(w) = \sum_i \log(1 + e^{-y_i a_i^\top w})`, labels ±1 (dataset B).

    Sum form (the paper's); :math:`L_i = \frac14\|A_{:,i}\|^2`, :math:`H_b = \frac14 A_b^\top A_b`.

    Parameters
    ----------
    A : (m, n) array or scipy.sparse matrix
    y : (m,) array
        Labels, each -1 or +1.

    Raises
    ------
    ValueError
        Labels outside {-1, +1}; shapes; non-finite data.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import logistic_problem
    >>> round(logistic_problem(np.eye(2), [1, -1]).value(np.zeros(2)), 6)
    1.386294
    """
    A = _host_matrix(A, "A")
    return LogisticProblem(A, _check_labels(y, A.shape[0]))


@capabilities(host_only=_HOST)
def softmax_problem(A: Any, labels: Any, n_classes: int | None = None) -> SoftmaxProblem:
    r"""Multinomial (softmax) logistic loss over :math:`W \in \mathbb R^{p\times K}` (dataset C).

    Parameters
    ----------
    A : (m, p) array or scipy.sparse matrix
    labels : (m,) integer array
        Class labels in ``[0, n_classes)``.
    n_classes : int, optional
        K (default ``max(labels) + 1``; at least 2).

    Returns
    -------
    SoftmaxProblem
        ``n = p*K`` variables, variable ``f*K + c`` = (feature f, class c); Böhning-type bounds.

    Raises
    ------
    ValueError
        Labels negative, not integers or ≥ ``n_classes``; fewer than 2 classes.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import softmax_problem
    >>> prob = softmax_problem(np.eye(3), [0, 1, 2])
    >>> prob.n, round(prob.value(np.zeros(prob.n)), 6)
    (9, 3.295837)
    """
    A = _host_matrix(A, "A")
    lab = v.check_integer_array(labels, "labels", low=0)
    lab = np.asarray(to_numpy(lab)).astype(np.int64)
    v.check_shape(lab, "labels", (A.shape[0],))
    K = int(lab.max()) + 1 if n_classes is None else v.check_int(n_classes, "n_classes", low=2)
    if K < 2:
        raise ValueError(f"labels must contain at least 2 classes (or give n_classes >= 2); got {K} class")
    if int(lab.max()) >= K:
        raise ValueError(f"labels must be < n_classes = {K}; got a label {int(lab.max())}")
    return SoftmaxProblem(A, lab, K)


@capabilities(host_only=_HOST)
def quadratic_problem(A: Any, b: Any) -> QuadraticProblem:
    r"""Quadratic :math:`f(x) = \frac12 x^\top A x - b^\top x` with symmetric PSD A, dense or sparse.

    Label propagation (datasets D, E) is of this form. :math:`L_i = A_{ii}`, :math:`H_b = A_{bb}`.

    Parameters
    ----------
    A : (n, n) array or scipy.sparse matrix
        Symmetric with a positive diagonal (positive semidefiniteness is assumed, not checked).
    b : (n,) array

    Raises
    ------
    ValueError
        ``A`` not square, not symmetric (relative 1e-12), or with a diagonal entry ≤ 0.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import quadratic_problem
    >>> prob = quadratic_problem(np.array([[2.0, -1.0], [-1.0, 2.0]]), [1.0, 0.0])
    >>> prob.minimizer().round(6).tolist()
    [0.666667, 0.333333]
    """
    Q = _host_matrix(A, "A", square=True)
    if sp.issparse(Q):
        asym = abs(Q - Q.T).max() if Q.nnz else 0.0
        scale = abs(Q).max() if Q.nnz else 0.0
    else:
        asym = float(np.max(np.abs(Q - Q.T)))
        scale = float(np.max(np.abs(Q)))
    if asym > 1e-12 * max(scale, 1e-300):
        raise ValueError(f"A must be symmetric; got max|A - A^T| = {asym:.3g} (max|A| = {scale:.3g})")
    diag = np.asarray(Q.diagonal()).ravel()
    if np.any(diag <= 0):
        i = int(np.argmax(diag <= 0))
        raise ValueError(f"A must have a positive diagonal (coordinate Lipschitz constants A_ii > 0); "
                         f"got A[{i}, {i}] = {diag[i]:g}")
    return QuadraticProblem(Q, _host_vector(b, "b", Q.shape[0]))


@capabilities(host_only=_HOST)
def nonneg_l1_problem(A: Any, b: Any, lam: float) -> LeastSquaresProblem:
    r"""Non-negative L1-regularised least squares :math:`\frac12\|Ax - b\|^2 + \lambda\sum_i x_i`, :math:`x \ge 0`.

    The paper's active-set problem (§6, dataset A with λ = 50 000). Proximal operator per
    coordinate: :math:`\max(0, u - \lambda/L)`.

    Parameters
    ----------
    A : (m, n) array or scipy.sparse matrix
    b : (m,) array
    lam : float
        :math:`\lambda \ge 0`.

    Raises
    ------
    ValueError
        ``lam`` < 0 or non-finite; shapes; non-finite data.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import nonneg_l1_problem
    >>> prob = nonneg_l1_problem(np.eye(2), [1.0, -1.0], 0.5)
    >>> prob.value(np.array([0.5, 0.0]))
    0.875
    """
    A = _host_matrix(A, "A")
    b = _host_vector(b, "b", A.shape[0])
    return LeastSquaresProblem(A, b, _check_lam(lam), "nonneg_l1")


@capabilities(host_only=_HOST)
def lasso_problem(A: Any, b: Any, lam: float) -> LeastSquaresProblem:
    r"""Lasso :math:`\frac12\|Ax - b\|^2 + \lambda\|x\|_1` (proximal coordinate updates: soft thresholding).

    scikit-learn's ``Lasso(alpha)`` minimises :math:`\frac{1}{2m}\|Ax - b\|^2 + \alpha\|x\|_1`:
    the same minimiser with ``lam = m * alpha``.

    Parameters
    ----------
    A : (m, n) array or scipy.sparse matrix
    b : (m,) array
    lam : float
        :math:`\lambda \ge 0`.

    Raises
    ------
    ValueError
        ``lam`` < 0 or non-finite; shapes; non-finite data.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import lasso_problem
    >>> lasso_problem(np.eye(2), [1.0, -1.0], 0.5).value(np.array([0.5, -0.5]))
    0.75
    """
    A = _host_matrix(A, "A")
    b = _host_vector(b, "b", A.shape[0])
    return LeastSquaresProblem(A, b, _check_lam(lam), "l1")


@capabilities(host_only=_HOST)
def l1_logistic_problem(A: Any, y: Any, lam: float) -> LogisticProblem:
    r"""L1-regularised logistic regression :math:`\sum_i \log(1 + e^{-y_i a_i^\top w}) + \lambda\|w\|_1`.

    skglm's ``SparseLogisticRegression(alpha)`` minimises the mean loss plus
    :math:`\alpha\|w\|_1`: the same minimiser with ``lam = m * alpha``.

    Parameters
    ----------
    A : (m, n) array or scipy.sparse matrix
    y : (m,) array
        Labels, each -1 or +1.
    lam : float
        :math:`\lambda \ge 0`.

    Raises
    ------
    ValueError
        Labels outside {-1, +1}; ``lam`` < 0; shapes; non-finite data.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import l1_logistic_problem
    >>> round(l1_logistic_problem(np.eye(2), [1, -1], 1.0).value(np.array([1.0, 0.0])), 6)
    2.006409
    """
    A = _host_matrix(A, "A")
    y = _check_labels(y, A.shape[0])
    return LogisticProblem(A, y, _check_lam(lam), "l1")
