"""Run claims, collect records, show progress with an ETA, and print the result for a terminal.

The report files (``report.md``, ``report.json``), the provenance header and the comparison of two
runs live in :mod:`refimpl.validation._report`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import shutil
import textwrap
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TextIO

from refimpl.backends import BackendUnsupportedError, available_backends, get_backend, use_backend

from . import _claims
from ._claims import (
    Claim,
    ClaimContext,
    ClaimSkipped,
    Targets,
    _as_number,
    _fmt,
    check_outcome,
    describe_targets,
    plural,
    registered_claims,
)

__all__ = ["ClaimRecord", "expected_seconds", "format_duration", "format_table", "run_claims"]

logger = logging.getLogger(__name__)

_VERDICT_RANK = {"ERROR": 3, "FAIL": 2, "PASS": 1, "SKIP": 0}


@dataclasses.dataclass(frozen=True)
class ClaimRecord:
    """The result of running one claim under one backend.

    ``passed`` is ``True``/``False``, or ``None`` when the claim was skipped (``skip_reason``) or
    raised (``error``, which counts as a failure). ``measured`` keeps the numbers (a float, or a
    dict of floats for named targets; ``None`` when nothing was measured) and ``target`` the
    :class:`~refimpl.validation._claims.Target` object(s); ``measured_text`` and ``target_text``
    are their printed forms.
    """

    family: str
    id: str
    title: str
    reference: str
    target: Targets | None
    source: str
    backend: str
    measured: float | dict[str, float] | None
    passed: bool | None
    detail: str
    seconds: float
    measured_text: str = ""
    expected_seconds: float = 0.0
    figures: tuple[Path, ...] = ()
    skip_reason: str = ""
    error: str = ""

    @property
    def target_text(self) -> str:
        return describe_targets(self.target) if self.target is not None else ""

    @property
    def verdict(self) -> str:
        if self.error:
            return "ERROR"
        if self.passed is None:
            return "SKIP"
        return "PASS" if self.passed else "FAIL"

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.passed is False

    @property
    def outcome_text(self) -> str:
        """What to print in the measured column: the numbers, or why there are none."""
        if self.error:
            return f"error: {self.error}"
        if self.skip_reason:
            return f"skipped: {self.skip_reason}"
        return self.measured_text


def _select(families: Iterable[str] | None, quick: bool) -> tuple[list[Claim], list[str]]:
    """The claims to run, and the selected families whose claim package failed to import."""
    claims = registered_claims()
    broken = sorted(_claims.DISCOVERY_ERRORS)
    known = sorted({c.family for c in claims} | set(broken))
    if families:
        unknown = [f for f in families if f not in known]
        if unknown:
            raise ValueError(f"unknown family {', '.join(unknown)}; families with claims: {', '.join(known)}")
        claims = [c for c in claims if c.family in families]
        broken = [f for f in broken if f in families]
    return [c for c in claims if (c.quick if quick else c.full)], broken


def usable_backends() -> list[str]:
    """The backends that can run here, in the registry's order.

    dask is left out of the per-backend fan-out: it is the backend for data larger than memory
    (its support is opt-in per function and every graph costs scheduling time); run the claims on it
    explicitly with ``refimpl validate --backend dask``.
    """
    return [name for name, reason in available_backends().items() if reason is None and name != "dask"]


def plan_claims(families: Iterable[str] | None = None, *, quick: bool = True,
                backend: str | None = None) -> tuple[list[tuple[Claim, str]], list[str]]:
    """The (claim, backend) pairs a run would execute, and the families that failed to import."""
    selected, broken = _select(list(families) if families else None, quick)
    base_name = backend or get_backend().name
    usable = usable_backends()
    plan: list[tuple[Claim, str]] = []
    for c in selected:
        names = usable if (c.per_backend and backend is None) else [base_name]
        plan.extend((c, name) for name in names)
    return plan, broken


def expected_seconds(c: Claim, quick: bool) -> float:
    """The claim's declared run time per backend in the given mode."""
    return c.seconds[0] if quick else c.seconds[1]


def format_duration(seconds: float) -> str:
    """``"45 s"``, ``"3 min 20 s"``, ``"1 h 05 min"``."""
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


