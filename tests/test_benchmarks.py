"""Every benchmark case runs, once, at a tiny size, each in its own process (its numbers
are not asserted)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_every_case_runs_at_a_tiny_size(tmp_path: Path) -> None:
    run = runpy.run_path(str(BENCHMARKS / "run.py"))
    out = tmp_path / "results.json"
    records = run["main"](["--tiny", "--json", str(out)])
    expected = sum(len(run["load"](name).cases(True)) for name in run["module_names"]())
    assert len(records) == expected > 0
    names = [r["case"] for r in records]
    assert any(n.startswith("import cometchat_nb") for n in names)
    assert any(n.startswith("EventLog") for n in names)
    assert json.loads(out.read_text())["cases"] == json.loads(json.dumps(records))
    for record in records:
        assert record["ours"]["n"] == record["baseline"]["n"] == 1
        least = 0 if record["unit"] == "MB" else 1e-12  # memory added may be none at all
        assert record["ours"]["median"] >= least and record["baseline"]["median"] >= least
        assert set(record) >= {"ratio", "target", "met", "extra"}


def test_provisioning_benchmark_cases_run() -> None:
    module = runpy.run_path(str(BENCHMARKS / "bench_provisioning.py"))
    (case,) = module["cases"](True)
    assert case.target == 1.15 and case.baseline() == 3.0
    assert case.ours() > 0
    assert case.extra["rows failed"][0]() == 0
