"""benchmarks/gpu_check.sh is right by reading and by a run with a fake python (no GPU needed)."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"

pytestmark = pytest.mark.skipif(not SCRIPT.is_file() or shutil.which("bash") is None or shutil.which("timeout") is None,
                                reason="needs the checkout's benchmarks/gpu_check.sh, bash and timeout")

# A stand-in for python3 on the GPU machine: pip and pytest are faked (they would install and run
# the suite), a benchmark script appends one JSON row the way benchmarks/_runner.py does, and
# everything else (the summary; the environment probe unless FAKE_ENV is set) runs on the real
# interpreter.
FAKE_PY = """#!/usr/bin/env bash
echo "fake-python $*" >> "$FAKE_CALLS"
case "$1 $2" in
  "-m pip") exit 0 ;;
  "-m pytest") echo "== 7 passed, 2 skipped in 1.23s =="; exit 0 ;;
esac
if [ "$1" = "-c" ] && [ -n "${FAKE_ENV:-}" ]; then echo "fake environment"; exit 0; fi
case "$1" in
  */bench_*.py) echo "{\\"script\\": \\"$(basename "$1")\\", \\"case\\": \\"c\\", \\"seconds\\": 0.5, \\"env_backend\\": \\"$REFIMPL_BACKEND\\"}" >> "$REFIMPL_BENCH_JSON"; exit 0 ;;
esac
exec "$REAL_PY" "$@"
"""


def test_script_parses():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_dry_run_finds_every_referenced_file():
    proc = subprocess.run(["bash", str(SCRIPT), "--dry-run", "/tmp/unused"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dry run: ok" in proc.stdout and "tests on numpy,cupy" in proc.stdout


def test_full_run_with_a_fake_python_writes_the_summary(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PY)
    fake.chmod(0o755)
    out = tmp_path / "out"
    calls = tmp_path / "calls.txt"
    env = {**os.environ, "PYTHON": str(fake), "REAL_PY": sys.executable, "FAKE_CALLS": str(calls),
           "REFIMPL_GPU_BENCHES": "bench_core bench_gp", "FAKE_ENV": os.environ.get("REFIMPL_TEST_FAKE_ENV", "1")}
    env.pop("REFIMPL_BACKEND", None)
    proc = subprocess.run(["bash", str(SCRIPT), str(out)], capture_output=True, text=True, timeout=120, env=env,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["bench.log", "env.txt", "install.log", "tests.log", "timings.json"]
    result = json.loads((out / "timings.json").read_text())
    assert result["ok"] is True
    assert [s["step"] for s in result["steps"]] == ["install", "environment", "tests", "bench_core", "bench_gp"]
    assert result["tests"]["passed"] == 7 and result["tests"]["skipped"] == 2
    assert [b["script"] for b in result["benchmarks"]] == ["bench_core.py", "bench_gp.py"]
    assert all(b["env_backend"] == "cupy" for b in result["benchmarks"])  # benchmarks ran with REFIMPL_BACKEND=cupy
    log = calls.read_text()
    assert "-m pip install -q --no-index --no-deps --no-build-isolation --target" in log
    assert "-m pytest -c " + str(ROOT / "setup.cfg") in log
    # the real environment probe imports torch, numba and cupy (20 s on a busy 2-core machine):
    # REFIMPL_TEST_FAKE_ENV= (empty) runs it
    env_txt = (out / "env.txt").read_text()
    assert ("backend numpy ok" in env_txt) if not env["FAKE_ENV"] else ("fake environment" in env_txt)


def test_a_failing_step_fails_the_check(tmp_path):
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PY.replace('echo "== 7 passed, 2 skipped in 1.23s =="; exit 0',
                                    'echo "== 1 failed, 6 passed in 1.23s =="; exit 1'))
    fake.chmod(0o755)
    env = {**os.environ, "PYTHON": str(fake), "REAL_PY": sys.executable, "FAKE_CALLS": str(tmp_path / "c"),
           "REFIMPL_GPU_BENCHES": "bench_core", "FAKE_ENV": "1"}
    proc = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "out")], capture_output=True, text=True, timeout=120,
                          env=env, cwd=tmp_path)
    assert proc.returncode == 1
    result = json.loads((tmp_path / "out" / "timings.json").read_text())
    assert result["ok"] is False and result["tests"]["failed"] == 1
    assert {s["step"]: s["status"] for s in result["steps"]}["tests"] == "failed"
