"""Run every benchmark case and print (and save) the results table.

    python benchmarks/run.py [--tiny] [--json PATH] [--markdown PATH] [-k TEXT]

Takes the `cases(tiny)` of every `benchmarks/bench_*.py` (see `harness.py`), measures
each case in a fresh interpreter of its own (ours and its baseline interleaved, repeated
until the medians are stable) and prints one row per case: ours, baseline, ratio,
target, met. A process per case keeps a case's figures from depending on what ran
before it: run in one process, `users_frame` measured twice as slow after the event-log
cases than alone, their leftovers making every allocation dearer. The table is
written as JSON to `--json` (default `benchmarks/results.json`; none with `--tiny`),
and as Markdown with the machine it ran on to `--markdown` (e.g. `benchmarks/RESULTS.md`;
a `## Notes` section already there is kept).
`--tiny` runs each case once at a tiny size: a smoke run, its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # `import harness` and `benchmarks.harness`

from harness import Case, Result, measure  # noqa: E402


def module_names() -> list[str]:
    """The `bench_*` modules beside this file, in name order."""
    return [path.stem for path in sorted(HERE.glob("bench_*.py"))]


def load(name: str) -> ModuleType:
    """The benchmark module `name`, imported."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def machine() -> dict[str, Any]:
    import httpx
    import pandas

    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pandas": pandas.__version__,
        "httpx": httpx.__version__,
        "load average": [round(x, 2) for x in os.getloadavg()],
    }


def seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def row(result: Result) -> list[str]:
    case = result.case
    target = "—" if math.isinf(case.target) else f"<= {case.target:g}"
    extras = [
        f"{name} {result.extra[name]:g} (<= {limit:g})" for name, (_, limit) in case.extra.items()
    ]
    met = {True: "yes", False: "NO", None: "n/a"}[result.met]
    spread = "" if result.stable else " (unsettled)"

    def shown(value: float) -> str:
        return seconds(value) if case.unit == "s" else f"{value:,.1f} {case.unit}"

    return [
        case.name,
        f"{shown(result.ours.median)} [{shown(result.ours.min)}–{shown(result.ours.max)}]",
        f"{shown(result.baseline.median)} "
        f"[{shown(result.baseline.min)}–{shown(result.baseline.max)}]",
        f"{result.ratio:.2f}{spread}",
        target + (f"; {'; '.join(extras)}" if extras else ""),
        met,
    ]


#: Everything from this heading on in the Markdown file is kept when it is written again.
NOTES = "## Notes"

HEADER = ["case", "ours: median [min–max]", "baseline: median [min–max]", "ratio", "target", "met"]


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [HEADER, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(rows: list[list[str]], notes: list[str], info: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py --markdown benchmarks/RESULTS.md`. Each case runs",
        "in a fresh interpreter of its own, ours and its baseline interleaved, repeated until both",
        "medians are stable; the ratio is of the medians (ours / baseline, lower is better), met",
        "when it is at most the target. Absolute times on a shared machine mean little; the",
        "ratios count.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        "| " + " | ".join(HEADER) + " |",
        "| " + " | ".join("---" for _ in HEADER) + " |",
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    if notes:
        lines += ["", "Reading the ratios:", "", *(f"* {note}" for note in notes)]
    return "\n".join(lines) + "\n"


def in_this_process(module: str, index: int | None, tiny: bool) -> dict[str, Any]:
    """What a child process reports: the module's case names, and case `index` measured."""
    cases: list[Case] = load(module).cases(tiny)
    report: dict[str, Any] = {"names": [case.name for case in cases]}
    if index is not None:
        case = cases[index]
        result = measure(case, once=tiny)
        report.update(
            row=row(result),
            record=result.as_dict(),
            note=f"{case.name}: {case.note}" if case.note else "",
        )
    return report


def in_a_child(module: str, index: int | None, tiny: bool) -> dict[str, Any]:
    """`in_this_process` run by a fresh interpreter (its stderr passed through)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", module]
    command += [] if index is None else ["--index", str(index)]
    command += ["--tiny"] if tiny else []
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="each case once, at a tiny size")
    parser.add_argument("--json", type=Path, help="where to write the results as JSON")
    parser.add_argument("--markdown", type=Path, help="where to write the table as Markdown")
    parser.add_argument("-k", dest="only", default="", help="run the cases whose name has this")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a module: report as `in_a_child`
    parser.add_argument("--index", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(in_this_process(args.child, args.index, args.tiny)))
        return []
    if args.json is None and not args.tiny:
        args.json = HERE / "results.json"
    info = machine()
    records: list[dict[str, Any]] = []
    rows: list[list[str]] = []
    notes: list[str] = []
    for module in module_names():
        names = in_a_child(module, None, args.tiny)["names"]
        for index, name in enumerate(names):
            if args.only.lower() not in name.lower():
                continue
            report = in_a_child(module, index, args.tiny)
            records.append(report["record"])
            rows.append(report["row"])
            notes += [report["note"]] if report["note"] else []
            print(f"[{module}] " + " | ".join(rows[-1]), file=sys.stderr, flush=True)
    print(text_table(rows))
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": info, "cases": records}, indent=2) + "\n")
    if args.markdown is not None:
        kept = args.markdown.read_text() if args.markdown.exists() else ""
        kept_notes = kept[kept.index(NOTES) :] if NOTES in kept else ""
        args.markdown.write_text(
            markdown(rows, notes, info) + (f"\n{kept_notes}" if kept_notes else "")
        )
    return records


if __name__ == "__main__":
    main()
