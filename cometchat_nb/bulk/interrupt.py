"""Ctrl-C during a bulk call: the first stops handing out rows, the second stops waiting.

A Jupyter kernel interrupt is a SIGINT to the kernel's main thread. While a bulk call runs
there, the signal is counted instead of raised, so no row's bookkeeping is cut half way;
the drivers look at the count between rows. Elsewhere (another thread, a custom handler)
a `KeyboardInterrupt` the driver catches, or a task's cancellation, counts the same.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class Interruption:
    """Ctrl-C while a bulk call runs: counted, not raised (while inside, in the main thread).

    Elsewhere (another thread, a custom handler) a `KeyboardInterrupt` the driver catches
    counts the same, through `interrupt()`.
    """

    def __init__(self) -> None:
        self.count = 0
        self.previous: Any = None

    def __enter__(self) -> Interruption:
        in_main = threading.current_thread() is threading.main_thread()
        if in_main and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The SIGINT handler: counts, never raises (the drivers look between rows)."""
        self.interrupt()

    def interrupt(self) -> None:
        self.count += 1

    @property
    def requested(self) -> bool:
        return self.count > 0

    @property
    def abandoned(self) -> bool:
        return self.count > 1
