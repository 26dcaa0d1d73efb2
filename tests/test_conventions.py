"""Project conventions every family follows, checked over every public name (see docs/architecture.rst).

* every public function and class declares its backend capabilities (no ``"undeclared"`` in
  :func:`refimpl.backends.capability_table`);
* every result dataclass a package exports or a public function returns derives from
  :class:`refimpl._results.Result` and is frozen, and its status enum can be identified (its
  ``status`` annotation names it, or its module defines exactly one); a returned dataclass that
  is plain input data (a problem definition) says so with ``__refimpl_data__ = True``;
* status enums use the standard stop-reason names of :mod:`refimpl._iterative` for the standard
  meanings (no ``TOLERANCE``, ``MAX_TERMS``, ``TOL_NOT_REACHED`` ...), mark the standard failures
  as failures, and name only existing members in ``__failures__``;
* an iterative method (a public function with an iteration cap ``max_iter``) takes
  ``callback=None`` and returns a result whose status enum has ``MAX_ITER`` and ``CALLBACK`` (and
  ``CONVERGED`` when it has a stopping tolerance);
* no public signature uses the retired parameter names (``maxiter``, ``max_terms``, ``n_iter`` ...),
  and results count evaluations under the standard field names.

Each test collects every violation and reports them all at once, so the failure message is a
checklist.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import sys
import typing
from typing import Any

import pytest

import refimpl
from refimpl._iterative import COUNT_FIELDS, STANDARD_STATUS_NAMES
from refimpl._results import Result, StatusEnum
from refimpl.backends import capability_table
from refimpl.backends._capabilities import PUBLIC_PACKAGES

#: Retired spellings of the standard status names → the standard name to use instead.
LEGACY_STATUS_NAMES = {
    "TOLERANCE": "CONVERGED", "TOL": "CONVERGED", "TOL_REACHED": "CONVERGED", "TOLERANCE_REACHED": "CONVERGED",
    "SUCCESS": "CONVERGED", "CONVERGENCE": "CONVERGED",
    "MAX_TERMS": "MAX_ITER", "MAXITER": "MAX_ITER", "MAX_ITERS": "MAX_ITER", "MAX_ITERATIONS": "MAX_ITER",
    "MAX_STEPS": "MAX_ITER", "TOL_NOT_REACHED": "MAX_ITER", "ITERATION_LIMIT": "MAX_ITER", "MAX_BASIS": "MAX_ITER",
    "NAN": "NONFINITE", "NON_FINITE": "NONFINITE", "NOT_FINITE": "NONFINITE", "INF": "NONFINITE",
    "NAN_OR_INF": "NONFINITE", "OVERFLOW": "NONFINITE",
    "USER_STOP": "CALLBACK", "STOPPED": "CALLBACK", "STOPPED_BY_CALLBACK": "CALLBACK", "CALLBACK_STOP": "CALLBACK",
    "DONE": "COMPLETED", "FINISHED": "COMPLETED", "EXACT": "COMPLETED", "DIRECT": "COMPLETED",
    "BROKE_DOWN": "BREAKDOWN", "BREAK_DOWN": "BREAKDOWN", "INDEFINITE": "BREAKDOWN",
    "DIVERGENCE": "DIVERGED", "DIVERGING": "DIVERGED",
}
ALWAYS_FAILURE = ("BREAKDOWN", "NONFINITE", "DIVERGED")
ALWAYS_SUCCESS = ("CONVERGED", "CALLBACK", "COMPLETED")
#: Retired parameter names → the standard name (iteration caps are ``max_iter`` everywhere).
LEGACY_PARAMETERS = {
    "maxiter": "max_iter", "max_terms": "max_iter", "n_iter": "max_iter", "max_iters": "max_iter",
    "maxit": "max_iter", "niter": "max_iter", "n_iterations": "max_iter", "num_iter": "max_iter",
    "max_iterations": "max_iter", "max_steps": "max_iter", "tolerance": "atol/rtol/gtol/ftol/xtol/tol",
}
#: Retired count-field names → the standard name in ``COUNT_FIELDS``.
LEGACY_COUNT_FIELDS = {
    "nit": "n_iter", "niter": "n_iter", "n_iterations": "n_iter", "num_iter": "n_iter", "iterations_run": "n_iter",
    "nfev": "n_fev", "n_evals": "n_fev", "n_fevals": "n_fev", "njev": "n_grad", "n_grads": "n_grad",
    "nhev": "n_hess", "n_matvecs": "n_matvec", "n_mvm": "n_matvec", "n_mvms": "n_matvec", "matvecs": "n_matvec",
    "n_factorizations": "n_factor", "n_factorisations": "n_factor",
}
TOLERANCE_PARAMETERS = ("atol", "rtol", "gtol", "ftol", "xtol", "tol")
FAMILY_PACKAGES = tuple(p for p in PUBLIC_PACKAGES if not p.startswith("refimpl.backends"))


# ---------------------------------------------------------------------------------------------
# collection helpers


def _exports() -> dict[str, Any]:
    """``{"refimpl.<family>.<name>": object}`` for every name in a family package's ``__all__``."""
    out = {}
    for package in FAMILY_PACKAGES:
        module = importlib.import_module(package)
        for name in getattr(module, "__all__", ()):
            out[f"{package}.{name}"] = getattr(module, name)
    return out


