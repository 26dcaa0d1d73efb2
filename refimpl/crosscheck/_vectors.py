"""Golden vectors: language-neutral JSON export of the cross-check cases, and their verification.

Layout of an exported value (JSON only, no refimpl needed to read it):

* an array or numeric scalar is ``{"dtype": "float64", "shape": [2, 3], "data": [...]}`` with
  ``data`` the row-major (C-order) flattening; a scalar has ``"shape": []`` and one datum;
  complex entries are ``[re, im]`` pairs; non-finite values are the strings ``"inf"``, ``"-inf"``,
  ``"nan"``; booleans are ``true``/``false`` with dtype ``"bool"``;
* plain JSON numbers, strings, ``true``/``false``, ``null`` and lists are inputs as they are;
* ``{"call": "gp.Matern", "args": [...], "kwargs": {...}}`` is an object built by another public
  refimpl callable from (recursively encoded) inputs;
* ``{"fixture": "name", "kwargs": {...}, "description": "..."}`` is a named callable (a loss, an
  objective); its description says what to implement.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import math
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ._core import (
    Call, Case, Fixture, Reference, Tolerance, call_inputs, canonicalize, checked_fields, compare_outputs,
    flatten_result, get_reference, iter_cases, materialize, run_statistical,
)

__all__ = ["decode", "encode", "export_vectors", "verify_vectors", "FORMAT_VERSION"]

FORMAT_VERSION = 1


def _enc_scalar(x: Any) -> Any:
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (complex, np.complexfloating)):
        return [_enc_scalar(float(x.real)), _enc_scalar(float(x.imag))]
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def encode_array(a: np.ndarray) -> dict:
    a = np.asarray(a)
    if a.dtype.kind == "b":
        dtype = "bool"
    elif a.dtype.kind in "iu":
        dtype = "int64"
    elif a.dtype.kind == "c":
        dtype = "complex128" if a.dtype.itemsize >= 16 else "complex64"
    else:
        dtype = "float64" if a.dtype.itemsize >= 8 else "float32"
    return {"dtype": dtype, "shape": list(a.shape), "data": [_enc_scalar(v) for v in a.ravel(order="C").tolist()]}


def encode(v: Any) -> Any:
    """Encode an input/output value to JSON-compatible data (see the module docstring)."""
    if isinstance(v, Call):
        return {"call": v.target, "args": [encode(a) for a in v.args],
                "kwargs": {k: encode(x) for k, x in v.kwargs.items()}}
    if isinstance(v, Fixture):
        return {"fixture": v.name, "kwargs": {k: encode(x) for k, x in v.kwargs.items()},
                "description": v.description}
    if isinstance(v, np.ndarray) or isinstance(v, np.generic):
        return encode_array(np.asarray(v))
    if isinstance(v, float) and not math.isfinite(v):
        return encode_array(np.asarray(v))
    if isinstance(v, complex):
        return encode_array(np.asarray(v))
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, dict):
        return {"dict": {str(k): encode(x) for k, x in v.items()}}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (type, np.dtype)):
        try:
            return np.dtype(v).name  # e.g. dtype=np.float64 in a recorded draw
        except TypeError:
            return getattr(v, "__name__", str(v))
    raise TypeError(f"cannot encode a {type(v).__name__} in a golden vector")


def _dec_scalar(x: Any, complex_: bool) -> Any:
    if complex_:
        return complex(_dec_scalar(x[0], False), _dec_scalar(x[1], False))
    if isinstance(x, str):
        return float(x)  # "inf", "-inf", "nan"
    return x


def decode_array(d: dict) -> np.ndarray:
    dtype = np.dtype(d["dtype"])
    data = [_dec_scalar(x, dtype.kind == "c") for x in d["data"]]
    return np.array(data, dtype=dtype).reshape(d["shape"])


def decode(v: Any) -> Any:
    """Inverse of :func:`encode` (arrays become NumPy arrays; ``shape: []`` becomes a Python scalar)."""
    if isinstance(v, dict):
        if set(v) == {"dtype", "shape", "data"}:
            a = decode_array(v)
            return a.item() if a.shape == () else a
        if "call" in v:
            return Call(v["call"], *[decode(a) for a in v.get("args", [])],
                        **{k: decode(x) for k, x in v.get("kwargs", {}).items()})
        if "fixture" in v:
            return Fixture(v["fixture"], **{k: decode(x) for k, x in v.get("kwargs", {}).items()})
        if "dict" in v:
            return {k: decode(x) for k, x in v["dict"].items()}
        raise ValueError(f"unknown JSON node with keys {sorted(v)}")
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


def _decode_output(v: Any) -> Any:
    if isinstance(v, dict) and set(v) == {"dtype", "shape", "data"}:
        return decode_array(v)
    return v


def _git_revision() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
        if out.returncode == 0 and (here.parent.parent / ".git").exists():
            return out.stdout.strip()
    except Exception:
        pass
    return None


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def case_to_json(ref: Reference, case: Case) -> dict:
    exp = case.expected or {}
    fields = checked_fields(ref, case, exp) if case.kind == "golden" else ["statistic"]
    d = {
        "format_version": FORMAT_VERSION,
        "id": case.id,
        "name": case.name,
        "reference": ref.name,
        "function": f"refimpl.{ref.name}",
        "signature": ref.signature,
        "kind": case.kind,
        "property": case.prop,
        "tags": list(case.tags),
        "inputs": {"args": [encode(a) for a in case.args], "kwargs": {k: encode(v) for k, v in case.kwargs.items()}},
        "primary": ref.primary,
        "checked_fields": fields,
        "canonical": dict(ref.canonical),
        "tolerance": case.tol.to_json(),
        "expected": {k: encode(v) for k, v in exp.items()},
    }
    if case.kind == "statistical":
        d["statistical"] = {"statistic": case.statistic, "n_rep": case.n_rep, "seeds": [case.seed, case.seed + case.n_rep - 1],
                            "theory": encode(np.asarray(case.theory, dtype=float)),
                            "rule": "statistic of runs with rng = seed, seed+1, ... must be within atol of theory"}
    if case.draws is not None:
        d["draws"] = [{"method": r["method"], "args": [encode(a) for a in r["args"]],
                       "kwargs": {k: encode(v) for k, v in r["kwargs"].items()}, "value": encode(np.asarray(r["value"]))}
                      for r in case.draws]
    return d


def case_from_json(d: dict) -> tuple[Reference, Case]:
    ref = get_reference(d["reference"])
    tol = Tolerance(**{k: d["tolerance"][k] for k in ("kind", "rtol", "atol", "rule")})
    inp = d["inputs"]
    case = Case(name=d["name"], args=tuple(decode(a) for a in inp["args"]),
                kwargs={k: decode(v) for k, v in inp["kwargs"].items()}, tol=tol, prop=d.get("property", ""),
                tags=tuple(d.get("tags", ())), fields=tuple(d["checked_fields"]), kind=d["kind"], reference=ref.name)
    case.expected = {k: _decode_output(v) for k, v in d["expected"].items()}
    if case.kind == "statistical":
        s = d["statistical"]
        case.statistic, case.n_rep, case.seed = s["statistic"], s["n_rep"], s["seeds"][0]
        case.theory = decode_array(s["theory"])
    return ref, case


README = """# refimpl golden vectors

