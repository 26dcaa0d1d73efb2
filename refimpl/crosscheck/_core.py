"""Cross-check cases: the declaration types, the registry and the output comparison.

One convention for every family (see "Cross-check cases" in the architecture docs):

* a family's cases live beside its algorithms, in modules ``refimpl/<family>/_cases*.py``
  (several are allowed, e.g. ``_cases.py`` and ``_cases_tr.py``, so helpers never edit the same file);
* each public algorithm has one generator registered with :func:`cases_for`, which declares the
  reference's **primary output** and yields :class:`Case` objects;
* a case holds inputs (arrays, scalars, :class:`Call` nodes for objects built by another public
  refimpl callable, :class:`Fixture` nodes for named callables), a :class:`Tolerance` with its
  justification, the property it checks and edge-case tags; the expected outputs are computed by
  refimpl itself on the NumPy backend in float64 when the case is materialised.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import math
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

__all__ = [
    "ALGORITHM_FAMILIES", "Call", "Case", "Fixture", "RecordingGenerator", "Reference", "Tolerance",
    "UnknownReferenceError", "cases_for", "compare_outputs", "fixture", "flatten_result", "get_reference",
    "load_case_modules", "materialize", "public_algorithms", "reference_names",
]

EPS = float(np.finfo(np.float64).eps)

#: The families whose ``__all__`` defines the public algorithms (the same list as the bad-input fuzz).
ALGORITHM_FAMILIES = ("conformal", "gp", "eim", "sampling", "bcd", "newton")


class UnknownReferenceError(KeyError, ValueError):
    """The reference name is not registered; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0]) if self.args else ""


# ----------------------------------------------------------------------------------------------
# Tolerances
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tolerance:
    """How close a second implementation must be, and why.

    ``|actual - expected| <= atol + rtol * |expected|`` elementwise on every checked field
    (integers, booleans and strings must be equal whatever the tolerance). Build one with
    :meth:`exact`, :meth:`eps` or :meth:`statistical` so that the justification is recorded.
    """

    kind: str
    rtol: float
    atol: float
    rule: str

    @classmethod
    def exact(cls, why: str = "integer/combinatorial output, or a value computed without rounding") -> "Tolerance":
        return cls("exact", 0.0, 0.0, f"exact: {why}")

    @classmethod
    def eps(cls, c: float, cond: float = 1.0, *, why: str, scale: float = 0.0) -> "Tolerance":
        """``rtol = c * eps * cond`` (and ``atol = rtol * scale`` for entries that cancel to ~0)."""
        rtol = float(c) * EPS * float(cond)
        return cls("eps", rtol, rtol * float(scale), f"c*eps*cond with c={c:g}, cond={cond:.3g}: {why}")

    @classmethod
    def absolute(cls, atol: float, *, why: str) -> "Tolerance":
        return cls("absolute", 0.0, float(atol), f"absolute {atol:.3g}: {why}")

    @classmethod
    def statistical(cls, atol: float, *, why: str) -> "Tolerance":
        return cls("statistical", 0.0, float(atol), f"statistical (Monte-Carlo) {atol:.3g}: {why}")

    def with_rtol(self, rtol: float) -> "Tolerance":
        return Tolerance(self.kind, float(rtol), self.atol, f"{self.rule} (rtol overridden to {rtol:g})")

    def to_json(self) -> dict:
        return {"kind": self.kind, "rtol": self.rtol, "atol": self.atol, "rule": self.rule}


# ----------------------------------------------------------------------------------------------
# Input nodes
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """An input that is the value of another public refimpl callable: ``Call("gp.Matern", lengthscale=0.5)``.

    Exported as ``{"call": "gp.Matern", "args": [...], "kwargs": {...}}``: a second implementation
    builds the same object its own way (a kernel, a problem, a fitted EIM).
    """

    target: str
    args: tuple = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, target: str, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "args", tuple(args))
        object.__setattr__(self, "kwargs", dict(kwargs))


