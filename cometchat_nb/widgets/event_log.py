"""`EventLog`: a live, bounded table of a session's events."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets

from .. import display
from ..models import Event
from .base import RENDER_INTERVAL, Coalescer, SessionWidget

if TYPE_CHECKING:
    import pandas as pd

ALL = "all"
KINDS = (ALL, "login", "logout", "user", "session", "listener")


class EventLog(SessionWidget):
    """The session's events (`time`, `kind`, `name`, `detail`), newest at the bottom.

    Keeps the last `max_rows` events (the registry's recent ones to start with).
    During a burst it re-renders at most once per `interval` seconds, and once
    more at the end of the session call that fired the events. Filter by kind;
    Clear empties it; `to_frame()` gives the events shown as a DataFrame.
    """

    describes = "the live log of the session's events (logins, logouts, users created, ...)"

    def __init__(
        self,
        session: Any,
        max_rows: int = 500,
        *,
        interval: float = RENDER_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise ValueError(f"max_rows must be a positive integer, not {max_rows!r}")
        self.kind = ipywidgets.Dropdown(options=KINDS, value=ALL, description="kind")
        self.clear_button = ipywidgets.Button(description="Clear", icon="trash")
        self.table = ipywidgets.HTML()
        self.table.add_class("cc-event-log")
        self._events: deque[Event] = deque(maxlen=max_rows)
        self._coalescer = Coalescer(self._render, interval, clock)
        super().__init__(
            session, [ipywidgets.HBox([self.kind, self.clear_button]), self.table], **kwargs
        )
        self.add_class("cc-event-log-box")
        self._events.extend(self.session.listeners.recent)
        self.kind.observe(lambda _change: self._coalescer.render(), names="value")
        self.clear_button.on_click(lambda _button: self.clear())
        self._coalescer.render()

    @property
    def events(self) -> list[Event]:
        """The events shown, oldest first (after the kind filter)."""
        kind = self.kind.value
        return [e for e in self._events if kind == ALL or e.kind == kind]

    @property
    def renders(self) -> int:
        """How many times the table has been rendered (coalescing makes this small)."""
        return self._coalescer.renders

    def clear(self) -> None:
        """Forget every event shown so far."""
        self._events.clear()
        self._coalescer.render()

    def refresh(self) -> None:
        """Render now, e.g. after events fired outside a session call."""
        self._coalescer.render()

    def to_frame(self) -> pd.DataFrame:
        """The events shown as a DataFrame with the columns `time`, `kind`, `name`, `detail`."""
        from ..frames import events_frame

        return events_frame(self.events)

    def _on_event(self, event: Event) -> None:
        self._events.append(event)
        self._coalescer.touch()

    def _on_flush(self) -> None:
        self._coalescer.flush()

    def _render(self) -> None:
        self.table.value = display.events_log(self.events)
