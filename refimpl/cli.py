"""The ``refimpl`` command: ``refimpl info`` and ``refimpl validate``."""

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


def cmd_info(args: argparse.Namespace) -> int:
    active = get_backend()  # raises a clear error for a bad REFIMPL_BACKEND / --backend
    name, source = default_backend_name()
    from . import __version__

    print(f"refimpl {__version__} on Python {platform.python_version()} ({platform.platform()})")
    print("packages: " + ", ".join(f"{d} {_version(d)}" for d in (
        "numpy", "scipy", "array-api-compat", "array-api-strict", "numba", "torch", "cupy-cuda12x", "matplotlib")))
    print(f"active backend: {active.name} (device {active.device}; chosen by "
          f"{'--backend' if args.backend else source})")
    print("backends:")
    for bname, reason in available_backends().items():
        print(f"  {bname:<17} {'available' if reason is None else 'unavailable: ' + reason}")
    print(f"CPU cores: {os.cpu_count()}")
    print("GPU devices: " + "; ".join(_gpu_lines()))
    print("BLAS threads: " + "; ".join(_blas_lines()))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from refimpl.validation import format_table, registered_claims, run_claims, write_report

    if args.list:
        for c in registered_claims():
            modes = "/".join(m for m, on in (("quick", c.quick), ("full", c.full)) if on)
            print(f"{c.family}/{c.id:<8} [{modes}] {c.title} — {c.reference} — target {c.target_text}")
        return 0
    report_dir = Path(args.report) if args.report else None
    print(f"refimpl validate: {'quick' if args.quick else 'full'} mode, backend {get_backend().name}"
          + (f", report to {report_dir}" if report_dir else ""), file=sys.stderr)
    try:
        records = run_claims(args.families or None, quick=args.quick, backend=args.backend,
                             report_dir=report_dir, progress=sys.stderr)
    except ValueError as exc:
        print(f"refimpl validate: {exc}", file=sys.stderr)
        return 2
    print(format_table(records))
    for r in records:
        if r.error:
            print(f"ERROR {r.family}/{r.id} ({r.backend}): {r.error}", file=sys.stderr)
    if report_dir is not None:
        path = write_report(records, report_dir, quick=args.quick)
        print(f"report written to {path}")
    return 1 if any(r.failed for r in records) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="refimpl", description=__doc__)
    parser.add_argument("--backend", choices=None, metavar="NAME",
                        help=f"backend to use instead of REFIMPL_BACKEND ({', '.join(BACKEND_NAMES)})")
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="versions, backends (and why unavailable ones are), devices, BLAS threads")
    info.add_argument("--backend", metavar="NAME", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    info.set_defaults(func=cmd_info)
    val = sub.add_parser("validate", help="run the paper reproductions and print a report")
    val.add_argument("families", nargs="*", metavar="FAMILY", help="families to run (default: all)")
    val.add_argument("--quick", action="store_true", help="small problems, about 2 minutes for all families")
    val.add_argument("--backend", metavar="NAME", default=argparse.SUPPRESS,
                     help=f"run under this backend ({', '.join(BACKEND_NAMES)}); default REFIMPL_BACKEND or numpy")
    val.add_argument("--report", metavar="DIR", help="write report.md and PNG figures into DIR")
    val.add_argument("--list", action="store_true", help="list the claims (the manifest) and exit")
    val.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
