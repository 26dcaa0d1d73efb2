#!/usr/bin/env bash
# The GPU check in one call: install refimpl offline, run the tests on numpy+cupy and the
# benchmarks on cupy, and write logs plus a JSON of timings into one folder, within ten minutes.
#
# Usage (from anywhere; the script finds the checkout it lives in):
#     bash benchmarks/gpu_check.sh [--dry-run] [OUT_DIR]
# OUT_DIR defaults to $OUT, else ./gpu_check_out. --dry-run checks that every file and command the
# check needs is there and prints the steps, without running them.
#
# The machine (see the GPU notes of the project): no network; python3 with numpy, scipy, numba,
# cupy, torch (CUDA), pytest, hypothesis; the pure-Python array-API packages carried as wheels in
# the checkout's git-ignored .whl/ folder:
#     python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 -d .whl \
#         array-api-compat array-api-extra array-api-strict
#
# Output (five files): env.txt (machine, GPU, versions, backends), install.log, tests.log,
# bench.log, timings.json (per-step status and seconds, the test summary, every benchmark row).
# Exit status: 0 when every step passed, 1 otherwise (timings.json says which step failed).
#
# Time budget (seconds, each step under `timeout`): install 75, environment 45, tests 270,
# benchmarks 165 (each script at most 60, with --quick), summary 15: 570 in all.

set -u -o pipefail

DRY_RUN=0
if [ "${1:-}" = "--dry-run" ]; then DRY_RUN=1; shift; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${1:-${OUT:-$PWD/gpu_check_out}}"
PY="${PYTHON:-python3}"
BENCHES="${REFIMPL_GPU_BENCHES:-bench_core bench_gp bench_eim bench_conformal}"
T_INSTALL=75 T_ENV=45 T_TESTS=270 T_BENCH_EACH=60 T_BENCH_ALL=165 T_SUMMARY=15