class _Progress:
    """One line per claim on ``stream``, with in-claim progress and an ETA for the whole run.

    On a terminal the current line is rewritten in place (``\\r``); in a log file (not a TTY)
    in-claim progress is printed at most every 15 s, so logs stay short.
    """

    def __init__(self, stream: TextIO, plan: list[tuple[Claim, str]], quick: bool) -> None:
        self.stream = stream
        self.expected = [expected_seconds(c, quick) for c, _ in plan]
        self.n = len(plan)
        self.start = time.perf_counter()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.prefix = self.short = ""
        self.claim_start = self.start
        self.last_note = 0.0
        self.i = 0
        claims = len({(c.family, c.id) for c, _ in plan})
        backends = list(dict.fromkeys(b for _, b in plan))
        print(f"refimpl validate: {'quick' if quick else 'full'} mode, {plural(self.n, 'run')} of "
              f"{plural(claims, 'claim')} on {', '.join(backends) or 'no backend'}; expected about "
              f"{format_duration(sum(self.expected))} on 2 cores", file=stream, flush=True)

    def eta(self, i: int, fraction: float = 0.0) -> float:
        """Seconds left: the declared times of what remains, scaled by how fast this machine has been."""
        done_expected = sum(self.expected[:i]) + fraction * self.expected[i] if i < self.n else sum(self.expected)
        elapsed = time.perf_counter() - self.start
        speed = elapsed / done_expected if done_expected > 1.0 and elapsed > 1.0 else 1.0
        left_expected = sum(self.expected) - done_expected
        return max(0.0, left_expected * min(max(speed, 0.2), 20.0))

    def begin(self, i: int, c: Claim, backend: str) -> None:
        self.i = i
        self.claim_start = self.last_note = time.perf_counter()
        self.short = f"[{i + 1:>3}/{self.n}] {c.family}/{c.id} ({backend})"
        self.prefix = f"{self.short} {c.title}"
        self._write(f"{self.short} expected {format_duration(self.expected[i])}, run ETA "
                    f"{format_duration(self.eta(i))}: {c.title}", final=False)

    def inside(self, done: int, total: int, unit: str) -> None:
        frac = min(max(done / total, 0.0), 1.0) if total > 0 else 0.0
        now = time.perf_counter()
        note = f"{self.short} {done}/{total} {unit} after {format_duration(now - self.claim_start)}; run ETA " \
               f"{format_duration(self.eta(self.i, frac))}"
        if self.tty:
            self._write(note, final=False)
        elif now - self.last_note >= 15.0:
            self.last_note = now
            print("  " + note, file=self.stream, flush=True)

    def end(self, r: ClaimRecord) -> None:
        self._write(f"{self.prefix} ... {r.verdict} ({r.seconds:.1f} s)", final=True)

    def _write(self, text: str, final: bool) -> None:
        if self.tty:
            width = shutil.get_terminal_size((100, 24)).columns
            # the in-place line is cut to the width (else \r cannot rewrite it); the final one is whole
            shown = text if final or len(text) < width else text[: width - 2] + "…"
            print("\r\033[K" + shown, end="\n" if final else "", file=self.stream, flush=True)
        elif final:  # a log file gets the final line of each claim (and the 15-s notes above)
            print(text, file=self.stream, flush=True)


