"""`dashboard(session)`: the login form, event log and user table of one session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets

from .base import require_session
from .event_log import EventLog
from .login import LoginForm
from .user_table import UserTable

if TYPE_CHECKING:
    from ..session import Session


class Dashboard(ipywidgets.VBox):  # type: ignore[misc]
    """A `LoginForm`, an `EventLog` and a `UserTable` on the same session."""

    def __init__(self, session: Session, **kwargs: Any) -> None:
        session = require_session(session, "dashboard")
        self.login_form = LoginForm(session)
        self.event_log = EventLog(session)
        self.user_table = UserTable(session)
        super().__init__(children=[self.login_form, self.event_log, self.user_table], **kwargs)
        self.add_class("cc-dashboard")

    def close(self) -> None:
        """Close the three widgets (unsubscribing them) and this box."""
        for part in ("login_form", "event_log", "user_table"):
            if hasattr(self, part):  # not if __init__ failed
                getattr(self, part).close()
        super().close()


def dashboard(session: Session) -> Dashboard:
    """One widget composing `LoginForm`, `EventLog` and `UserTable` on `session`."""
    return Dashboard(session)
