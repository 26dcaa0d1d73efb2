"""``crosscheck``: run a candidate implementation against a refimpl reference."""

from __future__ import annotations

import dataclasses
import json
import math
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from ._core import (
    Case, Reference, call_inputs, canonicalize, checked_fields, compare_outputs, flatten_result, get_reference,
    materialize, _STATISTICS,
)

__all__ = ["CaseOutcome", "CrosscheckReport", "NotApplicable", "crosscheck", "assert_crosscheck"]


class NotApplicable(Exception):
    """Raised by an adapter for a case the candidate does not support (e.g. weights, B != 1): the case is
    reported as skipped with the message, not as a failure."""

_MODES = ("all", "golden", "statistical", "hypothesis")


@dataclass
class CaseOutcome:
    """One case run through the candidate."""

    case: str
    kind: str
    passed: bool
    fields: list = field(default_factory=list)  # [{"field", "ok", "max_abs", "max_rel", "message"}]
    message: str = ""
    exception: str | None = None
    inputs: str = ""
    skipped: bool = False

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class CrosscheckReport:
    """Result of :func:`refimpl.testing.crosscheck`.

    Attributes
    ----------
    reference : str
    candidate : str
    outcomes : list of CaseOutcome
        Golden and statistical cases, then one entry summarising the Hypothesis run.
    minimal_counterexample : str or None
        The first failing Hypothesis input after shrinking (``repr`` of ``(args, kwargs)``).
    max_error : dict
        Per output field, the largest absolute error seen over all cases.
    """

    reference: str
    candidate: str
    outcomes: list
    minimal_counterexample: str | None = None
    minimal_message: str | None = None
    max_error: dict = field(default_factory=dict)
    hypothesis_examples: int = 0
    notes: list = field(default_factory=list)

    @property
    def n_cases(self) -> int:
        return len(self.outcomes)

    @property
    def n_passed(self) -> int:
        return sum(o.passed and not o.skipped for o in self.outcomes)

    @property
    def n_skipped(self) -> int:
        return sum(o.skipped for o in self.outcomes)

    @property
    def passed(self) -> bool:
        return self.n_passed + self.n_skipped == self.n_cases and self.minimal_counterexample is None

    @property
    def first_failure(self) -> CaseOutcome | None:
        return next((o for o in self.outcomes if not o.passed), None)

    def to_json(self) -> dict:
        return {"reference": self.reference, "candidate": self.candidate, "passed": self.passed,
                "n_cases": self.n_cases, "n_passed": self.n_passed, "n_skipped": self.n_skipped,
                "hypothesis_examples": self.hypothesis_examples,
                "minimal_counterexample": self.minimal_counterexample, "minimal_message": self.minimal_message,
                "max_error": {k: (v if math.isfinite(v) else str(v)) for k, v in self.max_error.items()},
                "notes": self.notes, "outcomes": [o.to_json() for o in self.outcomes]}

    def table(self) -> str:
        """A readable plain-text table (the CLI prints it)."""
        lines = [f"crosscheck {self.candidate} against refimpl {self.reference}: "
                 f"{self.n_passed}/{self.n_cases} cases passed"
                 + (f" ({self.n_skipped} not applicable)" if self.n_skipped else "")
                 + ("" if self.passed else "  -- DISAGREEMENT")]
        w = max([len(o.case) for o in self.outcomes] + [4])
        lines.append(f"  {'case':<{w}}  {'kind':<11}  {'result':<6}  detail")
        for o in self.outcomes:
            detail = o.message or ", ".join(f"{f['field']}: {f['max_abs']:.2g}" for f in o.fields[:4])
            res = "skip" if o.skipped else ("ok" if o.passed else "FAIL")
            lines.append(f"  {o.case:<{w}}  {o.kind:<11}  {res:<6}  {detail}"[:200])
        if self.max_error:
            lines.append("  max abs error per field: " + ", ".join(f"{k}={v:.3g}" for k, v in sorted(self.max_error.items())))
        if self.minimal_counterexample is not None:
            lines.append(f"  minimal counterexample (Hypothesis, shrunk): {self.minimal_counterexample}")
            lines.append(f"    {self.minimal_message}")
        elif self.first_failure is not None:
            f = self.first_failure
            lines.append(f"  first failing case: {f.case}: {f.message}")
            if f.inputs:
                lines.append(f"    inputs: {f.inputs}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def _short(v: Any, limit: int = 600) -> str:
    from ._core import Call, Fixture

    def r(x):
        if isinstance(x, Call):
            parts = [r(a) for a in x.args] + [f"{k}={r(i)}" for k, i in x.kwargs.items()]
            return f"{x.target}({', '.join(parts)})"
        if isinstance(x, Fixture):
            return f"Fixture({x.name!r})"
        if isinstance(x, np.ndarray):
            return f"array({np.array2string(x, precision=6, separator=', ', threshold=40)})"
        if isinstance(x, (list, tuple)):
            inner = ", ".join(r(i) for i in x)
            return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' if len(x) == 1 else ''})"
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k}={r(i)}" for k, i in x.items()) + "}"
        return repr(x)

    s = r(v)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def _candidate_outputs(ref: Reference, candidate: Callable, adapter: Callable | None, args: tuple, kwargs: dict) -> dict:
    out = adapter(candidate, *args, **kwargs) if adapter is not None else candidate(*args, **kwargs)
    if isinstance(out, Mapping):
        flat = {}
        for k, v in out.items():
            sub = flatten_result(v)
            if set(sub) == {"value"}:
                flat[k] = sub["value"]
            elif isinstance(v, str):
                flat[k] = v
            else:
                flat.update({f"{k}.{s}": x for s, x in sub.items()})
        return canonicalize(flat, ref.canonical)
    if dataclasses.is_dataclass(out) and not isinstance(out, type):
        return canonicalize(flatten_result(out), ref.canonical)
    flat = flatten_result(out)
    if ref.primary != "value" and set(flat) == {"value"}:
        flat = {ref.primary: flat["value"]}
    return canonicalize(flat, ref.canonical)


