"""Bad-input fuzz harness: specs, corruption generators, one-case runner and outcome classes.

A *spec* (:class:`Spec`) gives one valid, fast call of a public refimpl name and the *kind* of
each argument (:class:`A`). From the kind, :func:`corruptions` generates bad values, each with a
*category*:

``reject``  invalid input: the call must raise a documented exception (ValueError, TypeError or
            one of refimpl's own) from a ``raise`` in a refimpl module, naming the argument;
``soft``    extreme but possibly valid input (n = 1, 1e308, 1e-300, a singular PSD matrix): the
            call may raise as above or return; a returned non-finite value needs a failure status;
``accept``  valid in another form (a plain list for an array): the call must return.

:func:`run_case` runs one corrupted call under a per-call alarm and classifies the outcome
(:data:`GOOD` or :data:`DEFECTS`). Argument names in specs and case ids are the *canonical*
(post-rename) names; :meth:`Spec.resolve` maps them to the name the function has today through
the spec's ``aliases`` (see the family spec modules), so a rename needs no harness change.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import math
import re
import signal
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

TIMEOUT_S = 2.0
KNOWN_TIMEOUT_S = 0.5  # for cases in known_failures.txt: a fixed case raises or returns fast

GOOD = ("ok", "error", "status", "accepted")
DEFECTS = {
    "hang": "hang (no result within the per-call limit)",
    "wrong_type": "wrong exception type (not ValueError/TypeError/refimpl's own)",
    "unclear": "unclear error (documented type, but raised inside numpy/scipy/python, not by a refimpl raise)",
    "no_name": "message without the argument name",
    "silent_nonfinite": "silent non-finite output (no failure status)",
    "silent_accept": "invalid input silently accepted (returned a finite result)",
    "rejected_valid": "valid input (valid call or an accepted form such as a plain list) rejected",
}


class Hang(BaseException):
    """Raised by the alarm handler; BaseException so that ``except Exception`` cannot swallow it."""


# ----------------------------------------------------------------------------- specs


_MISSING = object()


@dataclass
class A:
    """One argument: its kind, a valid value (copied per call) or a zero-argument ``make`` factory.

    Options: ``tied`` (its length must match another argument: adds a ``len+1`` corruption and
    drops the n = 1 / n = 2 ones), ``optional`` (None is valid), ``choices`` (for ``choice``),
    ``min`` (smallest valid size for ``size``), ``complex_ok`` (complex input is valid),
    ``sample`` (an array to corrupt when the valid value is None).
    """

    kind: str
    value: Any = _MISSING
    make: Callable[[], Any] | None = None
    tied: bool = False
    optional: bool = False
    choices: tuple = ()
    min: int = 1
    complex_ok: bool = False
    sample: Any = None
    _cache: Any = dataclasses.field(default=_MISSING, repr=False)

    def get(self) -> Any:
        """A fresh copy of the valid value (factories run once, then copied)."""
        if self.value is _MISSING:
            if self._cache is _MISSING:
                self._cache = self.make()
            return copy.deepcopy(self._cache)
        return copy.deepcopy(self.value)


@dataclass
class Spec:
    """A valid call of one public name and the kinds of its arguments.

    ``accept`` maps ``"arg=label"`` to the reason a corruption is legitimately accepted (the case
    then passes when the call returns); ``skip`` maps ``"arg=label"`` to the reason a corruption is
    not generated at all (it only breaks the spec's own helper). ``inf_ok`` maps ``"arg=label"`` to
    the reason an infinite value in the returned result is the documented answer (a conformal
    quantile of +inf: "not attainable", the whole line); NaN still counts as non-finite.
    ``nonfinite_ok`` maps ``"arg=label"`` to the reason non-finite input values are returned
    unchanged by design (a pure conversion such as ``to_library``); the case must still return. ``aliases`` maps a canonical argument name to today's
    names (renames in flight). ``call`` replaces ``func(**kwargs)`` (classes used as context
    managers, ``*args`` functions). ``check`` inspects a returned value (e.g. an interval's order)
    and returns a problem description or None.
    """

    func: Callable
    args: dict[str, A]
    accept: dict[str, str] = field(default_factory=dict)
    skip: dict[str, str] = field(default_factory=dict)
    inf_ok: dict[str, str] = field(default_factory=dict)
    nonfinite_ok: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, tuple] = field(default_factory=dict)
    call: Callable[..., Any] | None = None

    def _params(self) -> Any:
        """The function's parameters (inspected once per spec: ``inspect.signature`` is slow), or None."""
        cached = self.__dict__.get("_params_cache", _MISSING)
        if cached is _MISSING:
            try:
                cached = inspect.signature(self.func).parameters
            except (TypeError, ValueError):
                cached = None
            self.__dict__["_params_cache"] = cached
        return cached

    def resolve(self, name: str) -> str:
        """Today's parameter name for canonical ``name`` (itself when the function has it)."""
        params = self._params()
        if params is None:
            return name
        if name in params:
            return name
        for old in self.aliases.get(name, ()):
            if old in params:
                return old
        return name

    def kwargs(self, override: dict | None = None) -> dict:
        """Valid keyword arguments (today's names), with ``override`` (canonical names) applied."""
        out = {}
        for name, arg in self.args.items():
            out[self.resolve(name)] = (override or {}).get(name, _MISSING)
            if out[self.resolve(name)] is _MISSING:
                out[self.resolve(name)] = arg.get()
        return out

    def invoke(self, kwargs: dict) -> Any:
        """Call the public name with ``kwargs``."""
        return self.call(self.func, **kwargs) if self.call else self.func(**kwargs)


# ----------------------------------------------------------------------------- corruptions

_SCALAR_BAD = [("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf), ("none", None), ("str", "abc"),
               ("complex", 1 + 1j), ("obj", object()), ("list", [1.0])]


def _scalar(kind: str, a: A) -> list:
    """Corruptions of a scalar argument of ``kind``."""
    out = [(lab, v, "reject") for lab, v in _SCALAR_BAD]
    if a.optional:
        out = [(lab, v, "soft" if v is None else c) for lab, v, c in out]
    if kind == "real":
        out += [("1e308", 1e308, "soft"), ("-1e308", -1e308, "soft"), ("1e-300", 1e-300, "soft"),
                ("zero", 0.0, "soft"), ("bool", True, "soft")]
    elif kind == "pos":
        out += [("neg", -1.0, "reject"), ("zero", 0.0, "reject"), ("1e308", 1e308, "soft"),
                ("1e-300", 1e-300, "soft"), ("bool", True, "soft")]
    elif kind == "nonneg":
        out += [("neg", -1.0, "reject"), ("zero", 0.0, "soft"), ("1e308", 1e308, "soft"),
                ("1e-300", 1e-300, "soft")]
    elif kind == "unit":
        out += [("zero", 0.0, "reject"), ("one", 1.0, "reject"), ("neg", -0.1, "reject"),
                ("1.5", 1.5, "reject"), ("1e-300", 1e-300, "soft")]
    return out


def _integer(kind: str, a: A) -> list:
    """Corruptions of an integer argument (``size``: >= a.min; ``int``: any integer)."""
    out = [("float", 2.5, "reject"), ("str", "3", "reject"), ("none", None, "soft" if a.optional else "reject"),
           ("nan", math.nan, "reject"), ("np.int64", np.int64(a.get() if a.get() is not None else 2), "accept")]
    if kind == "size":
        out += [("bool", True, "reject"), ("neg", -1, "reject"), ("1e6", 10**6, "soft")]
        out += [("zero", 0, "reject" if a.min >= 1 else "soft")]
        out += [(f"n{k}", k, "soft" if k >= a.min else "reject") for k in (1, 2)]
    else:
        out += [("-1", -1, "soft"), ("1e6", 10**6, "soft")]
    return out


def _array(a: A) -> list:
    """Corruptions of a real vector or matrix (kinds vec, mat, spd, prob, labels)."""
    v = np.asarray(a.get() if a.sample is None else a.sample)
    out = []
    if v.dtype.kind in "fc":
        for lab, x in (("nan", np.nan), ("inf", np.inf), ("-inf", -np.inf)):
            w = v.copy()
            w.flat[0] = x
            out.append((lab, w, "reject"))
    out += [("empty", np.empty((0,) + v.shape[1:]), "reject"), ("ndim+1", v[..., None], "reject"),
            ("ndim-1", v[0] if v.ndim > 1 else v.flat[0], "reject"),
            ("str", np.full(v.shape, "a"), "reject"), ("obj", object(), "reject"),
            ("none", None, "soft" if a.optional else "reject"), ("list", v.tolist(), "accept")]
    if not a.complex_ok and a.kind != "labels":
        out.append(("complex", v + 1j, "reject"))
    if a.tied:
        out.append(("len+1", np.concatenate([v, v[:1]]), "reject"))
    elif v.shape[0] > 2:
        out += [("n1", v[:1], "soft"), ("n2", v[:2], "soft")]
    if a.kind in ("vec", "mat"):
        out += [("bool", v > np.median(v), "soft"), ("1e300", v * 1e300, "soft"), ("1e-300", v * 1e-300, "soft")]
    return out + _special(a, v)


def _special(a: A, v: np.ndarray) -> list:
    """Kind-specific corruptions: non-SPD matrices, probabilities outside [0, 1], bad labels."""
    out = []
    if a.kind == "spd":
        w = v.copy()
        w[0, 0] = -np.abs(v).max() - 1.0
        ns = v.copy()
        ns[0, -1] += 1.0
        n = v.shape[0]
        out += [("indefinite", w, "reject"), ("nonsym", ns, "reject"), ("nonsquare", v[:, :-1], "reject"),
                ("singular", np.ones((n, n)), "soft")]
        if n == 2:
            out.append(("2x2indef", np.array([[1.0, 2.0], [2.0, 1.0]]), "reject"))
    elif a.kind == "prob":
        for lab, x in (("negprob", -0.5), ("prob>1", 1.5)):
            w = v.copy()
            w.flat[0] = x
            out.append((lab, w, "reject"))
    elif a.kind == "labels":
        for lab, x in (("frac", 0.5), ("neglabel", -1), ("biglabel", 10**6)):
            w = v.astype(float) if lab == "frac" else v.copy()
            w.flat[0] = x
            out.append((lab, w, "reject"))
    return out


def _list_of(a: A, inner_kind: str) -> list:
    """Corruptions of a list of arrays (``factors`` of SPD matrices, ``grid`` of 1-D coordinates)."""
    items = list(a.get())
    inner = A(inner_kind, items[0], tied=(inner_kind == "vec"))
    out = [("emptylist", [], "reject"), ("none", None, "soft" if a.optional else "reject"),
           ("str", "abc", "reject"), ("tuple", tuple(items), "accept")]
    for lab, x, cat in _array(inner):
        if lab not in ("none",):
            out.append((f"0.{lab}", [x] + items[1:], cat))
    out.append(("0.none", [None] + items[1:], "reject"))
    if inner_kind == "vec":
        dup = np.asarray(items[0], dtype=float).copy()
        dup[1] = dup[0]
        out.append(("dup", [dup] + items[1:], "soft"))
    return out


def corruptions(a: A) -> list[tuple[str, Any, str]]:
    """``(label, value, category)`` for every corruption of argument ``a`` (see the module docstring)."""
    k = a.kind
    if k in ("real", "pos", "nonneg", "unit"):
        return _scalar(k, a)
    if k in ("size", "int"):
        return _integer(k, a)
    if k in ("vec", "mat", "spd", "prob", "labels"):
        return _array(a)
    if k == "factors":
        return _list_of(a, "spd")
    if k == "grid":
        return _list_of(a, "vec")
    bad = [("none", None, "soft" if a.optional else "reject"), ("int", 3, "reject"), ("obj", object(), "reject")]
    if k == "choice":
        return bad + [("bogus", "bogus", "reject"), ("emptystr", "", "reject")]
    if k == "str":
        return bad + [("bogus", "bogus", "reject")]
    if k == "flag":
        return [("str", "yes", "reject"), ("none", None, "soft")]
    if k == "callable":
        return bad + [("returns_none", lambda *a_, **k_: None, "reject"), ("str", "f", "reject")]
    if k == "rng":
        return [("str", "abc", "reject"), ("neg", -1, "reject"), ("float", 2.5, "reject"), ("none", None, "soft")]
    if k in ("result", "kernel"):
        return bad + [("str", "abc", "reject"), ("other", _Other(), "reject")]
    if k == "kernels":
        return bad + [("emptylist", [], "reject"), ("0.none", [None], "reject"), ("str", "se", "reject")]
    if k == "indices":
        return [("frac", [1.5], "reject"), ("big", [10**6], "reject"), ("str", "a", "reject"),
                ("nested", [[1]], "reject"), ("none", None, "reject"), ("-1", [-1], "soft"),
                ("array", np.asarray(a.get(), dtype=int), "accept")]
    if k == "any":
        return []
    if k in EXTRA_KINDS:
        return EXTRA_KINDS[k](a)
    raise AssertionError(f"unknown kind {k!r}")


# ----------------------------------------------------------------------------- kinds: objectives
# ``oracle``: a callable returning a value, gradient or Hessian (fun/grad/hess of the Newton
# methods); ``problem``: a problem object (methods fun, grad, hess, ..., maybe subsample and n).
# Their NaN/inf-returning forms are ``soft``: the method must stop with a failure status (NONFINITE).


def _scaled(f: Callable, factor: Any) -> Callable:
    """``f`` with its result multiplied by ``factor`` (works for floats and any array library)."""
    return lambda *a_, **k_: f(*a_, **k_) * factor


def _expanded(f: Callable) -> Callable:
    """``f`` with two trailing axes added to its result (a wrong shape)."""
    def g(*a_, **k_):
        out = f(*a_, **k_)
        return out[..., None, None] if hasattr(out, "shape") else [[out]]
    return g


def _oracle(a: A) -> list:
    """Corruptions of an objective callable (``a.get()`` returns the valid one)."""
    f = a.get()
    out = [("none", None, "soft" if a.optional else "reject"), ("int", 3, "reject"), ("obj", object(), "reject"),
           ("str", "f", "reject"), ("returns_none", lambda *a_, **k_: None, "reject"),
           ("returns_str", lambda *a_, **k_: "abc", "reject"), ("returns_ndim+2", _expanded(f), "reject")]
    if f is not None:
        out += [("returns_nan", _scaled(f, math.nan), "soft"), ("returns_inf", _scaled(f, math.inf), "soft"),
                ("returns_complex", _scaled(f, 1 + 1j), "reject")]
    return out


class _ScaledProblem:
    """A problem object whose oracles (and mini-batches) return ``factor`` times the valid values."""

    def __init__(self, problem: Any, factor: Any) -> None:
        self._problem, self._factor = problem, factor

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.__dict__["_problem"], name)
        fac = self.__dict__["_factor"]
        if name in ("fun", "grad", "hess", "hessvec"):
            return _scaled(attr, fac)
        if name == "fun_grad":
            return lambda *a_: tuple(t * fac for t in attr(*a_))
        if name == "subsample":
            return lambda *a_: _ScaledProblem(attr(*a_), fac)
        return attr


def _problem(a: A) -> list:
    """Corruptions of a problem object."""
    p = a.get()
    return [("none", None, "soft" if a.optional else "reject"), ("int", 3, "reject"), ("obj", object(), "reject"),
            ("str", "abc", "reject"), ("other", _Other(), "reject"),
            ("nan", _ScaledProblem(p, math.nan), "soft"), ("inf", _ScaledProblem(p, math.inf), "soft")]


EXTRA_KINDS = {"oracle": _oracle, "problem": _problem}


class _Other:
    """A foreign object with common result attribute names set to None (a wrong result type)."""

    basis = points = params = status = greedy = None


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One call: ``qual`` (family.name), the corrupted canonical ``arg`` (None: the valid call)."""

    qual: str
    arg: str | None
    label: str
    category: str
    value: Any = None

    @property
    def id(self) -> str:
        return f"{self.qual}:valid" if self.arg is None else f"{self.qual}:{self.arg}={self.label}"


def cases(specs: dict[str, Spec]) -> list[Case]:
    """The valid call and every corruption of every argument, for each spec."""
    out = []
    for qual, spec in specs.items():
        out.append(Case(qual, None, "valid", "accept"))
        for name, arg in spec.args.items():
            for label, value, cat in corruptions(arg):
                key = f"{name}={label}"
                if key in spec.skip:
                    continue
                out.append(Case(qual, name, label, "accept" if key in spec.accept else cat, value))
    return out


@dataclass
class Outcome:
    """How one call ended: ``cls`` (one of GOOD or a DEFECTS key) and a one-line ``detail``."""

    cls: str
    detail: str
    signature: tuple = ()  # (exception type name, message) or ("return",), compared across backends
    values: list = field(default_factory=list)  # host float arrays of a returned value (backend comparison)


_ARMED = [False]


def _alarm(signum, frame):
    if _ARMED[0]:
        raise Hang()


def run_case(spec: Spec, case: Case, timeout: float = TIMEOUT_S) -> Outcome:
    """Run ``case`` under an alarm of ``timeout`` seconds and classify the outcome.

    The alarm re-fires every 50 ms until the call ends, because a Hang raised inside a weakref or
    ``__del__`` callback is swallowed by Python ("Exception ignored in ...").
    """
    kwargs = spec.kwargs({} if case.arg is None else {case.arg: case.value})
    old = signal.signal(signal.SIGALRM, _alarm)
    try:
        try:
            _ARMED[0] = True
            signal.setitimer(signal.ITIMER_REAL, timeout, 0.05)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = spec.invoke(kwargs)
        finally:
            _ARMED[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Hang:
        return Outcome("hang", f"no result within {timeout:g} s", ("hang",))
    except BaseException as exc:  # noqa: BLE001 - classified below
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return _classify_error(spec, case, exc)
    finally:
        signal.signal(signal.SIGALRM, old)
    key = f"{case.arg}={case.label}"
    allow = "" if case.arg is None else "all" if key in spec.nonfinite_ok else "inf" if key in spec.inf_ok else ""
    outcome = _classify_return(case, result, allow=allow)
    outcome.values = _values(result)
    return outcome


def _values(x: Any, depth: int = 0) -> list:
    """The numeric leaves of a returned value as host float arrays (for cross-backend comparison)."""
    if depth > 4 or x is None or isinstance(x, (str, bytes, type)):
        return []
    if isinstance(x, (bool, int, float, np.number)):
        return [np.asarray(float(x))]
    if isinstance(x, dict):
        return [v for k in sorted(x, key=str) if k != "timings" for v in _values(x[k], depth + 1)]
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _values(item, depth + 1)]
    if dataclasses.is_dataclass(x):
        return [v for f in dataclasses.fields(x) if f.name != "timings" for v in _values(getattr(x, f.name), depth + 1)]
    arr = _host(x)
    if arr is not None and arr.dtype.kind in "biufc":
        return [np.asarray(arr, dtype=complex if arr.dtype.kind == "c" else float)]
    return []


def same_values(a: list, b: list, rtol: float = 1e-6, floor: float = 1e-12) -> str:
    """Empty when two ``values`` lists agree to ``rtol`` relative to the arrays' scale (absolute
    differences below ``floor`` are round-off, e.g. residual norms of 1e-16), else why not."""
    if len(a) != len(b):
        return f"{len(a)} vs {len(b)} numeric outputs"
    for i, (x, y) in enumerate(zip(a, b)):
        if x.shape != y.shape:
            return f"output {i}: shape {x.shape} vs {y.shape}"
        finite = np.all(np.isfinite(x)) and np.all(np.isfinite(y))
        scale = max(float(np.max(np.abs(x), initial=0.0)), float(np.max(np.abs(y), initial=0.0))) if finite else 1.0
        if not np.allclose(x, y, rtol=rtol, atol=max(rtol * scale, floor), equal_nan=True):
            return f"output {i}: max |diff| {float(np.nanmax(np.abs(x - y))):.3g} (scale {scale:.3g})"
    return ""


def _documented(exc: BaseException) -> bool:
    """ValueError/TypeError (and subclasses) or an exception class defined by refimpl."""
    return isinstance(exc, (ValueError, TypeError)) or type(exc).__module__.startswith("refimpl")


def _raised_by_refimpl(exc: BaseException) -> tuple[bool, str]:
    """Whether the innermost traceback frame is a ``raise`` statement in a refimpl module."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False, "?"
    module = tb.tb_frame.f_globals.get("__name__", "?")
    frame = traceback.extract_tb(tb)[-1]
    where = f"{module}:{frame.lineno}"
    line = (frame.line or "").strip()
    return module.startswith("refimpl") and line.startswith("raise"), where


def _short(msg: str, n: int = 160) -> str:
    msg = " ".join(str(msg).split())
    return msg if len(msg) <= n else msg[: n - 3] + "..."


SHAPE_LABELS = ("len+1", "n1", "n2", "0.len+1", "0.n1", "0.n2")


def _names_allowed(spec: Spec, case: Case) -> list[str]:
    """Argument names the message may name: the corrupted one; any argument of the call for a
    shape mismatch (either side of the mismatch is right) or a soft corruption (a relation)."""
    if case.label in SHAPE_LABELS or case.category == "soft":
        return [spec.resolve(n) for n in spec.args]
    return [spec.resolve(case.arg)]


def _classify_error(spec: Spec, case: Case, exc: BaseException) -> Outcome:
    """Classify an exception of ``case``."""
    name = type(exc).__name__
    own, where = _raised_by_refimpl(exc)
    sig = (name, re.sub(r"0x[0-9a-fA-F]+", "0x?", str(exc)))  # object addresses differ between runs
    detail = f"{name}: {_short(exc)} [at {where}]"
    if case.category == "accept":
        return Outcome("rejected_valid", detail, sig)
    if not _documented(exc):
        return Outcome("wrong_type", detail, sig)
    if not own:
        return Outcome("unclear", detail, sig)
    if not any(name in str(exc) for name in _names_allowed(spec, case)):
        return Outcome("no_name", detail, sig)
    return Outcome("error", detail, sig)


def _classify_return(case: Case, result: Any, allow: str = "") -> Outcome:
    """Classify a returned ``result`` of ``case`` (``allow``: "inf" infinities are a documented
    answer, "all" non-finite values pass through by design, "" neither)."""
    status = getattr(result, "status", None)
    failed = status is not None and getattr(status, "success", True) is False
    bad = "" if allow == "all" else _nonfinite(result, allow_inf=allow == "inf")
    if failed:
        return Outcome("status", f"status {getattr(status, 'name', status)}", ("return", "status"))
    if bad:
        return Outcome("silent_nonfinite", f"returned non-finite {bad} without a failure status", ("return",))
    if case.category == "reject":
        return Outcome("silent_accept", f"returned {_describe(result)}", ("return",))
    return Outcome("accepted" if case.arg is not None else "ok", f"returned {_describe(result)}", ("return",))


def _describe(result: Any) -> str:
    """A short description of a returned value."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(result, dtype=float)
        if arr.size <= 4:
            return " ".join(np.array2string(arr, precision=4, separator=",").split())
        return f"array{arr.shape}"
    except Exception:  # noqa: BLE001
        return type(result).__name__


def _nonfinite(x: Any, path: str = "", depth: int = 0, allow_inf: bool = False) -> str:
    """Path of the first non-finite number inside ``x`` (arrays, scalars, containers, dataclasses);
    with ``allow_inf`` only NaN counts."""
    bad = np.isnan if allow_inf else (lambda a: ~np.isfinite(a))
    if depth > 4 or x is None or isinstance(x, (str, bytes, bool, type)) or callable(x) and not hasattr(x, "shape"):
        return ""
    if isinstance(x, (int, float, complex, np.number)):
        return path or "value" if bad(x) else ""
    kw = dict(depth=depth + 1, allow_inf=allow_inf)
    if isinstance(x, dict):
        return next((p for k, v in x.items() if (p := _nonfinite(v, f"{path}[{k!r}]", **kw))), "")
    if isinstance(x, (list, tuple)):
        return next((p for i, v in enumerate(x) if (p := _nonfinite(v, f"{path}[{i}]", **kw))), "")
    if dataclasses.is_dataclass(x):
        return next((p for f in dataclasses.fields(x) if f.name != "timings"
                     and (p := _nonfinite(getattr(x, f.name), f"{path}.{f.name}", **kw))), "")
    arr = _host(x)
    if arr is not None and arr.dtype.kind in "fc" and np.any(bad(arr)):
        return path or "array"
    return ""


def _host(x: Any) -> np.ndarray | None:
    """``x`` as a NumPy array when it is an array of a known library (dense or SciPy sparse)."""
    if hasattr(x, "toarray") and hasattr(x, "nnz"):
        return x.toarray()
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        try:
            from refimpl.backends import to_numpy

            return to_numpy(x)
        except Exception:  # noqa: BLE001
            return None
    return None


# ----------------------------------------------------------------------------- public names


MODULES = ("refimpl.conformal", "refimpl.gp", "refimpl.eim", "refimpl.sampling", "refimpl.bcd",
           "refimpl.newton", "refimpl.backends", "refimpl.backends.linalg")


def exemption(obj: Any) -> str | None:
    """Why a public object needs no fuzz spec (None: it needs one). The rules, explicitly:

    - modules (``refimpl.backends.linalg`` in ``refimpl.backends.__all__``) and constants
      (anything not callable: tuples of names, problem lists);
    - exceptions and warnings (classes deriving from BaseException);
    - status enums (``enum.Enum`` subclasses);
    - result containers: subclasses of ``refimpl._results.Result``, dataclasses whose name ends in
      ``Result``, ``Fit``, ``Prediction``, ``EIM`` or ``RB`` (outputs of a fit, not built by users),
      and named tuples (``KronEig``).
    """
    import enum

    from refimpl._results import Result

    if inspect.ismodule(obj):
        return "module"
    if not callable(obj):
        return "constant"
    if not inspect.isclass(obj):
        return None
    if issubclass(obj, BaseException):
        return "exception/warning"
    if issubclass(obj, enum.Enum):
        return "status enum"
    if issubclass(obj, Result):
        return "result (refimpl._results.Result)"
    if issubclass(obj, tuple) and hasattr(obj, "_fields"):
        return "named tuple result"
    if dataclasses.is_dataclass(obj) and obj.__name__.endswith(("Result", "Fit", "Prediction", "EIM", "RB")):
        return "result dataclass"
    return None


EXPLICIT_EXEMPT = {
    "refimpl.gp.Kernel1D": "abstract kernel base class (no constructor arguments); its subclasses have specs",
    "refimpl.eim.LimitModel": "built by logdet_eim/inverse_eim from private parts (_AffineSPD), not by users",
    "refimpl.gp.KronEig": "eigendecomposition container returned by kron_eigh (a result; no validation of its own)",
    "refimpl.backends.Backend": "backend record built by load_backend; users get it from get_backend()",
}


def public_names() -> dict[str, Any]:
    """``{"module.name": object}`` for every name in the fuzzed modules' ``__all__``."""
    import importlib

    out = {}
    for mod_name in MODULES:
        mod = importlib.import_module(mod_name)
        for name in getattr(mod, "__all__", ()):
            out[f"{mod_name}.{name}"] = getattr(mod, name)
    return out


def warm_up(specs: dict[str, Spec], backend: str) -> None:
    """Run every valid call once on ``backend`` without an alarm (JIT compilation is not a hang)."""
    from refimpl.backends import use_backend

    for spec in specs.values():
        try:
            with use_backend(backend), warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                spec.invoke(spec.kwargs())
        except Exception:  # noqa: BLE001 - a failing valid call is reported by its own case
            pass


def all_specs() -> dict[str, Spec]:
    """Every family's ``SPECS``, merged."""
    import specs_backends
    import specs_bcd
    import specs_bcd_trees
    import specs_conformal
    import specs_eim
    import specs_gp
    import specs_newton
    import specs_newton_ask
    import specs_newton_rp
    import specs_newton_tr
    import specs_sampling

    out = {}
    for mod in (specs_conformal, specs_gp, specs_eim, specs_backends, specs_newton, specs_newton_tr, specs_newton_rp,
                specs_newton_ask, specs_sampling, specs_bcd, specs_bcd_trees):
        out.update(mod.SPECS)
    return out


def known_failures() -> set[str]:
    """Case ids listed in known_failures.txt (``#`` starts a comment)."""
    from pathlib import Path

    path = Path(__file__).with_name("known_failures.txt")
    if not path.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    inactive = _inactive_names()
    return {line for line in lines if line and line.split("|")[-1].split(":", 1)[0] not in inactive}


def _inactive_names() -> set[str]:
    """``family.name`` of specs a spec module wrote ahead of its family's merge (its ``SKIPPED``):
    their known-failure lines are inactive until the name exists (specs_sampling.py)."""
    import specs_sampling

    return {f"sampling.{name}" for name in getattr(specs_sampling, "SKIPPED", ())}


def needs_spec() -> list[str]:
    """Public names that must have a fuzz spec (everything not exempt)."""
    return sorted(q.removeprefix("refimpl.") for q, obj in public_names().items()
                  if exemption(obj) is None and q not in EXPLICIT_EXEMPT)
