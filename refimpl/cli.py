"""The ``refimpl`` command: ``info``, ``validate``, ``vectors export|verify`` and ``crosscheck``."""


from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

from .backends import (
    BACKEND_NAMES,
    BackendUnavailableError,
    UnknownBackendError,
    available_backends,
    default_backend_name,
    get_backend,
    use_backend,
)

DESCRIPTION = """Executable reference implementations of numerical algorithms from papers.
'refimpl info' shows versions, backends, devices and BLAS threads; 'refimpl validate' runs the
paper reproductions and prints a report."""

BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _gpu_lines() -> list[str]:
    lines = []
    try:
        import cupy

        for i in range(cupy.cuda.runtime.getDeviceCount()):
            props = cupy.cuda.runtime.getDeviceProperties(i)
            lines.append(f"cuda:{i} {props['name'].decode()} (cupy)")
    except Exception:
        pass
    if not lines and _version("torch") != "not installed":
        try:
            import torch

            lines += [f"cuda:{i} {torch.cuda.get_device_name(i)} (torch)" for i in range(torch.cuda.device_count())]
        except Exception:
            pass
    return lines or ["none visible"]


def _blas_lines() -> list[str]:
    lines = [f"{k}={os.environ[k]}" for k in BLAS_ENV if k in os.environ] or ["no thread variables set"]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(f"{pool.get('internal_api')} {pool.get('version')}: {pool.get('num_threads')} threads")
    except ImportError:
        import numpy as np

        cfg = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        lines.append(f"numpy BLAS: {cfg.get('name', '?')} {cfg.get('version', '')}".strip())
    return lines


def _dask_line() -> str:
    """The Dask version and whether a dask.distributed client is active (for the dask backend)."""
    if _version("dask") == "not installed":
        return "not installed (pip install \"refimpl[dask]\")"
    from .backends.dask import client_info

    version, client = client_info()
    return f"{version}; {client}"


def cmd_info(args: argparse.Namespace) -> int:
    active = get_backend()  # raises a clear error for a bad REFIMPL_BACKEND / --backend
    name, source = default_backend_name()
    from . import __version__

    print(f"refimpl {__version__} on Python {platform.python_version()} ({platform.platform()})")
    print("packages: " + ", ".join(f"{d} {_version(d)}" for d in (
        "numpy", "scipy", "array-api-compat", "array-api-strict", "numba", "torch", "cupy-cuda12x", "matplotlib",
        "dask")))
    print(f"active backend: {active.name} (device {active.device}; chosen by "
          f"{'--backend' if args.backend else source})")
    print("backends:")
    for bname, reason in available_backends().items():
        print(f"  {bname:<17} {'available' if reason is None else 'unavailable: ' + reason}")
    print(f"CPU cores: {os.cpu_count()}")
    print("GPU devices: " + "; ".join(_gpu_lines()))
    print("Dask: " + _dask_line())
    print("BLAS threads: " + "; ".join(_blas_lines()))
    return 0


