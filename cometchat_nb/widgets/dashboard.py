"""`dashboard(session)`: the login form, event log and user table of one session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets

from ..display import escape
from ..emulator import console
from .base import descendants, require_session
from .event_log import EventLog
from .login import LoginForm
from .plain import PlainTextRepr
from .user_table import UserTable

if TYPE_CHECKING:
    from ..session import Session

#: The dashboard's width; its three parts fill it, so their boxes line up.
WIDTH = "56em"
HEADINGS = {
    "login_form": "Log in",
    "event_log": "Event log",
    "user_table": "Users created by this session",
}


def section(title: str, part: Any) -> ipywidgets.VBox:
    """`part` under a heading, in a bordered box as wide as the dashboard."""
    heading = ipywidgets.HTML(f"<h3 style='margin: 0.2em 0 0.4em'>{title}</h3>")
    heading.add_class("cc-heading")
    box = ipywidgets.VBox(
        [heading, part],
        layout=ipywidgets.Layout(
            width="100%",
            border="1px solid var(--jp-border-color1, #bdbdbd)",
            padding="0.2em 0.8em 0.6em",
            margin="0 0 0.8em 0",
        ),
    )
    box.add_class("cc-section")
    return box


class SideBySide(PlainTextRepr, ipywidgets.HBox):  # type: ignore[misc]
    """Widgets in a row that wraps: side by side where there is room for each at its
    narrowest (`MIN_WIDTH`), stacked under that; each gets an equal share of the row."""

    def __init__(self, *parts: Any) -> None:
        for part in parts:
            part.layout.flex, part.layout.margin = "1 1 24em", "0 0.8em 0.6em 0"
        self.session = getattr(parts[0], "session", None) if parts else None
        names = " and ".join(type(part).__name__ for part in parts)
        self.describes = f"{names} side by side, stacked on a narrow screen"
        super().__init__(list(parts), layout=ipywidgets.Layout(flex_flow="row wrap", width="100%"))
        self.add_class("cc-side-by-side")

    def close(self) -> None:
        """Close the widgets in the row (a session widget unsubscribes) and the row."""
        for part in self.children:
            part.close()
        super().close()


def side_by_side(*parts: Any) -> SideBySide:
    """`parts` side by side, stacked where the notebook is too narrow for them.

    `side_by_side(LoginForm(session), Inspector(session))`: the requests beside the form.
    """
    return SideBySide(*parts)


class Dashboard(PlainTextRepr, ipywidgets.VBox):  # type: ignore[misc]
    """A `LoginForm`, an `EventLog` and a `UserTable` on the same session, each under a heading."""

    describes = "log in and out, watch the live event log, create users and see them"

    def __init__(self, session: Session, **kwargs: Any) -> None:
        self.session = session = require_session(session, "dashboard")
        self.login_form = LoginForm(session)
        self.event_log = EventLog(session)
        self.user_table = UserTable(session)
        kwargs.setdefault("layout", ipywidgets.Layout(width=WIDTH, max_width="100%"))
        children = [section(HEADINGS[part], getattr(self, part)) for part in HEADINGS]
        if session.emulator_url:  # a served emulator: its console is a click away
            children.append(console_link(session.emulator_url))
        super().__init__(children=children, **kwargs)
        self.add_class("cc-dashboard")

    def close(self) -> None:
        """Close the three widgets (unsubscribing them), their boxes and this one."""
        for part in HEADINGS:
            if hasattr(self, part):  # not if __init__ failed
                getattr(self, part).close()
        for child in descendants(self):
            child.close()
        super().close()


def dashboard(session: Session) -> Dashboard:
    """One widget composing `LoginForm`, `EventLog` and `UserTable` on `session`."""
    return Dashboard(session)


def console_link(base: str) -> ipywidgets.HTML:
    """A link to the console page of the emulator served at `base`, in a new tab."""
    address = escape(console.url(base))
    link = ipywidgets.HTML(
        f"<a href='{address}' target='_blank' rel='noopener noreferrer'>Open the emulator "
        f"console</a> <span style='opacity: 0.75'>(users, tokens, requests, faults; "
        f"<code>{address}</code>)</span>"
    )
    link.add_class("cc-console-link")
    return link
