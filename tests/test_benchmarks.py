"""The benchmarks still run (a few rounds; their numbers are not asserted)."""

from __future__ import annotations

import runpy
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_core_benchmark_runs() -> None:
    module = runpy.run_path(str(BENCHMARKS / "bench_core.py"))
    rows = module["main"](["--rounds", "3", "--import-rounds", "1"])
    assert rows[0][0].startswith("import cometchat_nb")
    assert all(ours > 0 and base > 0 for _, ours, base in rows)


def test_emulator_benchmark_cases_run() -> None:
    module = runpy.run_path(str(BENCHMARKS / "bench_emulator.py"))
    cases = module["cases"](True)
    assert [case.target for case in cases] == [2.0, 2.0]
    assert all(case.ours() > 0 and case.baseline() > 0 for case in cases)


def test_provisioning_benchmark_cases_run() -> None:
    module = runpy.run_path(str(BENCHMARKS / "bench_provisioning.py"))
    (case,) = module["cases"](True)
    assert case.target == 1.15 and case.baseline() == 3.0
    assert case.ours() > 0
    assert case.extra["rows failed"][0]() == 0
