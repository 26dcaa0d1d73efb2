"""Claims: small functions that reproduce one number of a paper, and the registry that lists them.

A claim is a function ``f(ctx) -> Outcome`` decorated with :func:`claim`, which records its
paper reference, its numeric :class:`Target` (the decorator's arguments are the manifest entry)
and the kind of evidence behind the target (``source``). The claim measures numbers; whether
they pass is decided by the target, never by the claim function, so the manifest text
(:meth:`Target.describe`) and the pass test (:meth:`Target.check`) are derived from one object
and cannot drift. Each family's package ``refimpl.validation.<family>`` imports its claim
modules; the runner discovers the families by walking the package.

Examples
--------
>>> from refimpl.validation._claims import Target, check_outcome, Outcome
>>> t = Target.close(0.181, atol=0.01, label="mean FNR")
>>> t.describe(), t.check(0.188), t.check(0.2)
('mean FNR = 0.181 ± 0.01', True, False)
>>> targets = {"CRC": Target.close(0.181, atol=0.01), "non-X": Target.at_most(0.2)}
>>> check_outcome(targets, Outcome(measured={"CRC": 0.185, "non-X": 0.21}))
False
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import numbers
import os
import pkgutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Union

import numpy as np

from refimpl.backends import Backend, check_rng

__all__ = [
    "DISCOVERY_ERRORS",
    "SOURCES",
    "Claim",
    "ClaimContext",
    "ClaimSkipped",
    "Outcome",
    "Target",
    "check_outcome",
    "claim",
    "describe_targets",
    "discover",
    "plural",
    "pyplot",
    "registered_claims",
    "target_to_json",
]

#: The kinds of evidence a claim's target can rest on (``source=`` of :func:`claim`).
SOURCES: dict[str, str] = {
    "paper": "a number from the paper's table, figure or text",
    "authors-code": "the authors' code or logs",
    "identity": "an exact mathematical identity (target: round-off level)",
    "peer": "an independent peer library",
    "design": "our own design target (measured by our prototype; not a number from the paper)",
}


class ClaimSkipped(Exception):
    """Raised by a claim that cannot run here; the message is the reason (and the fix)."""


def _fmt(x: float) -> str:
    """A number for the table: 4 significant digits, integers as integers."""
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.4g}"


_OPS = ("<=", ">=", "close", "between")


@dataclasses.dataclass(frozen=True)
class Target:
    """A numeric target: the single source of a claim's manifest text and of its pass test.

    Build one with the constructors :meth:`at_most`, :meth:`at_least`, :meth:`close`,
    :meth:`between` and :meth:`equal`.

    Attributes
    ----------
    op : {"<=", ">=", "close", "between"}
    value : float or (float, float)
        The bound, the reference value (``close``) or the interval (``between``, inclusive).
    atol, rtol : float
        For ``close``: pass when ``|measured - value| <= atol + rtol * |value|`` (plus a few ulps,
        so that a decimal tolerance is met by the decimal value at its edge).
    label : str
        What is measured, for the manifest (``"max rel. error"``).
    """

    op: str
    value: float | tuple[float, float]
    atol: float = 0.0
    rtol: float = 0.0
    label: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"op must be one of {_OPS}; got {self.op!r}")
        if self.op == "between":
            lo, hi = self.value  # type: ignore[misc]
            if not lo <= hi:
                raise ValueError(f"between needs low <= high; got {self.value}")
        if self.atol < 0 or self.rtol < 0:
            raise ValueError("atol and rtol must be >= 0")

    @classmethod
    def at_most(cls, bound: float, label: str = "") -> "Target":
        """Pass when measured <= bound."""
        return cls("<=", float(bound), label=label)

    @classmethod
    def at_least(cls, bound: float, label: str = "") -> "Target":
        """Pass when measured >= bound."""
        return cls(">=", float(bound), label=label)

    @classmethod
    def close(cls, value: float, *, atol: float = 0.0, rtol: float = 0.0, label: str = "") -> "Target":
        """Pass when ``|measured - value| <= atol + rtol * |value|``."""
        return cls("close", float(value), float(atol), float(rtol), label)

    @classmethod
    def between(cls, low: float, high: float, label: str = "") -> "Target":
        """Pass when low <= measured <= high."""
        return cls("between", (float(low), float(high)), label=label)

    @classmethod
    def equal(cls, value: float, label: str = "") -> "Target":
        """Pass when measured == value exactly (counts, mismatches)."""
        return cls("close", float(value), label=label)

    def check(self, measured: float) -> bool:
        """Whether ``measured`` meets the target (NaN never does)."""
        m = float(measured)
        if math.isnan(m):
            return False
        if self.op == "<=":
            return m <= self.value  # type: ignore[operator]
        if self.op == ">=":
            return m >= self.value  # type: ignore[operator]
        if self.op == "between":
            lo, hi = self.value  # type: ignore[misc]
            return lo <= m <= hi
        # a few ulps of slack, so that 0.24 meets 0.27 ± 0.03 although 0.27 - 0.24 > 0.03 in binary
        slack = 4 * np.finfo(float).eps * max(abs(m), abs(self.value))  # type: ignore[arg-type]
        return bool(abs(m - self.value) <= self.atol + self.rtol * abs(self.value) + slack)  # type: ignore[operator]

    def describe(self) -> str:
        """The manifest text, e.g. ``"max rel. error ≤ 1e-12"`` or ``"mean FNR = 0.181 ± 0.01"``."""
        what = self.label or "measured"
        if self.op == "<=":
            return f"{what} ≤ {_fmt(self.value)}"  # type: ignore[arg-type]
        if self.op == ">=":
            return f"{what} ≥ {_fmt(self.value)}"  # type: ignore[arg-type]
        if self.op == "between":
            lo, hi = self.value  # type: ignore[misc]
            return f"{what} in [{_fmt(lo)}, {_fmt(hi)}]"
        tol = []
        if self.atol:
            tol.append(f"± {_fmt(self.atol)}")
        if self.rtol:
            tol.append(f"± {_fmt(100 * self.rtol)} %")
        return f"{what} = {_fmt(self.value)}" + (" " + " ".join(tol) if tol else " exactly")  # type: ignore[arg-type]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 seed"``, ``"3 seeds"``, ``"0 seeds"`` (``many`` for irregular plurals).

    >>> plural(1, "seed"), plural(3, "seed"), plural(2, "matrix", "matrices")
    ('1 seed', '3 seeds', '2 matrices')
    """
    return f"{n} {word if n == 1 else (many or word + 's')}"


