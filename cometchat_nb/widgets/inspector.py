"""`Inspector`: the requests a session sends, as they happen, each open to its redacted JSON."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets

from .. import display
from ..models import Event
from ..transcript import Exchange
from .base import RENDER_INTERVAL, Coalescer, SessionWidget

if TYPE_CHECKING:
    from ..session import Session

_CSS = """<style>
.cc-inspector-table details { border-bottom: 1px solid var(--jp-border-color2, #e0e0e0);
  padding: 0.15em 0; }
.cc-inspector-table summary { cursor: pointer; font-family: var(--jp-code-font-family, monospace);
  white-space: nowrap; }
.cc-inspector-table .cc-fail { color: var(--jp-error-color1, #d32f2f); }
.cc-inspector-table pre { margin: 0.2em 0 0.4em 1.2em; max-height: 18em; overflow: auto;
  white-space: pre-wrap; word-break: break-all; }
.cc-inspector-table .cc-label { margin-left: 1.2em; color: var(--jp-content-font-color2, #666); }
</style>"""


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
            [ipywidgets.HBox([self.summary, self.clear_button]), self.table],
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
        return self.session.wire.har(self._exchanges)

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
        self._rows = {e: made[e] if e in made else _row(e) for e in shown}
        wire = self.session.wire
        dropped = f" · {display.escape(wire.summary())}" if wire.dropped or wire.cut else ""
        self.summary.value = (
            f"<b>Requests</b> <span>{len(shown)} shown, newest last{dropped}</span>"
        )
        rows = "".join(self._rows[e] for e in shown)
        self.table.value = _CSS + (rows or "<span class='cc-label'>no requests yet</span>")


def _row(exchange: Exchange) -> str:
    status = exchange.status
    failed = status is None or status >= 400
    outcome = exchange.error if status is None else str(status)
    retry = f" · attempt {exchange.attempt}" if exchange.attempt > 1 else ""
    summary = (
        f"{exchange.started.strftime('%H:%M:%S')} {display.escape(exchange.method):6} "
        f"{display.escape(exchange.path)} "
        f"<span class='{'cc-fail' if failed else 'cc-ok'}'>{display.escape(outcome)}</span> "
        f"{exchange.elapsed * 1000:.1f} ms{retry}"
    )
    request = {"headers": exchange.request_headers, "body": exchange.request_body}
    response = {"headers": exchange.response_headers, "body": exchange.response_body}
    return (
        f"<details class='cc-exchange'><summary>{summary}</summary>"
        f"<div class='cc-label'>request</div><pre>{_json(request)}</pre>"
        f"<div class='cc-label'>response</div><pre>{_json(response)}</pre>"
        f"<div class='cc-label'>curl</div><pre>{display.escape(exchange.curl())}</pre></details>"
    )


def _json(value: Any) -> str:
    return display.escape(json.dumps(value, indent=2, ensure_ascii=False, default=str))