_OWNER: dict[str, type] = {}


def _public_functions() -> dict[str, Any]:
    """Exported functions, plus the public methods of exported computation classes (``Cls.method``)."""
    out = {}
    for qualname, obj in _exports().items():
        if inspect.isfunction(obj) or (callable(obj) and not isinstance(obj, type)):
            out[qualname] = obj
        elif isinstance(obj, type) and not issubclass(obj, (BaseException, Result, StatusEnum, tuple)):
            out[f"{qualname}.__init__"] = obj.__init__
            _OWNER[f"{qualname}.__init__"] = obj
            for name, member in vars(obj).items():
                if not name.startswith("_") and inspect.isfunction(member):
                    out[f"{qualname}.{name}"] = member
                    _OWNER[f"{qualname}.{name}"] = obj
    return out


def _module_globals(obj: Any) -> dict[str, Any]:
    obj = inspect.unwrap(obj)
    if hasattr(obj, "__globals__"):
        return obj.__globals__
    return vars(sys.modules.get(getattr(obj, "__module__", ""), refimpl))


def _resolve_names(annotation: Any, namespace: dict[str, Any]) -> list[Any]:
    """The classes an annotation names (a string annotation is scanned for identifiers)."""
    if annotation is inspect.Signature.empty or annotation is None:
        return []
    if not isinstance(annotation, str):
        args = typing.get_args(annotation)
        if args:
            return [c for a in args for c in _resolve_names(a, namespace)]
        return [annotation] if isinstance(annotation, type) else []
    found = []
    for ident in re.findall(r"[A-Za-z_][A-Za-z_0-9.]*", annotation):
        head, *rest = ident.split(".")
        obj = namespace.get(head, getattr(__builtins__, head, None) if not isinstance(__builtins__, dict)
                            else __builtins__.get(head))
        for part in rest:
            obj = getattr(obj, part, None)
        if isinstance(obj, type):
            found.append(obj)
    return found


def _returned_classes(func: Any) -> list[type]:
    try:
        ann = inspect.signature(func).return_annotation
    except (TypeError, ValueError):
        return []
    return _resolve_names(ann, _module_globals(func))


def _is_result_like_dataclass(cls: type) -> bool:
    """A dataclass that carries computed output (named tuples and declared plain data are exempt)."""
    return (dataclasses.is_dataclass(cls) and not issubclass(cls, tuple)
            and not getattr(cls, "__refimpl_data__", False) and cls.__module__.startswith("refimpl."))


def _status_enum_of(cls: type) -> type | None:
    """The status enum of a Result subclass: the one its ``status`` annotation names, else the only
    StatusEnum defined in its module (``None`` when neither identifies one)."""
    for klass in cls.__mro__:
        if klass is Result:
            break
        ann = vars(klass).get("__annotations__", {}).get("status")
        if ann is not None:
            hits = [c for c in _resolve_names(ann, vars(sys.modules[klass.__module__]))
                    if issubclass(c, StatusEnum) and c is not StatusEnum]
            if hits:
                return hits[0]
    module = sys.modules[cls.__module__]
    local = [v for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, StatusEnum) and v.__module__ == module.__name__]
    return local[0] if len(local) == 1 else None


def _all_refimpl_modules() -> list[Any]:
    modules = []
    for info in pkgutil.walk_packages(refimpl.__path__, "refimpl."):
        if info.name.startswith(("refimpl.cli", "refimpl.validation", "refimpl.backends")):
            continue
        modules.append(importlib.import_module(info.name))
    return modules


