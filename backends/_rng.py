"""Host-side randomness (SciPy's SPEC 7 convention).

Every stochastic refimpl function takes ``rng``: an ``int`` seed, a
:class:`numpy.random.Generator` or ``None``. Draws are made on the host with that generator and
then moved onto the backend (``Boundary.asarray``/``Backend.asarray``), so every backend sees
bit-identical draws and agreement tests can be exact. The transfer costs one host-to-device copy
of the draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_rng"]


def check_rng(rng: Any = None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` from ``rng`` (int, Generator, SeedSequence or None).

    Raises
    ------
    TypeError
        For anything else, including the legacy :class:`numpy.random.RandomState`.

    Examples
    --------
    >>> from refimpl.backends import check_rng
    >>> bool(check_rng(0).integers(10) == check_rng(0).integers(10))
    True
    """
    if rng is None or isinstance(rng, (np.random.Generator, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng seed must be a non-negative integer; got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        "rng must be an int seed, a numpy.random.Generator, a numpy.random.SeedSequence or None; "
        f"got {type(rng).__name__}"
    )