Targets = Union[Target, Mapping[str, Target]]
Measured = Union[float, Mapping[str, float]]


def describe_targets(target: Targets) -> str:
    """Manifest text of one target or of a named set (``"CRC: ... ; non-X: ..."``)."""
    if isinstance(target, Target):
        return target.describe()
    return "; ".join(f"{key}: {t.describe()}" for key, t in target.items())


def target_to_json(target: Targets) -> dict:
    """A target (or a named set) as JSON data: ``op``, ``value``, ``atol``, ``rtol``, ``label``, ``text``.

    >>> target_to_json(Target.at_most(1e-12, label="err"))
    {'op': '<=', 'value': 1e-12, 'atol': 0.0, 'rtol': 0.0, 'label': 'err', 'text': 'err ≤ 1e-12'}
    """
    if isinstance(target, Target):
        value = list(target.value) if isinstance(target.value, tuple) else target.value
        return {"op": target.op, "value": value, "atol": target.atol, "rtol": target.rtol, "label": target.label,
                "text": target.describe()}
    return {"named": {key: target_to_json(t) for key, t in target.items()}, "text": describe_targets(target)}


def _as_number(value: object, where: str) -> float:
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, numbers.Real) or (isinstance(value, np.generic) and np.isrealobj(value)):
        return float(value)  # type: ignore[arg-type]
    raise TypeError(f"{where} must be a real number; got {type(value).__name__} {value!r}")


