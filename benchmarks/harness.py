"""The benchmark contract: a case times ours against a baseline, interleaved, in one run.

Each `benchmarks/bench_*.py` module exposes `cases(tiny: bool) -> list[Case]`. A case's
`ours` and `baseline` each run one measured repetition and return its seconds (so a case
may time only part of what it runs, or report a throughput as time per unit of work).
`ratio` is ours / baseline: a case is met when `ratio <= target`. `extra` may name
further figures a case reports (e.g. front-end updates), each with its own ceiling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    """One row of the results table."""

    name: str
    ours: Callable[[], float]
    baseline: Callable[[], float]
    target: float  # the largest ours / baseline that meets the goal
    note: str = ""  # how to read the ratio, e.g. "1/10 = 10x faster"
    extra: dict[str, tuple[Callable[[], float], float]] = field(default_factory=dict)