_FIXTURES: dict[str, Callable] = {}


def fixture(name: str) -> Callable[[Callable], Callable]:
    """Register a named callable input (a loss, an objective, a column generator); its docstring is
    exported so that another language can rebuild it."""

    def deco(fn: Callable) -> Callable:
        if name in _FIXTURES and _FIXTURES[name] is not fn:
            raise ValueError(f"fixture {name!r} registered twice")
        _FIXTURES[name] = fn
        return fn

    return deco


@dataclass(frozen=True)
class Fixture:
    """An input that is a registered callable (see :func:`fixture`), exported by name and docstring.

    ``Fixture("name", a=1)`` calls the registered factory with ``a=1`` to build the callable.
    """

    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, name: str, **kwargs: Any) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "kwargs", dict(kwargs))

    @property
    def description(self) -> str:
        load_case_modules()
        fn = _FIXTURES.get(self.name)
        return inspect.getdoc(fn) or "" if fn is not None else ""


# ----------------------------------------------------------------------------------------------
# Cases and references
# ----------------------------------------------------------------------------------------------
@dataclass
class Case:
    """One named cross-check case of a reference algorithm.

    Parameters
    ----------
    name : str
        Unique within the reference (``"ties"``, ``"n1"``, ``"infeasible"``...).
    args, kwargs
        The call ``reference(*args, **kwargs)``; values are arrays, scalars, strings, :class:`Call`
        or :class:`Fixture` nodes. Stochastic references take ``rng=<int seed>``.
    tol : Tolerance
        With its justification.
    prop : str
        The property checked (one sentence: what a correct implementation must reproduce).
    tags : tuple of str
        Edge-case labels (``"ties"``, ``"n=1"``, ``"infeasible"``, ``"rank-one"``, ``"complex"``,
        ``"pitfall:+1"``...).
    fields : tuple of str, optional
        Output fields checked (default: the reference's ``fields``, else every numeric field).
    kind : {"golden", "statistical"}
        ``"golden"``: refimpl's output on these inputs (for stochastic references the consumed draws
        are exported too). ``"statistical"``: ``statistic`` applied to ``n_rep`` runs with seeds
        ``seed, seed+1, ...`` must be within ``tol`` of ``theory`` (a Monte-Carlo tolerance).
    """

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    tol: Tolerance = field(default_factory=lambda: Tolerance.eps(16, why="well-conditioned small input"))
    prop: str = ""
    tags: tuple = ()
    fields: tuple | None = None
    kind: str = "golden"
    statistic: str | None = None
    n_rep: int = 0
    seed: int = 0
    theory: Any = None
    reference: str = ""
    expected: dict | None = None
    draws: list | None = None

    @property
    def id(self) -> str:
        return f"{self.reference}/{self.name}"


@dataclass
class Reference:
    """A registered public algorithm: its function, primary output and case generator."""

    name: str
    primary: str
    generator: Callable[[], Iterable[Case]]
    fields: tuple | None = None
    ignore: tuple = ()
    canonical: Mapping[str, str] = field(default_factory=dict)
    strategy: Callable[[], Any] | None = None
    stochastic: bool = False
    doc: str = ""

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def func(self) -> Callable:
        return resolve(self.name)

    @property
    def signature(self) -> str:
        try:
            return f"{self.func.__module__}.{self.func.__qualname__}{inspect.signature(self.func)}"
        except (TypeError, ValueError):
            return self.name

    def cases(self) -> list[Case]:
        out = []
        seen = set()
        for c in self.generator():
            c.reference = self.name
            if c.name in seen:
                raise ValueError(f"{self.name}: case name {c.name!r} used twice")
            seen.add(c.name)
            out.append(c)
        return out


_REGISTRY: dict[str, Reference] = {}
_LOADED = False


