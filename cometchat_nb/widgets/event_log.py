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

    from ..session import Session

ALL = "all"
KINDS = (ALL, "login", "logout", "user", "session", "listener")


class _Row:
    """An event held by the log, with its table row and text line once made (made once)."""

    __slots__ = ("_html", "_text", "event")

    def __init__(self, event: Event) -> None:
        self.event = event
        self._html: str | None = None
        self._text: str | None = None

    @property
    def html(self) -> str:
        if self._html is None:
            self._html = display.event_row(self.event)
        return self._html

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = display.event_text(self.event)
        return self._text


class EventLog(SessionWidget):
    """The session's events (`time`, `kind`, `name`, `detail`), newest at the bottom.

    Keeps the last `max_rows` events (the registry's recent ones to start with) and
    shows the last `shown_rows` of them: an HTML widget sends its whole value on every
    change, so a render sends at most `shown_rows` rows (about 16 KB at 100), and says
    how many more it holds (`to_frame()` has them) and how many it dropped.
    During a burst it re-renders at most once per `interval` seconds (spaced
    out further, up to a second, as a long burst goes on), and the last state
    always shows: in Jupyter by a trailing render on the kernel's
    event loop after the cell, elsewhere at the end of each session call (see
    `Coalescer`). Each event's row is made once and kept, so a render joins rows.
    Filter by kind; Clear empties it; `refresh()` renders now (e.g. after events
    fired outside a session call, in a script); `to_frame()` gives the events
    shown as a DataFrame.
    """

    describes = "the live log of the session's events (logins, logouts, users created, ...)"

    def __init__(
        self,
        session: Session,
        max_rows: int = 500,
        *,
        shown_rows: int = 100,
        interval: float = RENDER_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        for name, value in (("max_rows", max_rows), ("shown_rows", shown_rows)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        self.shown_rows = shown_rows
        self.dropped = 0  # events let go to keep `max_rows`
        self.kind = ipywidgets.Dropdown(options=KINDS, value=ALL, description="kind")
        self.clear_button = ipywidgets.Button(description="Clear", icon="trash")
        self.table = ipywidgets.HTML()
        self.table.add_class("cc-event-log")
        self._rows: deque[_Row] = deque(maxlen=max_rows)
        self.coalescer: Coalescer = Coalescer(self._render, interval, clock)
        super().__init__(
            session, [ipywidgets.HBox([self.kind, self.clear_button]), self.table], **kwargs
        )
        self.add_class("cc-event-log-box")
        self._rows.extend(_Row(e) for e in self.session.listeners.recent)
        self.kind.observe(lambda _change: self.coalescer.render(), names="value")
        self.clear_button.on_click(lambda _button: self.clear())
        self.coalescer.render()

    @property
    def events(self) -> list[Event]:
        """The events held, oldest first (after the kind filter; the table shows the last
        `shown_rows`)."""
        kind = self.kind.value
        return [r.event for r in self._rows if kind == ALL or r.event.kind == kind]

    @property
    def renders(self) -> int:
        """How many times the table has been rendered (coalescing makes this small)."""
        return self.coalescer.renders

    def clear(self) -> None:
        """Forget every event shown so far."""
        self._rows.clear()
        self.dropped = 0
        self.coalescer.render()

    def refresh(self) -> None:
        """Render now, e.g. after events fired outside a session call in a script."""
        self.coalescer.render()

    def to_frame(self) -> pd.DataFrame:
        """The events held as a DataFrame with the columns `time`, `kind`, `name`, `detail`."""
        from ..frames import events_frame

        return events_frame(self.events)

    def _on_event(self, event: Event) -> None:
        if len(self._rows) == self._rows.maxlen:
            self.dropped += 1
        self._rows.append(_Row(event))
        self.coalescer.touch()

    def _render(self) -> None:
        kind = self.kind.value
        rows = [r for r in self._rows if kind == ALL or r.event.kind == kind]
        shown = rows[-self.shown_rows :]
        texts = [r.text for r in shown[-display.MAX_ROWS :]]
        notes = []
        if len(rows) > len(shown):
            notes.append(f"{len(rows) - len(shown):,} earlier not shown (to_frame() has them)")
        if self.dropped:
            notes.append(f"{self.dropped:,} older dropped (max_rows={self._rows.maxlen:,})")
        note = f"<div class='cc-event-log-note'>{display.escape('; '.join(notes))}</div>"
        note = note if notes else ""
        self.table.value = note + display.events_log_html([r.html for r in shown], texts)
