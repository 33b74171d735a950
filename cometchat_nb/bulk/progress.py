"""The progress of a bulk call: a notebook bar, a terminal bar, or nothing; told truthfully.

`progress=True` picks an `IntProgress` bar (class `cc-progress`) inside a running IPython
kernel and a `tqdm` bar on stderr elsewhere; `False` shows nothing; an
`ipywidgets.IntProgress` is driven as given. Both show the rows done and what they came to
("250 created, 1 failed"), the rate and the time left as they go; the end says how many
failed, or that the call was interrupted.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from ipywidgets import IntProgress

#: What `progress=` takes: True (a bar in a notebook, text elsewhere), False, or a bar.
ProgressOption: TypeAlias = "bool | IntProgress"
#: Seconds between two redraws (the last row is always drawn).
REDRAW = 0.2


def in_kernel() -> bool:
    """True inside a running IPython kernel (a notebook), where widgets can show."""
    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def check_progress(progress: Any) -> ProgressOption:
    """`progress` if it is True, False or an `ipywidgets.IntProgress` (`TypeError` otherwise)."""
    if isinstance(progress, bool):
        return progress
    import ipywidgets

    if not isinstance(progress, ipywidgets.IntProgress):
        raise TypeError(
            f"progress= takes True, False or an ipywidgets.IntProgress, not {progress!r}"
        )
    return progress


class Progress:
    """Rows done out of `total` (None: not known ahead), failures, rate and time left;
    `note` (the rate-limit figures) beside them."""

    def __init__(
        self, total: int | None, progress: ProgressOption, label: str,
        note: Callable[[], str] | None = None, clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.total, self.label, self.note, self.clock = total, label, note, clock
        self.done = self.failed = 0
        self.counts: dict[str, int] = {}
        self.started = self.drawn = clock()
        self.bar: Any = None
        self.text: Any = None
        if progress is True and in_kernel():
            import ipywidgets
            from IPython.display import display

            self.bar = ipywidgets.IntProgress(min=0, max=total or 1, description=label)
            display(self.bar)  # type: ignore[no-untyped-call]
        elif progress is True:
            from tqdm import tqdm  # type: ignore[import-untyped]

            self.text = tqdm(total=total, desc=label, unit="row", file=sys.stderr)
        elif progress is not False:
            self.bar = progress
            self.bar.value, self.bar.min, self.bar.max = 0, 0, total or 1
        if self.bar is not None:
            self.bar.add_class("cc-progress")
            self.bar.style.description_width = "initial"

    def row_done(self, result: str) -> None:
        """One more row done, with `result` (`created`, ..., `error`)."""
        self.done += 1
        self.failed += result == "error"
        self.counts[result] = self.counts.get(result, 0) + 1
        now = self.clock()
        if now - self.drawn >= REDRAW or self.done == self.total:
            self.drawn = now
            self._draw(None)

    def end(self, interrupted: bool) -> None:
        """The call is over: say how it ended."""
        self._draw("interrupted" if interrupted else "done")

    def tally(self) -> str:
        """The rows done so far by result: "250 created, 1 failed"."""
        shown = sorted(self.counts.items(), key=lambda item: item[0] == "error")
        return ", ".join(f"{n:,} {'failed' if r == 'error' else r}" for r, n in shown)

    def figures(self) -> str:
        """The tally, rate, time left and the rate-limit figures, as one line."""
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        parts = [self.tally()] if self.counts else []
        parts.append(f"{rate:,.0f} rows/s")
        if self.total and rate > 0 and self.done < self.total:
            left = int((self.total - self.done) / rate)
            parts.append(f"{left // 3600}:{left // 60 % 60:02d}:{left % 60:02d} left")
        if self.note is not None and (note := self.note()):
            parts.append(note)
        return "; ".join(parts)

    def _draw(self, ending: str | None) -> None:
        count = f"{self.done:,}" + (f"/{self.total:,}" if self.total is not None else "")
        tally = f": {self.tally()}" if self.counts else ""
        if self.bar is not None:
            self.bar.max = max(self.bar.max, self.done)
            self.bar.value = self.done
            self.bar.tooltip = self.figures()
            if ending == "interrupted":
                self.bar.description = f"interrupted at {count}{tally}"
                self.bar.bar_style = "danger"
            else:
                self.bar.description = f"{count}{tally}"
            if ending == "done":
                self.bar.bar_style = "warning" if self.failed else "success"
        elif self.text is not None:
            self.text.set_postfix_str(self.figures(), refresh=False)
            self.text.update(self.done - self.text.n)
            if ending == "interrupted":
                self.text.set_description(f"{self.label} (interrupted)", refresh=False)
            if ending is not None:
                self.text.close()