def cases_for(name: str, *, primary: str, fields: Iterable[str] | None = None, ignore: Iterable[str] = (),
              canonical: Mapping[str, str] | None = None, strategy: Callable[[], Any] | None = None,
              stochastic: bool = False) -> Callable:
    """Register the case generator of the public algorithm ``name`` (``"family.function"``).

    Parameters
    ----------
    primary : str
        The declared primary output: the field a candidate returning a single value is compared on
        (``"lambda_hat"``; ``"value"`` for a function returning an array or scalar; ``"0"`` for the
        first item of a returned tuple).
    fields : iterable of str, optional
        The output fields every case checks by default (dotted paths of :func:`flatten_result`);
        default every numeric field except ``ignore``.
    canonical : mapping, optional
        ``{field: "sort"}`` for set-valued outputs compared as sorted arrays (a sample's indices).
    strategy : callable, optional
        Returns a Hypothesis strategy of ``(args, kwargs)`` for :func:`refimpl.testing.crosscheck`'s
        ``cases="hypothesis"`` mode.
    stochastic : bool
        The function takes ``rng``: golden cases record and export the draws consumed.
    """

    def deco(gen: Callable[[], Iterable[Case]]) -> Callable[[], Iterable[Case]]:
        if name in _REGISTRY and _REGISTRY[name].generator is not gen:
            raise ValueError(f"cross-check reference {name!r} registered twice")
        _REGISTRY[name] = Reference(name=name, primary=primary, generator=gen,
                                    fields=tuple(fields) if fields is not None else None, ignore=tuple(ignore),
                                    canonical=dict(canonical or {}), strategy=strategy, stochastic=stochastic,
                                    doc=inspect.getdoc(gen) or "")
        return gen

    return deco