def _status_enums() -> dict[str, type]:
    """Every StatusEnum subclass defined at module level in refimpl: ``{"module.Name": cls}``."""
    _all_refimpl_modules()
    out, todo = {}, list(StatusEnum.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        module = sys.modules.get(cls.__module__)
        if cls.__module__.startswith("refimpl.") and getattr(module, cls.__qualname__, None) is cls:
            out[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return out


def _report(problems: list[str], what: str) -> None:
    if problems:
        pytest.fail(f"{len(problems)} {what}:\n  " + "\n  ".join(sorted(problems)), pytrace=False)


# ---------------------------------------------------------------------------------------------
# the conventions


def test_every_public_name_declares_capabilities():
    table = capability_table()
    assert any(name.startswith(FAMILY_PACKAGES) for name in table), "no family function found"
    undeclared = [f"{name}: decorate it with @capabilities(...) (refimpl.backends)"
                  for name, per in table.items() if "undeclared" in per.values()]
    _report(undeclared, "public names declare no backend capabilities")


def test_result_classes_derive_from_result():
    problems = []
    candidates: dict[type, str] = {}
    for qualname, obj in _exports().items():
        if isinstance(obj, type) and (obj.__name__.endswith("Result") or issubclass(obj, Result)):
            candidates.setdefault(obj, f"exported as {qualname}")
    for qualname, func in _public_functions().items():
        owner = _OWNER.get(qualname)
        for cls in _returned_classes(func):
            if owner is not None and (issubclass(cls, owner) or issubclass(owner, cls)):
                continue  # a method returning its own kind (kernel.with_theta): a builder, not a result
            if _is_result_like_dataclass(cls) or (isinstance(cls, type) and issubclass(cls, Result)):
                candidates.setdefault(cls, f"returned by {qualname}")
    assert candidates, "no result classes found"
    for cls, where in candidates.items():
        name = f"{cls.__module__}.{cls.__qualname__} ({where})"
        if not issubclass(cls, Result):
            problems.append(f"{name}: derive from refimpl._results.Result and carry a status (or, if it is plain "
                            "input data such as a problem definition, set __refimpl_data__ = True)")
            continue
        params = getattr(cls, "__dataclass_params__", None)
        if params is None or not params.frozen:
            problems.append(f"{name}: must be a frozen dataclass (@dataclass(frozen=True, kw_only=True))")
        if _status_enum_of(cls) is None:
            problems.append(f"{name}: annotate status with its StatusEnum subclass (status: FamilyStatus); "
                            "its module defines none or several")
    _report(problems, "result classes break the Result convention")


def _enum_problems(name: str, cls: type) -> list[str]:
    problems = []
    members = list(cls.__members__)
    for member in members:
        if member in LEGACY_STATUS_NAMES:
            problems.append(f"{name}.{member}: use the standard name {LEGACY_STATUS_NAMES[member]} "
                            "(keep the detail in the message)")
    failures = tuple(getattr(cls, "__failures__", ()))
    for missing in sorted(set(failures) - set(members)):
        problems.append(f"{name}.__failures__ names {missing!r}, which is not a member")
    for member in members:
        if member in ALWAYS_FAILURE and member not in failures:
            problems.append(f"{name}.{member} is a standard failure: list it in __failures__")
        if member in ALWAYS_SUCCESS and member in failures:
            problems.append(f"{name}.{member} is a standard success: remove it from __failures__")
        if not isinstance(cls[member].value, str) or not cls[member].value.strip():
            problems.append(f"{name}.{member}: the value must be the human-readable message")
    return problems


def test_status_enums_use_the_standard_names():
    enums = _status_enums()
    assert enums, "no status enums found"
    _report([p for name, cls in enums.items() for p in _enum_problems(name, cls)],
            "status enums break the standard vocabulary")


def test_standard_status_names_are_the_documented_ones():
    assert set(STANDARD_STATUS_NAMES) == {*ALWAYS_FAILURE, *ALWAYS_SUCCESS, "MAX_ITER"}
    assert not set(LEGACY_STATUS_NAMES) & set(STANDARD_STATUS_NAMES)


def _iterative_problems(qualname: str, func: Any) -> list[str]:
    """What ``func`` breaks of the iteration convention (nothing for a function without ``max_iter``)."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return []
    problems = []
    if "callback" in params and params["callback"].default is not None:
        problems.append(f"{qualname}: callback must default to None")
    if "max_iter" not in params:
        return problems
    if getattr(_OWNER.get(qualname), "__refimpl_data__", False):
        return problems  # a problem definition records an iteration budget; it iterates nothing
    if "callback" not in params:
        problems.append(f"{qualname}: an iterative method takes callback=None (refimpl._iterative.notify)")
    results = [c for c in _returned_classes(func) if issubclass(c, Result)]
    if not results:
        if not qualname.endswith(".__init__"):
            problems.append(f"{qualname}: an iterative method returns a Result whose status says why it stopped "
                            "(its return annotation names none)")
        return problems
    enum = _status_enum_of(results[0])
    if enum is None:
        return problems  # reported by test_result_classes_derive_from_result
    need = ["MAX_ITER", "CALLBACK"] + (["CONVERGED"] if any(t in params for t in TOLERANCE_PARAMETERS) else [])
    missing = [m for m in need if m not in enum.__members__]
    if missing:
        problems.append(f"{qualname}: its status enum {enum.__qualname__} lacks {', '.join(missing)} "
                        "(it has max_iter" + (", a tolerance" if "CONVERGED" in need else "") + " and a callback)")
    return problems


def test_iterative_methods_follow_the_convention():
    _report([p for q, f in _public_functions().items() for p in _iterative_problems(q, f)],
            "iterative methods break the iteration convention")


def test_no_retired_parameter_names():
    problems = []
    for qualname, func in _public_functions().items():
        try:
            params = inspect.signature(func).parameters
        except (TypeError, ValueError):
            continue
        for p in params:
            if p in LEGACY_PARAMETERS:
                problems.append(f"{qualname}({p}=...): rename to {LEGACY_PARAMETERS[p]}")
    _report(problems, "public signatures use retired parameter names")


def test_results_count_under_the_standard_names():
    problems = []
    seen = set()
    for qualname, obj in {**_exports(), **{q: c for q, f in _public_functions().items()
                                             for c in _returned_classes(f)}}.items():
        if not (isinstance(obj, type) and issubclass(obj, Result)) or obj in seen:
            continue
        seen.add(obj)
        for field in dataclasses.fields(obj):
            if field.name in LEGACY_COUNT_FIELDS:
                problems.append(f"{obj.__module__}.{obj.__qualname__}.{field.name}: "
                                f"name it {LEGACY_COUNT_FIELDS[field.name]} (refimpl._iterative.COUNT_FIELDS)")
    assert set(LEGACY_COUNT_FIELDS.values()) <= set(COUNT_FIELDS)
    _report(problems, "result fields use non-standard count names")


# ---------------------------------------------------------------------------------------------
# the checks themselves catch what they should (so a passing run means something)


class _GoodStatus(StatusEnum):
    __failures__ = ("MAX_ITER", "NONFINITE")
    CONVERGED = "converged: residual below atol"
    MAX_ITER = "stopped: reached max_iter"
    NONFINITE = "stopped: NaN"
    CALLBACK = "stopped: the callback asked to stop"


class _OldStatus(StatusEnum):
    __failures__ = ("MAX_TERMS", "BREAKDOWN_TYPO")
    TOLERANCE = "tolerance reached"
    MAX_TERMS = "max terms"
    DIVERGED = "diverged"
    CONVERGED = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class _GoodResult(Result):
    status: _GoodStatus
    x: float


@dataclasses.dataclass(frozen=True, kw_only=True)
class _OldResult(Result):
    status: _OldStatus


def _good(a, *, atol: float = 0.0, max_iter: int = 10, callback=None) -> _GoodResult:
    return _GoodResult(status=_GoodStatus.CONVERGED, x=a)


def _no_callback(a, *, atol: float = 0.0, max_iter: int = 10) -> _OldResult:
    return _OldResult(status=_OldStatus.TOLERANCE)


def _no_result(a, *, max_iter: int = 10, callback=print) -> float:
    return 0.0


def test_the_checks_flag_what_they_should():
    assert _enum_problems("G", _GoodStatus) == []
    old = "\n".join(_enum_problems("O", _OldStatus))
    for fragment in ("O.TOLERANCE: use the standard name CONVERGED", "O.MAX_TERMS: use the standard name MAX_ITER",
                     "'BREAKDOWN_TYPO', which is not a member", "O.DIVERGED is a standard failure",
                     "O.CONVERGED: the value must be the human-readable message"):
        assert fragment in old, (fragment, old)
    assert _iterative_problems("good", _good) == []
    bad = "\n".join(_iterative_problems("nocb", _no_callback))
    assert "takes callback=None" in bad and "lacks MAX_ITER, CALLBACK" in bad and "CONVERGED" not in bad.split("lacks")[1]
    bad = "\n".join(_iterative_problems("nores", _no_result))
    assert "callback must default to None" in bad and "returns a Result" in bad
    assert _status_enum_of(_GoodResult) is _GoodStatus