def check_outcome(target: Targets, outcome: "Outcome") -> bool:
    """Whether ``outcome.measured`` meets ``target`` (every named target for a set).

    Raises
    ------
    TypeError, KeyError
        The measured value does not match the target's form (a number for one target, the same
        keys for a named set): a bug in the claim, reported as a claim error.
    """
    if isinstance(target, Target):
        return target.check(_as_number(outcome.measured, "measured"))
    if not isinstance(outcome.measured, Mapping):
        raise TypeError(f"this claim has named targets {sorted(target)}; measured must be a dict with those keys")
    if set(outcome.measured) != set(target):
        raise KeyError(f"measured keys {sorted(outcome.measured)} differ from the target keys {sorted(target)}")
    return all(t.check(_as_number(outcome.measured[k], f"measured[{k!r}]")) for k, t in target.items())


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a claim measured: numbers, judged by the claim's :class:`Target`.

    Attributes
    ----------
    measured : float or dict of str to float
        The measured value; a dict with one entry per named target when the claim has several.
    detail : str
        One line of context (sizes, seeds, where a number came from).
    text : str, optional
        The measured value(s) as the table should print them, when more than the numbers helps
        (``"CRC 0.188 / 0.248 / 0.225"``); by default the numbers are formatted.
    """

    measured: Measured
    detail: str = ""
    text: str = ""

    def formatted(self) -> str:
        """The measured value(s) for the table."""
        if self.text:
            return self.text
        if isinstance(self.measured, Mapping):
            return "; ".join(f"{k}: {_fmt(_as_number(v, k))}" for k, v in self.measured.items())
        return _fmt(_as_number(self.measured, "measured"))


@dataclasses.dataclass(frozen=True)
class Claim:
    """A registered claim (one manifest entry)."""

    id: str
    family: str
    title: str
    reference: str
    target: Targets
    func: Callable[["ClaimContext"], Outcome]
    quick: bool = True
    full: bool = True
    per_backend: bool = False
    source: str = "paper"
    seconds: tuple[float, float] = (1.0, 1.0)

    @property
    def target_text(self) -> str:
        """The manifest text of the target."""
        return describe_targets(self.target)


_CLAIMS: dict[tuple[str, str], Claim] = {}


def claim(
    *,
    id: str,
    family: str,
    title: str,
    reference: str,
    target: Targets,
    source: str,
    quick: bool = True,
    full: bool = True,
    per_backend: bool = False,
    seconds: tuple[float, float] = (1.0, 1.0),
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
    target : Target or dict of str to Target
        The numeric target(s); the claim function returns an :class:`Outcome` whose ``measured``
        has the same form.
    source : {"paper", "authors-code", "identity", "peer", "design"}
        The kind of evidence behind the target (:data:`SOURCES`); required, so every claim says
        honestly whether its number comes from the paper or is our own design target.
    quick, full : bool
        Whether the claim runs in ``--quick`` mode and in full mode.
    per_backend : bool
        Repeat the claim under every available backend (or only ``--backend``).
    seconds : (float, float)
        Expected run time on 2 cores in quick and in full mode (per backend), for ``--list``,
        the progress display and the ETA.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    if (not isinstance(seconds, (tuple, list)) or len(seconds) != 2
            or not all(isinstance(s, numbers.Real) and s >= 0 for s in seconds)):
        raise ValueError(f"seconds of claim {family}/{id} must be (quick_s, full_s), two numbers >= 0; got {seconds!r}")
    if not (isinstance(target, Target) or (isinstance(target, Mapping) and target
                                           and all(isinstance(t, Target) for t in target.values()))):
        raise TypeError(f"target of claim {family}/{id} must be a Target or a non-empty dict of Targets; got {target!r}")

    def decorate(func: Callable[["ClaimContext"], Outcome]) -> Callable[["ClaimContext"], Outcome]:
        key = (family, id)
        if key in _CLAIMS and _CLAIMS[key].func.__qualname__ != func.__qualname__:
            raise ValueError(f"claim {family}/{id} is registered twice")
        _CLAIMS[key] = Claim(id, family, title, reference, target, func, quick, full, per_backend, source,
                             (float(seconds[0]), float(seconds[1])))
        return func

    return decorate


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (figures go to files, never a window)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


#: Families whose claim package failed to import: family name -> "ExceptionType: message".
#: The runner reports each as one ERROR record instead of crashing the whole run.
DISCOVERY_ERRORS: dict[str, str] = {}


def discover() -> list[str]:
    """Import every family package under ``refimpl.validation``; return the family names.

    A family package that fails to import does not stop the others: its exception is kept in
    :data:`DISCOVERY_ERRORS` (and reported by the runner as one ERROR record naming the family).
    """
    import refimpl.validation as pkg

    families = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.ispkg and not info.name.startswith("_"):
            try:
                importlib.import_module(f"{pkg.__name__}.{info.name}")
            except Exception as exc:  # noqa: BLE001 - a broken family must not hide the others
                DISCOVERY_ERRORS[info.name] = f"{type(exc).__name__}: {exc}"
            else:
                DISCOVERY_ERRORS.pop(info.name, None)
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
    progress_hook: Callable[[int, int, str], None] | None = None

    def progress(self, done: int, total: int, unit: str = "steps") -> None:
        """Report progress inside a long claim (``ctx.progress(3, 10, "seeds")``); shown by the CLI."""
        if self.progress_hook is not None:
            self.progress_hook(int(done), int(total), unit)

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
