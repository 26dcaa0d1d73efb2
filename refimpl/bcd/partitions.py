r"""Fixed blocks for block coordinate descent: the partitions Order, Sort and Avg.

Nutini, Laradji & Schmidt, *Let's Make Block Coordinate Descent Converge Faster*, JMLR 23(131),
2022 (arXiv:1712.08859), §3.1 and the partition names of the authors' public code
(``IssamLaradji/BlockCoordinateDescent``: ``Order``, ``Sort``, ``Avg``).

Provenance
----------
[V] the three orders follow the authors' code (sorting by increasing :math:`L_i` with NumPy's
argsort). [R] a ragged last block when ``n`` is not a multiple of ``block_size`` is our choice
(the paper assumes divisibility).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from refimpl import _validate as v
from refimpl.backends import capabilities

from .problems import _HOST, BCDProblem

__all__ = ["Partition", "make_partition"]


# --------------------------------------------------------------------------------------------
# partitions (fixed blocks)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """A partition of ``range(n)`` into fixed blocks (each block a sorted int64 array).

    Attributes
    ----------
    blocks : tuple of (|b|,) int64 ndarray
    n : int
    kind : str
        ``"order"``, ``"sort"``, ``"avg"`` or ``"custom"``.
    """

    __refimpl_data__ = True
    blocks: tuple
    n: int
    kind: str = "custom"

    def __len__(self) -> int:
        return len(self.blocks)

    def block_of(self) -> np.ndarray:
        """``(n,)`` int array: the block index of each coordinate."""
        out = np.empty(self.n, dtype=np.int64)
        for k, b in enumerate(self.blocks):
            out[b] = k
        return out


def _partition(L: np.ndarray, block_size: int, kind: str) -> Partition:
    n = L.shape[0]
    if kind == "order":
        order = np.arange(n)
    else:
        order = np.argsort(L, kind="stable")  # increasing L_i (NumPy's argsort order, as in the authors' code)
        if kind == "avg":
            # alternate from both ends of the sorted list: smallest, largest, 2nd smallest, ...
            lo, hi = 0, n - 1
            mixed = np.empty(n, dtype=np.int64)
            for j in range(n):
                if j % 2 == 0:
                    mixed[j] = order[lo]
                    lo += 1
                else:
                    mixed[j] = order[hi]
                    hi -= 1
            order = mixed
    blocks = tuple(np.sort(order[s:s + block_size]).astype(np.int64) for s in range(0, n, block_size))
    return Partition(blocks=blocks, n=n, kind=kind)


@capabilities(host_only=_HOST)
def make_partition(problem: BCDProblem, block_size: int, kind: str = "sort") -> Partition:
    """Fixed blocks of ``block_size`` coordinates (the paper's §3.1 partitions; authors' code names).

    ``"order"``: contiguous indices. ``"sort"``: coordinates sorted by increasing :math:`L_i`,
    cut into consecutive blocks (blocks of similar :math:`L_i`; the block order matters for the
    cyclic rule only). ``"avg"``: the sorted list is
    interleaved smallest/largest before cutting, so each block mixes large and small
    :math:`L_i`. When ``n`` is not a multiple of ``block_size`` the **last block is smaller**
    (``n mod block_size`` coordinates; the paper assumes divisibility).

    Parameters
    ----------
    problem : BCDProblem
    block_size : int
        1 ≤ ``block_size`` ≤ ``problem.n``.
    kind : {"sort", "order", "avg"}

    Raises
    ------
    ValueError
        ``block_size`` outside [1, n]; unknown ``kind``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.bcd import least_squares_problem, make_partition
    >>> prob = least_squares_problem(np.diag([1.0, 4.0, 2.0, 3.0]), np.ones(4))
    >>> [b.tolist() for b in make_partition(prob, 2, "sort").blocks]
    [[0, 2], [1, 3]]
    """
    v.check_instance(problem, "problem", BCDProblem, "a refimpl.bcd problem such as least_squares_problem(A, b)")
    block_size = v.check_int(block_size, "block_size", low=1, high=problem.n)
    kind = v.check_choice(kind, "kind", ("sort", "order", "avg"))
    return _partition(problem.lipschitz(), block_size, kind)
