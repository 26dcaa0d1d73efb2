"""Provenance, the report files (``report.md`` and its JSON twin ``report.json``) and run comparison.

``report.json`` (schema version 1) is documented in the validation page of the docs: a
``provenance`` object, a ``summary`` and one record per (claim, backend) with the numeric measured
value(s), the target as data, the source, the verdict and the run time. :func:`compare_reports`
reads two of them and says what changed.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from ._claims import plural, target_to_json
from ._runner import ClaimRecord, _groups, summary_line

__all__ = ["SCHEMA_VERSION", "compare_reports", "format_provenance", "provenance", "records_to_json",
           "write_report"]

SCHEMA_VERSION = 1
_PACKAGES = ("numpy", "scipy", "numba", "torch", "cupy-cuda12x", "array-api-compat", "array-api-strict", "matplotlib")


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_revision() -> str | None:
    """``git describe``-like revision of the source checkout refimpl runs from, or ``None``.

    Only when ``refimpl`` is imported from a git checkout (an editable install or the source
    folder); an installed copy in site-packages reports its version only.
    """
    import refimpl

    root = Path(refimpl.__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        rev = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")  # -dirty: uncommitted changes
    except (OSError, subprocess.SubprocessError):
        return None


def _blas() -> list[dict]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        import numpy as np

        try:
            cfg = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        except Exception:  # noqa: BLE001 - old numpy without mode="dicts"
            cfg = {}
        return [{"api": "blas", "library": cfg.get("name", "?"), "version": cfg.get("version", ""),
                 "threads": None, "note": "install threadpoolctl for the thread counts"}]
    return [{"api": p.get("internal_api"), "library": p.get("prefix"), "version": p.get("version"),
             "threads": p.get("num_threads")} for p in threadpool_info()]


def provenance(*, quick: bool, records: Sequence[ClaimRecord] = (), argv: Sequence[str] | None = None) -> dict:
    """Where and how a run happened: versions, git revision, BLAS threads, machine, date, mode, command."""
    import refimpl

    per_claim: dict[str, list[str]] = {}
    for r in records:
        if r.backend:
            per_claim.setdefault(f"{r.family}/{r.id}", []).append(r.backend)
    return {
        "refimpl": refimpl.__version__,
        "git_revision": _git_revision(),
        "python": platform.python_version(),
        "packages": {d: _version(d) for d in _PACKAGES},
        "blas": _blas(),
        "thread_env": {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
                       if k in os.environ},
        "machine": {"platform": platform.platform(), "processor": platform.machine(), "cpu_count": os.cpu_count()},
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "mode": "quick" if quick else "full",
        "backends": list(dict.fromkeys(r.backend for r in records if r.backend)),
        "claim_backends": per_claim,
        "command": " ".join(["refimpl", *argv]) if argv is not None else " ".join(sys.argv),
    }


def format_provenance(p: Mapping) -> list[str]:
    """The provenance as a few short lines (the top of the terminal output and of report.md)."""
    pk = p["packages"]
    versions = ", ".join(f"{d} {v}" for d, v in pk.items() if v and d != "array-api-compat" and d != "matplotlib")
    blas = "; ".join(f"{b['api']} {b.get('version') or ''}: {plural(b['threads'], 'thread')}".replace(" :", ":")
                     if b.get("threads") is not None else f"{b['library']} {b.get('version') or ''}".strip()
                     for b in p["blas"]) or "none found"
    revision = f" (git {p['git_revision']})" if p.get("git_revision") else ""
    m = p["machine"]
    lines = [
        f"refimpl {p['refimpl']}{revision}, Python {p['python']}; {versions}",
        f"BLAS: {blas}" + (f" [{', '.join(f'{k}={v}' for k, v in p['thread_env'].items())}]" if p["thread_env"] else ""),
        f"machine: {m['platform']}, {plural(m['cpu_count'] or 0, 'CPU')}; {p['date_utc']}",
        f"mode: {p['mode']}; backends run: {', '.join(p['backends']) or 'none'}",
        f"command: {p['command']}",
    ]
    return lines


def _json_number(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)  # NaN/inf are not JSON: written as "nan", "inf", "-inf"


def _measured_json(m: float | dict[str, float] | None):
    if m is None:
        return None
    if isinstance(m, Mapping):
        return {k: _json_number(v) for k, v in m.items()}
    return _json_number(m)


def records_to_json(records: Sequence[ClaimRecord], prov: Mapping, report_dir: Path | None = None) -> dict:
    """The ``report.json`` document (schema version :data:`SCHEMA_VERSION`)."""
    out = []
    for r in records:
        figs = [(p.relative_to(report_dir).as_posix() if report_dir is not None else str(p)) for p in r.figures]
        out.append({
            "family": r.family, "id": r.id, "title": r.title, "reference": r.reference, "source": r.source,
            "backend": r.backend, "target": target_to_json(r.target) if r.target is not None else None,
            "measured": _measured_json(r.measured), "measured_text": r.measured_text, "verdict": r.verdict,
            "seconds": round(r.seconds, 3), "expected_seconds": r.expected_seconds, "detail": r.detail,
            "skip_reason": r.skip_reason, "error": r.error, "figures": figs,
        })
    n = {v: sum(r.verdict == v for r in records) for v in ("PASS", "FAIL", "SKIP", "ERROR")}
    return {"schema": SCHEMA_VERSION, "provenance": dict(prov), "summary": {**n, "seconds": round(
        sum(r.seconds for r in records), 3)}, "records": out}


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def write_report(records: list[ClaimRecord], report_dir: Path, *, quick: bool, prov: Mapping | None = None) -> Path:
    """Write ``report.md`` (provenance, table, one figure section per claim) and ``report.json``.

    Returns the path of ``report.md``; ``report.json`` is written next to it.
    """
    report_dir.mkdir(parents=True, exist_ok=True)
    prov = prov or provenance(quick=quick, records=records)
    lines = ["# refimpl validation report", ""]
    lines += [f"- {line}" for line in format_provenance(prov)]
    lines += ["", summary_line(records) + ".", "",
              "| verdict | claim | backend | target | measured | source | reference | time (s) | detail |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        lines.append(
            f"| {r.verdict} | {r.family}/{_md(r.id)}: {_md(r.title)} | {r.backend} | {_md(r.target_text)} | "
            f"{_md(r.outcome_text)} | {r.source} | {_md(r.reference)} | {r.seconds:.2f} | {_md(r.detail)} |"
        )
    drawn = [(g, [r for r in g if r.figures]) for g in _groups(records)]
    drawn = [(g, with_figs[0]) for g, with_figs in drawn if with_figs]
    if drawn:
        lines += ["", "## Figures", "", "One section per claim; a claim run on several backends is drawn once.", ""]
        for group, r in drawn:
            backends = ", ".join(f"{x.backend} {x.verdict}" for x in group)
            lines += [f"### {r.family}/{r.id}: {_md(r.title)}", "",
                      f"Target: {_md(r.target_text)} ({r.source}; {_md(r.reference)}). "
                      f"Measured: {_md(r.outcome_text)}. Backends: {backends}; figure drawn on {r.backend}.", ""]
            lines += [f"![{r.family}/{r.id}]({p.relative_to(report_dir).as_posix()})" for p in r.figures]
            lines.append("")
    path = report_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (report_dir / "report.json").write_text(
        json.dumps(records_to_json(records, prov, report_dir), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _values(m) -> dict[str, float]:
    if m is None:
        return {}
    if isinstance(m, Mapping):
        return {k: float(v) for k, v in m.items()}
    return {"": float(m)}


def compare_reports(old: Mapping, new: Mapping, *, rtol: float = 0.1, atol: float = 1e-12) -> tuple[list[str], bool]:
    """What changed between two ``report.json`` documents.

    Returns the lines to print and whether a (claim, backend) that passed before now fails or
    errors (a regression). A measured value "moved" when it changed by more than
    ``rtol·max(|old|, |new|)`` and by more than ``atol`` (so round-off noise at 1e-16 is quiet).
    """
    key = lambda r: (r["family"], r["id"], r["backend"])  # noqa: E731
    a = {key(r): r for r in old["records"]}
    b = {key(r): r for r in new["records"]}
    name = lambda k: f"{k[0]}/{k[1]}" + (f" ({k[2]})" if k[2] else "")  # noqa: E731
    lines, regressed = [], False
    for k in sorted(set(a) - set(b)):
        lines.append(f"removed   {name(k)} (was {a[k]['verdict']})")
    for k in sorted(set(b) - set(a)):
        lines.append(f"added     {name(k)}: {b[k]['verdict']}")
    for k in sorted(set(a) & set(b)):
        va, vb = a[k]["verdict"], b[k]["verdict"]
        if va != vb:
            worse = va == "PASS" and vb in ("FAIL", "ERROR")
            regressed |= worse
            why = b[k].get("error") or b[k].get("skip_reason") or b[k].get("measured_text") or ""
            lines.append(f"{'REGRESSED' if worse else 'changed':<9} {name(k)}: {va} -> {vb}" + (f" ({why})" if why else ""))
        ma, mb = _values(a[k].get("measured")), _values(b[k].get("measured"))
        for sub in sorted(set(ma) & set(mb)):
            x, y = ma[sub], mb[sub]
            if math.isnan(x) and math.isnan(y):
                continue
            if not (abs(y - x) > atol and abs(y - x) > rtol * max(abs(x), abs(y))) and not (math.isnan(x) ^ math.isnan(y)):
                continue
            label = f"[{sub}]" if sub else ""
            lines.append(f"moved     {name(k)}{label}: {x:.4g} -> {y:.4g}")
    pa, pb = old.get("provenance", {}), new.get("provenance", {})
    head = [f"old: {pa.get('date_utc', '?')}, refimpl {pa.get('refimpl', '?')} {pa.get('git_revision') or ''}".rstrip(),
            f"new: {pb.get('date_utc', '?')}, refimpl {pb.get('refimpl', '?')} {pb.get('git_revision') or ''}".rstrip()]
    if not lines:
        lines = ["no changes (same verdicts; no measured value moved by more than "
                 f"{100 * rtol:g} % and {atol:g})"]
    return head + lines, regressed