One JSON file per case (`<family>/<function>/<case>.json`), listed in `manifest.json`.
Each file: `reference`, `signature`, `kind` ("golden" or "statistical"), `property`, `tags`,
`inputs` (`args`, `kwargs`), `primary` (the declared primary output), `checked_fields`,
`tolerance` (`rtol`, `atol`, `rule`: pass when |actual - expected| <= atol + rtol*|expected|;
integer/boolean/string fields must be equal), `expected` (output fields), and for stochastic
algorithms `draws` (every random number refimpl consumed, in order: method, arguments, value).

Arrays are `{"dtype": ..., "shape": [...], "data": [...]}` with `data` in row-major (C) order;
a scalar has `shape: []`; complex entries are `[re, im]` pairs; non-finite values are the strings
"inf", "-inf", "nan". `{"call": NAME, "args", "kwargs"}` is an object built by refimpl's NAME
(e.g. a kernel), `{"fixture": NAME, "description"}` a callable described in words.

## Python (json only)
```python
import json, math
def arr(d):
    def s(x):
        return float(x) if isinstance(x, str) else x
    flat = [complex(s(x[0]), s(x[1])) if isinstance(x, list) else s(x) for x in d["data"]]
    return {"shape": d["shape"], "flat": flat}   # or numpy.array(flat).reshape(d["shape"])
case = json.load(open("conformal/crc_lambda_hat/ties.json"))
losses = arr(case["inputs"]["args"][0])
lam_hat = arr(case["expected"][case["primary"]])["flat"][0]
```

## Julia (JSON.jl)
```julia
using JSON
num(x) = x isa AbstractString ? parse(Float64, x) : Float64(x)
function arr(d)
    flat = [x isa AbstractVector ? complex(num(x[1]), num(x[2])) : num(x) for x in d["data"]]
    shp = Tuple(Int.(d["shape"]))
    isempty(shp) && return flat[1]
    # data is row-major: fill reversed dims then permute back
    return permutedims(reshape(flat, reverse(shp)), length(shp):-1:1)
end
case = JSON.parsefile("conformal/crc_lambda_hat/ties.json")
losses = arr(case["inputs"]["args"][1])
lam_hat = arr(case["expected"][case["primary"]])
```