def _fields_for(ref: Reference, case: Case, expected: dict, got: dict) -> list[str]:
    wanted = checked_fields(ref, case, expected)
    fields = [ref.primary] + [f for f in wanted if f != ref.primary and f in got]
    return fields


def _run_golden(ref, case, candidate, adapter, tol) -> CaseOutcome:
    materialize(ref, case)
    args, kwargs = call_inputs(case)
    try:
        got = _candidate_outputs(ref, candidate, adapter, args, kwargs)
    except NotApplicable as exc:
        return CaseOutcome(case.name, case.kind, True, message=f"not applicable: {exc}", skipped=True)
    except Exception as exc:
        return CaseOutcome(case.name, case.kind, False, message=f"candidate raised {type(exc).__name__}: {exc}",
                           exception="".join(traceback.format_exception_only(type(exc), exc)).strip(),
                           inputs=_short((case.args, case.kwargs)))
    comps = compare_outputs(case.expected, got, _fields_for(ref, case, case.expected, got), tol)
    ok = all(c.ok for c in comps)
    return CaseOutcome(case.name, case.kind, ok, [dataclasses.asdict(c) for c in comps],
                       "; ".join(c.message for c in comps if not c.ok), inputs="" if ok else _short((case.args, case.kwargs)))


def _run_statistical(ref, case, candidate, adapter, tol) -> CaseOutcome:
    outs = []
    try:
        for r in range(case.n_rep):
            args, kwargs = call_inputs(case, rng_override=case.seed + r)
            outs.append(_candidate_outputs(ref, candidate, adapter, args, kwargs)[ref.primary])
        value = _STATISTICS[case.statistic](outs, case)
    except NotApplicable as exc:
        return CaseOutcome(case.name, case.kind, True, message=f"not applicable: {exc}", skipped=True)
    except Exception as exc:
        return CaseOutcome(case.name, case.kind, False, message=f"candidate raised {type(exc).__name__}: {exc}",
                           exception=f"{type(exc).__name__}: {exc}", inputs=_short((case.args, case.kwargs)))
    comps = compare_outputs({"statistic": np.asarray(case.theory, dtype=float)}, {"statistic": value}, ["statistic"], tol)
    return CaseOutcome(case.name, case.kind, all(c.ok for c in comps), [dataclasses.asdict(c) for c in comps],
                       "; ".join(c.message for c in comps if not c.ok), inputs=f"{case.n_rep} runs, seeds {case.seed}..")


class _Disagree(AssertionError):
    pass


def _run_hypothesis(ref: Reference, candidate, adapter, max_examples: int, rtol: float | None, report: CrosscheckReport):
    try:
        from hypothesis import HealthCheck, given, settings
    except ImportError:  # pragma: no cover
        report.notes.append("hypothesis not installed: the property-based part was skipped")
        return
    if ref.strategy is None:
        report.notes.append(f"{ref.name} registers no Hypothesis strategy: golden cases only")
        return
    strategy = ref.strategy()
    failures: list = []
    count = [0]
    ok_errors: dict = {}

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def prop(drawn):
        args, kwargs, tol = drawn
        if rtol is not None:
            tol = tol.with_rtol(rtol)
        count[0] += 1
        case = Case(name="hypothesis", args=tuple(args), kwargs=dict(kwargs), tol=tol, reference=ref.name)
        out = _run_golden(ref, case, candidate, adapter, tol)
        if out.skipped:
            from hypothesis import reject

            reject()
        if not out.passed:
            failures.append((out.inputs, out.message))
            raise _Disagree(out.message)
        for f in out.fields:
            ok_errors[f["field"]] = max(ok_errors.get(f["field"], 0.0), f["max_abs"])

    try:
        prop()
    except _Disagree:
        report.minimal_counterexample, report.minimal_message = failures[-1]
    report.hypothesis_examples = count[0]
    passed = not failures
    report.outcomes.append(CaseOutcome("hypothesis", "hypothesis", passed,
                                       [{"field": k, "ok": True, "max_abs": v, "max_rel": float("nan"), "message": ""}
                                        for k, v in ok_errors.items()],
                                       "" if passed else f"{len(failures)} failing examples; shrunk: {failures[-1][1]}",
                                       inputs=failures[-1][0] if failures else f"{count[0]} examples"))
    for k, v in ok_errors.items():
        report.max_error[k] = max(report.max_error.get(k, 0.0), v)


