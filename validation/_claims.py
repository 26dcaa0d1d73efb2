"""Claims: small functions that reproduce one number of a paper, and the registry that lists them.

A claim is a function ``f(ctx) -> Outcome`` decorated with :func:`claim`, which records its
paper reference, target and tolerance (the decorator's arguments are the manifest entry). Each
family's package ``refimpl.validation.<family>`` imports its claim modules; the runner discovers
the families by walking the package.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import pkgutil
from collections.abc import Callable
from pathlib import Path
import numpy as np

from refimpl.backends import Backend, check_rng

__all__ = ["Claim", "ClaimContext", "ClaimSkipped", "Outcome", "claim", "discover", "pyplot", "registered_claims"]


class ClaimSkipped(Exception):
    """Raised by a claim that cannot run here; the message is the reason (and the fix)."""


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a claim measured.

    Attributes
    ----------
    measured : str
        The measured value(s), formatted for the table (e.g. ``"0.181 / 0.196 / 0.182"``).
    passed : bool
        Whether the measurement meets the claim's target.
    detail : str
        One line of context (sizes, seeds, where a number came from).
    """

    measured: str
    passed: bool
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class Claim:
    """A registered claim (one manifest entry)."""

    id: str
    family: str
    title: str
    reference: str
    target: str
    func: Callable[["ClaimContext"], Outcome]
    quick: bool = True
    full: bool = True
    per_backend: bool = False
    source: str = "paper"


_CLAIMS: dict[tuple[str, str], Claim] = {}


def claim(
    *,
    id: str,
    family: str,
    title: str,
    reference: str,
    target: str,
    quick: bool = True,
    full: bool = True,
    per_backend: bool = False,
    source: str = "paper",
) -> Callable[[Callable[["ClaimContext"], Outcome]], Callable[["ClaimContext"], Outcome]]:
    """Register a claim function.

    Parameters
    ----------
    id : str
        Short identifier, unique within the family (``"A-1"``).
    family : str
        The algorithm family (``"conformal"``, ``"gp"``, ``"eim"``, ...).
    title : str
        What is claimed, in one line.
    reference : str
        Where the target comes from: paper and table/figure/equation, authors' code or logs, or
        ``"exact identity"``.
    target : str
        The target with its tolerance, as printed in the table (``"0.181 ± 0.01"``).
    quick, full : bool
        Whether the claim runs in ``--quick`` mode and in full mode.
    per_backend : bool
        Repeat the claim under every available backend (or only ``--backend``).
    source : {"paper", "authors-code", "identity", "peer", "design"}
        The kind of evidence behind the target.
    """

    def decorate(func: Callable[["ClaimContext"], Outcome]) -> Callable[["ClaimContext"], Outcome]:
        key = (family, id)
        if key in _CLAIMS and _CLAIMS[key].func.__qualname__ != func.__qualname__:
            raise ValueError(f"claim {family}/{id} is registered twice")
        _CLAIMS[key] = Claim(id, family, title, reference, target, func, quick, full, per_backend, source)
        return func

    return decorate


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (figures go to files, never a window)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def discover() -> list[str]:
    """Import every family package under ``refimpl.validation``; return the family names."""
    import refimpl.validation as pkg

    families = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.ispkg and not info.name.startswith("_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")
            families.append(info.name)
    return sorted(families)


def registered_claims() -> list[Claim]:
    """All registered claims, sorted by family then id."""
    discover()
    return sorted(_CLAIMS.values(), key=lambda c: (c.family, c.id))


def data_dir() -> Path | None:
    """Where the shared validation data lives: ``$REFIMPL_DATA_DIR``, else ``../shared/data`` upwards."""
    env = os.environ.get("REFIMPL_DATA_DIR")
    if env:
        return Path(env)
    for base in [Path.cwd(), *Path.cwd().parents]:
        candidate = base / "shared" / "data"
        if candidate.is_dir():
            return candidate
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


@dataclasses.dataclass
class ClaimContext:
    """What a claim function receives.

    Attributes
    ----------
    quick : bool
        ``--quick`` mode: smaller problems or fewer seeds, with the looser tolerance the claim states.
    backend : Backend
        The active backend the claim runs under.
    report_dir : Path or None
        Where figures go; ``None`` when no report was requested.
    """

    quick: bool
    backend: Backend
    report_dir: Path | None
    claim: Claim
    figures: list[Path] = dataclasses.field(default_factory=list)

    def rng(self, seed: int = 0) -> np.random.Generator:
        """A host generator seeded deterministically (same draws on every backend)."""
        return check_rng(seed)

    def figure_path(self, name: str) -> Path | None:
        """A path for a PNG figure in the report, or ``None`` if no report was requested (skip plotting)."""
        if self.report_dir is None:
            return None
        stem = f"{self.claim.family}_{self.claim.id}_{self.backend.name}_{name}".replace("/", "_")
        path = self.report_dir / "figures" / stem
        path.parent.mkdir(parents=True, exist_ok=True)
        self.figures.append(path)
        return path

    def data_path(self, name: str) -> Path:
        """Path of a shared data file; raises :class:`ClaimSkipped` with the reason if it is absent."""
        base = data_dir()
        if base is None or not (base / name).is_file():
            raise ClaimSkipped(
                f"data file {name!r} not found (looked in $REFIMPL_DATA_DIR and ../shared/data); "
                "set REFIMPL_DATA_DIR to the folder holding it"
            )
        return base / name
