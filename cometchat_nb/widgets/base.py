"""What every cometchat-nb widget shares: a sync session, a registry subscription, coalescing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets

from ..display import escape
from ..errors import CometChatException
from ..models import Event
from ..secret import redact
from ..session import Session
from .plain import PlainTextRepr

#: How often, at most, a widget re-renders during a burst of events (seconds).
RENDER_INTERVAL = 0.1


def error_html(error: BaseException) -> str:
    """An error as a status line: its code (or type) and message, escaped and redacted."""
    if isinstance(error, CometChatException):
        code, message = error.code, error.message
    else:
        code, message = type(error).__name__, str(error)
    return (
        "<span style='color: var(--jp-error-color1, #d32f2f)'>"
        f"<b>{escape(code)}</b>: {escape(redact(message))}</span>"
    )


def require_session(session: Any, widget: str) -> Session:
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
    """Runs `render` at most once per `interval` while changes arrive, and on `flush` if late.

    `touch()` after each change renders at once when the last render is older
    than `interval`, else marks the view stale; `flush()` (the end of the session
    call) renders a stale view. No timers or threads: a burst of N events costs
    at most `duration / interval + 2` renders. `clock` is injectable for tests.
    """

    def __init__(
        self,
        render: Callable[[], None],
        interval: float = RENDER_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._render = render
        self.interval = interval
        self._clock = clock
        self._last: float | None = None
        self.stale = False
        self.renders = 0

    def touch(self) -> None:
        now = self._clock()
        if self._last is not None and now - self._last < self.interval:
            self.stale = True
            return
        self._last = now
        self.render()

    def flush(self) -> None:
        if self.stale:
            self._last = self._clock()
            self.render()

    def render(self) -> None:
        self.stale = False
        self.renders += 1
        self._render()


class SessionWidget(PlainTextRepr, ipywidgets.VBox):  # type: ignore[misc]
    """A `VBox` bound to a sync `Session`, subscribed to its events until `close()`.

    Its `text/plain` form (what a notebook shows before it runs) says what it is.
    """

    def __init__(self, session: Any, children: list[Any], **kwargs: Any) -> None:
        self.session = require_session(session, type(self).__name__)
        super().__init__(children=children, **kwargs)
        self._subscription = self.session.listeners.subscribe(
            self._on_event, on_flush=self._on_flush
        )

    def _on_event(self, event: Event) -> None:
        """React to one of the session's events (runs on the thread that fired it)."""

    def _on_flush(self) -> None:
        """The session call that fired the last events has ended."""

    def _report(self, during: str, exc: BaseException) -> None:
        """Send a click handler's exception to the event log (the caller shows it too)."""
        self.session.listeners.report(type(self).__name__, during, exc)

    def close(self) -> None:
        """Unsubscribe from the session's events and close this widget and its parts."""
        subscription = getattr(self, "_subscription", None)  # None if __init__ failed
        if subscription is not None:
            subscription.unsubscribe()
        for child in _descendants(self):
            child.close()
        super().close()


def _descendants(widget: Any) -> list[Any]:
    found: list[Any] = []
    for child in getattr(widget, "children", ()):
        found.extend(_descendants(child))
        found.append(child)
    return found
