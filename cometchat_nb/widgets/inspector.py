"""`Inspector`: the requests a session sends, as they happen, each open to its redacted JSON."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets

from ..display import forms
from ..models import Event
from ..transcript import Exchange
from .base import RENDER_INTERVAL, Coalescer, SessionWidget

if TYPE_CHECKING:
    from ..session import Session


class Inspector(SessionWidget):
    """The session's requests (method, path, status, time, attempt), newest last.

    Click a row to open it: the request and the response as JSON, and a `curl`
    command to repeat it, every key and token masked (`${API_KEY}`, `${AUTH_TOKEN}`
    in the command). Starts with the session's transcript; keeps the last
    `max_rows`; renders coalesced like the event log. The summary says what the
    transcript dropped or cut to stay within its bounds. Each request's row is made
    once and kept while shown, so a render joins rows. `har()` gives the requests
    shown as a HAR 1.2 log.
    """

    describes = "see each request the session sends, and open it to its redacted JSON"

    def __init__(
        self,
        session: Session,
        max_rows: int = 200,
        *,
        interval: float = RENDER_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        **kwargs: Any,
    ) -> None:
        if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1:
            raise ValueError(f"max_rows must be a positive integer, not {max_rows!r}")
        self.clear_button = ipywidgets.Button(description="Clear", icon="trash")
        self.summary = ipywidgets.HTML()
        self.table = ipywidgets.HTML()
        self.table.add_class("cc-inspector-table")
        self._exchanges: deque[Exchange] = deque(maxlen=max_rows)
        self._rows: dict[Exchange, str] = {}  # the row of each exchange shown, made once
        self.coalescer: Coalescer = Coalescer(self._render, interval, clock)
        super().__init__(
            session,
            [
                ipywidgets.HBox(
                    [self.summary, self.clear_button],
                    layout=ipywidgets.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.table,
            ],
            http=True,
            **kwargs,
        )
        self.add_class("cc-inspector")
        self._exchanges.extend(self.session.wire)
        self.clear_button.on_click(lambda _button: self.clear())
        self.coalescer.render()

    @property
    def exchanges(self) -> list[Exchange]:
        """The requests shown, oldest first."""
        return list(self._exchanges)

    def har(self) -> dict[str, Any]:
        """The requests shown as a HAR 1.2 log (secrets masked)."""
        log = self.session.wire.har(self._exchanges)
        if self.session.in_process:
            log["log"]["comment"] = forms.EMBEDDED_NOTE  # no server answers these URLs
        return log

    def clear(self) -> None:
        """Forget the requests shown so far (the session's transcript keeps them)."""
        self._exchanges.clear()
        self.coalescer.render()

    def _on_event(self, event: Event) -> None:
        if event.kind == "http" and isinstance(event.payload, Exchange):
            self._exchanges.append(event.payload)
            self.coalescer.touch()

    def _render(self) -> None:
        """Rows of `<details>`: a summary line each, opening to the redacted JSON and `curl`.

        An exchange never changes once recorded, so its row is kept from the last
        render; rows no longer shown are dropped.
        """
        shown, made = list(self._exchanges), self._rows
        self._rows = {e: made[e] if e in made else forms.exchange_row(e) for e in shown}
        wire = self.session.wire
        dropped = wire.summary() if wire.dropped or wire.cut else ""
        self.summary.value = forms.inspector_summary(len(shown), dropped)
        rows = "".join(self._rows[e] for e in shown)
        self.table.value = forms.inspector_table(rows, recording=self.session.wire.size > 0)
