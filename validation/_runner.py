"""Run claims, collect records, print the table and write the Markdown report."""

from __future__ import annotations

import dataclasses
import logging
import sys
import time
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from refimpl.backends import available_backends, get_backend, use_backend

from ._claims import Claim, ClaimContext, ClaimSkipped, check_outcome, registered_claims

__all__ = ["ClaimRecord", "format_table", "run_claims", "write_report"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ClaimRecord:
    """The result of running one claim under one backend.

    ``passed`` is ``True``/``False``, or ``None`` when the claim was skipped (``skip_reason``) or
    raised (``error``, which counts as a failure).
    """

    family: str
    id: str
    title: str
    reference: str
    target: str
    source: str
    backend: str
    measured: str
    passed: bool | None
    detail: str
    seconds: float
    figures: tuple[Path, ...] = ()
    skip_reason: str = ""
    error: str = ""

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


def _select(families: Iterable[str] | None, quick: bool) -> list[Claim]:
    claims = registered_claims()
    known = sorted({c.family for c in claims})
    if families:
        unknown = [f for f in families if f not in known]
        if unknown:
            raise ValueError(f"unknown family {', '.join(unknown)}; families with claims: {', '.join(known)}")
        claims = [c for c in claims if c.family in families]
    return [c for c in claims if (c.quick if quick else c.full)]


def run_claims(
    families: Iterable[str] | None = None,
    *,
    quick: bool = True,
    backend: str | None = None,
    report_dir: Path | None = None,
    progress: TextIO | None = None,
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
        Where claims write figures (``None``: no figures).
    progress : text stream, optional
        Where to print one progress line per claim (e.g. ``sys.stderr``).
    """
    selected = _select(list(families) if families else None, quick)
    base = get_backend() if backend is None else None
    base_name = backend or base.name
    usable = [name for name, reason in available_backends().items() if reason is None]
    plan: list[tuple[Claim, str]] = []
    for c in selected:
        names = usable if (c.per_backend and backend is None) else [base_name]
        plan.extend((c, name) for name in names)
    records = []
    for i, (c, name) in enumerate(plan, 1):
        if progress is not None:
            print(f"[{i:>3}/{len(plan)}] {c.family}/{c.id} ({name}) {c.title} ...", end="", file=progress, flush=True)
        records.append(_run_one(c, name, quick, report_dir))
        if progress is not None:
            r = records[-1]
            print(f" {r.verdict} ({r.seconds:.1f} s)", file=progress, flush=True)
    return records


def _run_one(c: Claim, backend_name: str, quick: bool, report_dir: Path | None) -> ClaimRecord:
    start = time.perf_counter()
    common = dict(family=c.family, id=c.id, title=c.title, reference=c.reference, target=c.target_text,
                  source=c.source, backend=backend_name)
    with use_backend(backend_name) as be:
        ctx = ClaimContext(quick=quick, backend=be, report_dir=report_dir, claim=c)
        try:
            out = c.func(ctx)
            passed = check_outcome(c.target, out)
            measured = out.formatted()
        except ClaimSkipped as exc:
            return ClaimRecord(**common, measured="", passed=None, detail="", seconds=time.perf_counter() - start,
                               skip_reason=str(exc))
        except Exception as exc:  # a crashing claim is reported, and counts as a failure
            logger.debug("claim %s/%s raised", c.family, c.id, exc_info=True)
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return ClaimRecord(**common, measured="", passed=None, detail="", seconds=time.perf_counter() - start,
                               error=tb)
    figures = tuple(p for p in ctx.figures if p.is_file())
    return ClaimRecord(**common, measured=measured, passed=passed, detail=out.detail,
                       seconds=time.perf_counter() - start, figures=figures)


def _cell(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(records: list[ClaimRecord]) -> str:
    """A plain-text table: claim, reference, target, measured, verdict, time."""
    head = f"{'claim':<16} {'backend':<16} {'reference':<30} {'target':<24} {'measured':<24} {'verdict':<7} {'time':>7}"
    lines = [head, "-" * len(head)]
    for r in records:
        measured = r.measured or r.skip_reason or r.error
        lines.append(
            f"{_cell(r.family + '/' + r.id, 16):<16} {_cell(r.backend, 16):<16} {_cell(r.reference, 30):<30} "
            f"{_cell(r.target, 24):<24} {_cell(measured, 24):<24} {r.verdict:<7} {r.seconds:>6.1f}s"
        )
    n = {v: sum(r.verdict == v for r in records) for v in ("PASS", "FAIL", "SKIP", "ERROR")}
    lines.append("-" * len(head))
    lines.append(f"{n['PASS']} passed, {n['FAIL'] + n['ERROR']} failed, {n['SKIP']} skipped")
    return "\n".join(lines)


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def write_report(records: list[ClaimRecord], report_dir: Path, *, quick: bool) -> Path:
    """Write ``report.md`` (a table plus each claim's figures) into ``report_dir``; return its path."""
    report_dir.mkdir(parents=True, exist_ok=True)
    lines = [
        "# refimpl validation report",
        "",
        f"Mode: {'quick' if quick else 'full'}. Python {sys.version.split()[0]}.",
        "",
        "| family | claim | backend | reference | target | measured | verdict | time (s) | detail |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        measured = r.measured or (f"skipped: {r.skip_reason}" if r.skip_reason else f"error: {r.error}")
        lines.append(
            f"| {r.family} | {_md(r.id)}: {_md(r.title)} | {r.backend} | {_md(r.reference)} | {_md(r.target)} | "
            f"{_md(measured)} | {r.verdict} | {r.seconds:.2f} | {_md(r.detail)} |"
        )
    figures = [(r, p) for r in records for p in r.figures]
    if figures:
        lines += ["", "## Figures", ""]
        for r, p in figures:
            lines += [f"### {r.family}/{r.id} ({r.backend}): {_md(r.title)}", "",
                      f"![{r.family}/{r.id}]({p.relative_to(report_dir).as_posix()})", ""]
    n_fail = sum(r.failed for r in records)
    lines += ["", f"{sum(r.verdict == 'PASS' for r in records)} passed, {n_fail} failed, "
              f"{sum(r.verdict == 'SKIP' for r in records)} skipped."]
    path = report_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
