"""One bulk call: its options checked, its rows, its plan, progress and results.

What the thread and task drivers share, so that neither holds a line of bookkeeping: the
input is read and its columns checked before anything is sent, a destructive call is
confirmed, the chunks are planned and handed to the driver, each done chunk goes to the
results, and an interrupted call marks the rows it never started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sized
from contextlib import closing, contextmanager
from typing import Any

import pandas as pd

from ..core.client import Flow
from ..errors import local_error
from ..ratelimit import RateLimits
from ..validation import check_flag
from .interrupt import Interruption
from .lookups import Snapshot
from .plan import Chunk, Options, Plan, Step, Verb, Writes, write
from .progress import Progress, ProgressOption, check_progress
from .results import RESULTS, Results
from .rows import Row, rows

#: What each verb's progress display says.
LABELS = {
    "create": "creating users", "update": "updating users", "upsert": "upserting users",
    "deactivate": "deactivating users", "delete": "deleting users",
}  # fmt: skip


def check_concurrency(concurrency: Any) -> int:
    """`concurrency` if it is a positive integer (`ValueError` otherwise)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a positive integer, not {concurrency!r}")
    return concurrency


class Job:
    """A bulk call's input, options, plan, progress and results (sends nothing)."""

    def __init__(
        self, verb: Verb, source: Any, writes: Writes, *, exist_ok: bool = False,
        reactivate: bool = False, dry_run: bool = False, confirm: bool = True,
        strict: bool = True, concurrency: int = 8, progress: ProgressOption = True,
        results: Any = None,
    ) -> None:  # fmt: skip
        flags = {"exist_ok": exist_ok, "reactivate": reactivate, "dry_run": dry_run,
                 "confirm": confirm}  # fmt: skip
        self.options = Options(verb, **{k: check_flag(k, v) for k, v in flags.items()})
        self.writes = writes
        self.concurrency = check_concurrency(concurrency)
        self.progress_option = check_progress(progress)
        self.in_memory = isinstance(source, pd.DataFrame | list | tuple)
        self.total = _total(source)
        self.source = rows(source, check_flag("strict", strict))
        first = next(self.source, None)  # an unknown column or a bad input raises here
        self.first = [] if first is None else [first]
        index = source.index.name if isinstance(source, pd.DataFrame) else None
        self.results = Results(results, index)
        self.progress: Progress | None = None
        self.plan: Plan | None = None

    @property
    def reads_app(self) -> bool:
        """Whether the call reads the app's users first (every plan, every call but a create)."""
        return self.options.dry_run or self.options.verb != "create"

    def _chunks(self) -> Iterator[list[Row]]:
        yield from self.first
        yield from self.source

    @contextmanager
    def running(
        self, limits: RateLimits, app: Snapshot | None
    ) -> Iterator[tuple[Plan, Interruption]]:
        """The plan, and the interruption watch, while the call runs (paced)."""
        self.confirm(app)

        def figures() -> str:
            return "; ".join(str(f) for f in limits.figures().values())

        label = LABELS[self.options.verb]
        progress = self.progress = Progress(self.total, self.progress_option, label, figures)
        plan = self.plan = Plan(
            self.options, self._chunks(), app, lambda step: progress.row_done(step.result or "")
        )
        with closing(plan), Interruption() as stop, limits.pacing():
            try:
                yield plan, stop
            finally:
                progress.end(stop.requested)

    def confirm(self, app: Snapshot | None) -> None:
        """A destructive call runs only with `confirm=True` (on every app, the emulator's
        too); otherwise it says what it would do."""
        options = self.options
        if options.verb not in ("deactivate", "delete") or options.confirm or options.dry_run:
            return
        dry = Options(options.verb, dry_run=True)
        with closing(Plan(dry, self._chunks(), app, lambda step: None)) as plan:
            count = sum(s.action == options.verb for chunk in plan.chunks() for s in chunk.steps)
        what = "permanently delete" if options.verb == "delete" else "deactivate"
        raise local_error(
            "CONFIRMATION_REQUIRED",
            f"This would {what} {count:,} user(s). Pass confirm=True to do it, or "
            "dry_run=True to see the plan.",
        )

    def chunks(self, plan: Plan, stop: Interruption) -> Iterator[Chunk]:
        """The planned chunks, for the driver to do their writes; each then into the results."""
        for chunk in plan.chunks():
            yield chunk
            for index in chunk.todo:
                if chunk.steps[index].result is None:
                    plan.not_started(chunk.steps[index])
            self.results.add(chunk)
            if stop.requested:
                break
        if stop.requested and self.in_memory:  # the rest is at hand: say it was left
            for rest in self.source:
                chunk = Chunk(rest, [Step("error") for _ in rest])
                for step in chunk.steps:
                    plan.not_started(step)
                self.results.add(chunk)

    def flow(self, chunk: Chunk, index: int) -> Flow[str]:
        """The flow of one row of a chunk: its planned writes."""
        return write(chunk.steps[index], chunk.rows[index], self.writes, self.options)

    def result(self, stop: Interruption) -> pd.DataFrame:
        """The result frame (with `results=`: the rows needing attention), and its
        `attrs`: `counts`, `dry_run`, `interrupted`."""
        frame = self.results.frame()
        held = {} if self.plan is None else self.plan.counts
        counts = {result: held[result] for result in RESULTS if result in held}
        frame.attrs.update(dry_run=self.options.dry_run, interrupted=stop.requested, counts=counts)
        if stop.requested:
            done = sum(n for result, n in counts.items() if result != "not_started")
            if self.options.verb == "create":
                hint = "rerun with exist_ok=True (or use upsert_users) to finish the rest"
            else:
                hint = "rerun the same call: it does only what is left"
            print(f"Interrupted after {done:,} rows: {hint}.", file=sys.stderr)
        return frame


def _total(source: Any) -> int | None:
    """How many rows `source` has, when that is known without reading it (a CSV's lines)."""
    if isinstance(source, pd.DataFrame | list | tuple):
        return len(source)
    if isinstance(source, os.PathLike | str) and os.path.isfile(source):
        with open(source, "rb") as file:
            return max(0, sum(1 for _ in file) - 1)
    return len(source) if isinstance(source, Sized) and not isinstance(source, str) else None
