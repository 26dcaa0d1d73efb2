"""benchmarks/_runner.py: synchronised clocks, JSON rows, the backends a benchmark times."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import sys
import types

import pytest

PATH = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "_runner.py"
pytestmark = pytest.mark.skipif(not PATH.is_file(), reason="benchmarks/ not present next to tests/")


@pytest.fixture
def runner():
    spec = importlib.util.spec_from_file_location("_bench_runner_under_test", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_timeit_synchronises_before_each_clock_reading(runner, monkeypatch):
    events = []

    class FakeDevice:
        def synchronize(self):
            events.append("sync")

    fake_cupy = types.SimpleNamespace(cuda=types.SimpleNamespace(Device=FakeDevice))
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy)
    t = runner.timeit(lambda: events.append("call"), repeat=2, warmup=1)
    assert set(t) == {"best", "median"} and t["best"] >= 0
    # warm-up call, then per batch: sync (start), call, sync (stop)
    assert events == ["call", "sync", "call", "sync", "sync", "call", "sync"]


def test_sync_is_a_no_op_without_gpu_libraries(runner, monkeypatch):
    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    runner.sync()
    assert runner.clock() > 0


def test_report_and_record_write_json_rows(runner, monkeypatch, tmp_path, capsys):
    path = tmp_path / "rows.jsonl"
    monkeypatch.setenv("REFIMPL_BENCH_JSON", str(path))
    monkeypatch.setenv("REFIMPL_BACKEND", "numpy")
    rows = runner.report([dict(name="case A", refimpl={"best": 1.0, "median": 1.5}, peer={"best": 3.0, "median": 3.0},
                               peer_name="peer")], title="T")
    runner.record("case B", 0.25, title="T", n=10)
    assert rows[0]["ratio"] == 3.0 and "case A" in capsys.readouterr().out
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["case"] for r in lines] == ["case A", "case B"]
    assert lines[0]["ratio"] == 3.0 and lines[0]["seconds"] == 1.0 and lines[0]["seconds_median"] == 1.5
    assert lines[1]["n"] == 10 and lines[1]["env_backend"] == "numpy"


def test_record_without_the_variable_writes_nothing(runner, monkeypatch, tmp_path):
    monkeypatch.delenv("REFIMPL_BENCH_JSON", raising=False)
    runner.record("x", 1.0)  # no file, no error


def test_bench_backends_adds_the_environment_backend(runner, monkeypatch):
    monkeypatch.delenv("REFIMPL_BACKEND", raising=False)
    assert runner.bench_backends("numpy") == ["numpy"]
    monkeypatch.setenv("REFIMPL_BACKEND", "array_api_strict")
    assert runner.bench_backends("numpy") == ["numpy", "array_api_strict"]
    monkeypatch.setenv("REFIMPL_BACKEND", "cupy")
    from refimpl.backends import available_backends

    if available_backends()["cupy"] is not None:
        assert runner.bench_backends("numpy") == ["numpy"]  # unavailable: warned, not added
