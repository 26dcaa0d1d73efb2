"""Dense NumPy oracles for the GP tests (independent of refimpl.gp: np.kron + Cholesky / solve)."""
from functools import reduce

import numpy as np
import scipy.linalg


def dense_kron(factors):
    return reduce(np.kron, factors)


def random_spd(rng, n, cond=1e3):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    lam = np.geomspace(1.0, 1.0 / cond, n)
    return (Q * lam) @ Q.T


def dense_lml(K, y, noise):
    A = K + noise * np.eye(K.shape[0])
    c = scipy.linalg.cho_factor(A, lower=True)
    alpha = scipy.linalg.cho_solve(c, y)
    logdet = 2 * np.sum(np.log(np.diag(c[0])))
    return -0.5 * y @ alpha - 0.5 * logdet - 0.5 * len(y) * np.log(2 * np.pi), alpha, logdet


def central_diff(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g
