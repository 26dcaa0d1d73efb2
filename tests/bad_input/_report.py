"""Run every fuzz case on NumPy (optionally other backends) and write the findings and known failures.

Usage (from the repository root)::

    python tests/bad_input/_report.py [--findings PATH] [--known] [--backends numba,torch]

``--known`` rewrites tests/bad_input/known_failures.txt with every failing case id;
``--case ID`` prints one case's exact call (keyword arguments) and its traceback.
"""
import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import DEFECTS, GOOD, all_specs, cases, run_case, same_values, warm_up  # noqa: E402


def run_all(backend=None):
    """``[(case, outcome)]`` for every case, on ``backend`` (None: NumPy)."""
    from refimpl.backends import use_backend

    specs, out = all_specs(), []
    if backend is not None:
        warm_up(specs, backend)
    for case in cases(specs):
        if backend is None:
            out.append((case, run_case(specs[case.qual], case)))
        else:
            with use_backend(backend):
                out.append((case, run_case(specs[case.qual], case)))
    return out


def counts(results):
    c = collections.Counter(o.cls for _, o in results)
    return c


def findings(results, backend_diffs, seconds):
    """The findings markdown: counts, then one line per (function, argument, defect class)."""
    c = counts(results)
    n_def = sum(v for k, v in c.items() if k in DEFECTS)
    lines = ["# Bad-input fuzz findings (round 1)", "",
             f"Cases: {len(results)} ({seconds:.0f} s on NumPy). Good: valid calls ok {c['ok']}, clear errors "
             f"{c['error']}, failure statuses {c['status']}, accepted {c['accepted']}. Defects: {n_def}.", "",
             "| defect class | cases |", "|---|---|"]
    lines += [f"| {k}: {v} | {c[k]} |" for k, v in DEFECTS.items()]
    groups = collections.defaultdict(list)
    for case, o in results:
        if o.cls in DEFECTS:
            groups[(case.qual, case.arg or "(valid)", o.cls)].append((case.label, o.detail))
    lines += ["", "## Defects by family and function", "",
              "Format: `family.function arg [class] labels :: call -> what happened (first case)`. Labels are the"
              " corruption names of _harness.py (case id = `family.function:arg=label`).", ""]
    family = None
    for (qual, arg, cls), items in sorted(groups.items()):
        fam = qual.split(".")[0] if not qual.startswith("backends.linalg") else "backends.linalg"
        if fam != family:
            family = fam
            lines += ["", f"### {fam}", ""]
        labels = ",".join(lab for lab, _ in items)
        lines.append(f"- `{qual}` {arg} [{cls}] {labels} :: {items[0][1]}")
    if backend_diffs:
        lines += ["", "## Backend differences (outcome differs from NumPy)", ""]
        for backend, case, o, ref in backend_diffs:
            lines.append(f"- {backend} `{case.id}`: {o.cls}: {o.detail} | numpy: {ref.cls}: {ref.detail}")
    return "\n".join(lines) + "\n"


def show(case_id):
    """Print the exact keyword arguments of one case, run it unguarded and print the traceback."""
    import traceback

    specs = all_specs()
    backend, _, cid = case_id.rpartition("|")
    case = next(c for c in cases(specs) if c.id == cid)
    spec = specs[case.qual]
    kwargs = spec.kwargs({} if case.arg is None else {case.arg: case.value})
    print(f"{spec.func.__module__}.{spec.func.__qualname__}(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")")
    try:
        from refimpl.backends import use_backend

        with use_backend(backend or "numpy"):
            print("returned:", spec.invoke(kwargs))
    except Exception:  # noqa: BLE001
        traceback.print_exc()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", default=None)
    ap.add_argument("--known", action="store_true")
    ap.add_argument("--backends", default="")
    ap.add_argument("--case", default=None, help="print one case's exact call and traceback, then stop")
    args = ap.parse_args()
    if args.case:
        return show(args.case)
    t = time.perf_counter()
    results = run_all()
    seconds = time.perf_counter() - t
    failing = [case.id for case, o in results if o.cls not in GOOD]
    diffs = []
    for backend in filter(None, args.backends.split(",")):
        for (case, o), (_, ref) in zip(run_all(backend), results):
            value_diff = same_values(o.values, ref.values) if case.arg is None and o.values else ""
            if o.signature[:2] != ref.signature[:2] or value_diff:
                if value_diff:
                    o.detail = f"valid call's numbers differ: {value_diff}"
                diffs.append((backend, case, o, ref))
                failing.append(f"{backend}|{case.id}")
    if args.findings:
        Path(args.findings).write_text(findings(results, diffs, seconds))
    if args.known:
        path = Path(__file__).with_name("known_failures.txt")
        path.write_text("# strict xfails: bad-input fuzz cases that fail today (tests/bad_input/_report.py --known)\n"
                        + "\n".join(sorted(failing)) + "\n")
    print(counts(results), f"{seconds:.1f} s", len(failing), "failing")


if __name__ == "__main__":
    main()
