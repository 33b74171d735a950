"""The benchmark contract: a case times ours against a baseline, interleaved, in one run.

Each `benchmarks/bench_*.py` module exposes `cases(tiny: bool) -> list[Case]`. A case's
`ours` and `baseline` each run one measured repetition and return its seconds (so a case
may time only part of what it runs, or report a throughput as time per unit of work).
`ratio` is ours / baseline: a case is met when `ratio <= target`. A case may measure
something else than seconds (e.g. megabytes of memory) and name its `unit`. `extra` may name
further figures a case reports (e.g. front-end updates), each with its own ceiling.

`measure` runs a case: one warm-up of each side, then rounds of one repetition of each,
in alternating order, until both medians are stable (bounded by rounds and seconds).
The ratio is of the medians; min / median / max of each side are reported.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    """One row of the results table."""

    name: str
    ours: Callable[[], float]
    baseline: Callable[[], float]
    target: float  # the largest ours / baseline that meets the goal (math.inf: informational)
    note: str = ""  # how to read the ratio, e.g. "1/10 = 10x faster"
    extra: dict[str, tuple[Callable[[], float], float]] = field(default_factory=dict)
    min_rounds: int = 5  # rounds before the medians may be called stable
    max_rounds: int = 60  # at most this many rounds ...
    max_seconds: float = 30.0  # ... and, once min_rounds are done, at most this long
    unit: str = "s"  # what `ours` and `baseline` return: seconds, or e.g. "MB"
    once: bool = False  # a figure that does not vary (traced memory): one round, no warm-up


#: Both medians within this fraction of their value a few rounds ago: stable.
STABLE = 0.02
#: How many rounds back "a few rounds ago" is.
LOOKBACK = 3


@dataclass
class Stats:
    """Seconds of one side's repetitions."""

    samples: list[float]

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def as_dict(self) -> dict[str, Any]:
        return {"min": self.min, "median": self.median, "max": self.max, "n": len(self.samples)}


@dataclass
class Result:
    """A measured case: a row of the table and of the JSON."""

    case: Case
    ours: Stats
    baseline: Stats
    extra: dict[str, float]
    stable: bool
    seconds: float

    @property
    def ratio(self) -> float:
        return self.ours.median / self.baseline.median if self.baseline.median else math.inf

    @property
    def met(self) -> bool | None:
        """Whether the target (and every extra's ceiling) is met; None if informational."""
        if math.isinf(self.case.target):
            return None
        ceilings = all(self.extra[name] <= limit for name, (_, limit) in self.case.extra.items())
        return self.ratio <= self.case.target and ceilings

    def as_dict(self) -> dict[str, Any]:
        target = None if math.isinf(self.case.target) else self.case.target
        return {
            "case": self.case.name,
            "unit": self.case.unit,
            "ours": self.ours.as_dict(),
            "baseline": self.baseline.as_dict(),
            "ratio": self.ratio,
            "target": target,
            "met": self.met,
            "note": self.case.note,
            "extra": {
                name: {"value": self.extra[name], "ceiling": limit}
                for name, (_, limit) in self.case.extra.items()
            },
            "stable": self.stable,
            "seconds": self.seconds,
        }


def measure(case: Case, once: bool = False) -> Result:
    """Run `case` as the module docstring says; `once` (or `case.once`): one round, no
    warm-up (smoke runs, and figures that do not vary: such a case warms itself up)."""
    once = once or case.once
    start = time.perf_counter()
    if not once:
        case.ours(), case.baseline()
    ours: list[float] = []
    baseline: list[float] = []
    history: list[tuple[float, float]] = []
    stable = once
    for round_ in range(1 if once else case.max_rounds):
        sides = [(case.ours, ours), (case.baseline, baseline)]
        for run, samples in sides if round_ % 2 == 0 else reversed(sides):
            samples.append(run())
        history.append((statistics.median(ours), statistics.median(baseline)))
        if len(history) < max(case.min_rounds, LOOKBACK + 1):
            continue
        then = history[-1 - LOOKBACK]
        stable = all(
            abs(now - old) <= STABLE * old for now, old in zip(history[-1], then, strict=True)
        )
        if stable or time.perf_counter() - start > case.max_seconds:
            break
    extra = {name: float(figure()) for name, (figure, _) in case.extra.items()}
    return Result(case, Stats(ours), Stats(baseline), extra, stable, time.perf_counter() - start)
