"""What every cometchat-nb widget shares: a sync session, a registry subscription, coalescing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import ipywidgets

from ..models import Event
from ..session import Session
from .plain import PlainTextRepr

#: How often, at most, a widget re-renders during a burst of events (seconds).
RENDER_INTERVAL = 0.1
#: The longest a long burst's renders are spaced (seconds): the interval grows to it.
MAX_RENDER_INTERVAL = 1.0
#: How much the interval grows at each render within one burst.
BACKOFF = 1.5


#: The narrowest a widget gets beside another before the row wraps it under (see `side_by_side`).
MIN_WIDTH = "min(100%, 22em)"


def field_layout() -> ipywidgets.Layout:
    """A text field's layout: as wide as its form, up to a comfortable width."""
    return ipywidgets.Layout(width="auto", max_width="28em")


def widget_layout() -> ipywidgets.Layout:
    """A widget's own layout: it shares a row equally with its neighbours (whatever their
    content: an opened Inspector row does not squeeze a form), never narrower than
    `MIN_WIDTH`, never wider than its container."""
    return ipywidgets.Layout(flex="1 1 0%", min_width=MIN_WIDTH, max_width="100%")


def require_session(session: object, widget: str) -> Session:
    """`session` if it is a sync `Session`; else a `TypeError` that says what to pass."""
    if not isinstance(session, Session):
        hint = (
            " (widget callbacks are synchronous: open a Session on the same app for the widgets)"
            if type(session).__name__ == "AsyncSession"
            else ""
        )
        raise TypeError(
            f"{widget} needs a cometchat_nb.Session, not {type(session).__name__}{hint}"
        )
    return session


class Coalescer:
    """Runs `render` at most about once per `interval` while changes arrive; the last state shows.

    `touch()` after each change renders at once when the last render is at least
    an interval old, else marks the view stale. `flush()` (the end of a session
    call) renders a stale view if the interval has passed; if not, a trailing
    render is scheduled for when it has, on the asyncio loop running the calling
    thread. In Jupyter that is the kernel's loop (cells and widget callbacks run
    on it), so a burst spanning many session calls in one cell costs a render per
    interval plus one after the cell, all on the kernel thread. With no running
    loop (a script, plain pytest) nothing could render later, so `flush()`
    renders a stale view at once. No threads or timers of its own.

    Within one burst the interval grows by `BACKOFF` at each render, up to
    `max_interval`, so a long burst costs a handful of front-end updates, not ten a
    second; a change after a quiet spell starts again at `interval`. `clock` is
    injectable for tests.
    """

    def __init__(
        self,
        render: Callable[[], None],
        interval: float = RENDER_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        max_interval: float = MAX_RENDER_INTERVAL,
    ) -> None:
        self._render = render
        self.interval = interval
        self.max_interval = max(interval, max_interval)
        self._gap = interval  # the interval now: grows during a burst
        self._clock = clock
        self._last: float | None = None  # the last paced render
        self._changed: float | None = None  # the last change
        self._trailing: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop it is due on
        self.stale = False
        self.renders = 0

    def touch(self) -> None:
        """A change: render now if the last render is an interval old, else later."""
        now = self._clock()
        if self._changed is None or now - self._changed >= self._gap:
            self._gap = self.interval  # after a quiet spell: a new burst
        self._changed = now
        if self._last is not None and now - self._last < self._gap:
            self.stale = True
            self._trail(now)
            return
        self._render_at(now)

    def flush(self) -> None:
        """The end of a session call: show a stale view now, or by a trailing render."""
        if not self.stale:
            return
        now = self._clock()
        too_soon = self._last is not None and now - self._last < self._gap
        if too_soon and self._trail(now):
            return  # the trailing render will show it
        self._render_at(now)

    def render(self) -> None:
        """Render now, for an explicit change (a filter, Clear, a new widget).

        It does not delay the next change's render: the interval paces bursts only.
        """
        self.stale = False
        self.renders += 1
        self._render()

    @property
    def pending(self) -> bool:
        """Whether a trailing render is due."""
        return self._trailing is not None

    def cancel(self) -> None:
        """Drop a pending trailing render (the widget is closing)."""
        if self._trailing is not None:
            self._trailing.cancel()
        self._trailing = self._loop = None

    def _render_at(self, now: float) -> None:
        if self._last is not None and now - self._last < 2 * self._gap:  # within a burst
            self._gap = min(self._gap * BACKOFF, self.max_interval)
        self._last = now
        self.render()

    def _trail(self, now: float) -> bool:
        """Make sure a trailing render is due on the loop running this thread; False if none.

        One pending on another loop (say, one `asyncio.run` that has ended) does not count.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._trailing is not None and self._loop is loop:
            return True
        assert self._last is not None
        delay = max(0.0, self._last + self._gap - now)
        self._trailing, self._loop = loop.call_later(delay, self._on_trailing, loop), loop
        return True

    def _on_trailing(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            return  # superseded by one on the loop running now
        self._trailing = self._loop = None
        if self.stale:
            self._render_at(self._clock())


class SessionWidget(PlainTextRepr, ipywidgets.VBox):  # type: ignore[misc]
    """A `VBox` bound to a sync `Session`, subscribed to its events until `close()`.

    Its `text/plain` form (what a notebook shows before it runs) says what it is.
    A widget that renders paced sets `coalescer`: flushed at the end of each
    session call, its pending render dropped on `close()`.
    """

    coalescer: Coalescer | None = None

    def __init__(
        self, session: Session, children: list[Any], *, http: bool = False, **kwargs: Any
    ) -> None:
        self.session = require_session(session, type(self).__name__)
        kwargs.setdefault("layout", widget_layout())
        super().__init__(children=children, **kwargs)
        self._subscription = self.session.listeners.subscribe(
            self._on_event, on_flush=self._on_flush, http=http
        )

    def _on_event(self, event: Event) -> None:
        """React to one of the session's events (runs on the thread that fired it)."""

    def _on_flush(self) -> None:
        """The session call that fired the last events has ended: show a stale view."""
        if self.coalescer is not None:
            self.coalescer.flush()

    def _report(self, during: str, exc: BaseException) -> None:
        """Send a click handler's exception to the event log (the caller shows it too)."""
        self.session.listeners.report(type(self).__name__, during, exc)

    def close(self) -> None:
        """Unsubscribe from the session's events and close this widget and its parts."""
        subscription = getattr(self, "_subscription", None)  # None if __init__ failed
        if subscription is not None:
            subscription.unsubscribe()
        if self.coalescer is not None:  # a pending render is dropped
            self.coalescer.cancel()
        for child in descendants(self):
            child.close()
        super().close()


def descendants(widget: Any) -> list[Any]:
    """Every widget inside `widget`, at any depth, each after its own descendants."""
    found: list[Any] = []
    for child in getattr(widget, "children", ()):
        found.extend(descendants(child))
        found.append(child)
    return found
