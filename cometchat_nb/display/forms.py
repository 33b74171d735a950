"""The widgets' HTML: status lines, the Inspector's rows, printed text (pure functions).

Each form says what its own last click did, and says plainly when the login
changed under it (a cell, another widget, another session on the same store).
Everything shown goes through `escape`, and messages through `redact`.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import CometChatException
from ..models import User
from ..secret import redact
from ..transcript import Exchange
from ..wire import EMULATOR_IN_PROCESS_URL
from . import detail_text, error_line, escape

#: Why the Inspector's `curl` cannot repeat a request sent to the embedded emulator.
EMBEDDED_NOTE = (
    "This request went to the emulator inside this kernel: nothing listens at "
    f"{EMULATOR_IN_PROCESS_URL}, so this command does not run as is. To repeat requests with "
    "curl, serve an emulator (cometchat-nb emulator) and set COMETCHAT_EMULATOR_HOST."
)


#: The forms' own stylesheet: a status line breaks a long uid or token rather than poke out of
#: a narrow form (carried by a note of the form, as the Inspector carries its rows' CSS).
FORM_CSS = (
    "<style>.cc-login-status, .cc-user-status, .cc-user-table { overflow-wrap: anywhere; }</style>"
)


def dim(text: str) -> str:
    """Already-escaped `text` in the secondary colour, small."""
    return f"<small style='color: var(--jp-content-font-color2, #616161)'>{text}</small>"


def who_html(user: User | None, logged_in: str = "Logged in") -> str:
    """Who is logged in, in words: `Logged in as <uid> (<name>)` or `Not logged in`."""
    if user is None:
        return "Not logged in"
    name = f" ({escape(user.name)})" if user.name else ""
    return f"{logged_in} as <code>{escape(user.uid)}</code>{name}"


def status_html(
    user: User | None,
    error: BaseException | None = None,
    before: User | None = None,
    elsewhere: str | None = None,
) -> str:
    """A login form's status: its last click's outcome, and who is logged in now.

    After a failed click it says whether the login that was there (`before`)
    survived: a failed login ends it first, as CometChat's SDK does. `elsewhere`
    says what changed the login since this form's last click, if anything did.
    """
    if elsewhere is not None:
        return f"{who_html(user)}<br>{dim(escape(elsewhere))}"
    if error is None:
        return who_html(user)
    if before is not None and (user is None or user.uid != before.uid):
        ended = (
            f"<code>{escape(before.uid)}</code> is logged out: "
            "a login attempt ends the current login first"
        )
        return f"{error_line(error)}<br>{who_html(user)} ({ended})"
    return f"{error_line(error)}<br>{who_html(user, 'Still logged in')}"


def created_html(user: User) -> str:
    """The user table's line after a create: the user made."""
    name = f" ({escape(user.name)})" if user.name else ""
    return f"Created <code>{escape(user.uid)}</code>{name}"


def row_error_html(uid: str, name: str, error: BaseException) -> str:
    """A create the service refused, as a row: what was asked, then why not."""
    asked = escape(uid) if uid else "<i>empty</i>"
    why = error_line(error)
    if isinstance(error, CometChatException) and error.details:  # which field, and why
        why += "".join(
            f"<br><code>{escape(field)}</code>: {escape(redact(detail_text(problem)))}"
            for field, problem in error.details.items()
        )
    return (
        "<table class='cc-row-errors' style='border-collapse: collapse'><tr>"
        f"<td style='padding-right: 0.6em'>not created: <code>{asked}</code> "
        f"{escape(name)}</td><td>{why}</td></tr></table>"
    )


def printed_html(text: str) -> str:
    """What the listeners printed during a click's call, under the form."""
    return (
        f"<div>{dim('printed during this call (by your listeners):')}</div>"
        "<pre style='margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; "
        f"line-height: 1.3'>{escape(redact(text))}</pre>"
    )


# -- the Inspector -------------------------------------------------------------

INSPECTOR_CSS = """<style>
.cc-inspector-table details { border-bottom: 1px solid var(--jp-border-color2, #e0e0e0);
  padding: 0.15em 0; }
.cc-inspector-table summary { cursor: pointer; font-family: var(--jp-code-font-family, monospace);
  white-space: normal; overflow-wrap: anywhere; }
.cc-inspector-table .cc-fail { color: var(--jp-error-color1, #d32f2f); }
.cc-inspector-table .cc-path { overflow-wrap: anywhere; }
.cc-inspector-table pre { margin: 0.2em 0 0.4em 1.2em; max-height: 18em; overflow: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.cc-inspector-table .cc-label { margin-left: 1.2em; color: var(--jp-content-font-color2, #666); }
</style>"""


def inspector_summary(shown: int, dropped: str = "") -> str:
    """The Inspector's heading: how many requests it shows, and what the transcript dropped."""
    more = f" · {escape(dropped)}" if dropped else ""
    return f"<b>Requests</b> <span>{shown} shown, newest last{more}</span>"


def inspector_table(rows: str, recording: bool = True) -> str:
    """The Inspector's rows with their stylesheet, or a line saying why there are none."""
    if rows:
        return INSPECTOR_CSS + rows
    why = (
        "no requests yet"
        if recording
        else "this session keeps no requests (Session(keep_requests=0)): nothing to show"
    )
    return f"{INSPECTOR_CSS}<span class='cc-label'>{why}</span>"


def exchange_row(exchange: Exchange) -> str:
    """One request as a `<details>` row: status first (it must not fall off a narrow view),
    then method, path, time and attempt; open, its redacted JSON and a `curl` command."""
    status = exchange.status
    failed = status is None or status >= 400
    outcome = exchange.error if status is None else str(status)
    retry = f" · attempt {exchange.attempt}" if exchange.attempt > 1 else ""
    summary = (
        f"<span class='{'cc-fail' if failed else 'cc-ok'}'>{escape(outcome)}</span> "
        f"{escape(exchange.method)} <span class='cc-path'>{escape(exchange.path)}</span> "
        f"<span class='cc-label'>{exchange.elapsed * 1000:.1f} ms · "
        f"{exchange.started.strftime('%H:%M:%S')}{retry}</span>"
    )
    request = {"headers": exchange.request_headers, "body": exchange.request_body}
    response = {"headers": exchange.response_headers, "body": exchange.response_body}
    note = ""
    if exchange.url.startswith(EMULATOR_IN_PROCESS_URL):
        note = f"<div class='cc-label cc-curl-note'>{escape(EMBEDDED_NOTE)}</div>"
    return (
        f"<details class='cc-exchange'><summary>{summary}</summary>"
        f"<div class='cc-label'>request</div><pre>{_json(request)}</pre>"
        f"<div class='cc-label'>response</div><pre>{_json(response)}</pre>"
        f"<div class='cc-label'>curl</div>{note}<pre>{escape(exchange.curl())}</pre></details>"
    )


def _json(value: Any) -> str:
    return escape(json.dumps(value, indent=2, ensure_ascii=False, default=str))