def run_claims(
    families: Iterable[str] | None = None,
    *,
    quick: bool = True,
    backend: str | None = None,
    report_dir: Path | None = None,
    progress: TextIO | None = None,
    progress_hook: Callable[[int, int, str], None] | None = None,
) -> list[ClaimRecord]:
    """Run the selected claims and return one record per (claim, backend).

    Parameters
    ----------
    families : iterable of str, optional
        Families to run (all by default).
    quick : bool
        Run the ``quick`` claims (else the ``full`` ones).
    backend : str, optional
        Run under this backend (default: the active one). ``per_backend`` claims run under every
        available backend unless ``backend`` is given.
    report_dir : Path, optional
        Where claims write figures (``None``: no figures). A claim run on several backends draws
        its figures once, on the first backend that produces them.
    progress : text stream, optional
        Where to show progress (e.g. ``sys.stderr``): one line per claim, progress inside long
        claims (:meth:`ClaimContext.progress`) and an ETA for the whole run.
    progress_hook : callable, optional
        Also called as ``hook(done, total, unit)`` whenever a claim reports progress.

    A family whose claim package fails to import gives one ``ERROR`` record (id ``"(import)"``)
    naming the family and the exception; the other families still run.
    """
    plan, broken = plan_claims(families, quick=quick, backend=backend)
    records = [ClaimRecord(family=f, id="(import)", title=f"the {f} claims could not be imported", reference="",
                           target=None, source="", backend="", measured=None, passed=None, detail="", seconds=0.0,
                           error=_claims.DISCOVERY_ERRORS[f]) for f in broken]
    shown = _Progress(progress, plan, quick) if progress is not None else None
    drawn: set[tuple[str, str]] = set()
    for i, (c, name) in enumerate(plan):
        if shown is not None:
            shown.begin(i, c, name)

        def hook(done: int, total: int, unit: str) -> None:
            if shown is not None:
                shown.inside(done, total, unit)
            if progress_hook is not None:
                progress_hook(done, total, unit)

        key = (c.family, c.id)
        r = _run_one(c, name, quick, None if key in drawn else report_dir, hook)
        if r.figures:
            drawn.add(key)
        records.append(r)
        if shown is not None:
            shown.end(r)
    return records


def _numbers(measured: object) -> float | dict[str, float]:
    if isinstance(measured, Mapping):
        return {str(k): _as_number(v, f"measured[{k!r}]") for k, v in measured.items()}
    return _as_number(measured, "measured")


def _run_one(c: Claim, backend_name: str, quick: bool, report_dir: Path | None,
             hook: Callable[[int, int, str], None] | None = None) -> ClaimRecord:
    start = time.perf_counter()
    common = dict(family=c.family, id=c.id, title=c.title, reference=c.reference, target=c.target,
                  source=c.source, backend=backend_name, expected_seconds=expected_seconds(c, quick))
    with use_backend(backend_name) as be:
        ctx = ClaimContext(quick=quick, backend=be, report_dir=report_dir, claim=c, progress_hook=hook)
        try:
            out = c.func(ctx)
            passed = check_outcome(c.target, out)
            measured = _numbers(out.measured)
            measured_text = out.formatted()
        except ClaimSkipped as exc:
            return ClaimRecord(**common, measured=None, passed=None, detail="", seconds=time.perf_counter() - start,
                               skip_reason=str(exc))
        except BackendUnsupportedError as exc:  # e.g. a function not declared for dask (opt-in)
            return ClaimRecord(**common, measured=None, passed=None, detail="", seconds=time.perf_counter() - start,
                               skip_reason=f"not supported on the {backend_name} backend: {exc}")
        except Exception as exc:  # a crashing claim is reported, and counts as a failure
            logger.debug("claim %s/%s raised", c.family, c.id, exc_info=True)
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return ClaimRecord(**common, measured=None, passed=None, detail="", seconds=time.perf_counter() - start,
                               error=tb)
    figures = tuple(p for p in ctx.figures if p.is_file())
    detail = out.detail if isinstance(out.detail, str) else _plain(out.detail)
    return ClaimRecord(**common, measured=measured, measured_text=measured_text, passed=passed, detail=detail,
                       seconds=time.perf_counter() - start, figures=figures)