## MATLAB (jsondecode, R2016b+)
```matlab
c = jsondecode(fileread('conformal/crc_lambda_hat/ties.json'));
args = c.inputs.args; if ~iscell(args), args = num2cell(args); end   % mixed lists decode to cell arrays
d = args{1};
A = arr(d);
function A = arr(d)
  if iscell(d.data), v = cellfun(@num, d.data, 'UniformOutput', false); else, v = num2cell(double(d.data), 2); end
  if startsWith(d.dtype, 'complex'), v = cellfun(@(x) complex(x(1), x(2)), v); else, v = cell2mat(v); end
  shp = reshape(d.shape, 1, []);
  if isempty(shp), A = v;
  elseif numel(shp) == 1, A = v(:);
  else, A = permute(reshape(v, fliplr(shp)), numel(shp):-1:1); end       % data is row-major
end
function y = num(x)
  if iscell(x), y = cellfun(@num, x); elseif ischar(x), y = str2double(x); else, y = double(x); end
end
```
(`str2double` reads "inf", "-inf", "nan"; jsondecode turns a list of [re, im] pairs into an N x 2
matrix, or a cell array when some entries are strings: both are handled above.)

Verify with refimpl installed: `refimpl vectors verify DIR` (recomputes every case on the active
backend and reports drift).
"""


def export_vectors(out: str | os.PathLike, families: Iterable[str] | None = None, *,
                   references: Iterable[str] | None = None) -> dict:
    """Write one JSON file per case, ``manifest.json`` and ``README.md`` under ``out``; returns the manifest."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    from refimpl import __version__

    entries = []
    for ref, case in iter_cases(list(references) if references else None, families=families):
        materialize(ref, case)
        rel = Path(ref.family) / ref.name.split(".", 1)[1] / f"{case.name}.json"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(json.dumps(case_to_json(ref, case), indent=1, allow_nan=False))
        entries.append({"file": rel.as_posix(), "id": case.id, "reference": ref.name, "function": f"refimpl.{ref.name}",
                        "signature": ref.signature, "kind": case.kind, "primary": ref.primary,
                        "tolerance": case.tol.rule, "tags": list(case.tags)})
    manifest = {
        "format_version": FORMAT_VERSION,
        "refimpl_version": __version__,
        "git_revision": _git_revision(),
        "numpy": np.__version__,
        "scipy": _version("scipy"),
        "python": platform.python_version(),
        "created_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "backend": "numpy (float64)",
        "families": sorted({e["reference"].split(".")[0] for e in entries}),
        "n_cases": len(entries),
        "cases": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    (out / "README.md").write_text(README)
    return manifest


def recompute(ref: Reference, case: Case) -> dict:
    """Run ``case`` through the installed refimpl on the active backend; flattened outputs."""
    if case.kind == "statistical":
        from ._core import flatten_result as fl

        return {"statistic": run_statistical(ref.func, case, primary_of=lambda r: fl(r)[ref.primary]),
                "theory": np.asarray(case.theory, dtype=float)}
    args, kwargs = call_inputs(case)
    return canonicalize(flatten_result(ref.func(*args, **kwargs)), ref.canonical)


def verify_vectors(directory: str | os.PathLike, *, backend: str | None = None) -> list[dict]:
    """Recompute every case under ``directory``; one record per case with ``ok`` and per-field drift.

    A case whose function is not available on the active backend (``BackendUnsupportedError``, e.g.
    a function without a dask declaration) is not drift: its record has ``ok=True`` and
    ``skipped`` set to the reason.
    """
    from refimpl.backends import BackendUnsupportedError, get_backend, use_backend

    directory = Path(directory)
    manifest = json.loads((directory / "manifest.json").read_text())
    rows = []
    name = backend or get_backend().name
    with use_backend(name):
        for entry in manifest["cases"]:
            d = json.loads((directory / entry["file"]).read_text())
            row = {"id": d["id"], "file": entry["file"], "backend": name, "ok": False, "fields": [], "error": None,
                   "skipped": None}
            try:
                ref, case = case_from_json(d)
                got = recompute(ref, case)
                if case.kind == "statistical":
                    comps = compare_outputs({"statistic": case.theory}, got, ["statistic"], case.tol)
                else:
                    comps = compare_outputs(case.expected, got, case.fields, case.tol)
                row["fields"] = [{"field": c.field, "ok": c.ok, "max_abs": c.max_abs, "max_rel": c.max_rel,
                                  "message": c.message} for c in comps]
                row["ok"] = all(c.ok for c in comps)
            except BackendUnsupportedError as exc:  # declared unsupported here: not drift
                row["ok"], row["skipped"] = True, str(exc)
            except Exception as exc:  # a case that cannot run is drift, reported, not a crash
                row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
    return rows