def load_case_modules() -> None:
    """Import every ``refimpl.<family>._cases*`` module (idempotent); works from an installed wheel."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for fam in ALGORITHM_FAMILIES:
        try:
            pkg = importlib.import_module(f"refimpl.{fam}")
        except ImportError:  # pragma: no cover - a family that fails to import is reported elsewhere
            continue
        for info in pkgutil.iter_modules(pkg.__path__):
            if info.name.startswith("_cases"):
                importlib.import_module(f"refimpl.{fam}.{info.name}")


def reference_names(families: Iterable[str] | None = None) -> list[str]:
    load_case_modules()
    fams = set(families) if families else None
    return sorted(n for n in _REGISTRY if fams is None or n.split(".", 1)[0] in fams)


def get_reference(name: str) -> Reference:
    """The registered reference ``name``; unknown names raise with the list of valid ones."""
    load_case_modules()
    if not isinstance(name, str) or name not in _REGISTRY:
        names = reference_names()
        hint = ""
        if isinstance(name, str) and "." not in name:
            near = [n for n in names if n.endswith("." + name)]
            if near:
                hint = f" (did you mean {near[0]!r}?)"
        raise UnknownReferenceError(
            f"unknown cross-check reference {name!r}{hint}; valid references are 'family.function', one of: "
            + ", ".join(names))
    return _REGISTRY[name]


def resolve(target: str) -> Any:
    """``"gp.Matern"`` -> ``refimpl.gp.Matern`` (``"module.path:attr"`` also accepted)."""
    if ":" in target:
        mod, attr = target.split(":", 1)
        obj = importlib.import_module(mod)
    else:
        fam, attr = target.split(".", 1)
        obj = importlib.import_module(f"refimpl.{fam}")
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def public_algorithms(families: Iterable[str] = ALGORITHM_FAMILIES) -> dict[str, Callable]:
    """The public algorithms that must have cross-check cases, derived from each family's ``__all__``.

    Rule: every **function** in ``refimpl.<family>.__all__``. Classes (result dataclasses, status
    enums, exceptions and warnings, problem and kernel classes, stateful objects), and non-callable
    constants are excluded by that rule: they are inputs or outputs of the functions, and their
    behaviour is exercised through the functions' cases. ``refimpl.backends`` is infrastructure
    (registry, conversions, and linear-algebra gap helpers that delegate to SciPy/torch and are
    tested in ``tests/backends``), not a family of paper algorithms.
    """
    out = {}
    for fam in families:
        try:
            mod = importlib.import_module(f"refimpl.{fam}")
        except ImportError:  # pragma: no cover
            continue
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if inspect.isclass(obj) or not callable(obj):
                continue
            if inspect.isfunction(inspect.unwrap(obj)):
                out[f"{fam}.{name}"] = obj
    return out


# ----------------------------------------------------------------------------------------------
# Recording the draws of stochastic references
# ----------------------------------------------------------------------------------------------
_RECORDED = ("random", "standard_normal", "normal", "uniform", "integers", "choice", "permutation",
             "exponential", "standard_exponential", "permuted", "shuffle", "binomial", "poisson", "gamma",
             "standard_gamma", "beta", "multivariate_normal", "spawn")


class RecordingGenerator(np.random.Generator):
    """A ``numpy.random.Generator`` (PCG64 seeded like ``default_rng(seed)``) that logs every draw.

    ``log`` is a list of ``{"method", "kwargs", "value"}``: another implementation fed these values
    in order sees exactly refimpl's randomness.
    """

    def __init__(self, seed: int) -> None:
        super().__init__(np.random.PCG64(seed))
        self.log: list[dict] = []


def _make_recorder(meth: str):
    base = getattr(np.random.Generator, meth)

    def recorded(self, *args, **kwargs):
        depth = getattr(self, "_depth", 0)
        self._depth = depth + 1
        try:
            value = base(self, *args, **kwargs)
        finally:
            self._depth = depth
        if depth:  # a draw made inside another recorded method (choice calls integers): the outer one is logged
            return value
        if meth == "shuffle":
            value = np.array(args[0] if args else kwargs.get("x"), copy=True)
        self.log.append({"method": meth, "args": list(args) if meth not in ("shuffle", "permuted") else [],
                         "kwargs": {k: v for k, v in kwargs.items() if k not in ("x", "out")}, "value": value})
        return value

    recorded.__name__ = meth
    return recorded


for _m in _RECORDED:
    if hasattr(np.random.Generator, _m):
        setattr(RecordingGenerator, _m, _make_recorder(_m))


# ----------------------------------------------------------------------------------------------
# Evaluating cases
# ----------------------------------------------------------------------------------------------
def build(value: Any, *, record: list | None = None) -> Any:
    """Evaluate :class:`Call` / :class:`Fixture` nodes inside an input (lists, tuples, dicts recursed)."""
    if isinstance(value, Call):
        fn = resolve(value.target)
        return fn(*[build(a) for a in value.args], **{k: build(v) for k, v in value.kwargs.items()})
    if isinstance(value, Fixture):
        load_case_modules()
        if value.name not in _FIXTURES:
            raise KeyError(f"unknown cross-check fixture {value.name!r}; known: {', '.join(sorted(_FIXTURES))}")
        return _FIXTURES[value.name](**{k: build(v) for k, v in value.kwargs.items()})
    if isinstance(value, list):
        return [build(v) for v in value]
    if isinstance(value, tuple):
        return tuple(build(v) for v in value)
    if isinstance(value, dict):
        return {k: build(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def call_inputs(case: Case, *, rng_override: Any = None) -> tuple[tuple, dict]:
    args = tuple(build(a) for a in case.args)
    kwargs = {k: build(v) for k, v in case.kwargs.items()}
    if rng_override is not None:
        kwargs["rng"] = rng_override
    return args, kwargs


_SKIP_FIELDS = ("timings", "problem", "callback")


def flatten_result(result: Any, *, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    """Flatten a refimpl return value into ``{field: numpy array | str}``.

    Dataclasses contribute their fields (nested dataclasses with dotted names, two levels deep),
    tuples their items as ``"0"``, ``"1"``, ..., enums their member name, and a bare array or
    scalar is the field ``"value"``. Non-numeric objects (callables, kernels, timings) are skipped.
    """
    out: dict[str, Any] = {}

    def put(key: str, v: Any) -> None:
        if isinstance(v, enum.Enum):
            out[key] = v.name
        elif isinstance(v, str):
            out[key] = v
        elif v is None:
            return
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            if depth < 2:
                out.update(flatten_result(v, prefix=key + ".", depth=depth + 1))
        elif isinstance(v, dict):
            return
        elif isinstance(v, (list, tuple)):
            arr = _numeric(v)
            if arr is not None:
                out[key] = arr
            elif depth < 2:
                for i, item in enumerate(v):
                    out.update(flatten_result(item, prefix=f"{key}.{i}.", depth=depth + 1))
        else:
            arr = _numeric(v)
            if arr is not None:
                out[key] = arr
            elif hasattr(v, "toarray") and hasattr(v, "shape"):  # scipy.sparse
                out[key] = np.asarray(v.toarray())

    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        for f in dataclasses.fields(result):
            if f.name in _SKIP_FIELDS:
                continue
            put(prefix + f.name, getattr(result, f.name))
    elif isinstance(result, tuple) or (isinstance(result, list) and depth == 0 and _numeric(result) is None) \
            or (isinstance(result, list) and depth == 0 and result and not isinstance(result[0], (int, float, bool))):
        for i, item in enumerate(result):
            put(f"{prefix}{i}", item)
    elif _numeric(result) is not None or isinstance(result, (str, enum.Enum)):
        put(prefix + "value" if not prefix else prefix.rstrip("."), result)
    elif hasattr(result, "toarray") and hasattr(result, "shape"):
        put(prefix + "value" if not prefix else prefix.rstrip("."), result)
    elif hasattr(result, "__dict__") and depth < 2:  # a problem object: its public array attributes
        for k, v in vars(result).items():
            if not k.startswith("_") and not callable(v):
                put(prefix + k, v)
    return out


def _numeric(v: Any) -> np.ndarray | None:
    if isinstance(v, (bool, int, float, complex, np.number, np.bool_)):
        return np.asarray(v)
    try:
        from refimpl.backends import to_numpy

        if hasattr(v, "__array_namespace__") or hasattr(v, "__array__") or isinstance(v, (list, tuple)):
            a = np.asarray(to_numpy(v)) if not isinstance(v, (list, tuple)) else np.asarray(v)
        else:
            return None
    except Exception:
        return None
    if a.dtype.kind in "biufc":
        return a
    return None


def canonicalize(flat: dict, canonical: Mapping[str, str]) -> dict:
    out = dict(flat)
    for key, how in canonical.items():
        if key in out and how == "sort":
            out[key] = np.sort(np.asarray(out[key]), axis=None)
    return out


def checked_fields(ref: Reference, case: Case, expected: dict) -> list[str]:
    if case.fields is not None:
        return list(case.fields)
    if ref.fields is not None:
        return [f for f in ref.fields if f in expected]
    return sorted(k for k in expected if not any(k == i or k.startswith(i + ".") for i in ref.ignore))


# ----------------------------------------------------------------------------------------------
# Statistics of statistical cases
# ----------------------------------------------------------------------------------------------
_STATISTICS: dict[str, Callable[[list, Case], np.ndarray]] = {}


def statistic(name: str) -> Callable:
    """Register a statistic of repeated runs: ``fn(outputs, case) -> array`` (outputs: primary values)."""

    def deco(fn):
        _STATISTICS[name] = fn
        return fn

    return deco


@statistic("inclusion_frequency")
def _inclusion_frequency(outputs: list, case: Case) -> np.ndarray:
    """Fraction of runs in which each unit 0..N-1 is selected (N = len(theory))."""
    n = len(np.asarray(case.theory))
    counts = np.zeros(n)
    for o in outputs:
        idx = np.unique(np.asarray(o, dtype=np.int64).ravel())
        counts[idx] += 1
    return counts / len(outputs)


@statistic("draw_frequency")
def _draw_frequency(outputs: list, case: Case) -> np.ndarray:
    """Mean number of times per run each unit 0..N-1 is drawn (with replacement)."""
    n = len(np.asarray(case.theory))
    counts = np.zeros(n)
    for o in outputs:
        counts += np.bincount(np.asarray(o, dtype=np.int64).ravel(), minlength=n)[:n]
    return counts / len(outputs)


@statistic("mean")
def _mean(outputs: list, case: Case) -> np.ndarray:
    """Elementwise mean of the outputs."""
    return np.mean(np.stack([np.asarray(o, dtype=float) for o in outputs]), axis=0)


@statistic("sample_size")
def _sample_size(outputs: list, case: Case) -> np.ndarray:
    """Distinct sizes seen, as (min, max) of the number of selected units per run."""
    sizes = [np.unique(np.asarray(o).ravel()).size for o in outputs]
    return np.array([min(sizes), max(sizes)], dtype=float)


def run_statistical(func: Callable, case: Case, *, primary_of: Callable[[Any], Any]) -> np.ndarray:
    outs = []
    for r in range(case.n_rep):
        args, kwargs = call_inputs(case, rng_override=case.seed + r)
        outs.append(primary_of(func(*args, **kwargs)))
    return _STATISTICS[case.statistic](outs, case)


def materialize(ref: Reference, case: Case) -> Case:
    """Compute ``case.expected`` (and ``case.draws``) with refimpl on the NumPy backend in float64."""
    from refimpl.backends import use_backend

    with use_backend("numpy"):
        if case.kind == "statistical":
            value = run_statistical(ref.func, case, primary_of=lambda r: flatten_result(r)[ref.primary])
            case.expected = {"statistic": np.asarray(value, dtype=float),
                             "theory": np.asarray(case.theory, dtype=float)}
            return case
        args, kwargs = call_inputs(case)
        rec = None
        if ref.stochastic and isinstance(kwargs.get("rng"), (int, np.integer)):
            rec = RecordingGenerator(int(kwargs["rng"]))
            kwargs["rng"] = rec
        result = ref.func(*args, **kwargs)
    case.expected = canonicalize(flatten_result(result), ref.canonical)
    if ref.primary not in case.expected:
        raise ValueError(f"{case.id}: declared primary output {ref.primary!r} not among the result fields "
                         f"{sorted(case.expected)}")
    case.draws = rec.log if rec is not None else None
    return case


# ----------------------------------------------------------------------------------------------
# Comparing outputs
# ----------------------------------------------------------------------------------------------
@dataclass
class FieldComparison:
    field: str
    ok: bool
    max_abs: float
    max_rel: float
    message: str = ""


def _as_array(v: Any) -> np.ndarray:
    if isinstance(v, np.ndarray):
        return v
    from refimpl.backends import to_numpy

    try:
        return np.asarray(to_numpy(v))
    except Exception:
        return np.asarray(v)


def compare_field(name: str, expected: Any, actual: Any, tol: Tolerance) -> FieldComparison:
    """Compare one output field; shape, dtype-kind and non-finite pattern mismatches name the field."""
    if isinstance(expected, str) or isinstance(actual, (str, enum.Enum)):
        a = actual.name if isinstance(actual, enum.Enum) else actual
        ok = a == expected
        return FieldComparison(name, ok, 0.0 if ok else math.inf, 0.0 if ok else math.inf,
                               "" if ok else f"field {name!r}: expected {expected!r}, got {a!r}")
    e = _as_array(expected)
    try:
        a = _as_array(actual)
    except Exception as exc:
        return FieldComparison(name, False, math.inf, math.inf, f"field {name!r}: not an array ({exc})")
    if a.dtype.kind not in "biufc":
        return FieldComparison(name, False, math.inf, math.inf,
                               f"field {name!r}: expected a numeric array, got dtype {a.dtype}")
    if a.shape != e.shape:
        if a.size == e.size and a.size > 0 and (a.ndim == 0 or e.ndim == 0 or a.squeeze().shape == e.squeeze().shape):
            a = a.reshape(e.shape)
        else:
            return FieldComparison(name, False, math.inf, math.inf,
                                   f"field {name!r}: shape {a.shape} returned, reference shape {e.shape}")
    if e.size == 0:
        return FieldComparison(name, True, 0.0, 0.0)
    if e.dtype.kind == "c" or a.dtype.kind == "c":
        e = e.astype(np.complex128)
        a = a.astype(np.complex128)
    else:
        e = e.astype(np.float64)
        a = a.astype(np.float64)
    fin_e, fin_a = np.isfinite(e), np.isfinite(a)
    if not np.array_equal(fin_e, fin_a) or not np.array_equal(e[~fin_e], a[~fin_a], equal_nan=True):
        bad = int(np.flatnonzero((fin_e != fin_a).ravel() | (~fin_e.ravel() & (e.ravel() != a.ravel())))[0]) \
            if np.any(fin_e != fin_a) or np.any(~fin_e & (e != a)) else 0
        return FieldComparison(name, False, math.inf, math.inf,
                               f"field {name!r}: non-finite pattern differs at flat index {bad} "
                               f"(reference {e.ravel()[bad]}, got {a.ravel()[bad]})")
    diff = np.abs(a[fin_e] - e[fin_e])
    scale = np.abs(e[fin_e])
    max_abs = float(diff.max()) if diff.size else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / scale, np.where(diff > 0, np.inf, 0.0))
    max_rel = float(rel.max()) if rel.size else 0.0
    exact = expected_is_discrete(expected) or tol.kind == "exact"
    if exact:
        ok = max_abs == 0.0 if tol.atol == 0 and tol.rtol == 0 else bool(np.all(diff <= tol.atol + tol.rtol * scale))
        if expected_is_discrete(expected):
            ok = max_abs == 0.0
    else:
        ok = bool(np.all(diff <= tol.atol + tol.rtol * scale))
    if ok:
        msg = ""
    elif expected_is_discrete(expected):
        bad = int(np.flatnonzero(a.ravel() != e.ravel())[0])
        msg = (f"field {name!r}: integer/boolean output must be equal; first difference at flat index {bad} "
               f"(reference {e.ravel()[bad]:g}, got {a.ravel()[bad]:g})")
    else:
        msg = f"field {name!r}: max abs error {max_abs:.3g}, max rel error {max_rel:.3g} exceed {tol.rule}"
    return FieldComparison(name, ok, max_abs, max_rel, msg)


def expected_is_discrete(v: Any) -> bool:
    return isinstance(v, np.ndarray) and v.dtype.kind in "biu"


def compare_outputs(expected: Mapping[str, Any], actual: Mapping[str, Any], fields: Iterable[str],
                    tol: Tolerance) -> list[FieldComparison]:
    res = []
    for f in fields:
        if f not in expected:
            continue
        if f not in actual:
            res.append(FieldComparison(f, False, math.inf, math.inf,
                                       f"field {f!r} missing from the output (got fields {sorted(actual)})"))
            continue
        res.append(compare_field(f, expected[f], actual[f], tol))
    return res


def iter_cases(names: Iterable[str] | None = None, *, families: Iterable[str] | None = None) -> Iterator[tuple[Reference, Case]]:
    for n in (names if names is not None else reference_names(families)):
        ref = get_reference(n)
        for c in ref.cases():
            yield ref, c
