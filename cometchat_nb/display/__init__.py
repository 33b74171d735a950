"""HTML and text reprs for notebooks: small pure functions that return strings.

Every user-supplied string goes through `html.escape`; colours come from
JupyterLab's `--jp-*` variables with fallbacks, so light and dark themes both
read well; each repr carries a `<pre>` text fallback, shown instead of the
HTML body where the stylesheet is stripped (an untrusted notebook in JupyterLab,
a sanitising viewer), and an element id derived from its content, so notebook
outputs are byte-stable. No function here ever receives or prints a secret's value: keys
and tokens arrive as `Secret` and are shown masked.
"""

from __future__ import annotations

import hashlib
import html
import json
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..errors import CometChatException
from ..models import AuthToken, Event, User
from ..secret import Secret, redact
from ..style import CSS
from ..wire import emulator_avatar_data_uri, emulator_avatar_uid

RECENT_EVENTS = 5
MAX_ROWS = 50
#: The widest line a text form should have: a narrow notebook (800 px) shows 80 columns.
TEXT_WIDTH = 80
#: The text fallback wraps between words: JupyterLab's output `<pre>` breaks anywhere
#: (`word-break: break-all`), and its sanitiser keeps these inline properties.
TEXT_STYLE = "white-space: pre-wrap; word-break: normal; overflow-wrap: break-word"