# ------------------------------------------------------------------------------------------------
# dry run: every referenced file and command exists; nothing is installed or run
if [ "$DRY_RUN" = 1 ]; then
    missing=0
    for f in setup.cfg pyproject.toml tests/conftest.py benchmarks/_runner.py; do
        [ -e "$ROOT/$f" ] || { echo "missing: $f"; missing=1; }
    done
    for b in $BENCHES; do
        [ -f "$ROOT/benchmarks/$b.py" ] || { echo "missing: benchmarks/$b.py"; missing=1; }
    done
    for c in timeout "$PY"; do
        command -v "$c" >/dev/null 2>&1 || { echo "missing command: $c"; missing=1; }
    done
    if ls "$ROOT"/.whl/*.whl >/dev/null 2>&1; then
        echo "wheels: $(cd "$ROOT/.whl" && ls ./*.whl | tr '\n' ' ')"
    else
        echo "warning: no wheels in $ROOT/.whl (download them before going offline; see the header)"
    fi
    echo "steps: install ($T_INSTALL s) -> environment ($T_ENV s) -> tests on numpy,cupy ($T_TESTS s)" \
         "-> benchmarks on cupy: $BENCHES ($T_BENCH_EACH s each, $T_BENCH_ALL s in all) -> summary ($T_SUMMARY s)"
    echo "output folder: $OUT_DIR"
    [ "$missing" = 0 ] && echo "dry run: ok" || echo "dry run: FAILED"
    exit "$missing"
fi

mkdir -p "$OUT_DIR" || exit 1
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
SITE="$(mktemp -d /tmp/refimpl_site.XXXXXX)"
WORK="$(mktemp -d /tmp/refimpl_work.XXXXXX)"   # cwd of tests and benchmarks: never the checkout root,
                                               # whose refimpl/ folder would shadow the installed package
STEPS="$WORK/steps.tsv"
BENCH_JSONL="$WORK/bench.jsonl"
: > "$STEPS"
START=$(date +%s)

# step NAME LIMIT LOG COMMAND...: run COMMAND under `timeout LIMIT`, appending to LOG; record rc and time
step() {
    local name="$1" limit="$2" log="$3"; shift 3
    local t0 rc
    t0=$(date +%s)
    echo "== $name (limit ${limit}s): $*" >> "$log"
    timeout --kill-after=10 "$limit" "$@" >> "$log" 2>&1
    rc=$?
    printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$(( $(date +%s) - t0 ))" "$limit" >> "$STEPS"
    echo "[gpu_check] $name: rc=$rc ($(( $(date +%s) - t0 )) s)"
    return "$rc"
}

# 1. offline install into a private target folder (the GPU notes' recipe)
INSTALL_OK=1
step install "$T_INSTALL" "$OUT_DIR/install.log" bash -c '
    set -e
    cd "$1"
    shopt -s nullglob
    wheels=(.whl/*.whl)
    if [ ${#wheels[@]} -gt 0 ]; then
        "$2" -m pip install -q --no-index --no-deps --no-compile --target "$3" "${wheels[@]}"
    else
        echo "no wheels in .whl/: relying on array-api packages already installed"
    fi
    "$2" -m pip install -q --no-index --no-deps --no-build-isolation --target "$3" .
' _ "$ROOT" "$PY" "$SITE" || INSTALL_OK=0
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
unset REFIMPL_BACKEND

# 2. the environment: machine, GPU, versions, which backends can run
( cd "$WORK" && step environment "$T_ENV" "$OUT_DIR/env.txt" "$PY" -c '
import platform, sys, importlib
print("python", sys.version.split()[0], platform.platform())
for m in ("numpy", "scipy", "numba", "cupy", "torch", "array_api_compat", "array_api_extra", "array_api_strict"):
    try:
        print(m, importlib.import_module(m).__version__)
    except Exception as exc:
        print(m, "unavailable:", exc)
import refimpl
from refimpl.backends import available_backends
print("refimpl", refimpl.__version__, "from", refimpl.__file__)
for name, why in available_backends().items():
    print("backend", name, "ok" if why is None else "unavailable: " + why)
try:
    import cupy
    p = cupy.cuda.runtime.getDeviceProperties(0)
    print("gpu", p["name"].decode(), round(p["totalGlobalMem"] / 2**30, 1), "GiB")
except Exception as exc:
    print("gpu unavailable:", exc)
' ) || true
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >> "$OUT_DIR/env.txt" 2>&1

# 3. the test suite on numpy and cupy (cupy tests skip with the reason if no device is usable:
#    an explicitly requested backend is never dropped silently)
if [ "$INSTALL_OK" = 1 ]; then
    ( cd "$WORK" && REFIMPL_TEST_BACKENDS=numpy,cupy OPENBLAS_NUM_THREADS=4 OMP_NUM_THREADS=4 \
        step tests "$T_TESTS" "$OUT_DIR/tests.log" \
        "$PY" -m pytest -c "$ROOT/setup.cfg" --rootdir "$ROOT" "$ROOT/tests" -q -ra \
        --durations=15 ) || true
else
    printf 'tests\tskipped\t0\t%s\n' "$T_TESTS" >> "$STEPS"
fi

# 4. the benchmarks on cupy (each appends its rows to bench.jsonl through benchmarks/_runner.py)
BENCH_T0=$(date +%s)
for b in $BENCHES; do
    left=$(( T_BENCH_ALL - ($(date +%s) - BENCH_T0) ))
    [ "$left" -gt "$T_BENCH_EACH" ] && left=$T_BENCH_EACH
    if [ "$INSTALL_OK" != 1 ] || [ "$left" -le 5 ]; then
        printf '%s\tskipped\t0\t%s\n' "$b" "$T_BENCH_EACH" >> "$STEPS"
        continue
    fi
    ( cd "$WORK" && REFIMPL_BACKEND=cupy REFIMPL_BENCH_JSON="$BENCH_JSONL" \
        step "$b" "$left" "$OUT_DIR/bench.log" "$PY" "$ROOT/benchmarks/$b.py" --quick ) || true
done

# 5. the summary: timings.json from the step table, the test summary line and the benchmark rows
step summary "$T_SUMMARY" "$OUT_DIR/bench.log" "$PY" - "$STEPS" "$BENCH_JSONL" "$OUT_DIR" "$START" <<'EOF'
import json, os, re, sys, time
steps_path, bench_path, out, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
steps = []
for line in open(steps_path):
    name, rc, seconds, limit = line.rstrip("\n").split("\t")
    rc_val = None if rc == "skipped" else int(rc)
    steps.append({"step": name, "rc": rc_val, "seconds": int(seconds), "limit_s": int(limit),
                  "status": "skipped" if rc_val is None else "timeout" if rc_val in (124, 137) else
                            "passed" if rc_val == 0 else "failed"})
tests = None
log = os.path.join(out, "tests.log")
if os.path.exists(log):
    lines = [l for l in open(log, errors="replace") if re.search(r"\d+ (passed|failed|error)", l)]
    if lines:
        last = lines[-1].strip().strip("=").strip()
        tests = {"summary": last,
                 **{k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)", last)}}
bench = [json.loads(l) for l in open(bench_path)] if os.path.exists(bench_path) else []
result = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "wall_s": int(time.time()) - start,
          "ok": all(s["status"] == "passed" for s in steps), "steps": steps, "tests": tests, "benchmarks": bench}
with open(os.path.join(out, "timings.json"), "w") as f:
    json.dump(result, f, indent=1)
print(json.dumps({k: result[k] for k in ("ok", "wall_s", "tests")}))
EOF
SUMMARY_RC=$?
rm -rf "$SITE" "$WORK"

if [ "$SUMMARY_RC" != 0 ] || ! grep -q '"ok": true' "$OUT_DIR/timings.json" 2>/dev/null; then
    echo "[gpu_check] FAILED or incomplete: see $OUT_DIR/timings.json and the logs"
    exit 1
fi
echo "[gpu_check] all steps passed in $(( $(date +%s) - START )) s: $OUT_DIR"