def _load_callable(spec: Any, what: str) -> Callable:
    if callable(spec):
        return spec
    if isinstance(spec, str) and ":" in spec:
        import importlib

        mod, attr = spec.split(":", 1)
        obj = importlib.import_module(mod)
        for part in attr.split("."):
            obj = getattr(obj, part)
        if not callable(obj):
            raise TypeError(f"{what} {spec!r} is not callable")
        return obj
    raise TypeError(f"{what} must be a callable or a 'module.path:function' string; got {spec!r}")


def crosscheck(candidate: Any, reference: str = "conformal.crc_lambda_hat", *, adapter: Any = None,
               cases: str = "all", max_examples: int = 200, rtol: float | None = None) -> CrosscheckReport:
    """Cross-check a candidate implementation against a refimpl reference.

    Parameters
    ----------
    candidate : callable or "module:function"
        Called like the reference, ``candidate(*args, **kwargs)`` with the reference's inputs, unless
        ``adapter`` is given. It may return the reference's primary output (e.g. ``lambda_hat``), or a
        mapping / dataclass of named fields (compared on the fields it shares with refimpl's result).
    reference : str
        ``"family.function"``; an unknown name raises a ``ValueError`` listing the valid ones.
    adapter : callable or "module:function", optional
        ``adapter(candidate, *args, **kwargs) -> value | mapping``: translates refimpl's signature to
        the candidate's and the candidate's result to refimpl's field names.
    cases : {"all", "golden", "statistical", "hypothesis"}
        Which cases run: the registered golden cases, the statistical (Monte-Carlo) cases, and/or
        ``max_examples`` Hypothesis-generated inputs (shrunk to a minimal counterexample on failure).
    rtol : float, optional
        Override every case's relative tolerance (absolute parts are kept).

    Returns
    -------
    CrosscheckReport
        Cases passed, the first failing case (shrunk by Hypothesis when it came from there), and the
        maximum error per output field. A candidate that raises is a failing case, not a crash.
    """
    ref = get_reference(reference)
    if cases not in _MODES:
        raise ValueError(f"cases must be one of {', '.join(map(repr, _MODES))}; got {cases!r}")
    if not isinstance(max_examples, int) or isinstance(max_examples, bool) or max_examples < 1:
        raise ValueError(f"max_examples must be a positive integer; got {max_examples!r}")
    if rtol is not None and not (isinstance(rtol, (int, float)) and math.isfinite(rtol) and rtol >= 0):
        raise ValueError(f"rtol must be a finite non-negative number or None; got {rtol!r}")
    cand = _load_callable(candidate, "candidate")
    adap = _load_callable(adapter, "adapter") if adapter is not None else None
    name = candidate if isinstance(candidate, str) else f"{getattr(cand, '__module__', '?')}.{getattr(cand, '__qualname__', repr(cand))}"
    report = CrosscheckReport(reference=ref.name, candidate=name, outcomes=[])
    if cases in ("all", "golden", "statistical"):
        for case in ref.cases():
            if cases == "golden" and case.kind != "golden":
                continue
            if cases == "statistical" and case.kind != "statistical":
                continue
            tol = case.tol.with_rtol(rtol) if rtol is not None else case.tol
            runner = _run_statistical if case.kind == "statistical" else _run_golden
            out = runner(ref, case, cand, adap, tol)
            report.outcomes.append(out)
            for f in out.fields:
                if math.isfinite(f["max_abs"]):
                    report.max_error[f["field"]] = max(report.max_error.get(f["field"], 0.0), f["max_abs"])
    if cases in ("all", "hypothesis"):
        _run_hypothesis(ref, cand, adap, max_examples, rtol, report)
    return report


def assert_crosscheck(candidate: Any, reference: str = "conformal.crc_lambda_hat", **kwargs: Any) -> CrosscheckReport:
    """:func:`crosscheck`, raising ``AssertionError`` with the report's table when they disagree."""
    report = crosscheck(candidate, reference, **kwargs)
    if not report.passed:
        raise AssertionError(report.table())
    return report


def report_json(report: CrosscheckReport) -> str:
    return json.dumps(report.to_json(), indent=1, default=str)
