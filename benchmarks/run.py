"""Run every benchmark case and print (and save) the results table.

    python benchmarks/run.py [--tiny] [--json PATH] [--markdown PATH] [-k TEXT]

Imports every `benchmarks/bench_*.py`, takes its `cases(tiny)` (see `harness.py`),
measures each case (ours and its baseline interleaved, repeated until the medians are
stable) and prints one row per case: ours, baseline, ratio, target, met. The table is
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
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # `import harness` and `benchmarks.harness`

from harness import Case, Result, measure  # noqa: E402


def modules() -> list[ModuleType]:
    """Every `bench_*.py` beside this file, imported, in name order."""
    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        found.append(module)
    return found


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
    return [
        case.name,
        f"{seconds(result.ours.median)} [{seconds(result.ours.min)}–{seconds(result.ours.max)}]",
        f"{seconds(result.baseline.median)} "
        f"[{seconds(result.baseline.min)}–{seconds(result.baseline.max)}]",
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


def markdown(rows: list[list[str]], results: list[Result], info: dict[str, Any]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `python benchmarks/run.py --markdown benchmarks/RESULTS.md`. Each case runs",
        "ours and its baseline interleaved in one process run, repeated until both medians are",
        "stable; the ratio is of the medians (ours / baseline, lower is better), met when it is at",
        "most the target. Absolute times on a shared machine mean little; the ratios count.",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        "| " + " | ".join(HEADER) + " |",
        "| " + " | ".join("---" for _ in HEADER) + " |",
    ]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    notes = [f"* {r.case.name}: {r.case.note}" for r in results if r.case.note]
    if notes:
        lines += ["", "Reading the ratios:", "", *notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="each case once, at a tiny size")
    parser.add_argument("--json", type=Path, help="where to write the results as JSON")
    parser.add_argument("--markdown", type=Path, help="where to write the table as Markdown")
    parser.add_argument("-k", dest="only", default="", help="run the cases whose name has this")
    args = parser.parse_args(argv)
    if args.json is None and not args.tiny:
        args.json = HERE / "results.json"
    info = machine()
    results: list[Result] = []
    rows: list[list[str]] = []
    for module in modules():
        cases: list[Case] = module.cases(args.tiny)
        for case in cases:
            if args.only.lower() not in case.name.lower():
                continue
            result = measure(case, once=args.tiny)
            results.append(result)
            rows.append(row(result))
            print(f"[{module.__name__}] " + " | ".join(rows[-1]), file=sys.stderr, flush=True)
    print(text_table(rows))
    records = [r.as_dict() for r in results]
    if args.json is not None:
        args.json.write_text(json.dumps({"machine": info, "cases": records}, indent=2) + "\n")
    if args.markdown is not None:
        kept = args.markdown.read_text() if args.markdown.exists() else ""
        notes = kept[kept.index(NOTES) :] if NOTES in kept else ""
        args.markdown.write_text(markdown(rows, results, info) + (f"\n{notes}" if notes else ""))
    return records


if __name__ == "__main__":
    main()