def _cmd_list(quick_only: bool = False) -> int:
    from refimpl.validation._claims import DISCOVERY_ERRORS, plural, registered_claims
    from refimpl.validation._runner import format_duration, usable_backends

    import shutil
    import textwrap

    width = shutil.get_terminal_size((100, 24)).columns
    claims = registered_claims()
    n_back = len(usable_backends())
    totals: dict[str, list[float]] = {}
    for c in claims:
        modes = "/".join(m for m, on in (("quick", c.quick), ("full", c.full)) if on)
        times = f"{format_duration(c.seconds[0]) if c.quick else '-'} / {format_duration(c.seconds[1]) if c.full else '-'}"
        per = f" per backend x {n_back}" if c.per_backend else ""
        line = f"{c.family}/{c.id} [{modes}; {times}{per}; {c.source}] {c.title} -- {c.reference} -- target {c.target_text}"
        print("\n".join(textwrap.wrap(line, width=width, subsequent_indent="    ", break_on_hyphens=False)))
        k = n_back if c.per_backend else 1
        t = totals.setdefault(c.family, [0.0, 0.0, 0])
        t[0] += k * c.seconds[0] * c.quick
        t[1] += k * c.seconds[1] * c.full
        t[2] += 1
    for family, err in sorted(DISCOVERY_ERRORS.items()):
        print(f"{family}: ERROR, the claims could not be imported: {err}")
    print(f"expected run time on 2 cores ({plural(n_back, 'usable backend')} here; quick / full):")
    for family, (q, f, n) in sorted(totals.items()):
        print(f"  {family:<12} {plural(int(n), 'claim'):<10} {format_duration(q):>12} / {format_duration(f)}")
    q = sum(t[0] for t in totals.values())
    f = sum(t[1] for t in totals.values())
    print(f"  {'total':<12} {plural(len(claims), 'claim'):<10} {format_duration(q):>12} / {format_duration(f)}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    import json
    import shutil

    from refimpl.validation import format_table, run_claims
    from refimpl.validation._report import compare_reports, format_provenance, provenance, write_report

    if args.compare:
        try:
            old, new = (json.loads(Path(p).read_text(encoding="utf-8")) for p in args.compare)
        except (OSError, ValueError) as exc:
            print(f"refimpl validate --compare: cannot read the reports: {exc}", file=sys.stderr)
            return 2
        lines, regressed = compare_reports(old, new, rtol=args.threshold)
        print("\n".join(lines))
        return 1 if regressed else 0
    if args.list:
        return _cmd_list()
    report_dir = Path(args.report) if args.report else None
    width = shutil.get_terminal_size((100, 24)).columns
    argv = getattr(args, "argv", None)
    try:
        records = run_claims(args.families or None, quick=args.quick, backend=args.backend,
                             report_dir=report_dir, progress=sys.stderr)
    except ValueError as exc:
        print(f"refimpl validate: {exc}", file=sys.stderr)
        return 2
    prov = provenance(quick=args.quick, records=records, argv=argv)
    import textwrap

    for line in format_provenance(prov):  # wrapped, never cut
        print("\n".join(textwrap.wrap(line, width=width, subsequent_indent="    ", break_on_hyphens=False)))
    print()
    print(format_table(records, width=width, view=args.view))
    for r in records:
        if r.error:
            print(f"ERROR {r.family}/{r.id} ({r.backend or 'import'}): {r.error}", file=sys.stderr)
    if report_dir is not None:
        path = write_report(records, report_dir, quick=args.quick, prov=prov)
        print(f"report written to {path} (and {path.with_suffix('.json').name})")
    return 1 if any(r.failed for r in records) else 0


def cmd_vectors(args: argparse.Namespace) -> int:
    import json

    from refimpl.crosscheck import UnknownReferenceError, export_vectors, reference_names, verify_vectors

    if args.action == "export":
        if not args.out:
            print("refimpl vectors export: --out DIR is required", file=sys.stderr)
            return 2
        known = sorted({n.split(".")[0] for n in reference_names()})
        bad = [f for f in args.families if f not in known]
        if bad:
            print(f"refimpl vectors export: unknown family {', '.join(bad)}; known: {', '.join(known)}", file=sys.stderr)
            return 2
        try:
            manifest = export_vectors(args.out, args.families or None)
        except UnknownReferenceError as exc:
            print(f"refimpl vectors export: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {manifest['n_cases']} cases of {len(manifest['families'])} families "
              f"({', '.join(manifest['families'])}) to {args.out} (manifest.json, README.md)")
        return 0
    directory = Path(args.dir)
    if not (directory / "manifest.json").is_file():
        print(f"refimpl vectors verify: {directory} has no manifest.json (write one with 'refimpl vectors export')",
              file=sys.stderr)
        return 2
    rows = verify_vectors(directory)
    bad = [r for r in rows if not r["ok"]]
    if args.json:
        print(json.dumps({"n_cases": len(rows), "n_drift": len(bad), "cases": rows}, indent=1, default=str))
    else:
        for r in bad:
            detail = r["error"] or "; ".join(f["message"] for f in r["fields"] if not f["ok"])
            print(f"DRIFT {r['id']} ({r['backend']}): {detail}")
        skipped = sum(bool(r.get("skipped")) for r in rows)
        print(f"{len(rows) - len(bad) - skipped}/{len(rows)} cases reproduce on backend {rows[0]['backend'] if rows else '-'}"
              + (f"; {skipped} not supported on it (skipped)" if skipped else "")
              + ("" if not bad else f"; {len(bad)} drifted"))
    return 1 if bad else 0


def cmd_crosscheck(args: argparse.Namespace) -> int:
    from refimpl.crosscheck import UnknownReferenceError, crosscheck
    from refimpl.crosscheck._run import report_json

    cwd = os.getcwd()
    if cwd not in sys.path:  # 'mypkg.module:func' from the current directory, like python -m
        sys.path.insert(0, cwd)
    try:
        report = crosscheck(args.candidate, args.reference, adapter=args.adapter, cases=args.cases,
                            max_examples=args.max_examples, rtol=args.rtol)
    except UnknownReferenceError as exc:
        print(f"refimpl crosscheck: {exc}", file=sys.stderr)
        return 2
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        print(f"refimpl crosscheck: cannot load the candidate/adapter or bad option: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 2
    print(report_json(report) if args.json else report.table())
    return 0 if report.passed else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refimpl", description=DESCRIPTION)  # plain text: no RST markup
    parser.add_argument("--backend", choices=None, metavar="NAME",
                        help=f"backend to use instead of REFIMPL_BACKEND ({', '.join(BACKEND_NAMES)})")
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="versions, backends (and why unavailable ones are), devices, BLAS threads")
    info.add_argument("--backend", metavar="NAME", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    info.set_defaults(func=cmd_info)
    val = sub.add_parser("validate", help="run the paper reproductions and print a report")
    val.add_argument("families", nargs="*", metavar="FAMILY", help="families to run (default: all)")
    val.add_argument("--quick", action="store_true", help="small problems, about 2 minutes for all families on 2 cores")
    val.add_argument("--backend", metavar="NAME", default=argparse.SUPPRESS,
                     help=f"run under this backend ({', '.join(BACKEND_NAMES)}); default REFIMPL_BACKEND or numpy")
    val.add_argument("--report", metavar="DIR", help="write report.md, report.json and PNG figures into DIR")
    val.add_argument("--list", action="store_true",
                     help="list the claims (the manifest) with their expected run times, and exit")
    val.add_argument("--view", choices=("auto", "lines", "blocks"), default="auto",
                     help="result layout: one line per claim, or one wrapped block per claim "
                          "(default auto: lines when they fit the terminal width, COLUMNS honoured)")
    val.add_argument("--compare", nargs=2, metavar=("OLD.json", "NEW.json"),
                     help="print what changed between two report.json files; exit 1 when a PASS became a failure")
    val.add_argument("--threshold", type=float, default=0.1, metavar="RTOL",
                     help="with --compare: report measured values that moved by more than this fraction (0.1)")
    val.set_defaults(func=cmd_validate)
    vec = sub.add_parser("vectors", help="export language-neutral golden vectors (JSON) or verify a directory of them")
    vsub = vec.add_subparsers(dest="action", required=True)
    vexp = vsub.add_parser("export", help="write one JSON file per cross-check case, a manifest and a README")
    vexp.add_argument("families", nargs="*", metavar="FAMILY", help="families to export (default: all)")
    vexp.add_argument("--out", metavar="DIR", required=True, help="output directory")
    vexp.set_defaults(func=cmd_vectors)
    vver = vsub.add_parser("verify", help="recompute every case in DIR on the active backend and report drift")
    vver.add_argument("dir", metavar="DIR")
    vver.add_argument("--json", action="store_true", help="machine-readable output")
    vver.add_argument("--backend", metavar="NAME", default=argparse.SUPPRESS, help="backend to recompute on")
    vver.set_defaults(func=cmd_vectors)
    xc = sub.add_parser("crosscheck", help="run your implementation against a refimpl reference "
                                           "(golden cases and Hypothesis inputs)")
    xc.add_argument("candidate", metavar="MODULE:FUNC", help="your implementation, e.g. mypkg.module:func")
    xc.add_argument("--reference", required=True, metavar="FAMILY.FUNCTION", help="e.g. conformal.crc_lambda_hat")
    xc.add_argument("--adapter", metavar="MODULE:FUNC", default=None,
                    help="adapter(candidate, *args, **kwargs) -> value or {field: value}")
    xc.add_argument("--cases", choices=("all", "golden", "statistical", "hypothesis"), default="all")
    xc.add_argument("--max-examples", type=int, default=200, help="Hypothesis examples (default 200)")
    xc.add_argument("--rtol", type=float, default=None, help="override the cases' relative tolerance")
    xc.add_argument("--json", action="store_true", help="print the report as JSON")
    xc.add_argument("--backend", metavar="NAME", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    xc.set_defaults(func=cmd_crosscheck)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if not hasattr(args, "backend"):
        args.backend = None
    try:
        if args.backend:  # scoped to this command: no process-wide side effect (main() is also called in-process)
            with use_backend(args.backend):
                return args.func(args)
        return args.func(args)
    except (UnknownBackendError, BackendUnavailableError) as exc:
        print(f"refimpl: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly (Python docs, signal/SIGPIPE note)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