def fold(text: str, width: int = TEXT_WIDTH) -> str:
    """`text` with each line longer than `width` wrapped between words, continued indented."""
    lines: list[str] = []
    for line in text.splitlines():
        indent = " " * min(len(line) - len(line.lstrip()) + 2, width // 2)
        lines.extend(
            textwrap.wrap(
                line, width, subsequent_indent=indent, break_long_words=False,
                break_on_hyphens=False,
            ) or [""]
        )  # fmt: skip
    return "\n".join(lines)


def escape(value: object) -> str:
    """`html.escape` of any value's text (a `User` built by hand may hold non-strings)."""
    return html.escape(str(value))


def element_id(kind: str, content: str) -> str:
    """An id for an element, derived from what it shows (stable across runs)."""
    return f"cc-{kind}-{hashlib.sha1(content.encode()).hexdigest()[:12]}"


def wrap(kind: str, body: str, text: str) -> str:
    """A complete repr: the CSS, a `<pre>` text fallback and the HTML body.

    One of the two shows: the stylesheet hides the fallback and reveals the body,
    which carries `hidden='hidden'` (with a value: sanitisers drop empty attributes),
    so that where `<style>` is stripped but attributes are kept (JupyterLab's
    sanitiser, for an untrusted notebook), the text shows once, not twice.
    """
    content = (
        f"<pre class='cc-text-repr-fallback' style='{TEXT_STYLE}'>{escape(text)}</pre>"
        f"<div class='cc-body' hidden='hidden'>{body}</div>"
    )
    return f"{CSS}<div class='cc-repr cc-{kind}' id='{element_id(kind, content)}'>{content}</div>"


# -- small pieces ------------------------------------------------------------


def when(moment: datetime | None) -> str:
    """A UTC timestamp as `2024-05-29 16:26:40 UTC`, or an empty string."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def secret(value: Secret | None) -> str:
    """A secret as its masked form, or `not set`."""
    return "not set" if value is None else escape(value.masked)


def _web_url(url: Any) -> str | None:
    """`url` when it is an http(s) string, else None (no `javascript:` links)."""
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _link(url: str | None) -> str:
    """An http(s) URL as a link; anything else as text."""
    web = _web_url(url)
    if web is None:
        return escape(url or "")
    return f"<a href='{escape(web)}' target='_blank' rel='noopener'>{escape(web)}</a>"


def _avatar(user: User, css: str) -> str:
    url = _web_url(user.avatar)
    if url is not None and (uid := emulator_avatar_uid(url)):  # in-process: drawn inline
        url = emulator_avatar_data_uri(uid)
    return "" if url is None else f"<img class='{css}' src='{escape(url)}' alt=''>"


def _tags(tags: Sequence[str] | None) -> str:
    shown = tags if isinstance(tags, list | tuple) else [] if tags is None else [tags]
    return "".join(f"<span class='cc-tag'>{escape(str(t))}</span>" for t in shown)


def _status(status: str | None) -> str:
    if status is None:
        return ""
    css = "cc-status-online" if status != "offline" else "cc-status-offline"
    return f"<span class='{css}'>{escape(status)}</span>"


def _rows(fields: Iterable[tuple[str, str]]) -> str:
    """A two-column table of already-escaped (label, value) pairs; empty values left out."""
    rows = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in fields if value)
    return f"<table class='cc-fields'>{rows}</table>"


def _header(kind: str, title: str, *badges: str) -> str:
    return (
        f"<div class='cc-header'><span class='cc-kind'>{kind}</span>{title}{''.join(badges)}</div>"
    )


def _json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return escape(text if len(text) <= 200 else text[:199] + "…")


# -- users -------------------------------------------------------------------


def user_html(user: User) -> str:
    """A user as a card: avatar, uid, name, role, status, tags and timestamps."""
    title = f"<code>{escape(user.uid)}</code>" + (f" {escape(user.name)}" if user.name else "")
    body = (
        _avatar(user, "cc-avatar")
        + _header("User", title)
        + _rows(
            [
                ("role", escape(user.role or "")),
                ("status", _status(user.status)),
                ("status message", escape(user.status_message or "")),
                ("tags", _tags(user.tags)),
                ("link", _link(user.link)),
                ("metadata", _json(user.metadata) if user.metadata else ""),
                ("created", when(user.created_at)),
                ("updated", when(user.updated_at)),
                ("last active", when(user.last_active_at)),
                ("deactivated", when(user.deactivated_at)),
                ("auth token", "•••• (held by the session)" if user.auth_token is not None else ""),
            ]
        )
    )
    return wrap("user", f"<div class='cc-card'>{body}</div>", repr(user))


def _user_row(user: User) -> str:
    return (
        f"<tr><td>{_avatar(user, 'cc-avatar-small')}</td><td><code>{escape(user.uid)}</code></td>"
        f"<td>{escape(user.name or '')}</td><td>{escape(user.role or '')}</td>"
        f"<td>{_status(user.status)}</td><td>{_tags(user.tags)}</td>"
        f"<td>{when(user.created_at)}</td></tr>"
    )


def users_table(users: Sequence[User], max_rows: int = MAX_ROWS) -> str:
    """A table of users; past `max_rows`, the first and last halves with a gap row."""
    head = (
        "<thead><tr><th></th><th>uid</th><th>name</th><th>role</th><th>status</th>"
        "<th>tags</th><th>created</th></tr></thead>"
    )
    if len(users) > max_rows:
        half = max(1, max_rows // 2)
        hidden = len(users) - 2 * half
        rows = (
            "".join(_user_row(u) for u in users[:half])
            + f"<tr><td></td><td colspan='6' class='cc-dim'>… {hidden} more users …</td></tr>"
            + "".join(_user_row(u) for u in users[-half:])
        )
    else:
        rows = "".join(_user_row(u) for u in users)
    return f"<table class='cc-users'>{head}<tbody>{rows}</tbody></table>"


def users_text(users: Sequence[User], dropped: int = 0) -> str:
    older = f" ({dropped:,} older not kept)" if dropped else ""
    lines = [f"{len(users):,} users{older}"] + [f"  {u!r}" for u in users[:MAX_ROWS]]
    if len(users) > MAX_ROWS:
        lines.append(f"  … {len(users) - MAX_ROWS} more")
    return "\n".join(lines)


def users_html(users: Sequence[User], max_rows: int = MAX_ROWS, dropped: int = 0) -> str:
    """A list of users as a table with a count (and how many older ones were not kept)."""
    older = f" · {dropped:,} older not kept" if dropped else ""
    count = f"<span class='cc-dim'>{len(users):,}{older}</span>"
    body = _header("Users", count) + (users_table(users, max_rows) if users else "")
    return wrap("users", body, users_text(users, dropped))


# -- tokens, errors, events --------------------------------------------------


def auth_token_html(token: AuthToken) -> str:
    """An auth token: its uid, creation time and the token masked."""
    body = _header("AuthToken", f"<code>{escape(token.uid)}</code>") + _rows(
        [
            ("token", secret(token.auth_token)),
            ("created", when(token.created_at)),
        ]
    )
    return wrap("auth-token", body, repr(token))


def error_text(exc: CometChatException) -> str:
    lines = [f"{type(exc).__name__}: {exc}"]
    lines += [f"  {field}: {value}" for field, value in exc.details.items()]
    return redact("\n".join(lines))


def error_line(error: BaseException) -> str:
    """An error as a one-line status: its code (or type) and message, escaped and redacted.

    A kernel interrupt says what it means: the call stopped, its effect unknown.
    """
    if isinstance(error, KeyboardInterrupt):
        return (
            "<span style='color: var(--jp-warn-color0, #e65100)'><b>Interrupted</b>: the call "
            "was stopped; it may or may not have taken effect</span>"
        )
    if isinstance(error, CometChatException):
        code, message = error.code, error.message
    else:
        code, message = type(error).__name__, str(error)
    return (
        "<span style='color: var(--jp-error-color1, #d32f2f)'>"
        f"<b>{escape(code)}</b>: {escape(redact(message))}</span>"
    )


def error_html(exc: CometChatException) -> str:
    """An error: its class, code, message, HTTP status and per-field details."""
    details = "".join(
        f"<tr><th><code>{escape(str(field))}</code></th><td>{escape(redact(detail_text(value)))}</td></tr>"
        for field, value in exc.details.items()
    )
    title = f"<code>{escape(exc.code)}</code>"
    body = _header(escape(type(exc).__name__), title, _badge("error", "error")) + _rows(
        [
            ("message", escape(redact(exc.message))),
            ("HTTP status", str(exc.http_status) if exc.http_status is not None else ""),
            ("source", escape(exc.source)),
        ]
    )
    if details:
        body += (
            f"<table class='cc-details'><thead><tr><th>field</th><th>problem</th></tr></thead>"
            f"<tbody>{details}</tbody></table>"
        )
    return wrap("error", body, error_text(exc))


def detail_text(value: Any) -> str:
    """An error detail's text: a list of problems joined with `; `."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _badge(label: str, css: str) -> str:
    return f"<span class='cc-badge cc-badge-{css}'>{escape(label)}</span>"


FAILURES = ("login_failure", "logout_failure", "listener_error")


def _moment(moment: datetime) -> str:
    """`when(moment)` that wraps, if it must, only between the date and the time."""
    date, _, time = when(moment).partition(" ")
    return f"<span class='cc-nowrap'>{date}</span> <span class='cc-nowrap'>{time}</span>"


def event_row(event: Event) -> str:
    css = " class='cc-failure'" if event.name in FAILURES else ""
    return (
        f"<tr{css}><td>{_moment(event.time)}</td><td>{escape(event.kind)}</td>"
        f"<td>{escape(event.name)}</td><td>{escape(redact(event.detail))}</td></tr>"
    )


def events_table(events: Sequence[Event]) -> str:
    """Events, oldest first, as a table: time (UTC, dated), kind, name, detail."""
    return _events_table("".join(event_row(e) for e in events))


def _events_table(rows: str) -> str:
    head = "<thead><tr><th>time</th><th>kind</th><th>name</th><th>detail</th></tr></thead>"
    return f"<table class='cc-events'>{head}<tbody>{rows}</tbody></table>"


def event_text(event: Event) -> str:
    return f"{event.time.isoformat()} {event.kind} {event.name} {redact(event.detail)}".rstrip()


def event_html(event: Event) -> str:
    """One event as a one-row table."""
    return wrap("event", events_table([event]), event_text(event))


def events_log(events: Sequence[Event]) -> str:
    """The event log widget's content: a scrolling table, newest row in view."""
    tail = events[-MAX_ROWS:]
    return events_log_html([event_row(e) for e in events], [event_text(e) for e in tail])


def events_log_html(rows: Sequence[str], texts: Sequence[str]) -> str:
    """`events_log` from rows made by `event_row` and their `event_text` lines.

    For callers that keep each event's row once made (the event log widget): the
    rows are joined, not made again. `texts` may hold only the last `MAX_ROWS`.
    """
    if not rows:
        return wrap("event-log", "<span class='cc-dim'>no events yet</span>", "no events")
    text = "\n".join(texts[-MAX_ROWS:])
    return wrap("event-log", f"<div class='cc-scroll'>{_events_table(''.join(rows))}</div>", text)


# -- sessions and the emulator -----------------------------------------------


@dataclass(frozen=True)
class SessionView:
    """What a session's repr shows, read from the session without HTTP."""

    kind: str  # the class name: Session or AsyncSession
    app_id: str
    region: str
    emulator: bool
    emulator_url: str | None  # None in-process (or on a real app)
    logged_in: User | None
    listener_ids: Sequence[str]
    subscribers: int
    recent: Sequence[Event]  # the last events, oldest first
    created: int  # how many users the session created
    auth_key: Secret | None
    rest_api_key: Secret | None
    text: str  # the text repr, for the fallback
    rate_limits: str = ""  # the service's latest figures per rate class, if any


def session_html(view: SessionView) -> str:
    """A session: where it is connected, who is logged in, its listeners and last events."""
    if view.emulator:
        badge = _badge("EMULATOR", "emulator")
        url = view.emulator_url
        where = f"emulator at {escape(url)}" if url else "emulator (in-process)"
    else:
        badge = _badge("LIVE", "live")
        where = "CometChat"
    user = view.logged_in
    who = "nobody"
    if user is not None:
        who = f"<code>{escape(user.uid)}</code> {escape(user.name or '')}"
    listeners = ", ".join(f"<code>{escape(i)}</code>" for i in view.listener_ids) or "none"
    title = f"<code>{escape(view.app_id)}</code>"
    body = _header(escape(view.kind), title, badge) + _rows(
        [
            ("connected to", where),
            ("region", escape(view.region)),
            ("logged in", who),
            ("login listeners", listeners),
            ("subscribers", str(view.subscribers)),
            ("users created", str(view.created)),
            ("auth key", secret(view.auth_key)),
            ("REST API key", secret(view.rest_api_key)),
        ]
        + ([("rate limits", escape(view.rate_limits))] if view.rate_limits else [])
    )
    recent = list(view.recent)[-RECENT_EVENTS:]
    if recent:
        body += (
            f"<details open><summary>last {len(recent)} events</summary>"
            f"{events_table(recent)}</details>"
        )
    return wrap("session", body, view.text)


class EmulatorLike(Protocol):
    """What an emulator's repr reads (the emulator package stays apart from this module)."""

    app_id: str
    region: str

    @property
    def persistent(self) -> bool: ...


def emulator_html(emulator: EmulatorLike, users: int, requests: int) -> str:
    """An emulator: the badge, its app, and how many users and requests it holds (counted
    by the emulator: its `users` and `requests` are snapshots, slow at a million users)."""
    body = _header(
        "Emulator", f"<code>{escape(emulator.app_id)}</code>", _badge("EMULATOR", "emulator")
    )
    body += _rows(
        [
            ("region", escape(emulator.region)),
            ("users", f"{users:,}"),
            ("requests handled", f"{requests:,}"),
            ("storage", "SQLite" if emulator.persistent else "memory"),
        ]
    )
    return wrap("emulator", body, repr(emulator))


class HealthLike(Protocol):
    """What a health report's repr reads (`health.HealthReport`)."""

    @property
    def kind(self) -> str: ...

    @property
    def app_id(self) -> str: ...

    @property
    def ok(self) -> bool: ...

    def rows(self) -> list[tuple[str, str]]: ...


def health_html(report: HealthLike) -> str:
    """A health report: a badge that says ok or not, then its rows."""
    badge = _badge("OK", "live") if report.ok else _badge("PROBLEM", "error")
    title = f"<code>{escape(report.app_id)}</code>"
    body = _header(f"{escape(report.kind)} check", title, badge) + _rows(
        (escape(label), escape(value)) for label, value in report.rows()[1:]
    )
    return wrap("health", body, str(report))