def _plain(value: object) -> str:
    """A dict or number as readable text (never a Python repr in a report)."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, float):
        return _fmt(value) if math.isfinite(value) else str(value)
    return str(value)


# --------------------------------------------------------------------------------------------
# terminal output


def _groups(records: list[ClaimRecord]) -> list[list[ClaimRecord]]:
    """Records grouped by claim (a per-backend claim's backends together), in run order."""
    order: dict[tuple[str, str], list[ClaimRecord]] = {}
    for r in records:
        order.setdefault((r.family, r.id), []).append(r)
    return list(order.values())


def _one(text: str) -> str:
    return " ".join(str(text).split())


def summary_line(records: list[ClaimRecord]) -> str:
    """``"5 passed, 0 failed, 1 skipped (6 runs of 3 claims on numpy, numba; 12.3 s)"``."""
    n = {v: sum(r.verdict == v for r in records) for v in _VERDICT_RANK}
    backends = list(dict.fromkeys(r.backend for r in records if r.backend))
    claims = len(_groups(records))
    errors = f" ({n['ERROR']} of them {'an error' if n['ERROR'] == 1 else 'errors'})" if n["ERROR"] else ""
    return (f"{n['PASS']} passed, {n['FAIL'] + n['ERROR']} failed{errors}, {n['SKIP']} skipped "
            f"({plural(len(records), 'run')} of {plural(claims, 'claim')} on {', '.join(backends) or 'no backend'}; "
            f"{sum(r.seconds for r in records):.1f} s)")


def _line_view(records: list[ClaimRecord]) -> list[str]:
    rows = [("claim", "backend", "verdict", "time", "measured", "target", "source")]
    for r in records:
        rows.append((f"{r.family}/{r.id}", r.backend, r.verdict, f"{r.seconds:.1f} s", _one(r.outcome_text),
                     _one(r.target_text), r.source))
    widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return lines


def _wrap(label: str, text: str, width: int, indent: int = 6) -> list[str]:
    """``label`` then ``text`` wrapped to ``width``, continuation lines aligned under the text."""
    head = " " * indent + f"{label:<10}" + (" " if len(label) >= 10 else "")
    return textwrap.wrap(_one(text), width=max(width, len(head) + 20), initial_indent=head,
                         subsequent_indent=" " * len(head), break_long_words=True, break_on_hyphens=False) or [head]


def _block_view(records: list[ClaimRecord], width: int) -> list[str]:
    lines: list[str] = []
    for group in _groups(records):
        first = group[0]
        verdict = max((r.verdict for r in group), key=_VERDICT_RANK.__getitem__)
        lines += textwrap.wrap(f"{verdict:<5} " + _one(f"{first.family}/{first.id}  {first.title}"), width=width,
                               subsequent_indent=" " * 6, replace_whitespace=True, drop_whitespace=True)
        if first.target is not None:
            lines += _wrap("target", f"{first.target_text} [{first.source}]", width)
        if first.reference:
            lines += _wrap("reference", first.reference, width)
        if len(group) == 1:
            r = first
            if r.backend:
                lines += _wrap("backend", f"{r.backend}, {r.seconds:.1f} s", width)
            lines += _wrap("measured" if not (r.error or r.skip_reason) else r.verdict.lower(),
                           r.measured_text or r.skip_reason or r.error, width)
            if r.detail:
                lines += _wrap("detail", r.detail, width)
        else:
            details = {r.detail for r in group if r.detail}
            pad = max(len(r.backend) for r in group)
            for r in group:
                text = f"{r.verdict:<5} {r.outcome_text} ({r.seconds:.1f} s)"
                if len(details) > 1 and r.detail:
                    text += f"; {r.detail}"
                lines += _wrap(r.backend.ljust(pad), text, width)
            if len(details) == 1:
                lines += _wrap("detail", details.pop(), width)
        lines.append("")
    return lines


def format_table(records: list[ClaimRecord], *, width: int | None = None, view: str = "auto") -> str:
    """The results for a terminal, nothing cut: every text is shown whole.

    Parameters
    ----------
    width : int, optional
        Terminal width (default: :func:`shutil.get_terminal_size`, which honours ``COLUMNS``).
    view : {"auto", "lines", "blocks"}
        ``"lines"``: one line per (claim, backend), columns as wide as their longest entry;
        ``"blocks"``: one block per claim (a per-backend claim lists its backends inside it), long
        texts wrapped to ``width``. ``"auto"`` takes ``"lines"`` when every line fits in ``width``,
        else ``"blocks"``.
    """
    if view not in ("auto", "lines", "blocks"):
        raise ValueError(f"view must be 'auto', 'lines' or 'blocks'; got {view!r}")
    width = width or shutil.get_terminal_size((100, 24)).columns
    if view in ("auto", "lines"):
        lines = _line_view(records)
        if view == "auto" and max(map(len, lines)) > width:
            lines = _block_view(records, width)
    else:
        lines = _block_view(records, width)
    return "\n".join(lines + ["-" * min(width, 40)] + textwrap.wrap(summary_line(records), width=width))
